// OpenAI Responses request body -> the `args` of Puter's `puter-chat-completion` driver call: input items into chat
// messages, function and custom tools into function tools, hosted tools left out. Pure.
import type { InputItem, ResponsesRequest } from './schema.ts'
import { parseArguments } from '../openai-chat/request.ts'

type Obj = Record<string, unknown>

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => typeof value === 'string' ? value : undefined

/** The one string parameter a freeform (`custom`) tool is offered to the model with. */
export const CUSTOM_TOOL_PARAM = 'input'

/** Tool types the model can call through Puter; every other type is a hosted tool Puter cannot run. */
const CALLABLE_TOOLS = new Set(['function', 'custom'])
/** tool_choice strings OpenAI takes; they pass on as they are. */
const CHOICE_MODES = new Set(['auto', 'none', 'required'])
/** Puter takes these reasoning efforts only; the others are clamped to the nearest. */
const EFFORTS: Record<string, string | undefined> = { minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'high', max: 'high' }

/** What the request asks for, mapped: Puter's args and the names of the custom tools (answered as custom_tool_call). */
export interface PuterRequest {
  args: Record<string, unknown>
  customTools: Set<string>
}

/**
 * The first thing in a schema-valid request this gateway refuses, naming its field: a tool_choice forcing a tool
 * Puter cannot run, a function or custom tool without a name, a call without its call_id. Undefined when none.
 */
export function requestProblem (req: ResponsesRequest): { param: string, message: string, hostedTool?: string } | undefined {
  const choice = req.tool_choice
  if (isObj(choice) && typeof choice.type === 'string' && !CALLABLE_TOOLS.has(choice.type) && choice.type !== 'allowed_tools') {
    // {type:"mcp", server_label} and {type:"web_search_preview"} alike: name the tool by its type (and server).
    const hostedTool = typeof choice.server_label === 'string' ? `${choice.type} (${choice.server_label})` : choice.type
    return { param: 'tool_choice', hostedTool, message: `tool_choice forces the hosted tool "${hostedTool}"` }
  }
  if (isObj(choice) && CALLABLE_TOOLS.has(String(choice.type)) && typeof choice.name !== 'string') {
    return { param: 'tool_choice.name', message: 'tool_choice.name is required when tool_choice names a function or custom tool' }
  }
  for (const [i, tool] of (req.tools ?? []).entries()) {
    if (CALLABLE_TOOLS.has(tool.type) && (typeof tool.name !== 'string' || tool.name === '')) {
      return { param: `tools.${i}.name`, message: `tools.${i}.name is required in a tool of type ${tool.type}` }
    }
  }
  if (Array.isArray(req.input)) {
    for (const [i, item] of req.input.entries()) {
      const type = itemType(item)
      if ((type === 'function_call' || type === 'custom_tool_call' || type === 'function_call_output' || type === 'custom_tool_call_output') && typeof item.call_id !== 'string') {
        return { param: `input.${i}.call_id`, message: `input.${i}.call_id is required in an item of type ${type}` }
      }
      if ((type === 'function_call' || type === 'custom_tool_call') && typeof item.name !== 'string') {
        return { param: `input.${i}.name`, message: `input.${i}.name is required in an item of type ${type}` }
      }
    }
  }
  return undefined
}

/** The input as items: a bare string is one user message. */
export function inputItems (input: ResponsesRequest['input']): InputItem[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }]
  return input ?? []
}

/** Hosted tools (and other types) the request offered that are left out of the call, for a debug line. */
export function droppedTools (req: ResponsesRequest): string[] {
  return [...new Set((req.tools ?? []).filter((tool) => !CALLABLE_TOOLS.has(tool.type)).map((tool) => tool.type))]
}

/**
 * Maps a Responses body onto Puter's `/drivers/call` `args`. `history` is the conversation of previous_response_id
 * (items), put before this request's input; its instructions are not carried over, as OpenAI does.
 */
export function toPuterRequest (req: ResponsesRequest, history: InputItem[] = []): PuterRequest {
  const messages: Obj[] = []
  if (typeof req.instructions === 'string' && req.instructions !== '') messages.push({ role: 'system', content: req.instructions })
  messages.push(...toPuterMessages([...history, ...inputItems(req.input)]))
  const args: Record<string, unknown> = { model: req.model, messages }

  const customTools = new Set<string>()
  const tools: Obj[] = []
  for (const tool of req.tools ?? []) {
    if (tool.type === 'function' && typeof tool.name === 'string') {
      const fn: Obj = { name: tool.name }
      if (typeof tool.description === 'string') fn.description = tool.description
      fn.parameters = isObj(tool.parameters) ? tool.parameters : { type: 'object', properties: {} }
      if (typeof tool.strict === 'boolean') fn.strict = tool.strict
      tools.push({ type: 'function', function: fn })
    } else if (tool.type === 'custom' && typeof tool.name === 'string') {
      customTools.add(tool.name)
      tools.push({ type: 'function', function: customToolFunction(tool.name, tool.description, tool.format) })
    }
    // Hosted tools (web_search, file_search, tool_search, namespace, mcp, local_shell, ...): Puter cannot run them,
    // and Codex sends some with every request, so they are left out rather than refused.
  }
  if (tools.length > 0) {
    args.tools = tools
    // Only with tools: OpenAI-wire providers reject tool_choice / parallel_tool_calls without them.
    const toolChoice = toPuterToolChoice(req.tool_choice)
    if (toolChoice !== undefined) args.tool_choice = toolChoice
    if (typeof req.parallel_tool_calls === 'boolean') args.parallel_tool_calls = req.parallel_tool_calls
  }
  if (typeof req.temperature === 'number') args.temperature = req.temperature
  if (typeof req.top_p === 'number') args.top_p = req.top_p
  if (typeof req.max_output_tokens === 'number' && req.max_output_tokens > 0) args.max_tokens = req.max_output_tokens
  const effort = clampEffort(req.reasoning?.effort)
  if (effort !== undefined) args.reasoning_effort = effort
  args.stream = req.stream === true
  return { args, customTools }
}

/** none (and unknown values) send no effort; minimal and xhigh become low and high, the ends of what Puter takes. */
export function clampEffort (effort: unknown): string | undefined {
  return typeof effort === 'string' ? EFFORTS[effort.toLowerCase()] : undefined
}

/** A freeform tool as a function with one string parameter; its grammar, if any, is told in the description. */
function customToolFunction (name: string, description: unknown, format: unknown): Obj {
  let text = typeof description === 'string' ? description : ''
  if (isObj(format) && format.type === 'grammar' && typeof format.definition === 'string') {
    text += `\n\nThe "${CUSTOM_TOOL_PARAM}" argument must follow this ${str(format.syntax) ?? ''} grammar:\n${format.definition}`
  }
  return {
    name,
    description: text.trim(),
    parameters: {
      type: 'object',
      properties: { [CUSTOM_TOOL_PARAM]: { type: 'string', description: 'The raw input of the tool, as freeform text' } },
      required: [CUSTOM_TOOL_PARAM]
    }
  }
}

function toPuterToolChoice (choice: ResponsesRequest['tool_choice']): unknown {
  if (typeof choice === 'string') return CHOICE_MODES.has(choice) ? choice : undefined
  if (!isObj(choice)) return undefined
  if (choice.type === 'allowed_tools') return choice.mode === 'required' ? 'required' : 'auto'
  return typeof choice.name === 'string' ? { type: 'function', function: { name: choice.name } } : undefined
}

function itemType (item: InputItem): string {
  return item.type ?? (item.role !== undefined ? 'message' : '')
}

/**
 * Items into Puter chat messages, by the rules the chat route follows (src/gateway/openai-chat/request.ts): tool calls
 * as `tool_use` blocks with a parsed `input` in an assistant message of their own (consecutive calls share one, so
 * Claude sees parallel calls as one turn), results as `role: "tool"` strings, empty messages dropped, extras never
 * sent. Reasoning items are dropped: Puter's stream gives no signatures, and Codex sends them back every turn.
 */
function toPuterMessages (items: InputItem[]): Obj[] {
  const out: Obj[] = []
  let calls: Obj[] | undefined
  const pushCall = (block: Obj) => {
    if (calls === undefined) {
      calls = []
      out.push({ role: 'assistant', content: calls })
    }
    calls.push(block)
  }
  for (const item of items) {
    const type = itemType(item)
    if (type === 'function_call' || type === 'custom_tool_call') {
      const input = type === 'function_call' ? parseArguments(item.arguments) : { [CUSTOM_TOOL_PARAM]: item.input ?? '' }
      pushCall({ type: 'tool_use', id: item.call_id, name: item.name, input })
      continue
    }
    calls = undefined
    if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      out.push({ role: 'tool', tool_call_id: item.call_id, content: outputText(item.output) })
    } else if (type === 'message') {
      const content = toPuterContent(item.content)
      if (content === undefined) continue
      const role = item.role === 'developer' || item.role === 'system' ? 'system' : item.role === 'assistant' ? 'assistant' : 'user'
      out.push({ role, content })
    }
    // reasoning, item_reference and hosted-tool items (web_search_call, local_shell_call, ...) are left out.
  }
  return out
}

/** Message content as Puter takes it: a string, or text / image_url parts; undefined when nothing is left. */
function toPuterContent (content: InputItem['content']): string | Obj[] | undefined {
  if (typeof content === 'string') return content === '' ? undefined : content
  if (!Array.isArray(content)) return undefined
  const parts: Obj[] = []
  for (const part of content) {
    if ((part.type === 'input_text' || part.type === 'output_text' || part.type === 'text') && typeof part.text === 'string' && part.text !== '') {
      parts.push({ type: 'text', text: part.text })
    } else if (part.type === 'input_image' && typeof part.image_url === 'string' && part.image_url !== '') {
      parts.push({ type: 'image_url', image_url: { url: part.image_url } })
    }
    // input_file, refusal, and images by file_id have no Puter equivalent here.
  }
  if (parts.length === 0) return undefined
  // One text part is sent as a string: every provider family takes that.
  return parts.length === 1 && parts[0].type === 'text' ? String(parts[0].text) : parts
}

/** A call's output as the string Puter wants: text parts joined (images in outputs are not forwarded). */
function outputText (output: unknown): string {
  if (typeof output === 'string') return output
  if (Array.isArray(output)) {
    return output.map((part) => isObj(part) && typeof part.text === 'string' ? part.text : '').filter((s) => s !== '').join('\n')
  }
  return output === undefined || output === null ? '' : JSON.stringify(output)
}
