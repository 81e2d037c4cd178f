// The JSON file backend: the store contract, then what only a file does (atomic coalesced writes, corrupt and old
// files, failed writes, permissions, the one-process lock).
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile, stat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createJsonStore, type JsonStoreOptions } from '../../src/store/json/store.ts'
import { createSecretBox } from '../../src/store/crypto.ts'
import { writeFileAtomic } from '../../src/store/atomic-file.ts'
import { errors } from '../../src/errors.ts'
import { tempDir, TEST_SECRET } from '../helper.ts'
import { storeContract } from './contract.ts'

const box = createSecretBox(TEST_SECRET)
const ALICE = { uuid: 'u-1', username: 'alice', token: { value: 'puter-token-alice-SECRET', kind: 'user' as const } }
const KEY_OPTS = { keepSecret: true, maxKeys: 1000 }
// proper-lockfile's shortest stale time, so that the lock tests wait seconds, not the default ten.
const LOCK_STALE_MS = 2000

storeContract('json', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  return (opts) => createJsonStore({ file, box, lockStaleMs: LOCK_STALE_MS, ...opts })
})

/** A JSON store on `file`, closed when the test ends. */
async function open (t: { teardown: (fn: () => unknown) => void }, file: string, opts: Partial<JsonStoreOptions> = {}) {
  const store = await createJsonStore({ file, box, lockStaleMs: LOCK_STALE_MS, ...opts })
  t.teardown(() => store.close())
  return store
}

t.test('the file holds no plaintext key or token, is mode 0600, and no temp file is left', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'api-store.json')
  const store = await open(t, file)
  await store.upsertUser(ALICE)
  const { key } = await store.createKey('u-1', KEY_OPTS)
  const text = await readFile(file, 'utf8')
  t.notOk(text.includes(key), 'no plaintext key')
  t.notOk(text.includes(key.slice(3)), 'no plaintext key body')
  t.notOk(text.includes(ALICE.token.value), 'no plaintext Puter token')
  t.equal((await stat(file)).mode & 0o777, 0o600)
  t.same((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind')
  const other = createSecretBox('another-secret-0123456789')
  t.throws(() => other.decrypt(JSON.parse(text).users['u-1'].token), 'another APP_SECRET cannot decrypt the token')
})

t.test('200 concurrent key creations coalesce into few writes and leave a valid file holding all 200', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const store = await open(t, file)
  const created = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    store.createKey(`u-${i % 3}`, { ...KEY_OPTS, name: `k${i}` })))
  t.equal(new Set(created.map((c) => c.id)).size, 200)
  t.ok(store.stats.writes < 20, `coalesced into ${store.stats.writes} writes`)
  const doc = JSON.parse(await readFile(file, 'utf8'))
  t.equal(Object.keys(doc.keys).length, 200, 'file holds all 200 keys')
  await store.close()
  const reloaded = await open(t, file)
  for (const c of created) t.equal(reloaded.findKey(c.key)?.id, c.id)
})

t.test('a corrupt data file stops the start and is left byte-for-byte untouched', async (t) => {
  const cases: Array<[string, string]> = [
    ['not JSON', '{"version":1,"users":{'],
    ['wrong structure', '{"version":1,"users":[],"sessions":{},"keys":{}}'],
    ['unknown version', '{"version":99,"users":{},"sessions":{},"keys":{}}'],
    ['a key without its request count', '{"version":1,"users":{},"sessions":{},"keys":{"k":{"id":"k","userId":"u","name":"n","digest":"d","preview":"p","createdAt":"2025-01-01T00:00:00.000Z","lastUsedAt":null}}}']
  ]
  for (const [name, content] of cases) {
    const file = join(await tempDir(t), 'api-store.json')
    await writeFile(file, content)
    const err = await createJsonStore({ file, box }).then(() => null, (e) => e)
    t.ok(err instanceof errors.StoreLoadFailed, `${name}: errors.StoreLoadFailed`)
    t.match(err?.message, /left untouched|not valid JSON/, `${name}: the message says so`)
    t.equal(await readFile(file, 'utf8'), content, `${name}: file untouched`)
    // The refused start released its lock: a fixed file opens at once.
    await writeFile(file, '{"version":1,"users":{},"sessions":{},"keys":{}}')
    await (await createJsonStore({ file, box })).close()
  }
})

t.test('a data file from before usage totals and token kinds loads with zeros and is never refused', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const sealed = box.encrypt('old-token')
  const old = {
    version: 1,
    users: { 'u-1': { uuid: 'u-1', username: 'alice', token: sealed, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' } },
    sessions: {},
    keys: { key_old: { id: 'key_old', userId: 'u-1', name: 'old', digest: box.digest('sk-old-key'), preview: 'sk-old-…-key', createdAt: '2025-01-01T00:00:00.000Z', lastUsedAt: '2025-06-01T00:00:00.000Z', requestCount: 42 } }
  }
  await writeFile(file, JSON.stringify(old))
  const store = await open(t, file)
  t.match(await store.listKeys('u-1'), [{ id: 'key_old', requestCount: 42, errorCount: 0, inputTokens: 0, outputTokens: 0, lastUsedAt: '2025-06-01T00:00:00.000Z', hasSecret: false }])
  t.equal(store.findKey('sk-old-key')?.id, 'key_old')
  t.equal(store.getUserToken('u-1'), 'old-token')
  t.equal((await store.getUser('u-1'))?.tokenKind, undefined, 'an unknown token kind stays unknown')
  store.recordUsage('key_old', { ok: false, inputTokens: 5 })
  await store.flushUsage()
  t.match(JSON.parse(await readFile(file, 'utf8')).keys.key_old, { requestCount: 43, errorCount: 1, inputTokens: 5, outputTokens: 0 }, 'the next write adds the new totals')
})

t.test('a file from before the APP_SECRET check: another secret is refused by its tokens; the right one adds the check', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const user = (sealed: string) => ({ uuid: 'u-1', username: 'alice', token: sealed, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' })
  const old = JSON.stringify({ version: 1, users: { 'u-1': user(box.encrypt('old-token')) }, sessions: {}, keys: {} })
  await writeFile(file, old)
  const err = await createJsonStore({ file, box: createSecretBox('another-app-secret-0123456789') }).then(() => null, (e) => e)
  t.ok(err instanceof errors.StoreLoadFailed, 'errors.StoreLoadFailed')
  t.match(err?.message, `The data file ${file} was written with a different APP_SECRET`)
  t.equal(await readFile(file, 'utf8'), old, 'left byte-for-byte untouched')

  const store = await open(t, file)
  t.equal(store.getUserToken('u-1'), 'old-token')
  t.notOk('secretCheck' in JSON.parse(await readFile(file, 'utf8')), 'opening alone writes nothing')
  await store.createKey('u-1', KEY_OPTS)
  t.match(JSON.parse(await readFile(file, 'utf8')).secretCheck, /^[A-Za-z0-9_-]{40,}$/, 'the first write adds the check value')
})

t.test('a stored value edited by hand fails only its own read, with a named error, and does not stop the start', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const first = await open(t, file)
  await first.upsertUser(ALICE)
  await first.upsertUser({ uuid: 'u-2', username: 'bob', token: { value: 'bob-token', kind: 'user' } })
  const good = await first.createKey('u-1', KEY_OPTS)
  const bad = await first.createKey('u-1', KEY_OPTS)
  await first.close()
  const doc = JSON.parse(await readFile(file, 'utf8'))
  // A well-formed value whose authentication tag belongs to another one.
  const [version, iv, , body] = doc.users['u-2'].token.split('.')
  doc.users['u-2'].token = [version, iv, box.encrypt('other').split('.')[2], body].join('.')
  doc.keys[bad.id].secret = 'v1.garbage.garbage.garbage'
  await writeFile(file, JSON.stringify(doc))

  const store = await open(t, file)
  t.equal(store.getUserToken('u-1'), ALICE.token.value)
  t.throws(() => store.getUserToken('u-2'), errors.StoredTokenUnreadable, 'the edited token: errors.StoredTokenUnreadable')
  t.same(await store.revealKey('u-1', good.id), { key: good.key })
  const err = await store.revealKey('u-1', bad.id).then(() => null, (e) => e)
  t.ok(err instanceof errors.StoredSecretUnreadable, 'the edited key secret: errors.StoredSecretUnreadable')
  t.match(err?.message, new RegExp(`key ${bad.id} cannot be decrypted.*Revoke it and create a new one`))
})

t.test('a failed write is reported and leaves memory and file as they were', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  let fail = false
  const diskFull = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
  const store = await open(t, file, {
    writer: async (f, data) => {
      if (fail) throw diskFull
      return writeFileAtomic(f, data)
    }
  })
  await store.upsertUser(ALICE)
  const kept = await store.createKey('u-1', { ...KEY_OPTS, name: 'kept' })
  const before = await readFile(file, 'utf8')

  fail = true
  const err = await store.createKey('u-1', { ...KEY_OPTS, name: 'lost' }).then(() => null, (e) => e)
  t.ok(err instanceof errors.StoreWriteFailed, 'errors.StoreWriteFailed')
  t.equal(err?.cause, diskFull, 'with the cause')
  await t.rejects(store.deleteKey('u-1', kept.id), { statusCode: 500, message: /nothing was changed/ })
  store.recordUsage(kept.id, { ok: true })
  await t.rejects(store.flushUsage(), { message: /nothing was changed/ })
  t.same((await store.listKeys('u-1')).map((k) => k.name), ['kept'], 'memory still has exactly the committed keys')
  t.equal(store.findKey(kept.key)?.id, kept.id, 'the key that failed to delete still works, matching the file')
  t.equal(await readFile(file, 'utf8'), before, 'file unchanged')

  fail = false
  await store.createKey('u-1', { ...KEY_OPTS, name: 'after' })
  t.same((await store.listKeys('u-1')).map((k) => k.name).sort(), ['after', 'kept'], 'store works again once the disk recovers')
  await store.flushUsage()
  t.equal(JSON.parse(await readFile(file, 'utf8')).keys[kept.id].requestCount, 1, 'usage that failed to flush is written by the next flush')
})

t.test('usage is flushed by a timer, and a failed background flush is reported', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  let fail = false
  const failures: Array<[unknown, string]> = []
  const store = await open(t, file, {
    usageFlushMs: 20,
    onError: (err, context) => failures.push([err, context]),
    writer: async (f, data) => {
      if (fail) throw new Error('disk gone')
      return writeFileAtomic(f, data)
    }
  })
  const k = await store.createKey('u-1', KEY_OPTS)
  store.recordUsage(k.id, { ok: true })
  for (let i = 0; i < 50 && store.stats.writes < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(JSON.parse(await readFile(file, 'utf8')).keys[k.id].requestCount, 1, 'written without flushUsage()')
  fail = true
  store.recordUsage(k.id, { ok: true })
  for (let i = 0; i < 50 && failures.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.match(failures[0], [{ message: /nothing was changed/ }, 'usage-flush'])
  fail = false
})

t.test('a second store on the same file is refused with a clear message, and opens once the first is closed', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const first = await open(t, file)
  t.ok((await stat(`${file}.lock`)).isDirectory(), 'the lock is held beside the file')
  let busy = 0
  const started = Date.now()
  const err = await createJsonStore({ file, box, lockStaleMs: LOCK_STALE_MS, onLockBusy: () => busy++ }).then(() => null, (e) => e)
  t.ok(err instanceof errors.StoreLoadFailed, 'errors.StoreLoadFailed')
  t.match(err?.message, file, 'names the file')
  t.match(err?.message, /another process/)
  t.match(err?.message, /one process per data file/)
  t.match(err?.message, /PostgreSQL store \(DATABASE_URL\)/)
  t.equal(busy, 1, 'the wait was announced')
  t.ok(Date.now() - started >= LOCK_STALE_MS, 'it waited in case the lock was a dead process\'s')

  await first.close()
  await t.rejects(stat(`${file}.lock`), { code: 'ENOENT' }, 'close released the lock')
  const second = await open(t, file)
  await second.createKey('u-1', KEY_OPTS)
})

t.test('another process is refused while one holds the file; a killed holder does not block the start', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const fixture = fileURLToPath(new URL('./fixtures/hold-lock.ts', import.meta.url))
  const holder = spawn(process.execPath, ['--import', 'tsx', fixture, file], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { holder.kill('SIGKILL') })
  const [line] = await once(holder.stdout, 'data')
  t.equal(String(line).trim(), 'ready', 'the other process holds the file')

  const err = await createJsonStore({ file, box, lockStaleMs: LOCK_STALE_MS }).then(() => null, (e) => e)
  t.match(err?.message, /in use by another process.*PostgreSQL store/s, 'refused while the other process lives')

  holder.kill('SIGKILL')
  await once(holder, 'exit')
  t.ok((await stat(`${file}.lock`)).isDirectory(), 'the killed process left its lock behind')
  const started = Date.now()
  const store = await open(t, file)
  t.ok(Date.now() - started < LOCK_STALE_MS + 2000, `started ${Date.now() - started} ms later, once the lock went stale`)
  await store.createKey('u-1', KEY_OPTS)
})
