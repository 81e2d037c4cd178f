// The store contract as tests: every backend runs this suite through a factory (test/store/json.test.ts for the JSON file).
import t from 'tap'
import { errors } from '../../src/errors.ts'
import type { StoreChange } from '../../src/store/types.ts'
import { ALICE, BOB, KEY_OPTS, freshBackend, type BackendFactory } from './fixtures/contract.ts'
import { accountContract } from './contract-accounts.ts'
import { auditContract } from './contract-audit.ts'
import { keyContract } from './contract-keys.ts'
import { usageContract } from './contract-usage.ts'

export function storeContract (backend: string, factory: BackendFactory) {
  const fresh = (t: { teardown: (fn: () => unknown) => void }) => freshBackend(factory, t)

  t.test(`${backend}: users are created, renamed and keep or replace their Puter token`, async (t) => {
    const store = await (await fresh(t))()
    const created = await store.upsertUser(ALICE)
    t.match(created, { uuid: 'u-alice', username: 'alice', tokenKind: 'user', createdAt: String, updatedAt: String })
    t.notOk(created.token.includes('SECRET'), 'the record holds the token encrypted')
    t.same(await store.getUser('u-alice'), created)
    t.equal(store.getUserToken('u-alice'), ALICE.token.value, 'getUserToken decrypts')
    t.equal(await store.getUser('u-nobody'), undefined)
    t.equal(store.getUserToken('u-nobody'), undefined)

    const app = await store.upsertUser({ ...ALICE, username: 'alice2', token: { value: 'app-token', kind: 'app', appUid: 'app-1' } })
    t.match(app, { username: 'alice2', tokenKind: 'app', appUid: 'app-1', createdAt: created.createdAt })
    t.equal(store.getUserToken('u-alice'), 'app-token', 'a new token replaces the cached one at once')

    const kept = await store.upsertUser({ ...ALICE, username: 'alice3', token: null })
    t.match(kept, { username: 'alice3', tokenKind: 'app', appUid: 'app-1' }, 'null keeps the stored token and its kind')
    t.equal(store.getUserToken('u-alice'), 'app-token')

    const own = await store.upsertUser(ALICE)
    t.equal(own.tokenKind, 'user')
    t.notOk('appUid' in own, "a user token drops the former token's app")

    await t.rejects(store.upsertUser({ ...BOB, token: null }), /needs a Puter token/, 'a new user needs a token')
    t.equal(await store.getUser('u-bob'), undefined)
  })

  t.test(`${backend}: sessions are found by cookie, expire, and are deleted`, async (t) => {
    let clock = Date.parse('2026-01-01T00:00:00Z')
    const store = await (await fresh(t))({ now: () => clock })
    await store.upsertUser(ALICE)
    const { cookie, expiresAt } = await store.createSession('u-alice', 60_000)
    t.match(cookie, /^[A-Za-z0-9_-]{40,}$/, 'a long random cookie value')
    t.equal(expiresAt, '2026-01-01T00:01:00.000Z')
    t.match(await store.getSession(cookie), { userId: 'u-alice', expiresAt, user: { username: 'alice' } })
    t.equal(await store.getSession('unknown'), undefined)

    const other = await store.createSession('u-alice', 60_000)
    t.equal(await store.deleteSession(other.cookie), true)
    t.equal(await store.getSession(other.cookie), undefined, 'deleted')
    t.equal(await store.deleteSession(other.cookie), false, 'deleting twice: false')

    clock += 60_001
    t.equal(await store.getSession(cookie), undefined, 'expired')
  })

  t.test(`${backend}: keys are minted, listed newest first, revealed and deleted by their owner only`, async (t) => {
    let clock = Date.parse('2026-01-01T00:00:00Z')
    const store = await (await fresh(t))({ now: () => clock })
    const first = await store.createKey('u-alice', { ...KEY_OPTS, name: '  laptop  ' })
    t.match(first.key, /^sk-[A-Za-z0-9_-]{32,}$/, 'sk- and at least 32 URL-safe characters')
    t.equal(first.preview, `${first.key.slice(0, 7)}…${first.key.slice(-4)}`)
    t.match(first, { id: /^key_/, userId: 'u-alice', name: 'laptop', createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null, requestCount: 0, errorCount: 0, inputTokens: 0, outputTokens: 0, hasSecret: true })
    t.notOk('digest' in first || 'secret' in first, 'a view has neither digest nor secret')
    clock += 1000
    const second = await store.createKey('u-alice', { keepSecret: false, maxKeys: 10 })
    t.equal(second.name, 'Untitled key')
    t.equal(second.hasSecret, false)
    await store.createKey('u-bob', KEY_OPTS)

    const listed = await store.listKeys('u-alice')
    t.same(listed.map((k) => k.id), [second.id, first.id], "only alice's keys, newest first")
    t.ok(listed.every((k) => !('digest' in k) && !('secret' in k)))
    const { key: firstKey, ...firstView } = first
    t.same(listed[1], firstView, 'the listing shows what creation answered, without the key')

    t.same(await store.revealKey('u-alice', first.id), { key: firstKey })
    t.same(await store.revealKey('u-alice', second.id), { error: 'no_secret' })
    t.same(await store.revealKey('u-bob', first.id), { error: 'not_found' }, "bob cannot reveal alice's key")
    t.same(await store.revealKey('u-alice', 'key_nope'), { error: 'not_found' })

    t.equal(await store.deleteKey('u-bob', first.id), false, "bob cannot delete alice's key")
    t.equal(await store.deleteKey('u-alice', 'key_nope'), false)
    t.equal(await store.deleteKey('u-alice', first.id), true)
    t.equal(await store.deleteKey('u-alice', first.id), false, 'deleting twice: false')
    t.same((await store.listKeys('u-alice')).map((k) => k.id), [second.id])
  })

  t.test(`${backend}: findKey finds a presented key by its digest, from memory, until it is deleted`, async (t) => {
    const store = await (await fresh(t))()
    const k = await store.createKey('u-alice', KEY_OPTS)
    t.match(store.findKey(k.key), { id: k.id, userId: 'u-alice' })
    const other = k.key.slice(0, -1) + (k.key.endsWith('x') ? 'y' : 'x')
    t.equal(store.findKey(other), undefined, 'a key differing in its last character is not found')
    t.equal(store.findKey(k.key.slice(3)), undefined, 'the key without its sk- prefix is not found')
    t.equal(store.findKey('not-a-key'), undefined)
    const deleting = store.deleteKey('u-alice', k.id)
    t.ok(store.findKey(k.key), 'still found while the deletion is not committed')
    await deleting
    t.equal(store.findKey(k.key), undefined, 'not found once deleted, without waiting')
  })

  t.test(`${backend}: the key cap refuses one more key and does not affect changes around it`, async (t) => {
    const store = await (await fresh(t))()
    const results = await Promise.allSettled([
      store.createKey('u-alice', { keepSecret: false, maxKeys: 2 }),
      store.createKey('u-alice', { keepSecret: false, maxKeys: 2 }),
      store.createKey('u-alice', { keepSecret: false, maxKeys: 2 }),
      store.createKey('u-bob', { keepSecret: false, maxKeys: 2 })
    ])
    t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    const reason = (results[2] as PromiseRejectedResult).reason
    t.ok(reason instanceof errors.KeyLimitReached, 'errors.KeyLimitReached')
    t.match(reason, { statusCode: 409, message: /maximum of 2 keys/ })
    t.equal((await store.listKeys('u-alice')).length, 2)
    t.equal((await store.listKeys('u-bob')).length, 1)
  })

  t.test(`${backend}: usage is counted per request in memory and written in one batch`, async (t) => {
    const at = Date.parse('2026-02-01T10:00:00Z')
    const store = await (await fresh(t))({ now: () => at })
    const k = await store.createKey('u-alice', KEY_OPTS)
    const other = await store.createKey('u-alice', KEY_OPTS)
    const writes = store.stats.writes
    for (let i = 0; i < 100; i++) store.recordUsage(k.id, { ok: true, inputTokens: 10, outputTokens: 3 })
    store.recordUsage(k.id, { ok: false })
    store.recordUsage(k.id, { ok: false, inputTokens: Number.NaN, outputTokens: -5, at: at + 5000 })
    store.recordUsage(k.id, { ok: true, inputTokens: 2.6, at: at - 5000 })
    store.recordUsage('key_unknown', { ok: true })
    t.equal(store.stats.writes, writes, 'no write per request')
    const expected = { requestCount: 103, errorCount: 2, inputTokens: 1003, outputTokens: 300, lastUsedAt: new Date(at + 5000).toISOString() }
    t.match((await store.listKeys('u-alice')).find((x) => x.id === k.id), expected, 'the listing includes usage not yet written; odd token counts count as 0 or rounded')
    t.match((await store.listKeys('u-alice')).find((x) => x.id === other.id), { requestCount: 0, lastUsedAt: null }, 'other keys are untouched')

    await store.flushUsage()
    t.equal(store.stats.writes, writes + 1, 'one write for the batch')
    await store.flushUsage()
    t.equal(store.stats.writes, writes + 1, 'nothing to flush: no write')
    t.match((await store.listKeys('u-alice')).find((x) => x.id === k.id), expected, 'not counted twice once written')
    t.match(store.findKey(k.key), expected, 'findKey shows the written totals')
  })

  t.test(`${backend}: usage of a deleted key is dropped`, async (t) => {
    const store = await (await fresh(t))()
    const k = await store.createKey('u-alice', KEY_OPTS)
    store.recordUsage(k.id, { ok: true })
    await store.deleteKey('u-alice', k.id)
    store.recordUsage(k.id, { ok: true })
    await store.flushUsage()
    t.same(await store.listKeys('u-alice'), [])
  })

  t.test(`${backend}: change listeners hear each committed change, and a failing one breaks nothing`, async (t) => {
    const failures: Array<[unknown, string]> = []
    const store = await (await fresh(t))({ onError: (err, context) => failures.push([err, context]) })
    const heard: StoreChange[] = []
    const stop = store.onChange((c) => heard.push(c))
    store.onChange(() => { throw new Error('listener bug') })

    await store.upsertUser(ALICE)
    const { cookie } = await store.createSession('u-alice', 60_000)
    const k = await store.createKey('u-alice', KEY_OPTS)
    store.recordUsage(k.id, { ok: true })
    await store.flushUsage()
    await store.deleteKey('u-bob', k.id)
    await store.deleteKey('u-alice', k.id)
    await store.deleteSession(cookie)
    await store.deleteSession(cookie)
    t.same(heard, [
      { type: 'user-updated', userId: 'u-alice' },
      { type: 'key-created', keyId: k.id, userId: 'u-alice' },
      { type: 'key-deleted', keyId: k.id, userId: 'u-alice' },
      { type: 'session-deleted' }
    ], 'one event per change; none for refused deletions, sessions created or usage written')
    t.equal(failures.length, heard.length, 'the failing listener was reported each time')
    t.ok(failures.every(([err, context]) => context === 'change-listener' && (err as Error).message === 'listener bug'))

    stop()
    await store.createKey('u-alice', KEY_OPTS)
    t.equal(heard.length, 4, 'an unsubscribed listener hears nothing more')
  })

  t.test(`${backend}: everything, usage included, survives closing and reopening`, async (t) => {
    const open = await fresh(t)
    const store = await open()
    await store.upsertUser({ ...ALICE, token: { value: 'app-token', kind: 'app', appUid: 'app-1' } })
    const { cookie } = await store.createSession('u-alice', 60_000)
    const k = await store.createKey('u-alice', { ...KEY_OPTS, name: 'persisted' })
    store.recordUsage(k.id, { ok: false, inputTokens: 7, outputTokens: 1 })
    const listed = await store.listKeys('u-alice')
    await store.close()
    await t.rejects(store.createKey('u-alice', KEY_OPTS), /closed/, 'a closed store refuses changes')

    const again = await open()
    t.match(await again.getUser('u-alice'), { username: 'alice', tokenKind: 'app', appUid: 'app-1' })
    t.equal(again.getUserToken('u-alice'), 'app-token')
    t.match(await again.getSession(cookie), { userId: 'u-alice' })
    t.same(await again.listKeys('u-alice'), listed, 'keys and their usage (flushed on close)')
    t.equal(again.findKey(k.key)?.id, k.id)
    t.same(await again.revealKey('u-alice', k.id), { key: k.key })
  })

  accountContract(backend, factory)
  keyContract(backend, factory)
  usageContract(backend, factory)
  auditContract(backend, factory)
}
