// Pure translation between OpenAI Chat Completions and Puter's `puter-chat-completion` driver: no I/O here.
import { StringDecoder } from 'node:string_decoder'
import type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatMessage,
  FinishReason,
  OpenAIError,
  ResponseToolCall,
  Usage
} from '../schemas/openai.ts'

type Obj = Record<string, unknown>

function isObj (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Request: OpenAI body -> Puter `args`

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
      // Other part types (input_audio, file, ...) have no Puter equivalent here and are dropped.
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
function parseArguments (args: unknown): Obj {
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
    // Puter turns every tool into a function tool; other OpenAI tool types cannot work, so they are left out.
    if (tool.type !== 'function' || !isObj(tool.function)) continue
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

// ---------------------------------------------------------------------------------------------------------------
// Usage and finish reasons

function count (value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0
}

/**
 * Puter usage (either family) as OpenAI usage. OpenAI-wire providers report Puter's metered keys, where
 * `prompt_tokens` excludes the top-level `cached_tokens` (they are billed apart), or raw OpenAI usage with
 * `prompt_tokens_details.cached_tokens` already inside `prompt_tokens`. Claude reports `input_tokens` without
 * cache reads and cache writes; OpenAI's `prompt_tokens` counts all of them.
 */
export function toOpenAIUsage (usage: unknown): Usage {
  let prompt = 0
  let completion = 0
  let cached: number | undefined
  if (isObj(usage)) {
    if ('prompt_tokens' in usage || 'completion_tokens' in usage) {
      const details = isObj(usage.prompt_tokens_details) ? usage.prompt_tokens_details.cached_tokens : undefined
      prompt = count(usage.prompt_tokens)
      if (typeof details === 'number') {
        cached = count(details)
      } else if (typeof usage.cached_tokens === 'number') {
        cached = count(usage.cached_tokens)
        prompt += cached
      }
      completion = count(usage.completion_tokens)
    } else if ('input_tokens' in usage || 'output_tokens' in usage) {
      // Puter flattens Anthropic's cache_creation into ephemeral_*; raw usage has cache_creation_input_tokens.
      const writes = typeof usage.ephemeral_5m_input_tokens === 'number' || typeof usage.ephemeral_1h_input_tokens === 'number'
        ? count(usage.ephemeral_5m_input_tokens) + count(usage.ephemeral_1h_input_tokens)
        : count(usage.cache_creation_input_tokens)
      if (typeof usage.cache_read_input_tokens === 'number') cached = count(usage.cache_read_input_tokens)
      prompt = count(usage.input_tokens) + (cached ?? 0) + writes
      completion = count(usage.output_tokens)
    } else {
      // OpenRouter-style metering keys.
      prompt = count(usage.prompt)
      completion = count(usage.completion)
    }
  }
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
  if (cached !== undefined) out.prompt_tokens_details = { cached_tokens: cached }
  return out
}

/** Anthropic `stop_reason` -> OpenAI `finish_reason`; undefined when there is none. */
function fromStopReason (reason: unknown): FinishReason | undefined {
  if (typeof reason !== 'string' || reason === '') return undefined
  switch (reason) {
    case 'tool_use': return 'tool_calls'
    case 'max_tokens':
    case 'model_context_window_exceeded': return 'length'
    case 'refusal': return 'content_filter'
    default: return 'stop'
  }
}

/** Any provider's `finish_reason` -> one of OpenAI's; undefined when there is none. */
function fromFinishReason (reason: unknown): FinishReason | undefined {
  if (typeof reason !== 'string' || reason === '') return undefined
  switch (reason) {
    case 'length':
    case 'max_tokens': return 'length'
    case 'tool_calls':
    case 'function_call':
    case 'tool_use': return 'tool_calls'
    case 'content_filter': return 'content_filter'
    default: return 'stop'
  }
}

/** A token-cap or content-filter signal on a Puter object (a usage line, or its usage), if any. */
function signalledFinish (obj: Obj): FinishReason | undefined {
  return fromFinishReason(obj.finish_reason) ?? fromStopReason(obj.stopReason) ?? fromStopReason(obj.stop_reason)
}

// ---------------------------------------------------------------------------------------------------------------
// Non-streaming result: Puter `result` -> chat.completion

interface Collected {
  text: string[]
  reasoning: string[]
  calls: ResponseToolCall[]
  idPrefix: string
}

function addCall (acc: Collected, id: unknown, name: unknown, args: unknown): void {
  acc.calls.push({
    id: typeof id === 'string' && id !== '' ? id : `call_${acc.idPrefix}_${acc.calls.length}`,
    type: 'function',
    function: {
      name: typeof name === 'string' ? name : '',
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {})
    }
  })
}

/** Content blocks of every family: Anthropic, Puter-normalized, Responses API items, OpenAI parts. */
function collectBlocks (blocks: unknown[], acc: Collected): void {
  for (const block of blocks) {
    if (typeof block === 'string') {
      acc.text.push(block)
      continue
    }
    if (!isObj(block)) continue
    switch (block.type) {
      case 'text':
      case 'output_text':
        if (typeof block.text === 'string') acc.text.push(block.text)
        break
      case 'thinking':
        if (typeof block.thinking === 'string') acc.reasoning.push(block.thinking)
        break
      case 'reasoning': {
        const text = str(block.reasoning) ?? str(block.text)
        if (text !== undefined) acc.reasoning.push(text)
        else if (Array.isArray(block.summary)) {
          for (const s of block.summary) if (isObj(s) && typeof s.text === 'string') acc.reasoning.push(s.text)
        }
        break
      }
      case 'tool_use':
        addCall(acc, block.id, block.name, block.input)
        break
      case 'function_call':
        addCall(acc, block.call_id ?? block.id, block.name, block.arguments)
        break
      case 'function':
        if (isObj(block.function)) addCall(acc, block.id, block.function.name, block.function.arguments)
        break
      // redacted_thinking, compaction, images and unknown blocks have no place in a chat.completion.
    }
  }
}

/**
 * Converts any Puter chat result (OpenAI-wire `choices[0]`, Responses-style, raw Claude message, Puter-normalized
 * blocks, newer normalized OpenAI shape, a bare string) into a standard `chat.completion`. The `{success, result}`
 * envelope is unwrapped if passed whole.
 */
export function fromPuterResult (result: unknown, meta: { id: string, created: number, model: string }): ChatCompletion {
  let r = result
  if (isObj(r) && r.success === true && 'result' in r) r = r.result
  if (isObj(r) && Array.isArray(r.choices) && isObj(r.choices[0])) r = { ...r.choices[0], usage: r.usage }

  const acc: Collected = { text: [], reasoning: [], calls: [], idPrefix: meta.id.replace(/^chatcmpl-/, '') }
  let finish: FinishReason | undefined
  let usage: unknown

  if (typeof r === 'string') {
    acc.text.push(r)
  } else if (isObj(r)) {
    // A message object, or (for some normalized shapes) the result itself carrying `content`.
    const msg = r.message === undefined && 'content' in r ? r : r.message
    if (typeof msg === 'string') {
      acc.text.push(msg)
    } else if (Array.isArray(msg)) {
      collectBlocks(msg, acc)
    } else if (isObj(msg)) {
      if (typeof msg.content === 'string') acc.text.push(msg.content)
      else if (Array.isArray(msg.content)) collectBlocks(msg.content, acc)
      if (Array.isArray(msg.tool_calls)) {
        for (const call of msg.tool_calls) {
          if (isObj(call)) {
            const fn = isObj(call.function) ? call.function : {}
            addCall(acc, call.id, fn.name, fn.arguments)
          }
        }
      }
      const reasoning = str(msg.reasoning_content) ?? str(msg.reasoning)
      if (reasoning) acc.reasoning.unshift(reasoning)
      // A refusal with no text would otherwise reach the user as an empty answer.
      if (acc.text.join('') === '' && typeof msg.refusal === 'string' && msg.refusal !== '') {
        acc.text.push(msg.refusal)
        finish = 'content_filter'
      }
      // Claude's result always says finish_reason "stop": its message's stop_reason is the real one.
      finish = fromStopReason(msg.stop_reason) ?? finish
      usage = r.usage ?? msg.usage
    }
    finish ??= fromFinishReason(r.finish_reason)
    usage ??= r.usage
  }

  const text = acc.text.join('')
  const hasCalls = acc.calls.length > 0
  // Clients only run tools on "tool_calls"; and a "tool_calls" finish without calls would leave them waiting.
  const finishReason: FinishReason = hasCalls ? 'tool_calls' : finish === 'tool_calls' || finish === undefined ? 'stop' : finish
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && hasCalls ? null : text
  }
  if (hasCalls) message.tool_calls = acc.calls
  const reasoning = acc.reasoning.filter((s) => s !== '').join('\n\n')
  if (reasoning !== '') message.reasoning_content = reasoning

  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage: toOpenAIUsage(usage)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming: Puter NDJSON lines -> OpenAI SSE chunks

const DONE = 'data: [DONE]\n\n'

function errorMessage (message: unknown, fallback: string): string {
  const text = typeof message === 'string' && message.trim() !== '' ? message.trim() : fallback
  return redact(text)
}

/**
 * Turns Puter's NDJSON stream lines into OpenAI `chat.completion.chunk` server-sent events. Each method returns
 * the SSE text to write now ('' for nothing). The chunk envelope is serialised once up front; each chunk costs
 * one JSON.stringify of its delta.
 */
export function createStreamTranslator (meta: { id: string, created: number, model: string, includeUsage: boolean }) {
  const head = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${JSON.stringify(meta.created)},"model":${JSON.stringify(meta.model)},"choices":`
  const deltaChunk = (deltaJson: string) => `${head}[{"index":0,"delta":${deltaJson},"logprobs":null,"finish_reason":null}]}\n\n`
  const idPrefix = meta.id.replace(/^chatcmpl-/, '')

  let toolCount = 0
  let finished = false
  let signalled: FinishReason | undefined
  let usage: unknown

  function note (obj: Obj): void {
    const reason = signalledFinish(obj)
    if (reason === 'length' || reason === 'content_filter') signalled = reason
  }

  return {
    /** The first event: the assistant role with empty content. */
    start (): string {
      return deltaChunk('{"role":"assistant","content":""}')
    },

    /** Translates one parsed NDJSON line. */
    push (line: unknown): string {
      if (finished || !isObj(line)) return ''
      switch (line.type) {
        case 'text':
          return typeof line.text === 'string' && line.text !== '' ? deltaChunk(`{"content":${JSON.stringify(line.text)}}`) : ''
        case 'reasoning':
          return typeof line.reasoning === 'string' && line.reasoning !== '' ? deltaChunk(`{"reasoning_content":${JSON.stringify(line.reasoning)}}`) : ''
        case 'tool_use': {
          // Puter sends each call once, complete: the first (and only) delta of its index carries id and name.
          const index = toolCount++
          const id = typeof line.id === 'string' && line.id !== '' ? line.id : `call_${idPrefix}_${index}`
          const name = typeof line.name === 'string' ? line.name : ''
          const args = typeof line.input === 'string' ? line.input : JSON.stringify(line.input ?? {})
          return deltaChunk(JSON.stringify({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }] }))
        }
        case 'usage':
          usage = line.usage
          note(line)
          if (isObj(line.usage)) note(line.usage)
          return ''
        case 'error': {
          finished = true
          const error: OpenAIError['error'] = {
            message: errorMessage(line.message, 'The AI provider failed while streaming the answer'),
            type: 'upstream_error',
            param: null,
            code: 'upstream_error'
          }
          return `data: ${JSON.stringify({ error })}\n\n${DONE}`
        }
        default:
          note(line)
          return ''
      }
    },

    /**
     * The closing events, unless an error already closed the stream: the finish_reason chunk, usage (zeros when
     * Puter gave none), then [DONE]. With includeUsage, usage is OpenAI's separate `choices: []` chunk; without
     * it, usage rides on the finish_reason chunk, so clients that index choices[0] on every chunk do not break.
     */
    finish (): string {
      if (finished) return ''
      finished = true
      const reason: FinishReason = toolCount > 0 ? 'tool_calls' : signalled ?? 'stop'
      const usageJson = JSON.stringify(toOpenAIUsage(usage))
      const last = `${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${reason}"}]`
      return meta.includeUsage
        ? `${last}}\n\n${head}[],"usage":${usageJson}}\n\n${DONE}`
        : `${last},"usage":${usageJson}}\n\n${DONE}`
    },

    /** Whether the stream has been closed (by finish() or an error line). */
    get finished (): boolean {
      return finished
    },

    /** Usage so far, in OpenAI's shape (zeros until Puter's usage line). */
    usage (): Usage {
      return toOpenAIUsage(usage)
    }
  }
}

export type StreamTranslator = ReturnType<typeof createStreamTranslator>

export const MALFORMED_LINE = 'Malformed line from Puter'

/**
 * Splits Puter's NDJSON byte stream into parsed objects. Partial lines are buffered, UTF-8 sequences split across
 * chunks are reassembled, blank lines skipped, and a line that is not JSON becomes `{type:'error'}` (never a throw).
 */
export function createNdjsonSplitter () {
  const decoder = new StringDecoder('utf8')
  let buffer = ''

  function parse (line: string, out: unknown[]): void {
    if (line.trim() === '') return
    try {
      out.push(JSON.parse(line))
    } catch {
      out.push({ type: 'error', message: MALFORMED_LINE })
    }
  }

  return {
    /** Parsed objects of every line completed by this chunk. */
    feed (chunk: Buffer | string): unknown[] {
      const out: unknown[] = []
      // The buffered tail holds no newline, so the search resumes where it ended (no rescans of long lines).
      let from = buffer.length
      buffer += typeof chunk === 'string' ? chunk : decoder.write(chunk)
      let start = 0
      let nl = buffer.indexOf('\n', from)
      while (nl !== -1) {
        parse(buffer.slice(start, nl), out)
        start = nl + 1
        from = start
        nl = buffer.indexOf('\n', from)
      }
      if (start > 0) buffer = buffer.slice(start)
      return out
    },

    /** The last line, if the stream did not end with a newline. */
    end (): unknown[] {
      const rest = buffer + decoder.end()
      buffer = ''
      const out: unknown[] = []
      parse(rest, out)
      return out
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: Puter error bodies -> OpenAI errors

export interface MappedPuterError {
  status: number
  error: OpenAIError['error']
  headers: Record<string, string>
}

const AUTH_CODES = new Set(['token_missing', 'token_auth_failed', 'reauth_required'])
const QUOTA_CODES = new Set(['insufficient_funds', 'subscription_required'])
const RATE_CODES = new Set(['too_many_requests', 'upstream_rate_limited'])
const UPSTREAM_FAILURE_CODES = new Set(['upstream_provider_unavailable', 'upstream_failed', 'upstream_auth_failed', 'internal_error'])
const PERMISSION_CODES = new Set(['permission_denied', 'forbidden', 'app_blocked'])
const BAD_REQUEST_CODES = new Set(['bad_request', 'field_invalid', 'field_required', 'moderation_flagged', 'client_bad_json'])

const MAX_MESSAGE = 500

/** Puter's message, trimmed, capped, with anything token-like removed. */
function redact (message: string): string {
  const clean = message.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted]').replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean
}

function headerValue (headers: Record<string, string | string[] | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue
    const v = Array.isArray(value) ? value[0] : value
    return typeof v === 'string' && v !== '' ? v : undefined
  }
  return undefined
}

/** The parts of a Puter error body, v2 `{error, message, code, errorCode}` or legacy `{success:false, error:{...}}`. */
function readPuterError (status: number, body: unknown) {
  let code: string | undefined
  let detail: string | undefined
  let message: string | undefined
  let key: string | undefined
  let effective = status
  if (isObj(body)) {
    if (body.success === false && isObj(body.error)) {
      code = str(body.error.code)
      message = str(body.error.message)
      if (typeof body.error.status === 'number') effective = body.error.status
    } else {
      code = str(body.code)
      detail = str(body.errorCode)
      message = str(body.message) ?? str(body.error)
      if (isObj(body.error)) {
        message ??= str(body.error.message)
        code ??= str(body.error.code)
      }
      key = str(body.key)
    }
  }
  return { status: effective, code, detail, message: message ? redact(message.trim()) : undefined, key }
}

/**
 * Maps a Puter error (HTTP status + body; optionally Puter's response headers, for retry-after) to the status,
 * OpenAI error object and extra headers to answer with. Puter's message is passed on for its 4xx answers only.
 */
export function puterErrorToOpenAI (
  status: number,
  body: unknown,
  upstreamHeaders?: Record<string, string | string[] | undefined>
): MappedPuterError {
  const e = readPuterError(status, body)
  const has = (set: Set<string>) => (e.code !== undefined && set.has(e.code)) || (e.detail !== undefined && set.has(e.detail))
  const said = (fallback: string) => e.message || fallback
  const make = (httpStatus: number, type: string, message: string, code: string | null, param: string | null = null, headers: Record<string, string> = {}): MappedPuterError =>
    ({ status: httpStatus, error: { message, type, param, code }, headers })

  if (has(AUTH_CODES) || e.status === 401) {
    // Never Puter's text: a 401 body carries reauth details, and the user must act on our dashboard, not Puter's.
    return make(401, 'authentication_error',
      'Your Puter sign-in has expired or was rejected by Puter. Sign in to the dashboard of this server again to reconnect your Puter account.',
      'puter_token_invalid')
  }
  if (has(QUOTA_CODES) || e.status === 402) {
    const why = e.code === 'subscription_required' ? 'needs a paid Puter plan' : 'has no AI credit left on your Puter account'
    return make(402, 'insufficient_quota', `This request ${why} (Puter: ${said('insufficient funds')}).`,
      'insufficient_quota', null, { 'x-should-retry': 'false' })
  }
  if (has(RATE_CODES) || e.status === 429) {
    const headers: Record<string, string> = {}
    const retryAfter = headerValue(upstreamHeaders, 'retry-after')
    if (retryAfter) headers['retry-after'] = retryAfter
    const retryAfterMs = headerValue(upstreamHeaders, 'retry-after-ms')
    if (retryAfterMs) headers['retry-after-ms'] = retryAfterMs
    const what = e.code === 'upstream_rate_limited' ? 'The AI provider behind Puter is rate limited' : 'Puter rate limit reached'
    return make(429, 'rate_limit_error', `${what}: ${said('too many requests')}`, 'rate_limit_exceeded', null, headers)
  }
  if (e.code === 'upstream_bad_request') {
    return make(400, 'invalid_request_error', `The AI provider rejected the request: ${said('bad request')}`, 'upstream_bad_request')
  }
  if (has(UPSTREAM_FAILURE_CODES)) {
    return make(502, 'api_error', 'The AI provider behind Puter failed to answer; try again later.', 'upstream_error')
  }
  if (e.message?.startsWith('Model not found')) {
    const model = e.message.slice('Model not found'.length).replace(/^:\s*/, '')
    return make(404, 'invalid_request_error',
      `The model \`${model}\` does not exist on Puter or you do not have access to it.`, 'model_not_found', 'model')
  }
  if (e.status === 403 || has(PERMISSION_CODES) || (e.code?.endsWith('_required') === true && e.code !== 'field_required')) {
    return make(403, 'permission_error', `Puter denied the request: ${said('permission denied')}`, e.code ?? 'permission_denied')
  }
  if (e.status === 404 || e.code === 'not_found') {
    // Puter's 404s are for unknown drivers, methods and routes: this server called Puter wrongly (a gateway bug or
    // misconfigured PUTER origin), not something the client can fix. Unknown models are a 400 and handled above.
    return make(502, 'api_error', 'Puter does not know the API this server called (404): the gateway is misconfigured.', 'upstream_not_found')
  }
  if (e.status === 413) {
    return make(413, 'invalid_request_error', `The request is too large for Puter: ${said('payload too large')}`, 'request_too_large')
  }
  if (e.status === 400 || has(BAD_REQUEST_CODES)) {
    const code = e.detail ?? e.code ?? null
    return make(400, 'invalid_request_error', `Puter rejected the request: ${said('bad request')}`, code, e.key ?? null)
  }
  const upstream4xx = e.status >= 400 && e.status < 500
  return make(502, 'api_error',
    upstream4xx && e.message ? `Puter answered ${e.status}: ${e.message}` : 'Puter failed to complete the request; try again later.',
    'upstream_error')
}

/** True for Puter's legacy HTTP-200 failure envelope `{success: false, error: {...}}`. */
export function isPuterFailure (body: unknown): boolean {
  return isObj(body) && body.success === false
}
