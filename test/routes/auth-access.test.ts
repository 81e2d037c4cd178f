// Who may sign in: ALLOWED_PUTER_USERS (by username or uuid), ADMIN_PUTER_USERS (always allowed), and the warning
// when a server listening beyond loopback lets anyone in.
import t from 'tap'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { ALICE, BOB, setup, signIn } from '../helper.ts'

const BOB_UUID = '22222222-2222-4222-8222-222222222222'
const signInAs = (s: Awaited<ReturnType<typeof setup>>, token: string) => s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token } })

t.test('with ALLOWED_PUTER_USERS, another account is refused with 403 user_not_allowed and nothing is stored', async (t) => {
  const s = await setup(t, { config: { ALLOWED_PUTER_USERS: ' Alice , someone-else ' } })
  const refused = await signInAs(s, BOB)
  t.equal(refused.statusCode, 403)
  t.match(refused.json().error, { code: 'user_not_allowed', message: 'This server accepts only the Puter accounts its operator listed; ask them to add bob' })
  t.notOk(refused.cookies.some((c) => c.value), 'no cookie')
  t.notOk(existsSync(s.config.DATA_FILE as string), 'nothing was written')

  const allowed = await signInAs(s, ALICE)
  t.equal(allowed.statusCode, 200, 'a listed username (any case, spaces around) signs in')
  t.equal(allowed.json().isAdmin, false)
  t.equal((await signInAs(s, BOB)).statusCode, 403)
  const text = await readFile(s.config.DATA_FILE as string, 'utf8')
  t.notOk(text.includes('"bob"') || text.includes(BOB_UUID), 'the file holds nothing of bob')
})

t.test('accounts are listed by uuid too, and administrators are always allowed', async (t) => {
  const byUuid = await setup(t, { config: { ALLOWED_PUTER_USERS: BOB_UUID } })
  t.equal((await signInAs(byUuid, BOB)).statusCode, 200, 'listed by uuid')
  t.equal((await signInAs(byUuid, ALICE)).statusCode, 403)

  const admins = await setup(t, { config: { ALLOWED_PUTER_USERS: 'alice', ADMIN_PUTER_USERS: 'bob' } })
  const bob = await signInAs(admins, BOB)
  t.equal(bob.statusCode, 200, 'an admin need not be in ALLOWED_PUTER_USERS')
  t.equal(bob.json().isAdmin, true, 'the sign-in says so')
  const cookie = await signIn(admins.app, BOB)
  t.match((await admins.app.inject({ url: '/auth/me', headers: { cookie } })).json(), { user: { username: 'bob' }, isAdmin: true })
})

t.test('a session of an account taken off the list is refused after a restart', async (t) => {
  const s = await setup(t)
  const cookie = await signIn(s.app)
  const app = await s.restart({ ALLOWED_PUTER_USERS: 'bob' })
  const me = await app.inject({ url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 403)
  t.equal(me.json().error.code, 'user_not_allowed')
  t.equal((await app.inject({ url: '/v1/keys', headers: { cookie } })).statusCode, 403, 'the key routes too')
})

t.test('without ALLOWED_PUTER_USERS, a server listening beyond loopback warns at start that anyone can sign in', async (t) => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['HOST=0.0.0.0, no list', { HOST: '0.0.0.0' }, true],
    ['HOST=::, no list', { HOST: '::' }, true],
    ['HOST=0.0.0.0 with a list', { HOST: '0.0.0.0', ALLOWED_PUTER_USERS: 'alice' }, false],
    ['HOST=127.0.0.1, no list', { HOST: '127.0.0.1' }, false],
    ['HOST=localhost, no list', { HOST: 'localhost' }, false]
  ]
  for (const [name, config, warns] of cases) {
    const s = await setup(t, { config, captureLogs: true })
    const warning = s.logs.map((l) => JSON.parse(l)).find((l) => /ALLOWED_PUTER_USERS is not set/.test(l.msg))
    if (warns) t.match(warning, { level: 40, msg: /anyone with a Puter account can sign in and mint keys/ }, `${name}: warns`)
    else t.notOk(warning, `${name}: no warning`)
    await s.app.close()
  }
})
