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
    /** The seconds the address must wait when it is over the limit already, else 0; records nothing. */
    blocked (address: string): number {
      const w = windows.get(address)
      const at = now()
      return w !== undefined && w.resetAt > at && w.count >= opts.max ? Math.max(1, Math.ceil((w.resetAt - at) / 1000)) : 0
    },
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

/** What a sliding window says of one request: allowed or not, and the figures of OpenAI's x-ratelimit headers. */
export interface WindowVerdict {
  ok: boolean
  limit: number
  /** Requests still allowed in the window after this one. */
  remaining: number
  /** Milliseconds until a refused request could pass (the oldest request leaves the window); 0 when allowed. */
  retryMs: number
  /** Milliseconds until the window is empty again (every request in it has left): x-ratelimit-reset-requests. */
  resetMs: number
}

/**
 * Requests per window per id, counted over a sliding window: the exact times of the requests still in the window, in
 * a ring that doubles when full (up to the limit), so `take()` is O(1) amortised and a ring holds no more than the
 * busiest minute needed. A changed limit applies from the next request.
 */
export function createSlidingWindows (opts: { windowMs: number, now?: () => number }) {
  const now = opts.now ?? Date.now
  const rings = new Map<string, { times: number[], head: number, count: number }>()
  return {
    take (id: string, limit: number): WindowVerdict {
      const at = now()
      let r = rings.get(id)
      if (!r) {
        r = { times: new Array<number>(Math.min(limit, 8)).fill(0), head: 0, count: 0 }
        rings.set(id, r)
      }
      // Forget requests that left the window.
      while (r.count > 0 && r.times[r.head] <= at - opts.windowMs) {
        r.head = (r.head + 1) % r.times.length
        r.count--
      }
      if (r.count >= limit) {
        const newest = r.times[(r.head + r.count - 1) % r.times.length]
        return { ok: false, limit, remaining: 0, retryMs: r.times[r.head] + opts.windowMs - at, resetMs: newest + opts.windowMs - at }
      }
      if (r.count === r.times.length) {
        // Full below the limit: twice the room, oldest first.
        const grown = new Array<number>(Math.min(limit, r.times.length * 2)).fill(0)
        for (let i = 0; i < r.count; i++) grown[i] = r.times[(r.head + i) % r.times.length]
        r.times = grown
        r.head = 0
      }
      r.times[(r.head + r.count) % r.times.length] = at
      r.count++
      return { ok: true, limit, remaining: limit - r.count, retryMs: 0, resetMs: opts.windowMs }
    },
    /** Requests of the id still in the window. */
    inWindow (id: string): number {
      const r = rings.get(id)
      if (!r) return 0
      const since = now() - opts.windowMs
      let n = r.count
      for (let i = 0; i < r.count && r.times[(r.head + i) % r.times.length] <= since; i++) n--
      return n
    },
    /** Forgets an id (its key was revoked). */
    drop (id: string): void {
      rings.delete(id)
    }
  }
}
