// The in-memory limiters: requests in flight per key, failed authentications per address, requests per minute per key.
import t from 'tap'
import { createFailureLimiter, createInflightCounter, createSlidingWindows } from '../../src/gateway/limits.ts'

t.test('in-flight counter: refuses past the cap, frees on release, ids are independent', async (t) => {
  const c = createInflightCounter()
  t.ok(c.tryAcquire('a', 2))
  t.ok(c.tryAcquire('a', 2))
  t.notOk(c.tryAcquire('a', 2), 'third refused')
  t.ok(c.tryAcquire('b', 2), 'another id is not limited')
  c.release('a')
  t.equal(c.count('a'), 1)
  t.ok(c.tryAcquire('a', 2), 'a slot again after release')
  c.release('a')
  c.release('a')
  c.release('a')
  t.equal(c.count('a'), 0, 'never below zero')
})

t.test('failure limiter: a burst is allowed, then a wait until the window ends', async (t) => {
  let now = 1_000_000
  const l = createFailureLimiter({ max: 3, windowMs: 60_000, now: () => now })
  t.same([l.fail('1.1.1.1'), l.fail('1.1.1.1'), l.fail('1.1.1.1')], [0, 0, 0])
  t.equal(l.fail('1.1.1.1'), 60, 'fourth failure: wait the window out')
  t.equal(l.fail('2.2.2.2'), 0, 'another address is not limited')
  now += 30_000
  t.equal(l.fail('1.1.1.1'), 30, 'the wait shrinks as the window passes')
  now += 30_001
  t.equal(l.fail('1.1.1.1'), 0, 'a new window starts clean')
})

t.test('failure limiter: blocked() tells an address at its limit, without counting (the key guard asks before a store look-up)', async (t) => {
  let now = 1_000_000
  const l = createFailureLimiter({ max: 2, windowMs: 60_000, now: () => now })
  t.equal(l.blocked('1.1.1.1'), 0, 'an unknown address is not blocked')
  l.fail('1.1.1.1')
  t.equal(l.blocked('1.1.1.1'), 0, 'one failure of two allowed')
  l.fail('1.1.1.1')
  t.equal(l.blocked('1.1.1.1'), 60, 'at the limit: the next failure would be refused, so no look-up either')
  t.equal(l.blocked('1.1.1.1'), 60, 'asking counts nothing')
  t.equal(l.fail('1.1.1.1'), 60, 'the third failure is refused as before')
  now += 60_000
  t.equal(l.blocked('1.1.1.1'), 0, 'a new window starts clean')
})

t.test('failure limiter memory is bounded', async (t) => {
  const l = createFailureLimiter({ max: 1, windowMs: 60_000, maxEntries: 100 })
  for (let i = 0; i < 1000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`)
  t.equal(l.fail('10.0.0.5'), 0, 'old entries were dropped, not kept forever')
})

t.test('sliding window: rpm=3 at t, t+20s, t+40s refuses t+50s (retry in 10 s) and allows t+60.001s', async (t) => {
  const t0 = 1_000_000
  let now = t0
  const w = createSlidingWindows({ windowMs: 60_000, now: () => now })
  const at = (ms: number) => { now = t0 + ms; return w.take('k', 3) }
  t.match(at(0), { ok: true, limit: 3, remaining: 2, retryMs: 0, resetMs: 60_000 })
  t.match(at(20_000), { ok: true, remaining: 1 })
  t.match(at(40_000), { ok: true, remaining: 0 })
  t.same(at(50_000), { ok: false, limit: 3, remaining: 0, retryMs: 10_000, resetMs: 50_000 }, 'refused until t leaves; empty when t+40s leaves')
  t.match(at(59_999), { ok: false, retryMs: 1 }, 'still refused 1 ms before the window slides past t')
  t.match(at(60_001), { ok: true, remaining: 0 }, 'allowed once t has left the window')
  t.match(at(60_002), { ok: false, retryMs: 20_000 - 2 }, 'refusals took no slot: t+20s is now the oldest')
  t.match(at(80_001), { ok: true }, 'and it slides on')
})

t.test('sliding window: ids are independent; drop forgets one', async (t) => {
  let now = 0
  const w = createSlidingWindows({ windowMs: 60_000, now: () => now })
  t.ok(w.take('a', 1).ok)
  t.notOk(w.take('a', 1).ok)
  t.ok(w.take('b', 1).ok, 'another id has its own window')
  w.drop('a')
  now = 1
  t.ok(w.take('a', 1).ok, 'a dropped id starts afresh')
  t.notOk(w.take('b', 1).ok, 'the other id is untouched')
})

t.test('sliding window: a changed limit applies from the next request, and a grown ring keeps the oldest first', async (t) => {
  let now = 0
  const w = createSlidingWindows({ windowMs: 60_000, now: () => now })
  const take = (ms: number, limit: number) => { now = ms; return w.take('k', limit) }
  t.ok(take(0, 3).ok)
  t.ok(take(10, 3).ok)
  t.ok(take(20, 3).ok)
  t.ok(take(60_005, 3).ok, '0 left the window: the ring wraps')
  t.match(take(60_006, 5), { ok: true, limit: 5, remaining: 1 }, 'raised to 5: the ring grows')
  t.match(take(60_007, 5), { ok: true, remaining: 0 })
  t.same(take(60_008, 5), { ok: false, limit: 5, remaining: 0, retryMs: 2, resetMs: 59_999 }, 'the oldest (10) and newest (60,007) are where they should be')
  t.ok(take(60_010, 5).ok, '10 has left')
  t.match(take(60_011, 2), { ok: false, limit: 2 }, 'lowered to 2: refused while more than 2 are in the window')
  t.equal(take(120_006, 2).ok, false, 'up to 60,006 have left, but 60,007 and 60,010 still fill a limit of 2')
  t.equal(take(120_010, 2).ok, true, 'allowed once they have left too')
})

t.test('sliding window: a big limit fills and empties in order', async (t) => {
  let now = 0
  const w = createSlidingWindows({ windowMs: 1000, now: () => now })
  const remaining: number[] = []
  for (let i = 0; i < 500; i++) {
    now = i
    remaining.push(w.take('k', 500).remaining)
  }
  t.same(remaining, Array.from({ length: 500 }, (_, i) => 499 - i), 'each request counted once')
  now = 999
  t.match(w.take('k', 500), { ok: false, retryMs: 1 })
  now = 1000
  t.match(w.take('k', 500), { ok: true, remaining: 0 }, 'exactly one left at 1000')
})
