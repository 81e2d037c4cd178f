// Puter's plain results and stream lines read into the neutral events and answers every client API encodes.
import t from 'tap'
import { answerToEvents, finishReason, lineToEvent, normalizeResult } from '../../src/puter/normalize.ts'
import { MALFORMED_LINE } from '../../src/puter/ndjson.ts'
import { RESULT_CASES, answer } from './results.ts'

t.test('normalizeResult reads every result shape', async (t) => {
  for (const c of RESULT_CASES) t.strictSame(normalizeResult(c.result), c.answer, c.name)
})

t.test('normalizeResult: Responses-API items and reasoning summaries', async (t) => {
  const result = {
    message: [
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'first' }, { type: 'summary_text', text: 'second' }] },
      { type: 'output_text', text: 'Hi' },
      { type: 'function_call', call_id: 'fc_1', name: 'f', arguments: '{"a":1}' },
      { type: 'function', id: 'fn_2', function: { name: 'g', arguments: { b: 2 } } },
      { type: 'redacted_thinking', data: 'x' }
    ]
  }
  t.strictSame(normalizeResult(result), answer({
    text: 'Hi',
    reasoning: 'first\n\nsecond',
    toolCalls: [{ id: 'fc_1', name: 'f', arguments: '{"a":1}' }, { id: 'fn_2', name: 'g', arguments: '{"b":2}' }],
    finish: 'tool_calls'
  }))
})

t.test('finishReason', async (t) => {
  const cases: Array<[string, number, Parameters<typeof finishReason>[1], string]> = [
    ['nothing signalled', 0, undefined, 'stop'],
    ['tool calls win over a token cap', 2, 'length', 'tool_calls'],
    ['a token cap', 0, 'length', 'length'],
    ['a content filter', 0, 'content_filter', 'content_filter'],
    ['a "tool_calls" signal without calls is a stop', 0, 'tool_calls', 'stop']
  ]
  for (const [name, calls, signalled, expected] of cases) t.equal(finishReason(calls, signalled), expected, name)
})

t.test('lineToEvent on every line type', async (t) => {
  const cases: Array<[string, unknown, unknown]> = [
    ['text', { type: 'text', text: 'Let me ' }, { type: 'text', text: 'Let me ' }],
    ['text with Gemini extra_content', { type: 'text', text: 'a', extra_content: { x: 1 } }, { type: 'text', text: 'a' }],
    ['empty text', { type: 'text', text: '' }, undefined],
    ['reasoning', { type: 'reasoning', reasoning: 'Thinking…' }, { type: 'reasoning', text: 'Thinking…' }],
    ['empty reasoning', { type: 'reasoning', reasoning: '' }, undefined],
    ['tool_use with a parsed input', { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Paris' }, text: '' },
      { type: 'tool_call', call: { id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    ['tool_use with input as text', { type: 'tool_use', id: 'c', name: 'f', input: '{"path":"a"}' }, { type: 'tool_call', call: { id: 'c', name: 'f', arguments: '{"path":"a"}' } }],
    ['tool_use without id, name or input', { type: 'tool_use' }, { type: 'tool_call', call: { id: null, name: '', arguments: '{}' } }],
    ['usage', { type: 'usage', usage: { prompt_tokens: 52, completion_tokens: 17, cached_tokens: 0, usd_cents: 0.0018 } },
      { type: 'usage', usage: { inputTokens: 52, outputTokens: 17, cachedInputTokens: 0, costUsdCents: 0.0018 } }],
    ['usage line without usage', { type: 'usage' }, { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } }],
    ['usage line with finish_reason length', { type: 'usage', usage: {}, finish_reason: 'length' }, { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 }, finish: 'length' }],
    ['usage line with stopReason max_tokens', { type: 'usage', usage: {}, stopReason: 'max_tokens' }, { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 }, finish: 'length' }],
    ['usage object with stop_reason refusal', { type: 'usage', usage: { stop_reason: 'refusal' } }, { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 }, finish: 'content_filter' }],
    ['usage object signal wins over the line\'s', { type: 'usage', usage: { stop_reason: 'refusal' }, finish_reason: 'length' },
      { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 }, finish: 'content_filter' }],
    ['usage line with a plain stop signals nothing', { type: 'usage', usage: {}, finish_reason: 'stop' }, { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } }],
    ['error', { type: 'error', message: '  Upstream exploded ' }, { type: 'error', message: 'Upstream exploded' }],
    ['error without a message', { type: 'error' }, { type: 'error', message: 'The AI provider failed while streaming the answer' }],
    ['error with a token in it', { type: 'error', message: 'bad Bearer sk-123 and eyJa.eyJb.c' }, { type: 'error', message: 'bad Bearer [redacted] and [redacted]' }],
    ['the splitter\'s malformed line', { type: 'error', message: MALFORMED_LINE }, { type: 'error', message: MALFORMED_LINE }],
    ['extra_content', { type: 'extra_content', extra_content: { a: 1 } }, undefined],
    ['compaction', { type: 'compaction', id: 'x', encrypted_content: '…' }, undefined],
    ['image', { type: 'image' }, undefined],
    ['an unknown line signalling a token cap', { type: 'finish', finish_reason: 'length' }, { type: 'finish', reason: 'length' }],
    ['an unknown line signalling a refusal', { type: 'done', stop_reason: 'refusal' }, { type: 'finish', reason: 'content_filter' }],
    ['an unknown line with tool_use stop reason', { type: 'done', stop_reason: 'tool_use' }, undefined],
    ['a string', 'garbage', undefined],
    ['null', null, undefined],
    ['an array', [{ type: 'text', text: 'a' }], undefined]
  ]
  for (const [name, line, expected] of cases) t.strictSame(lineToEvent(line), expected, name)
})

t.test('answerToEvents replays an answer in stream order', async (t) => {
  const full = answer({
    text: 'Hi',
    reasoning: 'hmm',
    toolCalls: [{ id: 'a', name: 'f', arguments: '{}' }, { id: null, name: 'g', arguments: '{"x":1}' }],
    usage: { inputTokens: 3, outputTokens: 4 },
    finish: 'tool_calls'
  })
  t.strictSame(answerToEvents(full), [
    { type: 'reasoning', text: 'hmm' },
    { type: 'text', text: 'Hi' },
    { type: 'tool_call', call: { id: 'a', name: 'f', arguments: '{}' } },
    { type: 'tool_call', call: { id: null, name: 'g', arguments: '{"x":1}' } },
    { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } }
  ], 'reasoning, text, calls, usage; no finish signal for tool calls')
  t.strictSame(answerToEvents(answer({})), [{ type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } }], 'an empty answer is only its usage')
  t.strictSame(answerToEvents(answer({ text: 'Once', finish: 'length' })).at(-1), { type: 'finish', reason: 'length' }, 'a token cap is signalled last')
  t.strictSame(answerToEvents(answer({ text: 'No.', finish: 'content_filter' })).at(-1), { type: 'finish', reason: 'content_filter' }, 'a content filter is signalled last')
})
