// Queueing per Puter account: Puter lets each account have so many AI calls in flight and so many per 10 s for each
// driver method, and answers 429 too_many_requests past that. This keeps each account's calls under limits learnt
// from Puter's answers, the others waiting in a FIFO queue with a deadline. Pure: an injectable clock and timers, no I/O.
import { errors, withDetails } from '../errors.ts'
import { REFUSED_MS, type Share, type Shares } from './shares.ts'
import { clamp, newLevel, type Bounds } from './adaptive-limit.ts'
import { addGrant, advance, newWindow, oldestLeavesAt } from './grant-window.ts'
import { QueueAbandoned, Slot, concurrencyOf, shareLimits, windowOf, type Abortable, type Bucket, type CallName, type Waiter } from './queue-slot.ts'

/** Puter's free tier (`user_free` in its drivers/util/aiLimits.ts): where every account starts, its plan being unknown. */
const FREE_CONCURRENCY = 3
const FREE_WINDOW = 30

/** Idle buckets (nothing in flight or queued) are forgotten after this; an account comes back at the free tier's limits, the safe start. */
const IDLE_MS = 30 * 60_000
const SWEEP_EVERY_MS = 60_000
/** A retry-after for a queue full of calls in flight: no one knows when a stream ends. */
const BUSY_RETRY_SECONDS = 5

export type { Bounds }
export { QueueAbandoned, Slot }
export type { Abortable, LimitKind } from './queue-slot.ts'

export interface PuterQueueOptions {
  /** Longest a request waits for a turn (PUTER_QUEUE_TIMEOUT_SECONDS). */
  timeoutMs: number
  /** Calls in flight per account and driver method: the adaptive limit stays within these (equal: pinned). */
  concurrency: Bounds
  /** Calls per 10 s per account and driver method. */
  window: Bounds
  /** A monotonic clock in ms. */
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
  /** Buckets kept at most, besides busy ones. */
  maxBuckets?: number
  /** Several instances on one database: each account's limits are shared by them (this instance holds a share). */
  shares?: Shares | null
}

export class PuterQueue {
  readonly timeoutMs: number
  readonly concurrencyBounds: Bounds
  readonly windowBounds: Bounds
  readonly now: () => number
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (handle: unknown) => void
  private readonly maxBuckets: number
  private readonly shares: Shares | null
  /** Each account's buckets, one per driver method it used: a short list, found without building a key string (a
   * concatenated key cost ~200 ns per request in its hashing alone). */
  private readonly accounts = new Map<string, Bucket[]>()
  private buckets = 0
  private lastSweep: number
  /** Told how long each call that had to wait waited, and how its wait ended (set by the metrics plugin). */
  onWaited: ((ms: number, end: 'granted' | 'timeout' | 'abandoned') => void) | undefined

  constructor (opts: PuterQueueOptions) {
    for (const [name, b] of [['concurrency', opts.concurrency], ['window', opts.window]] as const) {
      if (!(b.min >= 1 && b.min <= b.max)) throw new Error(`The ${name} bounds of the Puter account queue must satisfy 1 <= min <= max (got ${b.min} and ${b.max})`)
    }
    this.timeoutMs = opts.timeoutMs
    this.concurrencyBounds = { ...opts.concurrency }
    this.windowBounds = { ...opts.window }
    this.now = opts.now ?? (() => performance.now())
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.clearTimer = opts.clearTimer ?? ((handle) => clearTimeout(handle as NodeJS.Timeout))
    this.maxBuckets = opts.maxBuckets ?? 10_000
    this.shares = opts.shares ?? null
    this.lastSweep = this.now()
  }

  /** A turn now, or null when the account must wait (its limits are reached, or others wait before it). No timer, no promise. */
  tryAcquire (account: string, call: CallName): Slot | null {
    const bucket = this.bucketOf(account, call)
    if (bucket.waiters.length > 0) return null
    const at = this.now()
    advance(bucket, at)
    if (bucket.inFlight >= concurrencyOf(bucket) || bucket.count >= windowOf(bucket)) return null
    return this.grant(bucket, at, 0, false, false)
  }

  /**
   * Waits for a turn, in FIFO order (`front`: before the others, for a retry of a call that had its turn). Rejects
   * with PuterQueueTimeout after `timeoutMs` (default: the queue's), or QueueAbandoned as soon as `signal` aborts.
   */
  acquire (account: string, call: CallName, signal?: Abortable, opts: { front?: boolean, timeoutMs?: number } = {}): Promise<Slot> {
    if (signal?.aborted === true) return Promise.reject(new QueueAbandoned())
    const bucket = this.bucketOf(account, call)
    const at = this.now()
    advance(bucket, at)
    const slotFull = bucket.inFlight >= concurrencyOf(bucket)
    const windowFull = bucket.count >= windowOf(bucket)
    if (!slotFull && !windowFull && (bucket.waiters.length === 0 || opts.front === true)) return Promise.resolve(this.grant(bucket, at, 0, false, false))
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    if (timeoutMs <= 0) return Promise.reject(this.timeoutError(bucket, 0))
    return new Promise<Slot>((resolve, reject) => {
      // A wait for a share the other instances hold is not a wait on Puter's limit: it does not grow the limit.
      const waiter: Waiter = { resolve, reject, queuedAt: at, timer: undefined, signal, onAbort: undefined, waitedForSlot: bucket.inFlight >= bucket.concurrency.value, waitedForWindow: bucket.count >= bucket.window.value }
      const leave = () => {
        const i = bucket.waiters.indexOf(waiter)
        if (i !== -1) bucket.waiters.splice(i, 1)
        this.clearTimer(waiter.timer)
        if (signal && waiter.onAbort) signal.removeListener('abort', waiter.onAbort)
        bucket.lastUsed = this.now()
      }
      waiter.timer = this.setTimer(() => {
        leave()
        const waited = this.now() - at
        this.onWaited?.(waited, 'timeout')
        reject(this.timeoutError(bucket, waited))
      }, timeoutMs)
      if (signal) {
        waiter.onAbort = () => {
          leave()
          this.onWaited?.(this.now() - at, 'abandoned')
          reject(new QueueAbandoned())
        }
        signal.once('abort', waiter.onAbort)
      }
      if (opts.front === true) bucket.waiters.unshift(waiter)
      else bucket.waiters.push(waiter)
      this.drain(bucket)
    })
  }

  /** Seconds a client should wait before trying this account and method again: until the window frees, or a few when calls are in flight. */
  retryAfterSeconds (account: string, call: CallName): number {
    const bucket = this.find(account, call)
    return bucket === undefined ? 1 : this.retryAfterOf(bucket)
  }

  /** The limits and load of one account and method (for tests and logs); undefined when it has none. */
  stats (account: string, call: CallName) {
    const bucket = this.find(account, call)
    if (!bucket) return undefined
    advance(bucket, this.now())
    return {
      concurrency: bucket.concurrency.value,
      window: bucket.window.value,
      inFlight: bucket.inFlight,
      inWindow: bucket.count,
      queued: bucket.waiters.length,
      concurrencyCeiling: bucket.concurrency.ceiling,
      windowCeiling: bucket.window.ceiling
    }
  }

  /**
   * The load of every account together, for metrics: calls waiting and in flight, and how many accounts have calls
   * waiting. O(buckets), read at scrape time; no account is named.
   */
  load (): { waiting: number, inFlight: number, accountsWaiting: number } {
    let waiting = 0
    let inFlight = 0
    let accountsWaiting = 0
    for (const list of this.accounts.values()) {
      let accountWaiting = 0
      for (const bucket of list) {
        accountWaiting += bucket.waiters.length
        inFlight += bucket.inFlight
      }
      waiting += accountWaiting
      if (accountWaiting > 0) accountsWaiting++
    }
    return { waiting, inFlight, accountsWaiting }
  }

  /** Buckets held in memory. */
  get size (): number {
    return this.buckets
  }

  /** Forgets idle buckets: all that have been idle for IDLE_MS, and the oldest idle ones while over maxBuckets. */
  sweep (): void {
    const at = this.now()
    this.lastSweep = at
    this.forgetIdle((bucket) => at - bucket.lastUsed >= IDLE_MS)
    if (this.buckets < this.maxBuckets) return
    // Map order is creation order: the oldest accounts go first, down to 90% so that the next creations do not
    // sweep again.
    const target = Math.floor(this.maxBuckets * 0.9)
    this.forgetIdle(() => this.buckets > target)
  }

  private forgetIdle (forget: (bucket: Bucket) => boolean): void {
    for (const [account, list] of this.accounts) {
      for (let i = list.length - 1; i >= 0; i--) {
        const bucket = list[i]
        if (!isIdle(bucket) || !forget(bucket)) continue
        if (bucket.wake !== undefined) this.clearTimer(bucket.wake)
        if (bucket.shareRetry !== undefined) this.clearTimer(bucket.shareRetry)
        list.splice(i, 1)
        this.buckets--
      }
      if (list.length === 0) this.accounts.delete(account)
    }
  }

  private find (account: string, call: CallName): Bucket | undefined {
    const list = this.accounts.get(account)
    if (list === undefined) return undefined
    for (let i = 0; i < list.length; i++) {
      const bucket = list[i]
      if (bucket.method === call.method && bucket.interface === call.interface) return bucket
    }
    return undefined
  }

  /** Grants what the limits allow to the head of the queue, and sets the wake-up when the window holds it back. */
  drain (bucket: Bucket): void {
    const at = this.now()
    advance(bucket, at)
    while (bucket.waiters.length > 0) {
      const head = bucket.waiters[0]
      const slotFull = bucket.inFlight >= concurrencyOf(bucket)
      const windowFull = bucket.count >= windowOf(bucket)
      if (!slotFull && !windowFull) {
        bucket.waiters.shift()
        this.clearTimer(head.timer)
        if (head.signal && head.onAbort) head.signal.removeListener('abort', head.onAbort)
        this.onWaited?.(at - head.queuedAt, 'granted')
        head.resolve(this.grant(bucket, at, at - head.queuedAt, head.waitedForSlot, head.waitedForWindow))
        continue
      }
      if (bucket.inFlight >= bucket.concurrency.value) head.waitedForSlot = true
      else if (slotFull) this.askShare(bucket, bucket.concurrencyShare!, bucket.concurrency.value, bucket.inFlight + bucket.waiters.length - bucket.concurrencyShare!.held)
      if (windowFull) {
        if (bucket.count >= bucket.window.value) head.waitedForWindow = true
        else this.askShare(bucket, bucket.windowShare!, bucket.window.value, Math.max(Math.ceil(bucket.window.value / 10), bucket.count + bucket.waiters.length - bucket.windowShare!.held))
        // The oldest grant leaving the window frees a call, whichever limit holds it back (none yet: no wake).
        if (bucket.wake === undefined && bucket.count > 0) {
          bucket.wake = this.setTimer(() => {
            bucket.wake = undefined
            this.drain(bucket)
          }, Math.max(1, oldestLeavesAt(bucket, at) - at))
        }
      }
      return
    }
  }

  /**
   * Asks the other instances for more of a limit this bucket's share holds back (what the waiting calls need; a
   * tenth of the window at least): the queue drains when some come, and asks again a moment later while calls still
   * wait when none did.
   */
  private askShare (bucket: Bucket, share: Share, limit: number, want: number): void {
    if (share.taking !== null || bucket.shareRetry !== undefined) return
    this.shares!.take(share, limit, want).then((granted) => {
      if (granted > 0) this.drain(bucket)
      else if (bucket.waiters.length > 0 && bucket.shareRetry === undefined) {
        bucket.shareRetry = this.setTimer(() => {
          bucket.shareRetry = undefined
          this.drain(bucket)
        }, REFUSED_MS)
      }
    }, () => {})
  }

  private grant (bucket: Bucket, at: number, waitedMs: number, waitedForSlot: boolean, waitedForWindow: boolean): Slot {
    bucket.inFlight++
    addGrant(bucket)
    bucket.lastUsed = at
    if (bucket.concurrencyShare !== null) this.shares!.used(bucket.concurrencyShare, bucket.inFlight)
    return new Slot(this, bucket, waitedMs, waitedForSlot, waitedForWindow)
  }

  private bucketOf (account: string, call: CallName): Bucket {
    let bucket = this.find(account, call)
    if (bucket !== undefined) return bucket
    const at = this.now()
    if (this.buckets >= this.maxBuckets || at - this.lastSweep >= SWEEP_EVERY_MS) this.sweep()
    bucket = {
      account,
      interface: call.interface,
      method: call.method,
      inFlight: 0,
      concurrency: newLevel(clamp(FREE_CONCURRENCY, this.concurrencyBounds)),
      window: newLevel(clamp(FREE_WINDOW, this.windowBounds)),
      ...newWindow(at),
      waiters: [],
      wake: undefined,
      lastUsed: at,
      concurrencyShare: null,
      windowShare: null,
      shareRetry: undefined
    }
    if (this.shares !== null) shareLimits(bucket, this.shares, this.now)
    const list = this.accounts.get(account)
    if (list === undefined) this.accounts.set(account, [bucket])
    else list.push(bucket)
    this.buckets++
    return bucket
  }

  private timeoutError (bucket: Bucket, waitedMs: number): Error {
    const retry = this.retryAfterOf(bucket)
    const load = `${bucket.inFlight} of ${bucket.concurrency.value} ${bucket.interface} ${bucket.method} calls in flight, ${bucket.count} of ${bucket.window.value} in the last 10 s`
    return withDetails(new errors.PuterQueueTimeout(load, Math.round(waitedMs / 1000), retry), {
      headers: { 'retry-after': String(retry), 'x-should-retry': 'true' }
    })
  }

  private retryAfterOf (bucket: Bucket): number {
    const at = this.now()
    advance(bucket, at)
    if (bucket.count < bucket.window.value) return BUSY_RETRY_SECONDS
    return Math.min(60, Math.max(1, Math.ceil((oldestLeavesAt(bucket, at) - at) / 1000)))
  }
}

const isIdle = (bucket: Bucket) => bucket.inFlight === 0 && bucket.waiters.length === 0

export function createPuterQueue (opts: PuterQueueOptions): PuterQueue {
  return new PuterQueue(opts)
}
