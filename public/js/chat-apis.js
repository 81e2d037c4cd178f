// @ts-check
// The Playground's three client APIs (Chat Completions, Responses, Anthropic Messages): the request each sends for a
// conversation, and how each one's answer (JSON or stream events) adds up to one reply. Pure: no state, no DOM, no imports.

/** @typedef {'chat' | 'responses' | 'messages'} ApiId */

/** @typedef {{ role: 'user' | 'assistant', text: string }} HistoryTurn */

/** @typedef {{ id: string, name: string, arguments: string }} ToolCall */

/** @typedef {{ input: number | null, output: number | null, reasoning: number | null, cached: number | null, total: number | null }} Tokens */

/**
 * One reply as it builds up, whichever API it came from.
 * @typedef {object} Reply
 * @property {string} text
 * @property {string} reasoning
 * @property {ToolCall[]} toolCalls
 * @property {Tokens | null} usage
 * @property {string} model
 * @property {string | null} finish
 */

/**
 * What the form gives every API.
 * @typedef {object} CallOptions
 * @property {string} key
 * @property {string} model
 * @property {string} system '' for none
 * @property {boolean} stream
 * @property {number | null} maxTokens
 * @property {unknown[] | null} tools as the user wrote them, in any of the three APIs' shapes
 * @property {'' | 'low' | 'medium' | 'high'} effort '' leaves reasoning to the model
 */

/** @typedef {{ path: string, headers: Record<string, string>, body: Record<string, unknown> }} Call */

/** Labels and paths, for the picker and the transcript. */
export const APIS = /** @type {const} */ ({
  chat: { label: 'Chat Completions', path: '/v1/chat/completions', vendor: 'OpenAI' },
  responses: { label: 'Responses', path: '/v1/responses', vendor: 'OpenAI' },
  messages: { label: 'Messages', path: '/v1/messages', vendor: 'Anthropic' }
})

/** @param {unknown} v */
export const isApiId = (v) => v === 'chat' || v === 'responses' || v === 'messages'

/** The max_tokens Messages requires, when the form leaves it empty. */
export const MESSAGES_MAX_TOKENS = 4096
/** Anthropic's thinking budgets for Puter's three efforts (ClaudeProvider's own mapping). */
const THINKING_BUDGET = { low: 1024, medium: 4096, high: 8192 }

/** @returns {Reply} */
export const emptyReply = () => ({ text: '', reasoning: '', toolCalls: [], usage: null, model: '', finish: null })

/** @param {unknown} v @returns {v is Record<string, any>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)

/** @param {unknown} v */
const num = (v) => typeof v === 'number' && Number.isFinite(v) ? v : null

/**
 * A tool definition in the target API's shape, from any of the three shapes; anything else (hosted tools) as is.
 * @param {ApiId} api
 * @param {unknown} tool
 */
export function toolFor (api, tool) {
  if (!isObject(tool)) return tool
  /** @type {{ name: string, description?: string, parameters: unknown } | null} */
  let fn = null
  if (isObject(tool.function) && typeof tool.function.name === 'string') {
    fn = { name: tool.function.name, description: tool.function.description, parameters: tool.function.parameters }
  } else if (tool.type === 'function' && typeof tool.name === 'string') {
    fn = { name: tool.name, description: tool.description, parameters: tool.parameters }
  } else if (tool.type === undefined && typeof tool.name === 'string' && 'input_schema' in tool) {
    fn = { name: tool.name, description: tool.description, parameters: tool.input_schema }
  }
  if (!fn) return tool
  const parameters = fn.parameters ?? { type: 'object', properties: {} }
  const description = fn.description === undefined ? {} : { description: fn.description }
  if (api === 'chat') return { type: 'function', function: { name: fn.name, ...description, parameters } }
  if (api === 'responses') return { type: 'function', name: fn.name, ...description, parameters }
  return { name: fn.name, ...description, input_schema: parameters }
}

/**
 * The request for a conversation (user and assistant turns, oldest first) through one API.
 * @param {ApiId} api
 * @param {HistoryTurn[]} history
 * @param {CallOptions} o
 * @returns {Call}
 */
export function buildCall (api, history, o) {
  const accept = o.stream ? 'text/event-stream' : 'application/json'
  const tools = o.tools?.length ? { tools: o.tools.map((t) => toolFor(api, t)) } : {}
  if (api === 'chat') {
    /** @type {Record<string, unknown>} */
    const body = {
      model: o.model,
      messages: [...(o.system ? [{ role: 'system', content: o.system }] : []), ...history.map((t) => ({ role: t.role, content: t.text }))],
      stream: o.stream
    }
    if (o.stream) body.stream_options = { include_usage: true }
    if (o.maxTokens) body.max_tokens = o.maxTokens
    if (o.effort) body.reasoning_effort = o.effort
    Object.assign(body, tools)
    return { path: APIS.chat.path, headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${o.key}` }, body }
  }
  if (api === 'responses') {
    /** @type {Record<string, unknown>} */
    const body = { model: o.model }
    if (o.system) body.instructions = o.system
    // The whole history each time, so nothing needs to be stored on the server (store: false).
    body.input = history.map((t) => t.role === 'user'
      ? { role: 'user', content: t.text }
      : { role: 'assistant', content: [{ type: 'output_text', text: t.text }] })
    body.stream = o.stream
    body.store = false
    body.reasoning = o.effort ? { effort: o.effort, summary: 'auto' } : { summary: 'auto' }
    if (o.maxTokens) body.max_output_tokens = o.maxTokens
    Object.assign(body, tools)
    return { path: APIS.responses.path, headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${o.key}` }, body }
  }
  const budget = o.effort ? THINKING_BUDGET[o.effort] : 0
  const maxTokens = o.maxTokens ?? (budget ? budget + MESSAGES_MAX_TOKENS : MESSAGES_MAX_TOKENS)
  /** @type {Record<string, unknown>} */
  const body = { model: o.model, max_tokens: maxTokens }
  if (o.system) body.system = o.system
  body.messages = history.map((t) => ({ role: t.role, content: [{ type: 'text', text: t.text }] }))
  body.stream = o.stream
  // Anthropic wants the budget below max_tokens.
  if (budget) body.thinking = { type: 'enabled', budget_tokens: Math.max(1, Math.min(budget, maxTokens - 1)) }
  Object.assign(body, tools)
  return { path: APIS.messages.path, headers: { 'content-type': 'application/json', accept, 'x-api-key': o.key, 'anthropic-version': '2023-06-01' }, body }
}

/** An error event inside a stream, or a failed response. */
export class StreamError extends Error {
  /** @param {string} message */
  constructor (message) {
    super(message || 'The stream ended with an error.')
    this.name = 'StreamError'
  }
}

/** @param {unknown} err an error object from a body: { message } or a string */
const errorText = (err) => isObject(err) && typeof err.message === 'string' ? err.message : typeof err === 'string' ? err : ''

/**
 * @param {Reply} reply
 * @param {Partial<Tokens>} tokens
 */
function addUsage (reply, tokens) {
  /** @type {Tokens} */
  const u = reply.usage ?? { input: null, output: null, reasoning: null, cached: null, total: null }
  for (const [k, v] of Object.entries(tokens)) {
    if (v !== null && v !== undefined) u[/** @type {keyof Tokens} */ (k)] = v
  }
  reply.usage = u
}

/**
 * @param {Reply} reply
 * @param {Record<string, any>} u chat usage
 */
function chatUsage (reply, u) {
  addUsage(reply, { input: num(u.prompt_tokens), output: num(u.completion_tokens), reasoning: num(u.completion_tokens_details?.reasoning_tokens), cached: num(u.prompt_tokens_details?.cached_tokens), total: num(u.total_tokens) })
}

/**
 * @param {Reply} reply
 * @param {Record<string, any>} u Responses usage
 */
function responsesUsage (reply, u) {
  addUsage(reply, { input: num(u.input_tokens), output: num(u.output_tokens), reasoning: num(u.output_tokens_details?.reasoning_tokens), cached: num(u.input_tokens_details?.cached_tokens), total: num(u.total_tokens) })
}

/**
 * @param {Reply} reply
 * @param {Record<string, any>} u Anthropic usage (cumulative in message_delta)
 */
function messagesUsage (reply, u) {
  addUsage(reply, { input: num(u.input_tokens), output: num(u.output_tokens), cached: num(u.cache_read_input_tokens) })
  const { input, output, cached } = /** @type {Tokens} */ (reply.usage)
  reply.usage = { ...(/** @type {Tokens} */ (reply.usage)), total: (input ?? 0) + (cached ?? 0) + (output ?? 0) }
}

/**
 * Adds one stream event to the reply. Returns 'done' at the API's end marker; throws StreamError for error events.
 * @param {ApiId} api
 * @param {Reply} reply
 * @param {{ event: string, data: string }} ev
 * @returns {'' | 'done'}
 */
export function applyEvent (api, reply, ev) {
  if (api === 'chat' && ev.data === '[DONE]') return 'done'
  /** @type {Record<string, any>} */
  let d
  try {
    d = JSON.parse(ev.data)
  } catch {
    return ''
  }
  if (!isObject(d)) return ''
  if (api === 'chat') {
    if (d.error) throw new StreamError(errorText(d.error))
    if (typeof d.model === 'string') reply.model = d.model
    if (isObject(d.usage)) chatUsage(reply, d.usage)
    const choice = d.choices?.[0]
    if (!isObject(choice)) return ''
    const delta = isObject(choice.delta) ? choice.delta : {}
    const reasoning = delta.reasoning_content ?? delta.reasoning
    if (typeof reasoning === 'string') reply.reasoning += reasoning
    if (typeof delta.content === 'string') reply.text += delta.content
    if (Array.isArray(delta.tool_calls)) {
      for (const tc of delta.tool_calls) {
        const cur = reply.toolCalls[num(tc.index) ?? 0] ??= { id: '', name: '', arguments: '' }
        if (tc.id) cur.id = tc.id
        if (tc.function?.name) cur.name += tc.function.name
        if (tc.function?.arguments) cur.arguments += tc.function.arguments
      }
    }
    if (choice.finish_reason) reply.finish = choice.finish_reason
    return ''
  }
  const type = ev.event || d.type
  if (api === 'responses') {
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        if (typeof d.response?.model === 'string') reply.model = d.response.model
        return ''
      case 'response.output_text.delta':
        reply.text += d.delta ?? ''
        return ''
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        reply.reasoning += d.delta ?? ''
        return ''
      case 'response.reasoning_summary_part.added':
        // Summary parts after the first start a new paragraph.
        if (reply.reasoning && (d.summary_index ?? 0) > 0) reply.reasoning += '\n\n'
        return ''
      case 'response.output_item.added':
      case 'response.output_item.done': {
        const item = d.item
        if (!isObject(item) || (item.type !== 'function_call' && item.type !== 'custom_tool_call')) return ''
        const cur = reply.toolCalls[num(d.output_index) ?? reply.toolCalls.length] ??= { id: '', name: '', arguments: '' }
        cur.id = item.call_id ?? item.id ?? cur.id
        cur.name = item.name ?? cur.name
        const args = item.type === 'custom_tool_call' ? item.input : item.arguments
        if (typeof args === 'string' && args) cur.arguments = args
        return ''
      }
      case 'response.function_call_arguments.delta': {
        const cur = reply.toolCalls[num(d.output_index) ?? 0] ??= { id: '', name: '', arguments: '' }
        cur.arguments += d.delta ?? ''
        return ''
      }
      case 'response.completed':
      case 'response.incomplete':
        if (isObject(d.response)) {
          if (isObject(d.response.usage)) responsesUsage(reply, d.response.usage)
          if (typeof d.response.model === 'string') reply.model = d.response.model
          reply.finish = d.response.incomplete_details?.reason ?? d.response.status ?? null
        }
        return 'done'
      case 'response.failed':
        throw new StreamError(errorText(d.response?.error))
      case 'error':
        throw new StreamError(errorText(d.error ?? d))
      default:
        return ''
    }
  }
  switch (type) {
    case 'message_start':
      if (typeof d.message?.model === 'string') reply.model = d.message.model
      if (isObject(d.message?.usage)) messagesUsage(reply, d.message.usage)
      return ''
    case 'content_block_start': {
      const block = d.content_block
      if (isObject(block) && block.type === 'tool_use') reply.toolCalls[num(d.index) ?? reply.toolCalls.length] = { id: block.id ?? '', name: block.name ?? '', arguments: '' }
      return ''
    }
    case 'content_block_delta': {
      const delta = d.delta ?? {}
      if (delta.type === 'text_delta') reply.text += delta.text ?? ''
      else if (delta.type === 'thinking_delta') reply.reasoning += delta.thinking ?? ''
      else if (delta.type === 'input_json_delta') {
        const cur = reply.toolCalls[num(d.index) ?? 0] ??= { id: '', name: '', arguments: '' }
        cur.arguments += delta.partial_json ?? ''
      }
      return ''
    }
    case 'message_delta':
      if (d.delta?.stop_reason) reply.finish = d.delta.stop_reason
      if (isObject(d.usage)) messagesUsage(reply, d.usage)
      return ''
    case 'message_stop':
      return 'done'
    case 'error':
      throw new StreamError(errorText(d.error))
    default:
      return ''
  }
}

/**
 * Fills the reply from a whole (non-streamed) answer.
 * @param {ApiId} api
 * @param {Reply} reply
 * @param {unknown} json
 */
export function applyJson (api, reply, json) {
  if (!isObject(json)) return
  if (typeof json.model === 'string') reply.model = json.model
  if (api === 'chat') {
    if (isObject(json.usage)) chatUsage(reply, json.usage)
    const choice = json.choices?.[0] ?? {}
    reply.finish = choice.finish_reason ?? null
    const msg = isObject(choice.message) ? choice.message : {}
    const reasoning = msg.reasoning_content ?? msg.reasoning
    if (typeof reasoning === 'string') reply.reasoning = reasoning
    if (typeof msg.content === 'string') reply.text = msg.content
    if (Array.isArray(msg.tool_calls)) reply.toolCalls = msg.tool_calls.map((/** @type {any} */ c) => ({ id: c.id ?? '', name: c.function?.name ?? '', arguments: c.function?.arguments ?? '' }))
    return
  }
  if (api === 'responses') {
    if (json.status === 'failed') throw new StreamError(errorText(json.error))
    if (isObject(json.usage)) responsesUsage(reply, json.usage)
    reply.finish = json.incomplete_details?.reason ?? json.status ?? null
    for (const item of Array.isArray(json.output) ? json.output : []) {
      if (!isObject(item)) continue
      if (item.type === 'message') {
        for (const part of item.content ?? []) if (part?.type === 'output_text') reply.text += part.text ?? ''
      } else if (item.type === 'reasoning') {
        reply.reasoning += (item.summary ?? []).map((/** @type {any} */ s) => s.text ?? '').join('\n\n')
      } else if (item.type === 'function_call' || item.type === 'custom_tool_call') {
        reply.toolCalls.push({ id: item.call_id ?? item.id ?? '', name: item.name ?? '', arguments: (item.type === 'custom_tool_call' ? item.input : item.arguments) ?? '' })
      }
    }
    return
  }
  if (isObject(json.usage)) messagesUsage(reply, json.usage)
  reply.finish = json.stop_reason ?? null
  for (const block of Array.isArray(json.content) ? json.content : []) {
    if (!isObject(block)) continue
    if (block.type === 'text') reply.text += block.text ?? ''
    else if (block.type === 'thinking') reply.reasoning += block.thinking ?? ''
    else if (block.type === 'tool_use') reply.toolCalls.push({ id: block.id ?? '', name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) })
  }
}
