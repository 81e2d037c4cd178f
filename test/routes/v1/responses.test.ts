// POST /v1/responses and GET /v1/responses/{id} over inject: plain and streamed answers, tools (function, custom,
// hosted), previous_response_id, store, ownership, usage, and failures before and after the first byte.
import t from 'tap'
import { createKey, signIn, setupWithKey, BOB, type Setup } from '../../helper.ts'
import { events, post } from './responses-helpers.ts'

const WEATHER = { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }
const APPLY_PATCH = { type: 'custom', name: 'apply_patch', description: 'Edit files', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } }

const lastCall = (s: Setup) => s.fake.calls.filter((c) => c.path === '/drivers/call').at(-1)!.body

t.test('plain: a response object from a string input', async (t) => {
  const s = await setupWithKey(t)
  const res = await post(s, s.key, { model: 'gpt-4o-mini', input: 'hello', instructions: 'Be terse.', metadata: { run: '1' }, store: true, include: ['reasoning.encrypted_content'] })
  t.equal(res.statusCode, 200)
  const r = res.json()
  t.match(r, { object: 'response', status: 'completed', model: 'gpt-4o-mini', instructions: 'Be terse.', metadata: { run: '1' }, error: null })
  t.match(r.id, /^resp_[0-9a-f]{32}$/)
  t.match(r.output, [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Echo: hello', annotations: [] }] }])
  t.match(r.usage, { input_tokens: Number, output_tokens: Number, total_tokens: Number, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } })
  const call = lastCall(s)
  t.match(call, { interface: 'puter-chat-completion', method: 'complete' })
  t.same(call.args, { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hello' }], stream: false }, 'store, include and metadata stay here')
})

t.test('stream: the event order, sequence_number, no [DONE], and the stream ends after response.completed', async (t) => {
  const s = await setupWithKey(t)
  const res = await post(s, s.key, { model: 'deepseek-reasoner', input: 'hello', stream: true, reasoning: { effort: 'minimal', summary: 'auto' } })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/event-stream/)
  t.notMatch(res.body, /\[DONE\]/)
  const ev = events(res.body)
  t.same(ev.map((e) => e.sequence_number), ev.map((_, i) => i))
  t.same(ev.map((e) => e.type).filter((x) => !x.endsWith('.delta')), [
    'response.created', 'response.in_progress',
    'response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
    'response.output_item.added', 'response.content_part.added', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
    'response.completed'
  ])
  t.ok(res.body.endsWith('\n\n') && ev.at(-1).type === 'response.completed', 'response.completed is the last thing written')
  t.equal(ev.at(-1).response.output[1].content[0].text, ev.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join(''))
  t.equal(lastCall(s).args.reasoning_effort, 'low', 'minimal clamped to low')
})

t.test('function tools round trip: function_call, then function_call_output in the input', async (t) => {
  const s = await setupWithKey(t)
  const first = (await post(s, s.key, { model: 'gpt-4o-mini', input: 'Paris', tools: [WEATHER], tool_choice: 'auto', store: false })).json()
  const [call] = first.output
  t.match(call, { type: 'function_call', name: 'get_weather', call_id: String, arguments: '{"city":"Paris"}', status: 'completed' })
  t.same(lastCall(s).args.tools, [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: WEATHER.parameters } }])
  const second = (await post(s, s.key, {
    model: 'gpt-4o-mini',
    tools: [WEATHER],
    store: false,
    input: [
      { type: 'message', role: 'user', content: 'Paris' },
      { type: 'function_call', call_id: call.call_id, name: 'get_weather', arguments: call.arguments },
      { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }
    ]
  })).json()
  t.match(second.output, [{ type: 'message', content: [{ text: 'Tool said: sunny' }] }])
  t.same(lastCall(s).args.messages.slice(1), [
    { role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: 'get_weather', input: { city: 'Paris' } }] },
    { role: 'tool', tool_call_id: call.call_id, content: 'sunny' }
  ])
})

t.test('custom tool: offered as a one-string function, answered as custom_tool_call (plain and streamed)', async (t) => {
  const s = await setupWithKey(t)
  const plain = (await post(s, s.key, { model: 'gpt-4o-mini', input: '*** Begin Patch', tools: [APPLY_PATCH] })).json()
  t.match(plain.output, [{ type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch', call_id: String }])
  t.match(lastCall(s).args.tools[0].function, { name: 'apply_patch', parameters: { properties: { input: { type: 'string' } }, required: ['input'] } })
  const ev = events((await post(s, s.key, { model: 'gpt-4o-mini', input: '*** Begin Patch', tools: [APPLY_PATCH], stream: true })).body)
  t.match(ev.find((e) => e.type === 'response.output_item.done').item, { type: 'custom_tool_call', input: '*** Begin Patch' })
  t.ok(ev.some((e) => e.type === 'response.custom_tool_call_input.done'))
})

t.test('hosted tools are left out of the call, never refused', async (t) => {
  const s = await setupWithKey(t)
  const res = await post(s, s.key, {
    model: 'gpt-4o-mini',
    input: 'hi',
    tools: [{ type: 'web_search', external_web_access: false }, { type: 'file_search', vector_store_ids: ['v'] }, { type: 'tool_search', execution: 'client' }, { type: 'namespace', name: 'multi_agent_v1', tools: [] }, { type: 'mcp', server_label: 'x', server_url: 'https://x' }],
    tool_choice: 'auto'
  })
  t.equal(res.statusCode, 200)
  t.match(res.json().output, [{ type: 'message' }])
  t.notOk('tools' in lastCall(s).args)
  t.equal(res.json().tools.length, 5, 'the response echoes the tools as sent')
})

t.test('a tool_choice forcing a hosted tool: 400 naming it', async (t) => {
  const s = await setupWithKey(t)
  const before = s.fake.calls.length
  const res = await post(s, s.key, { model: 'gpt-4o-mini', input: 'hi', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } })
  t.equal(res.statusCode, 400)
  t.match(res.json().error, { code: 'unsupported_tool_choice', param: 'tool_choice', type: 'invalid_request_error', message: /"web_search"/ })
  t.equal(s.fake.calls.length, before, 'Puter is not called')
  const bad = await post(s, s.key, { model: 'gpt-4o-mini', input: [{ type: 'function_call_output', output: 'x' }] })
  t.match(bad.json().error, { code: 'invalid_request', param: 'input.0.call_id' })
})

t.test('previous_response_id continues a stored conversation, streamed or not; unknown ids get 400', async (t) => {
  const s = await setupWithKey(t)
  const first = (await post(s, s.key, { model: 'gpt-4o-mini', input: 'first question', instructions: 'Old rules' })).json()
  const streamed = events((await post(s, s.key, { model: 'gpt-4o-mini', input: 'second', previous_response_id: first.id, stream: true })).body).at(-1).response
  t.equal(streamed.previous_response_id, first.id)
  const messages = lastCall(s).args.messages
  t.same(messages, [{ role: 'user', content: 'first question' }, { role: 'assistant', content: 'Echo: first question' }, { role: 'user', content: 'second' }], 'instructions are not carried over')
  await post(s, s.key, { model: 'gpt-4o-mini', input: 'third', previous_response_id: streamed.id })
  t.equal(lastCall(s).args.messages.length, 5, 'a chain of three')
  const unknown = await post(s, s.key, { model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_nope' })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json().error, { code: 'previous_response_not_found', param: 'previous_response_id', message: /resp_nope/ })
})

t.test('store: false keeps nothing', async (t) => {
  const s = await setupWithKey(t)
  const r = (await post(s, s.key, { model: 'gpt-4o-mini', input: 'x', store: false })).json()
  t.equal(r.store, false)
  t.equal((await s.app.inject({ url: `/v1/responses/${r.id}`, headers: { authorization: `Bearer ${s.key}` } })).statusCode, 404)
  t.equal((await post(s, s.key, { model: 'gpt-4o-mini', input: 'y', previous_response_id: r.id })).json().error.code, 'previous_response_not_found')
})

t.test("GET /v1/responses/{id}: the owner's keys read it; another user's key gets 404, and cannot continue it", async (t) => {
  const s = await setupWithKey(t)
  const r = (await post(s, s.key, { model: 'gpt-4o-mini', input: 'mine' })).json()
  const other = await createKey(s.app, s.cookie, 'second key of alice')
  const got = await s.app.inject({ url: `/v1/responses/${r.id}`, headers: { authorization: `Bearer ${other.key}` } })
  t.equal(got.statusCode, 200, 'another key of the same owner')
  t.same(got.json(), r)
  const bob = await createKey(s.app, await signIn(s.app, BOB), 'bob')
  const denied = await s.app.inject({ url: `/v1/responses/${r.id}`, headers: { authorization: `Bearer ${bob.key}` } })
  t.equal(denied.statusCode, 404)
  t.match(denied.json().error, { code: 'response_not_found' })
  t.equal((await post(s, bob.key, { model: 'gpt-4o-mini', input: 'x', previous_response_id: r.id })).statusCode, 400)
  t.equal((await s.app.inject({ url: `/v1/responses/${r.id}` })).statusCode, 401, 'no key, no response')
})

t.test('usage is recorded per key for plain and streamed responses', async (t) => {
  const s = await setupWithKey(t)
  s.fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'hi' }, { type: 'usage', usage: { prompt_tokens: 40, completion_tokens: 7 } }] })
  await post(s, s.key, { model: 'gpt-4o-mini', input: 'x', stream: true })
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', usage: { prompt_tokens: 12, completion_tokens: 3 } } })
  const plain = (await post(s, s.key, { model: 'gpt-4o-mini', input: 'x' })).json()
  t.match(plain.usage, { input_tokens: 12, output_tokens: 3, total_tokens: 15 })
  await new Promise((resolve) => setTimeout(resolve, 50))
  const requests = (await s.app.inject({ url: `/v1/keys/${s.keyId}/requests`, headers: { cookie: s.cookie } })).json().data
  t.match(requests.slice(0, 2), [{ model: 'gpt-4o-mini', inputTokens: 12, outputTokens: 3 }, { model: 'gpt-4o-mini', inputTokens: 40, outputTokens: 7 }])
})

t.test('failures: before the first byte in OpenAI JSON, after it as response.failed with the codes Codex reads', async (t) => {
  const s = await setupWithKey(t)
  s.fake.enqueue({ kind: 'error', status: 429, code: 'upstream_rate_limited', message: 'Rate limited upstream' })
  const before = await post(s, s.key, { model: 'gpt-4o-mini', input: 'x', stream: true })
  t.equal(before.statusCode, 429)
  t.match(before.json().error, { code: 'rate_limit_exceeded' })
  s.fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'half' }, { type: 'error', message: 'Too many requests to the provider' }] })
  const ev = events((await post(s, s.key, { model: 'gpt-4o-mini', input: 'x', stream: true })).body)
  t.match(ev.at(-1), { type: 'response.failed', response: { status: 'failed', error: { code: 'rate_limit_exceeded', message: /try again in 10s/ } } })
  t.notOk(ev.some((e) => e.type === 'response.output_item.done'), 'the half answer is not handed over as an item')
  const unknownModel = await post(s, s.key, { model: 'no-such-model', input: 'x' })
  t.equal(unknownModel.statusCode, 404)
})

t.test('a token cap ends with status incomplete', async (t) => {
  const s = await setupWithKey(t)
  const r = (await post(s, s.key, { model: 'gpt-4o-mini', input: 'a longer question', max_output_tokens: 2 })).json()
  t.equal(lastCall(s).args.max_tokens, 2)
  t.match(r, { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, max_output_tokens: 2 })
})
