// The security headers plugin on a bare Fastify: HSTS only for requests that came over https (browsers ignore it
// over http, where it only misleads), on pages; the API routes keep their lean set.
import t from 'tap'
import Fastify from 'fastify'
import securityHeadersPlugin from '../../src/plugins/security-headers.ts'
import { setup } from '../helper.ts'

const HSTS = 'max-age=31536000; includeSubDomains'

async function bare (t: { teardown: (fn: () => unknown) => void }, trustProxy: boolean) {
  const app = Fastify({ trustProxy })
  t.teardown(() => app.close())
  await app.register(securityHeadersPlugin)
  app.get('/page', async () => 'page')
  app.get('/api', { config: { securityHeaders: 'api' } }, async () => ({ ok: true }))
  return app
}

t.test('Strict-Transport-Security is sent on pages over https only', async (t) => {
  const app = await bare(t, true)
  const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
    ['page over http', '/page', {}, undefined],
    ['page over http on a LAN address', '/page', { host: '192.168.1.20:8080' }, undefined],
    ['page over https (trusted proxy)', '/page', { 'x-forwarded-proto': 'https' }, HSTS],
    ['api route over https', '/api', { 'x-forwarded-proto': 'https' }, undefined]
  ]
  for (const [name, url, headers, expected] of cases) {
    const res = await app.inject({ url, headers })
    t.equal(res.statusCode, 200, `${name}: 200`)
    t.equal(res.headers['strict-transport-security'], expected, `${name}: ${expected ? 'HSTS' : 'no HSTS'}`)
  }
  const page = await app.inject({ url: '/page', headers: { 'x-forwarded-proto': 'https' } })
  t.ok(page.headers['content-security-policy'] && page.headers['x-frame-options'], 'the rest of helmet\'s set is still there')
})

t.test('X-Forwarded-Proto from a proxy that is not trusted does not count as https', async (t) => {
  const app = await bare(t, false)
  const res = await app.inject({ url: '/page', headers: { 'x-forwarded-proto': 'https' } })
  t.equal(res.headers['strict-transport-security'], undefined)
})

t.test('the whole app: the dashboard page gets HSTS behind a trusted https proxy, not over plain http', async (t) => {
  const s = await setup(t, { config: { TRUST_PROXY: '1' } })
  const plain = await s.app.inject({ url: '/' })
  t.equal(plain.statusCode, 200)
  t.equal(plain.headers['strict-transport-security'], undefined, 'plain http: none')
  const https = await s.app.inject({ url: '/', headers: { 'x-forwarded-proto': 'https' } })
  t.equal(https.headers['strict-transport-security'], HSTS, 'https: HSTS')
})
