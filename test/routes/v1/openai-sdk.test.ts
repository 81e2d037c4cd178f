// The official `openai` npm SDK as a real client against a listening gateway on the fake Puter:
// models, chat completions (plain and streamed), reasoning, tool-call round trips, Roo Code's
// request, error classes, retries, mid-stream errors and client aborts.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import OpenAI, {
  APIError,
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError
} from 'openai'
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions'
import { setup, signIn, createKey, fakePuter, ALICE, type Setup } from '../../helper.ts'
import type { FakePuter } from '../../fake-puter/server.ts'

type Tap = { teardown: (fn: () => unknown) => void }

const OPENROUTER_ID = 'openrouter:meta-llama/llama-3.3-70b-instruct'

interface Gateway extends Setup {
  baseURL: string
  key: { id: string, key: string }
  cookie: string
  /** An SDK client on the gateway with this test's key; no retries unless asked. */
  client: (opts?: Partial<ConstructorParameters<typeof OpenAI>[0]>) => OpenAI
  /** The /drivers/call requests the fake Puter received so far. */
  driverCalls: () => FakePuter['calls']
}

/** A listening gateway on a fresh fake Puter, with a signed-in user and one key. */
async function gateway (t: Tap, opts: { fake?: FakePuter } = {}): Promise<Gateway> {
  const s = await setup(t, opts.fake ? { fake: opts.fake } : {})
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as AddressInfo
  const baseURL = `http://127.0.0.1:${port}/v1`
  const cookie = await signIn(s.app)
  const key = await createKey(s.app, cookie, 'sdk test')
  return Object.assign(s, {
    baseURL,
    key,
    cookie,
    client: (o = {}) => new OpenAI({ apiKey: key.key, baseURL, maxRetries: 0, timeout: 10_000, ...o }),
    driverCalls: () => s.fake.calls.filter((c) => c.path === '/drivers/call')
  })
}

/** The rejection of a promise (fails the test when it resolves). */
async function rejection (p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection, got a result')
}

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
  }
}

/** Tool calls assembled from stream deltas, plus the first delta seen for each index. */
function collectToolCalls (chunks: ChatCompletionChunk[]) {
  const calls: Array<{ id: string, type: 'function', function: { name: string, arguments: string } }> = []
  const firstDeltas: any[] = []
  for (const chunk of chunks) {
    for (const tc of chunk.choices[0]?.delta?.tool_calls ?? []) {
      if (!calls[tc.index]) {
        firstDeltas[tc.index] = tc
        calls[tc.index] = { id: tc.id ?? '', type: 'function', function: { name: tc.function?.name ?? '', arguments: '' } }
      }
      calls[tc.index].function.arguments += tc.function?.arguments ?? ''
    }
  }
  return { calls, firstDeltas }
}

async function drain<T> (stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of stream) out.push(item)
  return out
}

t.test('models: list, retrieve ids with slashes and colons, aliases, unknown ids', async (t) => {
  const { client } = await gateway(t)
  const openai = client()

  const page = await openai.models.list()
  const ids = page.data.map((m) => m.id)
  t.ok(ids.includes('gpt-4o-mini'), 'gpt-4o-mini is listed')
  t.ok(ids.includes(OPENROUTER_ID), 'the openrouter id is listed')
  t.ok(ids.includes('deepseek-reasoner'))
  for (const m of page.data) t.match(m, { id: String, object: 'model', created: Number, owned_by: String }, `${m.id} has OpenAI's model fields`)

  const openrouter = await openai.models.retrieve(OPENROUTER_ID)
  t.equal(openrouter.id, OPENROUTER_ID, 'an id with `:` and `/` retrieves its model')
  t.equal(openrouter.object, 'model')

  const alias = await openai.models.retrieve('claude-sonnet-4-5')
  t.equal(alias.object, 'model')
  t.ok(ids.includes(alias.id), 'an alias retrieves a listed model')
  t.match(alias.id, /^claude-sonnet-4-5/)

  const viaSlashAlias = await openai.models.retrieve('meta-llama/llama-3.3-70b-instruct')
  t.equal(viaSlashAlias.id, OPENROUTER_ID, 'an alias with a slash retrieves the model too')

  const err = await rejection(openai.models.retrieve('no-such-model-xyz'))
  t.type(err, NotFoundError)
  t.equal(err.status, 404)
  t.equal(err.code, 'model_not_found')
})

t.test('non-streaming chat completion', async (t) => {
  const { client } = await gateway(t)
  const completion = await client().chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }]
  })
  t.match(completion.id, /^chatcmpl-/)
  t.equal(completion.object, 'chat.completion')
  t.equal(completion.model, 'gpt-4o-mini')
  t.equal(completion.choices.length, 1)
  t.equal(completion.choices[0].message.role, 'assistant')
  t.equal(completion.choices[0].message.content, 'Echo: hello there')
  t.equal(completion.choices[0].finish_reason, 'stop')
  const usage = completion.usage!
  t.ok(usage.prompt_tokens > 0, 'prompt tokens counted')
  t.ok(usage.completion_tokens > 0, 'completion tokens counted')
  t.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens)
})

t.test('streaming chat completion with include_usage', async (t) => {
  const { client } = await gateway(t)
  const openai = client()
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'stream me please' }]
  const plain = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages })
  const expected = plain.choices[0].message.content
  t.equal(expected, 'Echo: stream me please')

  const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } })
  const chunks = await drain(stream)
  t.ok(chunks.length >= 4, `several chunks (${chunks.length})`)
  t.equal(chunks[0].choices[0].delta.role, 'assistant', 'the first chunk has the assistant role')
  t.equal(new Set(chunks.map((c) => c.id)).size, 1, 'every chunk shares one id')
  t.match(chunks[0].id, /^chatcmpl-/)
  t.equal(new Set(chunks.map((c) => c.created)).size, 1, 'every chunk shares one created')
  t.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4o-mini'))
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
  t.equal(text, expected, 'the concatenated deltas equal the non-streamed text')
  const withChoices = chunks.filter((c) => c.choices.length > 0)
  t.equal(withChoices.at(-1)!.choices[0].finish_reason, 'stop', 'the last chunk with choices finishes with stop')
  t.ok(withChoices.slice(0, -1).every((c) => c.choices[0].finish_reason === null), 'no earlier finish_reason')
  const usageChunk = chunks.at(-1)!
  t.same(usageChunk.choices, [], 'usage comes in its own chunk without choices')
  t.ok(usageChunk.usage!.prompt_tokens > 0)
  t.ok(usageChunk.usage!.completion_tokens > 0)
  t.equal(usageChunk.usage!.total_tokens, usageChunk.usage!.prompt_tokens + usageChunk.usage!.completion_tokens)

  // The SDK's stream helper assembles the same completion.
  const helper = openai.chat.completions.stream({ model: 'gpt-4o-mini', messages, stream_options: { include_usage: true } })
  const deltas: string[] = []
  helper.on('content', (delta) => { deltas.push(delta) })
  const final = await helper.finalChatCompletion()
  t.equal(final.choices[0].message.content, expected, 'finalChatCompletion() has the whole text')
  t.equal(deltas.join(''), expected, 'content events add up to the text')
  t.equal(final.choices[0].finish_reason, 'stop')
  t.match(final.id, /^chatcmpl-/)
  t.ok(final.usage!.total_tokens > 0, 'finalChatCompletion() carries usage')
})

t.test('reasoning model: reasoning_content streamed and in the message', async (t) => {
  const { client } = await gateway(t)
  const openai = client()
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'why is the sky blue' }]

  const plain = await openai.chat.completions.create({ model: 'deepseek-reasoner', messages })
  const message = plain.choices[0].message as any
  t.equal(message.content, 'Echo: why is the sky blue')
  t.equal(message.reasoning_content, 'Thinking about: why is the sky blue')

  const chunks = await drain(await openai.chat.completions.create({ model: 'deepseek-reasoner', messages, stream: true }))
  const reasoning = chunks.map((c) => (c.choices[0]?.delta as any)?.reasoning_content ?? '').join('')
  const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
  t.equal(reasoning, 'Thinking about: why is the sky blue', 'reasoning_content arrives in deltas')
  t.equal(content, 'Echo: why is the sky blue')
  const firstReasoning = chunks.findIndex((c) => (c.choices[0]?.delta as any)?.reasoning_content)
  const firstContent = chunks.findIndex((c) => c.choices[0]?.delta?.content)
  t.ok(firstReasoning < firstContent, 'reasoning comes before the answer')
})

for (const [model, idPattern] of [['gpt-4o-mini', /^call_/], ['claude-sonnet-4-5', /^toolu_/]] as const) {
  for (const stream of [false, true]) {
    t.test(`tool-call round trip: ${model}, ${stream ? 'streaming' : 'non-streaming'}`, async (t) => {
      const { client, driverCalls } = await gateway(t)
      const openai = client()
      const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'weather in Paris?' }]

      let call: { id: string, type: 'function', function: { name: string, arguments: string } }
      if (stream) {
        const chunks = await drain(await openai.chat.completions.create({ model, messages, tools: [weatherTool], stream: true }))
        const { calls, firstDeltas } = collectToolCalls(chunks)
        t.equal(calls.length, 1, 'one tool call streamed')
        t.match(firstDeltas[0], { index: 0, id: idPattern, type: 'function', function: { name: 'get_weather' } }, 'the first delta carries id, type and name')
        const finishes = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)
        t.same(finishes, ['tool_calls'], 'finish_reason tool_calls, once')
        call = calls[0]
      } else {
        const completion = await openai.chat.completions.create({ model, messages, tools: [weatherTool] })
        t.equal(completion.choices[0].finish_reason, 'tool_calls')
        const calls = completion.choices[0].message.tool_calls ?? []
        t.equal(calls.length, 1, 'one tool call')
        t.equal(calls[0].type, 'function')
        call = calls[0] as typeof call
      }
      t.match(call.id, idPattern, `tool call id ${call.id}`)
      t.equal(call.type, 'function')
      t.equal(call.function.name, 'get_weather')
      t.same(JSON.parse(call.function.arguments), { city: 'weather in Paris?' }, 'arguments are JSON')

      const followUp: ChatCompletionMessageParam[] = [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny' }
      ]
      let answer: string | null
      if (stream) {
        const chunks = await drain(await openai.chat.completions.create({ model, messages: followUp, tools: [weatherTool], stream: true }))
        answer = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
        t.equal(chunks.filter((c) => c.choices.length > 0).at(-1)!.choices[0].finish_reason, 'stop')
      } else {
        const completion = await openai.chat.completions.create({ model, messages: followUp, tools: [weatherTool] })
        answer = completion.choices[0].message.content
        t.equal(completion.choices[0].finish_reason, 'stop')
        t.notOk(completion.choices[0].message.tool_calls?.length, 'no further tool calls')
      }
      t.equal(answer, 'Tool said: sunny')

      // What reached Puter on the second call: the call as a tool_use block and the result with its id.
      const calls = driverCalls()
      t.equal(calls.length, 2)
      const sent = calls[1].body.args.messages as any[]
      const toolMsg = sent.at(-1)
      t.match(toolMsg, { role: 'tool', tool_call_id: call.id, content: 'sunny' }, 'the tool result reached Puter with its id')
      const useBlocks = sent.flatMap((m) => m.role === 'assistant' && Array.isArray(m.content) ? m.content : []).filter((b: any) => b.type === 'tool_use')
      t.same(useBlocks, [{ type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'weather in Paris?' } }], 'the tool call reached Puter as a tool_use block with the same id')
      t.equal(calls[1].body.args.stream, stream)
    })
  }
}

t.test('the SDK tool runner completes a tool loop on Claude', async (t) => {
  const { client } = await gateway(t)
  const seenArgs: unknown[] = []
  const runner = client().chat.completions.runTools({
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'what is it like outside' }],
    tools: [{
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather of a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        parse: JSON.parse,
        function: (args: unknown) => { seenArgs.push(args); return 'cloudy' }
      }
    }]
  })
  t.equal(await runner.finalContent(), 'Tool said: cloudy')
  t.same(seenArgs, [{ city: 'what is it like outside' }], 'the tool ran once with the parsed arguments')
})

t.test("Roo Code's exact streaming request", async (t) => {
  const { client, driverCalls } = await gateway(t)
  const readFile: ChatCompletionTool = {
    type: 'function',
    function: {
      name: 'read_file',
      description: 'Read a file',
      strict: true,
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false }
    }
  }
  const listFiles: ChatCompletionTool = {
    type: 'function',
    function: {
      name: 'list_files',
      description: 'List files',
      strict: true,
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false }
    }
  }
  const body = {
    model: 'gpt-4o-mini',
    temperature: 0,
    messages: [
      { role: 'system', content: 'You are Roo, a skilled software engineer.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: '<task>read src/app.ts</task>' },
          { type: 'text', text: '<environment_details>cwd /work</environment_details>', cache_control: { type: 'ephemeral' } }
        ]
      }
    ],
    stream: true,
    stream_options: { include_usage: true },
    tools: [readFile, listFiles],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    max_completion_tokens: 8192,
    roo_unknown_extra: { anything: true }
  } as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming
  const chunks = await drain(await client().chat.completions.create(body))

  const { calls, firstDeltas } = collectToolCalls(chunks)
  t.ok(calls.length >= 1, 'tool calls streamed')
  for (const [i, first] of firstDeltas.entries()) {
    t.equal(typeof first.id, 'string', `index ${i}: the first delta has an id`)
    t.ok(first.id.length > 0)
    t.equal(first.type, 'function', `index ${i}: the first delta has type function`)
    t.equal(typeof first.function?.name, 'string', `index ${i}: the first delta has function.name`)
    t.ok(first.function.name.length > 0)
  }
  t.equal(calls[0].function.name, 'read_file')
  t.same(JSON.parse(calls[0].function.arguments), { path: '<task>read src/app.ts</task> <environment_details>cwd /work</environment_details>' })
  t.equal(chunks.filter((c) => c.choices.length > 0).at(-1)!.choices[0].finish_reason, 'tool_calls')
  const usage = chunks.find((c) => c.usage)?.usage
  t.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0, 'usage arrives (Roo shows tokens and cost)')

  const sent = driverCalls()[0].body.args
  t.equal(sent.temperature, 0)
  t.equal(sent.max_tokens, 8192, 'max_completion_tokens becomes Puter max_tokens')
  t.equal(sent.tool_choice, 'auto')
  t.equal(sent.parallel_tool_calls, true)
  t.equal(sent.tools.length, 2, 'both tools sent to Puter')
  t.equal(sent.tools[0].function.strict, true)
  t.notOk('roo_unknown_extra' in sent, 'the unknown field is not forwarded')
  t.notOk(JSON.stringify(sent.messages).includes('cache_control'), 'cache_control is not forwarded')
})

t.test('errors map to the SDK error classes', async (t) => {
  t.test('a deleted key: AuthenticationError invalid_api_key', async (t) => {
    const { app, client, cookie, key, driverCalls } = await gateway(t)
    const del = await app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: { cookie } })
    t.equal(del.statusCode, 200)
    const err = await rejection(client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))
    t.type(err, AuthenticationError)
    t.equal(err.status, 401)
    t.equal(err.code, 'invalid_api_key')
    const list = await rejection(client().models.list())
    t.type(list, AuthenticationError, 'the model list too')
    t.equal(driverCalls().length, 0, 'Puter never called')
  })

  t.test('Puter 402 insufficient_funds: 402 with x-should-retry false, not retried', async (t) => {
    const { client, fake, driverCalls } = await gateway(t)
    fake.enqueue({ kind: 'error', status: 402, code: 'insufficient_funds', message: 'No usage left for request.' })
    fake.enqueue({ kind: 'error', status: 402, code: 'insufficient_funds', message: 'No usage left for request.' })
    fake.enqueue({ kind: 'error', status: 402, code: 'insufficient_funds', message: 'No usage left for request.' })
    const err = await rejection(client({ maxRetries: 2 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))
    t.type(err, APIError)
    t.equal(err.status, 402)
    t.equal(err.headers.get('x-should-retry'), 'false')
    t.equal(err.code, 'insufficient_quota')
    t.equal(err.type, 'insufficient_quota')
    t.match(err.message, /No usage left for request/)
    t.equal(driverCalls().length, 1, 'the SDK did not retry')
  })

  t.test('Puter 429: RateLimitError with retry-after passed on', async (t) => {
    const { client, fake, driverCalls } = await gateway(t)
    fake.enqueue({ kind: 'error', status: 429, code: 'upstream_rate_limited', message: 'Slow down', headers: { 'retry-after': '7' } })
    const err = await rejection(client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))
    t.type(err, RateLimitError)
    t.equal(err.status, 429)
    t.equal(err.headers.get('retry-after'), '7')
    t.equal(err.type, 'rate_limit_error')
    t.equal(driverCalls().length, 1)
  })

  t.test('Puter 429 with retry-after-ms: the SDK retries after the given delay and succeeds', async (t) => {
    const { client, fake, driverCalls } = await gateway(t)
    fake.enqueue({ kind: 'error', status: 429, code: 'upstream_rate_limited', message: 'Slow down', headers: { 'retry-after-ms': '20' } })
    const completion = await client({ maxRetries: 1 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] })
    t.equal(completion.choices[0].message.content, 'Echo: again')
    t.equal(driverCalls().length, 2, 'one retry')
  })

  t.test('legacy HTTP-200 failure envelope: 402', async (t) => {
    const { client, fake } = await gateway(t)
    fake.enqueue({ kind: 'legacy-error', code: 'insufficient_funds', message: 'Available funding is insufficient for this request.', status: 402 })
    const err = await rejection(client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))
    t.type(err, APIError)
    t.equal(err.status, 402)
    t.equal(err.code, 'insufficient_quota')
    t.equal(err.headers.get('x-should-retry'), 'false')
  })

  t.test("the key owner's Puter token expired: AuthenticationError asking to sign in again", async (t) => {
    const { client, fake } = await gateway(t)
    fake.expireToken(ALICE)
    const err = await rejection(client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))
    t.type(err, AuthenticationError)
    t.equal(err.status, 401)
    t.match(err.message, /sign in to the dashboard/i)
    t.notMatch(err.message, /reauth/i, "Puter's reauth details are not passed on")
    t.equal(err.code, 'puter_token_invalid')
  })

  t.test('unknown model on chat completions: NotFoundError', async (t) => {
    const { client } = await gateway(t)
    const err = await rejection(client().chat.completions.create({ model: 'no-such-model-xyz', messages: [{ role: 'user', content: 'hi' }] }))
    t.type(err, NotFoundError)
    t.equal(err.status, 404)
    t.equal(err.code, 'model_not_found')
    t.equal(err.param, 'model')
    t.match(err.message, /no-such-model-xyz/)
    const streamed = await rejection(client().chat.completions.create({ model: 'no-such-model-xyz', messages: [{ role: 'user', content: 'hi' }], stream: true }))
    t.type(streamed, NotFoundError, 'streaming requests too, before any event')
  })

  t.test('Puter 403 permission_denied: PermissionDeniedError', async (t) => {
    const { client, fake } = await gateway(t)
    fake.enqueue({ kind: 'error', status: 403, code: 'permission_denied', message: 'Permission denied.' })
    const err = await rejection(client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))
    t.type(err, PermissionDeniedError)
    t.equal(err.status, 403)
    t.equal(err.type, 'permission_error')
  })
})

t.test('a mid-stream error: content deltas, then an APIError', async (t) => {
  const { client, fake } = await gateway(t)
  fake.enqueue({ kind: 'stream-error', afterTextLines: 2, message: 'provider exploded' })
  const stream = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one two three four' }], stream: true })
  const contents: string[] = []
  let caught: any
  try {
    for await (const chunk of stream) {
      const c = chunk.choices[0]?.delta?.content
      if (c) contents.push(c)
    }
  } catch (err) {
    caught = err
  }
  t.type(caught, APIError, 'iteration throws an APIError')
  t.match(caught?.message, /provider exploded/)
  t.equal(contents.length, 2, 'the first two content deltas arrived')
  t.ok('Echo: one two three four'.startsWith(contents.join('')), `partial text ${JSON.stringify(contents.join(''))}`)
  t.ok(contents.join('').length > 0)
})

t.test('aborting a stream from the client aborts the Puter call', async (t) => {
  const fake = await fakePuter(t, { streamDelayMs: 50, streamTextLines: 50 })
  const { client } = await gateway(t, { fake })
  const controller = new AbortController()
  const started = Date.now()
  const stream = await client().chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a long answer please' }], stream: true },
    { signal: controller.signal }
  )
  let chunks = 0
  let caught: unknown
  try {
    for await (const chunk of stream) {
      chunks++
      if (chunk.choices[0]?.delta?.content) controller.abort()
    }
  } catch (err) {
    caught = err
  }
  if (caught !== undefined) t.ok(caught instanceof Error && /abort/i.test(`${caught.name} ${caught.message}`), `only an abort error (${String(caught)})`)
  t.ok(chunks < 10, `iteration stopped early (${chunks} chunks)`)
  const seen = await Promise.race([
    fake.waitForAbort().then(() => 'aborted'),
    new Promise((resolve) => { setTimeout(resolve, 3000, 'still streaming').unref() })
  ])
  t.equal(seen, 'aborted', 'the gateway tore down the Puter request')
  t.equal(fake.aborts, 1, 'the fake Puter saw the request go away')
  t.ok(Date.now() - started < 2000, 'well before the 2.5 s the full stream would take')
})
