// Queueing per Puter account through the AI routes, against a fake Puter that enforces Puter's per-account limits:
// parallel streams of a free account all answered with never more than 3 at Puter, an unlimited account let past 3,
// Puter's own 429 retried out of sight, a 429 with Retry-After when it will not pass, the vendor's 429 and a 402 passed
// on at once, and a client that goes away while queued leaving the queue before Puter sees its call.
import t from 'tap'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fakePuter, setupWithKey, type Setup } from '../../helper.ts'
import { FREE_LIMITS } from '../../fake-puter/account-limits.ts'
import { chat, sse, user } from './chat-helpers.ts'

const ALICE_UUID = '11111111-1111-4111-8111-111111111111'
const CHAT_CALL = { interface: 'puter-chat-completion', method: 'complete' }
const STREAM = { model: 'gpt-4o-mini', stream: true, messages: [user('hi')] }
const PLAIN = { model: 'gpt-4o-mini', messages: [user('again')] }
/** A stream that sends one line, then nothing for a minute: it holds its slot until the client lets go. */
const ENDLESS = { kind: 'stream' as const, lines: [{ type: 'text', text: 'one' }, { type: 'text', text: 'never' }], delayMs: 60_000 }
const REFUSED = { kind: 'error' as const, status: 429, code: 'too_many_requests', message: 'Too many requests.' }

const driverCalls = (s: Setup) => s.fake.calls.filter((c) => c.path === '/drivers/call').length
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until (check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** Streams that each take ~150 ms at Puter, from a gateway on the given config. */
async function pacedGateway (t: Tap, config: Record<string, unknown> = {}) {
  const fake = await fakePuter(t, { streamDelayMs: 50, streamTextLines: 3 })
  return setupWithKey(t, { fake, config })
}
type Tap = Parameters<typeof fakePuter>[0]

t.test('six parallel streams from one free account: all six answered, never more than 3 at Puter, no 429 from it', async (t) => {
  const s = await pacedGateway(t)
  s.fake.accountLimits.set('alice', FREE_LIMITS)
  const answers = await Promise.all(Array.from({ length: 6 }, () => chat(s, s.key, STREAM)))
  t.same(answers.map((r) => r.statusCode), [200, 200, 200, 200, 200, 200])
  t.ok(answers.every((r) => sse(r.body).done && !r.body.includes('"error"')), 'six whole streams')
  t.match(s.fake.accountLimits.stats('alice'), { peakInFlight: 3, admitted: 6, refused: 0 })
})

t.test('an account Puter does not hold to the free tier gets past 3 in flight after a short warm-up', async (t) => {
  const s = await pacedGateway(t)
  const answers = await Promise.all(Array.from({ length: 12 }, () => chat(s, s.key, STREAM)))
  t.ok(answers.every((r) => r.statusCode === 200 && sse(r.body).done), 'all answered')
  const stats = s.fake.accountLimits.stats('alice')
  t.ok(stats.peakInFlight > 3, `more than 3 at Puter at once (${stats.peakInFlight})`)
  t.ok(s.app.relay.queue!.stats(ALICE_UUID, CHAT_CALL)!.concurrency > 3, 'the limit grew')
})

t.test("an account with less than the free tier (temp: 2 in flight): Puter's 429s are retried out of sight and the limit learnt", async (t) => {
  const s = await pacedGateway(t)
  s.fake.accountLimits.set('alice', { concurrency: 2, window: 20 })
  const answers = await Promise.all(Array.from({ length: 6 }, () => chat(s, s.key, STREAM)))
  t.ok(answers.every((r) => r.statusCode === 200 && sse(r.body).done), 'all six answered')
  const stats = s.fake.accountLimits.stats('alice')
  t.ok(stats.refused >= 1, `Puter refused some (${stats.refused})`)
  t.equal(stats.peakInFlight, 2)
  t.equal(s.app.relay.queue!.stats(ALICE_UUID, CHAT_CALL)!.concurrency, 2, 'cut to ⌊0.75 × 3⌋ = 2')
})

t.test("Puter's 429 too_many_requests is retried after 250 ms and the answer passed on", async (t) => {
  for (const stream of [false, true]) {
    const s = await setupWithKey(t)
    s.fake.enqueue(REFUSED)
    const started = Date.now()
    const res = await chat(s, s.key, { ...PLAIN, stream })
    t.equal(res.statusCode, 200, `stream: ${stream}`)
    if (stream) t.ok(sse(res.body).done)
    else t.equal(res.json().choices[0].message.content, 'Echo: again')
    t.ok(Date.now() - started >= 240, 'after the first of puter.js\'s waits')
    t.equal(driverCalls(s), 2, 'sent twice')
  }
})

t.test('when the retries run out of time: 429 in OpenAI\'s shape with Retry-After (and in Anthropic\'s on /v1/messages)', async (t) => {
  const s = await setupWithKey(t, { config: { PUTER_QUEUE_TIMEOUT_SECONDS: 1 } })
  for (let i = 0; i < 10; i++) s.fake.enqueue(REFUSED)
  const res = await chat(s, s.key, PLAIN)
  t.equal(res.statusCode, 429)
  t.match(res.json(), { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null, message: /Puter refused this request 3 times.*Please try again in \d+s\./ } })
  t.match(res.headers['retry-after'], /^\d+$/)
  t.ok(Number(res.headers['retry-after']) >= 1 && Number(res.headers['retry-after']) <= 60)
  t.equal(driverCalls(s), 3, 'attempts at 0, 250 and 750 ms; the next wait (1 s) would pass the deadline')

  const messages = await s.app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: { 'x-api-key': s.key, 'anthropic-version': '2023-06-01' },
    payload: { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [user('hi')] }
  })
  t.equal(messages.statusCode, 429)
  t.match(messages.json(), { type: 'error', error: { type: 'rate_limit_error' } })
  t.match(messages.headers['retry-after'], /^\d+$/)
})

t.test("the vendor's 429 (upstream_rate_limited) and a 402 are passed on at once, not retried", async (t) => {
  const cases = [
    ['upstream_rate_limited', { kind: 'error' as const, status: 429, code: 'upstream_rate_limited', message: 'All routes rate limited' }, 429],
    ['insufficient_funds', { kind: 'error' as const, status: 402, code: 'insufficient_funds', message: 'Available funding is insufficient for this request.' }, 402]
  ] as const
  for (const [name, behaviour, status] of cases) {
    const s = await setupWithKey(t)
    s.fake.enqueue(behaviour)
    const started = Date.now()
    const res = await chat(s, s.key, PLAIN)
    t.equal(res.statusCode, status, name)
    t.equal(driverCalls(s), 1, `${name}: sent once`)
    t.ok(Date.now() - started < 240, `${name}: no backoff`)
  }
})

t.test('a request waits for a turn with its headers held; one whose client goes away leaves the queue and never reaches Puter', async (t) => {
  const s = await setupWithKey(t)
  s.fake.accountLimits.set('alice', FREE_LIMITS)
  const port = await listen(s)
  const queue = s.app.relay.queue!
  for (let i = 0; i < 3; i++) s.fake.enqueue(ENDLESS)
  const holders = Array.from({ length: 3 }, () => send(port, s.key, STREAM))
  t.teardown(() => { for (const h of holders) h.destroy() })
  t.same((await Promise.all(holders.map((h) => h.response))).map((r) => r.statusCode), [200, 200, 200], 'three streams open at Puter')

  const leaving = send(port, s.key, { ...STREAM, messages: [user('gone')] })
  let answered = false
  leaving.response.then(() => { answered = true }, () => {})
  await until(() => queue.stats(ALICE_UUID, CHAT_CALL)?.queued === 1, 'the fourth to queue')
  await sleep(200)
  t.notOk(answered, 'no headers while it waits')
  leaving.destroy()
  await until(() => queue.stats(ALICE_UUID, CHAT_CALL)?.queued === 0, 'it to leave the queue')

  const waiting = send(port, s.key, { ...STREAM, messages: [user('next')] })
  await until(() => queue.stats(ALICE_UUID, CHAT_CALL)?.queued === 1, 'the next to queue')
  holders[0].destroy()
  const next = await waiting.response
  t.equal(next.statusCode, 200, 'its headers come once a slot is free')
  t.ok(sse(await text(next)).done)
  const sent = s.fake.calls.filter((c) => c.path === '/drivers/call').map((c) => c.body.args.messages[0].content)
  t.same(sent, ['hi', 'hi', 'hi', 'next'], 'Puter never saw the request that left')
  t.equal(s.fake.accountLimits.stats('alice').refused, 0)
  for (const h of holders) h.destroy()
})

t.test("a request that finds no turn before PUTER_QUEUE_TIMEOUT_SECONDS gets 429 in OpenAI's shape with Retry-After", async (t) => {
  const s = await setupWithKey(t, { config: { PUTER_QUEUE_TIMEOUT_SECONDS: 0.3 } })
  const port = await listen(s)
  for (let i = 0; i < 3; i++) s.fake.enqueue(ENDLESS)
  const holders = Array.from({ length: 3 }, () => send(port, s.key, STREAM))
  t.teardown(() => { for (const h of holders) h.destroy() })
  await Promise.all(holders.map((h) => h.response))
  const res = await chat(s, s.key, PLAIN)
  t.equal(res.statusCode, 429)
  t.match(res.json(), { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: /3 of 3 puter-chat-completion complete calls in flight.*Please try again in 5s\./ } })
  t.equal(res.headers['retry-after'], '5')
  t.equal(driverCalls(s), 3, 'Puter never saw it')
  for (const h of holders) h.destroy()
})

async function listen (s: Setup): Promise<number> {
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  return (s.app.server.address() as AddressInfo).port
}

/** A chat request over a real socket, to be read or dropped. */
function send (port: number, key: string, payload: unknown) {
  const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } })
  req.on('error', () => {})
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve)
    req.once('close', () => reject(new Error('closed before an answer')))
  })
  response.catch(() => {})
  req.end(JSON.stringify(payload))
  return { response, destroy: () => req.destroy() }
}

function text (res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    res.setEncoding('utf8')
    res.on('data', (d: string) => { body += d })
    res.once('end', () => resolve(body))
    res.once('error', reject)
  })
}
