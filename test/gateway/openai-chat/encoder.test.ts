// OpenAI chat completions encoded from the neutral form: plain chat.completion objects and chat.completion.chunk SSE.
import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { ChatCompletionSchema } from '../../../src/gateway/openai-chat/schema.ts'
import { createChatStreamEncoder, encodeCompletion, toChatUsage, type ChatStreamEncoder } from '../../../src/gateway/openai-chat/encoder.ts'
import { createNdjsonSplitter } from '../../../src/puter/ndjson.ts'
import { answerToEvents, lineToEvent, normalizeResult } from '../../../src/puter/normalize.ts'
import { toNeutralUsage } from '../../../src/puter/usage.ts'
import type { PuterAnswer } from '../../../src/puter/events.ts'
import { RESULT_CASES } from '../../puter/results.ts'

const META = { id: 'chatcmpl-abc', created: 1700000000, model: 'claude-sonnet-4-5' }

/** One Puter stream line through lineToEvent into the encoder, as the streaming route does. */
function push (encoder: ChatStreamEncoder, line: unknown): string {
  const event = lineToEvent(line)
  return event ? encoder.push(event) : ''
}

t.test('encodeCompletion: the answer of every Puter result shape as a chat.completion', async (t) => {
  for (const c of RESULT_CASES) {
    const completion = encodeCompletion(c.answer, META)
    t.same(completion, {
      id: META.id,
      object: 'chat.completion',
      created: META.created,
      model: META.model,
      choices: [{ index: 0, message: c.message, logprobs: null, finish_reason: c.finish }],
      usage: c.usage
    }, c.name)
    t.ok(Value.Check(ChatCompletionSchema, completion), `${c.name}: matches ChatCompletionSchema`)
    t.strictSame(Object.keys(completion), ['id', 'object', 'created', 'model', 'choices', 'usage'], `${c.name}: no extra fields`)
  }
})

t.test('encodeCompletion: calls without ids get call_<id>_<index>', async (t) => {
  const answer: PuterAnswer = {
    text: '',
    reasoning: '',
    toolCalls: [{ id: 'toolu_1', name: 'a', arguments: '{}' }, { id: null, name: 'b', arguments: '{}' }],
    usage: { inputTokens: 0, outputTokens: 0 },
    finish: 'tool_calls'
  }
  const ids = encodeCompletion(answer, META).choices[0].message.tool_calls?.map((c) => c.id)
  t.same(ids, ['toolu_1', 'call_abc_1'])
})

t.test('toChatUsage: Puter usage as OpenAI usage', async (t) => {
  const cases: Array<[string, unknown, unknown]> = [
    ['nothing', undefined, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ['fake model usd_cents only', { usd_cents: null }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ['raw Anthropic cache_creation_input_tokens', { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 20, output_tokens: 3 },
      { prompt_tokens: 35, completion_tokens: 3, total_tokens: 38, prompt_tokens_details: { cached_tokens: 20 } }],
    ['OpenRouter-style metering keys', { prompt: 7, completion: 2, request: 0 }, { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }],
    ['garbage values count as 0', { prompt_tokens: 'x', completion_tokens: -4 }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ['Claude reads, writes, thinking and price: only prompt, completion and cached tokens shown',
      { input_tokens: 50, ephemeral_5m_input_tokens: 10, cache_read_input_tokens: 200, output_tokens: 30, thinking_tokens: 5, usd_cents: 0.06 },
      { prompt_tokens: 260, completion_tokens: 30, total_tokens: 290, prompt_tokens_details: { cached_tokens: 200 } }],
    ['no cache report: no prompt_tokens_details', { prompt_tokens: 3, completion_tokens: 4 }, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }]
  ]
  for (const [name, usage, expected] of cases) t.strictSame(toChatUsage(toNeutralUsage(usage)), expected, name)
})

/** Parses emitted SSE text into its data payloads: objects, or the string '[DONE]'. Throws on any non-data line. */
function events (sse: string): unknown[] {
  return sse.split('\n\n').filter((e) => e !== '').map((e) => {
    if (!e.startsWith('data: ')) throw new Error(`not a data line: ${e}`)
    const data = e.slice(6)
    return data === '[DONE]' ? data : JSON.parse(data)
  })
}

t.test('createChatStreamEncoder over Puter\'s stream lines', async (t) => {
  t.test('a full stream: role, reasoning, text, tool calls, finish_reason, usage chunk, [DONE]', async (t) => {
    const tr = createChatStreamEncoder({ ...META, includeUsage: true })
    const lines: unknown[] = [
      { type: 'reasoning', reasoning: 'Thinking…' },
      { type: 'text', text: 'Let me ' },
      { type: 'text', text: '' },
      { type: 'text', text: 'check "this".' },
      { type: 'extra_content', extra_content: { a: 1 } },
      { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Paris' }, text: '' },
      { type: 'tool_use', id: 'call_def', name: 'read_file', input: '{"path":"a"}', text: '' },
      { type: 'usage', usage: { input_tokens: 50, cache_read_input_tokens: 10, output_tokens: 17, usd_cents: 0.1 } }
    ]
    let sse = tr.start()
    for (const line of lines) sse += push(tr, line)
    sse += tr.finish()
    t.equal(tr.finish(), '', 'finish() twice emits nothing more')
    t.equal(push(tr, { type: 'text', text: 'late' }), '', 'pushes after finish emit nothing')
    t.ok(tr.finished)

    const evs = events(sse)
    t.equal(evs.at(-1), '[DONE]', 'ends with [DONE]')
    const chunks = evs.slice(0, -1) as Array<Record<string, any>>
    for (const c of chunks) {
      t.match(c, { id: META.id, object: 'chat.completion.chunk', created: META.created, model: META.model }, 'same envelope on every chunk')
    }
    const choices = chunks.map((c) => c.choices)
    t.same(choices, [
      [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { reasoning_content: 'Thinking…' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { content: 'Let me ' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { content: 'check "this".' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_def', type: 'function', function: { name: 'read_file', arguments: '{"path":"a"}' } }] }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }],
      []
    ], 'chunk sequence')
    t.same(chunks.at(-1)?.usage, { prompt_tokens: 60, completion_tokens: 17, total_tokens: 77, prompt_tokens_details: { cached_tokens: 10 } }, 'usage chunk')
    t.notOk('usage' in chunks[chunks.length - 2], 'finish chunk carries no usage when include_usage was asked')
  })

  t.test('without include_usage, no usage at all (as OpenAI): the finish chunk, then [DONE]', async (t) => {
    const tr = createChatStreamEncoder({ ...META, includeUsage: false })
    const evs = events(tr.start() + push(tr, { type: 'text', text: 'Lorem' }) + push(tr, { type: 'usage', usage: { input_tokens: 3, output_tokens: 1 } }) + tr.finish())
    t.strictSame(evs.at(-2), {
      id: META.id,
      object: 'chat.completion.chunk',
      created: META.created,
      model: META.model,
      choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]
    })
    t.equal(evs.length, 4, 'role, text, finish, [DONE]')
  })

  t.test('with include_usage, zeros when Puter gave no usage', async (t) => {
    const tr = createChatStreamEncoder({ ...META, includeUsage: true })
    const evs = events(tr.start() + push(tr, { type: 'usage', usage: { usd_cents: null } }) + tr.finish()) as Array<Record<string, any>>
    t.same(evs.at(-2)?.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })
    t.same(evs.at(-2)?.choices, [])
  })

  const finishCases: Array<[string, unknown[], string]> = [
    ['text only: stop', [{ type: 'text', text: 'hi' }], 'stop'],
    ['usage line with finish_reason length', [{ type: 'text', text: 'hi' }, { type: 'usage', usage: {}, finish_reason: 'length' }], 'length'],
    ['usage line with stopReason max_tokens', [{ type: 'usage', usage: {}, stopReason: 'max_tokens' }], 'length'],
    ['usage object with stop_reason max_tokens', [{ type: 'usage', usage: { stop_reason: 'max_tokens' } }], 'length'],
    ['tool call wins over length', [{ type: 'tool_use', id: 'c', name: 'f', input: {} }, { type: 'usage', usage: {}, finish_reason: 'length' }], 'tool_calls'],
    ['unknown line types ignored', [{ type: 'compaction', id: 'x' }, { type: 'image' }, 'garbage', null, { type: 'text', text: 'a' }], 'stop']
  ]
  for (const [name, lines, reason] of finishCases) {
    const tr = createChatStreamEncoder({ ...META, includeUsage: true })
    let sse = tr.start()
    for (const line of lines) sse += push(tr, line)
    const evs = events(sse + tr.finish()) as Array<Record<string, any>>
    t.equal(evs.at(-3)?.choices[0].finish_reason, reason, name)
  }

  t.test('a tool_use line without id still gets one in its first delta', async (t) => {
    const tr = createChatStreamEncoder({ ...META, includeUsage: true })
    const [chunk] = events(push(tr, { type: 'tool_use', name: 'f' })) as Array<Record<string, any>>
    t.same(chunk.choices[0].delta.tool_calls, [{ index: 0, id: 'call_abc_0', type: 'function', function: { name: 'f', arguments: '{}' } }])
  })

  t.test('mid-stream error: an error event, [DONE], then nothing', async (t) => {
    const tr = createChatStreamEncoder({ ...META, includeUsage: true })
    let sse = tr.start() + push(tr, { type: 'text', text: 'par' })
    const errorSse = push(tr, { type: 'error', message: 'Upstream exploded' })
    t.equal(errorSse, 'data: {"error":{"message":"Upstream exploded","type":"upstream_error","param":null,"code":"upstream_error"}}\n\ndata: [DONE]\n\n')
    sse += errorSse
    t.equal(push(tr, { type: 'text', text: 'more' }), '', 'later lines ignored')
    t.equal(tr.finish(), '', 'finish emits nothing after an error')
    const evs = events(sse)
    t.same(evs.slice(-2), [{ error: { message: 'Upstream exploded', type: 'upstream_error', param: null, code: 'upstream_error' } }, '[DONE]'])
    t.equal(evs.length, 4)
  })

  t.test('error line without a message gets a generic one', async (t) => {
    const tr = createChatStreamEncoder({ ...META, includeUsage: true })
    const [err] = events(push(tr, { type: 'error' })) as Array<Record<string, any>>
    t.ok(typeof err.error.message === 'string' && err.error.message.length > 0, 'non-empty message')
  })
})

t.test('splitter output drives lineToEvent and the encoder', async (t) => {
  const s = createNdjsonSplitter()
  const tr = createChatStreamEncoder({ ...META, includeUsage: true })
  let sse = tr.start()
  for (const line of s.feed('{"type":"text","text":"Hi"}\n{"type":"usage","usage":{"prompt_tokens":2,"completion_tokens":1}}\n')) sse += push(tr, line)
  for (const line of s.end()) sse += push(tr, line)
  sse += tr.finish()
  const evs = events(sse) as Array<Record<string, any>>
  t.equal(evs[1].choices[0].delta.content, 'Hi')
  t.same(evs.at(-2)?.usage, { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 })
})

t.test('a plain answer replayed with answerToEvents gives the SSE of a live stream of the same answer', async (t) => {
  for (const c of RESULT_CASES) {
    for (const includeUsage of [true, false]) {
      const answer = normalizeResult(c.result)
      const replay = createChatStreamEncoder({ ...META, includeUsage })
      let replayed = replay.start()
      for (const event of answerToEvents(answer)) replayed += replay.push(event)
      replayed += replay.finish()

      // What Puter streams for that answer: reasoning, text, each call once, then usage (carrying the stop signal).
      const lines: unknown[] = []
      if (answer.reasoning !== '') lines.push({ type: 'reasoning', reasoning: answer.reasoning })
      if (answer.text !== '') lines.push({ type: 'text', text: answer.text })
      for (const call of answer.toolCalls) lines.push({ type: 'tool_use', id: call.id ?? undefined, name: call.name, input: JSON.parse(call.arguments) })
      const { inputTokens, outputTokens, cachedInputTokens } = answer.usage
      const usage: Record<string, unknown> = { prompt_tokens: inputTokens, completion_tokens: outputTokens }
      if (cachedInputTokens !== undefined) usage.prompt_tokens_details = { cached_tokens: cachedInputTokens }
      const stop = { length: { finish_reason: 'length' }, content_filter: { stop_reason: 'refusal' } }[answer.finish as string]
      lines.push({ type: 'usage', usage, ...stop })
      const live = createChatStreamEncoder({ ...META, includeUsage })
      let streamed = live.start()
      for (const line of lines) streamed += push(live, line)
      streamed += live.finish()

      t.equal(replayed, streamed, `${c.name}${includeUsage ? ' (include_usage)' : ''}`)
    }
  }
})

t.test('an error event with a gateway code', async (t) => {
  const tr = createChatStreamEncoder({ ...META, includeUsage: false })
  t.equal(tr.push({ type: 'error', message: 'Puter stopped sending', code: 'upstream_timeout' }),
    'data: {"error":{"message":"Puter stopped sending","type":"upstream_error","param":null,"code":"upstream_timeout"}}\n\ndata: [DONE]\n\n')
  t.ok(tr.finished)
})
