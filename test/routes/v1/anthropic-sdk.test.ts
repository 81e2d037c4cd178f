// The official `@anthropic-ai/sdk` as a real client against a listening gateway on the fake Puter: messages.create,
// messages.stream with text, thinking and tool use, a tool-result round trip, countTokens, models, and error classes.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import Anthropic, { AuthenticationError, NotFoundError, RateLimitError } from '@anthropic-ai/sdk'
import { setupWithKey } from '../../helper.ts'

type Tap = Parameters<typeof setupWithKey>[0]

async function gateway (t: Tap) {
  const s = await setupWithKey(t)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as AddressInfo
  const baseURL = `http://127.0.0.1:${port}`
  return Object.assign(s, {
    baseURL,
    client: (o: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) => new Anthropic({ apiKey: s.key, baseURL, maxRetries: 0, timeout: 10_000, ...o })
  })
}

async function rejection (p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

const BASH: Anthropic.Tool = { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }

t.test('messages.create: a plain message', async (t) => {
  const g = await gateway(t)
  const msg = await g.client().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi there' }] })
  t.equal(msg.type, 'message')
  t.equal(msg.stop_reason, 'end_turn')
  t.strictSame(msg.content, [{ type: 'text', text: 'Echo: hi there' }])
  t.ok(msg.usage.input_tokens > 0)
})

t.test('messages.stream: thinking and text, assembled by the SDK; usage from message_start and message_delta', async (t) => {
  const g = await gateway(t)
  const stream = g.client().messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'think about it' }] })
  const texts: string[] = []
  const thoughts: string[] = []
  stream.on('text', (d) => texts.push(d))
  stream.on('thinking', (d) => thoughts.push(d))
  const msg = await stream.finalMessage()
  t.equal(thoughts.join(''), 'Thinking about: think about it')
  t.ok(texts.join('').startsWith('Echo: think about it'))
  t.match(msg.content, [{ type: 'thinking', thinking: 'Thinking about: think about it' }, { type: 'text' }])
  t.equal(msg.stop_reason, 'end_turn')
  t.ok(msg.usage.input_tokens > 0 && msg.usage.output_tokens > 0)
})

t.test('messages.stream with a tool call, then a tool-result round trip (is_error included)', async (t) => {
  const g = await gateway(t)
  const client = g.client()
  const first = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 500, tools: [BASH], messages: [{ role: 'user', content: 'tool:Bash ls' }] }).finalMessage()
  t.equal(first.stop_reason, 'tool_use')
  const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!
  t.match(call, { id: /^toolu_/, name: 'Bash', input: { command: 'tool:Bash ls' } })
  const second = await client.messages.create({
    model: 'claude-sonnet-4-6',
    max_tokens: 500,
    tools: [BASH],
    messages: [
      { role: 'user', content: 'tool:Bash ls' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'permission denied', is_error: true }] }
    ]
  })
  t.equal(second.stop_reason, 'end_turn')
  t.strictSame(second.content, [{ type: 'text', text: 'Tool said: permission denied' }])
  const sent = g.fake.calls.filter((c) => c.path === '/drivers/call').at(-1)!.body.args.messages
  t.match(sent.at(-1), { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'permission denied', is_error: true }] })
})

t.test('countTokens and the model list through the SDK', async (t) => {
  const g = await gateway(t)
  const client = g.client()
  const count = await client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello, world' }], tools: [BASH] })
  t.ok(count.input_tokens > 10)
  const page = await client.models.list()
  const ids = page.data.map((m) => m.id)
  t.ok(ids.includes('claude-sonnet-4-6'))
  const m = page.data.find((x) => x.id === 'claude-sonnet-4-6')!
  t.match(m, { type: 'model', display_name: 'Claude Sonnet 4.6', created_at: '2026-02-17T00:00:00Z' })
  t.equal(page.has_more, false)
})

t.test('APIError subclasses for 401, 404 and 429', async (t) => {
  const g = await gateway(t)
  const ask = { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user' as const, content: 'x' }] }
  const bad = await rejection(g.client({ apiKey: 'sk-wrong' }).messages.create(ask))
  t.ok(bad instanceof AuthenticationError, bad?.constructor?.name)
  t.equal(bad.status, 401)
  t.match(bad.error, { type: 'error', error: { type: 'authentication_error' } })
  const missing = await rejection(g.client().messages.create({ ...ask, model: 'claude-nope-1' }))
  t.ok(missing instanceof NotFoundError, missing?.constructor?.name)
  g.fake.enqueue({ kind: 'error', status: 429, code: 'upstream_rate_limited', message: 'slow down', headers: { 'retry-after': '1' } })
  const limited = await rejection(g.client().messages.create(ask))
  t.ok(limited instanceof RateLimitError, limited?.constructor?.name)
  t.equal(limited.headers.get('retry-after'), '1')
})

t.test('a failure mid-stream reaches the SDK as an APIError', async (t) => {
  const g = await gateway(t)
  g.fake.enqueue({ kind: 'stream-error', afterTextLines: 1, message: 'provider broke' })
  const err = await rejection(g.client().messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage())
  t.ok(err instanceof Anthropic.APIError, err?.constructor?.name)
  t.match(String(err.message), 'provider broke')
})
