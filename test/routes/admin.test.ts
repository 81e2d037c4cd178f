// The admin view: only ADMIN_PUTER_USERS reach it; it lists users with activity and usage but no secret; disabling a
// user stops their keys (open streams included), ends their sessions and refuses their sign-in until re-enabled.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { BOB, createKey, setup, signIn } from '../helper.ts'

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
const BOB_UUID = '22222222-2222-4222-8222-222222222222'
const ADMIN = { ADMIN_PUTER_USERS: 'alice' }

/** An app whose admin is alice, with bob signed in and holding a key. */
async function withBob (t: Parameters<typeof setup>[0], config: Record<string, unknown> = {}) {
  const s = await setup(t, { config: { ...ADMIN, ...config } })
  const admin = await signIn(s.app)
  const bob = await signIn(s.app, BOB)
  const bobKey = await createKey(s.app, bob, 'bob laptop')
  const chat = (payload: object = CHAT) => s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${bobKey.key}` }, payload })
  const post = (url: string, cookie = admin) => s.app.inject({ method: 'POST', url, headers: { cookie } })
  return Object.assign(s, { admin, bob, bobKey, chat, post })
}

t.test('only administrators reach /admin: 401 without a session, 403 admin_only for anyone else', async (t) => {
  const s = await withBob(t)
  const routes: Array<['GET' | 'POST', string]> = [['GET', '/admin/users'], ['POST', `/admin/users/${BOB_UUID}/disable`], ['POST', `/admin/users/${BOB_UUID}/enable`]]
  for (const [method, url] of routes) {
    t.equal((await s.app.inject({ method, url })).json().error.code, 'not_signed_in', `${method} ${url}: no session`)
    const res = await s.app.inject({ method, url, headers: { cookie: s.bob } })
    t.equal(res.statusCode, 403, `${method} ${url}: a user who is not an admin`)
    t.match(res.json().error, { code: 'admin_only', message: /ADMIN_PUTER_USERS/ })
  }
  t.equal((await s.chat()).statusCode, 200, 'bob was not disabled by his own attempt')
  t.equal((await s.app.inject({ method: 'POST', url: `/admin/users/${BOB_UUID}/disable`, headers: { cookie: s.admin, origin: 'https://evil.example' } })).statusCode, 403, 'cross-site refused')
  t.same((await s.app.inject({ url: '/auth/me', headers: { cookie: s.admin } })).json().isAdmin, true, '/auth/me tells the dashboard')
  t.same((await s.app.inject({ url: '/auth/me', headers: { cookie: s.bob } })).json().isAdmin, false)
})

t.test('GET /admin/users lists users with key counts, activity and usage, and no token, key or digest', async (t) => {
  const s = await withBob(t, { USAGE_FLUSH_SECONDS: 3600 })
  await createKey(s.app, s.bob, 'bob ci')
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', usage: { prompt_tokens: 12, completion_tokens: 5 } } })
  t.equal((await s.chat()).statusCode, 200)
  const res = await s.app.inject({ url: '/admin/users', headers: { cookie: s.admin } })
  t.equal(res.statusCode, 200)
  const { data } = res.json()
  t.same(data.map((u: any) => u.username), ['alice', 'bob'])
  t.match(data[0], { isAdmin: true, disabledAt: null, keyCount: 0, sessionCount: 1 })
  t.match(data[1], {
    uuid: BOB_UUID,
    isAdmin: false,
    disabledAt: null,
    keyCount: 2,
    sessionCount: 1,
    requestCount: 1,
    errorCount: 0,
    inputTokens: 12,
    outputTokens: 5,
    lastUsedAt: String,
    lastActiveAt: data[1].lastUsedAt,
    lastSignInAt: String,
    createdAt: String
  }, 'usage not yet written is included')

  await s.app.store.flushUsage()
  const doc = JSON.parse(await readFile(s.config.DATA_FILE as string, 'utf8'))
  const secrets = [BOB, s.bobKey.key, ...Object.values(doc.users).map((u: any) => u.token), ...Object.values(doc.keys).flatMap((k: any) => [k.digest, k.secret])]
  for (const secret of secrets) t.notOk(res.body.includes(secret), `the answer holds no ${secret.slice(0, 6)}…`)
  t.notMatch(res.body, /"(token|digest|secret|key)"/, 'no such field')
})

t.test('disabling a user stops their keys at once, ends their sessions and refuses their sign-in; enabling restores them', async (t) => {
  const s = await withBob(t)
  const disabled = await s.post(`/admin/users/${BOB_UUID}/disable`)
  t.equal(disabled.statusCode, 200)
  t.match(disabled.json(), { uuid: BOB_UUID, username: 'bob', disabledAt: String, sessionCount: 0, keyCount: 1 })

  const refused = await s.chat()
  t.equal(refused.statusCode, 401, 'the key is refused')
  t.match(refused.json().error, { code: 'user_disabled', message: /disabled/ })
  t.equal((await s.app.inject({ url: '/auth/me', headers: { cookie: s.bob } })).statusCode, 401, 'his session ended')
  const signin = await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: BOB } })
  t.equal(signin.statusCode, 403, 'he cannot sign in')
  t.match(signin.json().error, { code: 'user_disabled', message: /disabled the Puter account bob/ })
  t.notOk(signin.cookies.some((c) => c.name === 'pks_session' && c.value), 'no session')
  t.equal((await s.post(`/admin/users/${BOB_UUID}/disable`)).statusCode, 200, 'disabling twice is harmless')

  await s.restart()
  const admin = await signIn(s.app)
  t.equal((await s.chat()).json().error.code, 'user_disabled', 'still disabled after a restart')

  const enabled = await s.post(`/admin/users/${BOB_UUID}/enable`, admin)
  t.equal(enabled.statusCode, 200)
  t.equal(enabled.json().disabledAt, null)
  t.equal((await s.chat()).statusCode, 200, 'his key works again')
  t.equal((await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: BOB } })).statusCode, 200, 'he can sign in again')
})

t.test('disabling a user cuts off their open streams', async (t) => {
  const s = await withBob(t)
  s.fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'one' }, { type: 'text', text: 'never' }], delayMs: 60_000 })
  const streaming = s.chat({ ...CHAT, stream: true })
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(s.app.relay.openStreams, 1)
  t.equal((await s.post(`/admin/users/${BOB_UUID}/disable`)).statusCode, 200)
  t.match((await streaming).body, /account this API key belongs to was disabled/, 'ended with an error event that says why')
  t.match((await streaming).body, /"code":"user_disabled"/, 'with the code user_disabled')
  t.equal(s.app.relay.openStreams, 0)
})

t.test('administrators cannot be disabled; unknown users are 404', async (t) => {
  const s = await withBob(t)
  const self = await s.post('/admin/users/11111111-1111-4111-8111-111111111111/disable')
  t.equal(self.statusCode, 409)
  t.match(self.json().error, { code: 'cannot_disable_admin', message: /alice is an administrator/ })
  for (const action of ['disable', 'enable']) {
    const res = await s.post(`/admin/users/u-nobody/${action}`)
    t.equal(res.statusCode, 404, `${action}: 404`)
    t.equal(res.json().error.code, 'user_not_found')
  }
})
