// No secret reaches a log line: Puter tokens, sk- keys, session cookies and Authorization headers are redacted.
import t from 'tap'
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
