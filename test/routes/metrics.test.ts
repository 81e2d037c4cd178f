// GET /metrics: absent unless configured; behind METRICS_TOKEN on the main port (401 otherwise), or without a token on
// the METRICS_PORT loopback listener; requests counted by route pattern, status, client API and bounded model; time to
// first byte and duration; open streams, the Puter account queue and store writes; no key, token or account anywhere.
import t from 'tap'
import { fakePuter, setup, setupWithKey, type Setup } from '../helper.ts'
import { chat, sse, user } from './v1/chat-helpers.ts'

const TOKEN = 'metrics-token-0123456789abcdef'
const PLAIN = { model: 'gpt-4o-mini', messages: [user('hi')] }
const STREAM = { ...PLAIN, stream: true }
const ALICE_UUID = '11111111-1111-4111-8111-111111111111'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function scrape (s: Setup): Promise<string> {
  const res = await s.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
  if (res.statusCode !== 200) throw new Error(`GET /metrics: ${res.statusCode} ${res.body}`)
  return res.body
}

/** The value of one sample line, by its name and labels as printed (labels in the order given); undefined when absent. */
function sample (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const entries = Object.entries(labels)
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const have = m[2] ?? ''
    if (entries.every(([k, v]) => have.includes(`${k}="${v}"`))) return Number(m[3])
  }
  return undefined
}

async function until (check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

t.test('without METRICS_TOKEN or METRICS_PORT there is no /metrics route at all', async (t) => {
  const s = await setup(t)
  const res = await s.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
  t.equal(res.statusCode, 404)
  t.equal(s.app.metrics, null)
  const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json()
  t.notOk(doc.paths['/metrics'], 'not in the API description either')
})

t.test('with METRICS_TOKEN: 401 in OpenAI shape without the token or with a wrong one, 200 text with it', async (t) => {
  const s = await setup(t, { config: { METRICS_TOKEN: TOKEN }, captureLogs: true })
  const cases: Array<[string, Record<string, string>]> = [
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer metrics-token-0123456789abcdeX' }],
    ['a shorter token', { authorization: 'Bearer metrics' }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
    ['the token as x-api-key', { 'x-api-key': TOKEN }]
  ]
  for (const [name, headers] of cases) {
    const res = await s.app.inject({ method: 'GET', url: '/metrics', headers })
    t.equal(res.statusCode, 401, name)
    t.match(res.json(), { error: { type: 'authentication_error', code: 'invalid_metrics_token' } }, name)
    t.equal(res.headers['www-authenticate'], 'Bearer', name)
  }
  const ok = await s.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `bearer ${TOKEN}` } })
  t.equal(ok.statusCode, 200)
  t.match(ok.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(ok.body, /# TYPE pks_http_requests_total counter/)
  t.ok(sample(ok.body, 'process_cpu_user_seconds_total') !== undefined, "prom-client's default process metrics")
  t.ok(sample(ok.body, 'nodejs_eventloop_lag_seconds') !== undefined, 'event loop lag')
  t.notOk(s.logs.join('').includes(TOKEN), 'the token is never logged')
  t.notOk(s.logs.join('').includes('0123456789abcdeX'), 'nor a wrong one')
})

t.test('a chat request with a key: counted by route pattern, status, api and catalogue model, with its time to first byte', async (t) => {
  const s = await setupWithKey(t, { config: { METRICS_TOKEN: TOKEN } })
  t.equal((await chat(s, s.key, PLAIN)).statusCode, 200)
  t.equal((await chat(s, s.key, { ...PLAIN, model: 'no-such-model-for-metrics' })).statusCode, 404)
  t.equal((await chat(s, 'sk-not-a-key', PLAIN)).statusCode, 401)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${s.key}` } })).statusCode, 200)
  const text = await scrape(s)
  const requests = (labels: Record<string, string>) => sample(text, 'pks_http_requests_total', labels)
  t.equal(requests({ method: 'POST', route: '/v1/chat/completions', status: '200', api: 'openai-chat', model: 'gpt-4o-mini' }), 1, 'the answered request')
  t.equal(requests({ method: 'POST', route: '/v1/chat/completions', status: '404', api: 'openai-chat', model: 'other' }), 1, 'a model outside the catalogue counts as other')
  t.equal(requests({ method: 'POST', route: '/v1/chat/completions', status: '401', api: 'openai-chat', model: 'none' }), 1, 'a refused key is counted too')
  t.equal(requests({ method: 'GET', route: '/v1/models', status: '200', api: 'models', model: 'none' }), 1)
  t.equal(requests({ method: 'POST', route: '/v1/keys', status: '201', api: 'dashboard', model: 'none' }), 1, 'a dashboard route, by its onResponse hook')
  t.equal(requests({ method: 'POST', route: '/auth/puter/signin', status: '200', api: 'dashboard' }), 1)
  t.notOk(text.includes('no-such-model-for-metrics'), 'a model name nobody vetted never becomes a label')
  t.equal(sample(text, 'pks_upstream_ttfb_seconds_count', { api: 'openai-chat' }), 2, 'time to first byte of both calls Puter answered')
  t.equal(sample(text, 'pks_request_duration_seconds_count', { api: 'openai-chat' }), 2, 'duration of the requests with a valid key')
  t.equal(sample(text, 'pks_request_duration_seconds_count', { api: 'models' }), 1)
  for (const secret of [s.key, TOKEN, 'alice', ALICE_UUID, s.keyId, 'fake-token-alice']) {
    t.notOk(text.includes(secret), `no ${secret.slice(0, 8)}… in the exposition`)
  }
})

t.test('an open stream shows in pks_streams_open while it is open, and is counted once it ends', async (t) => {
  const fake = await fakePuter(t)
  const s = await setupWithKey(t, { fake, config: { METRICS_TOKEN: TOKEN } })
  fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }, { type: 'text', text: 'three' }], delayMs: 300 })
  const streaming = chat(s, s.key, STREAM)
  await until(() => s.app.relay.openStreams === 1, 'the stream to open')
  t.equal(sample(await scrape(s), 'pks_streams_open'), 1, 'one stream open')
  const res = await streaming
  t.ok(sse(res.body).done)
  const text = await scrape(s)
  t.equal(sample(text, 'pks_streams_open'), 0, 'none once it ended')
  t.equal(sample(text, 'pks_http_requests_total', { route: '/v1/chat/completions', status: '200', model: 'gpt-4o-mini' }), 1)
  t.ok(sample(text, 'pks_request_duration_seconds_sum', { api: 'openai-chat' })! >= 0.5, 'its duration runs to its last byte')
})

t.test("calls over an account's limit: queue gauges while they wait, then the wait histogram; no account named", async (t) => {
  const fake = await fakePuter(t)
  // One call in flight per account: a second one waits in the gateway's queue.
  const s = await setupWithKey(t, { fake, config: { METRICS_TOKEN: TOKEN, PUTER_ACCOUNT_CONCURRENCY_MIN: 1, PUTER_ACCOUNT_CONCURRENCY_MAX: 1 } })
  fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }], delayMs: 300 })
  const first = chat(s, s.key, STREAM)
  await until(() => s.app.relay.openStreams === 1, 'the first stream to open')
  const second = chat(s, s.key, PLAIN)
  await until(() => s.app.relay.queue!.load().waiting === 1, 'the second call to queue')
  const during = await scrape(s)
  t.equal(sample(during, 'pks_puter_queue_waiting'), 1, 'one call waiting')
  t.equal(sample(during, 'pks_puter_queue_in_flight'), 1, 'one at Puter')
  t.equal(sample(during, 'pks_puter_queue_accounts_waiting'), 1, 'one account has calls waiting')
  t.same([(await first).statusCode, (await second).statusCode], [200, 200])
  const after = await scrape(s)
  t.equal(sample(after, 'pks_puter_queue_waiting'), 0)
  t.equal(sample(after, 'pks_puter_queue_accounts_waiting'), 0)
  t.equal(sample(after, 'pks_puter_queue_wait_seconds_count', { end: 'granted' }), 1, 'the wait of the call that queued')
  t.ok(sample(after, 'pks_puter_queue_wait_seconds_sum', { end: 'granted' })! > 0.2, 'as long as the stream before it')
  t.notOk(/account="/.test(after), 'no account label')
  t.notOk(after.includes(ALICE_UUID) || after.includes('alice'), 'no account id or name')
})

t.test('store writes and change events are counted (JSON backend); no database metrics without one', async (t) => {
  const s = await setupWithKey(t, { config: { METRICS_TOKEN: TOKEN } })
  const text = await scrape(s)
  t.ok(sample(text, 'pks_store_write_duration_seconds_count', { backend: 'json', outcome: 'ok' })! >= 3, 'sign-in, session and key creation written')
  t.equal(sample(text, 'pks_store_changes_total', { type: 'key-created' }), 1)
  t.equal(sample(text, 'pks_store_changes_total', { type: 'user-updated' }), 1)
  t.notOk(text.includes('pks_database_query_duration_seconds'), 'no database, no database histogram')
  t.notOk(text.includes('pks_store_invalidations_total'), 'nor invalidations')
})

t.test('METRICS_PORT: /metrics without a token on a loopback listener opened on ready and closed with the app', async (t) => {
  const s = await setupWithKey(t, { config: { METRICS_PORT: 0 } })
  const port = s.app.metrics!.port
  t.ok(port !== null && port > 0, 'listening on a port of its own')
  t.equal((await s.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'not on the main port without METRICS_TOKEN')
  t.equal((await chat(s, s.key, PLAIN)).statusCode, 200)
  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain/)
  const text = await res.text()
  t.equal(sample(text, 'pks_http_requests_total', { route: '/v1/chat/completions', status: '200', api: 'openai-chat' }), 1)
  t.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 404, 'it serves /metrics only')
  t.equal((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status, 404)
  await s.app.close()
  await t.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'closed with the app')
})

t.test('both set: the token on the main port, none on the metrics port; both in the API description', async (t) => {
  const s = await setup(t, { config: { METRICS_TOKEN: TOKEN, METRICS_PORT: 0 } })
  await s.app.ready()
  t.equal((await fetch(`http://127.0.0.1:${s.app.metrics!.port}/metrics`)).status, 200)
  t.equal((await s.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401)
  const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json()
  t.ok(doc.paths['/metrics'].get.responses['200'].content['text/plain'], 'documented as text/plain')
  t.same(doc.paths['/metrics'].get.tags, ['Health'])
})

t.test('METRICS_TOKEN shorter than 16 characters is refused at start, without printing it', async (t) => {
  await t.rejects(setup(t, { config: { METRICS_TOKEN: 'short-secret' } }), /METRICS_TOKEN \(12 characters, not shown\)/)
})
