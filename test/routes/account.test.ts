// A user's own account actions: sign out everywhere, revoke all keys (open streams included), delete all their data;
// each proven on the data file itself.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { ALICE, BOB, createKey, setup, setupWithKey, signIn, type Setup } from '../helper.ts'

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
const ALICE_UUID = '11111111-1111-4111-8111-111111111111'
const endless = { kind: 'stream' as const, lines: [{ type: 'text', text: 'one' }, { type: 'text', text: 'never' }], delayMs: 60_000 }

/** The data file as the server wrote it. */
async function dataFile (s: Setup): Promise<{ text: string, doc: any }> {
  const text = await readFile(s.config.DATA_FILE as string, 'utf8')
  return { text, doc: JSON.parse(text) }
}

const chat = (s: Setup, key: string, payload: object = CHAT) =>
  s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload })

t.test('sign out everywhere ends every session of the user and nobody else\'s; keys keep working', async (t) => {
  const s = await setupWithKey(t)
  const laptop = await signIn(s.app)
  const bob = await signIn(s.app, BOB)
  const res = await s.app.inject({ method: 'POST', url: '/auth/signout-everywhere', headers: { cookie: s.cookie } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { signedOut: true, sessions: 2 })
  t.equal(res.cookies.find((c) => c.name === 'pks_session')?.value, '', 'this browser\'s cookie is cleared')
  for (const cookie of [s.cookie, laptop]) t.equal((await s.app.inject({ url: '/auth/me', headers: { cookie } })).statusCode, 401, 'each session of alice ended')
  t.equal((await s.app.inject({ url: '/auth/me', headers: { cookie: bob } })).statusCode, 200, "bob's session stays")
  const { doc } = await dataFile(s)
  t.same(Object.values(doc.sessions).map((x: any) => x.userId), ['22222222-2222-4222-8222-222222222222'], 'the file holds no session of alice')
  t.equal((await chat(s, s.key)).statusCode, 200, 'her keys still work')
  t.equal((await s.app.inject({ method: 'POST', url: '/auth/signout-everywhere' })).statusCode, 401, 'needs a session')
})

t.test('revoke all keys: every key stops at once, its open stream is cut off, and the file holds none of them', async (t) => {
  const s = await setupWithKey(t)
  const second = await createKey(s.app, s.cookie, 'second')
  const bob = await signIn(s.app, BOB)
  const bobKey = await createKey(s.app, bob, 'bob')
  s.fake.enqueue(endless)
  const streaming = chat(s, second.key, { ...CHAT, stream: true })
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(s.app.relay.openStreams, 1)

  const res = await s.app.inject({ method: 'POST', url: '/account/revoke-keys', headers: { cookie: s.cookie } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { revoked: 2 })
  t.match((await streaming).body, /"code":"key_revoked"/, 'the open stream ended with an error event')
  for (const key of [s.key, second.key]) t.equal((await chat(s, key)).json().error.code, 'invalid_api_key', 'the key is refused')
  t.equal((await chat(s, bobKey.key)).statusCode, 200, "bob's key works")
  t.same((await s.app.inject({ url: '/v1/keys', headers: { cookie: s.cookie } })).json().data, [])
  const { doc } = await dataFile(s)
  t.same(Object.values(doc.keys).map((k: any) => k.id), [bobKey.id], 'only bob\'s key is left in the file')
  t.equal((await s.app.inject({ url: '/auth/me', headers: { cookie: s.cookie } })).statusCode, 200, 'the session stays')
})

t.test('delete my data: refused unless the username is typed, then the user, token, keys, sessions and usage are gone from the file', async (t) => {
  const s = await setupWithKey(t, { config: { USAGE_FLUSH_SECONDS: 3600 } })
  const other = await signIn(s.app)
  const bob = await signIn(s.app, BOB)
  const bobKey = await createKey(s.app, bob, 'bob')
  t.equal((await chat(s, s.key)).statusCode, 200)
  await s.app.store.flushUsage()
  t.match((await dataFile(s)).text, 'alice', 'the file held alice before')

  const cases: Array<[string, unknown, number, string]> = [
    ['another username', { confirm: 'bob' }, 400, 'confirmation_mismatch'],
    ['an empty confirmation', { confirm: '' }, 400, 'confirmation_mismatch'],
    ['no confirmation', {}, 400, 'invalid_request']
  ]
  for (const [name, payload, status, code] of cases) {
    const res = await s.app.inject({ method: 'POST', url: '/account/delete', headers: { cookie: s.cookie }, payload: payload as object })
    t.equal(res.statusCode, status, `${name}: ${status}`)
    t.equal(res.json().error.code, code, `${name}: ${code}`)
  }
  t.match((await s.app.inject({ method: 'POST', url: '/account/delete', headers: { cookie: s.cookie }, payload: { confirm: 'bob' } })).json().error.message, /type your username \(alice\)/)
  t.equal((await s.app.inject({ method: 'POST', url: '/account/delete', headers: { cookie: s.cookie, origin: 'https://evil.example' }, payload: { confirm: 'alice' } })).statusCode, 403, 'cross-site refused')
  t.equal((await chat(s, s.key)).statusCode, 200, 'nothing was deleted by the refusals')

  const res = await s.app.inject({ method: 'POST', url: '/account/delete', headers: { cookie: s.cookie }, payload: { confirm: 'alice' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { deleted: true })
  t.equal(res.cookies.find((c) => c.name === 'pks_session')?.value, '', 'the cookie is cleared')

  const { text, doc } = await dataFile(s)
  t.notOk(text.includes(ALICE_UUID), 'no record names her uuid')
  t.notOk(text.includes('"alice"'), 'nor her username')
  t.same(Object.keys(doc.users), ['22222222-2222-4222-8222-222222222222'], 'no user record, so no stored Puter token')
  t.same(Object.values(doc.keys).map((k: any) => k.id), [bobKey.id], 'no key, so no usage')
  t.same(Object.values(doc.sessions).map((x: any) => x.userId), ['22222222-2222-4222-8222-222222222222'], 'no session')
  for (const cookie of [s.cookie, other]) t.equal((await s.app.inject({ url: '/auth/me', headers: { cookie } })).statusCode, 401, 'her sessions ended')
  t.equal((await chat(s, s.key)).json().error.code, 'invalid_api_key', 'her key is refused')
  t.equal((await chat(s, bobKey.key)).statusCode, 200, "bob's key works")
  t.equal(s.app.store.getUserToken(ALICE_UUID), undefined, 'her token is gone from memory too')

  const again = await signIn(s.app, ALICE)
  t.same((await s.app.inject({ url: '/v1/keys', headers: { cookie: again } })).json().data, [], 'signing in again starts from nothing')
})

t.test('the account routes need a session and refuse cross-site requests', async (t) => {
  const { app } = await setup(t)
  const cookie = await signIn(app)
  for (const url of ['/account/revoke-keys', '/account/delete']) {
    t.equal((await app.inject({ method: 'POST', url, payload: { confirm: 'alice' } })).json().error.code, 'not_signed_in', `${url}: no session`)
    t.equal((await app.inject({ method: 'POST', url, headers: { cookie, 'sec-fetch-site': 'cross-site' }, payload: { confirm: 'alice' } })).statusCode, 403, `${url}: cross-site`)
  }
})
