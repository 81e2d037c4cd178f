// GET /health stays a constant answer; GET /health/ready asks the store: 200 when it answers, 503 when it fails or
// is too slow, and 503 draining once a shutdown began (src/server.ts sets app.draining before it waits and closes).
import t from 'tap'
import { setup } from '../helper.ts'

t.test('/health answers ok without asking the store', async (t) => {
  const s = await setup(t)
  let pings = 0
  s.app.store.ping = async () => { pings++ }
  const res = await s.app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
  t.equal(pings, 0, 'liveness costs nothing')
})

t.test('/health/ready: 200 ready when the store answers (the JSON store once loaded)', async (t) => {
  const s = await setup(t)
  const res = await s.app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ready', store: 'ok' })
})

t.test('/health/ready: 503 unavailable when the store check fails, logged but not echoed', async (t) => {
  const s = await setup(t, { captureLogs: true })
  s.app.store.ping = async () => { throw new Error('the database at db.internal said no') }
  const res = await s.app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'unavailable', store: 'error' })
  t.notOk(res.body.includes('db.internal'), 'no detail in the answer')
  t.match(s.logs.join(''), /readiness: the store failed its check/, 'the reason is in the log')
})

t.test('/health/ready: 503 timeout when the store does not answer in time', async (t) => {
  const s = await setup(t)
  s.app.store.ping = () => new Promise(() => {})
  const started = Date.now()
  const res = await s.app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'unavailable', store: 'timeout' })
  t.ok(Date.now() - started < 5000, 'within a load balancer timeout')
})

t.test('/health/ready: 503 draining once a shutdown began, while other routes are still served', async (t) => {
  const s = await setup(t)
  s.app.draining = true
  const res = await s.app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'draining' })
  t.equal((await s.app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'liveness stays ok')
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: 'Bearer sk-nope' } })).statusCode, 401, 'requests are still answered')
})

t.test('/health/ready is in the API description with both answers', async (t) => {
  const s = await setup(t)
  const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const ready = doc.paths['/health/ready'].get
  t.same(ready.tags, ['Health'])
  t.ok(ready.responses['200'] && ready.responses['503'])
})
