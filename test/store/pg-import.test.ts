// `npm run store:import`: a JSON store copied into an empty database reads the same through the pg store; a second
// run changes nothing; a database holding other data, or written under another APP_SECRET, is refused untouched.
import t from 'tap'
import pg from 'pg'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { errors } from '../../src/errors.ts'
import { createSecretBox } from '../../src/store/crypto.ts'
import { loadDocument } from '../../src/store/json/document.ts'
import { createJsonStore } from '../../src/store/json/store.ts'
import { importJsonStore } from '../../src/store/pg/import-json.ts'
import { ALICE, BOB, KEY_OPTS } from './fixtures/contract.ts'
import { TEST_SECRET, adminQuery, box, eventually, freshSchema, opener, requirePg, schemaUrl } from './pg-setup.ts'

const ALL = { from: '2000-01-01', to: '2099-12-31' }
const CLI = fileURLToPath(new URL('../../src/store/pg/import.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A JSON store with a bit of everything in it; what to compare the import with. */
async function jsonStore (tap: { teardown: (fn: () => unknown) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'pks-import-'))
  tap.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'api-store.json')
  const store = await createJsonStore({ file, box })
  await store.upsertUser(ALICE)
  await store.upsertUser({ ...BOB, token: { value: 'bob-app-token', kind: 'app', appUid: 'app-1' } })
  await store.setUserDisabled('u-bob', true)
  const { cookie } = await store.createSession('u-alice', 3_600_000)
  const kept = await store.createKey('u-alice', { ...KEY_OPTS, name: 'kept', allowedModels: ['gpt-*'], limits: { rpm: 60, concurrency: null }, budget: { usd: 2, period: 'month' } })
  const rotated = await store.rotateKey('u-alice', kept.id, 3_600_000)
  const digestOnly = await store.createKey('u-bob', { keepSecret: false, maxKeys: 10, expiresAt: '2099-01-01T00:00:00.000Z' })
  store.recordUsage(kept.id, { ok: true, model: 'gpt-4o', inputTokens: 10, outputTokens: 5, reasoningTokens: 2, cachedTokens: 1, costMicroUsd: 300 })
  store.recordUsage(kept.id, { ok: false, model: 'tts-1', speechCharacters: 40, costMicroUsd: 6 })
  store.recordUsage(digestOnly.id, { ok: true, model: 'gpt-image-1', images: 2, costMicroUsd: 1000 })
  await store.audit({ userId: 'u-alice', action: 'key.created', keyId: kept.id, keyName: 'kept', ip: '::1', userAgent: 'test' })
  await store.audit({ userId: 'u-alice', action: 'key.rotated', keyId: kept.id, keyName: 'kept', ip: '::1', userAgent: 'test', graceSeconds: 3600 })
  const expected = {
    alice: await store.listKeys('u-alice'),
    bob: await store.listKeys('u-bob'),
    rows: [...await store.usageRows('u-alice', ALL), ...await store.usageRows('u-bob', ALL)],
    audit: await store.listAudit('u-alice', { limit: 10 }),
    users: await store.listUsers()
  }
  await store.close()
  return { file, cookie, kept, rotated: rotated!, digestOnly, expected }
}

async function tableCounts (schema: string) {
  const counts: Record<string, number> = {}
  for (const table of ['users', 'sessions', 'keys', 'usage', 'audit', 'meta']) counts[table] = (await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.${table}`))[0].n
  return counts
}

if (requirePg()) {
  t.test('a JSON store imported into an empty database reads the same through the pg store, and a second import changes nothing', async (t) => {
    const src = await jsonStore(t)
    const schema = await freshSchema()
    const pool = new pg.Pool({ connectionString: schemaUrl(schema), max: 1 })
    t.teardown(() => pool.end())
    const doc = await loadDocument(src.file)
    t.match(await importJsonStore(pool, doc, box, 'test'), { status: 'imported', users: 2, sessions: 1, keys: 2, usageRows: 3, auditEntries: 2 })
    const counts = await tableCounts(schema)

    const store = await opener(schema)()
    t.teardown(() => store.close())
    t.same(await store.listKeys('u-alice'), src.expected.alice, "alice's keys, settings and usage totals")
    t.same(await store.listKeys('u-bob'), src.expected.bob)
    t.same([...await store.usageRows('u-alice', ALL), ...await store.usageRows('u-bob', ALL)], src.expected.rows, 'usage rows, every counter')
    t.same(await store.listAudit('u-alice', { limit: 10 }), src.expected.audit, 'the audit trail, in order')
    t.same(await store.listUsers(), src.expected.users, 'users, disabled ones included')
    t.equal(store.getUserToken('u-alice'), ALICE.token.value, 'tokens decrypt')
    t.equal(store.findKey(src.rotated.key)?.id, src.kept.id, 'keys are found')
    t.equal(store.findKey(src.kept.key)?.id, src.kept.id, 'a rotated-out secret during its grace too')
    t.same(await store.revealKey('u-alice', src.kept.id), { key: src.rotated.key }, 'a kept secret is revealed')
    t.match(await store.getSession(src.cookie), { userId: 'u-alice' }, 'sessions go on')
    t.ok(store.isUserDisabled('u-bob'))
    t.equal(store.spendOf(src.kept.id, 'total'), 306)

    t.same(await importJsonStore(pool, doc, box, 'test'), { status: 'already-imported' }, 'a second run says so')
    t.same(await tableCounts(schema), counts, 'and changes nothing')
  })

  t.test('an import into a database holding other data, or under another APP_SECRET, is refused and changes nothing', async (t) => {
    const src = await jsonStore(t)
    const doc = await loadDocument(src.file)
    const schema = await freshSchema()
    const pool = new pg.Pool({ connectionString: schemaUrl(schema), max: 1 })
    t.teardown(() => pool.end())
    const store = await opener(schema)()
    await store.createKey('u-carol', KEY_OPTS)
    await store.close()
    const before = await tableCounts(schema)
    const err = await importJsonStore(pool, doc, box, 'test').then(() => null, (e) => e)
    t.ok(err instanceof errors.StoreLoadFailed, 'errors.StoreLoadFailed')
    t.match(err?.message, /The database test is not empty \(1 keys\) and does not hold this import: nothing was imported/)
    t.same(await tableCounts(schema), before, 'nothing changed')

    const other = createSecretBox('another-app-secret-0123456789')
    await t.rejects(importJsonStore(pool, doc, other, 'test'), { message: /was written with a different APP_SECRET/ })
  })

  t.test('an import that fails midway leaves the database empty', async (t) => {
    const src = await jsonStore(t)
    const doc = await loadDocument(src.file)
    // Two keys with one digest: the second insert fails, after users and sessions went in.
    const [first, second] = Object.values(doc.keys)
    second.digest = first.digest
    const schema = await freshSchema()
    const pool = new pg.Pool({ connectionString: schemaUrl(schema), max: 1 })
    t.teardown(() => pool.end())
    await t.rejects(importJsonStore(pool, doc, box, 'test'), { code: '23505' })
    t.same(await tableCounts(schema), { users: 0, sessions: 0, keys: 0, usage: 0, audit: 0, meta: 0 }, 'all or nothing')
  })

  t.test('npm run store:import: imports with the APP_SECRET of the environment, then says a second run changes nothing', async (t) => {
    const src = await jsonStore(t)
    const schema = await freshSchema()
    const env = { ...process.env, DATABASE_URL: schemaUrl(schema), APP_SECRET: TEST_SECRET }
    const run = (args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], { env, cwd: ROOT })
    const running = await opener(schema)()
    t.teardown(() => running.close())
    const first = await run([src.file])
    t.match(first.stdout, /Imported .*api-store\.json into .*: 2 users, 2 keys, 1 sessions, 3 usage rows, 2 audit entries\./)
    const second = await run([src.file])
    t.ok(await eventually(() => running.findKey(src.rotated.key)?.id === src.kept.id), 'an instance already running on the database loads the import')
    t.match(second.stdout, /already holds this import .*nothing was changed/)
    t.equal((await tableCounts(schema)).keys, 2)

    const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, src.file], { env: { ...env, APP_SECRET: 'another-app-secret-0123456789' }, cwd: ROOT }).then(() => null, (e) => e)
    t.equal(err?.code, 1, 'exit code 1')
    t.match(err?.stderr, /Import failed, nothing was imported: The data file .* different APP_SECRET/)
    t.ok((await readFile(src.file, 'utf8')).length > 0, 'the JSON file is left as it was')
  })
}
