// Key usage counted in memory between flushes (totals per key, rows per UTC day and model), and key views that
// include it: the hot path never waits for storage.
import { utcDay } from './periods.ts'
import type { KeyRecord, KeyView, UsageCounters, UsageOutcome, UsageRow, UsageTotals } from './types.ts'

/** A count Puter or the caller reported, made safe to store: the schemas want an integer ≥ 0 and a file breaking them is refused. */
export function tokenCount (n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0
}

export function zeroCounters (): UsageCounters {
  return { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedTokens: 0, images: 0, speechCharacters: 0, audioSeconds: 0, costMicroUsd: 0 }
}

/** Adds the counters of `from` to `into`. */
export function addCounters (into: UsageCounters, from: UsageCounters): void {
  into.requests += from.requests
  into.errors += from.errors
  into.inputTokens += from.inputTokens
  into.outputTokens += from.outputTokens
  into.reasoningTokens += from.reasoningTokens
  into.cachedTokens += from.cachedTokens
  into.images += from.images
  into.speechCharacters += from.speechCharacters
  into.audioSeconds += from.audioSeconds
  into.costMicroUsd += from.costMicroUsd
}

/** One finished request, sanitised: what every part of the usage bookkeeping counts. */
export interface CountedRequest {
  atMs: number
  /** Its UTC day, YYYY-MM-DD. */
  day: string
  model: string
  counters: UsageCounters
}

export function countRequest (outcome: UsageOutcome, now: () => number): CountedRequest {
  const atMs = typeof outcome.at === 'number' && Number.isFinite(outcome.at) ? outcome.at : now()
  return {
    atMs,
    day: utcDay(atMs),
    model: outcome.model || 'unknown',
    counters: {
      requests: 1,
      errors: outcome.ok ? 0 : 1,
      inputTokens: tokenCount(outcome.inputTokens),
      outputTokens: tokenCount(outcome.outputTokens),
      reasoningTokens: tokenCount(outcome.reasoningTokens),
      cachedTokens: tokenCount(outcome.cachedTokens),
      images: tokenCount(outcome.images),
      speechCharacters: tokenCount(outcome.speechCharacters),
      audioSeconds: tokenCount(outcome.audioSeconds),
      costMicroUsd: tokenCount(outcome.costMicroUsd)
    }
  }
}

/** A key's usage of a model on a day, not yet written. */
export interface PendingRow extends UsageCounters {
  day: string
  model: string
}

/** The key of a day/model row within one key's rows: the day comes first, so no model name can collide with anything. */
export function rowKey (day: string, model: string): string {
  return `${day}|${model}`
}

/** What a key was used for since the last flush: totals (as a key record counts them) and rows. */
export interface PendingUsage {
  userId: string
  lastUsedMs: number
  totals: UsageCounters
  /** By rowKey(day, model). */
  rows: Map<string, PendingRow>
}

/** The usage totals of a record (and nothing else of it), with pending usage added. */
export function addUsage (totals: UsageTotals, p: Pick<PendingUsage, 'lastUsedMs' | 'totals'> | undefined): UsageTotals {
  const { lastUsedAt, requestCount, errorCount, inputTokens, outputTokens, costMicroUsd } = totals
  if (!p) return { lastUsedAt, requestCount, errorCount, inputTokens, outputTokens, costMicroUsd }
  // The time is kept as a number while pending (this runs on every request) and formatted only here.
  const later = lastUsedAt === null || Date.parse(lastUsedAt) < p.lastUsedMs
  return {
    lastUsedAt: later ? new Date(p.lastUsedMs).toISOString() : lastUsedAt,
    requestCount: requestCount + p.totals.requests,
    errorCount: errorCount + p.totals.errors,
    inputTokens: inputTokens + p.totals.inputTokens,
    outputTokens: outputTokens + p.totals.outputTokens,
    costMicroUsd: costMicroUsd + p.totals.costMicroUsd
  }
}

/**
 * A key as its owner sees it, with the usage not yet flushed: no digest, secret or rotated-out digest, and copies of
 * its settings (a caller changing the view cannot change the record).
 */
export function keyView (record: KeyRecord, pending: Pick<PendingUsage, 'lastUsedMs' | 'totals'> | undefined, nowMs: number): KeyView {
  const { digest, secret, previous, allowedModels, limits, budget, ...rest } = record
  return {
    ...rest,
    allowedModels: [...allowedModels],
    limits: { ...limits },
    budget: budget && { ...budget },
    ...addUsage(record, pending),
    hasSecret: secret !== undefined,
    previousExpiresAt: previous && Date.parse(previous.expiresAt) > nowMs ? previous.expiresAt : null
  }
}

function mergeInto (into: Map<string, PendingUsage>, keyId: string, p: PendingUsage) {
  const u = into.get(keyId)
  if (!u) {
    into.set(keyId, p)
    return
  }
  u.lastUsedMs = Math.max(u.lastUsedMs, p.lastUsedMs)
  addCounters(u.totals, p.totals)
  for (const [k, row] of p.rows) {
    const r = u.rows.get(k)
    if (r) addCounters(r, row)
    else u.rows.set(k, row)
  }
}

/**
 * Usage counted since the last flush. A flush takes it and, until its write is committed (settle) or has failed
 * (restore), it stays "in flight": still part of what get() and rows() report, so a view never dips during a write.
 */
export function createUsageBuffer () {
  let pending = new Map<string, PendingUsage>()
  const inFlight = new Set<Map<string, PendingUsage>>()

  return {
    /** Keys with usage not yet taken by a flush. */
    get size () {
      return pending.size
    },
    /** A key's usage not yet committed: its last use and totals. */
    get (keyId: string): Pick<PendingUsage, 'lastUsedMs' | 'totals'> | undefined {
      const p = pending.get(keyId)
      if (inFlight.size === 0) return p
      let sum: Pick<PendingUsage, 'lastUsedMs' | 'totals'> | undefined
      for (const u of [p, ...[...inFlight].map((m) => m.get(keyId))]) {
        if (!u) continue
        sum ??= { lastUsedMs: u.lastUsedMs, totals: zeroCounters() }
        sum.lastUsedMs = Math.max(sum.lastUsedMs, u.lastUsedMs)
        addCounters(sum.totals, u.totals)
      }
      return sum
    },
    /** Counts one request of a key of `userId`. */
    add (keyId: string, userId: string, req: CountedRequest) {
      let u = pending.get(keyId)
      if (!u) {
        u = { userId, lastUsedMs: req.atMs, totals: zeroCounters(), rows: new Map() }
        pending.set(keyId, u)
      }
      u.lastUsedMs = Math.max(u.lastUsedMs, req.atMs)
      addCounters(u.totals, req.counters)
      const k = rowKey(req.day, req.model)
      let row = u.rows.get(k)
      if (!row) {
        row = { day: req.day, model: req.model, ...zeroCounters() }
        u.rows.set(k, row)
      }
      addCounters(row, req.counters)
    },
    /** The user's rows not yet committed, with their key id (one row per key, day and model may come more than once). */
    * rows (userId: string): Generator<[string, PendingRow]> {
      for (const m of [pending, ...inFlight]) {
        for (const [keyId, u] of m) {
          if (u.userId !== userId) continue
          for (const row of u.rows.values()) yield [keyId, row]
        }
      }
    },
    /** Takes everything counted so far, to be written; settle() once it is committed, restore() when it failed. */
    take (): Map<string, PendingUsage> {
      const taken = pending
      pending = new Map()
      inFlight.add(taken)
      return taken
    },
    settle (taken: Map<string, PendingUsage>) {
      inFlight.delete(taken)
    },
    /** Puts back what take() or dropUser() removed, to be written by the next flush. */
    restore (taken: Map<string, PendingUsage>) {
      inFlight.delete(taken)
      for (const [keyId, p] of taken) mergeInto(pending, keyId, p)
    },
    /** Removes what a user's keys counted (a deleted user), in flight included; returns it, for restore() if the deletion fails. */
    dropUser (userId: string): Map<string, PendingUsage> {
      const dropped = new Map<string, PendingUsage>()
      for (const m of [pending, ...inFlight]) {
        for (const [keyId, u] of m) {
          if (u.userId !== userId) continue
          m.delete(keyId)
          mergeInto(dropped, keyId, u)
        }
      }
      return dropped
    }
  }
}

/** Plain code-unit order, the same in every locale (ids and days are ASCII). */
function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The order usageRows answers in, for every backend: by day, key, model. */
export function byDayKeyModel (a: UsageRow, b: UsageRow): number {
  return cmp(a.day, b.day) || cmp(a.keyId, b.keyId) || cmp(a.model, b.model)
}
