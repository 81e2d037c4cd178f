// The dashboard's HTTP side: index and assets from public/, puter.js from its package, and security headers
// (CSP without inline script on / and /docs) that leave the JSON API untouched.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { setup } from '../helper.ts'
import { CHART_JS_PATH, PUBLIC_DIR, PUTER_JS_PATH } from '../../src/plugins/dashboard.ts'

/** Directives of a Content-Security-Policy header, by name. */
function csp (header: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const part of String(header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/)
    if (name) out[name] = values
  }
  return out
}

t.test('the dashboard is served at / with a CSP that allows no inline script', async (t) => {
  const { app } = await setup(t)
  const res = await app.inject({ url: '/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.equal(res.headers['cache-control'], 'no-cache', 'revalidated on every load')
  t.match(res.body, '<script type="module" src="/js/app.js"></script>')
  t.notMatch(res.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script>')
  t.notMatch(res.body, /\son[a-z]+=/i, 'no inline event handlers')
  t.notMatch(res.body, /(src|href)="(https?:)?\/\//, 'no external resources')

  const policy = csp(res.headers['content-security-policy'])
  t.same(policy['script-src'], ["'self'"])
  t.same(policy['script-src-attr'], ["'none'"])
  t.same(policy['object-src'], ["'none'"])
  t.same(policy['base-uri'], ["'self'"])
  t.ok(policy['connect-src'].includes('https://api.puter.com'), 'puter.js may call Puter\'s API')
  t.ok(policy['connect-src'].includes('wss://api.puter.com'), '... and its socket')
  t.ok(policy['frame-src'].includes('https://puter.com'), 'and frame Puter\'s GUI')
  t.notOk('upgrade-insecure-requests' in policy, 'plain http on a LAN address keeps working')

  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
  t.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin', 'Puter\'s popup learns the origin only')
  t.equal(res.headers['cross-origin-opener-policy'], 'same-origin-allow-popups', 'the Puter popup can post back to its opener')
  t.equal(res.headers['cross-origin-resource-policy'], 'same-origin')

  const head = await app.inject({ method: 'HEAD', url: '/' })
  t.equal(head.statusCode, 200)
})

t.test('COOP and Origin-Agent-Cluster only where browsers honour them (https or loopback)', async (t) => {
  const { app } = await setup(t)
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['localhost', { host: 'localhost:3000' }, true],
    ['127.0.0.1', { host: '127.0.0.1:3000' }, true],
    ['[::1]', { host: '[::1]:3000' }, true],
    ['LAN over http', { host: '192.168.1.20:3000' }, false],
    ['LAN name over http', { host: 'studio.lan' }, false]
  ]
  for (const [name, headers, expected] of cases) {
    const res = await app.inject({ url: '/', headers })
    t.equal(res.headers['cross-origin-opener-policy'] === 'same-origin-allow-popups', expected, `${name}: COOP`)
    t.equal(res.headers['origin-agent-cluster'] === '?1', expected, `${name}: Origin-Agent-Cluster`)
    t.ok(res.headers['content-security-policy'], `${name}: CSP always`)
  }
})

t.test('every file index.html and the modules refer to exists', async (t) => {
  const { app } = await setup(t)
  const html = (await app.inject({ url: '/' })).body
  const queue = [...html.matchAll(/(?:src|href)="(\/[^"#]*)"/g)].map((m) => m[1]).filter((u) => u !== '/' && !u.startsWith('/docs'))
  const seen = new Set<string>()
  while (queue.length > 0) {
    const url = queue.shift()!
    if (seen.has(url)) continue
    seen.add(url)
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, `${url} is served`)
    if (url.endsWith('.js') && url.startsWith('/js/')) {
      t.match(res.headers['content-type'], /javascript/, `${url} is JavaScript`)
      for (const m of res.body.matchAll(/^import [^'"]*['"](\.\/[^'"]+)['"]/gm)) queue.push(new URL(m[1], `http://x${url}`).pathname)
    }
  }
  t.ok(seen.has('/js/app.js') && seen.has('/js/keys.js') && seen.has('/css/app.css') && seen.has('/favicon.svg'), `walked ${seen.size} files`)
})

t.test('/vendor/puter.js is the package\'s browser bundle, as JavaScript, cached and revalidated', async (t) => {
  const { app } = await setup(t)
  const res = await app.inject({ url: '/vendor/puter.js' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/javascript/)
  t.match(res.headers['cache-control'], /max-age=\d+/)
  t.ok(res.headers.etag)
  t.equal(res.body, await readFile(PUTER_JS_PATH, 'utf8'))
  t.match(res.body, /globalThis\.puter=/, 'the IIFE that defines window.puter')
  t.match(PUTER_JS_PATH, /@heyputer[/\\]puter\.js[/\\]dist[/\\]puter\.cjs$/)

  const again = await app.inject({ url: '/vendor/puter.js', headers: { 'if-none-match': String(res.headers.etag) } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
})

t.test('/vendor/chart.umd.min.js is Chart.js\'s UMD bundle, cached and revalidated, with its source map', async (t) => {
  const { app } = await setup(t)
  const res = await app.inject({ url: '/vendor/chart.umd.min.js' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/javascript/)
  t.match(res.headers['cache-control'], /max-age=\d+/)
  t.ok(res.headers.etag)
  t.ok(res.headers['content-security-policy'], 'served with the page headers, like every static file')
  t.equal(res.body, await readFile(CHART_JS_PATH, 'utf8'))
  t.match(res.body, /Chart\.js v4\./, 'version 4')
  t.match(res.body, /window\.Chart=/, 'the UMD build that defines window.Chart')
  t.match(CHART_JS_PATH, /chart\.js[/\\]dist[/\\]chart\.umd\.min\.js$/)

  const again = await app.inject({ url: '/vendor/chart.umd.min.js', headers: { 'if-none-match': String(res.headers.etag) } })
  t.equal(again.statusCode, 304)
  t.not(res.headers.etag, (await app.inject({ url: '/vendor/puter.js' })).headers.etag, 'each file has its own ETag')

  const map = await app.inject({ url: '/vendor/chart.umd.min.js.map' })
  t.equal(map.statusCode, 200, 'the source map the bundle names is there too')
  t.match(map.headers['content-type'], /^application\/json/)
  t.equal(JSON.parse(map.body).version, 3)
})

t.test('Swagger UI at /docs has a CSP without inline script, and works', async (t) => {
  const { app } = await setup(t)
  for (const url of ['/docs/', '/docs/static/swagger-initializer.js']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    const policy = csp(res.headers['content-security-policy'])
    t.ok(policy['script-src'], `${url}: script-src`)
    t.notOk(policy['script-src'].includes("'unsafe-inline'"), `${url}: no 'unsafe-inline' in script-src`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: other headers too`)
  }
})

t.test('JSON API routes keep answering JSON, never the dashboard', async (t) => {
  const { app } = await setup(t)
  const health = await app.inject({ url: '/health' })
  t.same(health.json(), { status: 'ok' })
  for (const url of ['/nope', '/v1/nope', '/js/nope.js', '/../package.json', '/%2e%2e/package.json', '/.gitkeep']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 404, `${url}: 404`)
    t.match(res.headers['content-type'], /^application\/json/, `${url}: JSON`)
  }
  const models = await app.inject({ url: '/v1/models' })
  t.equal(models.statusCode, 401)
  t.match(models.json(), { error: { code: 'invalid_api_key' } })
  // The OpenAI routes (the hot path) skip helmet's per-request work: nosniff only.
  t.equal(models.headers['x-content-type-options'], 'nosniff')
  t.notOk(models.headers['content-security-policy'], 'no page headers on the OpenAI routes')
  const me = await app.inject({ url: '/auth/me' })
  t.equal(me.statusCode, 401)
  t.ok(me.headers['content-security-policy'], 'the dashboard\'s own API gets the full set')
  const preflight = await app.inject({ method: 'OPTIONS', url: '/v1/chat/completions', headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } })
  t.equal(preflight.headers['access-control-allow-origin'], '*', 'CORS for the OpenAI routes still works')
})

t.test('public/ holds only what the dashboard needs', async (t) => {
  t.match(PUBLIC_DIR, /public[/\\]$/)
  const html = await readFile(new URL('index.html', `file://${PUBLIC_DIR}`), 'utf8')
  t.match(html, /role="tablist"/)
  t.match(html, /role="tabpanel"/)
})
