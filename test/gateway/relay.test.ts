// The relay's bounds on AI calls: streams ended at MAX_STREAM_SECONDS, a revoked key's open streams closed at once,
// and no more sockets to Puter than PUTER_MAX_CONNECTIONS however many streams are open.
import t from 'tap'
import { ServerResponse } from 'node:http'
import { createKey, setupWithKey } from '../helper.ts'

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }

/** SSE data payloads of a body. */
function events (body: string): unknown[] {
  return body.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6)).map((d) => d === '[DONE]' ? d : JSON.parse(d))
}

const endless = { kind: 'stream' as const, lines: [{ type: 'text', text: 'one' }, { type: 'text', text: 'never' }], delayMs: 60_000 }

t.test('a stream open longer than MAX_STREAM_SECONDS is ended with an error event, and Puter is let go', async (t) => {
  const s = await setupWithKey(t, { config: { MAX_STREAM_SECONDS: 1 } })
  s.fake.enqueue(endless)
  const started = Date.now()
  const res = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: CHAT })
  t.ok(Date.now() - started < 5000, 'ended by the cap, not by the fake')
  t.equal(res.statusCode, 200)
  const evs = events(res.body)
  t.match(evs.at(-2), { error: { code: 'stream_timeout', message: /longer than the server's limit of 1 s/ } })
  t.equal(evs.at(-1), '[DONE]')
  t.match(JSON.stringify(evs), /"content":"one"/, 'what came before is kept')
  await s.fake.waitForAbort()
})

t.test("revoking a key closes its open streams at once, and only that key's", async (t) => {
  const s = await setupWithKey(t)
  const other = await createKey(s.app, s.cookie, 'other')
  s.fake.enqueue(endless)
  s.fake.enqueue(endless)
  const doomed = s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: CHAT })
  let survivorDone = false
  const survivor = s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${other.key}` }, payload: CHAT })
    .finally(() => { survivorDone = true })
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(s.app.relay.openStreams, 2)
  const del = await s.app.inject({ method: 'DELETE', url: `/v1/keys/${s.keyId}`, headers: { cookie: s.cookie } })
  t.equal(del.statusCode, 200)
  const res = await doomed
  t.match(events(res.body).at(-2), { error: { code: 'key_revoked', message: /revoked/ } })
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.notOk(survivorDone, 'the other key streams on')
  t.equal(s.app.relay.openStreams, 1)
  await s.app.inject({ method: 'DELETE', url: `/v1/keys/${other.id}`, headers: { cookie: s.cookie } })
  await survivor
})

t.test('no more sockets to Puter than PUTER_MAX_CONNECTIONS; the others wait their turn', async (t) => {
  const s = await setupWithKey(t, { config: { PUTER_MAX_CONNECTIONS: 2 } })
  const paced = { kind: 'stream' as const, lines: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], delayMs: 150 }
  for (let i = 0; i < 5; i++) s.fake.enqueue(paced)
  const all = await Promise.all(Array.from({ length: 5 }, () =>
    s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}` }, payload: CHAT })))
  t.same(all.map((r) => r.statusCode), [200, 200, 200, 200, 200], 'every stream is answered')
  t.equal(s.fake.peakActive, 2, 'at most two calls were open at Puter at once')
})

t.test('a stream is written once per turn of the event loop: whole in one write when Puter sends it at once, each line as it comes when paced', async (t) => {
  const s = await setupWithKey(t)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as { port: number }
  const calls: Array<'write' | 'end'> = []
  const proto = ServerResponse.prototype as unknown as { write: (...a: unknown[]) => boolean, end: (...a: unknown[]) => unknown }
  const { write, end } = proto
  proto.write = function (this: ServerResponse, ...a: unknown[]) {
    if (this.req?.url === '/v1/chat/completions' && a[0] !== '' && a[0] !== undefined) calls.push('write')
    return write.apply(this, a)
  }
  proto.end = function (this: ServerResponse, ...a: unknown[]) {
    if (this.req?.url === '/v1/chat/completions' && a[0] !== '' && typeof a[0] === 'string') calls.push('end')
    return end.apply(this, a)
  }
  t.teardown(() => { proto.write = write; proto.end = end })
  const lines = [{ type: 'text', text: 'one ' }, { type: 'text', text: 'two ' }, { type: 'text', text: 'three' }, { type: 'usage', usage: { prompt_tokens: 3, completion_tokens: 3 } }]
  const post = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' }, body: JSON.stringify(CHAT) })
    return res.text()
  }

  s.fake.enqueue({ kind: 'stream', lines })
  const whole = await post()
  t.match(JSON.stringify(events(whole)), /"content":"one ".*"content":"two ".*"content":"three"/, 'every line is in the answer')
  t.equal(events(whole).at(-1), '[DONE]')
  t.same(calls, ['end'], 'sent at once by Puter: the whole stream goes out with its end, in one write')

  calls.length = 0
  s.fake.enqueue({ kind: 'stream', lines, delayMs: 40 })
  const paced = await post()
  t.match(JSON.stringify(events(paced)), /"content":"one ".*"content":"two ".*"content":"three"/)
  t.ok(calls.filter((c) => c === 'write').length >= 3, `paced: each line is written as it comes, not held back (${calls.join(', ')})`)
})
