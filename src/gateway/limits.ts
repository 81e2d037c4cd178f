// In-memory request limits with O(1) checks: requests in flight per key, and failed authentications per client address.

/** Counts requests in flight per id; tryAcquire refuses past the cap. */
export function createInflightCounter () {
  const counts = new Map<string, number>()
  return {
    tryAcquire (id: string, cap: number): boolean {
      const n = counts.get(id) ?? 0
      if (n >= cap) return false
      counts.set(id, n + 1)
      return true
    },
    release (id: string): void {
      const n = counts.get(id) ?? 0
      if (n <= 1) counts.delete(id)
      else counts.set(id, n - 1)
    },
    count (id: string): number {
      return counts.get(id) ?? 0
    }
  }
}

interface FailureLimiterOptions {
  /** Failures allowed per window and address. */
  max: number
  windowMs: number
  /** Addresses tracked at most; the table is cleared when full, which only ever forgives (bounded memory). */
  maxEntries?: number
  now?: () => number
}

/** Fixed-window counter of failures per address: `fail()` records one and says how long the address must wait. */
export function createFailureLimiter (opts: FailureLimiterOptions) {
  const now = opts.now ?? Date.now
  const maxEntries = opts.maxEntries ?? 10_000
  const windows = new Map<string, { count: number, resetAt: number }>()
  return {
    /** Records a failure; returns the seconds to wait when the address is over the limit, else 0. */
    fail (address: string): number {
      const at = now()
      let w = windows.get(address)
      if (!w || w.resetAt <= at) {
        if (!w && windows.size >= maxEntries) windows.clear()
        w = { count: 0, resetAt: at + opts.windowMs }
        windows.set(address, w)
      }
      w.count++
      return w.count > opts.max ? Math.max(1, Math.ceil((w.resetAt - at) / 1000)) : 0
    }
  }
}
