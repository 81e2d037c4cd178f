// Readiness and metrics on the PostgreSQL store: /health/ready asks the database through the pool (503 when it is
// away), statements and writes are timed, and another instance's change arrives as a counted invalidation. Skipped
// without TEST_DATABASE_URL (fails when REQUIRE_PG=1).
import t from 'tap'
import { setup, signIn, createKey, fakePuter } from '../helper.ts'
import { dbProxy, eventually, freshSchema, requirePg, schemaUrl } from '../store/pg-setup.ts'

const TOKEN = 'metrics-token-0123456789abcdef'

async function scrape (app: Awaited<ReturnType<typeof setup>>['app']): Promise<string> {
  return (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body
}

if (requirePg()) {
  t.test('ready 200 with the database; statements and writes timed; another instance\'s change counted as an invalidation', async (t) => {
    const schema = await freshSchema()
    const fake = await fakePuter(t)
    const config = { DATABASE_URL: schemaUrl(schema), DATABASE_POOL_MAX: 3, METRICS_TOKEN: TOKEN }
    const a = await setup(t, { fake, config })
    const b = await setup(t, { fake, config })
    const ready = await a.app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(ready.statusCode, 200)
    t.same(ready.json(), { status: 'ready', store: 'ok' })

    const key = await createKey(a.app, await signIn(a.app))
    t.ok(await eventually(() => b.app.store.keyById(key.id) !== undefined, 3000), 'B follows A')
    const onA = await scrape(a.app)
    t.match(onA, /^pks_database_query_duration_seconds_count [1-9]\d*$/m, 'statements timed')
    t.match(onA, /^pks_store_write_duration_seconds_count\{backend="postgresql",outcome="ok"\} [1-9]\d*$/m, 'transactions timed')
    const onB = await scrape(b.app)
    t.match(onB, /^pks_store_invalidations_total\{type="key-created"\} 1$/m, "A's note counted on B")
    t.match(onB, /^pks_store_changes_total\{type="key-created"\} 1$/m, 'and emitted as a change there')
    t.notOk(/pks_store_invalidations_total\{type="key-created"\}/.test(onA), 'A does not count its own notes')
    t.notOk(onA.includes(schema) || onA.includes('postgres://'), 'no database name or URL in the exposition')
  })

  t.test('ready 503 while the database is away, 200 again once it is back', async (t) => {
    const schema = await freshSchema()
    const proxy = await dbProxy(t)
    const s = await setup(t, { config: { DATABASE_URL: schemaUrl(schema, proxy.port), DATABASE_POOL_MAX: 2 } })
    t.equal((await s.app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
    await proxy.stop()
    const away = await s.app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(away.statusCode, 503)
    t.equal(away.json().status, 'unavailable')
    await proxy.start()
    t.ok(await eventually(async () => (await s.app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200, 10_000), 'ready again')
  })
}
