// The session plugin on a bare Fastify with a Map-backed fake store: the session guard, the session cookies and the
// same-origin JSON guard for cookie-authenticated writes.
import t from 'tap'
import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import type { FastifyServerOptions } from 'fastify'
import sessionPlugin from '../../src/plugins/session.ts'
import type { Store } from '../../src/store/types.ts'
import { bareApp } from './bare.ts'

const ALICE = { uuid: 'u-alice', username: 'alice' }

/** The store methods session.ts calls, over a Map; `ttls` records the lifetimes asked for. */
function fakeStore () {
  const sessions = new Map<string, { userId: string, expiresAt: string }>()
  const ttls: number[] = []
  let n = 0
  const store = {
    async createSession (userId: string, ttlMs: number) {
      ttls.push(ttlMs)
      const value = `cookie-${++n}`
      const expiresAt = new Date(Date.now() + ttlMs).toISOString()
      sessions.set(value, { userId, expiresAt })
      return { cookie: value, expiresAt }
    },
    async getSession (value: string) {
      const s = sessions.get(value)
      const user = { ...ALICE, token: 'enc', createdAt: '', updatedAt: '' }
      return s && s.userId === user.uuid ? { ...s, createdAt: '', user } : undefined
    },
    async deleteSession (value: string) {
      return sessions.delete(value)
    }
  }
  return { sessions, ttls, store: store as Pick<Store, keyof typeof store> as Store }
}

async function build (t: Tap, options: FastifyServerOptions = {}) {
  const fake = fakeStore()
  const app = await bareApp(t, { SESSION_TTL_HOURS: 2 }, options)
  await app.register(cookie)
  await app.register(fp(async (f) => { f.decorate('store', fake.store) }, { name: 'store' }))
  await app.register(sessionPlugin)
  app.get('/me', { onRequest: app.requireSession }, async (request) => ({ user: request.user, expiresAt: request.sessionExpiresAt }))
  app.post('/signin', async (request, reply) => app.startSession(request, reply, ALICE))
  app.post('/signout', async (request, reply) => { await app.endSession(request, reply); return { ok: true } })
  app.route({ method: ['GET', 'POST', 'DELETE', 'OPTIONS'], url: '/write', onRequest: app.requireSameOrigin, handler: async () => ({ ok: true }) })
  return { app, ...fake }
}

type Tap = Parameters<typeof bareApp>[0]

t.test('requireSession: no cookie is not_signed_in, an unknown cookie is session_expired', async (t) => {
  const { app } = await build(t)
  const none = await app.inject({ url: '/me' })
  t.equal(none.statusCode, 401)
  t.same(none.json(), { code: 'not_signed_in', status: 401 })
  const unknown = await app.inject({ url: '/me', cookies: { pks_session: 'forged' } })
  t.same(unknown.json(), { code: 'session_expired', status: 401 })
})

t.test('startSession sets an HttpOnly SameSite=Lax session cookie and a readable hint; the cookie opens the session', async (t) => {
  const { app, ttls } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/signin' })
  t.equal(res.statusCode, 200)
  t.equal(ttls[0], 2 * 3_600_000, 'the session lives SESSION_TTL_HOURS')
  const session = res.cookies.find((c) => c.name === 'pks_session')
  const hint = res.cookies.find((c) => c.name === 'pks_signed_in')
  t.match(session, { value: 'cookie-1', path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 7200 })
  t.notOk(session?.secure, 'not Secure over plain http')
  t.match(hint, { value: '1', path: '/', sameSite: 'Lax', maxAge: 7200 })
  t.notOk(hint?.httpOnly, 'the hint is readable by the page')
  const me = await app.inject({ url: '/me', cookies: { pks_session: session!.value } })
  t.equal(me.statusCode, 200)
  t.same(me.json(), { user: ALICE, expiresAt: res.json().expiresAt })
})

t.test('signing in again ends the previous session', async (t) => {
  const { app, sessions } = await build(t)
  await app.inject({ method: 'POST', url: '/signin' })
  const again = await app.inject({ method: 'POST', url: '/signin', cookies: { pks_session: 'cookie-1' } })
  t.same([...sessions.keys()], ['cookie-2'])
  t.equal(again.cookies.find((c) => c.name === 'pks_session')?.value, 'cookie-2')
})

t.test('both cookies are Secure when the request came over https', async (t) => {
  const { app } = await build(t, { trustProxy: true })
  const res = await app.inject({ method: 'POST', url: '/signin', headers: { 'x-forwarded-proto': 'https' } })
  t.same(res.cookies.map((c) => [c.name, c.secure]), [['pks_session', true], ['pks_signed_in', true]])
})

t.test('requireSameOrigin refuses cross-site requests and non-JSON bodies; lets safe methods and same-origin JSON through', async (t) => {
  const { app } = await build(t)
  const host = 'app.example'
  const json = { 'content-type': 'application/json' }
  const cases = [
    { name: 'foreign Origin', method: 'POST', headers: { ...json, origin: 'https://evil.example' }, payload: '{}', code: 'cross_site_request' },
    { name: 'Origin with another scheme', method: 'POST', headers: { ...json, origin: 'https://app.example' }, payload: '{}', code: 'cross_site_request' },
    { name: 'Sec-Fetch-Site cross-site', method: 'POST', headers: { ...json, 'sec-fetch-site': 'cross-site' }, payload: '{}', code: 'cross_site_request' },
    { name: 'Sec-Fetch-Site same-site', method: 'DELETE', headers: { 'sec-fetch-site': 'same-site' }, code: 'cross_site_request' },
    { name: 'text/plain body', method: 'POST', headers: { 'content-type': 'text/plain' }, payload: 'x', code: 'unsupported_media_type' },
    { name: 'form body', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://app.example' }, payload: 'a=1', code: 'unsupported_media_type' },
    { name: 'GET from a foreign site', method: 'GET', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } },
    { name: 'HEAD from a foreign site', method: 'HEAD', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } },
    { name: 'OPTIONS from a foreign site', method: 'OPTIONS', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } },
    { name: 'same-origin JSON', method: 'POST', headers: { ...json, origin: 'http://app.example', 'sec-fetch-site': 'same-origin' }, payload: '{"a":1}' },
    { name: 'JSON with a charset, typed by hand (no Origin, Sec-Fetch-Site none)', method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'sec-fetch-site': 'none' }, payload: '{}' },
    { name: 'DELETE without a body', method: 'DELETE', headers: { origin: 'http://app.example' } }
  ] as const
  for (const c of cases) {
    const res = await app.inject({ method: c.method, url: '/write', headers: { host, ...c.headers }, payload: 'payload' in c ? c.payload : undefined })
    if ('code' in c) {
      t.same(res.json(), { code: c.code, status: c.code === 'unsupported_media_type' ? 415 : 403 }, c.name)
    } else {
      t.equal(res.statusCode, 200, c.name)
    }
  }
})

t.test('endSession deletes the session from the store and clears both cookies', async (t) => {
  const { app, sessions } = await build(t)
  await app.inject({ method: 'POST', url: '/signin' })
  t.ok(sessions.has('cookie-1'))
  const res = await app.inject({ method: 'POST', url: '/signout', cookies: { pks_session: 'cookie-1' } })
  t.equal(res.statusCode, 200)
  t.notOk(sessions.has('cookie-1'), 'gone from the store')
  for (const name of ['pks_session', 'pks_signed_in']) {
    const cleared = res.cookies.find((c) => c.name === name)
    t.match(cleared, { value: '', path: '/' }, `${name} is cleared`)
    t.ok(cleared?.expires && cleared.expires.getTime() <= Date.now(), `${name} has expired`)
  }
  t.same((await app.inject({ url: '/me', cookies: { pks_session: 'cookie-1' } })).json(), { code: 'session_expired', status: 401 }, 'the old cookie no longer works')
  t.equal((await app.inject({ method: 'POST', url: '/signout' })).statusCode, 200, 'signing out without a session is harmless')
})
