// Sign-in with a Puter token, sessions (cookie, expiry, restart, sign-out), cross-site protection and rate limiting.
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setup, signIn, ALICE, fakePuter } from '../helper.ts'

t.test('sign-in checks the token with Puter, creates the user and sets the session cookie', async (t) => {
  const { app, fake } = await setup(t)
  const res = await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: ALICE } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { user: { uuid: '11111111-1111-4111-8111-111111111111', username: 'alice' }, expiresAt: String })
  const whoami = fake.calls.find((c) => c.path === '/whoami')
  t.equal(whoami?.headers.authorization, `Bearer ${ALICE}`, 'Puter /whoami called with the token as Bearer')
  const cookie = res.cookies.find((c) => c.name === 'pks_session')
  t.ok(cookie, 'session cookie set')
  t.equal(cookie?.httpOnly, true)
  t.equal(cookie?.sameSite, 'Lax')
  t.equal(cookie?.path, '/')
  t.equal(cookie?.maxAge, 24 * 3600)
  t.notOk(cookie?.secure, 'not Secure over plain http')
  t.ok(cookie!.value.length >= 40)
  const hint = res.cookies.find((c) => c.name === 'pks_signed_in')
  t.match(hint, { value: '1', path: '/', maxAge: 24 * 3600 }, 'a readable signed-in hint without a secret')
  t.notOk(hint?.httpOnly)
})

t.test('cookie is Secure when the request came over HTTPS through a trusted proxy', async (t) => {
  const { app } = await setup(t, { config: { TRUST_PROXY: 'true' } })
  const res = await app.inject({ method: 'POST', url: '/auth/puter/signin', headers: { 'x-forwarded-proto': 'https' }, payload: { token: ALICE } })
  t.equal(res.cookies.find((c) => c.name === 'pks_session')?.secure, true)
})

t.test('bad, expired and missing tokens', async (t) => {
  const { app, fake } = await setup(t)
  fake.addUser('fake-token-expiring', { uuid: 'u-exp', username: 'exp' })
  fake.expireToken('fake-token-expiring')
  const cases: Array<[string, unknown, number, string]> = [
    ['unknown token', { token: 'not-a-puter-token' }, 401, 'puter_token_invalid'],
    ['expired token', { token: 'fake-token-expiring' }, 401, 'puter_token_invalid'],
    ['missing token', {}, 400, 'invalid_request'],
    ['empty token', { token: '' }, 400, 'invalid_request'],
    ['token not a string', { token: 42 }, 400, 'invalid_request']
  ]
  for (const [name, payload, status, code] of cases) {
    const res = await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: payload as object })
    t.equal(res.statusCode, status, `${name}: status`)
    t.match(res.json(), { error: { message: String, type: String, code } }, `${name}: OpenAI-shaped error`)
    t.notOk(res.cookies.some((c) => c.name === 'pks_session' && c.value), `${name}: no session`)
    t.notOk(res.body.includes('not-a-puter-token'), `${name}: token not echoed`)
  }
  t.equal(res400param(await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: {} })), 'token', 'names the missing field')
})

function res400param (res: { json: () => any }) {
  return res.json().error.param
}

t.test('Puter unreachable gives 502', async (t) => {
  const down = await fakePuter(t)
  const url = down.url
  await down.close()
  const { app } = await setup(t, { config: { PUTER_API_ORIGIN: url } })
  const res = await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: ALICE } })
  t.equal(res.statusCode, 502)
  t.equal(res.json().error.code, 'upstream_unreachable')
})

t.test('Puter failing (5xx, or an answer that is not a user) gives 502', async (t) => {
  for (const [name, status, body] of [['500', 500, '{"error":"Internal Server Error","message":"Internal Server Error","code":"internal_error"}'], ['garbage 200', 200, '<html>']] as const) {
    const server = createServer((_req, res) => { res.writeHead(status, { 'content-type': 'application/json' }).end(body) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise((resolve) => server.close(resolve)))
    const { port } = server.address() as AddressInfo
    const { app } = await setup(t, { config: { PUTER_API_ORIGIN: `http://127.0.0.1:${port}` } })
    const res = await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: ALICE } })
    t.equal(res.statusCode, 502, `${name}: 502`)
    t.equal(res.json().error.code, 'upstream_error', `${name}: code`)
  }
})

t.test('/auth/me, sign-out, and the session ends', async (t) => {
  const { app } = await setup(t)
  t.equal((await app.inject({ url: '/auth/me' })).statusCode, 401, 'no cookie: 401')
  t.equal((await app.inject({ url: '/auth/me', headers: { cookie: 'pks_session=forged' } })).statusCode, 401, 'forged cookie: 401')
  const cookie = await signIn(app)
  const me = await app.inject({ url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 200)
  t.match(me.json(), { user: { username: 'alice' }, expiresAt: String })
  t.ok(Date.parse(me.json().expiresAt) > Date.now() + 23 * 3600_000)

  const out = await app.inject({ method: 'POST', url: '/auth/signout', headers: { cookie } })
  t.equal(out.statusCode, 200)
  t.same(out.json(), { signedOut: true })
  const cleared = out.cookies.find((c) => c.name === 'pks_session')
  t.equal(cleared?.value, '', 'cookie cleared')
  t.equal(out.cookies.find((c) => c.name === 'pks_signed_in')?.value, '', 'hint cleared')
  t.equal((await app.inject({ url: '/auth/me', headers: { cookie } })).statusCode, 401, 'old cookie no longer works')
})

t.test('sessions expire after SESSION_TTL_HOURS', async (t) => {
  const { app } = await setup(t, { config: { SESSION_TTL_HOURS: 0.0005 } }) // 1.8 s: room for a slow machine
  const cookie = await signIn(app)
  t.equal((await app.inject({ url: '/auth/me', headers: { cookie } })).statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const res = await app.inject({ url: '/auth/me', headers: { cookie } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().error.code, 'session_expired')
})

t.test('sessions survive a restart on the same data file', async (t) => {
  const s = await setup(t)
  const cookie = await signIn(s.app)
  const app = await s.restart()
  const me = await app.inject({ url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 200)
  t.equal(me.json().user.username, 'alice')
})

t.test('cross-site and non-JSON state changes are refused', async (t) => {
  const { app } = await setup(t)
  const cookie = await signIn(app)
  const cases: Array<[string, Record<string, string>, string | undefined, number]> = [
    ['foreign Origin', { origin: 'https://evil.example' }, '{}', 403],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, '{}', 403],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }, '{}', 403],
    ['text/plain body', { 'content-type': 'text/plain' }, '{"name":"x"}', 415],
    ['form body', { 'content-type': 'application/x-www-form-urlencoded' }, 'name=x', 415]
  ]
  for (const [name, headers, payload, status] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie, 'content-type': 'application/json', ...headers }, payload })
    t.equal(res.statusCode, status, `${name}: ${status}`)
    t.ok(res.json().error, `${name}: error body`)
  }
  const signinCsrf = await app.inject({ method: 'POST', url: '/auth/puter/signin', headers: { origin: 'https://evil.example' }, payload: { token: ALICE } })
  t.equal(signinCsrf.statusCode, 403, 'cross-site sign-in refused')
  const del = await app.inject({ method: 'POST', url: '/auth/signout', headers: { cookie, origin: 'https://evil.example' } })
  t.equal(del.statusCode, 403, 'cross-site sign-out refused')

  const same = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie, origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' }, payload: {} })
  t.equal(same.statusCode, 201, 'same-origin request accepted')
  t.equal((await app.inject({ url: '/v1/keys', headers: { cookie } })).json().data.length, 1, 'only the same-origin request created a key')
})

t.test('sign-in is rate-limited per client address', async (t) => {
  const { app } = await setup(t, { config: { SIGNIN_RATE_LIMIT: 3 } })
  const codes = []
  for (let i = 0; i < 4; i++) {
    codes.push((await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: 'bad' } })).statusCode)
  }
  t.same(codes, [401, 401, 401, 429])
  const res = await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: ALICE } })
  t.equal(res.statusCode, 429)
  t.equal(res.json().error.type, 'rate_limit_error')
  const other = await app.inject({ method: 'POST', url: '/auth/puter/signin', remoteAddress: '10.1.2.3', payload: { token: ALICE } })
  t.equal(other.statusCode, 200, 'another address is not limited')
})
