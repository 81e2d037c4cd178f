// The store contract, part five: each user's audit trail (appended, paginated, bounded, private) and deleting a user
// with their usage and audit trail. storeContract() runs it for every backend.
import t from 'tap'
import type { AuditInput } from '../../src/store/types.ts'
import { ALICE, BOB, KEY_OPTS, freshBackend, type BackendFactory } from './fixtures/contract.ts'

const T0 = Date.parse('2026-04-01T08:00:00Z')
const DAY_MS = 86_400_000
const ALL = { from: '2000-01-01', to: '2099-12-31' }

const entry = (userId: string, i: number): AuditInput => ({ userId, action: 'key.updated', keyId: `key_${i}`, keyName: `k${i}`, ip: '203.0.113.7', userAgent: 'curl/8', fields: ['disabled'] })

export function auditContract (backend: string, factory: BackendFactory) {
  const fresh = (t: { teardown: (fn: () => unknown) => void }) => freshBackend(factory, t)

  t.test(`${backend}: the audit trail lists a user's own entries, newest first, a page at a time`, async (t) => {
    let clock = T0
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    t.same(await store.listAudit('u-alice', { limit: 10 }), { entries: [], hasMore: false }, 'empty at first')
    for (let i = 0; i < 5; i++) {
      clock += 1000
      await store.audit(entry('u-alice', i))
    }
    await store.audit({ userId: 'u-bob', action: 'key.rotated', keyId: 'key_b', keyName: 'b', ip: '::1', userAgent: 'sdk', graceSeconds: 3600 })
    await store.audit({ userId: 'u-alice', action: 'user.signed_in', ip: '::1', userAgent: 'browser' })

    const first = await store.listAudit('u-alice', { limit: 2 })
    t.equal(first.hasMore, true)
    t.match(first.entries[0], { action: 'user.signed_in', userId: 'u-alice', ip: '::1', userAgent: 'browser', id: String, at: new Date(clock).toISOString() })
    t.notOk('keyId' in first.entries[0] || 'fields' in first.entries[0] || 'graceSeconds' in first.entries[0], 'fields not given are absent')
    t.same(first.entries[1], { ...entry('u-alice', 4), id: first.entries[1].id, at: new Date(T0 + 5000).toISOString() }, 'everything given, with an id and the time')
    const second = await store.listAudit('u-alice', { limit: 2, before: first.entries[1].id })
    t.same(second.entries.map((e) => e.keyName), ['k3', 'k2'], 'entries older than `before`')
    t.equal(second.hasMore, true)
    const last = await store.listAudit('u-alice', { limit: 2, before: second.entries[1].id })
    t.same(last.entries.map((e) => e.keyName), ['k1', 'k0'])
    t.equal(last.hasMore, false, 'the last page')
    t.same(await store.listAudit('u-alice', { limit: 2, before: last.entries[1].id }), { entries: [], hasMore: false }, 'nothing older than the oldest')
    t.equal(new Set([first, second, last].flatMap((p) => p.entries.map((e) => e.id))).size, 6, 'every id distinct')

    const bob = await store.listAudit('u-bob', { limit: 50 })
    t.same(bob.entries.map((e) => [e.action, e.graceSeconds]), [['key.rotated', 3600]], 'bob sees only his entry')
    t.same(await store.listAudit('u-bob', { limit: 50, before: first.entries[1].id }), { entries: [], hasMore: false }, "another user's entry id shows nothing")
    t.same(await store.listAudit('u-nobody', { limit: 50 }), { entries: [], hasMore: false })

    first.entries[1].fields!.push('changed')
    t.same((await store.listAudit('u-alice', { limit: 2 })).entries[1].fields, ['disabled'], 'changing a listed entry changes nothing stored')

    const everything = await store.listAudit('u-alice', { limit: 100 })
    await store.close()
    t.same(await (await open({ now: () => clock })).listAudit('u-alice', { limit: 100 }), everything, 'the trail survives a restart')
  })

  t.test(`${backend}: an audit entry stores only the fields of the contract and joins a change of the same tick`, async (t) => {
    const store = await (await fresh(t))({ now: () => T0 })
    const withSecret = { ...entry('u-alice', 1), key: 'sk-plaintext-secret', secret: 'sealed', token: 'puter-token' } as AuditInput
    const writes = store.stats.writes
    await Promise.all([store.createKey('u-alice', KEY_OPTS), store.audit(withSecret)])
    t.equal(store.stats.writes, writes + 1, 'one write for the change and its entry')
    const [stored] = (await store.listAudit('u-alice', { limit: 1 })).entries
    t.same(Object.keys(stored).sort(), ['action', 'at', 'fields', 'id', 'ip', 'keyId', 'keyName', 'userAgent', 'userId'], 'nothing beyond the contract, so no secret')
  })

  t.test(`${backend}: the audit trail keeps a user's newest 1000 entries, none older than 400 days`, async (t) => {
    let clock = T0
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    await store.audit(entry('u-bob', 0))
    await Promise.all(Array.from({ length: 1005 }, (_, i) => store.audit(entry('u-alice', i))))
    const all = await store.listAudit('u-alice', { limit: 2000 })
    t.equal(all.entries.length, 1000, 'at most 1000')
    t.equal(all.hasMore, false)
    t.same([all.entries[0].keyName, all.entries[999].keyName], ['k1004', 'k5'], 'the oldest were dropped')

    clock = T0 + 400 * DAY_MS - 1
    t.equal((await store.listAudit('u-alice', { limit: 1 })).entries.length, 1, 'kept for 400 days')
    clock = T0 + 400 * DAY_MS + 1
    t.same(await store.listAudit('u-alice', { limit: 10 }), { entries: [], hasMore: false }, 'older than 400 days: not listed')
    await store.audit(entry('u-alice', 2000))
    t.same((await store.listAudit('u-alice', { limit: 10 })).entries.map((e) => e.keyName), ['k2000'])
    await store.close()
    const again = await open({ now: () => T0 })
    t.same((await again.listAudit('u-alice', { limit: 2000 })).entries.map((e) => e.keyName), ['k2000'], 'the old entries are gone from storage too')
  })

  t.test(`${backend}: deleting a user removes their usage rows and audit trail, and nobody else's`, async (t) => {
    const clock = Date.parse('2026-03-10T12:00:00Z')
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    await store.upsertUser(ALICE)
    await store.upsertUser(BOB)
    const revoked = await store.createKey('u-alice', KEY_OPTS)
    const live = await store.createKey('u-alice', KEY_OPTS)
    const bobKey = await store.createKey('u-bob', KEY_OPTS)
    store.recordUsage(revoked.id, { ok: true, model: 'm', costMicroUsd: 1 })
    store.recordUsage(bobKey.id, { ok: true, model: 'm', costMicroUsd: 2 })
    await store.flushUsage()
    await store.deleteKey('u-alice', revoked.id)
    store.recordUsage(live.id, { ok: true, model: 'm', costMicroUsd: 3 })
    await store.audit(entry('u-alice', 1))
    await store.audit(entry('u-bob', 1))
    t.equal((await store.usageRows('u-alice', ALL)).length, 2, 'alice has rows, of a revoked key too')

    // The usage flush is queued behind the deletion: it must not bring alice's rows back.
    await Promise.all([store.deleteUser('u-alice'), store.flushUsage()])
    t.same(await store.usageRows('u-alice', ALL), [], 'her rows, written or not, are gone')
    t.same(await store.listAudit('u-alice', { limit: 10 }), { entries: [], hasMore: false }, 'her audit trail is gone')
    t.equal(store.spendOf(live.id, 'total'), 0)
    t.equal((await store.usageRows('u-bob', ALL)).length, 1, "bob's rows stay")
    t.equal((await store.listAudit('u-bob', { limit: 10 })).entries.length, 1, "bob's trail stays")

    await store.audit(entry('u-carol', 1))
    t.equal(await store.deleteUser('u-carol'), true, 'a user with nothing but an audit trail: removed')
    t.same(await store.listAudit('u-carol', { limit: 10 }), { entries: [], hasMore: false })

    await store.close()
    const again = await open({ now: () => clock })
    t.same(await again.usageRows('u-alice', ALL), [], 'still gone after a restart')
    t.same(await again.listAudit('u-alice', { limit: 10 }), { entries: [], hasMore: false })
    t.equal((await again.usageRows('u-bob', ALL)).length, 1)
  })
}
