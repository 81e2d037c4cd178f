// The in-memory limiters: requests in flight per key, failed authentications per address.
import t from 'tap'
import { createFailureLimiter, createInflightCounter } from '../../src/gateway/limits.ts'

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

t.test('failure limiter memory is bounded', async (t) => {
  const l = createFailureLimiter({ max: 1, windowMs: 60_000, maxEntries: 100 })
  for (let i = 0; i < 1000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`)
  t.equal(l.fail('10.0.0.5'), 0, 'old entries were dropped, not kept forever')
})
