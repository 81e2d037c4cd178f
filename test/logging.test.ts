// No secret reaches a log line (Puter tokens, sk- keys, session cookies, Authorization headers, keys and tokens in
// URLs), and LOG_LEVEL=debug/trace add what a reader needs to follow a request.
import t from 'tap'
import { scrubSecrets } from '../src/logging.ts'
import { setup, signIn, createKey, ALICE } from './helper.ts'

t.test('a full sign-in, key, chat and error flow logs no secret', async (t) => {
  const s = await setup(t, { captureLogs: true, config: { LOG_LEVEL: 'trace', APP_API_KEYS: 'static-fallback-key-0123456789abcdef', PUTER_AUTH_TOKEN: 'fake-token-ops' } })
  const { app } = s
  const cookie = await signIn(app)
  const k = await createKey(app, cookie, 'logged')
  const auth = { authorization: `Bearer ${k.key}` }
  await app.inject({ url: `/v1/keys/${k.id}/reveal`, headers: { cookie } })
  await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: auth, payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } })
  await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: auth, payload: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] } })
  await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: 'Bearer static-fallback-key-0123456789abcdef' }, payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } })
  await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${k.key}x` }, payload: { model: 'gpt-4o-mini', messages: [] } })
  await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: 'fake-token-nobody-x' } })
  s.fake.expireToken(ALICE)
  await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: auth, payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } })
  await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: ALICE } })
  app.log.info(`a message mentioning ${k.key} by accident`)

  const text = s.logs.join('')
  t.ok(s.logs.length > 20, `${s.logs.length} log lines captured`)
  const cookieValue = cookie.split('=')[1]
  for (const [name, secret] of [['sk- key', k.key], ['key body', k.key.slice(3)], ['Puter token', ALICE], ['session cookie', cookieValue], ['fallback key', 'static-fallback-key-0123456789abcdef'], ['fallback Puter token', 'fake-token-ops']] as const) {
    t.notOk(text.includes(secret), `${name} never logged`)
  }
  t.match(text, /\[redacted\]/, 'redaction happened')
})

t.test('a malformed JSON body is neither echoed nor logged (V8 quotes the input in its errors)', async (t) => {
  const s = await setup(t, { captureLogs: true })
  const res = await s.app.inject({ method: 'POST', url: '/auth/puter/signin', headers: { 'content-type': 'application/json' }, payload: '{"token": fake-token-secret-value}' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'invalid_json')
  t.notOk(res.body.includes('fake-token-secret-value'), 'not echoed')
  t.notOk(s.logs.join('').includes('fake-token-secret-value'), 'not logged')
})

/** The captured log lines as objects. */
const parsed = (logs: string[]) => logs.map((l) => JSON.parse(l) as Record<string, any>)

t.test('keys and tokens in a URL never reach the log; the logged URL keeps the rest', async (t) => {
  const s = await setup(t, { captureLogs: true })
  const cookie = await signIn(s.app)
  const k = await createKey(s.app, cookie, 'in a url')
  const secrets = ['tok-abcdef123456', 'pw-hunter2-xyz', 'sess-998877', 'oauth-code-5544', 'acc-tok-7788', 'plain-key-3344']
  const urls = [
    `/v1/models?api_key=${k.key}`,
    `/v1/keys/${k.key}/reveal`,
    `/nope/${k.key}`,
    `/v1/models?token=${secrets[0]}&limit=5`,
    `/nope?password=${secrets[1]}&session=${secrets[2]}`,
    `/auth/callback?code=${secrets[3]}&access_token=${secrets[4]}`,
    `/v1/models?apikey=${secrets[5]}`,
    `/v1/models?x=1&key=${k.key.slice(3)}`
  ]
  for (const url of urls) await s.app.inject({ url, headers: { cookie } })

  const text = s.logs.join('')
  t.notOk(text.includes(k.key.slice(3)), 'the key (or its body) never logged')
  for (const secret of secrets) t.notOk(text.includes(secret), `${secret} never logged`)
  const logged = parsed(s.logs).filter((l) => l.req?.url).map((l) => l.req.url)
  t.ok(logged.includes('/v1/models?api_key=[redacted]'), 'a key parameter is scrubbed')
  t.ok(logged.includes('/v1/keys/sk-[redacted]/reveal'), 'a key in the path is scrubbed')
  t.ok(logged.includes('/v1/models?token=[redacted]&limit=5'), 'other parameters stay readable')
  t.ok(logged.includes('/nope?password=[redacted]&session=[redacted]'), 'several secret parameters in one URL')
})

t.test('LOG_LEVEL=debug/trace say what happened: key guard, Puter call, translation, stream sizes', async (t) => {
  const s = await setup(t, { captureLogs: true, config: { AUTH_FAILURE_LIMIT: 1 } })
  const cookie = await signIn(s.app)
  const k = await createKey(s.app, cookie)
  const auth = { authorization: `Bearer ${k.key}` }
  const chat = (payload: object, headers: Record<string, string> = auth) => s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload })
  await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }], seed: 7, response_format: { type: 'json_object' }, tools: [{ type: 'web_search_preview' }], user: null })
  await chat({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' } })
  await chat({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  for (let i = 0; i < 2; i++) await chat({ model: 'gpt-4o-mini', messages: [] }, { authorization: 'Bearer sk-wrong-key-0123456789' })

  const lines = parsed(s.logs)
  const line = (msg: string) => lines.filter((l) => l.msg === msg)
  t.match(line('key guard: key accepted')[0], { level: 20, keyId: k.id, inFlight: 1, maxInFlight: Number }, 'key guard: the slot taken')
  t.match(line('key guard: invalid key')[0], { level: 20, limited: false, address: String }, 'key guard: a bad key')
  t.match(line('key guard: address over the failure limit')[0], { level: 20, limited: true, retryAfterS: Number }, 'key guard: the failure limiter')
  t.match(line('calling Puter'), [
    { level: 20, driver: 'ai-chat', method: 'complete', model: 'gpt-4o-mini', stream: false },
    { level: 20, stream: true },
    { level: 20, stream: true }
  ], 'the driver call, plain or stream')
  t.match(line('Puter answered')[0], { level: 20, upstreamStatus: 200, ttfbMs: Number })
  t.match(line('Puter answer read')[0], { level: 20, durationMs: Number })
  t.match(line('chat request: dropped what Puter has no equivalent for')[0], { level: 20, fields: ['seed', 'response_format'], toolTypes: ['web_search_preview'], partTypes: ['input_audio'] }, 'translation losses, by name')
  t.equal(line('chat request: dropped what Puter has no equivalent for').length, 1, 'nothing said when nothing is dropped')
  t.equal(line('Puter answered a stream request with a plain result; replaying it as a stream').length, 1, 'a replayed stream')
  t.match(line('Puter stream ended')[0], { level: 20, durationMs: Number, streamError: null })
  const totals = line('stream totals')[0]
  t.match(totals, { level: 10, upstreamChunks: Number, upstreamBytes: Number, events: Number, writes: Number, sentBytes: Number }, 'trace: the stream\'s sizes')
  t.ok(totals.upstreamChunks > 0 && totals.events > 3 && totals.sentBytes > totals.upstreamBytes / 2, 'with real counts')
  t.notOk(s.logs.join('').includes(k.key.slice(3)), 'still no key')
})

t.test('scrubSecrets: sk- keys anywhere, and the values of secret-looking query parameters', async (t) => {
  const cases: Array<[string, string]> = [
    ['/v1/models?limit=5', '/v1/models?limit=5'],
    ['/v1/keys/sk-abcdefgh12345678/reveal', '/v1/keys/sk-[redacted]/reveal'],
    ['/x?token=a&b=2', '/x?token=[redacted]&b=2'],
    ['/x?b=2&API_KEY=abc#frag', '/x?b=2&API_KEY=[redacted]#frag'],
    ['/x?puter_auth_token=abc&secret=s&client_secret=c&pwd=p&sig=q', '/x?puter_auth_token=[redacted]&secret=[redacted]&client_secret=[redacted]&pwd=[redacted]&sig=[redacted]'],
    ['/x?token=', '/x?token=[redacted]'],
    ['a message about sk-abcdefgh12345678 and /cb?code=xyz', 'a message about sk-[redacted] and /cb?code=[redacted]'],
    ['no secrets: token and key as words', 'no secrets: token and key as words']
  ]
  for (const [input, expected] of cases) t.equal(scrubSecrets(input), expected, input)
})
