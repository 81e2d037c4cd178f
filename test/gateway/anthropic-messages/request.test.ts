// The Anthropic Messages request mapper: system blocks and the billing header, content blocks, thinking history,
// tools and tool_choice, thinking -> reasoning effort, and what is dropped.
import t from 'tap'
import { droppedByTranslation, reasoningEffort, stripContextSuffix, toPuterArgs } from '../../../src/gateway/anthropic-messages/request.ts'
import type { MessagesRequest } from '../../../src/gateway/anthropic-messages/schema.ts'

const base = (extra: Partial<MessagesRequest> & Record<string, unknown> = {}): MessagesRequest => ({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra }) as MessagesRequest
const claude = { model: 'claude-sonnet-4-6', cacheControl: true }
const other = { model: 'gpt-4o-mini', cacheControl: false }

t.test('a plain request: model, messages, max_tokens, stream; unknown fields are not forwarded', async (t) => {
  const args = toPuterArgs(base({ context_management: { edits: [] }, container: 'x', metadata: { user_id: 'u' }, output_config: { effort: 'high' } }), claude)
  t.strictSame(args, { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], max_tokens: 100, stream: false })
  t.strictSame(droppedByTranslation(base({ context_management: {}, container: 'x' }))?.fields, ['context_management', 'container'])
})

t.test('system: a string, or blocks with cache_control kept for Claude and the billing header dropped', async (t) => {
  t.strictSame(toPuterArgs(base({ system: 'Be terse.' }), claude).messages, [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }])
  const system = [
    { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.197.fa0; cc_entrypoint=sdk-cli; cch=abc;' },
    { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
    { type: 'text', text: 'Be careful.' }
  ]
  const [sys] = toPuterArgs(base({ system }), claude).messages as any[]
  t.strictSame(sys, { role: 'system', content: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be careful.' }] })
  const [plain] = toPuterArgs(base({ system }), other).messages as any[]
  t.strictSame(plain.content[0], { type: 'text', text: 'You are Claude Code.' }, 'no cache_control for a non-Claude model')
  t.equal((toPuterArgs(base({ system: [system[0]] }), claude).messages as any[])[0].role, 'user', 'only the billing header: no system message')
})

t.test('messages: images, tool_use and tool_result (is_error), thinking history removed, assistant text before its calls', async (t) => {
  const messages = [
    { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: '' }, { type: 'redacted_thinking', data: 'zz' }, { type: 'text', text: 'Running it.' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'text', text: 'and then?' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], is_error: true, cache_control: { type: 'ephemeral' } }] }
  ]
  const out = toPuterArgs(base({ messages } as any), claude).messages
  t.strictSame(out, [
    { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Running it.' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a\nb', is_error: true, cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'and then?' }] }
  ])
  t.match(droppedByTranslation(base({ messages } as any))?.blocks, ['thinking', 'redacted_thinking'])
  const onlyThinking = toPuterArgs(base({ messages: [messages[0], { role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: '' }] }, { role: 'user', content: 'go' }] } as any), claude).messages as any[]
  t.equal(onlyThinking.length, 1, 'an assistant turn of thinking only disappears, and the user turns around it merge')
})

t.test('a system message inside the conversation becomes a system-reminder of the user turn', async (t) => {
  const out = toPuterArgs(base({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }, { role: 'system', content: 'Agent types: …' }] } as any), claude).messages
  t.strictSame(out, [{ role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'text', text: '<system-reminder>\nAgent types: …\n</system-reminder>' }] }])
})

t.test('tools: client tools as functions, server tools dropped; tool_choice mapped', async (t) => {
  const tools = [
    { name: 'Bash', description: 'Run', input_schema: { type: 'object', properties: { command: { type: 'string' } } }, cache_control: { type: 'ephemeral' } },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }
  ]
  const args = toPuterArgs(base({ tools, tool_choice: { type: 'any', disable_parallel_tool_use: true } } as any), claude)
  t.strictSame(args.tools, [{ type: 'function', function: { name: 'Bash', parameters: tools[0].input_schema, description: 'Run' } }])
  t.equal(args.tool_choice, 'required')
  t.equal(args.parallel_tool_calls, false)
  for (const [choice, want] of [[{ type: 'auto' }, 'auto'], [{ type: 'none' }, 'none'], [{ type: 'tool', name: 'Bash' }, { type: 'function', function: { name: 'Bash' } }]] as const) {
    t.strictSame(toPuterArgs(base({ tools, tool_choice: choice } as any), claude).tool_choice, want, choice.type)
  }
  t.notOk('tool_choice' in toPuterArgs(base({ tool_choice: { type: 'auto' } }), claude), 'no tool_choice without tools')
  t.strictSame(droppedByTranslation(base({ tools } as any))?.tools, ['web_search_20250305'])
})

t.test('sampling fields and stop sequences', async (t) => {
  const args = toPuterArgs(base({ temperature: 0.5, top_p: 0.9, top_k: 40, stop_sequences: ['END'], stream: true }), other)
  t.match(args, { temperature: 0.5, top_p: 0.9, top_k: 40, stop: ['END'], stream: true })
})

t.test('thinking -> reasoning_effort, left out in a tool loop', async (t) => {
  const cases: Array<[string, any, string | undefined]> = [
    ['enabled 1024', { thinking: { type: 'enabled', budget_tokens: 1024 } }, 'low'],
    ['enabled 5000', { thinking: { type: 'enabled', budget_tokens: 5000 } }, 'medium'],
    ['enabled 16000', { thinking: { type: 'enabled', budget_tokens: 16000 } }, 'high'],
    ['adaptive', { thinking: { type: 'adaptive' } }, 'medium'],
    ['adaptive + effort high', { thinking: { type: 'adaptive' }, output_config: { effort: 'high' } }, 'high'],
    ['adaptive + effort max', { thinking: { type: 'adaptive' }, output_config: { effort: 'max' } }, 'high'],
    ['disabled', { thinking: { type: 'disabled' } }, undefined],
    ['none', {}, undefined]
  ]
  for (const [name, extra, want] of cases) t.equal(reasoningEffort(base(extra)), want, name)
  t.equal(toPuterArgs(base({ thinking: { type: 'adaptive' } }), claude).reasoning_effort, 'medium')
  const loop = base({
    thinking: { type: 'adaptive' },
    messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'Bash', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] }]
  } as any)
  t.equal(reasoningEffort(loop), undefined, 'mid tool loop: no thinking (its signed history is gone)')
})

t.test('a trailing [1m] is stripped from model names', async (t) => {
  t.equal(stripContextSuffix('claude-sonnet-4-6[1m]'), 'claude-sonnet-4-6')
  t.equal(stripContextSuffix('claude-opus-4-8[1M] '), 'claude-opus-4-8')
  t.equal(stripContextSuffix('gpt-4o-mini'), 'gpt-4o-mini')
})
