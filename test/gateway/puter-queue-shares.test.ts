// The queue per Puter account when several instances share each account's limits (puter-queue.ts with shares.ts),
// against an in-memory ledger under a hand-driven clock: calls wait for this instance's share, which it asks the
// ledger for and never exceeds; refusals are asked again a moment later; waits for the share do not grow the limits.
import t from 'tap'
import { createPuterQueue, type PuterQueueOptions, type Slot } from '../../src/gateway/puter-queue.ts'
import { REFUSED_MS, Shares, type ShareBackend } from '../../src/gateway/shares.ts'

const CHAT = { interface: 'puter-chat-completion', method: 'complete' }
/** The ledger's resources for alice's chat calls. */
const CONCURRENCY = 'puter:alice:puter-chat-completion:complete:concurrency'
const WINDOW = 'puter:alice:puter-chat-completion:complete:window'
/** A window too wide to bind, for tests of the concurrency limit. */
const WIDE = { min: 100_000, max: 100_000 }

const flush = () => new Promise((resolve) => setImmediate(resolve))

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

type Clock = ReturnType<typeof manualClock>

interface Deferred { promise: Promise<void>, resolve: () => void }

function deferred (): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

/** The limit_shares table in memory: units held by resource and instance. */
function fakeLedger () {
  const rows = new Map<string, Map<string, number>>()
  const of = (resource: string, instance: string) => rows.get(resource)?.get(instance) ?? 0
  const total = (resource: string) => {
    let sum = 0
    for (const units of rows.get(resource)?.values() ?? []) sum += units
    return sum
  }
  const set = (resource: string, instance: string, units: number) => {
    let row = rows.get(resource)
    if (row === undefined) rows.set(resource, row = new Map())
    if (units > 0) row.set(instance, units)
    else row.delete(instance)
  }

  /** One instance's backend: grants min(want, limit - what all hold), counts its calls, can hold its takes' answers. */
  function backend (instance: string) {
    const takes: Array<{ resource: string, limit: number, want: number, granted: number }> = []
    let hold: Deferred | null = null
    const api: ShareBackend = {
      instance,
      leaseMs: 5000,
      async take (resource, limit, want) {
        const granted = Math.max(0, Math.min(want, limit - total(resource)))
        set(resource, instance, of(resource, instance) + granted)
        takes.push({ resource, limit, want, granted })
        await hold?.promise
        return granted
      },
      async renew (giveBack) {
        for (const [resource, units] of giveBack) set(resource, instance, Math.max(0, of(resource, instance) - units))
        const answer = new Map<string, number>()
        for (const [resource, row] of rows) if (row.has(instance)) answer.set(resource, row.get(instance)!)
        return answer
      },
      async releaseAll () {
        for (const row of rows.values()) row.delete(instance)
      }
    }
    return {
      api,
      takes,
      /** The takes of one resource. */
      takesOf: (resource: string) => takes.filter((x) => x.resource === resource).map(({ want, granted }) => ({ want, granted })),
      /** Holds the takes' answers until the returned function is called. */
      holdTakes () {
        const d = deferred()
        hold = d
        return () => {
          hold = null
          d.resolve()
        }
      }
    }
  }

  return { of, total, backend }
}

type Ledger = ReturnType<typeof fakeLedger>

/** An instance: its Shares on the ledger (renewed by hand) and, unless told not to, its queue, both on the clock. */
function instanceOn (ledger: Ledger, name: string, clock: Clock, overrides: Partial<PuterQueueOptions> = {}) {
  const fake = ledger.backend(name)
  let renewal: (() => void) | undefined
  const shares = new Shares({
    backend: fake.api,
    now: clock.now,
    setTimer (fn) {
      renewal = fn
      return renewal
    },
    clearTimer () {}
  })
  const queue = createPuterQueue({
    timeoutMs: 60_000,
    concurrency: { min: 1, max: 20 },
    window: { min: 10, max: 200 },
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    shares,
    ...overrides
  })
  return {
    fake,
    shares,
    queue,
    /** This instance's share of a resource (the queue's own, when its bucket exists). */
    share: (resource: string) => shares.share(resource, () => 0),
    /** Fires the renewal timer and lets the renewal finish. */
    async renew () {
      renewal!()
      await flush()
    }
  }
}

/** Waits for a turn, noting the slot when it is granted. */
function waitFor (queue: ReturnType<typeof createPuterQueue>, account = 'alice') {
  const turn: { slot: Slot | undefined, promise: Promise<Slot> } = { slot: undefined, promise: undefined as unknown as Promise<Slot> }
  turn.promise = queue.acquire(account, CHAT).then((slot) => { turn.slot = slot; return slot })
  return turn
}

t.test('with a share of 0, tryAcquire returns null and acquire asks the ledger for what the waiters need, granting once it answers', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const a = instanceOn(ledger, 'a', clock)
  t.equal(a.queue.tryAcquire('alice', CHAT), null, 'no share held: no call now')
  t.same(a.fake.takes, [], 'tryAcquire does not ask the ledger')
  const open = a.fake.holdTakes()
  const first = waitFor(a.queue)
  t.equal(a.queue.stats('alice', CHAT)?.queued, 1, 'the call waits')
  t.same(a.fake.takes.map(({ resource, limit, want }) => ({ resource, limit, want })), [
    { resource: CONCURRENCY, limit: 3, want: 1 },
    { resource: WINDOW, limit: 30, want: 3 }
  ], 'it asks for one call in flight, and a tenth of the window at least, against the limits of its own')
  const second = waitFor(a.queue)
  t.equal(a.fake.takes.length, 2, 'a second waiter does not ask while the takes are in flight')
  await clock.advance(0)
  t.notOk(first.slot, 'no turn before the ledger answers')
  open()
  await clock.advance(0)
  t.ok(first.slot, 'granted once the takes resolved')
  t.ok(second.slot, 'the second waiter too, after a take of its own')
  t.same(a.fake.takesOf(CONCURRENCY), [{ want: 1, granted: 1 }, { want: 1, granted: 1 }], 'one more unit for the second waiter')
  t.match(a.queue.stats('alice', CHAT), { inFlight: 2, queued: 0, concurrency: 3 })
  t.equal(ledger.of(CONCURRENCY, 'a'), 2, 'the ledger holds the units in use')
  t.equal(ledger.of(WINDOW, 'a'), 3)
  t.equal(a.queue.tryAcquire('alice', CHAT), null, 'the share is in use: no call now, though the limit is 3')
  first.slot!.release()
  const takes = a.fake.takes.length
  t.ok(a.queue.tryAcquire('alice', CHAT), 'a unit held and free: granted at once')
  t.equal(a.fake.takes.length, takes, 'without the ledger')
})

t.test('calls in flight never exceed the share held, even under a higher limit of the queue\'s own', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const b = instanceOn(ledger, 'b', clock)
  t.equal(await b.shares.take(b.share(CONCURRENCY), 10, 7), 7, 'another instance holds 7 of 10')
  const a = instanceOn(ledger, 'a', clock, { concurrency: { min: 10, max: 10 }, window: WIDE })
  const turns = Array.from({ length: 5 }, () => waitFor(a.queue))
  await clock.advance(0)
  const share = a.share(CONCURRENCY)
  t.same(a.fake.takesOf(CONCURRENCY), [{ want: 1, granted: 1 }, { want: 4, granted: 2 }, { want: 2, granted: 0 }], 'asks for what the waiters need; gets what is left')
  t.equal(share.held, 3)
  t.match(a.queue.stats('alice', CHAT), { concurrency: 10, inFlight: 3, queued: 2 }, 'three in flight: its share, not its limit of 10')
  t.equal(ledger.total(CONCURRENCY), 10)
  turns[0].slot!.release()
  await clock.advance(0)
  t.match(a.queue.stats('alice', CHAT), { inFlight: 3, queued: 1 }, 'a released unit goes to the next waiter')
  t.ok(turns[3].slot, 'in FIFO order')
  t.notOk(turns[4].slot)
  for (let i = 0; i < 8; i++) {
    await clock.advance(REFUSED_MS)
    t.ok(a.queue.stats('alice', CHAT)!.inFlight <= share.held, `${a.queue.stats('alice', CHAT)!.inFlight} in flight within the share of ${share.held}`)
  }
  t.equal(a.queue.stats('alice', CHAT)?.queued, 1, 'still waiting: the others hold the rest')
})

t.test('a refused take keeps calls waiting, asks again after REFUSED_MS, and grants once another instance gave units back', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const a = instanceOn(ledger, 'a', clock, { window: WIDE })
  const b = instanceOn(ledger, 'b', clock, { window: WIDE })
  const held: Slot[] = []
  for (let i = 0; i < 3; i++) held.push(await b.queue.acquire('alice', CHAT))
  t.equal(ledger.of(CONCURRENCY, 'b'), 3, 'the other instance holds the whole limit of 3')

  const first = waitFor(a.queue)
  const second = waitFor(a.queue)
  await clock.advance(0)
  t.same(a.fake.takesOf(CONCURRENCY), [{ want: 1, granted: 0 }], 'asked once, refused')
  t.equal(a.queue.stats('alice', CHAT)?.queued, 2, 'the calls wait')
  await clock.advance(REFUSED_MS - 1)
  t.equal(a.fake.takesOf(CONCURRENCY).length, 1, 'not asked again before REFUSED_MS')
  await clock.advance(1)
  t.same(a.fake.takesOf(CONCURRENCY), [{ want: 1, granted: 0 }, { want: 2, granted: 0 }], 'asked again after REFUSED_MS, for both waiters')

  for (const slot of held) slot.release()
  await b.renew()
  t.equal(ledger.of(CONCURRENCY, 'b'), 3, 'the other instance keeps its peak through one renewal')
  await clock.advance(REFUSED_MS)
  t.notOk(first.slot, 'still refused')
  await b.renew()
  t.equal(ledger.of(CONCURRENCY, 'b'), 0, 'then gives its unused units back')
  const asked = a.fake.takesOf(CONCURRENCY).length
  await clock.advance(REFUSED_MS)
  t.same(a.fake.takesOf(CONCURRENCY).slice(asked), [{ want: 2, granted: 2 }], 'the next ask gets them')
  t.ok(first.slot && second.slot, 'both waiters granted')
  t.match(a.queue.stats('alice', CHAT), { inFlight: 2, queued: 0 })
  t.equal(b.queue.tryAcquire('alice', CHAT), null, 'the other instance holds nothing now')
  t.equal(ledger.total(CONCURRENCY), 2)
})

t.test('calls refused in a burst wait on one retry: the ledger is asked once per REFUSED_MS however many wait', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const b = instanceOn(ledger, 'b', clock)
  t.equal(await b.shares.take(b.share(CONCURRENCY), 3, 3), 3, 'another instance holds the whole limit of 3')
  const a = instanceOn(ledger, 'a', clock, { window: WIDE })
  const turns = [waitFor(a.queue)]
  await clock.advance(0)
  t.equal(a.fake.takesOf(CONCURRENCY).length, 1, 'refused once')
  for (let i = 0; i < 4; i++) {
    turns.push(waitFor(a.queue))
    await clock.advance(10)
  }
  t.equal(clock.pending, 6, 'five deadlines and one retry, not one retry per waiter')
  t.equal(a.fake.takesOf(CONCURRENCY).length, 1, 'the later waiters did not ask')
  await clock.advance(REFUSED_MS * 10 - 40)
  t.equal(a.fake.takesOf(CONCURRENCY).length, 11, 'one ask per REFUSED_MS')
  t.equal(clock.pending, 6)
  t.ok(turns.every((turn) => turn.slot === undefined), 'all still waiting')
})

t.test('while calls wait, renewals give nothing back: the units they will need are kept', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const b = instanceOn(ledger, 'b', clock)
  t.equal(await b.shares.take(b.share(WINDOW), 30, 30), 30, 'another instance holds the whole window')
  const a = instanceOn(ledger, 'a', clock)
  const turn = waitFor(a.queue)
  await clock.advance(0)
  t.same(a.fake.takesOf(CONCURRENCY), [{ want: 1, granted: 1 }], 'a unit of concurrency for the waiting call')
  t.same(a.fake.takesOf(WINDOW), [{ want: 3, granted: 0 }], 'none of the window')
  await a.renew()
  await a.renew()
  t.equal(ledger.of(CONCURRENCY, 'a'), 1, 'the unit is kept through renewals though no call is in flight')
  await b.renew()
  t.equal(ledger.of(WINDOW, 'b'), 0, 'the other instance gives the window back')
  await clock.advance(REFUSED_MS)
  t.ok(turn.slot, 'the call is granted once the window comes')
  t.equal(a.fake.takesOf(CONCURRENCY).length, 1, 'without asking for concurrency again')
})

t.test('the window (calls per 10 s) is shared the same way, in chunks of a tenth of it at least', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const b = instanceOn(ledger, 'b', clock)
  t.equal(await b.shares.take(b.share(WINDOW), 30, 24), 24, 'another instance holds 24 of the 30 calls per window')
  const a = instanceOn(ledger, 'a', clock, { concurrency: { min: 100, max: 100 }, window: { min: 30, max: 30 } })
  ;(await a.queue.acquire('alice', CHAT)).release()
  t.same(a.fake.takesOf(WINDOW), [{ want: 3, granted: 3 }], 'asked for 3 though one call waited')
  for (let i = 0; i < 2; i++) a.queue.tryAcquire('alice', CHAT)!.release()
  t.equal(a.queue.tryAcquire('alice', CHAT), null, 'three calls in the window: its share is used up')
  ;(await a.queue.acquire('alice', CHAT)).release()
  t.same(a.fake.takesOf(WINDOW), [{ want: 3, granted: 3 }, { want: 3, granted: 3 }], 'another chunk of 3')
  for (let i = 0; i < 2; i++) a.queue.tryAcquire('alice', CHAT)!.release()
  t.equal(ledger.total(WINDOW), 30)
  const last = waitFor(a.queue)
  await clock.advance(0)
  t.same(a.fake.takesOf(WINDOW).at(-1), { want: 3, granted: 0 }, 'refused: the others hold the rest')
  t.match(a.queue.stats('alice', CHAT), { window: 30, inWindow: 6, queued: 1 }, 'six calls in the window, not 30')
  await clock.advance(10_000)
  t.notOk(last.slot, 'still waiting 10 s later')
  t.ok(a.fake.takesOf(WINDOW).length > 3, 'asking again meanwhile')
  await clock.advance(600)
  t.ok(last.slot, 'granted when the first calls left the window, within its share')
  t.equal(a.share(WINDOW).held, 6, 'which did not grow')
})

t.test('a wait for the share does not grow the limit; a wait on the queue\'s own limit still does', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const b = instanceOn(ledger, 'b', clock)
  t.equal(await b.shares.take(b.share(CONCURRENCY), 3, 2), 2, 'another instance holds 2 of 3')
  const a = instanceOn(ledger, 'a', clock, { window: WIDE })
  let inFlight = await a.queue.acquire('alice', CHAT)
  for (let i = 0; i < 9; i++) {
    const next = waitFor(a.queue)
    await clock.advance(0)
    t.equal(a.queue.stats('alice', CHAT)?.queued, 1, `call ${i + 1} waits for the share`)
    inFlight.release()
    inFlight = await next.promise
    inFlight.accepted()
  }
  t.equal(a.queue.stats('alice', CHAT)?.concurrency, 3, 'nine accepted calls that waited for the share: no growth')
  inFlight.release()

  const alone = instanceOn(fakeLedger(), 'a', clock, { window: WIDE })
  const held: Slot[] = []
  for (let i = 0; i < 3; i++) held.push(await alone.queue.acquire('alice', CHAT))
  for (let i = 0; i < 3; i++) {
    const next = waitFor(alone.queue)
    await clock.advance(0)
    t.equal(alone.queue.stats('alice', CHAT)?.queued, 1, `call ${i + 1} waits for a slot under the limit of 3`)
    held.shift()!.release()
    const slot = await next.promise
    slot.accepted()
    held.push(slot)
  }
  t.equal(alone.queue.stats('alice', CHAT)?.concurrency, 4, 'three accepted calls that waited on the limit: a slot more')
  held.push(await alone.queue.acquire('alice', CHAT))
  t.equal(alone.queue.stats('alice', CHAT)?.inFlight, 4, 'the share grows with it')
  t.equal(alone.share(CONCURRENCY).held, 4)
})

t.test('two instances on one ledger with a concurrency pinned at 3 never have more than 3 calls in flight together', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const opts = { concurrency: { min: 3, max: 3 }, window: WIDE }
  const instances = [instanceOn(ledger, 'a', clock, opts), instanceOn(ledger, 'b', clock, opts)]
  const slots: Slot[][] = [[], []]
  let granted = 0
  for (let n = 0; n < 8; n++) {
    for (const i of [0, 1]) instances[i].queue.acquire('alice', CHAT).then((slot) => { slots[i].push(slot); granted++ })
  }
  let seed = 42
  const random = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return (seed >>> 16) % n }
  let most = 0
  let ms = 0
  for (let step = 0; step < 600; step++) {
    if (granted === 16) break
    const i = random(2)
    if (slots[i].length > 0 && random(3) === 0) slots[i].splice(random(slots[i].length), 1)[0].release()
    await clock.advance(50)
    ms += 50
    if (ms % 1000 === 0) for (const instance of instances) await instance.renew()
    const together = instances.reduce((sum, x) => sum + (x.queue.stats('alice', CHAT)?.inFlight ?? 0), 0)
    most = Math.max(most, together)
    if (together > 3) t.fail(`step ${step}: ${together} calls in flight together`)
    if (ledger.total(CONCURRENCY) > 3) t.fail(`step ${step}: the ledger holds ${ledger.total(CONCURRENCY)} units`)
  }
  t.equal(most, 3, 'never more than 3 in flight together, and the limit was used')
  t.equal(granted, 16, 'every call had its turn, on one instance or the other')
  t.ok(instances.every((x) => x.fake.takesOf(CONCURRENCY).some((take) => take.granted > 0)), 'both instances held units in turn')
})

t.test('a bucket made again for an account whose share is still held judges that share by its own calls', async (t) => {
  const clock = manualClock()
  const ledger = fakeLedger()
  const opts = { concurrency: { min: 1, max: 1 }, window: WIDE, maxBuckets: 1 }
  const a = instanceOn(ledger, 'a', clock, opts)
  const b = instanceOn(ledger, 'b', clock, opts)
  ;(await a.queue.acquire('alice', CHAT)).release()
  const bob = await a.queue.acquire('bob', CHAT)
  t.notOk(a.queue.stats('alice', CHAT), 'alice\'s idle bucket was swept (one bucket at most), her share still held')
  t.equal(a.share(CONCURRENCY).held, 1, 'her share still holds her unit')
  const alice = await a.queue.acquire('alice', CHAT)
  t.equal(a.queue.stats('alice', CHAT)?.inFlight, 1, 'alice has a call in flight again on this instance')
  await a.renew()
  await a.renew()
  t.equal(ledger.of(CONCURRENCY, 'a'), 1, 'her unit is kept while her call is in flight')
  const other = waitFor(b.queue)
  await clock.advance(REFUSED_MS)
  t.notOk(other.slot, 'so the other instance cannot take it: 1 call at most together')
  alice.release()
  bob.release()
})
