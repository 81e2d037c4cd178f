// The neutral answer (src/puter/events.ts) as Anthropic Messages: a `message` object, or the SSE event sequence
// message_start, content_block_start/delta/stop (thinking, text, tool_use), message_delta, message_stop.
import type { FinishReason, NeutralUsage, PuterAnswer, PuterEvent } from '../../puter/events.ts'
import { finishReason } from '../../puter/normalize.ts'
import { streamErrorType } from './errors.ts'
import type { AnthropicMessage, AnthropicUsage, StopReason } from './schema.ts'

interface MessageMeta {
  /** msg_… */
  id: string
  /** The model as requested. */
  model: string
  /** Estimated input tokens of the request: message_start carries it (Claude Code reads input tokens only there). */
  inputEstimate: number
}

/** Anthropic's keep-alive, written by the relay after a silence. */
export const PING = 'event: ping\ndata: {"type":"ping"}\n\n'

const STOP_REASONS: Record<FinishReason, StopReason> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal'
}

/**
 * Neutral usage in Anthropic's terms, where input_tokens excludes cache reads and writes. When Puter reported no
 * tokens at all (some providers send only a price), input is the request's estimate and output ~4 characters a token.
 */
export function toAnthropicUsage (usage: NeutralUsage | null | undefined, inputEstimate: number, outputChars: number): AnthropicUsage {
  const read = usage?.cachedInputTokens ?? 0
  const written = usage?.cacheWriteTokens ?? 0
  const reported = usage !== null && usage !== undefined && (usage.inputTokens > 0 || usage.outputTokens > 0)
  return {
    input_tokens: reported ? Math.max(0, usage.inputTokens - read - written) : inputEstimate,
    output_tokens: reported ? usage.outputTokens : Math.ceil(outputChars / 4),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: read
  }
}

/** A call Puter gave no id gets one unique to this message (clients send it back as tool_use_id). */
const toolId = (meta: MessageMeta, index: number) => `toolu_${meta.id.replace(/^msg_/, '')}_${index}`

/** Tool arguments as an object (Puter sends them as JSON text; anything else becomes {}). */
function parseInput (args: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

/** A plain answer as a `message`: thinking (display only, unsigned), text, then tool_use blocks. */
export function encodeMessage (answer: PuterAnswer, meta: MessageMeta): AnthropicMessage {
  const content: AnthropicMessage['content'] = []
  if (answer.reasoning !== '') content.push({ type: 'thinking', thinking: answer.reasoning, signature: '' })
  if (answer.text !== '') content.push({ type: 'text', text: answer.text })
  answer.toolCalls.forEach((call, i) => {
    content.push({ type: 'tool_use', id: call.id ?? toolId(meta, i), name: call.name, input: parseInput(call.arguments) })
  })
  const outputChars = answer.text.length + answer.reasoning.length + answer.toolCalls.reduce((n, c) => n + c.arguments.length, 0)
  return {
    id: meta.id,
    type: 'message',
    role: 'assistant',
    content,
    model: meta.model,
    stop_reason: STOP_REASONS[answer.finish],
    stop_sequence: null,
    usage: toAnthropicUsage(answer.usage, meta.inputEstimate, outputChars)
  }
}

const event = (type: string, json: string) => `event: ${type}\ndata: ${json}\n\n`

/**
 * Neutral events as Anthropic's server-sent events. Each method returns the text to write now ('' for nothing).
 * Puter streams thinking and text in pieces and each tool call whole: a thinking or text block stays open while its
 * pieces come and closes when another kind starts; a tool call is one block with one input_json_delta.
 */
export function createMessageStreamEncoder (meta: MessageMeta) {
  let index = -1
  let open: 'text' | 'thinking' | null = null
  let toolCount = 0
  let outputChars = 0
  let finished = false
  let signalled: FinishReason | undefined
  let usage: NeutralUsage | undefined

  const stopOpen = (): string => {
    if (open === null) return ''
    open = null
    return event('content_block_stop', `{"type":"content_block_stop","index":${index}}`)
  }
  const startBlock = (kind: 'text' | 'thinking'): string => {
    if (open === kind) return ''
    const stop = stopOpen()
    open = kind
    index++
    const block = kind === 'text' ? '{"type":"text","text":""}' : '{"type":"thinking","thinking":"","signature":""}'
    return stop + event('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${block}}`)
  }
  const delta = (json: string) => event('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":${json}}`)

  return {
    /** message_start, with the request's estimated input tokens in its usage. */
    start (): string {
      const message = {
        id: meta.id,
        type: 'message',
        role: 'assistant',
        model: meta.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: meta.inputEstimate, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 }
      }
      return event('message_start', JSON.stringify({ type: 'message_start', message }))
    },

    /** One neutral event; nothing once the stream is closed. */
    push (e: PuterEvent): string {
      if (finished) return ''
      switch (e.type) {
        case 'text':
          if (e.text === '') return ''
          outputChars += e.text.length
          return startBlock('text') + delta(`{"type":"text_delta","text":${JSON.stringify(e.text)}}`)
        case 'reasoning':
          if (e.text === '') return ''
          outputChars += e.text.length
          return startBlock('thinking') + delta(`{"type":"thinking_delta","thinking":${JSON.stringify(e.text)}}`)
        case 'tool_call': {
          const stop = stopOpen()
          index++
          const { id, name, arguments: args } = e.call
          const input = args.trim() === '' ? '{}' : args
          outputChars += input.length
          const block = JSON.stringify({ type: 'tool_use', id: id ?? toolId(meta, toolCount), name, input: {} })
          toolCount++
          return stop +
            event('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${block}}`) +
            delta(`{"type":"input_json_delta","partial_json":${JSON.stringify(input)}}`) +
            event('content_block_stop', `{"type":"content_block_stop","index":${index}}`)
        }
        case 'usage':
          usage = e.usage
          if (e.finish) signalled = e.finish
          return ''
        case 'finish':
          signalled = e.reason
          return ''
        case 'error': {
          finished = true
          const error = { type: streamErrorType(e.code, e.message), message: e.message }
          return event('error', JSON.stringify({ type: 'error', error }))
        }
      }
    },

    /** The open block's stop, message_delta (stop_reason and the whole usage) and message_stop; '' after an error. */
    finish (): string {
      if (finished) return ''
      finished = true
      const stopReason = STOP_REASONS[finishReason(toolCount, signalled)]
      const messageDelta = { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: toAnthropicUsage(usage, meta.inputEstimate, outputChars) }
      return stopOpen() + event('message_delta', JSON.stringify(messageDelta)) + event('message_stop', '{"type":"message_stop"}')
    },

    /** Whether the stream has been closed (by finish() or an error event). */
    get finished (): boolean {
      return finished
    }
  }
}

export type MessageStreamEncoder = ReturnType<typeof createMessageStreamEncoder>
