// Claude Code's real requests (test/fixtures/claude-code/, captured from Claude Code 2.1.197 against this gateway),
// replayed as sent (headers, ?beta=true, billing header, cache_control, mid-conversation system messages, thinking
// history, tools, count_tokens), with the answers checked the way Claude Code reads them.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { setupWithKey, type Setup } from '../../helper.ts'

interface Capture { method: 'POST', url: string, headers: Record<string, string>, body: any }

const load = (name: string): Capture => JSON.parse(readFileSync(new URL(`../../fixtures/claude-code/${name}.json`, import.meta.url), 'utf8'))

function replay (s: Gateway, c: Capture) {
  return s.app.inject({ method: c.method, url: c.url, headers: { ...c.headers, authorization: `Bearer ${s.key}` }, payload: JSON.stringify(c.body) })
}

/** The stream as Claude Code's SDK reads it: events in order, blocks assembled by index, usage from start and delta. */
function readStream (t: Tap, body: string) {
  const names: string[] = []
  const blocks: any[] = []
  let usage: any
  let stopReason: string | null = null
  for (const chunk of body.split('\n\n').filter((c) => c.trim() !== '')) {
    const name = /^event: (.+)$/m.exec(chunk)![1]
    const data = JSON.parse(/^data: (.+)$/m.exec(chunk)![1])
    t.equal(data.type, name)
    names.push(name)
    if (name === 'message_start') usage = { ...data.message.usage }
    if (name === 'content_block_start') blocks[data.index] = { ...data.content_block, json: '' }
    if (name === 'content_block_delta') {
      const b = blocks[data.index]
      if (data.delta.type === 'text_delta') b.text += data.delta.text
      if (data.delta.type === 'thinking_delta') b.thinking += data.delta.thinking
      if (data.delta.type === 'input_json_delta') b.json += data.delta.partial_json
    }
    if (name === 'content_block_stop' && blocks[data.index].type === 'tool_use') blocks[data.index].input = JSON.parse(blocks[data.index].json || '{}')
    if (name === 'message_delta') {
      stopReason = data.delta.stop_reason
      Object.assign(usage, data.usage)
    }
  }
  return { names, blocks, usage, stopReason, startInput: usage?.input_tokens }
}
type Tap = Test
type Gateway = Awaited<ReturnType<typeof setupWithKey>>

const lastCall = (s: Setup) => s.fake.calls.filter((c) => c.path === '/drivers/call').at(-1)!.body.args

/** What must never reach Puter from a Claude Code request. */
function checkForwarded (t: Tap, args: any) {
  const text = JSON.stringify(args)
  t.notMatch(text, 'x-anthropic-billing-header', 'billing header dropped')
  t.notMatch(text, '"type":"thinking"', 'thinking history removed')
  t.notOk('context_management' in args || 'output_config' in args || 'metadata' in args || 'thinking' in args, 'unmapped fields dropped')
  t.equal(args.messages.filter((m: any) => m.role === 'system').length, 1, 'one system message')
  t.ok(args.messages.slice(1).every((m: any) => m.role === 'user' || m.role === 'assistant'), 'mid-conversation system turns folded into user turns')
  t.equal(args.messages.at(-1).role, 'user', 'the conversation ends with the user')
}

t.test('first turn: adaptive thinking at high effort, system blocks with cache_control, a thinking block then text or a tool call', async (t) => {
  const s = await setupWithKey(t)
  const c = load('first-turn')
  t.match(c.url, '?beta=true')
  t.match(c.headers['anthropic-beta'], 'claude-code-20250219')
  const res = await replay(s, c)
  t.equal(res.statusCode, 200, res.body.slice(0, 300))
  t.match(res.headers['content-type'], /^text\/event-stream/)
  const read = readStream(t, res.body)
  t.equal(read.names[0], 'message_start')
  t.strictSame(read.names.slice(-2), ['message_delta', 'message_stop'])
  t.ok(read.startInput > 1000, `message_start carries the input estimate Claude Code's context meter reads (${read.startInput})`)
  t.equal(read.blocks[0].type, 'thinking')
  t.equal(read.blocks[0].signature, '')
  t.equal(read.stopReason, 'tool_use', 'the fake model calls the first tool (Agent)')
  t.match(read.blocks.at(-1), { type: 'tool_use', name: 'Agent', id: /^toolu_/, input: Object })
  const args = lastCall(s)
  checkForwarded(t, args)
  t.equal(args.model, 'claude-opus-4-8')
  t.equal(args.reasoning_effort, 'high')
  t.equal(args.max_tokens, 64000)
  t.ok(args.messages[0].content.every((b: any) => b.type === 'text'))
  t.ok(args.messages[0].content.some((b: any) => b.cache_control?.type === 'ephemeral'), 'cache_control kept for Claude')
  t.equal(args.tools.length, c.body.tools.length)
})

t.test('a tool loop with thinking history: thinking removed, no reasoning effort mid-loop, the result answered', async (t) => {
  const s = await setupWithKey(t)
  const c = load('tool-loop-with-thinking-history')
  t.ok(c.body.messages.some((m: any) => Array.isArray(m.content) && m.content.some((b: any) => b.type === 'thinking')), 'the capture holds a thinking block')
  const res = await replay(s, c)
  t.equal(res.statusCode, 200)
  const read = readStream(t, res.body)
  t.equal(read.stopReason, 'end_turn')
  t.match(read.blocks.find((b) => b.type === 'text')?.text, /^Tool said: /)
  const args = lastCall(s)
  checkForwarded(t, args)
  t.notOk('reasoning_effort' in args)
})

for (const name of ['subagent-tool-error', 'sonnet-tool-error-loop']) {
  t.test(`${name}: a failed tool's result (is_error) goes on to Puter and is answered`, async (t) => {
    const s = await setupWithKey(t)
    const c = load(name)
    const res = await replay(s, c)
    t.equal(res.statusCode, 200)
    const read = readStream(t, res.body)
    t.equal(read.stopReason, 'end_turn')
    t.ok(read.usage.output_tokens > 0)
    const args = lastCall(s)
    checkForwarded(t, args)
    t.equal(args.model, c.body.model)
    const results = args.messages.flatMap((m: any) => Array.isArray(m.content) ? m.content.filter((b: any) => b.type === 'tool_result') : [])
    t.ok(results.some((b: any) => b.is_error === true), 'is_error kept')
  })
}

t.test('count_tokens as Claude Code calls it (?beta=true, no max_tokens): a local count, no Puter call', async (t) => {
  const s = await setupWithKey(t)
  const c = load('count-tokens')
  t.match(c.url, '/v1/messages/count_tokens?beta=true')
  const before = s.fake.calls.length
  const res = await replay(s, c)
  t.equal(res.statusCode, 200, res.body)
  t.ok(res.json().input_tokens > c.body.tools.length * 10)
  t.equal(s.fake.calls.length, before)
})
