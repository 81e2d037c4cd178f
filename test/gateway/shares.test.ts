// The shares of limits that several instances split between them (shares.ts), against an in-memory ledger and a
// hand-driven clock and renewal timer: takes up to the limit, one round trip per burst, refusals trusted for a moment,
// renewals that give back what went unused, a ledger that fails or loses leases, shutdown.
import t from 'tap'
import { OFFLINE_MS, REFUSED_MS, RENEW_MS, Shares, WANT_WAIT_MS, type ShareBackend } from '../../src/gateway/shares.ts'

const flush = () => new Promise((resolve) => setImmediate(resolve))

interface Deferred { promise: Promise<void>, resolve: () => void }

function deferred (): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

type Op = 'take' | 'renew'

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

  /** One instance's backend on this ledger: counts its calls, and can be made to fail or to answer only when told. */
  function backend (instance: string, leaseMs = 5000) {
    const calls = { take: 0, renew: 0, releaseAll: 0 }
    const takes: Array<{ resource: string, limit: number, want: number }> = []
    const gaveBack: Array<Record<string, number>> = []
    const fail = { take: false, renew: false }
    const holds: Record<Op, Deferred | null> = { take: null, renew: null }
    const api: ShareBackend = {
      instance,
      leaseMs,
      // The ledger changes when asked (the statement runs); the answer reaches the instance when the hold opens.
      async take (resource, limit, want) {
        calls.take++
        takes.push({ resource, limit, want })
        const failing = fail.take
        const granted = failing ? 0 : Math.max(0, Math.min(want, limit - total(resource)))
        if (!failing) set(resource, instance, of(resource, instance) + granted)
        await holds.take?.promise
        if (failing) throw new Error('the ledger cannot be reached')
        return granted
      },
      async renew (giveBack) {
        calls.renew++
        gaveBack.push(Object.fromEntries(giveBack))
        const failing = fail.renew
        const answer = new Map<string, number>()
        if (!failing) {
          for (const [resource, units] of giveBack) set(resource, instance, Math.max(0, of(resource, instance) - units))
          for (const [resource, row] of rows) if (row.has(instance)) answer.set(resource, row.get(instance)!)
        }
        await holds.renew?.promise
        if (failing) throw new Error('the ledger cannot be reached')
        return answer
      },
      async releaseAll () {
        calls.releaseAll++
        for (const row of rows.values()) row.delete(instance)
      }
    }
    return {
      api,
      calls,
      takes,
      gaveBack,
      fail,
      /** Holds the answers of `op` until the returned function is called. */
      hold (op: Op) {
        const d = deferred()
        holds[op] = d
        return () => {
          holds[op] = null
          d.resolve()
        }
      }
    }
  }

  return { of, total, set, backend }
}

type Ledger = ReturnType<typeof fakeLedger>

/** An instance's Shares on the ledger, with its clock, its renewal timer captured (fired by hand) and its errors. */
function instanceOn (ledger: Ledger, name: string, clock = { now: 1_000_000 }, opts: { leaseMs?: number } = {}) {
  const fake = ledger.backend(name, opts.leaseMs)
  const timer = { fn: undefined as (() => void) | undefined, ms: 0, handle: { name }, cleared: [] as unknown[] }
  const errors: Array<{ what: string, err: unknown }> = []
  const shares = new Shares({
    backend: fake.api,
    now: () => clock.now,
    setTimer (fn, ms) {
      timer.fn = fn
      timer.ms = ms
      return timer.handle
    },
    clearTimer (handle) { timer.cleared.push(handle) },
    onError (err, what) { errors.push({ what, err }) }
  })
  return {
    shares,
    fake,
    timer,
    errors,
    clock,
    /** Fires the renewal timer, and lets the renewal finish unless its answer is held. */
    async tick () {
      timer.fn!()
      await flush()
    }
  }
}

t.test('a take grants up to the limit less what the others hold; two instances never hold more than the limit together', async (t) => {
  const ledger = fakeLedger()
  const clock = { now: 1_000_000 }
  const a = instanceOn(ledger, 'a', clock)
  const b = instanceOn(ledger, 'b', clock)
  const shareA = a.shares.share('r', () => Infinity)
  const shareB = b.shares.share('r', () => Infinity)
  t.equal(shareA.held, 0, 'a share starts holding nothing')
  t.equal(a.shares.share('r', () => 0), shareA, 'one share per resource')
  t.equal(await a.shares.take(shareA, 10, 4), 4, 'granted what it asked for while units are free')
  t.equal(shareA.held, 4, 'held grows by the grant')
  t.equal(await a.shares.take(shareA, 10, 1), 1)
  t.equal(shareA.held, 5, 'held grows with each grant')
  t.equal(await b.shares.take(shareB, 10, 20), 5, 'the other instance gets only what is left (10 - 5)')
  t.same(b.fake.takes, [{ resource: 'r', limit: 10, want: 10 }], 'it never asks beyond the limit less what it holds')
  t.equal(shareB.held, 5)
  t.equal(await a.shares.take(shareA, 10, 3), 0, 'nothing left: refused')
  t.equal(shareA.held + shareB.held, 10, 'together they hold the limit, no more')
  t.equal(ledger.total('r'), 10, 'and so does the ledger')

  // A busy exchange: each takes, uses and gives back in turn; the limit holds at every step.
  let useA = 0
  let useB = 0
  const a2 = a.shares.share('s', () => useA)
  const b2 = b.shares.share('s', () => useB)
  let seed = 7
  const random = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return (seed >>> 16) % n }
  for (let step = 0; step < 200; step++) {
    const [me, share] = step % 2 === 0 ? [a, a2] : [b, b2]
    await me.shares.take(share, 6, 1 + random(4))
    if (step % 2 === 0) useA = random(a2.held + 1)
    else useB = random(b2.held + 1)
    clock.now += 50
    if (step % 10 === 9) {
      await a.tick()
      await b.tick()
    }
    t.ok(a2.held + b2.held <= 6, `step ${step}: ${a2.held} + ${b2.held} held, within the limit of 6`)
    t.ok(ledger.total('s') <= 6, `step ${step}: the ledger holds ${ledger.total('s')} of 6`)
  }
  t.ok(a.fake.takes.filter((x) => x.resource === 's').length > 1 && b.fake.takes.filter((x) => x.resource === 's').length > 1, 'both instances asked several times')
})

t.test('takes on one share while one is in flight wait on the same round trip', async (t) => {
  const ledger = fakeLedger()
  const a = instanceOn(ledger, 'a')
  const share = a.shares.share('r', () => Infinity)
  const open = a.fake.hold('take')
  const first = a.shares.take(share, 10, 2)
  const second = a.shares.take(share, 10, 5)
  const third = a.shares.take(share, 10, 1)
  t.equal(a.fake.calls.take, 1, 'one call to the ledger for the burst')
  t.equal(second, first, 'the later takes get the take in flight')
  t.equal(third, first)
  t.equal(share.taking, first, 'the share knows its take in flight')
  await flush()
  t.equal(share.held, 0, 'nothing held before the ledger answers')
  open()
  t.same(await Promise.all([first, second, third]), [2, 2, 2], 'all see the one grant')
  t.equal(share.held, 2, 'granted once, not once per caller')
  t.equal(share.taking, null, 'no take in flight once it resolved')
  t.equal(await a.shares.take(share, 10, 3), 3, 'a take after it resolved asks again')
  t.equal(a.fake.calls.take, 2)
  t.equal(a.shares.stats.takes, 2, 'stats count round trips')
})

t.test('a take that granted nothing is trusted for REFUSED_MS: no call to the ledger meanwhile, one after', async (t) => {
  const ledger = fakeLedger()
  const clock = { now: 1_000_000 }
  const a = instanceOn(ledger, 'a', clock)
  const b = instanceOn(ledger, 'b', clock)
  let useB = 5
  const shareB = b.shares.share('r', () => useB)
  t.equal(await b.shares.take(shareB, 5, 5), 5, 'the other instance holds the whole limit')
  const share = a.shares.share('r', () => Infinity)
  t.equal(await a.shares.take(share, 5, 2), 0, 'refused')
  t.equal(a.fake.calls.take, 1)
  t.equal(share.refusedUntil, clock.now + REFUSED_MS, 'remembered until REFUSED_MS from the answer')
  clock.now += REFUSED_MS - 1
  t.equal(await a.shares.take(share, 5, 2), 0, 'still refused just before REFUSED_MS')
  t.equal(a.fake.calls.take, 1, 'without asking the ledger')
  useB = 0
  await b.tick()
  t.equal(ledger.of('r', 'b'), 0, 'the other instance gave its units back')
  t.equal(await a.shares.take(share, 5, 2), 0, 'the refusal is still trusted though units are free now')
  t.equal(a.fake.calls.take, 1)
  clock.now += 1
  t.equal(await a.shares.take(share, 5, 2), 2, 'asked again after REFUSED_MS, and granted')
  t.equal(a.fake.calls.take, 2, 'one call after the refusal ran out')
})

t.test('a take for a share that holds the limit already resolves 0 without a call', async (t) => {
  const ledger = fakeLedger()
  const a = instanceOn(ledger, 'a')
  const share = a.shares.share('r', () => Infinity)
  t.equal(await a.shares.take(share, 4, 10), 4)
  t.equal(await a.shares.take(share, 4, 1), 0, 'held = limit')
  t.equal(await a.shares.take(share, 3, 1), 0, 'held > limit (the limit was cut)')
  t.equal(a.fake.calls.take, 1, 'no call for either')
  t.equal(share.held, 4, 'held unchanged')
})

t.test('a renewal gives back what is beyond the peak and what is in use, keeps all while in use is Infinity, forgets idle shares', async (t) => {
  const ledger = fakeLedger()
  const a = instanceOn(ledger, 'a')
  t.equal(a.timer.ms, RENEW_MS, 'renewed every RENEW_MS')
  await a.tick()
  t.equal(a.fake.calls.renew, 0, 'an instance that never held anything sends nothing')

  let inUse = 1
  const share = a.shares.share('r', () => inUse)
  t.equal(await a.shares.take(share, 10, 6), 6)
  a.shares.used(share, 4)
  a.shares.used(share, 2)
  t.equal(share.peak, 4, 'used() keeps the most in use at once')
  await a.tick()
  t.equal(share.held, 4, 'kept the peak since the last renewal (4), above what is in use now (1)')
  t.same(a.fake.gaveBack, [{ r: 2 }], 'gave back the 2 units never used')
  t.equal(ledger.of('r', 'a'), 4, 'the ledger holds what the share holds')
  t.equal(share.peak, 0, 'the peak starts afresh')

  await a.tick()
  t.equal(share.held, 1, 'no peak since: keeps what is in use now')
  t.same(a.fake.gaveBack.at(-1), { r: 3 })

  inUse = 3
  a.shares.used(share, 2)
  await a.tick()
  t.equal(share.held, 1, 'never keeps more than it holds, whatever is in use')
  t.same(a.fake.gaveBack.at(-1), {}, 'nothing to give back: the renewal only renews the lease')

  inUse = Infinity
  t.equal(await a.shares.take(share, 10, 5), 5)
  await a.tick()
  await a.tick()
  t.equal(share.held, 6, 'keeps everything while waiters need it (in use: Infinity)')
  t.same(a.fake.gaveBack.slice(-2), [{}, {}])

  const other = a.shares.share('busy', () => 1)
  inUse = 0
  const renewals = a.fake.calls.renew
  await a.tick()
  t.equal(share.held, 0, 'nothing in use, no peak: all given back')
  t.same(a.fake.gaveBack.at(-1), { r: 6 })
  t.equal(a.fake.calls.renew, renewals + 1, 'in one round trip')
  t.equal(ledger.total('r'), 0)
  t.equal(a.shares.size, 1, 'the idle share is forgotten; the one with something in use is kept though it holds nothing')
  t.equal(a.shares.share('busy', () => 0), other)

  const idle = instanceOn(ledger, 'idle')
  const idleShare = idle.shares.share('r', () => 0)
  t.equal(await idle.shares.take(idleShare, 10, 2), 2)
  await idle.tick()
  await idle.tick()
  t.equal(idle.shares.size, 0, 'all given back and forgotten')
  const calls = idle.fake.calls.renew
  await idle.tick()
  await idle.tick()
  t.equal(idle.fake.calls.renew, calls, 'an idle instance (nothing held, nothing owed) makes no call')
  t.equal(idle.shares.stats.renewals, calls)

  t.equal(await idle.shares.take(idleShare, 10, 3), 3, 'a forgotten share can take again')
  t.equal(idle.shares.size, 1, 'and is tracked again')
  await idle.tick()
  await idle.tick()
  t.same(idle.fake.gaveBack.at(-1), { r: 3 }, 'so its units are given back when unused')
  t.equal(ledger.of('r', 'idle'), 0)
})

t.test('a failed renewal keeps what it gave back owed, and the next renewal sends it', async (t) => {
  const ledger = fakeLedger()
  const a = instanceOn(ledger, 'a')
  let inUse = 3
  const share = a.shares.share('r', () => inUse)
  t.equal(await a.shares.take(share, 10, 5), 5)
  a.fake.fail.renew = true
  await a.tick()
  t.equal(share.held, 3, 'the unused units are given back locally at once')
  t.equal(ledger.of('r', 'a'), 5, 'but the ledger never heard of it')
  t.same(a.errors.map((e) => e.what), ['renew'], 'onError is told')

  a.fake.fail.renew = false
  inUse = 1
  await a.tick()
  t.same(a.fake.gaveBack.at(-1), { r: 4 }, 'the 2 owed and the 2 unused now, together')
  t.equal(ledger.of('r', 'a'), 1, 'the ledger holds what the share holds again')
  await a.tick()
  t.same(a.fake.gaveBack.at(-1), {}, 'owed units are sent once')
  t.equal(ledger.of('r', 'a'), 1)

  inUse = 0
  a.fake.fail.renew = true
  await a.tick()
  t.equal(a.shares.size, 0, 'the share is forgotten: it holds nothing now')
  t.equal(ledger.of('r', 'a'), 1)
  a.fake.fail.renew = false
  const calls = a.fake.calls.renew
  await a.tick()
  t.equal(a.fake.calls.renew, calls + 1, 'units owed by a forgotten share still make a renewal')
  t.same(a.fake.gaveBack.at(-1), { r: 1 })
  t.equal(ledger.total('r'), 0, 'everything given back in the end')
  await a.tick()
  t.equal(a.fake.calls.renew, calls + 1, 'then the instance is idle')
})

t.test('a renewal whose answer lacks a share (its lease was lost) drops it to what the ledger holds, unless a take completed meanwhile', async (t) => {
  const ledger = fakeLedger()
  const a = instanceOn(ledger, 'a')
  const share = a.shares.share('r', () => Infinity)
  t.equal(await a.shares.take(share, 10, 3), 3)
  ledger.set('r', 'a', 0) // the lease ran out
  await a.tick()
  t.equal(share.held, 0, 'lost: the units may be another instance\'s now')

  t.equal(await a.shares.take(share, 10, 3), 3)
  ledger.set('r', 'a', 1)
  await a.tick()
  t.equal(share.held, 1, 'drops to what the ledger says it holds')

  // The renewal's statement runs before a take, and its answer arrives after the take completed.
  t.equal(await a.shares.take(share, 10, 2), 2)
  ledger.set('r', 'a', 0)
  const open = a.fake.hold('renew')
  a.timer.fn!()
  await flush()
  t.equal(await a.shares.take(share, 10, 2), 2, 'a take completes while the renewal is in flight')
  t.equal(share.held, 5)
  open()
  await flush()
  t.equal(share.held, 5, 'the renewal does not judge that share by its stale answer')
  await a.tick()
  t.equal(share.held, 2, 'the next renewal does: the ledger holds only the 2 of the last take')

  // A take in flight when the renewal starts: the share is left alone, nothing given back and nothing dropped.
  const idle = a.shares.share('idle', () => 0)
  t.equal(await a.shares.take(idle, 10, 4), 4)
  const openTake = a.fake.hold('take')
  const taking = a.shares.take(idle, 10, 2)
  ledger.set('idle', 'a', 0)
  await a.tick()
  t.equal(idle.held, 4, 'a share with a take in flight gives nothing back, and is not dropped')
  t.notOk('idle' in a.fake.gaveBack.at(-1)!)
  openTake()
  t.equal(await taking, 2)
  t.equal(idle.held, 6)

  // A take that starts while the renewal is in flight and is still in flight when its answer comes.
  const late = a.shares.share('late', () => Infinity)
  t.equal(await a.shares.take(late, 10, 3), 3)
  ledger.set('late', 'a', 0)
  const openRenew = a.fake.hold('renew')
  a.timer.fn!()
  await flush()
  const openLate = a.fake.hold('take')
  const lateTake = a.shares.take(late, 10, 1)
  openRenew()
  await flush()
  t.equal(late.held, 3, 'a share whose take is in flight when the answer comes is not judged by it')
  openLate()
  t.equal(await lateTake, 1)
  t.equal(late.held, 4)
})

t.test('a take the ledger fails to answer is granted alone; for OFFLINE_MS takes are granted without the ledger', async (t) => {
  const ledger = fakeLedger()
  const clock = { now: 1_000_000 }
  const a = instanceOn(ledger, 'a', clock)
  const b = instanceOn(ledger, 'b', clock)
  t.equal(await b.shares.take(b.shares.share('r', () => Infinity), 10, 8), 8, 'another instance holds 8 of 10')
  const share = a.shares.share('r', () => Infinity)
  a.fake.fail.take = true
  t.equal(await a.shares.take(share, 10, 4), 4, 'granted as if this instance were alone, not refused')
  t.equal(share.held, 4)
  t.same(a.errors.map((e) => e.what), ['take'], 'onError is told')
  t.match(a.errors[0].err, /cannot be reached/)
  t.equal(a.fake.calls.take, 1)

  t.equal(await a.shares.take(share, 10, 20), 6, 'bounded by the limit less what it holds')
  t.equal(share.held, 10)
  t.equal(await a.shares.take(share, 10, 1), 0, 'the whole limit held: nothing more')
  const other = a.shares.share('s', () => Infinity)
  t.equal(await a.shares.take(other, 5, 2), 2, 'another share is granted alone too')
  clock.now += OFFLINE_MS - 1
  t.equal(await a.shares.take(other, 5, 1), 1, 'until OFFLINE_MS after the failure')
  t.equal(a.fake.calls.take, 1, 'no call to the ledger meanwhile')
  t.equal(a.errors.length, 1)

  clock.now += 1
  a.fake.fail.take = false
  t.equal(await a.shares.take(other, 5, 1), 1, 'after OFFLINE_MS the ledger is asked again')
  t.equal(a.fake.calls.take, 2)
  t.equal(other.held, 4)
  await a.tick()
  t.equal(share.held, 0, 'the first renewal that reaches the ledger takes back what it does not hold')
  t.equal(other.held, 1, 'down to what the ledger granted')
})

t.test('close() gives everything back, stops the timer, and later takes resolve 0', async (t) => {
  const ledger = fakeLedger()
  const a = instanceOn(ledger, 'a')
  const r = a.shares.share('r', () => Infinity)
  const s = a.shares.share('s', () => Infinity)
  t.equal(await a.shares.take(r, 10, 4), 4)
  t.equal(await a.shares.take(s, 10, 2), 2)
  const open = a.fake.hold('renew')
  a.timer.fn!()
  const closing = a.shares.close()
  await flush()
  t.same(a.timer.cleared, [a.timer.handle], 'the renewal timer is cleared')
  t.equal(a.fake.calls.releaseAll, 0, 'it waits for the renewal in flight')
  open()
  await closing
  t.equal(a.fake.calls.releaseAll, 1, 'everything given back in one call')
  t.equal(ledger.total('r') + ledger.total('s'), 0, 'the ledger holds nothing for it')
  t.equal(r.held + s.held, 0, 'nor do its shares')
  t.equal(a.shares.size, 0)
  t.equal(await a.shares.take(r, 10, 1), 0, 'a take after close resolves 0')
  t.equal(a.fake.calls.take, 2, 'without a call')
  const renewals = a.fake.calls.renew
  await a.tick()
  await a.shares.renew()
  t.equal(a.fake.calls.renew, renewals, 'nor does a renewal')
  await a.shares.close()
  t.equal(a.fake.calls.releaseAll, 1, 'close is idempotent')
})

t.test('the constructor refuses a renewal interval not well within the lease', async (t) => {
  const ledger = fakeLedger()
  const setTimer = () => 0
  t.throws(() => new Shares({ backend: ledger.backend('a', 2000).api, renewMs: 1000, setTimer }), /renewed well within their lease/, 'renewMs × 2 = lease')
  t.throws(() => new Shares({ backend: ledger.backend('a', 1500).api, setTimer }), /every 1000 ms for a lease of 1500 ms/, 'the default interval too')
  t.doesNotThrow(() => new Shares({ backend: ledger.backend('a', 2001).api, renewMs: 1000, setTimer }), 'renewMs × 2 < lease')
})

t.test('a forgotten share granted alone while the ledger is unreachable is tracked again, so renewals correct it', async (t) => {
  const ledger = fakeLedger()
  const clock = { now: 1_000_000 }
  const a = instanceOn(ledger, 'a', clock)
  let inUse = 0
  const share = a.shares.share('r', () => inUse)
  t.equal(await a.shares.take(share, 10, 2), 2)
  await a.tick()
  t.equal(a.shares.size, 0, 'idle at a renewal: forgotten (its owner keeps it)')
  a.fake.fail.take = true
  await a.shares.take(a.shares.share('s', () => 0), 10, 1) // another share's take fails: offline
  t.equal(await a.shares.take(share, 10, 10), 10, 'granted alone while offline')
  t.equal(a.shares.size, 2, 'the share granted alone is tracked again')
  a.fake.fail.take = false
  clock.now += OFFLINE_MS
  inUse = 10
  await a.tick()
  t.equal(share.held, 0, 'the first renewal that reaches the ledger takes back what it does not hold')
})

t.test('a refused take asks the others for units they hold unused: an idle holder gives them back at once, a busy one keeps them', async (t) => {
  const ledger = fakeLedger()
  const fa = ledger.backend('a')
  const fb = ledger.backend('b')
  // The two instances hear each other's wants, as through NOTIFY.
  const listeners = new Map<string, (resource: string) => void>()
  const wants: string[] = []
  const withWant = (fake: typeof fa, self: string, other: string): ShareBackend => ({
    ...fake.api,
    async want (resource) {
      wants.push(`${self}:${resource}`)
      listeners.get(other)?.(resource)
    },
    onWanted (listener) { listeners.set(self, listener) }
  })
  const slept: number[] = []
  const make = (fake: typeof fa, self: string, other: string) => new Shares({
    backend: withWant(fake, self, other),
    setTimer: () => ({}),
    clearTimer: () => {},
    sleep: async (ms) => { slept.push(ms); await flush() }
  })
  const a = make(fa, 'a', 'b')
  const b = make(fb, 'b', 'a')
  let inUseA = 1
  const shareA = a.share('r', () => inUseA)
  const shareB = b.share('r', () => 0)
  t.equal(await a.take(shareA, 1, 1), 1, 'A takes the only unit')

  // A's call is in flight: asked, it keeps its unit, and B is refused after one more try.
  t.equal(await b.take(shareB, 1, 1), 0, 'B is refused while A uses the unit')
  t.same(wants, ['b:r'], 'B asked the others once')
  t.same(slept, [WANT_WAIT_MS], 'and waited a moment before asking the ledger again')
  t.equal(fb.calls.take, 2, 'two takes: the refused one and the one after the want')
  t.equal(shareA.held, 1, 'A kept the unit it uses')
  t.equal(b.stats.wants, 1)

  // A's call ended; its unit stays with it until its next renewal, unless asked for.
  inUseA = 0
  await flush()
  t.equal(await b.take(shareB, 1, 1), 0, 'a refusal is trusted for a moment: B does not ask again at once')
  const later = new Shares({ backend: withWant(fb, 'b', 'a'), setTimer: () => ({}), clearTimer: () => {}, sleep: async () => { await flush() } })
  const shareB2 = later.share('r', () => 0)
  t.equal(await later.take(shareB2, 1, 1), 1, 'asked, A gives back its idle unit and the retry gets it')
  t.equal(shareA.held, 0, 'A holds nothing any more')
  t.equal(a.stats.givenOnWant, 1, 'A gave 1 unit back on want')
  t.equal(ledger.total('r'), 1, 'the ledger holds the one unit, now the asker\'s')
  t.equal(ledger.of('r', 'b'), 1)
})
