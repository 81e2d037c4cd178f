// Usage counted when each AI request ends: the tokens Puter reported (plain, streamed, failed or aborted streams, tool
// calls), the cost at the catalogue's list prices, and each key's recent requests without any prompt or answer.
import t from 'tap'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createKey, fakePuter, setupWithKey } from '../../helper.ts'
import type { Setup } from '../../helper.ts'
import { resolveModel } from '../../fake-puter/catalog.ts'
import { chat, sse, user, WEATHER_TOOL } from './chat-helpers.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * What a usage costs at a fake-catalogue model's list prices, in micro-dollars. Puter's `costs` are US cents per
 * `costs.tokens` tokens, so one token costs cents * 10^4 / tokens micro-dollars; cached input at the cache-read rate.
 */
function listPriceMicroUsd (id: string, u: { input: number, cached?: number, output: number }): number {
  const m = resolveModel(id)!
  const c = m.costs
  const inputRate = c[m.input_cost_key!]
  const cacheRate = c.cached_tokens ?? c.cache_read_input_tokens ?? inputRate
  const cached = u.cached ?? 0
  return Math.round(((u.input - cached) * inputRate + cached * cacheRate + u.output * c[m.output_cost_key!]) * 10_000 / c.tokens)
}

/** The user's usage counters per key id (group_by=key), over every day kept. */
async function usageByKey (s: Setup, cookie: string) {
  const res = await s.app.inject({ url: '/v1/usage?group_by=key', headers: { cookie } })
  if (res.statusCode !== 200) throw new Error(res.body)
  return Object.fromEntries(res.json().data.map((row: { keyId: string }) => [row.keyId, row]))
}

const requestsOf = async (s: Setup, cookie: string, id: string) =>
  (await s.app.inject({ url: `/v1/keys/${id}/requests`, headers: { cookie } })).json().data

t.test("a new server's first request is costed at the catalogue's list price and counted under the catalogue's id", async (t) => {
  const s = await setupWithKey(t)
  // Puter reports Claude tokens and no price of its own: the cost can only come from the catalogue.
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', usage: { input_tokens: 1_000_000, output_tokens: 1001 } } })
  t.equal((await chat(s, s.key, { model: 'claude-sonnet-4-5', messages: [user('x')] })).statusCode, 200)
  const [entry] = await requestsOf(s, s.cookie, s.keyId)
  const expected = listPriceMicroUsd('claude-sonnet-4-5-20250929', { input: 1_000_000, output: 1001 })
  t.match(entry, { model: 'claude-sonnet-4-5-20250929', inputTokens: 1_000_000, outputTokens: 1001 }, 'the alias asked is counted under the catalogue id')
  t.equal(entry.costUsd, expected / 1e6, `$${expected / 1e6}: 1M input and 1001 output tokens at the catalogue price`)
})

t.test("usage equals what Puter reported, and the cost is tokens × the catalogue's price: plain, streamed, failed stream, tool calls", async (t) => {
  const s = await setupWithKey(t)
  await s.app.models.list() // the catalogue, as after any /v1/models call (see the test above for a server without it)
  const keys: Record<string, { id: string, key: string }> = {}
  for (const name of ['plain', 'streamed', 'failed', 'tools']) keys[name] = await createKey(s.app, s.cookie, name)

  // Plain, in Puter's metered keys: prompt_tokens excludes the cached_tokens billed apart; usd_cents is Puter's own price.
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', usage: { prompt_tokens: 12_000, cached_tokens: 4000, completion_tokens: 3001, completion_tokens_details: { reasoning_tokens: 1200 }, usd_cents: 99 } } })
  t.equal((await chat(s, keys.plain.key, { model: 'gpt-4o-mini', messages: [user('x')] })).statusCode, 200)
  // Streamed, Claude's keys: input_tokens excludes cache reads.
  s.fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'hello' }, { type: 'usage', usage: { input_tokens: 20_000, cache_read_input_tokens: 5000, output_tokens: 2001, usd_cents: 99 } }] })
  t.ok(sse((await chat(s, keys.streamed.key, { model: 'claude-sonnet-4-5', stream: true, messages: [user('x')] })).body).done)
  // A stream Puter reported usage for, then failed.
  s.fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'half' }, { type: 'usage', usage: { prompt_tokens: 7000, completion_tokens: 333 } }, { type: 'error', message: 'provider fell over' }] })
  const failed = sse((await chat(s, keys.failed.key, { model: 'gpt-4o-mini', stream: true, messages: [user('x')] })).body)
  t.ok(failed.chunks.at(-1).error, 'the stream ended with an error event')
  // Tool calls, plain and streamed, with the usage Puter reported for them.
  const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls', usage: { prompt_tokens: 30_000, completion_tokens: 1501 } } })
  const toolPlain = (await chat(s, keys.tools.key, { model: 'gpt-4o-mini', messages: [user('Rome')], tools: [WEATHER_TOOL] })).json()
  t.equal(toolPlain.choices[0].finish_reason, 'tool_calls')
  s.fake.enqueue({ kind: 'stream', lines: [{ type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Paris' }, text: '' }, { type: 'usage', usage: { prompt_tokens: 31_000, completion_tokens: 1601 } }] })
  const toolStream = sse((await chat(s, keys.tools.key, { model: 'gpt-4o-mini', stream: true, messages: [user('Paris')], tools: [WEATHER_TOOL] })).body)
  t.ok(toolStream.chunks.some((c) => c.choices?.[0]?.delta?.tool_calls), 'a streamed tool call')
  const toolCost = listPriceMicroUsd('gpt-4o-mini', { input: 30_000, output: 1501 }) + listPriceMicroUsd('gpt-4o-mini', { input: 31_000, output: 1601 })

  const usage = await usageByKey(s, s.cookie)
  const expected = {
    plain: { requests: 1, errors: 0, inputTokens: 16_000, cachedTokens: 4000, outputTokens: 3001, reasoningTokens: 1200, costUsd: listPriceMicroUsd('gpt-4o-mini', { input: 16_000, cached: 4000, output: 3001 }) / 1e6 },
    streamed: { requests: 1, errors: 0, inputTokens: 25_000, cachedTokens: 5000, outputTokens: 2001, reasoningTokens: 0, costUsd: listPriceMicroUsd('claude-sonnet-4-5-20250929', { input: 25_000, cached: 5000, output: 2001 }) / 1e6 },
    failed: { requests: 1, errors: 1, inputTokens: 7000, cachedTokens: 0, outputTokens: 333, reasoningTokens: 0, costUsd: listPriceMicroUsd('gpt-4o-mini', { input: 7000, output: 333 }) / 1e6 },
    tools: { requests: 2, errors: 0, inputTokens: 61_000, cachedTokens: 0, outputTokens: 3102, reasoningTokens: 0, costUsd: toolCost / 1e6 }
  }
  for (const [name, counters] of Object.entries(expected)) t.match(usage[keys[name].id], counters, `${name}: as reported, at list prices`)
  t.ok(Object.values(expected).every((c) => c.costUsd > 0), 'non-trivial costs')
  t.match(await requestsOf(s, s.cookie, keys.failed.id), [{ status: 200, errorCode: 'upstream_error', inputTokens: 7000, outputTokens: 333 }], 'the failed stream: 200 sent, then an error')
  const key = (await s.app.inject({ url: `/v1/keys/${keys.plain.id}`, headers: { cookie: s.cookie } })).json()
  t.match(key, { requestCount: 1, errorCount: 0, spend: { usd: expected.plain.costUsd } }, "the key's totals and spend agree")
})

t.test('a stream the client aborts counts the usage Puter reported before it, and nothing more', async (t) => {
  const fake = await fakePuter(t)
  const s = await setupWithKey(t, { fake })
  await s.app.models.list()
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as AddressInfo
  const keys = { after: await createKey(s.app, s.cookie, 'after usage'), before: await createKey(s.app, s.cookie, 'before usage') }
  const text = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'text', text: `t${i} ` }))
  for (const [name, lines] of [
    ['after', [...text(1), { type: 'usage', usage: { prompt_tokens: 4321, completion_tokens: 12 } }, ...text(20)]],
    ['before', [...text(20), { type: 'usage', usage: { prompt_tokens: 9999, completion_tokens: 99 } }]]
  ] as const) {
    fake.enqueue({ kind: 'stream', delayMs: 100, lines: [...lines] })
    const aborted = fake.waitForAbort()
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${keys[name].key}`, 'content-type': 'application/json' } })
    req.on('error', () => {})
    req.end(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [user('x')] }))
    await new Promise<void>((resolve) => req.on('response', (res) => res.once('data', () => resolve())))
    await sleep(350) // the usage line of 'after' (sent 100 ms after the first) is in; 'before' is far from its own
    req.destroy()
    await aborted
  }
  await sleep(50)
  const usage = await usageByKey(s, s.cookie)
  t.match(usage[keys.after.id], { requests: 1, inputTokens: 4321, outputTokens: 12, costUsd: listPriceMicroUsd('gpt-4o-mini', { input: 4321, output: 12 }) / 1e6 }, 'usage reported before the abort is counted')
  t.match(usage[keys.before.id], { requests: 1, inputTokens: 0, outputTokens: 0, costUsd: 0 }, 'usage never reported is not invented')
})

t.test("a key's recent requests: route, model, status, error code, tokens, cost and timings; refusals too; never content", async (t) => {
  const s = await setupWithKey(t)
  await s.app.models.list()
  const res = await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie: s.cookie }, payload: { allowedModels: ['gpt-4o-mini'], limits: { rpm: 4 } } })
  const k = res.json()
  const secretPrompt = 'PROMPT-CONTENT-7f3a'
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'ANSWER-CONTENT-9b1c' }, finish_reason: 'stop', usage: { prompt_tokens: 1000, completion_tokens: 250 } } })
  t.equal((await chat(s, k.key, { model: 'gpt-4o-mini', messages: [user(secretPrompt)] })).statusCode, 200)
  t.equal((await chat(s, k.key, { model: 'gpt-5-nano', messages: [user(secretPrompt)] })).statusCode, 403)
  s.fake.enqueue({ kind: 'error', status: 500, code: 'internal_error', message: 'boom' })
  t.equal((await chat(s, k.key, { model: 'gpt-4o-mini', messages: [user(secretPrompt)] })).statusCode, 502)
  t.equal((await chat(s, k.key, { model: 'gpt-4o-mini', stream: true, messages: [user(secretPrompt)] })).statusCode, 200)
  t.equal((await chat(s, k.key, { model: 'gpt-4o-mini', messages: [user(secretPrompt)] })).statusCode, 429, 'over rpm')

  const list = await s.app.inject({ url: `/v1/keys/${k.id}/requests`, headers: { cookie: s.cookie } })
  t.equal(list.statusCode, 200)
  const entries = list.json().data
  const route = 'POST /v1/chat/completions'
  t.match(entries, [
    { route, status: 429, errorCode: 'rate_limit_exceeded', inputTokens: 0, outputTokens: 0, costUsd: 0, ttfbMs: null },
    { route, model: 'gpt-4o-mini', status: 200, errorCode: null, ttfbMs: Number },
    { route, model: 'gpt-4o-mini', status: 502, errorCode: 'upstream_error', inputTokens: 0, costUsd: 0, ttfbMs: Number },
    { route, model: 'gpt-5-nano', status: 403, errorCode: 'model_not_allowed', inputTokens: 0, outputTokens: 0, costUsd: 0, ttfbMs: null },
    { route, model: 'gpt-4o-mini', status: 200, errorCode: null, inputTokens: 1000, outputTokens: 250, costUsd: listPriceMicroUsd('gpt-4o-mini', { input: 1000, output: 250 }) / 1e6, ttfbMs: Number }
  ], 'newest first')
  t.equal(entries.length, 5)
  for (const e of entries) {
    t.ok(Number.isInteger(e.durationMs) && e.durationMs >= 0 && Date.parse(e.at) > 0, `${e.status}: a duration and a time`)
    t.same(Object.keys(e).sort(), ['at', 'costUsd', 'durationMs', 'errorCode', 'inputTokens', 'model', 'outputTokens', 'route', 'status', 'ttfbMs'], `${e.status}: only these fields`)
  }
  t.ok(entries[1].ttfbMs <= entries[1].durationMs, 'time to first byte within the duration')
  t.notMatch(list.body, /PROMPT-CONTENT|ANSWER-CONTENT|Echo:/, 'never a prompt or an answer')
  t.match(await usageByKey(s, s.cookie), { [k.id]: { requests: 5, errors: 3 } }, 'refusals count as requests and errors')
})
