// A changed or lost APP_SECRET: the start is refused with what happened and what to do (APP_SECRET or the generated
// app-secret.key), and a single value edited by hand answers a named error instead of a crash.
import t from 'tap'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setupWithKey } from '../helper.ts'

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
const WHAT_TO_DO = /was written with a different APP_SECRET.*Restore the APP_SECRET \(or app-secret\.key\) it was written with, or move the file away to start empty; keys and sign-ins in it cannot be used without it\./s

t.test('a restart with another APP_SECRET is refused, saying what happened and what to do; the file is untouched', async (t) => {
  const s = await setupWithKey(t)
  const before = await readFile(s.config.DATA_FILE as string, 'utf8')
  const err = await s.restart({ APP_SECRET: 'a-different-secret-0123456789' }).then(() => null, (e) => e)
  t.match(err, { code: 'STORE_LOAD_FAILED', message: WHAT_TO_DO })
  t.match(err?.message, `The data file ${s.config.DATA_FILE as string}`, 'names the file')
  t.equal(await readFile(s.config.DATA_FILE as string, 'utf8'), before, 'left untouched')

  const app = await s.restart()
  t.equal((await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: CHAT })).statusCode, 200, 'the right secret brings every key back')
})

t.test('a lost app-secret.key is refused the same way, and restoring it brings everything back', async (t) => {
  const s = await setupWithKey(t, { config: { APP_SECRET: undefined } })
  const secretFile = join(s.dir, 'app-secret.key')
  const original = await readFile(secretFile, 'utf8')
  await s.app.close()
  await writeFile(secretFile, 'a-new-random-secret-generated-after-the-loss\n')
  await t.rejects(s.restart(), { message: WHAT_TO_DO })
  await writeFile(secretFile, original)
  const app = await s.restart()
  const reveal = await app.inject({ url: `/v1/keys/${s.keyId}/reveal`, headers: { cookie: s.cookie } })
  t.equal(reveal.statusCode, 200, 'the session and the key are back')
  t.equal(reveal.json().key, s.key)
})

t.test('a value edited by hand answers a named error, not a crash text', async (t) => {
  const s = await setupWithKey(t, { captureLogs: true })
  await s.app.close()
  const doc = JSON.parse(await readFile(s.config.DATA_FILE as string, 'utf8'))
  doc.keys[s.keyId].secret = 'v1.garbage.garbage.garbage'
  const user = Object.values(doc.users)[0] as { token: string }
  user.token = user.token.split('.').map((part, i) => i === 3 ? part.split('').reverse().join('') : part).join('.')
  await writeFile(s.config.DATA_FILE as string, JSON.stringify(doc))
  const app = await s.restart()

  const reveal = await app.inject({ url: `/v1/keys/${s.keyId}/reveal`, headers: { cookie: s.cookie } })
  t.equal(reveal.statusCode, 500)
  t.equal(reveal.json().error.code, 'stored_secret_unreadable')
  t.notMatch(reveal.body, /Unsupported state/)
  t.ok(s.logs.some((l) => /cannot be decrypted with this server's APP_SECRET/.test(l)), 'the log says what is wrong')

  const chat = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: CHAT })
  t.equal(chat.statusCode, 401)
  t.match(chat.json().error, { code: 'stored_token_unreadable', message: /Sign in to the dashboard again/ })
})
