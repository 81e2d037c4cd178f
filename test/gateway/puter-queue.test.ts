// The queue per Puter account on its own, under a hand-driven clock: FIFO turns, the deadline, leaving on abort, the
// sliding window, adaptive limits (growth under demand, cuts on Puter's 429, ceilings and probes), pins, memory bound.
import t from 'tap'
import { EventEmitter } from 'node:events'
import { createPuterQueue, QueueAbandoned, type PuterQueueOptions, type Slot } from '../../src/gateway/puter-queue.ts'

const CHAT = { interface: 'puter-chat-completion', method: 'complete' }
const IMAGE = { interface: 'puter-image-generation', method: 'generate' }

/** A clock and timers that move only when told. */
function manualClock (start = 1_000_000) {
  let now = start
  const timers = new Set<{ at: number, fn: () => void }>()
  return {
    now: () => now,
    setTimer (fn: () => void, ms: number) {
      const timer = { at: now + ms, fn }
      timers.add(timer)
      return timer
    },
    clearTimer (handle: unknown) {
      timers.delete(handle as { at: number, fn: () => void })
    },
    get pending () { return timers.size },
    /** Moves time on by `ms`, firing due timers in order, and lets promise callbacks run. */
    async advance (ms: number) {
      const end = now + ms
      for (;;) {
        let next: { at: number, fn: () => void } | undefined
        for (const timer of timers) if (timer.at <= end && (next === undefined || timer.at < next.at)) next = timer
        if (next === undefined) break
        timers.delete(next)
        now = Math.max(now, next.at)
        next.fn()
        await flush()
      }
      now = end
      await flush()
    }
  }
}

/** A window too wide to bind, for tests of the concurrency limit under a clock that stands still. */
const WIDE = { min: 100_000, max: 100_000 }

const flush = () => new Promise((resolve) => setImmediate(resolve))

function queueWith (overrides: Partial<PuterQueueOptions> = {}) {
  const clock = manualClock()
  const queue = createPuterQueue({
    timeoutMs: 60_000,
    concurrency: { min: 1, max: 20 },
    window: { min: 10, max: 200 },
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    ...overrides
  })
  return { clock, queue }
}

/** Takes every slot free now. */
function fill (queue: ReturnType<typeof queueWith>['queue'], account = 'alice', call = CHAT): Slot[] {
  const slots: Slot[] = []
  for (let slot = queue.tryAcquire(account, call); slot !== null; slot = queue.tryAcquire(account, call)) slots.push(slot)
  return slots
}

t.test('an account starts at the free tier: 3 in flight; the others wait their turn in FIFO order', async (t) => {
  const { queue } = queueWith()
  const held = fill(queue)
  t.equal(held.length, 3)
  const order: string[] = []
  const waiting = ['a', 'b', 'c'].map((name) => queue.acquire('alice', CHAT).then((slot) => { order.push(name); return slot }))
  t.equal(queue.stats('alice', CHAT)?.queued, 3)
  t.ok(queue.tryAcquire('bob', CHAT), 'another account is not held by alice')
  t.ok(queue.tryAcquire('alice', IMAGE), 'nor another driver method of the same account')
  held[0].release()
  held[0].release() // idempotent: one release frees one slot
  await flush()
  t.same(order, ['a'])
  held[1].release()
  held[2].release()
  const slots = await Promise.all(waiting)
  t.same(order, ['a', 'b', 'c'], 'first come, first served')
  t.ok(slots.every((s) => s.waitedMs >= 0))
  t.equal(queue.tryAcquire('alice', CHAT), null, 'three in flight again')
  slots[0].release()
  t.ok(queue.tryAcquire('alice', CHAT), 'a free slot and no one waiting: granted at once')
})

t.test('a request waits no longer than the deadline, then gets 429 rate_limit_exceeded with Retry-After', async (t) => {
  const { clock, queue } = queueWith({ timeoutMs: 30_000 })
  fill(queue)
  const waiting = queue.acquire('alice', CHAT)
  let settled = false
  waiting.catch(() => {}).finally(() => { settled = true })
  await clock.advance(29_999)
  t.notOk(settled, 'still waiting just before the deadline')
  await clock.advance(1)
  const err = await waiting.then(() => undefined, (e) => e)
  t.match(err, { statusCode: 429, code: 'RATE_LIMIT_EXCEEDED', message: /3 of 3 puter-chat-completion complete calls in flight.*waited 30 s.*try again in 5s/ })
  t.same(err.headers, { 'retry-after': '5', 'x-should-retry': 'true' })
  t.equal(queue.stats('alice', CHAT)?.queued, 0, 'it left the queue')
  t.equal(clock.pending, 0, 'no timer left behind')
})

t.test('a waiter whose client goes away leaves the queue at once and never takes a slot', async (t) => {
  const { clock, queue } = queueWith()
  const held = fill(queue)
  const signal = Object.assign(new EventEmitter(), { aborted: false })
  const gone = queue.acquire('alice', CHAT, signal)
  const next = queue.acquire('alice', CHAT)
  t.equal(queue.stats('alice', CHAT)?.queued, 2)
  signal.aborted = true
  signal.emit('abort')
  t.type(await gone.then(() => undefined, (e) => e), QueueAbandoned)
  t.equal(queue.stats('alice', CHAT)?.queued, 1, 'left at once')
  t.equal(signal.listenerCount('abort'), 0)
  held[0].release()
  await next
  t.equal(queue.stats('alice', CHAT)?.inFlight, 3, 'the next in line got the slot')
  t.equal(clock.pending, 0, "the deadlines' timers were cleared")
  const already = Object.assign(new EventEmitter(), { aborted: true })
  t.type(await queue.acquire('alice', CHAT, already).then(() => undefined, (e) => e), QueueAbandoned, 'an aborted request does not queue')
})

t.test('sliding window: 30 per 10 s; the 31st waits until the first leaves (10.6 s later, never before 10 s)', async (t) => {
  const { clock, queue } = queueWith({ concurrency: { min: 100, max: 100 } })
  for (let i = 0; i < 30; i++) {
    const slot = queue.tryAcquire('alice', CHAT)
    t.ok(slot, `call ${i + 1} granted`)
    slot!.release()
    if (i === 9) await clock.advance(5_000) // ten at t, twenty at t+5s
  }
  t.equal(queue.tryAcquire('alice', CHAT), null, 'the 31st is held back')
  t.equal(queue.retryAfterSeconds('alice', CHAT), 6, 'retry when the first ten leave')
  let granted: Slot | undefined
  const waiting = queue.acquire('alice', CHAT).then((s) => { granted = s })
  await clock.advance(5_000) // t+10s: Puter's own window would let it in, but the grant may reach Puter late
  t.notOk(granted)
  await clock.advance(600)
  await waiting
  t.ok(granted, 'granted once the first ten left')
  t.equal(queue.stats('alice', CHAT)?.inWindow, 21)
  await clock.advance(20_000)
  t.equal(queue.stats('alice', CHAT)?.inWindow, 0, 'an idle window empties')
})

/** Grants `n` calls that had to wait (the account being saturated) and that Puter accepted. */
async function acceptedAfterWaiting (queue: ReturnType<typeof queueWith>['queue'], n: number, account = 'alice') {
  const held = fill(queue, account)
  for (let i = 0; i < n; i++) {
    const waiting = queue.acquire(account, CHAT)
    held.shift()!.release()
    const slot = await waiting
    slot.accepted()
    held.push(slot, ...fill(queue, account))
  }
  for (const slot of held) slot.release()
}

t.test('growth: a slot more per 3 accepted calls that waited, never for calls that did not wait, up to the maximum', async (t) => {
  const { queue } = queueWith({ concurrency: { min: 1, max: 5 }, window: WIDE })
  for (let i = 0; i < 10; i++) {
    const slot = queue.tryAcquire('alice', CHAT)!
    slot.accepted()
    slot.release()
  }
  t.equal(queue.stats('alice', CHAT)?.concurrency, 3, 'no demand over the limit, no growth')
  await acceptedAfterWaiting(queue, 2)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 3, 'a burst of up to six at once stays at 3')
  await acceptedAfterWaiting(queue, 1)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 4)
  await acceptedAfterWaiting(queue, 30)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 5, 'PUTER_ACCOUNT_CONCURRENCY_MAX bounds it')
})

t.test('an unlimited (paid) account reaches 20 in flight after about 50 calls that waited', async (t) => {
  const { queue } = queueWith({ window: WIDE })
  await acceptedAfterWaiting(queue, 51)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 20)
})

t.test("Puter's 429 cuts the limit to 0.75 × the refused level, once per epoch; the ceiling holds growth until a probe is due", async (t) => {
  const { clock, queue } = queueWith({ window: WIDE })
  await acceptedAfterWaiting(queue, 3)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 4, 'grew to 4: a probe past the free tier')
  const held = fill(queue)
  t.equal(held.length, 4)
  held[3].refused('concurrency')
  t.match(queue.stats('alice', CHAT), { concurrency: 3, concurrencyCeiling: 3, inFlight: 3 }, '⌊0.75 × 4⌋ = 3, the free tier')
  held[2].refused('concurrency')
  t.equal(queue.stats('alice', CHAT)?.concurrency, 3, 'a refusal of a call sent under the old limit does not cut again')
  held[0].release()
  held[1].release()
  await acceptedAfterWaiting(queue, 9)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 3, 'no growth past the ceiling during the hold')
  await clock.advance(30_000)
  await acceptedAfterWaiting(queue, 3)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 4, 'a probe after 30 s')
  const again = fill(queue)
  again[3].refused('concurrency')
  for (const slot of again) slot.release()
  await clock.advance(30_000)
  await acceptedAfterWaiting(queue, 3)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 3, 'a second failed probe doubles the hold')
  await clock.advance(30_000)
  await acceptedAfterWaiting(queue, 3)
  t.equal(queue.stats('alice', CHAT)?.concurrency, 4, 'probing again after 60 s')
  const accepted = fill(queue)
  accepted[3].accepted()
  t.equal(queue.stats('alice', CHAT)?.concurrencyCeiling, Infinity, 'a probe Puter accepts lifts the ceiling (the plan was upgraded)')
  for (const slot of accepted) slot.release()
})

t.test("the window is cut on Puter's window refusal, and regrows under demand", async (t) => {
  const { clock, queue } = queueWith({ concurrency: { min: 100, max: 100 } })
  const slots: Slot[] = []
  for (let i = 0; i < 30; i++) slots.push(queue.tryAcquire('alice', CHAT)!)
  slots[29].refused('window')
  t.match(queue.stats('alice', CHAT), { window: 22, windowCeiling: 29 }, '⌊0.75 × 30⌋')
  for (const slot of slots) slot.release()
  await clock.advance(11_000)
  for (let i = 0; i < 22; i++) queue.tryAcquire('alice', CHAT)!.release()
  for (let i = 0; i < 7; i++) {
    const waiting = queue.acquire('alice', CHAT)
    await clock.advance(11_000)
    const slot = await waiting
    slot.accepted()
    slot.release()
    for (let s = queue.tryAcquire('alice', CHAT); s !== null; s = queue.tryAcquire('alice', CHAT)) s.release()
  }
  t.equal(queue.stats('alice', CHAT)?.window, 29, 'one more per accepted call that waited for the window')
})

t.test('bounds: a cut never goes below the minimum; equal minimum and maximum pin the limits', async (t) => {
  const low = queueWith({ concurrency: { min: 2, max: 20 }, window: WIDE })
  const held = fill(low.queue)
  held[0].refused('concurrency')
  t.equal(low.queue.stats('alice', CHAT)?.concurrency, 2, '⌊0.75 × 3⌋ = 2 at least')

  const pinned = queueWith({ concurrency: { min: 7, max: 7 }, window: { min: 50, max: 50 } })
  const first = fill(pinned.queue)
  t.equal(first.length, 7, 'starts at the pinned value, not at the free tier')
  for (const slot of first) slot.release()
  await acceptedAfterWaiting(pinned.queue, 12)
  t.match(pinned.queue.stats('alice', CHAT), { concurrency: 7, window: 50 }, 'no growth')
  const again = fill(pinned.queue)
  again[6].refused('concurrency')
  again[5].refused('window')
  t.match(pinned.queue.stats('alice', CHAT), { concurrency: 7, window: 50 }, 'no cut')
  t.throws(() => queueWith({ window: { min: 300, max: 200 } }), /min <= max/)
})

t.test('memory: idle accounts are forgotten, busy ones kept, however many accounts come and go', async (t) => {
  const { clock, queue } = queueWith({ maxBuckets: 100 })
  const busy = queue.tryAcquire('busy', CHAT)!
  for (let i = 0; i < 1000; i++) queue.tryAcquire(`account-${i}`, CHAT)!.release()
  t.ok(queue.size <= 100, `at most 100 buckets (${queue.size})`)
  t.ok(queue.stats('busy', CHAT), 'a bucket with a call in flight stays')
  await clock.advance(31 * 60_000)
  queue.tryAcquire('newcomer', CHAT)!.release()
  t.equal(queue.size, 2, 'idle for 30 min: forgotten (the busy one and the newcomer remain)')
  busy.release()
})
