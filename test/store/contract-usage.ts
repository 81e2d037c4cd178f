// The store contract, part four: usage per key, UTC day and model, spend per budget period, retention, and each
// key's recent requests. storeContract() runs it for every backend.
import t from 'tap'
import type { UsageCounters, UsageRow } from '../../src/store/types.ts'
import { KEY_OPTS, freshBackend, type BackendFactory } from './fixtures/contract.ts'

const at = (s: string) => Date.parse(s)

function row (day: string, keyId: string, model: string, counters: Partial<UsageCounters>): UsageRow {
  return { day, keyId, userId: 'u-alice', model, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedTokens: 0, images: 0, speechCharacters: 0, audioSeconds: 0, costMicroUsd: 0, ...counters }
}

const byDayKeyModel = (a: UsageRow, b: UsageRow) =>
  a.day < b.day ? -1 : a.day > b.day ? 1 : a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : 0

const ALL = { from: '2000-01-01', to: '2099-12-31' }

export function usageContract (backend: string, factory: BackendFactory) {
  const fresh = (t: { teardown: (fn: () => unknown) => void }) => freshBackend(factory, t)

  t.test(`${backend}: usage is counted per key, UTC day and model, exactly, before and after it is written`, async (t) => {
    const clock = at('2026-03-10T12:00:00Z')
    const store = await (await fresh(t))({ now: () => clock })
    const k1 = await store.createKey('u-alice', KEY_OPTS)
    const k2 = await store.createKey('u-alice', KEY_OPTS)
    const kb = await store.createKey('u-bob', KEY_OPTS)
    const writes = store.stats.writes
    store.recordUsage(k1.id, { ok: true, model: 'gpt-4o', inputTokens: 100, outputTokens: 20, reasoningTokens: 5, cachedTokens: 40, costMicroUsd: 1500 })
    store.recordUsage(k1.id, { ok: false, model: 'gpt-4o', inputTokens: 10, costMicroUsd: 100 })
    store.recordUsage(k1.id, { ok: true })
    store.recordUsage(k1.id, { ok: true, model: '', inputTokens: Number.NaN, outputTokens: -3, costMicroUsd: 2.6 })
    store.recordUsage(k1.id, { ok: true, model: 'claude-3', outputTokens: 7, costMicroUsd: 700, at: at('2026-03-09T23:59:59.999Z') })
    store.recordUsage(k2.id, { ok: true, model: 'gpt-4o', inputTokens: 1, costMicroUsd: 1, at: at('2026-03-11T00:00:00Z') })
    store.recordUsage(k2.id, { ok: true, model: 'constructor', inputTokens: 2 })
    store.recordUsage(k2.id, { ok: true, model: '__proto__', inputTokens: 3 })
    store.recordUsage(kb.id, { ok: true, model: 'gpt-4o', costMicroUsd: 9 })
    store.recordUsage(k2.id, { ok: true, model: 'gpt-image-1', images: 2, costMicroUsd: 22_000 })
    store.recordUsage(k2.id, { ok: true, model: 'gpt-image-1', images: 1, costMicroUsd: 11_000 })
    store.recordUsage(k2.id, { ok: true, model: 'tts-1', speechCharacters: 1200, costMicroUsd: 18_000 })
    store.recordUsage(k2.id, { ok: false, model: 'whisper-1', audioSeconds: 61.4, costMicroUsd: 6_100 })
    store.recordUsage('key_unknown', { ok: true, model: 'gpt-4o', costMicroUsd: 5 })
    t.equal(store.stats.writes, writes, 'no write per request')

    const expected = [
      row('2026-03-09', k1.id, 'claude-3', { requests: 1, outputTokens: 7, costMicroUsd: 700 }),
      row('2026-03-10', k1.id, 'gpt-4o', { requests: 2, errors: 1, inputTokens: 110, outputTokens: 20, reasoningTokens: 5, cachedTokens: 40, costMicroUsd: 1600 }),
      row('2026-03-10', k1.id, 'unknown', { requests: 2, costMicroUsd: 3 }),
      row('2026-03-10', k2.id, '__proto__', { requests: 1, inputTokens: 3 }),
      row('2026-03-10', k2.id, 'constructor', { requests: 1, inputTokens: 2 }),
      row('2026-03-10', k2.id, 'gpt-image-1', { requests: 2, images: 3, costMicroUsd: 33_000 }),
      row('2026-03-10', k2.id, 'tts-1', { requests: 1, speechCharacters: 1200, costMicroUsd: 18_000 }),
      row('2026-03-10', k2.id, 'whisper-1', { requests: 1, errors: 1, audioSeconds: 61, costMicroUsd: 6_100 }),
      row('2026-03-11', k2.id, 'gpt-4o', { requests: 1, inputTokens: 1, costMicroUsd: 1 })
    ].sort(byDayKeyModel)
    t.same(await store.usageRows('u-alice', { from: '2026-03-09', to: '2026-03-11' }), expected, 'not yet written: a row per key, day and model; no model is "unknown"; odd counts are 0 or rounded; images, characters spoken and audio seconds add up; model names that are Object.prototype properties count like any other')
    t.match(await store.getKey('u-alice', k1.id), { requestCount: 5, errorCount: 1, inputTokens: 110, outputTokens: 27, costMicroUsd: 2303 }, "the key's totals include the cost")

    await store.flushUsage()
    t.equal(store.stats.writes, writes + 1, 'one write for the batch')
    t.same(await store.usageRows('u-alice', { from: '2026-03-09', to: '2026-03-11' }), expected, 'written: the same rows, not counted twice')

    store.recordUsage(k1.id, { ok: true, model: 'gpt-4o', inputTokens: 1, costMicroUsd: 1 })
    const merged = expected.map((r) => r.keyId === k1.id && r.model === 'gpt-4o' ? { ...r, requests: 3, inputTokens: 111, costMicroUsd: 1601 } : r)
    t.same(await store.usageRows('u-alice', ALL), merged, 'written and unwritten usage of the same row are added up')
    t.same(await store.usageRows('u-alice', { from: '2026-03-10', to: '2026-03-10' }), merged.filter((r) => r.day === '2026-03-10'), 'from and to are inclusive days')
    t.same(await store.usageRows('u-alice', { ...ALL, keyId: k2.id }), merged.filter((r) => r.keyId === k2.id), 'one key')
    t.same(await store.usageRows('u-alice', { ...ALL, keyId: kb.id }), [], "bob's key is not alice's")
    t.same(await store.usageRows('u-bob', ALL), [{ ...row('2026-03-10', kb.id, 'gpt-4o', { requests: 1, costMicroUsd: 9 }), userId: 'u-bob' }], 'bob sees his usage only')
    t.same(await store.usageRows('u-nobody', ALL), [])
  })

  t.test(`${backend}: a revoked key's usage rows stay in its owner's history, written or not`, async (t) => {
    const clock = at('2026-03-10T12:00:00Z')
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    const written = await store.createKey('u-alice', KEY_OPTS)
    const unwritten = await store.createKey('u-alice', KEY_OPTS)
    store.recordUsage(written.id, { ok: true, model: 'm', costMicroUsd: 10 })
    await store.flushUsage()
    store.recordUsage(unwritten.id, { ok: true, model: 'm', costMicroUsd: 20 })
    await store.deleteKey('u-alice', written.id)
    await store.deleteKey('u-alice', unwritten.id)
    store.recordUsage(unwritten.id, { ok: true, model: 'm', costMicroUsd: 40 })
    const expected = [row('2026-03-10', written.id, 'm', { requests: 1, costMicroUsd: 10 }), row('2026-03-10', unwritten.id, 'm', { requests: 1, costMicroUsd: 20 })].sort(byDayKeyModel)
    t.same(await store.usageRows('u-alice', ALL), expected, 'both keys, without what came after the revocation')
    t.equal(store.spendOf(unwritten.id, 'total'), 0, 'a revoked key has no spend left to check')
    t.same(await store.recentRequests('u-alice', unwritten.id), undefined, 'nor recent requests')
    await store.flushUsage()
    await store.close()
    t.same(await (await open({ now: () => clock })).usageRows('u-alice', ALL), expected, 'after a restart too')
  })

  t.test(`${backend}: spend per day, ISO week, month and in total follows the clock across boundaries`, async (t) => {
    let clock = at('2026-05-30T12:00:00Z') // a Saturday
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    const k = await store.createKey('u-alice', KEY_OPTS)
    const other = await store.createKey('u-alice', KEY_OPTS)
    const spend = () => ({ day: store.spendOf(k.id, 'day'), week: store.spendOf(k.id, 'week'), month: store.spendOf(k.id, 'month'), total: store.spendOf(k.id, 'total') })

    t.same(spend(), { day: 0, week: 0, month: 0, total: 0 }, 'nothing spent yet')
    store.recordUsage(k.id, { ok: true, costMicroUsd: 100 })
    store.recordUsage(other.id, { ok: true, costMicroUsd: 1000 })
    t.same(spend(), { day: 100, week: 100, month: 100, total: 100 }, 'counted at once, per key')
    clock = at('2026-05-31T23:59:59.999Z') // the Sunday ending the week and the month
    store.recordUsage(k.id, { ok: true, costMicroUsd: 20 })
    t.same(spend(), { day: 20, week: 120, month: 120, total: 120 }, 'a new day; the same week and month')
    const flushing = store.flushUsage()
    t.same(spend(), { day: 20, week: 120, month: 120, total: 120 }, 'while the usage is being written')
    await flushing
    t.same(spend(), { day: 20, week: 120, month: 120, total: 120 }, 'once written: neither dropped nor counted twice')
    store.recordUsage(k.id, { ok: true, costMicroUsd: 3 })
    t.same(spend(), { day: 23, week: 123, month: 123, total: 123 }, 'written and unwritten usage add up')

    clock = at('2026-06-01T00:00:00Z') // Monday: a new day, week and month
    t.same(spend(), { day: 0, week: 0, month: 0, total: 123 })
    store.recordUsage(k.id, { ok: true, costMicroUsd: 7 })
    t.same(spend(), { day: 7, week: 7, month: 7, total: 130 })
    t.equal(store.spendOf(k.id, 'week', at('2026-05-25T00:00:00Z')), 123, 'an earlier period, by `at`')
    t.equal(store.spendOf(k.id, 'month', at('2026-05-15T00:00:00Z')), 123)
    t.equal(store.spendOf(k.id, 'day', at('2026-05-30T23:00:00Z')), 100)

    clock = at('2026-06-30T10:00:00Z') // the Tuesday of a week that ends in July
    store.recordUsage(k.id, { ok: true, costMicroUsd: 10 })
    clock = at('2026-07-01T10:00:00Z')
    store.recordUsage(k.id, { ok: true, costMicroUsd: 5 })
    t.same(spend(), { day: 5, week: 15, month: 5, total: 145 }, 'a week runs across a month boundary')
    t.equal(store.spendOf('key_unknown', 'total'), 0, 'an unknown key has spent nothing')

    await store.close()
    const again = await open({ now: () => clock })
    t.same({ day: again.spendOf(k.id, 'day'), week: again.spendOf(k.id, 'week'), month: again.spendOf(k.id, 'month'), total: again.spendOf(k.id, 'total') }, { day: 5, week: 15, month: 5, total: 145 }, 'the same after a restart')
    t.equal(again.spendOf(other.id, 'day', at('2026-05-30T12:00:00Z')), 1000)
  })

  t.test(`${backend}: listings never dip or double while usage is being written`, async (t) => {
    const clock = at('2026-03-10T12:00:00Z')
    const store = await (await fresh(t))({ now: () => clock })
    const k = await store.createKey('u-alice', KEY_OPTS)
    store.recordUsage(k.id, { ok: true, model: 'm', inputTokens: 4, costMicroUsd: 10 })
    await store.flushUsage()
    store.recordUsage(k.id, { ok: true, model: 'm', inputTokens: 6, costMicroUsd: 30 })
    const totals = { requestCount: 2, inputTokens: 10, costMicroUsd: 40 }
    const rows = [row('2026-03-10', k.id, 'm', { requests: 2, inputTokens: 10, costMicroUsd: 40 })]
    const flushing = store.flushUsage()
    t.match(await store.getKey('u-alice', k.id), totals, 'the key while its usage is in flight')
    t.same(await store.usageRows('u-alice', ALL), rows, 'the rows while they are in flight')
    store.recordUsage(k.id, { ok: true, model: 'm', inputTokens: 1, costMicroUsd: 1 })
    await flushing
    t.match(await store.getKey('u-alice', k.id), { requestCount: 3, inputTokens: 11, costMicroUsd: 41 }, 'after the write, with what came meanwhile')
    t.same(await store.usageRows('u-alice', ALL), [{ ...rows[0], requests: 3, inputTokens: 11, costMicroUsd: 41 }])
  })

  t.test(`${backend}: usage rows older than the retention are pruned when usage is written; totals stay`, async (t) => {
    let clock = at('2026-01-01T12:00:00Z')
    const open = await fresh(t)
    const store = await open({ now: () => clock, usageRetentionDays: 31 })
    const k = await store.createKey('u-alice', KEY_OPTS)
    const use = async (day: string, cost: number) => {
      clock = at(`${day}T12:00:00Z`)
      store.recordUsage(k.id, { ok: true, model: 'm', costMicroUsd: cost })
      await store.flushUsage()
    }
    await use('2026-01-01', 10)
    await use('2026-01-20', 20)
    await use('2026-02-01', 1)
    t.same((await store.usageRows('u-alice', ALL)).map((r) => r.day), ['2026-01-01', '2026-01-20', '2026-02-01'], 'a day 31 days before today is kept')
    t.equal(store.spendOf(k.id, 'month', at('2026-01-15T00:00:00Z')), 30)
    await use('2026-02-02', 2)
    t.same((await store.usageRows('u-alice', ALL)).map((r) => r.day), ['2026-01-20', '2026-02-01', '2026-02-02'], 'a day 32 days before today is pruned by the next write')
    t.match(await store.getKey('u-alice', k.id), { requestCount: 4, costMicroUsd: 33 }, "the key's totals keep everything")
    t.equal(store.spendOf(k.id, 'total'), 33)
    t.equal(store.spendOf(k.id, 'month'), 3)

    await store.close()
    const again = await open({ now: () => clock, usageRetentionDays: 31 })
    t.same((await again.usageRows('u-alice', ALL)).map((r) => r.day), ['2026-01-20', '2026-02-01', '2026-02-02'], 'pruned in storage, not only in memory')
    t.equal(again.spendOf(k.id, 'month', at('2026-01-15T00:00:00Z')), 20, 'spend counts what is kept')
  })

  t.test(`${backend}: usage and spend survive a restart; recent requests are kept in memory only`, async (t) => {
    const clock = at('2026-03-10T12:00:00Z')
    const open = await fresh(t)
    const store = await open({ now: () => clock })
    const k = await store.createKey('u-alice', { ...KEY_OPTS, budget: { usd: 1, period: 'day' } })
    store.recordUsage(k.id, { ok: true, model: 'gpt-4o', inputTokens: 3, outputTokens: 2, reasoningTokens: 1, cachedTokens: 1, costMicroUsd: 70, route: 'POST /v1/chat/completions', status: 200 })
    await store.flushUsage()
    store.recordUsage(k.id, { ok: false, model: 'gpt-4o', costMicroUsd: 5, route: 'POST /v1/chat/completions', status: 502, errorCode: 'upstream_error' })
    const rows = await store.usageRows('u-alice', ALL)
    const view = await store.getKey('u-alice', k.id)
    t.equal((await store.recentRequests('u-alice', k.id))?.length, 2)
    await store.close()

    const again = await open({ now: () => clock })
    t.same(await again.usageRows('u-alice', ALL), rows, 'rows, the unwritten ones flushed on close')
    t.same(await again.getKey('u-alice', k.id), view, 'totals and settings')
    t.equal(again.spendOf(k.id, 'day'), 75)
    t.equal(again.spendOf(k.id, 'total'), 75)
    t.same(await again.recentRequests('u-alice', k.id), [], 'recent requests start empty')
  })

  t.test(`${backend}: a key's recent requests are its newest 200, newest first, for its owner only`, async (t) => {
    const t0 = at('2026-03-10T12:00:00Z')
    const store = await (await fresh(t))({ now: () => t0 })
    const k = await store.createKey('u-alice', KEY_OPTS)
    const quiet = await store.createKey('u-alice', KEY_OPTS)
    t.same(await store.recentRequests('u-alice', k.id), [], 'none yet')
    for (let i = 0; i < 205; i++) {
      store.recordUsage(k.id, {
        ok: i % 2 === 0,
        model: `m${i}`,
        inputTokens: i,
        outputTokens: 1,
        costMicroUsd: 2 * i,
        at: t0 + i * 1000,
        route: 'POST /v1/chat/completions',
        status: i % 2 === 0 ? 200 : 429,
        errorCode: i % 2 === 0 ? null : 'rate_limited',
        ttfbMs: 12,
        durationMs: 340
      })
    }
    const recent = await store.recentRequests('u-alice', k.id)
    t.equal(recent?.length, 200, 'bounded at 200')
    t.same(recent?.map((r) => r.model), Array.from({ length: 200 }, (_, i) => `m${204 - i}`), 'the newest 200, newest first')
    t.same(recent?.[0], { at: new Date(t0 + 204_000).toISOString(), route: 'POST /v1/chat/completions', model: 'm204', status: 200, errorCode: null, inputTokens: 204, outputTokens: 1, costMicroUsd: 408, ttfbMs: 12, durationMs: 340 })
    t.same(recent?.[1], { at: new Date(t0 + 203_000).toISOString(), route: 'POST /v1/chat/completions', model: 'm203', status: 429, errorCode: 'rate_limited', inputTokens: 203, outputTokens: 1, costMicroUsd: 406, ttfbMs: 12, durationMs: 340 })
    t.ok(recent?.every((r) => Object.keys(r).length === 10), 'nothing but the ten fields: no prompt or answer')

    store.recordUsage(quiet.id, { ok: true })
    t.match(await store.recentRequests('u-alice', quiet.id), [{ model: 'unknown' }], 'each key has its own')
    t.equal(await store.recentRequests('u-bob', k.id), undefined, "bob cannot read alice's")
    t.equal(await store.recentRequests('u-alice', 'key_nope'), undefined)
    await store.deleteKey('u-alice', k.id)
    t.equal(await store.recentRequests('u-alice', k.id), undefined, 'gone with the key')
  })
}
