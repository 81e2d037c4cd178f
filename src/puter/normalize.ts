// Every shape of Puter chat answer, plain result or NDJSON stream line, read into the neutral events of events.ts.
import type { FinishReason, NeutralToolCall, PuterAnswer, PuterEvent } from './events.ts'
import { toNeutralUsage } from './usage.ts'
import { redact } from './failures.ts'

type Obj = Record<string, unknown>
type Signal = 'length' | 'content_filter'

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => typeof value === 'string' ? value : undefined

/**
 * The finish reason every encoder reports. Clients only run tools on "tool_calls", and a "tool_calls" finish without
 * calls would leave them waiting; otherwise a signalled token cap or content filter, else a natural stop.
 */
export function finishReason (toolCalls: number, signalled?: FinishReason): FinishReason {
  if (toolCalls > 0) return 'tool_calls'
  return signalled === 'length' || signalled === 'content_filter' ? signalled : 'stop'
}

/** Anthropic `stop_reason` -> a finish reason; undefined when there is none. */
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

/** Any provider's `finish_reason` -> a finish reason; undefined when there is none. */
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

/** A token-cap or content-filter signal on a Puter object (a stream line, or its usage), if any. */
function signal (obj: unknown): Signal | undefined {
  if (!isObj(obj)) return undefined
  const reason = fromFinishReason(obj.finish_reason) ?? fromStopReason(obj.stopReason) ?? fromStopReason(obj.stop_reason)
  return reason === 'length' || reason === 'content_filter' ? reason : undefined
}

/** One tool call of any family; the arguments as JSON text, as Puter sent them or serialised from its object. */
function toolCall (id: unknown, name: unknown, args: unknown): NeutralToolCall {
  return {
    id: typeof id === 'string' && id !== '' ? id : null,
    name: typeof name === 'string' ? name : '',
    arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {})
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Plain results

interface Collected {
  text: string[]
  reasoning: string[]
  calls: NeutralToolCall[]
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
        acc.calls.push(toolCall(block.id, block.name, block.input))
        break
      case 'function_call':
        acc.calls.push(toolCall(block.call_id ?? block.id, block.name, block.arguments))
        break
      case 'function':
        if (isObj(block.function)) acc.calls.push(toolCall(block.id, block.function.name, block.function.arguments))
        break
      // redacted_thinking, compaction, images and unknown blocks carry nothing a client API shows.
    }
  }
}

/**
 * Reads any Puter chat result (OpenAI-wire `choices[0]`, Responses-style, raw Claude message, Puter-normalized
 * blocks, newer normalized OpenAI shape, a bare string) into one answer. The `{success, result}` envelope is
 * unwrapped if passed whole; an unknown shape is an empty answer, never a throw.
 */
export function normalizeResult (result: unknown): PuterAnswer {
  let r = result
  if (isObj(r) && r.success === true && 'result' in r) r = r.result
  if (isObj(r) && Array.isArray(r.choices) && isObj(r.choices[0])) r = { ...r.choices[0], usage: r.usage }

  const acc: Collected = { text: [], reasoning: [], calls: [] }
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
            acc.calls.push(toolCall(call.id, fn.name, fn.arguments))
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

  return {
    text: acc.text.join(''),
    reasoning: acc.reasoning.filter((s) => s !== '').join('\n\n'),
    toolCalls: acc.calls,
    usage: toNeutralUsage(usage),
    finish: finishReason(acc.calls.length, finish)
  }
}

/**
 * A plain answer as the events a live stream of it would bring, for when Puter answers a streaming request with a
 * plain result: reasoning, text, tool calls, usage, then the finish signal if it was a token cap or a filter.
 */
export function answerToEvents (answer: PuterAnswer): PuterEvent[] {
  const events: PuterEvent[] = []
  if (answer.reasoning !== '') events.push({ type: 'reasoning', text: answer.reasoning })
  if (answer.text !== '') events.push({ type: 'text', text: answer.text })
  for (const call of answer.toolCalls) events.push({ type: 'tool_call', call })
  events.push({ type: 'usage', usage: answer.usage })
  if (answer.finish === 'length' || answer.finish === 'content_filter') events.push({ type: 'finish', reason: answer.finish })
  return events
}

// ---------------------------------------------------------------------------------------------------------------
// Stream lines

/**
 * One parsed NDJSON line as an event; undefined for empty deltas and lines with nothing to show (extra_content,
 * compaction, garbage). A usage line that also signals a token cap or content filter carries it as `finish`.
 */
export function lineToEvent (line: unknown): PuterEvent | undefined {
  if (!isObj(line)) return undefined
  switch (line.type) {
    case 'text':
      return typeof line.text === 'string' && line.text !== '' ? { type: 'text', text: line.text } : undefined
    case 'reasoning':
      return typeof line.reasoning === 'string' && line.reasoning !== '' ? { type: 'reasoning', text: line.reasoning } : undefined
    case 'tool_use':
      // Puter sends each call once, complete, with `input` already parsed.
      return { type: 'tool_call', call: toolCall(line.id, line.name, line.input) }
    case 'usage': {
      const event: PuterEvent = { type: 'usage', usage: toNeutralUsage(line.usage) }
      // The usage object's own stop reason wins over the line's, as the later of the two signals.
      const reason = signal(line.usage) ?? signal(line)
      if (reason) event.finish = reason
      return event
    }
    case 'error': {
      const message = typeof line.message === 'string' && line.message.trim() !== '' ? line.message.trim() : 'The AI provider failed while streaming the answer'
      return { type: 'error', message: redact(message) }
    }
    default: {
      const reason = signal(line)
      return reason ? { type: 'finish', reason } : undefined
    }
  }
}
