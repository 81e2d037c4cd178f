// OpenAI Chat Completions request body -> the `args` of Puter's `puter-chat-completion` driver call, with what OpenAI
// would refuse and what Puter has no equivalent for. Pure.
import type { ChatCompletionRequest, ChatMessage } from './schema.ts'

type Obj = Record<string, unknown>

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => typeof value === 'string' ? value : undefined

/** Content part types sent on to Puter. */
const FORWARDED_PARTS = new Set(['text', 'image_url'])
/** OpenAI's other part types: accepted, but Puter has no equivalent here, so they are dropped. Any other is refused. */
const DROPPED_PARTS = new Set(['input_audio', 'file', 'refusal'])
/** Roles whose messages need content (OpenAI lets only an assistant turn of tool calls, or a function result, go without). */
const CONTENT_REQUIRED = new Set(['system', 'developer', 'user', 'tool'])
/** Request fields this gateway reads (n and stream_options in the route); any other field is dropped. */
const READ_FIELDS = new Set(['model', 'messages', 'tools', 'tool_choice', 'parallel_tool_calls', 'functions', 'function_call', 'temperature',
  'top_p', 'max_tokens', 'max_completion_tokens', 'reasoning_effort', 'stop', 'stream', 'stream_options', 'n'])

/** Puter turns every tool into a function tool; other OpenAI tool types cannot work there. */
function isFunctionTool<T extends { type: string, function?: object }> (tool: T): tool is T & Required<Pick<T, 'function'>> {
  return tool.type === 'function' && isObj(tool.function)
}

/**
 * The first thing in a schema-valid request that OpenAI would refuse (the schema is open on purpose, and cannot say
 * "content is required unless..."), naming its field; undefined when there is none.
 */
export function requestProblem (req: ChatCompletionRequest): { param: string, message: string } | undefined {
  for (const [i, m] of req.messages.entries()) {
    const at = `messages.${i}.content`
    if (m.content === null || m.content === undefined) {
      const toolTurn = (m.tool_calls?.length ?? 0) > 0 || isObj(m.function_call)
      if (CONTENT_REQUIRED.has(m.role)) return { param: at, message: `${at} must be a string or an array of content parts: a ${m.role} message needs content` }
      if (m.role === 'assistant' && !toolTurn) return { param: at, message: `${at} must be a string or an array of content parts: an assistant message needs content unless it has tool_calls` }
      continue
    }
    if (!Array.isArray(m.content)) continue
    for (const [j, part] of m.content.entries()) {
      if (!FORWARDED_PARTS.has(part.type) && !DROPPED_PARTS.has(part.type)) {
        return { param: `${at}.${j}.type`, message: `${at}.${j}.type must be one of ${[...FORWARDED_PARTS, ...DROPPED_PARTS].join(', ')}` }
      }
      if (part.type === 'text' && typeof part.text !== 'string') return { param: `${at}.${j}.text`, message: `${at}.${j}.text is required in a part of type text` }
    }
  }
  for (const [i, tool] of (req.tools ?? []).entries()) {
    if (tool.type === 'function' && !isObj(tool.function)) return { param: `tools.${i}.function`, message: `tools.${i}.function is required in a tool of type function` }
  }
  return undefined
}

/** What toPuterArgs leaves out because Puter has no equivalent, by name only (for a debug line); undefined for nothing. */
export function droppedByTranslation (req: ChatCompletionRequest): { fields: string[], toolTypes: string[], partTypes: string[] } | undefined {
  const fields = Object.entries(req).filter(([name, value]) => !READ_FIELDS.has(name) && value !== null && value !== undefined).map(([name]) => name)
  const toolTypes = [...new Set((req.tools ?? []).filter((tool) => !isFunctionTool(tool)).map((tool) => tool.type))]
  const partTypes = [...new Set(req.messages.flatMap((m) => Array.isArray(m.content) ? m.content.map((part) => part.type) : []).filter((type) => DROPPED_PARTS.has(type)))]
  return fields.length + toolTypes.length + partTypes.length > 0 ? { fields, toolTypes, partTypes } : undefined
}

/**
 * Maps an OpenAI chat completions body onto Puter's `/drivers/call` `args`. Only known fields are sent;
 * null and undefined ones are left out.
 */
export function toPuterArgs (req: ChatCompletionRequest): Record<string, unknown> {
  const args: Record<string, unknown> = { model: req.model, messages: toPuterMessages(req.messages) }

  const tools = toPuterTools(req)
  if (tools) {
    args.tools = tools
    // Only with tools: OpenAI-wire providers reject tool_choice / parallel_tool_calls without them.
    const toolChoice = toPuterToolChoice(req.tool_choice ?? req.function_call)
    if (toolChoice !== undefined) args.tool_choice = toolChoice
    if (typeof req.parallel_tool_calls === 'boolean') args.parallel_tool_calls = req.parallel_tool_calls
  }
  if (typeof req.temperature === 'number') args.temperature = req.temperature
  if (typeof req.top_p === 'number') args.top_p = req.top_p
  // Values below 1 (LM Studio style -1, or 0) mean "no cap": leave Puter's default.
  const maxTokens = req.max_completion_tokens ?? req.max_tokens
  if (typeof maxTokens === 'number' && maxTokens > 0) args.max_tokens = maxTokens
  if (typeof req.reasoning_effort === 'string' && req.reasoning_effort !== '') args.reasoning_effort = req.reasoning_effort
  if (typeof req.stop === 'string' || (Array.isArray(req.stop) && req.stop.length > 0)) args.stop = req.stop
  args.stream = req.stream === true
  return args
}

/**
 * Puter-side message rules this follows (HeyPuter/puter `drivers/ai-chat/utils/Messages.js`, `OpenAIUtil.js`):
 * - a message with empty content and no tool calls is rejected ("each message must have a 'content' property"),
 *   so empty turns are dropped;
 * - assistant tool calls are sent as Puter `tool_use` blocks with a parsed `input` object in a message of their
 *   own. Puter only converts OpenAI `tool_calls` itself when content is empty, and then keeps `arguments` as a
 *   string that its OpenAI-wire path JSON-encodes a second time; next to text content it leaves `tool_calls`
 *   unconverted. Blocks work for every provider family; the assistant text goes in the message before, which
 *   Anthropic merges back into one turn;
 * - tool results must be strings (anything else is JSON-stringified by Puter), so text parts are joined.
 * `name`, `cache_control`, `reasoning_details` and other extras are never sent: Anthropic rejects unknown keys.
 */
function toPuterMessages (messages: ChatMessage[]): Obj[] {
  const out: Obj[] = []
  // Legacy function calling has no ids: give each function_call one, and hand it to the next result of that name.
  const legacyIds = new Map<string, string[]>()
  let legacyCount = 0

  for (const m of messages) {
    switch (m.role) {
      case 'tool': {
        const msg: Obj = { role: 'tool', content: toolResultText(m.content) }
        if (typeof m.tool_call_id === 'string') msg.tool_call_id = m.tool_call_id
        out.push(msg)
        break
      }
      case 'function': {
        const name = m.name ?? ''
        const id = m.tool_call_id ?? legacyIds.get(name)?.shift() ?? `call_${name}`
        out.push({ role: 'tool', tool_call_id: id, content: toolResultText(m.content) })
        break
      }
      case 'assistant': {
        const content = toPuterContent(m.content)
        if (content !== undefined) out.push({ role: 'assistant', content })
        const blocks: Obj[] = []
        if (Array.isArray(m.tool_calls)) {
          for (const call of m.tool_calls) {
            blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) })
          }
        } else if (isObj(m.function_call) && typeof m.function_call.name === 'string') {
          const id = `call_legacy_${legacyCount++}`
          const name = m.function_call.name
          legacyIds.set(name, [...(legacyIds.get(name) ?? []), id])
          blocks.push({ type: 'tool_use', id, name, input: parseArguments(m.function_call.arguments) })
        }
        if (blocks.length > 0) out.push({ role: 'assistant', content: blocks })
        break
      }
      default: {
        const content = toPuterContent(m.content)
        if (content !== undefined) out.push({ role: m.role === 'developer' ? 'system' : m.role, content })
      }
    }
  }
  return out
}

/** Content as Puter takes it: a string, or text/image_url parts; undefined when nothing is left. */
function toPuterContent (content: ChatMessage['content']): string | Obj[] | undefined {
  if (typeof content === 'string') return content === '' ? undefined : content
  if (!Array.isArray(content)) return undefined
  const parts: Obj[] = []
  for (const part of content as unknown[]) {
    if (typeof part === 'string') {
      if (part !== '') parts.push({ type: 'text', text: part })
    } else if (isObj(part)) {
      if (part.type === 'text' && typeof part.text === 'string' && part.text !== '') {
        parts.push({ type: 'text', text: part.text })
      } else if (part.type === 'image_url') {
        const url = isObj(part.image_url) ? str(part.image_url.url) : str(part.image_url)
        if (url) parts.push({ type: 'image_url', image_url: { url } })
      }
      // DROPPED_PARTS (input_audio, file, refusal) have no Puter equivalent here.
    }
  }
  return parts.length > 0 ? parts : undefined
}

function toolResultText (content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  const texts: string[] = []
  for (const part of content as unknown[]) {
    if (typeof part === 'string') texts.push(part)
    else if (isObj(part) && typeof part.text === 'string') texts.push(part.text)
  }
  return texts.join('\n')
}

/** Tool-call arguments as the object Claude requires; invalid or non-object JSON becomes {} (as Puter does). */
export function parseArguments (args: unknown): Obj {
  if (isObj(args)) return args
  if (typeof args !== 'string' || args.trim() === '') return {}
  try {
    const parsed: unknown = JSON.parse(args)
    return isObj(parsed) ? parsed : {}
  } catch {
    return {}
  }
}

function toPuterTools (req: ChatCompletionRequest): Obj[] | undefined {
  const source = req.tools ?? req.functions?.map((fn) => ({ type: 'function', function: fn }))
  if (!source) return undefined
  const tools: Obj[] = []
  for (const tool of source) {
    if (!isFunctionTool(tool)) continue
    const { name, description, parameters, strict } = tool.function
    const fn: Obj = { name }
    if (description !== undefined) fn.description = description
    if (parameters !== undefined) fn.parameters = parameters
    if (typeof strict === 'boolean') fn.strict = strict
    tools.push({ type: 'function', function: fn })
  }
  return tools.length > 0 ? tools : undefined
}

function toPuterToolChoice (choice: unknown): unknown {
  if (typeof choice === 'string') return choice
  if (!isObj(choice)) return undefined
  // tool_choice {type:'function', function:{name}}, or the legacy function_call {name}.
  const name = isObj(choice.function) ? str(choice.function.name) : str(choice.name)
  return name === undefined ? undefined : { type: 'function', function: { name } }
}
