// The PostgreSQL backend: the store contract on a fresh schema per test, then what only a shared database does
// (migrations, several instances following each other, usage adding up, losing and regaining the database).
import t from 'tap'
import pg from 'pg'
import { errors } from '../../src/errors.ts'
import { loadMigrations, migrate } from '../../src/store/pg/migrate.ts'
import { createPgStore } from '../../src/store/pg/store.ts'
import type { StoreChange } from '../../src/store/types.ts'
import { ALICE, KEY_OPTS } from './fixtures/contract.ts'
import { DATABASE_URL, adminQuery, box, dbProxy, eventually, freshSchema, opener, pgFactory, requirePg, schemaUrl } from './pg-setup.ts'
import { storeContract } from './contract.ts'

const ALL = { from: '2000-01-01', to: '2099-12-31' }

if (requirePg()) {
  storeContract('pg', pgFactory)
  pgOnly()
}

function pgOnly () {
  t.test('migrations: applied from empty once, recorded, and a re-run changes nothing', async (t) => {
    const schema = await freshSchema()
    const pool = new pg.Pool({ connectionString: schemaUrl(schema), max: 1 })
    t.teardown(() => pool.end())
    const all = (await loadMigrations()).map((m) => m.version)
    t.same(await migrate(pool, 'test'), all, 'every migration applied to an empty schema')
    t.same(await migrate(pool, 'test'), [], 'a re-run applies nothing')
    t.same((await adminQuery(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).map((r) => r.version), all, 'each recorded once')
    const tables = (await adminQuery('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema])).map((r) => r.table_name)
    t.same(tables, ['audit', 'keys', 'limit_shares', 'meta', 'schema_migrations', 'sessions', 'usage', 'users'])
  })

  t.test('two instances starting together on an empty database: one migrates, both start', async (t) => {
    const open = opener(await freshSchema())
    const stores = await Promise.all([open(), open(), open()])
    t.teardown(() => Promise.all(stores.map((s) => s.close())))
    const k = await stores[0].createKey('u-alice', KEY_OPTS)
    t.ok(await eventually(() => stores[2].findKey(k.key)?.id === k.id), 'and they share the data')
  })

  t.test('a database migrated by a newer version stops the start, untouched, saying so', async (t) => {
    const schema = await freshSchema()
    const open = opener(schema)
    await (await open()).close()
    await adminQuery(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES (9999, 'from_the_future')`)
    const err = await open().then(() => null, (e) => e)
    t.ok(err instanceof errors.StoreLoadFailed, 'errors.StoreLoadFailed')
    t.match(err?.message, /has schema version 9999, newer than this server knows .*left untouched/)
    t.notMatch(err?.message, /password/)
    t.equal((await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`))[0].n, (await loadMigrations()).length + 1)
  })

  t.test('an unreachable database stops the start with a clear message that shows no password', async (t) => {
    const url = new URL(DATABASE_URL!)
    url.password = 'hunter2-secret'
    url.port = '1'
    const err = await createPgStore({ connectionString: url.toString(), poolMax: 1, box }).then(() => null, (e) => e)
    t.ok(err instanceof errors.StoreLoadFailed, 'errors.StoreLoadFailed')
    t.match(err?.message, /Cannot reach the database .*127\.0\.0\.1:1.*ECONNREFUSED/)
    t.notMatch(err?.message, /hunter2/, 'no password')
  })

  t.test('the APP_SECRET check value is stored with the first write, and a dump shows no key, token, cookie or secret', async (t) => {
    const schema = await freshSchema()
    const store = await opener(schema)()
    t.teardown(() => store.close())
    t.same(await adminQuery(`SELECT * FROM ${schema}.meta`), [], 'opening alone writes nothing')
    await store.upsertUser(ALICE)
    const { cookie } = await store.createSession('u-alice', 60_000)
    const kept = await store.createKey('u-alice', { ...KEY_OPTS, name: 'kept' })
    const rotated = await store.rotateKey('u-alice', kept.id, 60_000)
    const digestOnly = await store.createKey('u-alice', { keepSecret: false, maxKeys: 10 })
    store.recordUsage(kept.id, { ok: true, model: 'gpt-4o', inputTokens: 3 })
    await store.flushUsage()
    await store.audit({ userId: 'u-alice', action: 'key.created', keyId: kept.id, keyName: 'kept', ip: '::1', userAgent: 'test' })
    t.match(await adminQuery(`SELECT name, value FROM ${schema}.meta`), [{ name: 'secret_check', value: /^[A-Za-z0-9_-]{40,}$/ }])

    const tables = (await adminQuery('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema])).map((r) => r.table_name)
    let dump = ''
    for (const table of tables) dump += (await adminQuery(`SELECT t::text AS row FROM ${schema}.${table} t`)).map((r) => r.row).join('\n')
    t.ok(dump.includes(kept.id) && dump.includes('gpt-4o'), 'the dump holds the data')
    for (const [name, secret] of [['a key', kept.key], ['a rotated key', rotated!.key], ['a key kept as a digest', digestOnly.key], ['the Puter token', ALICE.token.value], ['a session cookie', cookie]] as const) {
      t.notOk(dump.includes(secret), `no ${name}`)
      t.notOk(dump.includes(secret.slice(3, 20)), `no part of ${name}`)
    }
  })

  t.test('two instances on one database follow each other within a second', async (t) => {
    const open = opener(await freshSchema())
    const a = await open()
    const b = await open()
    t.teardown(() => Promise.all([a.close(), b.close()]))
    const heard: StoreChange[] = []
    b.onChange((c) => heard.push(c))
    const within = (check: () => boolean | Promise<boolean>) => eventually(check, 1000)

    await a.upsertUser(ALICE)
    t.ok(await within(() => b.getUserToken('u-alice') === ALICE.token.value), 'a user signed in on A: B has their token')
    const k = await a.createKey('u-alice', { ...KEY_OPTS, name: 'shared' })
    t.ok(await within(() => b.findKey(k.key)?.id === k.id), 'a key created on A works on B')
    t.match(await b.getKey('u-alice', k.id), { name: 'shared' })

    await a.updateKey('u-alice', k.id, { disabled: true, budget: { usd: 1, period: 'day' } })
    t.ok(await within(() => b.keyById(k.id)?.disabled === true), 'disabled on A: B sees it')
    t.match(b.findKey(k.key), { budget: { usd: 1, period: 'day' } })

    const rotated = await a.rotateKey('u-alice', k.id, 60_000)
    t.ok(await within(() => b.findKey(rotated!.key)?.id === k.id), 'rotated on A: the new secret works on B')
    t.equal(b.findKey(k.key)?.id, k.id, 'and the old one during its grace')
    await a.rotateKey('u-alice', k.id, 0)
    t.ok(await within(() => b.findKey(rotated!.key) === undefined), 'rotated again without grace: the replaced secret stops on B')

    const { cookie } = await a.createSession('u-alice', 60_000)
    t.ok(await b.getSession(cookie), 'a session made on A is found on B')
    await a.deleteSession(cookie)
    t.equal(await b.getSession(cookie), undefined, 'ended on A: ended on B at once')

    await a.setUserDisabled('u-alice', true)
    t.ok(await within(() => b.isUserDisabled('u-alice')), 'a user disabled on A is disabled on B')

    const second = await a.createKey('u-alice', KEY_OPTS)
    t.ok(await within(() => b.findKey(second.key) !== undefined))
    await a.deleteKey('u-alice', second.id)
    t.ok(await within(() => b.findKey(second.key) === undefined), 'a key revoked on A is refused by B')
    t.ok(await within(() => heard.some((c) => c.type === 'key-deleted' && c.keyId === second.id)), 'and B emits key-deleted (its open streams end)')

    await a.deleteUser('u-alice')
    t.ok(await within(() => b.getUserToken('u-alice') === undefined && b.findKey(k.key) === undefined), 'a user deleted on A is gone from B')
    t.same(heard.map((c) => c.type).filter((type, i, all) => all.indexOf(type) === i).sort(),
      ['key-created', 'key-deleted', 'key-updated', 'session-deleted', 'user-deleted', 'user-updated'], 'B heard every kind of change')
  })

  t.test('usage counted on two instances adds up exactly, and each sees the other\'s spend once it is written', async (t) => {
    const clock = Date.parse('2026-03-10T12:00:00Z')
    const schema = await freshSchema()
    const open = opener(schema)
    const a = await open({ now: () => clock })
    const b = await open({ now: () => clock })
    t.teardown(() => Promise.all([a.close(), b.close()]))
    const k = await a.createKey('u-alice', KEY_OPTS)
    t.ok(await eventually(() => b.keyById(k.id) !== undefined))
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++) {
        a.recordUsage(k.id, { ok: true, model: 'm', inputTokens: 1, costMicroUsd: 3 })
        b.recordUsage(k.id, { ok: i % 2 === 0, model: 'm', inputTokens: 2, costMicroUsd: 5 })
      }
      await Promise.all([a.flushUsage(), b.flushUsage()])
    }
    const [stored] = await adminQuery(`SELECT requests, errors, input_tokens, cost_micro_usd FROM ${schema}.usage`)
    t.same(stored, { requests: '400', errors: '100', input_tokens: '600', cost_micro_usd: '1600' }, 'the row holds every request of both, no increment lost')
    t.ok(await eventually(() => a.spendOf(k.id, 'day') === 1600 && b.spendOf(k.id, 'day') === 1600), 'both see the spend of both')
    t.match(await a.getKey('u-alice', k.id), { requestCount: 400, errorCount: 100, inputTokens: 600, costMicroUsd: 1600 })
    t.ok(await eventually(async () => (await b.getKey('u-alice', k.id))?.requestCount === 400), "B's view of the totals too")
    t.same((await a.usageRows('u-alice', ALL)).map((r) => r.requests), [400])
  })

  t.test('losing the database: cached keys keep working, changes fail with a named 503, and it recovers by itself', async (t) => {
    const schema = await freshSchema()
    const proxy = await dbProxy(t)
    const connection: Array<string> = []
    const a = await opener(schema, proxy.port)({ onConnection: (state) => connection.push(state) })
    const direct = await opener(schema)()
    t.teardown(() => Promise.all([a.close(), direct.close()]))
    const heard: StoreChange[] = []
    a.onChange((c) => heard.push(c))
    await a.upsertUser(ALICE)
    const k = await a.createKey('u-alice', KEY_OPTS)
    const doomed = await a.createKey('u-alice', KEY_OPTS)

    await proxy.stop()
    t.ok(await eventually(() => connection.includes('lost')), 'the lost connection is noticed')
    t.equal(a.findKey(k.key)?.id, k.id, 'a cached key is still found')
    t.equal(a.getUserToken('u-alice'), ALICE.token.value, 'and its owner\'s token')
    a.recordUsage(k.id, { ok: true, model: 'm', costMicroUsd: 7 })
    t.equal(a.spendOf(k.id, 'total'), 7, 'usage is still counted')
    const err = await a.createKey('u-alice', KEY_OPTS).then(() => null, (e) => e)
    t.ok(err instanceof errors.StoreUnavailable, 'errors.StoreUnavailable')
    t.match(err, { statusCode: 503, code: 'STORE_UNAVAILABLE', message: /database cannot be reached.*nothing was changed/ })
    await t.rejects(a.flushUsage(), { statusCode: 503, message: /cannot be reached/ }, 'a flush fails too')
    await t.rejects(a.getSession('whatever'), { statusCode: 503, message: /cannot be reached/ }, 'a read that needs the database says so')

    // Meanwhile, another instance revokes a key: the cut-off instance learns it once back.
    await direct.deleteKey('u-alice', doomed.id)

    await proxy.start()
    t.ok(await eventually(() => connection.includes('restored'), 5000), 'the connection comes back by itself')
    t.ok(await eventually(() => a.findKey(doomed.key) === undefined, 2000), 'a key revoked during the outage is refused once back')
    t.ok(heard.some((c) => c.type === 'key-deleted' && c.keyId === doomed.id), 'and its key-deleted is emitted')
    const again = await a.createKey('u-alice', KEY_OPTS)
    t.ok(await eventually(() => direct.findKey(again.key)?.id === again.id), 'changes work again')
    await a.flushUsage()
    t.match(await a.getKey('u-alice', k.id), { requestCount: 1, costMicroUsd: 7 }, 'the usage counted during the outage is written')
    t.ok(await eventually(async () => (await direct.getKey('u-alice', k.id))?.requestCount === 1), 'and the other instance sees it')
    t.equal(direct.spendOf(k.id, 'total'), 7)
  })
}
