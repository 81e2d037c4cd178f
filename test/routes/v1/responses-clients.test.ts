// Real clients' requests to /v1/responses replayed and their answers read as those clients read them: Codex CLI
// (captured, test/fixtures/codex) and Continue (built from its source, test/fixtures/continue).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { setupWithKey, type Setup } from '../../helper.ts'
import { events, readLikeCodex } from './responses-helpers.ts'

const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'))

/** A captured request sent again as it was, headers included, with this test's key. */
function replay (s: Setup & { key: string }, captured: { url: string, headers: Record<string, string>, body: object }) {
  const headers: Record<string, string> = { ...captured.headers, authorization: `Bearer ${s.key}` }
  delete headers['accept-encoding']
  return s.app.inject({ method: 'POST', url: captured.url, headers, payload: captured.body })
}

const driverCalls = (s: Setup) => s.fake.calls.filter((c) => c.path === '/drivers/call')

t.test('Codex CLI turn 1: its first request, streamed, read the way Codex reads it', async (t) => {
  const s = await setupWithKey(t)
  const captured = fixture('codex/turn1-request.json')
  t.match(captured.body, { store: false, stream: true, include: ['reasoning.encrypted_content'], tool_choice: 'auto' }, 'what Codex sends')
  const res = await replay(s, captured)
  t.equal(res.statusCode, 200)
  const { items, completed } = readLikeCodex(res.body)
  // The fake model calls the first tool offered: exec_command.
  t.match(items, [{ type: 'function_call', name: 'exec_command', call_id: String, arguments: String }])
  t.equal(completed.store, false)
  const args = driverCalls(s).at(-1)!.body.args
  const toolNames = args.tools.map((tool: any) => tool.function.name)
  t.ok(toolNames.includes('apply_patch'), 'apply_patch is offered as a function')
  t.notOk(toolNames.includes('web_search') || toolNames.includes('tool_search'), 'hosted tools are left out')
  t.notOk(args.tools.some((tool: any) => tool.type !== 'function'))
  t.same(args.messages.map((m: any) => m.role), ['system', 'system', 'user', 'user'], 'developer messages as system')
  t.notOk('store' in args || 'include' in args || 'prompt_cache_key' in args || 'client_metadata' in args)
  t.equal(args.reasoning_effort, 'medium')
  const stored = await s.app.inject({ url: `/v1/responses/${completed.id}`, headers: { authorization: `Bearer ${s.key}` } })
  t.equal(stored.statusCode, 404, 'store: false kept nothing')
})

t.test('Codex CLI turn 2: reasoning items dropped, the apply_patch call and its output carried to Puter', async (t) => {
  const s = await setupWithKey(t)
  const captured = fixture('codex/turn2-request.json')
  const types = captured.body.input.map((i: any) => i.type)
  t.ok(types.includes('reasoning') && types.includes('custom_tool_call') && types.includes('custom_tool_call_output'), 'the capture holds what Codex sends back')
  const res = await replay(s, captured)
  t.equal(res.statusCode, 200)
  const { items, text, completed } = readLikeCodex(res.body)
  t.match(items, [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: /^Tool said: Exit code: 0/ }] }])
  t.equal(text, items[0].content[0].text, 'the deltas add up to the item')
  t.match(completed, { status: 'completed', usage: { input_tokens: Number, output_tokens: Number, total_tokens: Number } })
  const messages = driverCalls(s).at(-1)!.body.args.messages
  t.notOk(JSON.stringify(messages).includes('encrypted'), 'no reasoning item reaches Puter')
  t.same(messages.slice(-2), [
    { role: 'assistant', content: [{ type: 'tool_use', id: 'call_patch1', name: 'apply_patch', input: { input: '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n' } }] },
    { role: 'tool', tool_call_id: 'call_patch1', content: 'Exit code: 0\nWall time: 0.4 seconds\nOutput:\nSuccess. Updated the following files:\nA hello.txt\n' }
  ])
})

t.test('Codex CLI: an apply_patch call comes back as custom_tool_call, a mid-stream failure as response.failed', async (t) => {
  const s = await setupWithKey(t)
  const captured = fixture('codex/turn1-request.json')
  // The fake model calls the tool the prompt names (tool:<name>), with the prompt as its input.
  const body = structuredClone(captured.body)
  body.input.at(-1).content[0].text = 'tool:apply_patch'
  const { items } = readLikeCodex((await replay(s, { ...captured, body })).body)
  t.match(items, [{ type: 'custom_tool_call', name: 'apply_patch', input: 'tool:apply_patch', call_id: String }])

  s.fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'part' }, { type: 'error', message: 'No usage left for request.' }] })
  let failure: any
  try {
    readLikeCodex((await replay(s, captured)).body)
  } catch (err) {
    failure = err
  }
  t.match(failure, { code: 'insufficient_quota' }, 'Codex stops instead of retrying')
})

/** Continue's stream reading (openaiResponses.ts fromResponsesChunk), reduced to what it hands on: text, tool calls, finish reasons. */
function readLikeContinue (body: string) {
  const calls = new Map<string, { index: number, callId: string, name?: string, arguments: string }>()
  const out = { text: '', toolDeltas: [] as any[], finishes: [] as string[], usage: undefined as any }
  for (const e of events(body)) {
    if (e.type === 'response.output_item.added' && e.item.type === 'function_call') calls.set(e.item.id, { index: e.output_index, callId: e.item.call_id, name: e.item.name, arguments: '' })
    if (e.type === 'response.output_text.delta') out.text += e.delta
    if (e.type === 'response.function_call_arguments.delta') {
      const call = calls.get(e.item_id)
      if (call === undefined) throw new Error('arguments before output_item.added: Continue drops them')
      out.toolDeltas.push({ index: call.index, id: call.callId, name: call.name, arguments: e.delta })
    }
    if (e.type === 'response.output_item.done') out.finishes.push(e.item.type === 'function_call' ? 'tool_calls' : 'stop')
    if (e.type === 'response.completed') out.usage = e.response.usage
  }
  return out
}

t.test('Continue: its request for a gpt-5 name, a tool call and then text, read as Continue reads them', async (t) => {
  const s = await setupWithKey(t)
  const request = fixture('continue/responses-request.json')
  delete request._comment
  const first = await s.app.inject({ method: 'POST', url: '/v1/responses', headers: { authorization: `Bearer ${s.key}` }, payload: request })
  t.equal(first.statusCode, 200)
  const read = readLikeContinue(first.body)
  t.match(read.toolDeltas, [{ id: String, name: 'read_file', arguments: '{"filepath":"Now list the files of src"}' }])
  t.same(read.finishes, ['tool_calls'])
  t.match(read.usage, { input_tokens: Number, output_tokens: Number, total_tokens: Number })
  const args = driverCalls(s).at(-1)!.body.args
  t.match(args, { model: 'gpt-5-nano', parallel_tool_calls: false, reasoning_effort: 'medium', max_tokens: 4096 })
  t.same(args.messages.slice(0, 5), [
    { role: 'system', content: 'You are a helpful coding assistant inside Continue.' },
    { role: 'user', content: 'What is in README.md?' },
    { role: 'assistant', content: 'Let me read it.' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'call_read_1', name: 'read_file', input: { filepath: 'README.md' } }] },
    { role: 'tool', tool_call_id: 'call_read_1', content: '# Demo project' }
  ])
  t.notOk(args.tools.some((tool: any) => 'strict' in tool.function), 'strict: null is not sent')

  const textTurn = { ...request, input: request.input.slice(0, 5) }
  const second = readLikeContinue((await s.app.inject({ method: 'POST', url: '/v1/responses', headers: { authorization: `Bearer ${s.key}` }, payload: textTurn })).body)
  t.equal(second.text, 'Tool said: # Demo project')
  t.same(second.finishes, ['stop'])
})
