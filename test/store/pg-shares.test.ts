// The ledger of limits shared by several instances (src/store/pg/shares.ts) on a real PostgreSQL: takes never grant
// past the limit however many instances ask at once, renewals give back and keep leases alive, a lease that ran out
// stops counting, and the schema that holds it is added to a database of the previous version with its data intact.
import t, { type Test } from 'tap'
import pg from 'pg'
import { migrate } from '../../src/store/pg/migrate.ts'
import { createShareLedger } from '../../src/store/pg/shares.ts'
import { ALICE, KEY_OPTS } from './fixtures/contract.ts'
import { adminQuery, freshSchema, opener, requirePg, schemaUrl } from './pg-setup.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A migrated fresh schema and a pool on it (closed when the test ends). */
async function ledgerDb (t: Test) {
  const schema = await freshSchema()
  const pool = new pg.Pool({ connectionString: schemaUrl(schema), max: 6 })
  t.teardown(() => pool.end())
  await migrate(pool, 'test')
  return { schema, pool }
}

if (requirePg()) {
  t.test('takes grant what the limit leaves, and never more however many instances ask at once', async (t) => {
    const { pool } = await ledgerDb(t)
    const a = createShareLedger(pool, 'a')
    const b = createShareLedger(pool, 'b')
    t.equal(await a.take('r', 5, 3), 3, 'A gets the 3 it asked for')
    t.equal(await b.take('r', 5, 3), 2, 'B gets the 2 left')
    t.equal(await a.take('r', 5, 1), 0, 'nothing is left for A')
    t.equal(await a.take('other', 5, 1), 1, 'another resource has its own limit')

    // 3 instances, 40 takes of one unit at once, on a limit of 7: exactly 7 granted.
    const c = [createShareLedger(pool, 'x'), createShareLedger(pool, 'y'), createShareLedger(pool, 'z')]
    const granted = await Promise.all(Array.from({ length: 40 }, (_, i) => c[i % 3].take('race', 7, 1)))
    t.equal(granted.reduce((s, n) => s + n, 0), 7, 'the units granted add up to the limit, not more')
    const [{ held }] = (await pool.query('SELECT sum(held)::int AS held FROM limit_shares WHERE resource = $1', ['race'])).rows
    t.equal(held, 7, 'and so does the ledger')
    // A limit lowered below what is held grants nothing (the holders give back as their calls end).
    t.equal(await a.take('r', 4, 1), 0, 'a lowered limit grants nothing while the holders hold more')
  })

  t.test('renewals give back units, keep the rest alive, and the units given back can be taken by others', async (t) => {
    const { pool } = await ledgerDb(t)
    const a = createShareLedger(pool, 'a', { leaseMs: 400 })
    const b = createShareLedger(pool, 'b', { leaseMs: 400 })
    await a.take('r', 4, 4)
    t.same(await a.renew(new Map([['r', 3]])), new Map([['r', 1]]), 'A keeps 1 of 4 after giving 3 back')
    t.equal(await b.take('r', 4, 4), 3, 'B takes the 3')
    // A renews every 200 ms for 600 ms, longer than the lease: its unit still counts.
    for (let i = 0; i < 3; i++) {
      await sleep(200)
      t.same(await a.renew(new Map()), new Map([['r', 1]]))
      await b.renew(new Map())
    }
    t.equal(await b.take('r', 4, 1), 0, 'a renewed share keeps counting past the first lease')
    t.same(await a.renew(new Map([['r', 1]])), new Map(), 'all given back: nothing left')
    t.equal(await b.take('r', 4, 1), 1, 'and B can take it')
    await b.releaseAll()
    const rows = (await pool.query('SELECT * FROM limit_shares WHERE instance = $1', ['b'])).rows
    t.same(rows, [], 'releaseAll leaves nothing of the instance')
  })

  t.test('an instance that stops renewing: its units stop counting when the lease runs out, and it learns so', async (t) => {
    const { pool } = await ledgerDb(t)
    const a = createShareLedger(pool, 'a', { leaseMs: 300 })
    const b = createShareLedger(pool, 'b', { leaseMs: 300 })
    t.equal(await a.take('r', 3, 3), 3)
    t.equal(await b.take('r', 3, 1), 0, 'A holds all while its lease lasts')
    await sleep(350)
    t.equal(await b.take('r', 3, 3), 3, 'B gets them all once A\'s lease ran out')
    t.same(await a.renew(new Map()), new Map(), 'A\'s renewal says it holds nothing any more')
    t.equal(await a.take('r', 3, 1), 0, 'and A cannot take them back while B holds them')
    await sleep(350)
    // A's own expired row is not counted as held: what A gets now is all it holds.
    t.equal(await a.take('r', 3, 2), 2, 'after B\'s lease ran out too, A takes afresh')
    t.same(await a.renew(new Map()), new Map([['r', 2]]), 'holding what it took, not its old units besides')
  })

  t.test('migrations from the previous schema: a database of version 1 with data gets the ledger, its data intact', async (t) => {
    const schema = await freshSchema()
    const open = opener(schema)
    // Data written by this code, then the schema taken back to version 1 (the ledger is all that version 2 adds).
    const first = await open()
    await first.upsertUser(ALICE)
    const key = await first.createKey(ALICE.uuid, KEY_OPTS)
    first.recordUsage(key.id, { ok: true, model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 5, costMicroUsd: 7, at: Date.now() })
    await first.close()
    await adminQuery(`DROP TABLE ${schema}.limit_shares`)
    await adminQuery(`DELETE FROM ${schema}.schema_migrations WHERE version > 1`)

    const store = await open()
    t.teardown(() => store.close())
    t.same((await adminQuery(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).map((r) => r.version), [1, 2], 'version 2 applied on top of 1')
    t.equal(store.findKey(key.key)?.id, key.id, 'the key of version 1 still works')
    t.equal(store.getUserToken(ALICE.uuid), ALICE.token.value, 'and its owner\'s token reads')
    t.equal(store.spendOf(key.id, 'total'), 7, 'and its usage is there')
    t.ok(store.shareLedger, 'the store has its ledger')
    t.equal(await store.shareLedger!.take('r', 2, 1), 1, 'which works')
  })
}
