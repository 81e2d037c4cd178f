// The neutral answer (src/puter/events.ts) as OpenAI Chat Completions: a chat.completion, or chat.completion.chunk SSE.
import type { NeutralUsage, PuterAnswer, PuterEvent } from '../../puter/events.ts'
import { finishReason } from '../../puter/normalize.ts'
import type { ChatCompletion, FinishReason, OpenAIError, ResponseToolCall, Usage } from './schema.ts'

interface ChatMeta {
  id: string
  created: number
  model: string
}

const DONE = 'data: [DONE]\n\n'

/** Neutral usage in OpenAI's shape: cached tokens only when the provider reported them. */
export function toChatUsage (usage: NeutralUsage | undefined): Usage {
  const prompt = usage?.inputTokens ?? 0
  const completion = usage?.outputTokens ?? 0
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
  if (usage?.cachedInputTokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens }
  return out
}

/**
 * Clients send a call's id back with its result, so a call Puter gave no id gets one unique to this completion (worked
 * out only for such a call: a regex replace per request otherwise).
 */
function callIdPrefix (meta: ChatMeta): string {
  return `call_${meta.id.replace(/^chatcmpl-/, '')}_`
}

/** A plain answer as a `chat.completion`. */
export function encodeCompletion (answer: PuterAnswer, meta: ChatMeta): ChatCompletion {
  const calls: ResponseToolCall[] = answer.toolCalls.map((call, index) => ({
    id: call.id ?? callIdPrefix(meta) + index,
    type: 'function',
    function: { name: call.name, arguments: call.arguments }
  }))
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: answer.text === '' && calls.length > 0 ? null : answer.text
  }
  if (calls.length > 0) message.tool_calls = calls
  if (answer.reasoning !== '') message.reasoning_content = answer.reasoning

  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.finish }],
    usage: toChatUsage(answer.usage)
  }
}

/** One chunk with a delta. A module function, not a closure per stream (tsx's keepNames would name each one). */
function deltaChunk (head: string, deltaJson: string): string {
  return `${head}[{"index":0,"delta":${deltaJson},"logprobs":null,"finish_reason":null}]}\n\n`
}

/**
 * Neutral events as OpenAI `chat.completion.chunk` server-sent events. Each method returns the SSE text to write now
 * ('' for nothing). The chunk envelope is serialised once up front; each chunk costs one JSON.stringify of its delta.
 */
export function createChatStreamEncoder (meta: ChatMeta & { includeUsage: boolean }) {
  const head = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${JSON.stringify(meta.created)},"model":${JSON.stringify(meta.model)},"choices":`

  let toolCount = 0
  let finished = false
  let signalled: FinishReason | undefined
  let usage: NeutralUsage | undefined

  return {
    /** The first event: the assistant role with empty content. */
    start (): string {
      return deltaChunk(head, '{"role":"assistant","content":""}')
    },

    /** One neutral event; nothing once the stream is closed. */
    push (event: PuterEvent): string {
      if (finished) return ''
      switch (event.type) {
        case 'text':
          return event.text === '' ? '' : deltaChunk(head, `{"content":${JSON.stringify(event.text)}}`)
        case 'reasoning':
          return event.text === '' ? '' : deltaChunk(head, `{"reasoning_content":${JSON.stringify(event.text)}}`)
        case 'tool_call': {
          // Puter sends each call whole: the first (and only) delta of its index carries id, name and arguments.
          const index = toolCount++
          const { id, name, arguments: args } = event.call
          return deltaChunk(head, JSON.stringify({ tool_calls: [{ index, id: id ?? callIdPrefix(meta) + index, type: 'function', function: { name, arguments: args } }] }))
        }
        case 'usage':
          usage = event.usage
          if (event.finish) signalled = event.finish
          return ''
        case 'finish':
          signalled = event.reason
          return ''
        case 'error': {
          finished = true
          const error: OpenAIError['error'] = { message: event.message, type: 'upstream_error', param: null, code: event.code ?? 'upstream_error' }
          return `data: ${JSON.stringify({ error })}\n\n${DONE}`
        }
      }
    },

    /**
     * The closing events, unless an error already closed the stream: the finish_reason chunk, then [DONE]. As
     * OpenAI: usage (zeros when Puter gave none) only with includeUsage, in a separate `choices: []` chunk before
     * [DONE]; never on the finish_reason chunk.
     */
    finish (): string {
      if (finished) return ''
      finished = true
      const last = `${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason(toolCount, signalled)}"}]}\n\n`
      return meta.includeUsage ? `${last}${head}[],"usage":${JSON.stringify(toChatUsage(usage))}}\n\n${DONE}` : last + DONE
    },

    /** Whether the stream has been closed (by finish() or an error event). */
    get finished (): boolean {
      return finished
    }
  }
}

export type ChatStreamEncoder = ReturnType<typeof createChatStreamEncoder>
