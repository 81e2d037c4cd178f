// Each key's estimated spend, in memory, for budgets checked on every request: per UTC day, all-time, and a cached
// sum per budget period that is recomputed only when the period moves on.
import { periodBounds, utcDay } from './periods.ts'
import type { BudgetPeriod } from './types.ts'

const DAY_MS = 86_400_000

interface KeySpend {
  /** Every request of the key, in micro-dollars. */
  total: number
  /** Micro-dollars by UTC day (YYYY-MM-DD), as far back as usage rows are kept. */
  days: Map<string, number>
  /** The sum of the period holding the last time asked about, per period. */
  periods: Map<BudgetPeriod, { start: number, end: number, sum: number }>
}

export function createSpendIndex () {
  const keys = new Map<string, KeySpend>()

  function entry (keyId: string): KeySpend {
    let s = keys.get(keyId)
    if (!s) {
      s = { total: 0, days: new Map(), periods: new Map() }
      keys.set(keyId, s)
    }
    return s
  }

  return {
    /** What a key spent before this process started: its all-time total and its stored days. */
    load (keyId: string, total: number, days: Iterable<[day: string, microUsd: number]>) {
      const s = entry(keyId)
      s.total += total
      for (const [day, micro] of days) s.days.set(day, (s.days.get(day) ?? 0) + micro)
      s.periods.clear()
    },
    /** Counts what one request cost, at `atMs` (on `day`, its UTC day). */
    add (keyId: string, atMs: number, day: string, microUsd: number) {
      if (microUsd <= 0) return
      const s = entry(keyId)
      s.total += microUsd
      s.days.set(day, (s.days.get(day) ?? 0) + microUsd)
      for (const p of s.periods.values()) if (atMs >= p.start && atMs < p.end) p.sum += microUsd
    },
    /** The key's spend in the period holding `atMs` ('total': all of it); 0 for a key that never spent. */
    of (keyId: string, period: BudgetPeriod, atMs: number): number {
      const s = keys.get(keyId)
      if (!s) return 0
      const bounds = periodBounds(period, atMs)
      if (!bounds) return s.total
      const cached = s.periods.get(period)
      if (cached?.start === bounds.start) return cached.sum
      let sum = 0
      for (let d = bounds.start; d < bounds.end; d += DAY_MS) sum += s.days.get(utcDay(d)) ?? 0
      s.periods.set(period, { ...bounds, sum })
      return sum
    },
    forget (keyId: string) {
      keys.delete(keyId)
    },
    /** Drops the days before `firstKept` (YYYY-MM-DD), as usage rows are pruned. */
    prune (firstKept: string) {
      for (const s of keys.values()) {
        for (const day of s.days.keys()) if (day < firstKept) s.days.delete(day)
      }
    }
  }
}
