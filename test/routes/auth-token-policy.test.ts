// Which Puter tokens may sign in: the person's own tokens, and app-under-user tokens of this server's own Puter app only.
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { setup, signIn, createKey, ALICE } from '../helper.ts'

// app.inject's requests come from http://localhost:80 unless told otherwise.
const INJECT_ORIGIN = 'http://localhost:80'

async function chatAuthorization (s: Awaited<ReturnType<typeof setup>>, key: string): Promise<unknown> {
  s.fake.calls.length = 0
  const res = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } })
  if (res.statusCode !== 200) throw new Error(`chat failed: ${res.statusCode} ${res.body}`)
  return s.fake.calls.find((c) => c.path === '/drivers/call')?.headers.authorization
}

t.test("the person's own token signs in and is stored as a user token", async (t) => {
  const s = await setup(t)
  await signIn(s.app, ALICE)
  const doc = JSON.parse(await readFile(s.config.DATA_FILE as string, 'utf8'))
  t.equal(doc.users['11111111-1111-4111-8111-111111111111'].tokenKind, 'user')
  t.notOk(s.fake.calls.some((c) => c.path === '/auth/app-uid-from-origin'), 'no app check for a user token')
})

t.test("a token of this server's own app (derived from the request's origin) signs in", async (t) => {
  const s = await setup(t)
  const token = s.fake.appToken('alice', INJECT_ORIGIN)
  const res = await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token } })
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().user.username, 'alice')
  const check = s.fake.calls.find((c) => c.path === '/auth/app-uid-from-origin')
  t.same(check?.body, { origin: INJECT_ORIGIN }, 'Puter was asked for the app of this origin')
  t.equal(check?.headers.authorization, `Bearer ${token}`)
  const doc = JSON.parse(await readFile(s.config.DATA_FILE as string, 'utf8'))
  const user = doc.users['11111111-1111-4111-8111-111111111111']
  t.equal(user.tokenKind, 'app')
  t.equal(user.appUid, s.fake.appUidFor(INJECT_ORIGIN))
})

t.test('with PUBLIC_URL, only the app of that origin is accepted', async (t) => {
  const s = await setup(t, { config: { PUBLIC_URL: 'https://ai.example.org/' } })
  const own = await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: s.fake.appToken('alice', 'https://ai.example.org') } })
  t.equal(own.statusCode, 200, 'the public origin app')
  t.same(s.fake.calls.find((c) => c.path === '/auth/app-uid-from-origin')?.body, { origin: 'https://ai.example.org' })
  const local = await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: s.fake.appToken('alice', INJECT_ORIGIN) } })
  t.equal(local.statusCode, 403, "the request's own origin no longer counts")
  t.equal(local.json().error.code, 'token_foreign_app')
})

t.test('a token issued to another Puter app is refused: no session, stored token and keys untouched', async (t) => {
  const s = await setup(t)
  const cookie = await signIn(s.app, ALICE)
  const key = await createKey(s.app, cookie, 'before')
  t.equal(await chatAuthorization(s, key.key), `Bearer ${ALICE}`, 'the key runs on the user token')
  const before = await readFile(s.config.DATA_FILE as string, 'utf8')

  const foreign = s.fake.appToken('alice', 'https://other-puter-site.example')
  const res = await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: foreign } })
  t.equal(res.statusCode, 403)
  t.match(res.json(), { error: { type: 'permission_error', code: 'token_foreign_app' } })
  const appUid = s.fake.appUidFor('https://other-puter-site.example')
  t.match(res.json().error.message, new RegExp(`belongs to the Puter app ${appUid}.*[Ss]ign in through this page, or paste your own Puter token`))
  t.notOk(res.body.includes(foreign), 'the token is not echoed')
  t.notOk(res.cookies.some((c) => c.name === 'pks_session' && c.value), 'no session')
  t.equal(await readFile(s.config.DATA_FILE as string, 'utf8'), before, 'the data file is unchanged')
  t.equal(await chatAuthorization(s, key.key), `Bearer ${ALICE}`, 'the key still runs on the user token')

  // The attack of the review: sign in with the foreign token, then reveal the victim's key. It cannot start.
  const reveal = await s.app.inject({ url: `/v1/keys/${key.id}/reveal`, headers: { cookie: res.cookies.map((c) => `${c.name}=${c.value}`).join('; ') } })
  t.equal(reveal.statusCode, 401)
})

t.test('a token that is neither a user token nor an app token is refused', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ uuid: 'u-odd', username: 'odd' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const { app } = await setup(t, { config: { PUTER_API_ORIGIN: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } })
  const res = await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: 'odd-token' } })
  t.equal(res.statusCode, 403)
  t.equal(res.json().error.code, 'token_kind_unsupported')
})

t.test("an own-app sign-in keeps the person's working user token, and replaces one that stopped working", async (t) => {
  const s = await setup(t)
  const userToken = 'fake-token-alice-own'
  s.fake.addUser(userToken, { uuid: '11111111-1111-4111-8111-111111111111', username: 'alice' })
  const cookie = await signIn(s.app, userToken)
  const key = await createKey(s.app, cookie)

  const appToken = s.fake.appToken('alice', INJECT_ORIGIN)
  t.equal((await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: appToken } })).statusCode, 200)
  t.equal(await chatAuthorization(s, key.key), `Bearer ${userToken}`, 'the pasted user token is kept')

  s.fake.expireToken(userToken)
  t.equal((await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: appToken } })).statusCode, 200)
  t.equal(await chatAuthorization(s, key.key), `Bearer ${appToken}`, 'an expired user token is replaced by the own-app token')

  t.equal((await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: ALICE } })).statusCode, 200)
  t.equal(await chatAuthorization(s, key.key), `Bearer ${ALICE}`, 'a user token always replaces what was stored')
})

t.test('a token of only spaces is answered 400 missing_token without asking Puter', async (t) => {
  const s = await setup(t)
  const res = await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: '   ' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'missing_token')
  t.notOk(s.fake.calls.some((c) => c.path === '/whoami'))
})
