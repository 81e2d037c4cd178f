// The store without HTTP: persistence, coalesced atomic writes, corruption and write-failure safety, secrets at rest.
import t from 'tap'
import { readFile, writeFile, stat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createStore, StoreLoadError, StoreWriteError, KeyLimitError } from '../src/store/store.ts'
import { createSecretBox } from '../src/store/crypto.ts'
import { writeFileAtomic } from '../src/store/atomic-file.ts'
import { tempDir, TEST_SECRET } from './helper.ts'

const box = createSecretBox(TEST_SECRET)
const USER = { uuid: 'u-1', username: 'alice', token: 'puter-token-alice-SECRET' }

t.test('keys and users persist across a reload of the same file', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const store = await createStore({ file, box })
  await store.upsertUser({ ...USER, token: { value: USER.token, kind: 'user' } })
  const created = await store.createKey('u-1', { name: 'laptop', keepSecret: true, maxKeys: 10 })
  t.match(created.key, /^sk-[A-Za-z0-9_-]{32,}$/, 'key is sk- and at least 32 URL-safe characters')
  t.equal(created.preview, `${created.key.slice(0, 7)}…${created.key.slice(-4)}`)
  await store.close()

  const again = await createStore({ file, box })
  t.equal(again.getUserToken('u-1'), USER.token, 'Puter token decrypts after reload')
  t.equal(again.findKey(created.key)?.id, created.id, 'key is found by its digest after reload')
  t.same(again.revealKey('u-1', created.id), { key: created.key })
  t.same(again.listKeys('u-1').map((k) => k.name), ['laptop'])
  const other = created.key.slice(0, -1) + (created.key.endsWith('x') ? 'y' : 'x')
  t.equal(again.findKey(other), undefined, 'a key differing in its last character is not found')
  t.equal(again.findKey('not-a-key'), undefined)
})

t.test('the file holds no plaintext key or token and is mode 0600', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'api-store.json')
  const store = await createStore({ file, box })
  await store.upsertUser({ ...USER, token: { value: USER.token, kind: 'user' } })
  const { key } = await store.createKey('u-1', { keepSecret: true, maxKeys: 10 })
  const text = await readFile(file, 'utf8')
  t.notOk(text.includes(key), 'no plaintext key')
  t.notOk(text.includes(key.slice(3)), 'no plaintext key body')
  t.notOk(text.includes(USER.token), 'no plaintext Puter token')
  t.equal((await stat(file)).mode & 0o777, 0o600)
  t.same((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind')
  const other = createSecretBox('another-secret-0123456789')
  t.throws(() => other.decrypt(JSON.parse(text).users['u-1'].token), 'another APP_SECRET cannot decrypt the token')
})

t.test('200 concurrent key creations coalesce into few writes and leave a valid file holding all 200', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const store = await createStore({ file, box })
  const created = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    store.createKey(`u-${i % 3}`, { name: `k${i}`, keepSecret: true, maxKeys: 1000 })))
  t.equal(new Set(created.map((c) => c.id)).size, 200)
  t.ok(store.stats.writes < 20, `coalesced into ${store.stats.writes} writes`)
  const doc = JSON.parse(await readFile(file, 'utf8'))
  t.equal(Object.keys(doc.keys).length, 200, 'file holds all 200 keys')
  const reloaded = await createStore({ file, box })
  for (const c of created) t.equal(reloaded.findKey(c.key)?.id, c.id)
})

t.test('a corrupt data file stops the start and is left byte-for-byte untouched', async (t) => {
  const cases: Array<[string, string]> = [
    ['not JSON', '{"version":1,"users":{'],
    ['wrong structure', '{"version":1,"users":[],"sessions":{},"keys":{}}'],
    ['unknown version', '{"version":99,"users":{},"sessions":{},"keys":{}}']
  ]
  for (const [name, content] of cases) {
    const file = join(await tempDir(t), 'api-store.json')
    await writeFile(file, content)
    await t.rejects(createStore({ file, box }), StoreLoadError, `${name}: load fails`)
    t.equal(await readFile(file, 'utf8'), content, `${name}: file untouched`)
  }
})

t.test('a failed write is reported and leaves memory and file as they were', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  let fail = false
  const store = await createStore({
    file,
    box,
    writer: async (f, data) => {
      if (fail) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
      return writeFileAtomic(f, data)
    }
  })
  await store.upsertUser({ ...USER, token: { value: USER.token, kind: 'user' } })
  const kept = await store.createKey('u-1', { name: 'kept', keepSecret: true, maxKeys: 10 })
  const before = await readFile(file, 'utf8')

  fail = true
  await t.rejects(store.createKey('u-1', { name: 'lost', keepSecret: true, maxKeys: 10 }), StoreWriteError)
  await t.rejects(store.deleteKey('u-1', kept.id), StoreWriteError)
  t.same(store.listKeys('u-1').map((k) => k.name), ['kept'], 'memory still has exactly the committed keys')
  t.equal(store.findKey(kept.key)?.id, kept.id, 'the key that failed to delete still works, matching the file')
  t.equal(await readFile(file, 'utf8'), before, 'file unchanged')

  fail = false
  await store.createKey('u-1', { name: 'after', keepSecret: true, maxKeys: 10 })
  t.same(store.listKeys('u-1').map((k) => k.name).sort(), ['after', 'kept'], 'store works again once the disk recovers')
})

t.test('key cap and a rejected mutation do not affect others in the same batch', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const store = await createStore({ file, box })
  const results = await Promise.allSettled([
    store.createKey('u-1', { keepSecret: false, maxKeys: 2 }),
    store.createKey('u-1', { keepSecret: false, maxKeys: 2 }),
    store.createKey('u-1', { keepSecret: false, maxKeys: 2 }),
    store.createKey('u-2', { keepSecret: false, maxKeys: 2 })
  ])
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
  t.type((results[2] as PromiseRejectedResult).reason, KeyLimitError)
  t.equal(store.listKeys('u-1').length, 2)
  t.equal(Object.keys(JSON.parse(await readFile(file, 'utf8')).keys).length, 3)
})

t.test('key usage stays in memory and is flushed in one write', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const store = await createStore({ file, box })
  const k = await store.createKey('u-1', { keepSecret: false, maxKeys: 10 })
  const writes = store.stats.writes
  for (let i = 0; i < 100; i++) store.touchKey(k.id)
  t.equal(store.stats.writes, writes, 'no write per use')
  t.equal(store.listKeys('u-1')[0].requestCount, 100, 'listing includes unflushed usage')
  t.ok(store.listKeys('u-1')[0].lastUsedAt)
  await store.flushUsage()
  t.equal(store.stats.writes, writes + 1, 'one write for the batch')
  t.equal(JSON.parse(await readFile(file, 'utf8')).keys[k.id].requestCount, 100)
})

t.test('sessions are stored by digest and expire', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  let clock = Date.parse('2026-01-01T00:00:00Z')
  const store = await createStore({ file, box, now: () => clock })
  await store.upsertUser({ ...USER, token: { value: USER.token, kind: 'user' } })
  const { cookie } = await store.createSession('u-1', 60_000)
  t.equal(store.getSession(cookie)?.user.username, 'alice')
  t.notOk((await readFile(file, 'utf8')).includes(cookie), 'cookie value not stored')
  clock += 60_001
  t.equal(store.getSession(cookie), undefined, 'expired')
})
