// The store contract, part three: a key's settings, changing them, and rotating its secret with a grace period.
// storeContract() runs it for every backend.
import t from 'tap'
import type { CreateKeyInput, KeyRecord, StoreChange } from '../../src/store/types.ts'
import { KEY_OPTS, freshBackend, type BackendFactory } from './fixtures/contract.ts'

const T0 = Date.parse('2026-05-01T10:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

/** A key's name and settings, to compare exactly (t.match would let extra array items through). */
const settingsOf = (k: Partial<KeyRecord> | undefined) => k && { name: k.name, expiresAt: k.expiresAt, disabled: k.disabled, allowedModels: k.allowedModels, limits: k.limits, budget: k.budget }

const DEFAULTS = { expiresAt: null, disabled: false, allowedModels: [], limits: { rpm: null, concurrency: null }, budget: null, previousExpiresAt: null }

export function keyContract (backend: string, factory: BackendFactory) {
  const fresh = (t: { teardown: (fn: () => unknown) => void }) => freshBackend(factory, t)

  t.test(`${backend}: a key's settings are stored as given, default to no limits, and survive a restart`, async (t) => {
    const open = await fresh(t)
    const store = await open({ now: () => T0 })
    const plain = await store.createKey('u-alice', KEY_OPTS)
    t.match(plain, DEFAULTS, 'no settings given: never expires, enabled, every model, no limits, no budget')
    t.notOk('updatedAt' in plain, 'never updated')
    t.notOk('previous' in plain, 'no rotated-out secret in a view')

    const settings: CreateKeyInput = {
      ...KEY_OPTS,
      name: 'ci',
      expiresAt: '2026-12-31T00:00:00.000Z',
      disabled: true,
      allowedModels: ['gpt-4o', 'claude-*'],
      limits: { rpm: 60, concurrency: 2 },
      budget: { usd: 5, period: 'month' }
    }
    const k = await store.createKey('u-alice', settings)
    const stored = { name: 'ci', expiresAt: '2026-12-31T00:00:00.000Z', disabled: true, allowedModels: ['gpt-4o', 'claude-*'], limits: { rpm: 60, concurrency: 2 }, budget: { usd: 5, period: 'month' } }
    const expected = { ...stored, previousExpiresAt: null }
    t.match(k, expected)
    settings.allowedModels!.push('changed-after')
    settings.limits!.rpm = 1
    settings.budget!.usd = 999
    t.same(settingsOf(await store.getKey('u-alice', k.id)), stored, "changing the caller's objects afterwards changes nothing stored")
    const view = await store.getKey('u-alice', k.id)
    view!.allowedModels.push('x')
    view!.limits.rpm = 2
    t.same(settingsOf(await store.getKey('u-alice', k.id)), stored, 'changing a view changes nothing stored')
    t.same(settingsOf(store.findKey(k.key)), stored, 'findKey gives the settings to the key guard')
    t.match(store.keyById(k.id), { id: k.id, disabled: true, budget: { usd: 5, period: 'month' } }, 'keyById, from memory')
    t.equal(store.keyById('key_nope'), undefined)

    t.same(await store.getKey('u-alice', k.id), (await store.listKeys('u-alice')).find((x) => x.id === k.id), 'getKey is what the listing shows')
    t.equal(await store.getKey('u-bob', k.id), undefined, "bob cannot get alice's key")
    t.equal(await store.getKey('u-alice', 'key_nope'), undefined)

    await store.close()
    const again = await open({ now: () => T0 })
    t.same(settingsOf(await again.getKey('u-alice', k.id)), stored, 'settings survive a restart')
    t.match(await again.getKey('u-alice', plain.id), DEFAULTS)
  })

  t.test(`${backend}: updateKey changes only the fields given, for the owner only, and emits key-updated`, async (t) => {
    let clock = T0
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    const k = await store.createKey('u-alice', { ...KEY_OPTS, name: 'laptop', allowedModels: ['gpt-4o'], limits: { rpm: 10, concurrency: 3 } })
    const heard: StoreChange[] = []
    store.onChange((c) => heard.push(c))
    clock += 1000

    const disabled = await store.updateKey('u-alice', k.id, { disabled: true })
    t.match(disabled, { name: 'laptop', disabled: true, allowedModels: ['gpt-4o'], limits: { rpm: 10, concurrency: 3 }, budget: null, expiresAt: null, updatedAt: iso(clock), createdAt: iso(T0) })
    t.equal(store.keyById(k.id)?.disabled, true, 'the record in memory follows at once')
    t.same(heard, [{ type: 'key-updated', keyId: k.id, userId: 'u-alice' }])

    const cases: Array<[string, Parameters<typeof store.updateKey>[2], Record<string, unknown>]> = [
      ['a name is trimmed', { name: '  desk  ' }, { name: 'desk', disabled: true }],
      ['an empty name is the default one', { name: '   ' }, { name: 'Untitled key' }],
      ['a budget is set', { budget: { usd: 2.5, period: 'week' } }, { budget: { usd: 2.5, period: 'week' }, limits: { rpm: 10, concurrency: 3 } }],
      ['limits are replaced', { limits: { rpm: null, concurrency: 1 } }, { limits: { rpm: null, concurrency: 1 }, budget: { usd: 2.5, period: 'week' } }],
      ['a budget is removed with null', { budget: null }, { budget: null }],
      ['an expiry is set', { expiresAt: '2027-01-01T00:00:00.000Z' }, { expiresAt: '2027-01-01T00:00:00.000Z' }],
      ['an expiry is removed with null', { expiresAt: null }, { expiresAt: null }],
      ['every model again', { allowedModels: [] }, { allowedModels: [], name: 'Untitled key', disabled: true }],
      ['enabled again, with several fields', { disabled: false, name: 'final', allowedModels: ['o3'] }, { disabled: false, name: 'final', allowedModels: ['o3'] }]
    ]
    for (const [name, patch, expected] of cases) {
      clock += 1000
      t.match(await store.updateKey('u-alice', k.id, patch), { ...expected, updatedAt: iso(clock) }, name)
    }
    t.equal(heard.length, 1 + cases.length, 'one key-updated per change')

    heard.length = 0
    t.equal(await store.updateKey('u-bob', k.id, { disabled: true }), undefined, "bob cannot change alice's key")
    t.equal(await store.updateKey('u-alice', 'key_nope', { disabled: true }), undefined, 'an unknown key: undefined')
    t.same(heard, [], 'no event for a refused change')
    t.equal(store.keyById(k.id)?.disabled, false, 'nothing changed')

    const final = await store.getKey('u-alice', k.id)
    await store.close()
    const again = await open({ now: () => clock })
    t.same(await again.getKey('u-alice', k.id), final, 'the changes survive a restart')
  })

  t.test(`${backend}: a rotated key's old secret works until its grace ends, then stops; the key keeps everything else`, async (t) => {
    let clock = T0
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    const k = await store.createKey('u-alice', { ...KEY_OPTS, name: 'prod', budget: { usd: 1, period: 'day' } })
    store.recordUsage(k.id, { ok: true, model: 'gpt-4o', inputTokens: 10, costMicroUsd: 50 })
    await store.flushUsage()
    store.recordUsage(k.id, { ok: true, model: 'gpt-4o', inputTokens: 5, costMicroUsd: 20 })
    const heard: StoreChange[] = []
    store.onChange((c) => heard.push(c))

    clock += 1000
    const rotated = await store.rotateKey('u-alice', k.id, 60_000)
    t.ok(rotated, 'rotated')
    if (!rotated) return
    t.match(rotated.key, /^sk-[A-Za-z0-9_-]{32,}$/)
    t.not(rotated.key, k.key, 'a new secret')
    t.not(rotated.preview, k.preview, 'with its own preview')
    t.equal(rotated.preview, `${rotated.key.slice(0, 7)}…${rotated.key.slice(-4)}`)
    t.match(rotated, { id: k.id, name: 'prod', createdAt: k.createdAt, budget: { usd: 1, period: 'day' }, requestCount: 2, inputTokens: 15, costMicroUsd: 70, hasSecret: true, updatedAt: iso(clock), previousExpiresAt: iso(clock + 60_000) }, 'same id, settings and usage')
    t.notOk('previous' in rotated || 'digest' in rotated || 'secret' in rotated, 'no digest or secret in the view')
    t.same(heard, [{ type: 'key-updated', keyId: k.id, userId: 'u-alice' }])
    t.same(await store.revealKey('u-alice', k.id), { key: rotated.key }, 'reveal shows the new secret')
    t.equal(store.findKey(rotated.key)?.id, k.id, 'the new secret works at once')
    t.equal(store.findKey(k.key)?.id, k.id, 'the old one still works during the grace')
    t.equal(store.spendOf(k.id, 'day', clock), 70, 'spend stays with the key')
    t.same((await store.usageRows('u-alice', { from: '2026-05-01', to: '2026-05-01' })).map((r) => [r.keyId, r.requests]), [[k.id, 2]], 'usage history stays')

    clock += 59_999
    t.equal(store.findKey(k.key)?.id, k.id, 'a millisecond before the grace ends')
    t.equal((await store.getKey('u-alice', k.id))?.previousExpiresAt, iso(clock + 1))
    clock += 1
    t.equal(store.findKey(k.key), undefined, 'not once it ends')
    t.equal((await store.getKey('u-alice', k.id))?.previousExpiresAt, null, 'the view says so')
    t.equal(store.findKey(rotated.key)?.id, k.id)

    t.equal(await store.rotateKey('u-bob', k.id, 60_000), undefined, "bob cannot rotate alice's key")
    t.equal(await store.rotateKey('u-alice', 'key_nope', 60_000), undefined)
    t.equal(store.findKey(rotated.key)?.id, k.id, 'a refused rotation changes nothing')
  })

  t.test(`${backend}: a grace of 0 stops the old secret at once, and a new rotation ends the previous grace`, async (t) => {
    let clock = T0
    const store = await (await fresh(t))({ now: () => clock })
    const k1 = await store.createKey('u-alice', KEY_OPTS)
    const k2 = await store.rotateKey('u-alice', k1.id, 0)
    t.equal(store.findKey(k1.key), undefined, 'grace 0: the old secret stops at once')
    t.equal(store.findKey(k2!.key)?.id, k1.id)
    t.equal(k2!.previousExpiresAt, null)

    const k3 = await store.rotateKey('u-alice', k1.id, 3_600_000)
    const k4 = await store.rotateKey('u-alice', k1.id, 3_600_000)
    t.equal(store.findKey(k2!.key), undefined, 'the secret rotated out first stops when the key is rotated again')
    t.equal(store.findKey(k3!.key)?.id, k1.id, 'the one rotated out last works during its grace')
    t.equal(store.findKey(k4!.key)?.id, k1.id)
    clock += 1000
    const k5 = await store.rotateKey('u-alice', k1.id, 0)
    t.equal(store.findKey(k3!.key), undefined, 'a rotation with grace 0 ends the running grace too')
    t.equal(store.findKey(k4!.key), undefined)
    t.equal(store.findKey(k5!.key)?.id, k1.id)
    t.same((await store.listKeys('u-alice')).map((k) => k.id), [k1.id], 'still one key')
  })

  t.test(`${backend}: a key kept without its secret stays so when rotated, and a grace survives a restart`, async (t) => {
    let clock = T0
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    const k = await store.createKey('u-alice', { keepSecret: false, maxKeys: 10 })
    const rotated = await store.rotateKey('u-alice', k.id, 60_000)
    t.equal(rotated?.hasSecret, false)
    t.same(await store.revealKey('u-alice', k.id), { error: 'no_secret' })
    const kept = await store.createKey('u-alice', KEY_OPTS)
    const keptRotated = await store.rotateKey('u-alice', kept.id, 60_000)
    t.same(await store.revealKey('u-alice', kept.id), { key: keptRotated!.key }, 'a kept secret is replaced by the new one')

    await store.close()
    const again = await open({ now: () => clock })
    t.equal(again.findKey(k.key)?.id, k.id, 'the old secret works after a restart, during its grace')
    t.equal(again.findKey(rotated!.key)?.id, k.id)
    t.equal((await again.getKey('u-alice', k.id))?.previousExpiresAt, iso(T0 + 60_000))
    clock += 60_000
    t.equal(again.findKey(k.key), undefined, 'and stops when it ends')
  })
}
