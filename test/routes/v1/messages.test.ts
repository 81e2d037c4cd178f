// POST /v1/messages and /count_tokens over inject: plain and streamed answers, the event order, ping after silence,
// a mid-stream error event, Anthropic's error shape for the key guard's and Puter's refusals, and usage recorded.
import t from 'tap'
import { setupWithKey, type Setup } from '../../helper.ts'

const ASK = { model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: 'hello' }] }
const BASH = { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }

function post (s: Setup, key: string, payload: unknown, opts: { url?: string, headers?: Record<string, string> } = {}) {
  return s.app.inject({ method: 'POST', url: opts.url ?? '/v1/messages', headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', ...opts.headers }, payload: payload as object })
}

/** The events of an SSE body as [event name, data]. */
function events (body: string): Array<[string, any]> {
  return body.split('\n\n').filter((c) => c.trim() !== '').map((c) => {
    const name = /^event: (.+)$/m.exec(c)?.[1] ?? ''
    const data = /^data: (.+)$/m.exec(c)?.[1]
    return [name, data === undefined ? undefined : JSON.parse(data)]
  })
}

const lastDriverCall = (s: Setup) => s.fake.calls.filter((c) => c.path === '/drivers/call').at(-1)?.body

t.test('a plain message: Anthropic\'s message object; the call to Puter carries only mapped fields', async (t) => {
  const s = await setupWithKey(t)
  const res = await post(s, s.key, {
    ...ASK,
    system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=1; cch=1;' }, { type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral' } }],
    metadata: { user_id: 'u-1' },
    context_management: { edits: [] }
  }, { url: '/v1/messages?beta=true', headers: { 'anthropic-beta': 'claude-code-20250219,not-a-real-beta-2099-01-01' } })
  t.equal(res.statusCode, 200, res.body)
  const msg = res.json()
  t.match(msg, { id: /^msg_/, type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', stop_reason: 'end_turn', stop_sequence: null, content: [{ type: 'text', text: 'Echo: hello' }] })
  t.match(msg.usage, { input_tokens: Number, output_tokens: Number, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })
  t.ok(res.headers['request-id'])
  const args = lastDriverCall(s).args
  t.equal(args.model, 'claude-sonnet-4-6')
  t.strictSame(args.messages[0], { role: 'system', content: [{ type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral' } }] })
  t.notOk('metadata' in args || 'context_management' in args, 'unknown fields are not forwarded')
})

t.test('Bearer auth, aliases and a trailing [1m] resolve through the catalogue', async (t) => {
  const s = await setupWithKey(t)
  const res = await s.app.inject({ method: 'POST', url: '/v1/messages', headers: { authorization: `Bearer ${s.key}` }, payload: { ...ASK, model: 'claude-haiku-4-5[1m]' } })
  t.equal(res.statusCode, 200, res.body)
  t.equal(lastDriverCall(s).args.model, 'claude-haiku-4-5-20251001')
  t.equal(res.json().model, 'claude-haiku-4-5', 'the model as requested, without [1m]')
})

t.test('a stream: the exact event order with thinking, text and a tool call', async (t) => {
  const s = await setupWithKey(t)
  const res = await post(s, s.key, { ...ASK, stream: true, thinking: { type: 'enabled', budget_tokens: 2048 }, tools: [BASH], messages: [{ role: 'user', content: 'tool:Bash please' }] })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/event-stream/)
  t.equal(lastDriverCall(s).args.reasoning_effort, 'low')
  const seq = events(res.body)
  t.strictSame(seq.map(([name]) => name), ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
  t.ok(seq[0][1].message.usage.input_tokens > 0, 'message_start carries an input estimate')
  t.match(seq[1][1].content_block, { type: 'thinking' })
  t.match(seq[2][1].delta, { type: 'thinking_delta', thinking: 'Thinking about: tool:Bash please' })
  t.match(seq[4][1].content_block, { type: 'tool_use', id: /^toolu_/, name: 'Bash', input: {} })
  t.strictSame(JSON.parse(seq[5][1].delta.partial_json), { command: 'tool:Bash please' })
  t.match(seq[7][1], { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: Number } })
})

t.test('a silent stream gets ping events', async (t) => {
  const s = await setupWithKey(t, { config: { STREAM_KEEPALIVE_SECONDS: 0.2 } })
  s.fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'usage', usage: { input_tokens: 5, output_tokens: 2 } }], delayMs: 700 })
  const res = await post(s, s.key, { ...ASK, stream: true })
  const names = events(res.body).map(([name]) => name)
  t.ok(names.includes('ping'), names.join(','))
  t.equal(names[0], 'message_start')
  t.equal(names.at(-1), 'message_stop')
  t.match(res.body, 'event: ping\ndata: {"type":"ping"}\n\n')
})

t.test('a failure after the start is an error event', async (t) => {
  const s = await setupWithKey(t)
  s.fake.enqueue({ kind: 'stream-error', afterTextLines: 1, message: 'Anthropic is overloaded' })
  const res = await post(s, s.key, { ...ASK, stream: true })
  t.equal(res.statusCode, 200)
  const seq = events(res.body)
  t.strictSame(seq.map(([name]) => name), ['message_start', 'content_block_start', 'content_block_delta', 'error'])
  t.strictSame(seq.at(-1)?.[1], { type: 'error', error: { type: 'overloaded_error', message: 'Anthropic is overloaded' } })
})

t.test('errors in Anthropic\'s shape: 401, 403, 404, 429, 400, 529', async (t) => {
  const s = await setupWithKey(t)
  const shape = (res: { json: () => any }, type: string) => t.match(res.json(), { type: 'error', error: { type, message: String }, request_id: String }, type)

  const bad = await post(s, 'sk-nope', ASK)
  t.equal(bad.statusCode, 401)
  shape(bad, 'authentication_error')
  t.equal(bad.headers['x-should-retry'], 'false')

  const keyRes = await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie: s.cookie }, payload: { name: 'gpt only', allowedModels: ['gpt-*'] } })
  const limited = keyRes.json().key
  const denied = await post(s, limited, ASK)
  t.equal(denied.statusCode, 403)
  shape(denied, 'permission_error')
  t.match(denied.json().error.message, 'claude-sonnet-4-6')

  const unknown = await post(s, s.key, { ...ASK, model: 'claude-nonexistent-9' })
  t.equal(unknown.statusCode, 404)
  shape(unknown, 'not_found_error')

  s.fake.enqueue({ kind: 'error', status: 429, code: 'upstream_rate_limited', message: 'Rate limited upstream', headers: { 'retry-after': '120' } })
  const rate = await post(s, s.key, ASK)
  t.equal(rate.statusCode, 429)
  shape(rate, 'rate_limit_error')
  t.equal(rate.headers['retry-after'], '60', 'capped at 60 s')
  t.equal(rate.headers['x-should-retry'], 'true')

  const invalid = await post(s, s.key, { model: 'claude-sonnet-4-6', messages: [] })
  t.equal(invalid.statusCode, 400)
  shape(invalid, 'invalid_request_error')

  s.fake.enqueue({ kind: 'error', status: 400, code: 'upstream_provider_unavailable', message: 'AI provider unavailable' })
  const down = await post(s, s.key, ASK)
  t.equal(down.statusCode, 529)
  shape(down, 'overloaded_error')

  s.fake.enqueue({ kind: 'error', status: 402, code: 'insufficient_funds', message: 'No usage left for request.' })
  const broke = await post(s, s.key, ASK)
  t.equal(broke.statusCode, 402)
  shape(broke, 'billing_error')
  t.equal(broke.headers['x-should-retry'], 'false')
})

t.test('a key over its rpm limit gets 429 rate_limit_error with retry-after', async (t) => {
  const s = await setupWithKey(t)
  const keyRes = await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie: s.cookie }, payload: { name: 'slow', limits: { rpm: 1 } } })
  const key = keyRes.json().key
  t.equal((await post(s, key, ASK)).statusCode, 200)
  const res = await post(s, key, ASK)
  t.equal(res.statusCode, 429)
  t.match(res.json(), { type: 'error', error: { type: 'rate_limit_error' } })
  t.ok(Number(res.headers['retry-after']) > 0 && Number(res.headers['retry-after']) <= 60)
})

t.test('count_tokens: a local count, no Puter call', async (t) => {
  const s = await setupWithKey(t)
  const before = s.fake.calls.length
  const res = await post(s, s.key, { model: 'claude-sonnet-4-6', system: 'Be terse.', messages: [{ role: 'user', content: 'Hello, world' }], tools: [BASH] }, { url: '/v1/messages/count_tokens?beta=true' })
  t.equal(res.statusCode, 200, res.body)
  t.ok(res.json().input_tokens > 10)
  t.equal(s.fake.calls.length, before, 'Puter not called')
  const bad = await post(s, 'sk-nope', { model: 'x', messages: [] }, { url: '/v1/messages/count_tokens' })
  t.match(bad.json(), { type: 'error', error: { type: 'authentication_error' } })
})

t.test('usage is recorded for the key, under the catalogue\'s model id', async (t) => {
  const s = await setupWithKey(t)
  t.equal((await post(s, s.key, { ...ASK, stream: true })).statusCode, 200)
  t.equal((await post(s, s.key, ASK)).statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const rows = (await s.app.inject({ url: `/v1/keys/${s.keyId}/requests`, headers: { cookie: s.cookie } })).json().data
  t.equal(rows.length, 2)
  for (const row of rows) t.match(row, { model: 'claude-sonnet-4-6', status: 200, errorCode: null, route: 'POST /v1/messages', inputTokens: Number, outputTokens: Number })
  t.ok(rows.every((r: any) => r.inputTokens > 0))
})
