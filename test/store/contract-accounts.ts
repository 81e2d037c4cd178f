// The store contract, part two: the APP_SECRET check at open, and whole-account operations (the admin listing,
// disabling a user, removing all a user holds). storeContract() runs it for every backend.
import t from 'tap'
import { errors } from '../../src/errors.ts'
import { createSecretBox } from '../../src/store/crypto.ts'
import type { StoreChange } from '../../src/store/types.ts'
import { ALICE, BOB, KEY_OPTS, freshBackend, type BackendFactory } from './fixtures/contract.ts'

const OTHER_SECRET = createSecretBox('another-app-secret-0123456789')

export function accountContract (backend: string, factory: BackendFactory) {
  const fresh = (t: { teardown: (fn: () => unknown) => void }) => freshBackend(factory, t)

  t.test(`${backend}: data written under another APP_SECRET is refused at open, saying what happened and what to do`, async (t) => {
    const open = await fresh(t)
    const store = await open()
    await store.upsertUser(ALICE)
    const k = await store.createKey('u-alice', KEY_OPTS)
    await store.close()

    const err = await open({ box: OTHER_SECRET }).then(() => null, (e) => e)
    t.ok(err instanceof errors.StoreLoadFailed, 'errors.StoreLoadFailed')
    t.match(err?.message, /was written with a different APP_SECRET/)
    t.match(err?.message, /Restore the APP_SECRET \(or app-secret\.key\) it was written with, or move the file away to start empty; keys and sign-ins in it cannot be used without it\./)

    const again = await open()
    t.equal(again.getUserToken('u-alice'), ALICE.token.value, 'the right secret still opens it, nothing lost')
    t.equal(again.findKey(k.key)?.id, k.id)
    await again.close()

    const empty = await fresh(t)
    await (await empty({ box: OTHER_SECRET })).close()
    await t.resolves(empty(), 'data that holds nothing yet opens under any secret')
  })

  t.test(`${backend}: once written, the check refuses another secret even when no secret is stored any more`, async (t) => {
    const open = await fresh(t)
    const store = await open()
    await store.upsertUser(ALICE)
    await store.deleteUser('u-alice')
    await store.createKey('u-bob', { keepSecret: false, maxKeys: 10 })
    await store.close()
    await t.rejects(open({ box: OTHER_SECRET }), { message: /different APP_SECRET/ }, 'keys kept as digests only are refused too')
  })

  t.test(`${backend}: a disabled user is flagged in memory and loses their sessions; enabling lifts the flag`, async (t) => {
    const open = await fresh(t)
    const now = () => Date.parse('2026-03-01T00:00:00Z')
    const store = await open({ now })
    await store.upsertUser(ALICE)
    await store.upsertUser(BOB)
    const a1 = await store.createSession('u-alice', 60_000)
    const a2 = await store.createSession('u-alice', 60_000)
    const b = await store.createSession('u-bob', 60_000)
    const k = await store.createKey('u-alice', KEY_OPTS)
    const heard: StoreChange[] = []
    store.onChange((c) => heard.push(c))

    t.equal(store.isUserDisabled('u-alice'), false)
    const disabled = await store.setUserDisabled('u-alice', true)
    t.match(disabled, { uuid: 'u-alice', disabledAt: '2026-03-01T00:00:00.000Z' })
    t.equal(store.isUserDisabled('u-alice'), true, 'flagged, read without waiting')
    t.equal(await store.getSession(a1.cookie), undefined, 'their sessions end')
    t.equal(await store.getSession(a2.cookie), undefined)
    t.ok(await store.getSession(b.cookie), "another user's session stays")
    t.equal(store.findKey(k.key)?.id, k.id, 'keys stay: the key guard refuses them while the user is disabled')
    t.same(heard, [{ type: 'user-updated', userId: 'u-alice' }, { type: 'session-deleted' }])
    t.equal(await store.setUserDisabled('u-nobody', true), undefined, 'an unknown user: undefined')
    t.equal(store.isUserDisabled('u-nobody'), false)

    await store.close()
    const again = await open({ now })
    t.equal(again.isUserDisabled('u-alice'), true, 'survives a restart')
    const enabled = await again.setUserDisabled('u-alice', false)
    t.ok(enabled && !('disabledAt' in enabled), 'enabled: no disabledAt')
    t.equal(again.isUserDisabled('u-alice'), false)
    t.ok(await again.getSession(b.cookie))
  })

  t.test(`${backend}: listUsers adds up each user's keys, sessions and usage, never showing a token`, async (t) => {
    const at = Date.parse('2026-04-01T12:00:00Z')
    const store = await (await fresh(t))({ now: () => at })
    await store.upsertUser(ALICE)
    await store.upsertUser({ ...BOB, token: { value: 'bob-app-token', kind: 'app', appUid: 'app-1' } })
    await store.createSession('u-alice', 60_000)
    const k1 = await store.createKey('u-alice', KEY_OPTS)
    const k2 = await store.createKey('u-alice', KEY_OPTS)
    await store.createKey('u-nobody', KEY_OPTS)
    store.recordUsage(k1.id, { ok: true, inputTokens: 10, outputTokens: 4, costMicroUsd: 250, at: at + 1000 })
    await store.flushUsage()
    store.recordUsage(k2.id, { ok: false, inputTokens: 1, costMicroUsd: 50, at: at + 5000 })

    const users = await store.listUsers()
    t.same(users.map((u) => u.username), ['alice', 'bob'], 'by username; keys of unknown users are left out')
    t.match(users[0], {
      uuid: 'u-alice',
      keyCount: 2,
      sessionCount: 1,
      requestCount: 2,
      errorCount: 1,
      inputTokens: 11,
      outputTokens: 4,
      costMicroUsd: 300,
      lastUsedAt: new Date(at + 5000).toISOString(),
      lastActiveAt: new Date(at + 5000).toISOString(),
      createdAt: String
    }, 'usage not yet written is included')
    t.match(users[1], { uuid: 'u-bob', keyCount: 0, sessionCount: 0, requestCount: 0, costMicroUsd: 0, lastUsedAt: null, tokenKind: 'app' })
    t.equal(users[1].lastActiveAt, users[1].updatedAt, 'without key use, the last sign-in')
    for (const u of users) t.notOk('token' in u || 'appUid' in u || 'secret' in u || 'digest' in u, `${u.username}: no token, app or key secret`)
  })

  t.test(`${backend}: a user's sessions, keys, or all their data are removed in one go, and nobody else's`, async (t) => {
    const open = await fresh(t)
    const store = await open()
    await store.upsertUser(ALICE)
    await store.upsertUser(BOB)
    const a = await store.createSession('u-alice', 60_000)
    const b = await store.createSession('u-bob', 60_000)
    const k1 = await store.createKey('u-alice', KEY_OPTS)
    const k2 = await store.createKey('u-alice', KEY_OPTS)
    const bobKey = await store.createKey('u-bob', KEY_OPTS)
    store.recordUsage(k1.id, { ok: true })
    const heard: StoreChange[] = []
    store.onChange((c) => heard.push(c))

    t.equal(await store.deleteSessionsOf('u-alice'), 1)
    t.equal(await store.getSession(a.cookie), undefined)
    t.equal(await store.deleteSessionsOf('u-alice'), 0, 'none left')
    t.same((await store.deleteKeysOf('u-alice')).sort(), [k1.id, k2.id].sort())
    t.equal(store.findKey(k1.key), undefined, 'found no more, at once')
    t.same(await store.deleteKeysOf('u-alice'), [], 'none left')
    t.same(heard.map((c) => c.type), ['session-deleted', 'key-deleted', 'key-deleted'], 'an event per key, so open streams close')

    heard.length = 0
    const again = await store.createKey('u-alice', KEY_OPTS)
    await store.createSession('u-alice', 60_000)
    t.equal(await store.deleteUser('u-alice'), true)
    t.equal(await store.getUser('u-alice'), undefined)
    t.equal(store.getUserToken('u-alice'), undefined, 'the Puter token is gone')
    t.equal(store.findKey(again.key), undefined)
    t.same(await store.listKeys('u-alice'), [])
    t.same((await store.listUsers()).map((u) => u.uuid), ['u-bob'])
    t.same(heard, [
      { type: 'key-created', keyId: again.id, userId: 'u-alice' },
      { type: 'key-deleted', keyId: again.id, userId: 'u-alice' },
      { type: 'session-deleted' },
      { type: 'user-deleted', userId: 'u-alice' }
    ])
    t.equal(await store.deleteUser('u-alice'), false, 'nothing left to delete')

    await store.flushUsage()
    await store.close()
    const reopened = await open()
    t.equal(await reopened.getUser('u-alice'), undefined, 'still gone after a restart')
    t.same(await reopened.listKeys('u-alice'), [])
    t.ok(await reopened.getSession(b.cookie), "bob's session is untouched")
    t.equal(reopened.findKey(bobKey.key)?.id, bobKey.id, "bob's key is untouched")
    t.equal(reopened.getUserToken('u-bob'), BOB.token.value)
  })
}
