// The neutral answer (src/puter/events.ts) as OpenAI Responses: a `response` object, or its stream of response.*
// server-sent events numbered by sequence_number, ending with response.completed / .incomplete / .failed (no [DONE]).
import type { NeutralToolCall, NeutralUsage, PuterAnswer, PuterEvent } from '../../puter/events.ts'
import { finishReason } from '../../puter/normalize.ts'
import { CUSTOM_TOOL_PARAM } from './request.ts'
import type { OutputItem, ResponseObject, ResponseUsage } from './schema.ts'

type Obj = Record<string, unknown>

/** What every response object of one request carries. */
export interface ResponseMeta {
  /** resp_<hex> */
  id: string
  createdAt: number
  model: string
  /** Tools offered as functions that are answered as custom_tool_call. */
  customTools: ReadonlySet<string>
  /** Whether reasoning comes back as summary text (the request set reasoning.summary). */
  summaries: boolean
  /** Request fields echoed on the response (instructions, tools, tool_choice, store, metadata, ...). */
  echo: Obj
  /** Called once with the final response object (completed, incomplete or failed), e.g. to store it. */
  onEnd?: (response: ResponseObject) => void
}

/** Seconds Codex is told to wait after a rate limit Puter reported mid-stream without a delay (Puter's window is 10 s). */
const DEFAULT_RETRY_SECONDS = 10

/** Neutral usage in the Responses shape; the detail objects always present (Codex requires their fields when they are). */
export function toResponseUsage (usage: NeutralUsage | undefined): ResponseUsage {
  const input = usage?.inputTokens ?? 0
  const output = usage?.outputTokens ?? 0
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.cachedInputTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
    total_tokens: input + output
  }
}

/** The response object with no output yet. */
function shell (meta: ResponseMeta, status: string): ResponseObject {
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status,
    error: null,
    incomplete_details: null,
    model: meta.model,
    ...meta.echo,
    output: [],
    usage: null
  }
}

/** Item ids share the response's hex, so they are unique and tell which response they came from. */
function ids (meta: ResponseMeta) {
  const hex = meta.id.replace(/^resp_/, '')
  let n = 0
  return (prefix: string) => `${prefix}_${hex}_${n++}`
}

/** A tool call as a function_call item, or a custom_tool_call item when it calls a custom tool. */
function callItem (call: NeutralToolCall, meta: ResponseMeta, nextId: (prefix: string) => string, index: number): OutputItem {
  const callId = call.id ?? `call_${meta.id.replace(/^resp_/, '')}_${index}`
  if (meta.customTools.has(call.name)) {
    return { id: nextId('ctc'), type: 'custom_tool_call', status: 'completed', call_id: callId, name: call.name, input: customInput(call.arguments) }
  }
  return { id: nextId('fc'), type: 'function_call', status: 'completed', call_id: callId, name: call.name, arguments: call.arguments }
}

/** The freeform input of a custom tool, from the one-parameter function call the model made. */
function customInput (args: string): string {
  try {
    const parsed: unknown = JSON.parse(args)
    if (typeof parsed === 'string') return parsed
    if (typeof parsed === 'object' && parsed !== null) {
      const values = Object.values(parsed as Obj)
      const named = (parsed as Obj)[CUSTOM_TOOL_PARAM]
      if (typeof named === 'string') return named
      if (values.length === 1 && typeof values[0] === 'string') return values[0]
    }
  } catch {}
  return args
}

const messageItem = (id: string, text: string, status: string): OutputItem =>
  ({ id, type: 'message', status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] })

const reasoningItem = (id: string, text: string, summaries: boolean): OutputItem =>
  ({ id, type: 'reasoning', summary: summaries && text !== '' ? [{ type: 'summary_text', text }] : [], encrypted_content: null })

/** completed, or incomplete with its reason when Puter signalled a token cap or a content filter. */
function ending (toolCalls: number, signalled: PuterAnswer['finish'] | undefined): { status: string, incomplete: { reason: string } | null } {
  const finish = finishReason(toolCalls, signalled)
  if (finish === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } }
  if (finish === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } }
  return { status: 'completed', incomplete: null }
}

/** A plain answer as a `response` object. */
export function encodeResponse (answer: PuterAnswer, meta: ResponseMeta): ResponseObject {
  const nextId = ids(meta)
  const { status, incomplete } = ending(answer.toolCalls.length, answer.finish)
  const output: OutputItem[] = []
  if (answer.reasoning !== '') output.push(reasoningItem(nextId('rs'), answer.reasoning, meta.summaries))
  if (answer.text !== '' || answer.toolCalls.length === 0) output.push(messageItem(nextId('msg'), answer.text, status === 'completed' ? 'completed' : 'incomplete'))
  answer.toolCalls.forEach((call, i) => output.push(callItem(call, meta, nextId, i)))
  const response = { ...shell(meta, status), incomplete_details: incomplete, output, usage: toResponseUsage(answer.usage) }
  meta.onEnd?.(response)
  return response
}

/**
 * A failure mid-stream as the error Codex acts on: rate limits as rate_limit_exceeded with "try again in N s" (it
 * waits that long and retries), spent credit as insufficient_quota (not retried), an overlong prompt as
 * context_length_exceeded; anything else keeps the gateway's code.
 */
export function streamError (event: { message: string, code?: string }): { code: string, message: string } {
  const { message } = event
  if (/rate.?limit|too many (concurrent )?requests/i.test(message) || event.code === 'rate_limit_exceeded') {
    return { code: 'rate_limit_exceeded', message: /try again in/i.test(message) ? message : `${message} Please try again in ${DEFAULT_RETRY_SECONDS}s.` }
  }
  if (/insufficient.?(funds|quota)|no usage left|credit/i.test(message) || event.code === 'insufficient_quota') return { code: 'insufficient_quota', message }
  if (/context.?(length|window)|prompt is too long|too many (input )?tokens|maximum context/i.test(message)) return { code: 'context_length_exceeded', message }
  return { code: event.code ?? 'upstream_error', message }
}

/**
 * Neutral events as Responses server-sent events. Each method returns the SSE text to write now ('' for nothing).
 * Items are opened when their first event comes and closed (text done, part done, item done) when another kind
 * starts or the answer ends; Codex builds items only from output_item.done, the SDK needs every added event.
 */
export function createResponseStreamEncoder (meta: ResponseMeta) {
  const nextId = ids(meta)
  const output: OutputItem[] = []
  let seq = 0
  let open: { kind: 'message' | 'reasoning', id: string, index: number, text: string } | undefined
  let calls = 0
  let signalled: PuterAnswer['finish'] | undefined
  let usage: NeutralUsage | undefined
  let finished = false

  const event = (type: string, payload: Obj) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...payload })}\n\n`

  function openItem (kind: 'message' | 'reasoning'): string {
    let out = close()
    const index = output.length
    const id = nextId(kind === 'message' ? 'msg' : 'rs')
    open = { kind, id, index, text: '' }
    if (kind === 'message') {
      output.push({ id, type: 'message', status: 'in_progress', role: 'assistant', content: [] })
      out += event('response.output_item.added', { output_index: index, item: output[index] })
      out += event('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } })
    } else {
      output.push(reasoningItem(id, '', false))
      out += event('response.output_item.added', { output_index: index, item: output[index] })
      if (meta.summaries) out += event('response.reasoning_summary_part.added', { item_id: id, output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } })
    }
    return out
  }

  /** Closes the open item, if any: its done events, then output_item.done with the whole item. */
  function close (): string {
    if (open === undefined) return ''
    const { kind, id, index, text } = open
    open = undefined
    let out = ''
    if (kind === 'message') {
      output[index] = messageItem(id, text, 'completed')
      out += event('response.output_text.done', { item_id: id, output_index: index, content_index: 0, text, logprobs: [] })
      out += event('response.content_part.done', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text, annotations: [] } })
    } else {
      output[index] = reasoningItem(id, text, meta.summaries)
      if (meta.summaries) {
        out += event('response.reasoning_summary_text.done', { item_id: id, output_index: index, summary_index: 0, text })
        out += event('response.reasoning_summary_part.done', { item_id: id, output_index: index, summary_index: 0, part: { type: 'summary_text', text } })
      }
    }
    return out + event('response.output_item.done', { output_index: index, item: output[index] })
  }

  function toolCall (call: NeutralToolCall): string {
    let out = close()
    const index = output.length
    const item = callItem(call, meta, nextId, calls++)
    const id = item.id
    const custom = item.type === 'custom_tool_call'
    output.push(item)
    out += event('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', ...(custom ? { input: '' } : { arguments: '' }) } })
    // Puter sends each call whole: one delta carries all of it.
    if (custom) {
      out += event('response.custom_tool_call_input.delta', { item_id: id, output_index: index, delta: item.input })
      out += event('response.custom_tool_call_input.done', { item_id: id, output_index: index, input: item.input })
    } else {
      out += event('response.function_call_arguments.delta', { item_id: id, output_index: index, delta: item.arguments })
      out += event('response.function_call_arguments.done', { item_id: id, output_index: index, name: item.name, arguments: item.arguments })
    }
    return out + event('response.output_item.done', { output_index: index, item })
  }

  function end (type: string, response: ResponseObject): string {
    finished = true
    meta.onEnd?.(response)
    return event(type, { response })
  }

  return {
    /** response.created, then response.in_progress. */
    start (): string {
      return event('response.created', { response: shell(meta, 'in_progress') }) + event('response.in_progress', { response: shell(meta, 'in_progress') })
    },

    push (ev: PuterEvent): string {
      if (finished) return ''
      switch (ev.type) {
        case 'text': {
          if (ev.text === '') return ''
          const out = open?.kind === 'message' ? '' : openItem('message')
          open!.text += ev.text
          return out + event('response.output_text.delta', { item_id: open!.id, output_index: open!.index, content_index: 0, delta: ev.text, logprobs: [] })
        }
        case 'reasoning': {
          if (ev.text === '') return ''
          const out = open?.kind === 'reasoning' ? '' : openItem('reasoning')
          open!.text += ev.text
          if (!meta.summaries) return out
          return out + event('response.reasoning_summary_text.delta', { item_id: open!.id, output_index: open!.index, summary_index: 0, delta: ev.text })
        }
        case 'tool_call':
          return toolCall(ev.call)
        case 'usage':
          usage = ev.usage
          if (ev.finish) signalled = ev.finish
          return ''
        case 'finish':
          signalled = ev.reason
          return ''
        case 'error': {
          // An item left open stays out of output_item.done (Codex would keep half an answer); the response shows it.
          if (open !== undefined) {
            const { kind, id, index, text } = open
            output[index] = kind === 'message' ? messageItem(id, text, 'incomplete') : reasoningItem(id, text, meta.summaries)
            open = undefined
          }
          const response = { ...shell(meta, 'failed'), error: streamError(ev), output, usage: toResponseUsage(usage) }
          return end('response.failed', response)
        }
      }
    },

    /** Closes the open item, then response.completed, or response.incomplete at a token cap or content filter. */
    finish (): string {
      if (finished) return ''
      let out = close()
      const { status, incomplete } = ending(calls, signalled)
      // An answer with nothing in it still gets its (empty) message, as a plain answer does.
      if (output.length === 0) out += openItem('message') + close()
      const response = { ...shell(meta, status), incomplete_details: incomplete, output, usage: toResponseUsage(usage) }
      return out + end(status === 'completed' ? 'response.completed' : 'response.incomplete', response)
    },

    get finished (): boolean {
      return finished
    }
  }
}

export type ResponseStreamEncoder = ReturnType<typeof createResponseStreamEncoder>
