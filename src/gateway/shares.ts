// Limits shared by several instances (one PostgreSQL): each limit is split into shares, and each instance counts its
// requests against the share it holds, in memory, as it would against the whole limit on its own. It asks the
// backend for more units only when its share is used up (one round trip, then none while the share lasts), and gives
// back what it did not use in the last second, so the units follow the load. The backend never grants units beyond
// the limit less what live instances hold, so the instances together never exceed it; an instance's shares are
// leases it renews every second, and those of an instance that died stop counting when their lease runs out.
// Pure: the backend, the clock and the timer are injected.

/** The shared ledger of units (the PostgreSQL store's limit_shares table). */
export interface ShareBackend {
  /** This instance's id in the ledger. */
  readonly instance: string
  /** How long a share lives unless renewed, in ms. */
  readonly leaseMs: number
  /**
   * Takes up to `want` more units of `resource`, whose units held by live instances must stay within `limit`;
   * resolves to the units granted (0 when the others hold the rest).
   */
  take (resource: string, limit: number, want: number): Promise<number>
  /**
   * Gives back units and renews the lease of every share still held, in one round trip; resolves to the units the
   * ledger still holds for this instance by resource (a share missing there was lost: it expired).
   */
  renew (giveBack: ReadonlyMap<string, number>): Promise<Map<string, number>>
  /** Gives back every share of this instance (shutdown). */
  releaseAll (): Promise<void>
  /** Asks the other instances to give back the units of `resource` they hold and do not use (optional). */
  want?: (resource: string) => Promise<void>
  /** Where another instance's `want` is heard. */
  onWanted?: (listener: (resource: string) => void) => void
}

/** One limited resource as this instance sees it: its share and how much of it is in use. */
export interface Share {
  readonly resource: string
  /** Units this instance holds: its limit for now. */
  held: number
  /** The most units in use at once since the last renewal (concurrency: calls in flight). */
  peak: number
  /** Units that cannot be given back now (calls in flight; requests still in a rate window; all while some wait). */
  inUse: () => number
  /** The take in flight for this resource, shared by the requests that need it. */
  taking: Promise<number> | null
  /** Until when a take that granted nothing is not asked again (the others hold the rest). */
  refusedUntil: number
  /** Takes completed: a renewal that raced one does not judge this share by its answer. */
  granted: number
}

interface SharesOptions {
  backend: ShareBackend
  /** How often shares are renewed and unused units given back (ms). */
  renewMs?: number
  /** How long a take that granted nothing is trusted before asking again (ms). */
  refusedMs?: number
  /** How long after a failed take the ledger is not asked again, takes being granted alone meanwhile (ms). */
  offlineMs?: number
  /** Waits `ms` (a refused take's pause while the others give back what they do not use). */
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
  onError?: (err: unknown, what: 'take' | 'renew') => void
}

export const RENEW_MS = 1000
export const REFUSED_MS = 250
/** After asking the others for units they do not use, how long a refused take waits before it asks the ledger again. */
export const WANT_WAIT_MS = 40
export const OFFLINE_MS = 1000

export class Shares {
  private readonly backend: ShareBackend
  private readonly refusedMs: number
  private readonly now: () => number
  private readonly onError: (err: unknown, what: 'take' | 'renew') => void
  private readonly clearTimer: (handle: unknown) => void
  private readonly timer: unknown
  private readonly shares = new Map<string, Share>()
  /** Units given back locally that the ledger has not yet been told of (a renewal failed). */
  private readonly owed = new Map<string, number>()
  private renewing: Promise<void> | null = null
  /** Until when takes are granted without asking the ledger, which just failed to answer. */
  private offlineUntil = 0
  private readonly offlineMs: number
  private closed = false
  /** Round trips to the backend, for tests and the bench. */
  readonly stats = { takes: 0, renewals: 0, wants: 0, givenOnWant: 0 }
  private readonly sleep: (ms: number) => Promise<void>

  constructor (opts: SharesOptions) {
    this.backend = opts.backend
    this.refusedMs = opts.refusedMs ?? REFUSED_MS
    this.offlineMs = opts.offlineMs ?? OFFLINE_MS
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.backend.onWanted?.((resource) => this.wanted(resource))
    this.now = opts.now ?? (() => performance.now())
    this.onError = opts.onError ?? (() => {})
    this.clearTimer = opts.clearTimer ?? ((handle) => clearInterval(handle as NodeJS.Timeout))
    const renewMs = opts.renewMs ?? RENEW_MS
    if (renewMs * 2 >= this.backend.leaseMs) throw new Error(`Shares must be renewed well within their lease (every ${renewMs} ms for a lease of ${this.backend.leaseMs} ms)`)
    const setTimer = opts.setTimer ?? ((fn, ms) => {
      const handle = setInterval(fn, ms)
      handle.unref()
      return handle
    })
    this.timer = setTimer(() => { this.renew().catch(() => {}) }, renewMs)
  }

  /**
   * The share of a resource (made on first use, holding nothing); `inUse` tells what cannot be given back. Asked
   * again (a new owner: a queue bucket made again after it was swept), the share tells by the new `inUse`.
   */
  share (resource: string, inUse: () => number): Share {
    let share = this.shares.get(resource)
    if (share === undefined) {
      share = { resource, held: 0, peak: 0, inUse, taking: null, refusedUntil: 0, granted: 0 }
      this.shares.set(resource, share)
    } else {
      share.inUse = inUse
    }
    return share
  }

  /** Shares tracked (for tests). */
  get size (): number {
    return this.shares.size
  }

  /**
   * Asks for `want` more units of a share whose total is `limit`: resolves to the units granted (0: the others hold
   * the rest, or the ledger cannot be reached). Requests that need the same share at once wait on one round trip; a
   * refusal is trusted for a moment, so a refused burst costs one round trip, not one per request.
   */
  take (share: Share, limit: number, want: number): Promise<number> {
    if (this.closed || share.held >= limit) return Promise.resolve(0)
    if (share.taking !== null) return share.taking
    // A share that was forgotten (idle at a renewal) while its owner kept it is tracked again.
    if (this.shares.get(share.resource) !== share) this.shares.set(share.resource, share)
    const at = this.now()
    if (at < this.offlineUntil) return Promise.resolve(this.alone(share, limit, want))
    if (at < share.refusedUntil) return Promise.resolve(0)
    this.stats.takes++
    const taking = this.ask(share, limit, want).then((granted) => {
      if (this.closed) return 0
      share.held += granted
      share.granted++
      if (granted === 0) share.refusedUntil = this.now() + this.refusedMs
      return granted
    }, (err) => {
      // The ledger cannot be reached: this instance holds the limit alone until it can (each instance may then use
      // the whole limit), the next renewal that reaches it takes back what the ledger does not hold.
      this.onError(err, 'take')
      this.offlineUntil = this.now() + this.offlineMs
      return this.alone(share, limit, want)
    }).finally(() => { share.taking = null })
    share.taking = taking
    return taking
  }

  /**
   * One take from the ledger. Refused, and the backend can say so to the others: they are asked to give back what
   * they hold unused (units an instance used a moment ago stay with it until its next renewal otherwise), and the
   * ledger is asked once more a moment later.
   */
  private async ask (share: Share, limit: number, want: number): Promise<number> {
    const granted = await this.backend.take(share.resource, limit, Math.min(want, limit - share.held))
    if (granted > 0 || this.backend.want === undefined) return granted
    this.stats.wants++
    await this.backend.want(share.resource)
    await this.sleep(WANT_WAIT_MS)
    if (this.closed || share.held >= limit) return 0
    return this.backend.take(share.resource, limit, Math.min(want, limit - share.held))
  }

  /**
   * Another instance needs units of `resource`: what this one holds of it beyond what is in use now goes back at
   * once (one statement), not at the next renewal.
   */
  private wanted (resource: string): void {
    const share = this.shares.get(resource)
    if (share === undefined || share.taking !== null || this.closed) return
    const spare = share.held - Math.min(share.held, share.inUse())
    if (spare <= 0) return
    share.held -= spare
    share.peak = Math.min(share.peak, share.held)
    this.stats.givenOnWant += spare
    this.backend.renew(new Map([[resource, spare]])).catch((err) => {
      this.owed.set(resource, (this.owed.get(resource) ?? 0) + spare)
      this.onError(err, 'renew')
    })
  }

  /** Units granted without the ledger (it cannot be reached): as if this instance were alone. */
  private alone (share: Share, limit: number, want: number): number {
    const granted = Math.max(0, Math.min(want, limit - share.held))
    share.held += granted
    return granted
  }

  /** Notes how many units are in use now (concurrency: after each grant), so a renewal keeps what was used at once. */
  used (share: Share, units: number): void {
    if (units > share.peak) share.peak = units
  }

  /**
   * Each second: gives back the units not used since the last renewal (keeping the peak in use, and all while a take
   * or a waiter needs them), renews the lease of the rest, and drops what the ledger says was lost.
   */
  renew (): Promise<void> {
    if (this.renewing !== null || this.closed) return this.renewing ?? Promise.resolve()
    const giveBack = new Map(this.owed)
    this.owed.clear()
    const asOf = new Map<Share, number>()
    for (const share of this.shares.values()) {
      const keep = Math.min(share.held, Math.max(share.peak, share.inUse()))
      share.peak = 0
      if (share.taking !== null) continue
      asOf.set(share, share.granted)
      if (keep < share.held) {
        giveBack.set(share.resource, (giveBack.get(share.resource) ?? 0) + share.held - keep)
        share.held = keep
      }
      if (share.held === 0 && share.inUse() === 0) this.shares.delete(share.resource)
    }
    // Nothing held and nothing to give back: no round trip (an idle instance sends nothing).
    if (giveBack.size === 0 && this.shares.size === 0) return Promise.resolve()
    this.stats.renewals++
    this.renewing = this.backend.renew(giveBack).then((ledger) => {
      for (const [share, granted] of asOf) {
        // Lost (the lease ran out while the ledger could not be reached): the units may be another instance's now.
        const kept = ledger.get(share.resource) ?? 0
        if (share.taking === null && share.granted === granted && share.held > kept) share.held = kept
      }
    }, (err) => {
      for (const [resource, units] of giveBack) this.owed.set(resource, (this.owed.get(resource) ?? 0) + units)
      this.onError(err, 'renew')
    }).finally(() => { this.renewing = null })
    return this.renewing
  }

  /** Stops renewing and gives every share back (shutdown): the other instances can take them at once. */
  async close (): Promise<void> {
    if (this.closed) return
    this.clearTimer(this.timer)
    await this.renewing
    this.closed = true
    for (const share of this.shares.values()) share.held = 0
    this.shares.clear()
    await this.backend.releaseAll().catch((err) => this.onError(err, 'renew'))
  }
}

export function createShares (opts: SharesOptions): Shares {
  return new Shares(opts)
}
