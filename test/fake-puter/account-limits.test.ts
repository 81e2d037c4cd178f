// The fake Puter's per-account limits: Puter's 429 body exactly (no Retry-After), the window checked before
// concurrency, refused calls not counted, slots held until the answer ends, unlimited accounts counted too.
import t from 'tap'
import { EventEmitter } from 'node:events'
import { startFakePuter } from './server.ts'
import { createAccountLimits, FREE_LIMITS } from './account-limits.ts'

const CHAT = { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete', args: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } }

t.test("over its limits an account gets Puter's 429 too_many_requests body, without Retry-After", async (t) => {
  const fake = await startFakePuter()
  t.teardown(() => fake.close())
  const send = (token: string) => fetch(`${fake.url}/drivers/call`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(CHAT) })
  fake.accountLimits.set('alice', { concurrency: 0, window: 30 })
  const concurrent = await send('fake-token-alice')
  t.equal(concurrent.status, 429)
  t.same(await concurrent.json(), { error: 'Too many concurrent requests.', message: 'Too many concurrent requests.', code: 'too_many_requests' })
  t.equal(concurrent.headers.get('retry-after'), null)
  fake.accountLimits.set('alice', { concurrency: 3, window: 0 })
  const windowed = await send('fake-token-alice')
  t.same(await windowed.json(), { error: 'Too many requests.', message: 'Too many requests.', code: 'too_many_requests' })
  t.equal((await send('fake-token-bob')).status, 200, 'another account is not limited')
  t.match(fake.accountLimits.stats('alice'), { refused: 2, admitted: 0 })
  t.equal(fake.calls.length, 3, 'refused calls are recorded like any other')
})

t.test('free limits: 3 in flight until an answer ends, 30 per sliding 10 s, refusals not counted', async (t) => {
  let now = 0
  const limits = createAccountLimits({ now: () => now })
  limits.set('alice', FREE_LIMITS)
  const answers = Array.from({ length: 3 }, () => new EventEmitter())
  for (const res of answers) t.equal(limits.admit('alice', 'puter-chat-completion', 'complete', res), undefined)
  t.equal(limits.admit('alice', 'puter-chat-completion', 'complete', new EventEmitter()), 'Too many concurrent requests.')
  t.equal(limits.admit('alice', 'puter-image-generation', 'generate', new EventEmitter()), undefined, 'another method has its own budget')
  answers[0].emit('close')
  for (let i = 0; i < 27; i++) {
    const res = new EventEmitter()
    t.equal(limits.admit('alice', 'puter-chat-completion', 'complete', res), undefined)
    res.emit('close')
    now += 100
  }
  t.equal(limits.admit('alice', 'puter-chat-completion', 'complete', new EventEmitter()), 'Too many requests.', '30 in 10 s; the window is checked first')
  now = 9_999
  t.equal(limits.admit('alice', 'puter-chat-completion', 'complete', new EventEmitter()), 'Too many requests.')
  now = 10_000
  t.equal(limits.admit('alice', 'puter-chat-completion', 'complete', new EventEmitter()), undefined, 'the calls at 0 left the window')
  t.equal(limits.admit('alice', 'puter-chat-completion', 'complete', new EventEmitter()), 'Too many concurrent requests.', 'three in flight again')
  t.match(limits.stats('alice'), { inFlight: 4, peakInFlight: 4, admitted: 32, refused: 4 })
  limits.admit('bob', 'puter-chat-completion', 'complete', new EventEmitter())
  t.match(limits.stats('bob'), { peakInFlight: 1, admitted: 1, refused: 0 }, 'an unlimited account is counted too')
})
