// The AI routes' key guard: failed authentications limited per address, requests in flight capped per key, usage
// counted when a request ends (errors apart, with Puter's tokens), fallback keys too short to be safe refused.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { setup, setupWithKey } from '../helper.ts'

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }

t.test('failed authentications from one address get 429 after a burst; valid keys are never slowed', async (t) => {
  const s = await setupWithKey(t, { config: { AUTH_FAILURE_LIMIT: 3 } })
  const bad = { authorization: 'Bearer sk-' + 'x'.repeat(48) }
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await s.app.inject({ url: '/v1/models', headers: bad })).statusCode)
  t.same(statuses, [401, 401, 401, 429])
  const limited = await s.app.inject({ url: '/v1/models', headers: bad })
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: /invalid API keys from your address; retry in \d+ s/ } })
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.equal((await s.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${s.key}` } })).statusCode, 200, 'a valid key from the same address still works')
  t.equal((await s.app.inject({ url: '/v1/models', headers: bad, remoteAddress: '10.9.8.7' })).statusCode, 401, 'another address is not limited')
})

t.test('a key has at most KEY_MAX_CONCURRENCY requests in flight; the slot frees when one ends', async (t) => {
  const s = await setupWithKey(t, { config: { KEY_MAX_CONCURRENCY: 2 } })
  const slow = { kind: 'stream' as const, lines: [{ type: 'text', text: 'slow' }, { type: 'usage', usage: { prompt_tokens: 1, completion_tokens: 1 } }], delayMs: 400 }
  s.fake.enqueue(slow)
  s.fake.enqueue(slow)
  const stream = () => s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: { ...CHAT, stream: true } })
  const first = stream()
  const second = stream()
  await new Promise((resolve) => setTimeout(resolve, 100))
  const third = await stream()
  t.equal(third.statusCode, 429, 'the third at once is refused')
  t.match(third.json(), { error: { type: 'rate_limit_error', code: 'concurrency_limit_exceeded', message: /2 requests in flight, the server's limit per key \(KEY_MAX_CONCURRENCY\)/ } })
  t.equal(third.headers['retry-after'], '1')
  t.same([(await first).statusCode, (await second).statusCode], [200, 200], 'the two in flight finish')
  t.equal((await stream()).statusCode, 200, 'a slot is free again afterwards')
})

t.test('usage is counted when a request ends: errors apart, with the tokens Puter reported', async (t) => {
  const s = await setupWithKey(t, { config: { USAGE_FLUSH_SECONDS: 3600 } })
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', usage: { prompt_tokens: 11, completion_tokens: 7, cached_tokens: 0 } } })
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: CHAT })).statusCode, 200)
  s.fake.enqueue({ kind: 'error', status: 400, code: 'bad_request', message: 'Model not found: nope' })
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: { ...CHAT, model: 'nope' } })).statusCode, 404)
  s.fake.enqueue({ kind: 'stream-error', afterTextLines: 1, message: 'provider fell over' })
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: { ...CHAT, stream: true } })).statusCode, 200)
  await s.app.store.flushUsage()
  const doc = JSON.parse(await readFile(s.config.DATA_FILE as string, 'utf8'))
  t.match(doc.keys[s.keyId], { requestCount: 3, errorCount: 2, inputTokens: 11, outputTokens: 7 }, 'one success with its tokens, a refusal and a failed stream as errors')
})

t.test('fallback keys: refused at start when under 32 characters, and capped in flight like store keys', async (t) => {
  await t.rejects(setup(t, { config: { APP_API_KEYS: 'team', PUTER_AUTH_TOKEN: 'fake-token-ops' } }), /key 1 of APP_API_KEYS has 4 characters; static keys need at least 32/)
  const key = 'sk-static-' + 'k'.repeat(30)
  const s = await setup(t, { config: { APP_API_KEYS: key, PUTER_AUTH_TOKEN: 'fake-token-ops', KEY_MAX_CONCURRENCY: 1 } })
  s.fake.enqueue({ kind: 'delay', ms: 300 })
  const first = s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: CHAT })
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: CHAT })).statusCode, 429)
  t.equal((await first).statusCode, 200)
})
