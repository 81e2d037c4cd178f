// A turn in the queue of one Puter account and driver method (puter-queue.ts): the bucket it was granted from, and
// what the call's answer teaches the bucket's adaptive limits (grow where a wait held calls back, cut on Puter's 429).
import type { PuterQueue } from './puter-queue.ts'
import type { Share, Shares } from './shares.ts'
import { advance, type GrantWindow } from './grant-window.ts'
import { CONCURRENCY_CALLS_PER_STEP, WINDOW_CALLS_PER_STEP, cut, grow, type Level } from './adaptive-limit.ts'

/** Which of Puter's limits a 429 too_many_requests was about. */
export type LimitKind = 'concurrency' | 'window'

/** A driver call: the bucket is its account with its interface and method. */
/** What a request waits on; the relay's upstream abort emitter is one. */
export interface Abortable {
  readonly aborted: boolean
  once (event: 'abort', listener: () => void): unknown
  removeListener (event: 'abort', listener: () => void): unknown
}

export interface CallName { interface: string, method: string }

export interface Waiter {
  resolve: (slot: Slot) => void
  reject: (err: Error) => void
  queuedAt: number
  timer: unknown
  signal: Abortable | undefined
  onAbort: (() => void) | undefined
  waitedForSlot: boolean
  waitedForWindow: boolean
}

/** One account's calls of one driver method: its limits, its calls in flight and in the window, its waiters. */
export interface Bucket extends GrantWindow {
  account: string
  interface: string
  method: string
  inFlight: number
  concurrency: Level
  window: Level
  waiters: Waiter[]
  /** Wakes the queue when the window frees (only while its head waits on the window). */
  wake: unknown
  lastUsed: number
  /** This instance's shares of the two limits, when shared by several instances. */
  concurrencyShare: Share | null
  windowShare: Share | null
  /** Asks for the shares again while waiters wait and the other instances held the rest. */
  shareRetry: unknown
}

/**
 * Several instances on one database: the bucket's two limits become shares of limits the instances hold together.
 * Nothing goes back while calls wait; otherwise what is in flight, and what is still in the window.
 */
export function shareLimits (bucket: Bucket, shares: Shares, now: () => number): void {
  const name = `puter:${bucket.account}:${bucket.interface}:${bucket.method}`
  bucket.concurrencyShare = shares.share(`${name}:concurrency`, () => bucket.waiters.length > 0 ? Infinity : bucket.inFlight)
  bucket.windowShare = shares.share(`${name}:window`, () => {
    advance(bucket, now())
    return bucket.waiters.length > 0 ? Infinity : bucket.count
  })
}

/** The calls in flight a bucket may have now: its limit, or this instance's share of it when that is less. */
export const concurrencyOf = (bucket: Bucket) => bucket.concurrencyShare === null ? bucket.concurrency.value : Math.min(bucket.concurrency.value, bucket.concurrencyShare.held)
/** The calls per window a bucket may make now: its limit, or this instance's share of it when that is less. */
export const windowOf = (bucket: Bucket) => bucket.windowShare === null ? bucket.window.value : Math.min(bucket.window.value, bucket.windowShare.held)

/** The client went away while waiting for a turn. */
export class QueueAbandoned extends Error {
  constructor () {
    super('The client went away while waiting for its Puter account to have a free slot')
    this.name = 'QueueAbandoned'
  }
}

/**
 * A turn granted: the call holds its slot until `release()` (a plain answer once read, a stream at its end). Tell
 * the queue how Puter took it: `accepted()` for any answer but its own 429, `refused()` for that 429.
 */
export class Slot {
  readonly waitedMs: number
  private readonly queue: PuterQueue
  private readonly bucket: Bucket
  /** Calls in flight, and in the window, with this one, when it was granted. */
  private readonly inFlightAt: number
  private readonly windowAt: number
  private readonly concurrencyEpoch: number
  private readonly windowEpoch: number
  private readonly waitedForSlot: boolean
  private readonly waitedForWindow: boolean
  private done = false

  constructor (queue: PuterQueue, bucket: Bucket, waitedMs: number, waitedForSlot: boolean, waitedForWindow: boolean) {
    this.queue = queue
    this.bucket = bucket
    this.waitedMs = waitedMs
    this.inFlightAt = bucket.inFlight
    this.windowAt = bucket.count
    this.concurrencyEpoch = bucket.concurrency.epoch
    this.windowEpoch = bucket.window.epoch
    this.waitedForSlot = waitedForSlot
    this.waitedForWindow = waitedForWindow
  }

  /** Puter took the call (any answer but its 429 too_many_requests): grow where the limit held it back. */
  accepted (): void {
    if (this.done) return
    const { bucket } = this
    // A call past a ceiling was accepted: the limit is higher than what was learnt (the plan changed).
    if (this.inFlightAt > bucket.concurrency.ceiling) bucket.concurrency.ceiling = Infinity
    if (this.windowAt > bucket.window.ceiling) bucket.window.ceiling = Infinity
    if (!this.waitedForSlot && !this.waitedForWindow) return
    const at = this.queue.now()
    let grew = false
    if (this.waitedForSlot) grew = grow(bucket.concurrency, this.queue.concurrencyBounds, CONCURRENCY_CALLS_PER_STEP, at)
    if (this.waitedForWindow) grew = grow(bucket.window, this.queue.windowBounds, WINDOW_CALLS_PER_STEP, at) || grew
    if (grew) this.queue.drain(bucket)
  }

  /** Puter answered 429 too_many_requests: shrink that limit (once per epoch) and free the slot. */
  refused (kind: LimitKind): void {
    if (this.done) return
    const { bucket } = this
    const at = this.queue.now()
    if (kind === 'concurrency' && this.concurrencyEpoch === bucket.concurrency.epoch) cut(bucket.concurrency, this.queue.concurrencyBounds, this.inFlightAt, at)
    if (kind === 'window' && this.windowEpoch === bucket.window.epoch) cut(bucket.window, this.queue.windowBounds, this.windowAt, at)
    this.release()
  }

  /** Frees the slot (idempotent) and lets the next waiter in. */
  release (): void {
    if (this.done) return
    this.done = true
    const { bucket } = this
    bucket.inFlight--
    bucket.lastUsed = this.queue.now()
    if (bucket.waiters.length > 0) this.queue.drain(bucket)
  }
}
