// A key's settings enforced on the AI routes: expiry and disabling (401), allowed models (403, and the model list),
// requests per minute over a sliding window (429 with x-ratelimit headers), requests in flight (429), and budgets
// per UTC period (429 insufficient_quota), with the clock moved by hand across expiries, windows and period ends.
import t from 'tap'
import type { InjectOptions } from 'fastify'
import { setup, signIn } from '../../helper.ts'
import type { Setup } from '../../helper.ts'
import { PUBLIC_MODEL_DETAILS, resolveModel } from '../../fake-puter/catalog.ts'
import { chat, sse, user } from './chat-helpers.ts'

const T0 = Date.parse('2025-01-15T10:00:00.000Z') // a Wednesday
const iso = (ms: number) => new Date(ms).toISOString()
const CHAT = { model: 'gpt-4o-mini', messages: [user('hi')] }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** An app on a clock the test moves by hand (sessions last a year, so moving it never signs alice out), signed in. */
async function clocked (t: Parameters<typeof setup>[0], start = T0, config: Record<string, unknown> = {}) {
  const clock = { ms: start }
  const s = await setup(t, { now: () => clock.ms, config: { SESSION_TTL_HOURS: 8760, ...config } })
  const cookie = await signIn(s.app)
  /** A new key of alice's with these settings. */
  const keyWith = async (settings: Record<string, unknown>) => {
    const res = await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: settings })
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json() as { id: string, key: string }
  }
  const patch = (id: string, payload: object) => s.app.inject({ method: 'PATCH', url: `/v1/keys/${id}`, headers: { cookie }, payload })
  const getKey = async (id: string) => (await s.app.inject({ url: `/v1/keys/${id}`, headers: { cookie } })).json()
  return { s, clock, cookie, keyWith, patch, getKey }
}

/** Every AI route, each as the inject options of one request with the key. */
function aiRoutes (key: string) {
  const authorization = `Bearer ${key}`
  return [
    ['GET /v1/models', { url: '/v1/models', headers: { authorization } }],
    ['GET /v1/models/{id}', { url: '/v1/models/gpt-4o-mini', headers: { authorization } }],
    ['POST /v1/chat/completions', { method: 'POST' as const, url: '/v1/chat/completions', headers: { authorization }, payload: CHAT }],
    ['POST /v1/chat/completions, streamed', { method: 'POST' as const, url: '/v1/chat/completions', headers: { authorization }, payload: { ...CHAT, stream: true } }]
  ] as const
}

const driverCalls = (s: Setup) => s.fake.calls.filter((c) => c.path === '/drivers/call').length

async function until (cond: () => boolean, what: string) {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(10)
  if (!cond()) throw new Error(`timed out waiting for ${what}`)
}

/** A plain answer for which Puter reports `promptTokens` gpt-4o-mini input tokens and no usd_cents. */
function answerWithTokens (s: Setup, promptTokens: number) {
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', usage: { prompt_tokens: promptTokens, completion_tokens: 0 } } })
}
// A million gpt-4o-mini input tokens at the catalogue's price: US cents per `costs.tokens` tokens, in dollars.
const MINI = resolveModel('gpt-4o-mini')!.costs
const MILLION_TOKENS_USD = 1_000_000 * MINI.prompt_tokens / MINI.tokens / 100 // 0.15

t.test('an expired or disabled key is refused on every AI route: 401 key_expired or key_disabled, saying so', async (t) => {
  const { s, clock, keyWith, patch } = await clocked(t)
  const expiring = await keyWith({ expiresAt: iso(T0 + 60_000) })
  const disabled = await keyWith({ disabled: true })
  clock.ms = T0 + 60_000
  const calls = driverCalls(s)
  for (const [name, opts] of aiRoutes(expiring.key)) {
    const res = await s.app.inject(opts)
    t.equal(res.statusCode, 401, `expired, ${name}: 401`)
    t.match(res.json(), { error: { type: 'authentication_error', code: 'key_expired', param: null, message: new RegExp(`expired at ${iso(T0 + 60_000)}`) } }, `expired, ${name}`)
  }
  for (const [name, opts] of aiRoutes(disabled.key)) {
    const res = await s.app.inject(opts)
    t.equal(res.statusCode, 401, `disabled, ${name}: 401`)
    t.match(res.json(), { error: { type: 'authentication_error', code: 'key_disabled', message: /is disabled/ } }, `disabled, ${name}`)
  }
  t.equal(driverCalls(s), calls, 'Puter was never called')
  await patch(expiring.id, { expiresAt: null })
  await patch(disabled.id, { disabled: false })
  for (const k of [expiring, disabled]) {
    for (const [name, opts] of aiRoutes(k.key)) t.equal((await s.app.inject(opts)).statusCode, 200, `${name}: works again once extended or enabled`)
  }
})

t.test('expiry passing while a key is in use: the stream started before it finishes; the next request is 401', async (t) => {
  const { s, clock, keyWith } = await clocked(t)
  const k = await keyWith({ expiresAt: iso(T0 + 1000) })
  s.fake.enqueue({ kind: 'stream', delayMs: 150, lines: [{ type: 'text', text: 'one ' }, { type: 'text', text: 'two ' }, { type: 'text', text: 'three' }, { type: 'usage', usage: { prompt_tokens: 3, completion_tokens: 3 } }] })
  const streaming = chat(s, k.key, { ...CHAT, stream: true })
  await until(() => driverCalls(s) === 1, 'the stream to start')
  clock.ms = T0 + 1000
  const res = await streaming
  t.equal(res.statusCode, 200)
  const { chunks, done } = sse(res.body)
  t.ok(done, 'ran to [DONE]')
  t.equal(chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join(''), 'one two three', 'nothing was cut')
  t.notOk(chunks.some((c) => c.error), 'no error event')
  const next = await chat(s, k.key, CHAT)
  t.equal(next.statusCode, 401)
  t.equal(next.json().error.code, 'key_expired')
})

t.test('allowedModels: another model is 403 model_not_allowed naming it; globs, aliases and case match; /v1/models lists only them', async (t) => {
  const { s, keyWith, patch } = await clocked(t)
  const k = await keyWith({ allowedModels: ['gpt-4o-mini', 'claude-*'] })
  const calls = driverCalls(s)
  for (const stream of [false, true]) {
    const res = await chat(s, k.key, { ...CHAT, model: 'gpt-5-nano', stream })
    t.equal(res.statusCode, 403, `stream ${stream}: 403`)
    t.match(res.json(), { error: { type: 'permission_error', code: 'model_not_allowed', param: 'model', message: /`gpt-5-nano`/ } }, `stream ${stream}: names the model`)
  }
  t.equal(driverCalls(s), calls, 'Puter was not called for a refused model')
  for (const model of ['gpt-4o-mini', 'GPT-4o-Mini', 'claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4-5']) {
    t.equal((await chat(s, k.key, { ...CHAT, model })).statusCode, 200, `${model}: allowed`)
  }
  const list = await s.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${k.key}` } })
  // The catalogue's models whose id or an alias is gpt-4o-mini or starts with claude-.
  const allowed = PUBLIC_MODEL_DETAILS.filter((m) => [m.id, ...m.aliases].some((n) => n.toLowerCase() === 'gpt-4o-mini' || n.toLowerCase().startsWith('claude-')))
  t.ok(allowed.length >= 2 && allowed.length < PUBLIC_MODEL_DETAILS.length, 'a real subset')
  t.same(list.json().data.map((m: { id: string }) => m.id).sort(), allowed.map((m) => m.id).sort(), 'only the allowed models are listed')
  const hidden = await s.app.inject({ url: '/v1/models/gpt-5-nano', headers: { authorization: `Bearer ${k.key}` } })
  t.equal(hidden.statusCode, 404, 'a disallowed model is not found')
  t.equal(hidden.json().error.code, 'model_not_found')
  t.equal((await s.app.inject({ url: '/v1/models/claude-sonnet-4-5', headers: { authorization: `Bearer ${k.key}` } })).statusCode, 200, 'an allowed model by alias')
  await patch(k.id, { allowedModels: [] })
  t.equal((await chat(s, k.key, { ...CHAT, model: 'gpt-5-nano' })).statusCode, 200, 'an empty list allows every model again')
  t.ok((await s.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${k.key}` } })).json().data.length > 2)
})

t.test('rpm: a sliding window; the 4th request within 60 s gets 429 with Retry-After; x-ratelimit headers on every AI answer', async (t) => {
  const { s, clock, keyWith } = await clocked(t)
  const k = await keyWith({ limits: { rpm: 3 } })
  const at = async (ms: number, opts: InjectOptions = { method: 'POST', url: '/v1/chat/completions', payload: CHAT }) => {
    clock.ms = T0 + ms
    return s.app.inject({ ...opts, headers: { authorization: `Bearer ${k.key}` } })
  }
  const answers = [await at(0), await at(20_000, { url: '/v1/models' }), await at(40_000, { url: '/v1/models/gpt-4o-mini' })]
  t.same(answers.map((r) => r.statusCode), [200, 200, 200])
  t.same(answers.map((r) => [r.headers['x-ratelimit-limit-requests'], r.headers['x-ratelimit-remaining-requests']]), [['3', '2'], ['3', '1'], ['3', '0']])
  t.equal(answers[0].headers['x-ratelimit-reset-requests'], '1m0s')
  const refused = await at(50_000)
  t.equal(refused.statusCode, 429)
  t.match(refused.json(), { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: /3 requests per minute/ } })
  t.equal(refused.headers['retry-after'], '10', 'retry when the request at t leaves the window')
  t.equal(refused.headers['x-ratelimit-remaining-requests'], '0')
  t.equal(refused.headers['x-ratelimit-reset-requests'], '50s', 'the window is empty once the request at t+40s leaves it')
  t.equal((await at(59_999)).statusCode, 429, 'still refused 1 ms before')
  const allowed = await at(60_001)
  t.equal(allowed.statusCode, 200, 'allowed at t+60.001s')
  t.equal(allowed.headers['x-ratelimit-remaining-requests'], '0')

  clock.ms += 120_000
  const stream = await chat(s, k.key, { ...CHAT, stream: true })
  t.equal(stream.headers['x-ratelimit-limit-requests'], '3', 'on a stream')
  const notAllowed = await keyWith({ limits: { rpm: 100 }, allowedModels: ['claude-*'] })
  const refusedModel = await chat(s, notAllowed.key, CHAT)
  t.equal(refusedModel.statusCode, 403)
  t.equal(refusedModel.headers['x-ratelimit-remaining-requests'], '99', 'on an error answer')
  const plain = await keyWith({})
  const none = await chat(s, plain.key, CHAT)
  t.notOk(Object.keys(none.headers).some((h) => h.startsWith('x-ratelimit')), 'none for a key without an rpm limit')
})

t.test("concurrency: parallel streams over limits.concurrency get 429 naming the key's limit; the server cap is named when lower", async (t) => {
  const { s, keyWith } = await clocked(t)
  const k = await keyWith({ limits: { concurrency: 2 } })
  const other = await keyWith({})
  const slow = { kind: 'stream' as const, delayMs: 200, lines: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'usage', usage: {} }] }
  s.fake.enqueue(slow)
  s.fake.enqueue({ kind: 'delay', ms: 400 })
  const held = [chat(s, k.key, { ...CHAT, stream: true }), chat(s, k.key, CHAT)]
  await until(() => driverCalls(s) === 2, 'both requests to reach Puter')
  const third = await chat(s, k.key, { ...CHAT, stream: true })
  t.equal(third.statusCode, 429, 'a third at once is refused')
  t.match(third.json(), { error: { type: 'rate_limit_error', code: 'concurrency_limit_exceeded', message: /2 requests in flight, the key's own concurrency limit \(limits\.concurrency\)/ } })
  t.equal(third.headers['retry-after'], '1')
  t.equal((await chat(s, other.key, CHAT)).statusCode, 200, "another key of the same user is not held by this key's limit")
  const [a, b] = await Promise.all(held)
  t.same([a.statusCode, b.statusCode], [200, 200], 'the two in flight finish')
  t.ok(sse(a.body).done)
  t.equal((await chat(s, k.key, CHAT)).statusCode, 200, 'a slot is free again')

  const capped = await clocked(t, T0, { KEY_MAX_CONCURRENCY: 1 })
  const roomy = await capped.keyWith({ limits: { concurrency: 5 } })
  capped.s.fake.enqueue({ kind: 'delay', ms: 300 })
  const first = chat(capped.s, roomy.key, CHAT)
  await until(() => driverCalls(capped.s) === 1, 'the request to reach Puter')
  const second = await chat(capped.s, roomy.key, CHAT)
  t.equal(second.statusCode, 429)
  t.match(second.json().error, { code: 'concurrency_limit_exceeded', message: /1 requests in flight, the server's limit per key \(KEY_MAX_CONCURRENCY\)/ })
  t.equal((await first).statusCode, 200)
})

t.test('day budget: spent → 429 insufficient_quota, x-should-retry false, the reset time; allowed again after UTC midnight', async (t) => {
  const { s, clock, keyWith, getKey } = await clocked(t, Date.parse('2025-01-15T22:00:00.000Z'))
  await s.app.models.list() // the catalogue the costs come from, as after any /v1/models call
  const budget = 1.5 * MILLION_TOKENS_USD // the second request starts under it and ends over it
  const k = await keyWith({ budget: { usd: budget, period: 'day' } })
  for (let i = 0; i < 3; i++) answerWithTokens(s, 1_000_000)
  t.equal((await chat(s, k.key, CHAT)).statusCode, 200)
  t.equal((await chat(s, k.key, CHAT)).statusCode, 200, 'allowed while the spend is under the budget')
  t.match(await getKey(k.id), { state: 'over_budget', spend: { usd: 2 * MILLION_TOKENS_USD, period: 'day', resetsAt: '2025-01-16T00:00:00.000Z' } })
  const calls = driverCalls(s)
  clock.ms = Date.parse('2025-01-15T23:59:59.999Z')
  for (const [name, opts] of aiRoutes(k.key)) {
    const res = await s.app.inject(opts)
    t.equal(res.statusCode, 429, `${name}: 429`)
    t.match(res.json(), { error: { type: 'insufficient_quota', code: 'insufficient_quota', message: /budget for the day .*It resets at 2025-01-16T00:00:00\.000Z/ } }, `${name}: says when it resets`)
    t.equal(res.headers['x-should-retry'], 'false', `${name}: x-should-retry false`)
  }
  t.equal(driverCalls(s), calls, 'Puter was not called')
  clock.ms = Date.parse('2025-01-16T00:00:00.000Z')
  t.match(await getKey(k.id), { state: 'active', spend: { usd: 0, periodStart: '2025-01-16T00:00:00.000Z' } }, 'a new day')
  t.equal((await chat(s, k.key, CHAT)).statusCode, 200, 'allowed after UTC midnight')
})

t.test('week and month budgets reset at the next ISO week and calendar month; a total budget never does', async (t) => {
  const cases: Array<[string, 'week' | 'month' | 'total', string, string, string | null]> = [
    // spent on, still refused at (same period, another day), allowed at (the next period)
    ['week', 'week', '2025-01-15T10:00:00.000Z', '2025-01-19T23:59:59.999Z', '2025-01-20T00:00:00.000Z'],
    ['month', 'month', '2025-01-02T10:00:00.000Z', '2025-01-31T23:59:59.999Z', '2025-02-01T00:00:00.000Z'],
    ['total', 'total', '2025-01-02T10:00:00.000Z', '2025-07-01T00:00:00.000Z', null]
  ]
  for (const [name, period, spentAt, stillAt, resetAt] of cases) {
    const { s, clock, keyWith, patch } = await clocked(t, Date.parse(spentAt))
    await s.app.models.list()
    const k = await keyWith({ budget: { usd: MILLION_TOKENS_USD / 2, period } })
    answerWithTokens(s, 1_000_000)
    t.equal((await chat(s, k.key, CHAT)).statusCode, 200, `${name}: the first request`)
    clock.ms = Date.parse(stillAt)
    const refused = await chat(s, k.key, CHAT)
    t.equal(refused.statusCode, 429, `${name}: refused later in the same period`)
    t.match(refused.json().error.message, resetAt ? `It resets at ${resetAt}` : /A total budget does not reset/, `${name}: the message says when it resets`)
    if (resetAt) {
      clock.ms = Date.parse(resetAt)
      t.equal((await chat(s, k.key, CHAT)).statusCode, 200, `${name}: allowed in the next period`)
    } else {
      await patch(k.id, { budget: { usd: MILLION_TOKENS_USD * 2, period } })
      t.equal((await chat(s, k.key, CHAT)).statusCode, 200, `${name}: allowed once the budget is raised`)
    }
  }
})

t.test('disabling a key cuts its open stream with an error event key_disabled; the next request is 401', async (t) => {
  const { s, keyWith, patch } = await clocked(t)
  const k = await keyWith({})
  const lines = [...Array.from({ length: 10 }, (_, i) => ({ type: 'text', text: `part${i} ` })), { type: 'usage', usage: {} }]
  s.fake.enqueue({ kind: 'stream', delayMs: 100, lines })
  const streaming = chat(s, k.key, { ...CHAT, stream: true })
  await until(() => driverCalls(s) === 1, 'the stream to start')
  await sleep(150)
  const aborted = s.fake.waitForAbort()
  t.equal((await patch(k.id, { disabled: true })).statusCode, 200)
  const res = await streaming
  const { chunks } = sse(res.body)
  t.match(chunks.at(-1), { error: { code: 'key_disabled', message: /disabled/ } }, 'ends with an error event')
  t.notMatch(res.body, /part9/, 'cut before the end')
  await aborted
  t.pass('the upstream call was aborted')
  const next = await chat(s, k.key, CHAT)
  t.equal(next.statusCode, 401)
  t.equal(next.json().error.code, 'key_disabled')
})
