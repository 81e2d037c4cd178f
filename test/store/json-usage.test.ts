// The JSON file backend and issue 9's data: the document's usage and audit sections, files from before them, and
// failed or slow writes of key changes, audit entries and usage rows.
import t from 'tap'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createJsonStore, type JsonStoreOptions } from '../../src/store/json/store.ts'
import { createSecretBox } from '../../src/store/crypto.ts'
import { writeFileAtomic } from '../../src/store/atomic-file.ts'
import { errors } from '../../src/errors.ts'
import type { StoreChange } from '../../src/store/types.ts'
import { tempDir, TEST_SECRET } from '../helper.ts'

const box = createSecretBox(TEST_SECRET)
const KEY_OPTS = { keepSecret: true, maxKeys: 1000 }
const NOW = Date.parse('2026-03-10T12:00:00Z')
const ALL = { from: '2000-01-01', to: '2099-12-31' }
const AUDIT = { userId: 'u-1', action: 'key.updated' as const, keyId: 'key_x', ip: '::1', userAgent: 'test', fields: ['name'] }

async function open (t: { teardown: (fn: () => unknown) => void }, file: string, opts: Partial<JsonStoreOptions> = {}) {
  const store = await createJsonStore({ file, box, lockStaleMs: 2000, now: () => NOW, ...opts })
  t.teardown(() => store.close())
  return store
}

/** A writer that fails while `fail` is set, or waits while `gate` is set. */
function controlledWriter () {
  const control = {
    fail: false,
    gate: null as Promise<void> | null,
    /** Called when a write starts waiting at the gate. */
    waiting: () => {},
    writer: async (file: string, data: string) => {
      if (control.fail) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
      if (control.gate) {
        control.waiting()
        await control.gate
      }
      return writeFileAtomic(file, data)
    }
  }
  return control
}

t.test('a data file from before key settings, costs, usage rows and the audit trail loads with defaults and gains them', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const old = {
    version: 1,
    users: { 'u-1': { uuid: 'u-1', username: 'alice', token: box.encrypt('old-token'), tokenKind: 'user', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' } },
    sessions: {},
    keys: {
      key_old: { id: 'key_old', userId: 'u-1', name: 'old', digest: box.digest('sk-old-key'), preview: 'sk-old-…-key', secret: box.encrypt('sk-old-key'), createdAt: '2025-01-01T00:00:00.000Z', lastUsedAt: '2025-06-01T00:00:00.000Z', requestCount: 42, errorCount: 2, inputTokens: 900, outputTokens: 300 }
    }
  }
  await writeFile(file, JSON.stringify(old))
  const store = await open(t, file)
  t.same(await store.getKey('u-1', 'key_old'), {
    id: 'key_old',
    userId: 'u-1',
    name: 'old',
    preview: 'sk-old-…-key',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: null,
    disabled: false,
    allowedModels: [],
    limits: { rpm: null, concurrency: null },
    budget: null,
    lastUsedAt: '2025-06-01T00:00:00.000Z',
    requestCount: 42,
    errorCount: 2,
    inputTokens: 900,
    outputTokens: 300,
    costMicroUsd: 0,
    hasSecret: true,
    previousExpiresAt: null
  }, 'the settings default to no limits, the cost to 0')
  t.equal(store.findKey('sk-old-key')?.id, 'key_old')
  t.equal(store.spendOf('key_old', 'total'), 0)
  t.same(await store.usageRows('u-1', ALL), [])
  t.same(await store.listAudit('u-1', { limit: 10 }), { entries: [], hasMore: false })

  store.recordUsage('key_old', { ok: true, model: 'gpt-4o', costMicroUsd: 5 })
  await store.flushUsage()
  await store.audit(AUDIT)
  const doc = JSON.parse(await readFile(file, 'utf8'))
  t.match(doc.keys.key_old, { requestCount: 43, costMicroUsd: 5, disabled: false, limits: { rpm: null, concurrency: null } }, 'the next write adds the new fields')
  t.same(Object.keys(doc.usage), ['key_old'])
  t.same(Object.keys(doc.audit), ['u-1'])
  await store.close()
  t.match(await (await open(t, file)).getKey('u-1', 'key_old'), { requestCount: 43, costMicroUsd: 5 }, 'and it loads again')
})

t.test('usage rows written before the image and audio counters load with them at 0, and add up from there', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const old = { day: '2026-03-10', model: 'gpt-4o', requests: 2, errors: 0, inputTokens: 5, outputTokens: 1, reasoningTokens: 0, cachedTokens: 0, costMicroUsd: 9 }
  const created = await open(t, file)
  const k = await created.createKey('u-1', KEY_OPTS)
  await created.close()
  const doc = JSON.parse(await readFile(file, 'utf8'))
  doc.usage = { [k.id]: { userId: 'u-1', rows: { '2026-03-10|gpt-4o': old } } }
  await writeFile(file, JSON.stringify(doc))
  const store = await open(t, file)
  t.match(await store.usageRows('u-1', { from: '2026-03-10', to: '2026-03-10' }), [{ ...old, images: 0, speechCharacters: 0, audioSeconds: 0 }])
  store.recordUsage(k.id, { ok: true, model: 'gpt-4o', images: 1, costMicroUsd: 1 })
  await store.flushUsage()
  const row = JSON.parse(await readFile(file, 'utf8')).usage[k.id].rows['2026-03-10|gpt-4o']
  t.same(row, { ...old, requests: 3, images: 1, speechCharacters: 0, audioSeconds: 0, costMicroUsd: 10 }, 'written with every counter')
})

t.test('a corrupt usage or audit section stops the start and is left untouched', async (t) => {
  const base = { version: 1, users: {}, sessions: {}, keys: {} }
  const cases: Array<[string, object]> = [
    ['usage rows with a negative count', { ...base, usage: { key_1: { userId: 'u-1', rows: { '2026-03-10|m': { day: '2026-03-10', model: 'm', requests: -1, errors: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedTokens: 0, costMicroUsd: 0 } } } } }],
    ['a usage row without its day', { ...base, usage: { key_1: { userId: 'u-1', rows: { x: { model: 'm', requests: 1, errors: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedTokens: 0, costMicroUsd: 0 } } } } }],
    ['an audit trail that is not a list', { ...base, audit: { 'u-1': { id: 'a' } } }]
  ]
  for (const [name, content] of cases) {
    const file = join(await tempDir(t), 'api-store.json')
    const text = JSON.stringify(content)
    await writeFile(file, text)
    const err = await createJsonStore({ file, box }).then(() => null, (e) => e)
    t.ok(err instanceof errors.StoreLoadFailed, `${name}: errors.StoreLoadFailed`)
    t.equal(await readFile(file, 'utf8'), text, `${name}: file untouched`)
  }
})

t.test('the document keeps usage per key as day|model rows, the audit trail per user, and no plaintext secret', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const store = await open(t, file)
  const k = await store.createKey('u-1', KEY_OPTS)
  store.recordUsage(k.id, { ok: true, model: 'gpt-4o', inputTokens: 3, outputTokens: 2, reasoningTokens: 1, cachedTokens: 1, costMicroUsd: 7, route: 'POST /v1/chat/completions', status: 200 })
  await store.flushUsage()
  const rotated = await store.rotateKey('u-1', k.id, 60_000)
  await store.audit({ ...AUDIT, action: 'key.rotated', keyId: k.id, graceSeconds: 60 })
  const text = await readFile(file, 'utf8')
  const doc = JSON.parse(text)
  t.same(doc.usage, { [k.id]: { userId: 'u-1', rows: { '2026-03-10|gpt-4o': { day: '2026-03-10', model: 'gpt-4o', requests: 1, errors: 0, inputTokens: 3, outputTokens: 2, reasoningTokens: 1, cachedTokens: 1, images: 0, speechCharacters: 0, audioSeconds: 0, costMicroUsd: 7 } } } })
  t.match(doc.audit, { 'u-1': [{ id: String, at: '2026-03-10T12:00:00.000Z', userId: 'u-1', action: 'key.rotated', keyId: k.id, graceSeconds: 60 }] })
  t.same(doc.keys[k.id].previous, { digest: box.digest(k.key), expiresAt: '2026-03-10T12:01:00.000Z' }, 'the rotated-out secret as a digest')
  t.notOk(text.includes(k.key) || text.includes(rotated!.key), 'neither secret in plaintext')
  t.notOk(text.includes('POST /v1/chat'), 'recent requests are not written')
  await store.rotateKey('u-1', k.id, 0)
  t.notOk('previous' in JSON.parse(await readFile(file, 'utf8')).keys[k.id], 'a rotation without grace keeps no rotated-out digest')
})

t.test('a failed write of a key change, a rotation or an audit entry changes nothing, in memory or in the file', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const io = controlledWriter()
  const store = await open(t, file, { writer: io.writer })
  const k = await store.createKey('u-1', { ...KEY_OPTS, name: 'kept' })
  await store.audit(AUDIT)
  const heard: StoreChange[] = []
  store.onChange((c) => heard.push(c))
  const before = await readFile(file, 'utf8')
  const view = await store.getKey('u-1', k.id)
  const trail = await store.listAudit('u-1', { limit: 10 })

  io.fail = true
  const failures = await Promise.all([
    store.updateKey('u-1', k.id, { name: 'lost', disabled: true, budget: { usd: 1, period: 'day' } }).then(() => null, (e) => e),
    store.rotateKey('u-1', k.id, 60_000).then(() => null, (e) => e),
    store.audit({ ...AUDIT, action: 'key.revoked' }).then(() => null, (e) => e)
  ])
  for (const [i, err] of failures.entries()) t.ok(err instanceof errors.StoreWriteFailed, `${['updateKey', 'rotateKey', 'audit'][i]}: errors.StoreWriteFailed`)
  t.same(await store.getKey('u-1', k.id), view, 'the key as it was')
  t.equal(store.keyById(k.id)?.disabled, false)
  t.equal(store.findKey(k.key)?.id, k.id, 'its secret still works')
  t.same(await store.revealKey('u-1', k.id), { key: k.key })
  t.same(await store.listAudit('u-1', { limit: 10 }), trail, 'the trail as it was')
  t.same(heard, [], 'no change announced')
  t.equal(await readFile(file, 'utf8'), before, 'file unchanged')

  io.fail = false
  const rotated = await store.rotateKey('u-1', k.id, 0)
  t.equal(store.findKey(rotated!.key)?.id, k.id, 'works again once the disk recovers')
  t.equal(store.findKey(k.key), undefined)
})

t.test('a failed usage write keeps rows and spend in memory, and the next write stores them once', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const io = controlledWriter()
  const store = await open(t, file, { writer: io.writer })
  const k = await store.createKey('u-1', KEY_OPTS)
  store.recordUsage(k.id, { ok: true, model: 'm', inputTokens: 5, costMicroUsd: 10 })
  const rows = await store.usageRows('u-1', ALL)
  t.equal(rows.length, 1)

  io.fail = true
  await t.rejects(store.flushUsage(), errors.StoreWriteFailed)
  t.same(await store.usageRows('u-1', ALL), rows, 'the rows are still counted')
  t.equal(store.spendOf(k.id, 'day'), 10)
  t.match(await store.getKey('u-1', k.id), { requestCount: 1, costMicroUsd: 10 })

  // A user deletion that fails keeps their unwritten usage too.
  await t.rejects(store.deleteUser('u-1'), errors.StoreWriteFailed)
  t.same(await store.usageRows('u-1', ALL), rows, 'kept through a failed deletion')

  io.fail = false
  await store.flushUsage()
  const doc = JSON.parse(await readFile(file, 'utf8'))
  t.match(doc.usage[k.id].rows['2026-03-10|m'], { requests: 1, inputTokens: 5, costMicroUsd: 10 }, 'written once')
  t.match(doc.keys[k.id], { requestCount: 1, costMicroUsd: 10 })
  t.same(await store.usageRows('u-1', ALL), rows, 'not counted twice')
  t.equal(store.spendOf(k.id, 'day'), 10)
})

t.test('while a usage write is on disk, reads count it once: neither lost nor doubled', async (t) => {
  const file = join(await tempDir(t), 'api-store.json')
  const io = controlledWriter()
  const store = await open(t, file, { writer: io.writer })
  const k = await store.createKey('u-1', KEY_OPTS)
  store.recordUsage(k.id, { ok: true, model: 'm', inputTokens: 5, costMicroUsd: 10 })
  let release!: () => void
  io.gate = new Promise((resolve) => { release = resolve })
  const writing = new Promise<void>((resolve) => { io.waiting = resolve })
  const flushing = store.flushUsage()
  // The write has started: the draft holding the usage exists, the document in memory is still the old one.
  await writing
  t.match(await store.getKey('u-1', k.id), { requestCount: 1, inputTokens: 5, costMicroUsd: 10 }, 'the key during the write')
  t.equal((await store.usageRows('u-1', ALL))[0]?.requests, 1, 'its rows during the write')
  store.recordUsage(k.id, { ok: true, model: 'm', inputTokens: 1, costMicroUsd: 1 })
  io.gate = null
  release()
  await flushing
  t.match(await store.getKey('u-1', k.id), { requestCount: 2, inputTokens: 6, costMicroUsd: 11 }, 'after the write')
  t.match(await store.usageRows('u-1', ALL), [{ requests: 2, inputTokens: 6, costMicroUsd: 11 }])
  await store.close()
  t.match(await (await open(t, file)).usageRows('u-1', ALL), [{ requests: 2, inputTokens: 6, costMicroUsd: 11 }], 'and on disk')
})
