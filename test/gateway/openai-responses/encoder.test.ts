// Responses encoded from the neutral form: the response object, and the stream's event sequence with sequence_number.
import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { ResponseObjectSchema } from '../../../src/gateway/openai-responses/schema.ts'
import { createResponseStreamEncoder, encodeResponse, streamError, toResponseUsage, type ResponseMeta } from '../../../src/gateway/openai-responses/encoder.ts'
import type { PuterAnswer, PuterEvent } from '../../../src/puter/events.ts'

const meta = (over: Partial<ResponseMeta> = {}): ResponseMeta =>
  ({ id: 'resp_abc', createdAt: 1700000000, model: 'gpt-5-nano', customTools: new Set(['apply_patch']), summaries: true, echo: { store: true }, ...over })

const USAGE = { inputTokens: 10, outputTokens: 5, cachedInputTokens: 4, reasoningTokens: 2 }

/** The events of an SSE body: each `event:` name checked against its data's type. */
function parse (body: string): any[] {
  return body.split('\n\n').filter((e) => e !== '').map((block) => {
    const [eventLine, dataLine, ...rest] = block.split('\n')
    if (rest.length > 0 || !eventLine.startsWith('event: ') || !dataLine.startsWith('data: ')) throw new Error(`bad block: ${block}`)
    const data = JSON.parse(dataLine.slice(6))
    if (data.type !== eventLine.slice(7)) throw new Error(`event ${eventLine} carries ${data.type}`)
    return data
  })
}

function run (events: PuterEvent[], m = meta()) {
  const encoder = createResponseStreamEncoder(m)
  let body = encoder.start()
  for (const e of events) body += encoder.push(e)
  body += encoder.finish()
  return { events: parse(body), encoder }
}

t.test('toResponseUsage: details always present, zeros when not reported', async (t) => {
  t.same(toResponseUsage(USAGE), { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 15 })
  t.same(toResponseUsage(undefined), { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 })
})

t.test('encodeResponse: reasoning, text, a function call and a custom tool call', async (t) => {
  let ended: unknown
  const answer: PuterAnswer = {
    text: 'Let me check.',
    reasoning: 'thinking',
    toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: null, name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' }],
    usage: USAGE,
    finish: 'tool_calls'
  }
  const r = encodeResponse(answer, meta({ onEnd: (x) => { ended = x } }))
  t.match(r, { id: 'resp_abc', object: 'response', created_at: 1700000000, status: 'completed', error: null, incomplete_details: null, model: 'gpt-5-nano', store: true })
  t.same(r.output, [
    { id: 'rs_abc_0', type: 'reasoning', summary: [{ type: 'summary_text', text: 'thinking' }], encrypted_content: null },
    { id: 'msg_abc_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
    { id: 'fc_abc_2', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { id: 'ctc_abc_3', type: 'custom_tool_call', status: 'completed', call_id: 'call_abc_1', name: 'apply_patch', input: '*** Begin Patch' }
  ])
  t.equal(r.usage!.total_tokens, 15)
  t.equal(ended, r, 'onEnd gets the response')
  t.ok(Value.Check(ResponseObjectSchema, r), 'matches ResponseObjectSchema')
})

t.test('encodeResponse: no summary asked, a token cap, an empty answer', async (t) => {
  const base: PuterAnswer = { text: 'cut', reasoning: 'r', toolCalls: [], usage: USAGE, finish: 'length' }
  const r = encodeResponse(base, meta({ summaries: false }))
  t.same(r.output[0], { id: 'rs_abc_0', type: 'reasoning', summary: [], encrypted_content: null }, 'reasoning happened, no summary text')
  t.match(r, { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })
  t.equal(r.output[1].status, 'incomplete')
  const empty = encodeResponse({ ...base, text: '', reasoning: '', finish: 'stop' }, meta())
  t.same(empty.output.map((i) => i.type), ['message'], 'an empty answer still has its message')
  t.match(encodeResponse({ ...base, finish: 'content_filter' }, meta()), { status: 'incomplete', incomplete_details: { reason: 'content_filter' } })
})

t.test('stream: the full event sequence, numbered 0, 1, 2 ...', async (t) => {
  let ended: any
  const { events, encoder } = run([
    { type: 'reasoning', text: 'think' },
    { type: 'reasoning', text: 'ing' },
    { type: 'text', text: 'Hel' },
    { type: 'text', text: 'lo' },
    { type: 'tool_call', call: { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' } },
    { type: 'tool_call', call: { id: 'call_2', name: 'apply_patch', arguments: '{"input":"patch"}' } },
    { type: 'usage', usage: USAGE }
  ], meta({ onEnd: (r) => { ended = r } }))
  t.same(events.map((e) => e.type), [
    'response.created', 'response.in_progress',
    'response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.delta',
    'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
    'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
    'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
    'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
    'response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done',
    'response.completed'
  ])
  t.same(events.map((e) => e.sequence_number), events.map((_, i) => i), 'sequence_number counts up from 0 without gaps')
  t.match(events[0].response, { id: 'resp_abc', status: 'in_progress', output: [], usage: null })
  t.match(events[2], { output_index: 0, item: { type: 'reasoning', summary: [] } })
  t.match(events[6], { item_id: 'rs_abc_0', summary_index: 0, text: 'thinking' })
  t.match(events[10], { item_id: 'msg_abc_1', output_index: 1, content_index: 0, part: { type: 'output_text', text: '' } })
  t.match(events[13], { text: 'Hello' })
  t.match(events[16], { output_index: 2, item: { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '', status: 'in_progress' } })
  t.match(events[18], { item_id: 'fc_abc_2', arguments: '{"city":"Paris"}' })
  t.match(events[20], { output_index: 3, item: { type: 'custom_tool_call', name: 'apply_patch', input: '' } })
  t.match(events[23], { item: { type: 'custom_tool_call', call_id: 'call_2', input: 'patch', status: 'completed' } })
  const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item)
  const last = events.at(-1)
  t.same(last.response.output, done, 'the completed response holds exactly the items of output_item.done')
  t.match(last.response, { status: 'completed', usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } })
  t.ok(encoder.finished)
  t.same(ended, last.response, 'onEnd gets the completed response')
  t.equal(encoder.push({ type: 'text', text: 'late' }) + encoder.finish(), '', 'nothing after the end')
})

t.test('stream: every delta follows the added events of its item and part', async (t) => {
  const { events } = run([{ type: 'text', text: 'a' }, { type: 'reasoning', text: 'r' }, { type: 'text', text: 'b' }])
  const added = new Set<string>()
  const parts = new Set<string>()
  for (const e of events) {
    if (e.type === 'response.output_item.added') added.add(e.item.id)
    if (e.type === 'response.content_part.added') parts.add(`${e.item_id}:${e.content_index}`)
    if (e.type === 'response.output_text.delta') t.ok(parts.has(`${e.item_id}:${e.content_index}`) && added.has(e.item_id), `delta of ${e.item_id} after its added events`)
  }
  t.same(events.at(-1).response.output.map((i: any) => i.type), ['message', 'reasoning', 'message'], 'text, reasoning, text: three items')
})

t.test('stream: no summary asked gives a reasoning item without summary events', async (t) => {
  const { events } = run([{ type: 'reasoning', text: 'r' }, { type: 'text', text: 'a' }], meta({ summaries: false }))
  t.notOk(events.some((e) => e.type.startsWith('response.reasoning_summary')))
  t.match(events.at(-1).response.output[0], { type: 'reasoning', summary: [] })
})

t.test('stream: an empty answer gets an empty message; a token cap ends with response.incomplete', async (t) => {
  t.same(run([]).events.map((e) => e.type).slice(2), ['response.output_item.added', 'response.content_part.added', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed'])
  const { events } = run([{ type: 'text', text: 'cut' }, { type: 'usage', usage: USAGE, finish: 'length' }])
  t.match(events.at(-1), { type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } })
})

t.test('stream: a failure ends with response.failed, the open item left out of output_item.done', async (t) => {
  let ended: any
  const m = meta({ onEnd: (r) => { ended = r } })
  const encoder = createResponseStreamEncoder(m)
  let body = encoder.start() + encoder.push({ type: 'text', text: 'half' }) + encoder.push({ type: 'usage', usage: USAGE })
  body += encoder.push({ type: 'error', message: 'Too many requests.', code: 'upstream_error' })
  t.ok(encoder.finished)
  body += encoder.finish()
  const events = parse(body)
  t.notOk(events.some((e) => e.type === 'response.output_item.done'))
  t.match(events.at(-1), { type: 'response.failed', response: { status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Too many requests. Please try again in 10s.' }, output: [{ type: 'message', status: 'incomplete' }], usage: { input_tokens: 10 } } })
  t.equal(ended.status, 'failed')
})

t.test("streamError: Codex's codes", async (t) => {
  const cases: Array<[{ message: string, code?: string }, string, RegExp?]> = [
    [{ message: 'Rate limit reached for requests' }, 'rate_limit_exceeded', /Please try again in 10s\.$/],
    [{ message: 'Rate limit reached. Please try again in 3.5s.' }, 'rate_limit_exceeded', /3\.5s\.$/],
    [{ message: 'No usage left for request.' }, 'insufficient_quota'],
    [{ message: 'Insufficient funds' }, 'insufficient_quota'],
    [{ message: "This model's maximum context length is 128000 tokens" }, 'context_length_exceeded'],
    [{ message: 'prompt is too long: 210000 tokens > 200000 maximum' }, 'context_length_exceeded'],
    [{ message: 'The stream was open longer than...', code: 'stream_timeout' }, 'stream_timeout'],
    [{ message: 'provider fell over' }, 'upstream_error']
  ]
  for (const [event, code, message] of cases) {
    const e = streamError(event)
    t.equal(e.code, code, event.message)
    if (message) t.match(e.message, message, `${event.message}: Codex reads the delay`)
    // Codex's own pattern for the delay.
    if (code === 'rate_limit_exceeded') t.match(e.message, /try again in\s*(\d+(?:\.\d+)?)\s*(s|ms|seconds?)/i)
  }
})
