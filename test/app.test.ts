// buildApp's own rules: a small body limit everywhere but the AI routes (which check the key before reading a body),
// unknown paths answered without reading their body, and start-up warnings about risky settings.
import t from 'tap'
import { setup, signIn, createKey } from './helper.ts'

t.test('routes outside /v1 AI refuse bodies over 64 KiB; unknown paths never parse theirs', async (t) => {
  const s = await setup(t)
  const big = JSON.stringify({ token: 'x'.repeat(100 * 1024) })
  for (const url of ['/auth/signout', '/auth/puter/signin']) {
    const res = await s.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: big })
    t.equal(res.statusCode, 413, `${url}: 413`)
    t.match(res.json(), { error: { code: 'request_too_large', message: /limit of 64 KiB/ } }, `${url}: says the limit`)
  }
  const notJson = '{' + 'x'.repeat(1024 * 1024)
  const unknown = await s.app.inject({ method: 'POST', url: '/nope', headers: { 'content-type': 'application/json' }, payload: notJson })
  t.equal(unknown.statusCode, 404, 'an unknown path is a 404 before its (broken, 1 MiB) body is read')
  t.equal(unknown.json().error.code, 'not_found')
})

t.test('the AI routes take large bodies, but check the key before reading any', async (t) => {
  const s = await setup(t, { config: { BODY_LIMIT_MB: 2 } })
  const cookie = await signIn(s.app)
  const { key } = await createKey(s.app, cookie)
  const large = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024) }] }
  const ok = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: large })
  t.equal(ok.statusCode, 200, 'a 1 MiB chat body is accepted with a key')
  const anonymous = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, payload: '{' + 'x'.repeat(1024 * 1024) })
  t.equal(anonymous.statusCode, 401, 'no key: refused before the broken body is parsed')
  const tooLarge = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: { ...large, messages: [{ role: 'user', content: 'x'.repeat(3 * 1024 * 1024) }] } })
  t.equal(tooLarge.statusCode, 413)
  t.match(tooLarge.json().error.message, /limit of 2 MiB/)
})

t.test('TRUST_PROXY=true warns at start; a hop count does not', async (t) => {
  const warned = await setup(t, { config: { TRUST_PROXY: 'true' }, captureLogs: true })
  t.ok(warned.logs.some((l) => /TRUST_PROXY=true trusts every X-Forwarded-For hop/.test(l) && /"level":40/.test(l)), 'a warning names the risk and the fix')
  const hops = await setup(t, { config: { TRUST_PROXY: '1' }, captureLogs: true })
  t.notOk(hops.logs.some((l) => /TRUST_PROXY=true/.test(l)))
})
