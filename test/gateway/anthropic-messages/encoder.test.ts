// The Anthropic encoder: the message object of a plain answer, and the exact event sequence of a stream.
import t from 'tap'
import { createMessageStreamEncoder, encodeMessage, toAnthropicUsage } from '../../../src/gateway/anthropic-messages/encoder.ts'
import type { PuterEvent } from '../../../src/puter/events.ts'

const meta = { id: 'msg_abc', model: 'claude-sonnet-4-6', inputEstimate: 42 }

/** The events of an SSE text, as [type, data]. */
function events (text: string): Array<[string, any]> {
  return text.split('\n\n').filter(Boolean).map((chunk) => {
    const [head, data] = chunk.split('\n')
    t.match(head, /^event: /)
    const json = JSON.parse(data.slice('data: '.length))
    t.equal(json.type, head.slice('event: '.length), 'event name = data.type')
    return [json.type, json]
  })
}

function run (list: PuterEvent[]) {
  const enc = createMessageStreamEncoder(meta)
  let out = enc.start()
  for (const e of list) out += enc.push(e)
  out += enc.finish()
  t.ok(enc.finished)
  return events(out)
}

t.test('thinking, text and a tool call: the exact sequence, indexes and usage', async (t) => {
  const seq = run([
    { type: 'reasoning', text: 'Let me ' },
    { type: 'reasoning', text: 'think.' },
    { type: 'text', text: 'Hi' },
    { type: 'text', text: ' there' },
    { type: 'tool_call', call: { id: 'toolu_9', name: 'Bash', arguments: '{"command":"ls"}' } },
    { type: 'usage', usage: { inputTokens: 120, outputTokens: 15, cachedInputTokens: 100, cacheWriteTokens: 5 } }
  ])
  t.strictSame(seq.map(([type, d]) => type + (d.delta?.type ? `:${d.delta.type}` : '') + (d.index !== undefined ? `#${d.index}` : '')), [
    'message_start',
    'content_block_start#0', 'content_block_delta:thinking_delta#0', 'content_block_delta:thinking_delta#0', 'content_block_stop#0',
    'content_block_start#1', 'content_block_delta:text_delta#1', 'content_block_delta:text_delta#1', 'content_block_stop#1',
    'content_block_start#2', 'content_block_delta:input_json_delta#2', 'content_block_stop#2',
    'message_delta', 'message_stop'
  ])
  t.strictSame(seq[0][1].message, { id: 'msg_abc', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } })
  t.strictSame(seq[1][1].content_block, { type: 'thinking', thinking: '', signature: '' })
  t.strictSame(seq[5][1].content_block, { type: 'text', text: '' })
  t.strictSame(seq[9][1].content_block, { type: 'tool_use', id: 'toolu_9', name: 'Bash', input: {} })
  t.equal(seq[10][1].delta.partial_json, '{"command":"ls"}')
  t.strictSame(seq[12][1], { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 15, output_tokens: 15, cache_creation_input_tokens: 5, cache_read_input_tokens: 100 } })
})

t.test('stop reasons: end_turn, max_tokens, refusal; estimates when Puter reports no tokens', async (t) => {
  const plain = run([{ type: 'text', text: 'abcdefgh' }, { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } }])
  t.strictSame(plain.at(-2)?.[1], { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 42, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } })
  t.equal(run([{ type: 'text', text: 'a' }, { type: 'finish', reason: 'length' }]).at(-2)?.[1].delta.stop_reason, 'max_tokens')
  t.equal(run([{ type: 'usage', usage: { inputTokens: 1, outputTokens: 1 }, finish: 'content_filter' }]).at(-2)?.[1].delta.stop_reason, 'refusal')
  t.strictSame(run([]).map(([type]) => type), ['message_start', 'message_delta', 'message_stop'], 'an empty answer')
})

t.test('a tool call without an id gets one; empty arguments are {}', async (t) => {
  const seq = run([{ type: 'tool_call', call: { id: null, name: 'Read', arguments: '' } }, { type: 'tool_call', call: { id: null, name: 'Read', arguments: '{}' } }])
  t.equal(seq[1][1].content_block.id, 'toolu_abc_0')
  t.equal(seq[4][1].content_block.id, 'toolu_abc_1')
  t.equal(seq[2][1].delta.partial_json, '{}')
})

t.test('an error after the start: an error event, and nothing after it', async (t) => {
  const enc = createMessageStreamEncoder(meta)
  let out = enc.start() + enc.push({ type: 'text', text: 'partial' })
  out += enc.push({ type: 'error', message: 'The AI provider failed while streaming the answer' })
  t.ok(enc.finished)
  t.equal(enc.push({ type: 'text', text: 'more' }), '')
  t.equal(enc.finish(), '')
  const seq = events(out)
  t.strictSame(seq.map(([type]) => type), ['message_start', 'content_block_start', 'content_block_delta', 'error'])
  t.strictSame(seq.at(-1)?.[1], { type: 'error', error: { type: 'api_error', message: 'The AI provider failed while streaming the answer' } })
})

t.test('a plain answer as a message', async (t) => {
  const msg = encodeMessage({ text: 'Hello', reasoning: 'hmm', toolCalls: [{ id: null, name: 'Bash', arguments: '{"command":"ls"}' }], usage: { inputTokens: 10, outputTokens: 3 }, finish: 'tool_calls' }, meta)
  t.strictSame(msg, {
    id: 'msg_abc',
    type: 'message',
    role: 'assistant',
    content: [{ type: 'thinking', thinking: 'hmm', signature: '' }, { type: 'text', text: 'Hello' }, { type: 'tool_use', id: 'toolu_abc_0', name: 'Bash', input: { command: 'ls' } }],
    model: 'claude-sonnet-4-6',
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  })
  t.equal(encodeMessage({ text: 'x', reasoning: '', toolCalls: [], usage: { inputTokens: 1, outputTokens: 1 }, finish: 'length' }, meta).stop_reason, 'max_tokens')
  t.strictSame(toAnthropicUsage(null, 7, 8), { input_tokens: 7, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })
})
