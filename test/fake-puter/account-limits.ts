// Puter's per-account AI limits for the fake (drivers/util/aiLimits.ts; /work/shared/api-surfaces.md §4): per user and
// (interface, method), so many calls in flight and so many per sliding 10 s, past which Puter answers 429
// too_many_requests without Retry-After. Off unless a test sets limits for an account; every account's peak of calls
// in flight is counted either way.

export interface AccountLimit {
  /** Calls in flight at once. */
  concurrency: number
  /** Calls per 10 s (sliding window). */
  window: number
}

/** `user_free`: 3 in flight, 30 per 10 s. */
export const FREE_LIMITS: Readonly<AccountLimit> = { concurrency: 3, window: 30 }
/** Any paid plan: 20 in flight, 200 per 10 s. */
export const PAID_LIMITS: Readonly<AccountLimit> = { concurrency: 20, window: 200 }

export interface AccountStats {
  inFlight: number
  /** The most calls Puter admitted for this account that were in flight at once (all methods). */
  peakInFlight: number
  admitted: number
  /** Calls answered 429 too_many_requests. */
  refused: number
}

interface Bucket {
  inFlight: number
  /** When each admitted call of the last window arrived, oldest first. */
  times: number[]
}

export interface AccountLimits {
  /** Limits for one account by username; null lifts them (the fake's default). */
  set (username: string, limit: AccountLimit | null): void
  /**
   * Admits a call of `username` or refuses it as Puter does (the window is checked first, then concurrency; refused
   * calls are not counted). Returns Puter's message for a refusal, undefined when admitted; an admitted call holds
   * its slot until `res` closes (a stream until its end).
   */
  admit (username: string, iface: string, method: string, res: { once (event: 'close', fn: () => void): unknown }): string | undefined
  stats (username: string): AccountStats
  reset (): void
}

export function createAccountLimits (opts: { windowMs?: number, now?: () => number } = {}): AccountLimits {
  const windowMs = opts.windowMs ?? 10_000
  const now = opts.now ?? Date.now
  const limits = new Map<string, AccountLimit>()
  const buckets = new Map<string, Bucket>()
  const stats = new Map<string, AccountStats>()

  const statsOf = (username: string): AccountStats => {
    let s = stats.get(username)
    if (!s) {
      s = { inFlight: 0, peakInFlight: 0, admitted: 0, refused: 0 }
      stats.set(username, s)
    }
    return s
  }

  return {
    set (username, limit) {
      if (limit === null) limits.delete(username)
      else limits.set(username, { ...limit })
    },

    admit (username, iface, method, res) {
      const s = statsOf(username)
      const key = `${username}\n${iface}:${method}`
      let bucket = buckets.get(key)
      if (!bucket) {
        bucket = { inFlight: 0, times: [] }
        buckets.set(key, bucket)
      }
      const limit = limits.get(username)
      if (limit) {
        const at = now()
        while (bucket.times.length > 0 && at - bucket.times[0] >= windowMs) bucket.times.shift()
        const refusal = bucket.times.length >= limit.window
          ? 'Too many requests.'
          : bucket.inFlight >= limit.concurrency ? 'Too many concurrent requests.' : undefined
        if (refusal) {
          s.refused++
          return refusal
        }
        bucket.times.push(at)
      }
      const b = bucket
      b.inFlight++
      s.inFlight++
      s.admitted++
      s.peakInFlight = Math.max(s.peakInFlight, s.inFlight)
      res.once('close', () => {
        b.inFlight--
        s.inFlight--
      })
      return undefined
    },

    stats (username) {
      return { ...statsOf(username) }
    },

    reset () {
      limits.clear()
      buckets.clear()
      stats.clear()
    }
  }
}
