// The OpenAI-compatible gateway over app.inject: key auth, every Puter result shape, every error mapping, fallback
// mode, CORS, usage batching. Streams are in chat-streaming.test.ts, refused requests in chat-validation.test.ts.
import t from 'tap'
import { ALICE, createKey, fakePuter, setup, setupWithKey, signIn } from '../../helper.ts'
import { chat, sse, user, WEATHER_TOOL } from './chat-helpers.ts'

const ALICE_UUID = '11111111-1111-4111-8111-111111111111'
t.test('key authentication', async (t) => {
  const s = await setupWithKey(t)
  const body = { model: 'gpt-4o-mini', messages: [user('hi')] }
  const cases: Array<[string, Record<string, string>, number]> = [
    ['Bearer key', { authorization: `Bearer ${s.key}` }, 200],
    ['x-api-key header', { 'x-api-key': s.key }, 200],
    ['no key', {}, 401],
    ['unknown key', { authorization: 'Bearer sk-' + 'a'.repeat(48) }, 401],
    ['malformed header', { authorization: `Token ${s.key}` }, 401],
    ['not an sk- key', { authorization: 'Bearer hello' }, 401]
  ]
  for (const [name, headers, status] of cases) {
    const res = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: body })
    t.equal(res.statusCode, status, `${name}: ${status}`)
    if (status === 401) {
      t.same(res.json(), { error: { message: res.json().error.message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, `${name}: OpenAI's invalid_api_key error`)
      t.match(res.json().error.message, /^Incorrect API key provided/)
    }
  }
  for (const url of ['/v1/models', '/v1/models/gpt-4o-mini']) {
    t.equal((await s.app.inject({ url })).statusCode, 401, `${url} needs a key`)
  }
  await s.app.inject({ method: 'DELETE', url: `/v1/keys/${s.keyId}`, headers: { cookie: s.cookie } })
  t.equal((await chat(s, s.key, body)).statusCode, 401, 'a deleted key stops working at once')
})

t.test('the owner\'s Puter token is used, and a new sign-in refreshes every key of the user', async (t) => {
  const s = await setupWithKey(t)
  const second = await createKey(s.app, s.cookie, 'second')
  const body = { model: 'gpt-4o-mini', messages: [user('hi')] }
  await chat(s, s.key, body)
  t.equal(s.fake.calls.at(-1)?.headers.authorization, `Bearer ${ALICE}`)

  s.fake.expireToken(ALICE)
  const rejected = await chat(s, s.key, body)
  t.equal(rejected.statusCode, 401)
  t.equal(rejected.json().error.code, 'puter_token_invalid')
  t.match(rejected.json().error.message, /sign in to the dashboard/i)

  s.fake.addUser('fake-token-alice-new', { uuid: ALICE_UUID, username: 'alice' })
  await signIn(s.app, 'fake-token-alice-new')
  for (const key of [s.key, second.key]) {
    const res = await chat(s, key, body)
    t.equal(res.statusCode, 200, 'works again after sign-in')
    t.equal(s.fake.calls.at(-1)?.headers.authorization, 'Bearer fake-token-alice-new', 'with the newest token')
  }
})

t.test('what the gateway sends Puter', async (t) => {
  const s = await setupWithKey(t)
  await chat(s, s.key, {
    model: 'gpt-4o-mini',
    messages: [{ role: 'developer', content: 'Be terse.' }, user([{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }])],
    temperature: 0.3,
    max_completion_tokens: 99,
    reasoning_effort: 'low',
    unknown_field: { nested: true }
  })
  const call = s.fake.calls.at(-1)!
  t.equal(call.path, '/drivers/call')
  t.match(call.body, { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete' })
  t.match(call.body.args, { model: 'gpt-4o-mini', temperature: 0.3, max_tokens: 99, reasoning_effort: 'low', stream: false })
  t.equal(call.body.args.messages[0].role, 'system', 'developer becomes system')
  t.notOk('unknown_field' in call.body.args, 'unknown fields are not forwarded')
  t.notOk(JSON.stringify(call.body).includes('cache_control'))
  t.notOk('auth_token' in call.body, 'the token travels in the Authorization header only')
})

t.test('every Puter result shape becomes a standard chat.completion', async (t) => {
  const s = await setupWithKey(t)
  const cases: Array<[string, unknown, RegExp | null, string, number]> = [
    ['OpenAI-wire (gpt-4o-mini)', { model: 'gpt-4o-mini', messages: [user('one')] }, /^Echo: one$/, 'stop', 0],
    ['Claude raw message', { model: 'claude-sonnet-4-5', messages: [user('two')] }, /^Echo: two$/, 'stop', 0],
    ['Claude tool_use', { model: 'claude-sonnet-4-5', messages: [user('Paris')], tools: [WEATHER_TOOL] }, null, 'tool_calls', 1],
    ['OpenAI tool_calls', { model: 'gpt-4o-mini', messages: [user('Paris')], tools: [WEATHER_TOOL] }, null, 'tool_calls', 1],
    ['normalized content blocks', { model: 'puter-normalized-demo', messages: [user('three')] }, /^Echo: three$/, 'stop', 0],
    ['normalized with tool', { model: 'puter-normalized-demo', messages: [user('Oslo')], tools: [WEATHER_TOOL] }, null, 'tool_calls', 1],
    ['fake model', { model: 'fake', messages: [user('four')] }, /^Echo: four$/, 'stop', 0],
    ['token cap', { model: 'gpt-4o-mini', messages: [user('a long question')], max_tokens: 1 }, /^.{1,4}$/, 'length', 0],
    ['Claude token cap', { model: 'claude-sonnet-4-5', messages: [user('a long question')], max_tokens: 1 }, /^.{1,4}$/, 'length', 0]
  ]
  for (const [name, payload, content, finish, tools] of cases) {
    const res = await chat(s, s.key, payload)
    t.equal(res.statusCode, 200, `${name}: 200`)
    const c = res.json()
    t.match(c, { id: /^chatcmpl-/, object: 'chat.completion', created: Number, model: (payload as any).model }, `${name}: envelope`)
    t.equal(c.choices.length, 1)
    const msg = c.choices[0].message
    t.equal(msg.role, 'assistant')
    if (content) t.match(msg.content, content, `${name}: content`)
    t.equal(c.choices[0].finish_reason, finish, `${name}: finish_reason`)
    t.equal(msg.tool_calls?.length ?? 0, tools, `${name}: tool calls`)
    if (tools) {
      t.match(msg.tool_calls[0], { id: String, type: 'function', function: { name: 'get_weather', arguments: String } })
      t.same(JSON.parse(msg.tool_calls[0].function.arguments), { city: (payload as any).messages[0].content }, `${name}: arguments are JSON`)
    }
    t.ok(c.usage.total_tokens === c.usage.prompt_tokens + c.usage.completion_tokens && c.usage.completion_tokens >= 0, `${name}: usage adds up`)
    t.notOk('raw' in c, `${name}: no raw field`)
    t.notOk('via_ai_chat_service' in c && 'usd_cents' in c.usage, `${name}: no Puter fields`)
  }
  const reasoning = (await chat(s, s.key, { model: 'deepseek-reasoner', messages: [user('why')] })).json()
  t.equal(reasoning.choices[0].message.reasoning_content, 'Thinking about: why', 'reasoning_content')
  t.equal(reasoning.choices[0].message.content, 'Echo: why')
  const legacyNormalized = await chat(s, s.key, { model: 'gpt-4o-mini', messages: [user('x')] })
  t.equal(legacyNormalized.statusCode, 200)
})

t.test('a given Puter result is passed through the translator (enqueued shapes)', async (t) => {
  const s = await setupWithKey(t)
  const results: Array<[string, unknown, string | null, number]> = [
    ['newer normalized OpenAI shape', { message: { role: 'assistant', content: 'hello', tool_calls: [] }, finish_reason: 'stop', normalized: true, usage: { prompt_tokens: 3, completion_tokens: 1 } }, 'hello', 4],
    ['Responses-API shape', { finish_reason: 'stop', index: 0, message: { content: 'from responses', reasoning: null, refusal: null, role: 'assistant' }, role: 'assistant', usage: { input_tokens: 2, output_tokens: 2 } }, 'from responses', 4],
    ['plain string', 'just text', 'just text', 0]
  ]
  for (const [name, result, content, total] of results) {
    s.fake.enqueue({ kind: 'result', result })
    const res = await chat(s, s.key, { model: 'gpt-4o-mini', messages: [user('x')] })
    t.equal(res.statusCode, 200, `${name}: 200`)
    t.equal(res.json().choices[0].message.content, content, `${name}: content`)
    t.equal(res.json().usage.total_tokens, total, `${name}: usage`)
  }
})

t.test('Puter errors map to OpenAI errors with the right status', async (t) => {
  const s = await setupWithKey(t)
  const cases: Array<[string, Parameters<typeof s.fake.enqueue>[0], number, string, string | null, Record<string, string>?]> = [
    ['out of funds', { kind: 'error', status: 402, code: 'insufficient_funds', message: 'No usage left for request.' }, 402, 'insufficient_quota', 'insufficient_quota', { 'x-should-retry': 'false' }],
    ['legacy out of funds at HTTP 200', { kind: 'legacy-error', code: 'insufficient_funds', message: 'Available funding is insufficient for this request.', status: 402 }, 402, 'insufficient_quota', 'insufficient_quota', { 'x-should-retry': 'false' }],
    ['subscriber-only model', { kind: 'error', status: 403, code: 'permission_denied', message: 'The model X is only available to subscribers' }, 403, 'permission_error', 'permission_denied'],
    ['vendor rate limit with retry hint (upstream_rate_limited is not retried)', { kind: 'error', status: 429, code: 'upstream_rate_limited', message: 'All routes rate limited', headers: { 'retry-after': '7' } }, 429, 'rate_limit_error', 'rate_limit_exceeded', { 'retry-after': '7' }],
    ['upstream rate limit', { kind: 'error', status: 429, code: 'upstream_rate_limited', message: 'All routes rate limited' }, 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['bad request', { kind: 'error', status: 400, code: 'bad_request', message: "each message must have a 'content' property" }, 400, 'invalid_request_error', 'bad_request'],
    ['moderation', { kind: 'error', status: 400, code: 'bad_request', message: 'flagged', extra: { errorCode: 'moderation_flagged' } }, 400, 'invalid_request_error', 'moderation_flagged'],
    ['provider down', { kind: 'error', status: 400, code: 'upstream_provider_unavailable', message: 'AI provider unavailable' }, 502, 'api_error', 'upstream_error'],
    ['token rejected', { kind: 'error', status: 401, code: 'token_auth_failed', message: 'Authentication failed' }, 401, 'authentication_error', 'puter_token_invalid'],
    ['legacy token rejected', { kind: 'legacy-error', code: 'token_auth_failed', message: 'Authentication failed', status: 401 }, 401, 'authentication_error', 'puter_token_invalid'],
    ['Puter 500', { kind: 'error', status: 500, code: 'internal_error', message: 'Internal Server Error' }, 502, 'api_error', 'upstream_error']
  ]
  for (const [name, behaviour, status, type, code, headers] of cases) {
    for (const stream of [false, true]) {
      s.fake.enqueue(behaviour)
      const res = await chat(s, s.key, { model: 'gpt-4o-mini', stream, messages: [user('x')] })
      const label = `${name}${stream ? ' (stream)' : ''}`
      t.equal(res.statusCode, status, `${label}: ${status}`)
      t.match(res.headers['content-type'], /application\/json/, `${label}: JSON error, not a stream`)
      const err = res.json().error
      t.match(err, { message: String, type, param: err.param, code }, `${label}: OpenAI shape`)
      for (const [h, v] of Object.entries(headers ?? {})) t.equal(res.headers[h], v, `${label}: header ${h}`)
    }
  }
  const unknown = await chat(s, s.key, { model: 'no-such-model', messages: [user('x')] })
  t.equal(unknown.statusCode, 404, 'unknown model: 404')
  t.match(unknown.json().error, { code: 'model_not_found', param: 'model', type: 'invalid_request_error' })
})

t.test('Puter unreachable: 502; timing out: 504; client-side problems: 400 and 413', async (t) => {
  const down = await fakePuter(t)
  const s = await setupWithKey(t, { fake: down })
  s.fake.enqueue({ kind: 'destroy' })
  const destroyed = await chat(s, s.key, { model: 'gpt-4o-mini', messages: [user('x')] })
  t.equal(destroyed.statusCode, 502, 'connection dropped: 502')
  t.equal(destroyed.json().error.code, 'upstream_unreachable')

  const slow = await setupWithKey(t, { config: { PUTER_TIMEOUT_MS: 300 } })
  slow.fake.enqueue({ kind: 'hang' })
  const timedOut = await chat(slow, slow.key, { model: 'gpt-4o-mini', messages: [user('x')] })
  t.equal(timedOut.statusCode, 504, 'no answer in time: 504')
  t.equal(timedOut.json().error.code, 'upstream_timeout')

  const url = s.fake.url
  await s.fake.close()
  const gone = await chat(s, s.key, { model: 'gpt-4o-mini', messages: [user('x')] })
  t.equal(gone.statusCode, 502, 'Puter down: 502')
  t.ok(url)

  const s2 = await setupWithKey(t, { config: { BODY_LIMIT_MB: 0.01 } })
  const big = await chat(s2, s2.key, { model: 'gpt-4o-mini', messages: [user('x'.repeat(20_000))] })
  t.equal(big.statusCode, 413, 'body over the limit: 413')
  t.match(big.json().error, { type: 'invalid_request_error', code: 'request_too_large' })
  const malformed = await s2.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s2.key}`, 'content-type': 'application/json' }, payload: '{"model": "gpt-4o-mini", ' })
  t.equal(malformed.statusCode, 400, 'malformed JSON: 400')
  t.match(malformed.json().error, { type: 'invalid_request_error', code: 'invalid_json' })
  const invalid: Array<[string, unknown, string]> = [
    ['no model', { messages: [user('x')] }, 'model'],
    ['messages not an array', { model: 'm', messages: 'hi' }, 'messages'],
    ['empty messages', { model: 'm', messages: [] }, 'messages'],
    ['bad role', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role']
  ]
  for (const [name, payload, param] of invalid) {
    const res = await chat(s2, s2.key, payload)
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.match(res.json().error, { type: 'invalid_request_error', param: new RegExp(`^${param.replace('.', '\\.')}`) }, `${name}: names ${param}`)
  }
  const many = await chat(s2, s2.key, { model: 'gpt-4o-mini', n: 2, messages: [user('x')] })
  t.equal(many.statusCode, 400, 'n > 1: 400')
  t.match(many.json().error, { param: 'n', code: 'unsupported_parameter' })
  t.equal((await chat(s2, s2.key, { model: 'gpt-4o-mini', n: 1, messages: [user('x')] })).statusCode, 200, 'n = 1 is fine')
  t.equal(s2.fake.calls.filter((c) => c.path === '/drivers/call').length, 1, 'only the valid request reached Puter')
})

t.test('Roo Code\'s exact request works, streaming and not', async (t) => {
  const s = await setupWithKey(t)
  const roo = (stream: boolean) => ({
    model: 'gpt-4o-mini',
    temperature: 0,
    messages: [
      { role: 'system', content: 'You are Roo, a highly skilled software engineer.' },
      { role: 'user', content: [{ type: 'text', text: '<task>read a.txt</task>', cache_control: { type: 'ephemeral' } }, { type: 'text', text: '<environment_details>...</environment_details>' }] }
    ],
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    tools: [{ type: 'function', function: { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false }, strict: true } }],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    max_completion_tokens: 8192
  })
  const plain = await chat(s, s.key, roo(false))
  t.equal(plain.statusCode, 200)
  const msg = plain.json().choices[0].message
  t.equal(msg.tool_calls[0].function.name, 'read_file')
  t.equal(plain.json().choices[0].finish_reason, 'tool_calls')
  t.ok(plain.json().usage.prompt_tokens > 0)

  const streamed = await chat(s, s.key, roo(true))
  const { chunks, done } = sse(streamed.body)
  t.ok(done)
  const first = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? [])[0]
  t.match(first, { index: 0, id: String, type: 'function', function: { name: 'read_file', arguments: String } })
  t.ok(chunks.at(-1).usage.prompt_tokens > 0, 'usage chunk for Roo\'s token counter')

  // The next turn: Roo sends the tool result back.
  const next = await chat(s, s.key, {
    ...roo(false),
    messages: [...roo(false).messages, { role: 'assistant', content: '', tool_calls: msg.tool_calls }, { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: 'file contents' }]
  })
  t.equal(next.statusCode, 200)
  t.equal(next.json().choices[0].message.content, 'Tool said: file contents')
})

t.test('fallback mode: static keys use the server-wide Puter token', async (t) => {
  const one = 'sk-static-key-one-0123456789abcdef'
  const two = 'sk-static-key-two-0123456789abcdef'
  const s = await setup(t, { config: { APP_API_KEYS: `${one}, ${two}`, PUTER_AUTH_TOKEN: 'fake-token-ops' } })
  for (const key of [one, two]) {
    const res = await chat(s, key, { model: 'gpt-4o-mini', messages: [user('fb')] })
    t.equal(res.statusCode, 200, 'a static key works')
    t.equal(s.fake.calls.at(-1)?.headers.authorization, 'Bearer fake-token-ops')
  }
  t.equal((await chat(s, 'sk-static-key-three-0123456789abcdef', { model: 'gpt-4o-mini', messages: [user('fb')] })).statusCode, 401)
  t.equal((await s.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${one}` } })).statusCode, 200)

  const off = await setup(t)
  t.equal((await chat(off, one, { model: 'gpt-4o-mini', messages: [user('fb')] })).statusCode, 401, 'without the variables the mode is off')
  await t.rejects(setup(t, { config: { APP_API_KEYS: one } }), /PUTER_AUTH_TOKEN/, 'keys without a token: the start names the missing variable')
})

t.test('fallback mode refuses static keys under 32 characters at start, naming which', async (t) => {
  const long = 'sk-static-key-one-0123456789abcdef'
  await t.rejects(setup(t, { config: { APP_API_KEYS: 'team', PUTER_AUTH_TOKEN: 'fake-token-ops' } }), /key 1 of APP_API_KEYS has 4 characters; static keys need at least 32/)
  await t.rejects(setup(t, { config: { APP_API_KEYS: `${long},short-one`, PUTER_AUTH_TOKEN: 'fake-token-ops' } }), /key 2 of APP_API_KEYS has 9 characters/)
  const err = await setup(t, { config: { APP_API_KEYS: 'team-secret', PUTER_AUTH_TOKEN: 'fake-token-ops' } }).catch((e: Error) => e)
  t.notMatch(String((err as Error).message), /team-secret/, 'the key itself is not echoed')
})

t.test('CORS: OpenAI routes allow any origin; auth and key routes stay same-origin', async (t) => {
  const s = await setupWithKey(t)
  const preflight = await s.app.inject({
    method: 'OPTIONS',
    url: '/v1/chat/completions',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-stainless-os, x-stainless-retry-count' }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], '*')
  t.match(String(preflight.headers['access-control-allow-headers']), /x-stainless-os/)
  t.match(String(preflight.headers['access-control-allow-headers']), /authorization/)
  t.notOk(preflight.headers['access-control-allow-credentials'])
  const actual = await chat(s, s.key, { model: 'gpt-4o-mini', messages: [user('x')] }, { origin: 'https://app.example' })
  t.equal(actual.headers['access-control-allow-origin'], '*')
  const models = await s.app.inject({ url: '/v1/models', headers: { origin: 'https://app.example', authorization: `Bearer ${s.key}` } })
  t.equal(models.headers['access-control-allow-origin'], '*')

  for (const url of ['/v1/keys', '/auth/puter/signin']) {
    const p = await s.app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } })
    t.notOk(p.headers['access-control-allow-origin'], `${url}: no CORS`)
  }
  const keys = await s.app.inject({ url: '/v1/keys', headers: { origin: 'https://app.example', cookie: s.cookie } })
  t.notOk(keys.headers['access-control-allow-origin'], '/v1/keys answers carry no CORS header')
})

t.test('key usage is counted in memory and never written per request', async (t) => {
  const s = await setupWithKey(t, { config: { USAGE_FLUSH_SECONDS: 3600 } })
  const writes = s.app.store.stats.writes
  for (let i = 0; i < 20; i++) await chat(s, s.key, { model: 'gpt-4o-mini', messages: [user('x')] })
  t.equal(s.app.store.stats.writes, writes, 'no file write for 20 proxied requests')
  const listed = (await s.app.inject({ url: '/v1/keys', headers: { cookie: s.cookie } })).json().data.find((k: any) => k.id === s.keyId)
  t.equal(listed.requestCount, 20)
  t.ok(Date.parse(listed.lastUsedAt) > Date.now() - 60_000)
  const app = await s.restart()
  const after = (await app.inject({ url: '/v1/keys', headers: { cookie: s.cookie } })).json().data.find((k: any) => k.id === s.keyId)
  t.equal(after.requestCount, 20, 'usage flushed on close and kept across a restart')
})
