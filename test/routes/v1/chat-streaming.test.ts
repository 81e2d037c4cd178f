// Streamed chat completions: chunk order, usage only with include_usage (as OpenAI), errors mid-stream, stalls,
// keep-alives, and over a real socket: clients that leave, and shutdown during a stream.
import t from 'tap'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fakePuter, setupWithKey } from '../../helper.ts'
import { chat, sse, user, WEATHER_TOOL } from './chat-helpers.ts'

t.test('streaming: role first, content, reasoning, tool calls, finish_reason, usage, [DONE]', async (t) => {
  const s = await setupWithKey(t)
  const res = await chat(s, s.key, { model: 'deepseek-reasoner', stream: true, stream_options: { include_usage: true }, messages: [user('hello stream')] })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/event-stream/)
  t.equal(res.headers['cache-control'], 'no-cache')
  t.equal(res.headers['x-accel-buffering'], 'no')
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'a stream names its request too')
  t.notMatch(res.body, /^event:/m, 'never event: lines')
  const { chunks, done } = sse(res.body)
  t.ok(done, 'ends with [DONE]')
  t.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id on every chunk')
  t.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'deepseek-reasoner' && c.created === chunks[0].created))
  t.same(chunks[0].choices[0].delta, { role: 'assistant', content: '' }, 'first chunk carries the role')
  const withChoices = chunks.filter((c) => c.choices.length > 0)
  t.equal(withChoices.map((c) => c.choices[0].delta.reasoning_content ?? '').join(''), 'Thinking about: hello stream')
  t.equal(withChoices.map((c) => c.choices[0].delta.content ?? '').join(''), 'Echo: hello stream')
  t.equal(withChoices.at(-1).choices[0].finish_reason, 'stop')
  const usage = chunks.at(-1)
  t.same(usage.choices, [], 'usage chunk has no choices')
  t.ok(usage.usage.prompt_tokens > 0 && usage.usage.completion_tokens > 0 && usage.usage.total_tokens === usage.usage.prompt_tokens + usage.usage.completion_tokens)

  for (const model of ['gpt-4o-mini', 'claude-sonnet-4-5']) {
    const tool = sse((await chat(s, s.key, { model, stream: true, messages: [user('Rome')], tools: [WEATHER_TOOL, { ...WEATHER_TOOL, function: { ...WEATHER_TOOL.function, name: 'other' } }] })).body)
    const deltas = tool.chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? [])
    t.ok(deltas.length >= 1, `${model}: tool call streamed`)
    t.match(deltas[0], { index: 0, id: String, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }, `${model}: first delta of index 0 carries id, type and name`)
    t.equal(tool.chunks.filter((c) => c.choices.length).at(-1).choices[0].finish_reason, 'tool_calls', `${model}: finish_reason tool_calls`)
    t.notOk(tool.chunks.some((c) => 'usage' in c), `${model}: no usage anywhere without include_usage (as OpenAI)`)
  }

  const capped = sse((await chat(s, s.key, { model: 'gpt-4o-mini', stream: true, max_tokens: 1, messages: [user('long question')] })).body)
  t.ok(capped.done)
})

t.test('streaming: each NDJSON line is translated as it arrives (enqueued lines, several tool calls, multi-byte text)', async (t) => {
  const s = await setupWithKey(t)
  s.fake.enqueue({
    kind: 'stream',
    lines: [
      { type: 'reasoning', reasoning: 'hmm' },
      { type: 'text', text: 'Grüße 🌍 ' },
      { type: 'tool_use', id: 'call_a', name: 'read_file', input: { path: 'a.txt' }, text: '' },
      { type: 'tool_use', id: 'call_b', name: 'read_file', input: { path: 'b.txt' }, text: '' },
      { type: 'extra_content', extra_content: { x: 1 } },
      { type: 'usage', usage: { input_tokens: 10, output_tokens: 5, usd_cents: 0.1 } }
    ]
  })
  const { chunks, done } = sse((await chat(s, s.key, { model: 'claude-sonnet-4-5', stream: true, stream_options: { include_usage: true }, messages: [user('x')] })).body)
  t.ok(done)
  const deltas = chunks.filter((c) => c.choices.length).map((c) => c.choices[0].delta)
  t.same(deltas.map((d) => Object.keys(d).sort().join(',')), ['content,role', 'reasoning_content', 'content', 'tool_calls', 'tool_calls', ''])
  t.equal(deltas[2].content, 'Grüße 🌍 ')
  t.same(deltas[3].tool_calls[0], { index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } })
  t.same(deltas[4].tool_calls[0], { index: 1, id: 'call_b', type: 'function', function: { name: 'read_file', arguments: '{"path":"b.txt"}' } })
  t.same(chunks.at(-1).usage, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })
})

t.test('streaming: a Puter error line mid-stream becomes an error event, then [DONE]', async (t) => {
  const s = await setupWithKey(t)
  s.fake.enqueue({ kind: 'stream-error', afterTextLines: 2, message: 'provider exploded' })
  const res = await chat(s, s.key, { model: 'gpt-4o-mini', stream: true, messages: [user('x')] })
  t.equal(res.statusCode, 200)
  const { chunks, done } = sse(res.body)
  t.ok(done, 'still ends with [DONE]')
  const last = chunks.at(-1)
  t.match(last, { error: { message: /provider exploded/, type: String, code: String } })
  t.ok(chunks.slice(0, -1).some((c) => c.choices?.[0]?.delta?.content), 'content before the error was delivered')
})

t.test('streaming: a request Puter answers with a plain result is replayed as a stream', async (t) => {
  const s = await setupWithKey(t)
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'not streamed' }, finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 2 } } })
  const { chunks, done } = sse((await chat(s, s.key, { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [user('x')] })).body)
  t.ok(done)
  t.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'not streamed')
  t.same(chunks.at(-1).usage, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })
})

t.test('usage is sent only in the final chunk of include_usage streams, whole or replayed (OpenAI\'s rule)', async (t) => {
  const s = await setupWithKey(t)
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['no stream_options', {}, false],
    ['include_usage false', { stream_options: { include_usage: false } }, false],
    ['stream_options null', { stream_options: null }, false],
    ['include_usage true', { stream_options: { include_usage: true } }, true]
  ]
  for (const replayed of [false, true]) {
    for (const [name, extra, expected] of cases) {
      const label = `${name}${replayed ? ' (plain answer replayed)' : ''}`
      if (replayed) s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 2 } } })
      const { chunks, done } = sse((await chat(s, s.key, { model: 'gpt-4o-mini', stream: true, messages: [user('x')], ...extra })).body)
      t.ok(done, `${label}: [DONE]`)
      const withUsage = chunks.filter((c) => 'usage' in c)
      t.equal(withUsage.length, expected ? 1 : 0, `${label}: ${expected ? 'one' : 'no'} usage chunk`)
      if (expected) t.ok(withUsage[0] === chunks.at(-1) && withUsage[0].choices.length === 0, `${label}: the last chunk, without choices`)
      t.equal(chunks.filter((c) => c.choices.length > 0).at(-1).choices[0].finish_reason, 'stop', `${label}: the finish chunk is still there`)
    }
  }
})

t.test('a stream that stalls longer than PUTER_TIMEOUT_MS ends with a timeout error event, not "broke off"', async (t) => {
  const s = await setupWithKey(t, { config: { PUTER_TIMEOUT_MS: 200 } })
  s.fake.enqueue({ kind: 'stream', delayMs: 10_000, lines: [{ type: 'text', text: 'first' }, { type: 'text', text: 'never' }] })
  const res = await chat(s, s.key, { model: 'gpt-4o-mini', stream: true, messages: [user('x')] })
  t.equal(res.statusCode, 200)
  const { chunks, done } = sse(res.body)
  t.ok(done, 'ends with [DONE]')
  t.equal(chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join(''), 'first', 'what came before the stall was delivered')
  t.match(chunks.at(-1), { error: { code: 'upstream_timeout', message: /timed out/ } })
  t.notMatch(res.body, /broke off/)
})

t.test('keep-alive comments during long silences', async (t) => {
  const s = await setupWithKey(t, { config: { STREAM_KEEPALIVE_SECONDS: 0.2 } })
  s.fake.enqueue({ kind: 'stream', delayMs: 700, lines: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'usage', usage: {} }] })
  const res = await chat(s, s.key, { model: 'gpt-4o-mini', stream: true, messages: [user('x')] })
  const { comments, chunks, done } = sse(res.body)
  t.ok(comments.length >= 2, `${comments.length} keep-alive comments`)
  t.ok(comments.every((c) => c === ': keep-alive'))
  t.ok(done)
  t.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'ab')
})

t.test('a client that goes away aborts the upstream request at once', async (t) => {
  const fake = await fakePuter(t, { streamDelayMs: 100, streamTextLines: 100 })
  const s = await setupWithKey(t, { fake })
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as AddressInfo
  for (const stream of [true, false]) {
    if (!stream) fake.enqueue({ kind: 'hang' })
    const aborted = fake.waitForAbort()
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' } })
    req.on('error', () => {})
    req.end(JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [user('x')] }))
    if (stream) {
      await new Promise<void>((resolve) => req.on('response', (res) => res.once('data', () => resolve())))
    } else {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const started = Date.now()
    req.destroy()
    await aborted
    t.ok(Date.now() - started < 2000, `${stream ? 'stream' : 'plain'}: upstream aborted after the client left`)
  }
  t.equal(fake.aborts, 2)
})

t.test('closing the app lets an in-flight stream finish and flushes key usage', async (t) => {
  const fake = await fakePuter(t, { streamDelayMs: 40, streamTextLines: 10 })
  const s = await setupWithKey(t, { fake, config: { USAGE_FLUSH_SECONDS: 3600 } })
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as AddressInfo
  const body = new Promise<string>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve(text))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [user('finish me')] }))
  })
  await new Promise((resolve) => setTimeout(resolve, 120))
  const closed = s.app.close()
  const text = await body
  await closed
  t.ok(sse(text).done, 'the stream ran to [DONE] during shutdown')
  t.match(text, /finish/)
  const app = await s.restart()
  const key = (await app.inject({ url: '/v1/keys', headers: { cookie: s.cookie } })).json().data[0]
  t.equal(key.requestCount, 1, 'usage was flushed to the file on close')
})
