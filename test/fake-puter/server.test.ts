// Tests of the fake Puter server itself: every behaviour the gateway's tests and benchmark rely on.

import t from 'tap'
import { startFakePuter } from './server.ts'
import type { FakePuter, FakePuterOptions } from './server.ts'

const ALICE = 'fake-token-alice'
const BOB = 'fake-token-bob'

type Json = Record<string, any>

async function startFake (tt: { teardown: (fn: () => unknown) => void }, options?: FakePuterOptions): Promise<FakePuter> {
  const fake = await startFakePuter(options)
  tt.teardown(() => fake.close())
  return fake
}

function chat (args: Json, extra: Json = {}): Json {
  return { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete', args, ...extra }
}

interface CallInit { token?: string | null, headers?: Record<string, string>, signal?: AbortSignal, query?: string }

function call (fake: FakePuter, body: Json | string, init: CallInit = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers }
  const token = init.token === undefined ? ALICE : init.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  return fetch(`${fake.url}/drivers/call${init.query ?? ''}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal
  })
}

async function complete (fake: FakePuter, args: Json): Promise<Json> {
  const res = await call(fake, chat(args))
  const body = await res.json() as Json
  if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${JSON.stringify(body)}`)
  return body
}

async function ndjson (res: Response): Promise<{ raw: string, lines: Json[] }> {
  const raw = await res.text()
  const parts = raw.split('\n')
  const last = parts.pop()
  if (last !== '') throw new Error(`stream does not end with a newline: ${JSON.stringify(raw)}`)
  return { raw, lines: parts.map((p) => JSON.parse(p) as Json) }
}

async function waitFor (cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  if (!cond()) throw new Error('condition never became true')
}

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] }
  }
}

t.test('GET /whoami', async (t) => {
  const fake = await startFake(t)

  t.test('user token via Bearer, x-api-key and ?auth_token=', async (t) => {
    const inits: Array<{ headers: Record<string, string>, query: string }> = [
      { headers: { authorization: `Bearer ${ALICE}` }, query: '' },
      { headers: { 'x-api-key': ALICE }, query: '' },
      { headers: {}, query: `?auth_token=${ALICE}` }
    ]
    for (const init of inits) {
      const res = await fetch(`${fake.url}/whoami${init.query}`, { headers: init.headers })
      t.equal(res.status, 200)
      t.match(res.headers.get('content-type'), /^application\/json/)
      const body = await res.json() as Json
      t.match(body, {
        username: 'alice',
        uuid: '11111111-1111-4111-8111-111111111111',
        email: 'alice@example.com',
        email_confirmed: true,
        is_temp: false,
        is_user_token: true,
        feature_flags: { create_shortcut: true },
        desktop_bg_url: String,
        created_ts: Number,
        directories: { '/alice/Desktop': String }
      }, JSON.stringify(init))
    }
  })

  t.test('app-under-user tokens: reduced fields plus app_name, the same uuid as the user', async (t) => {
    const token = fake.appToken('alice', 'https://site.example')
    const body = await (await fetch(`${fake.url}/whoami`, { headers: { authorization: `Bearer ${token}` } })).json() as Json
    t.match(body, { username: 'alice', uuid: '11111111-1111-4111-8111-111111111111', app_name: fake.appUidFor('https://site.example') })
    for (const field of ['email', 'is_user_token', 'directories', 'created_ts', 'taskbar_items', 'desktop_bg_url']) {
      t.notOk(field in body, `no ${field}`)
    }
  })

  t.test('POST /auth/app-uid-from-origin: a stable app uid per origin, auth required', async (t) => {
    const ask = async (body: unknown, token: string | null = ALICE) => fetch(`${fake.url}/auth/app-uid-from-origin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body)
    })
    const a = await ask({ origin: 'https://site.example' })
    t.equal(a.status, 200)
    const { uid } = await a.json() as Json
    t.match(uid, /^app-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    t.equal(uid, fake.appUidFor('https://site.example'))
    t.equal((await (await ask({ origin: 'https://SITE.example/' })).json() as Json).uid, uid, 'case and trailing slash do not matter')
    t.not((await (await ask({ origin: 'http://site.example' })).json() as Json).uid, uid, 'the scheme does')
    const missing = await ask({})
    t.equal(missing.status, 400)
    t.match(await missing.json(), { code: 'bad_request', message: 'Missing `origin`' })
    const anonymous = await ask({ origin: 'https://site.example' }, null)
    t.equal(anonymous.status, 401)
    t.match(await anonymous.json(), { code: 'token_missing' })
  })

  t.test('any fake-token-<name> is a user with a stable uuid', async (t) => {
    const other = await startFake(t)
    const get = async (url: string): Promise<Json> =>
      await (await fetch(`${url}/whoami`, { headers: { authorization: 'Bearer fake-token-carol' } })).json() as Json
    const a = await get(fake.url)
    const b = await get(other.url)
    t.equal(a.username, 'carol')
    t.match(a.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    t.equal(a.uuid, b.uuid, 'same uuid on another fake')
    t.not(a.uuid, '11111111-1111-4111-8111-111111111111')
  })

  t.test('addUser registers temp users', async (t) => {
    fake.addUser('guest-token', { uuid: '33333333-3333-4333-8333-333333333333', username: 'guest_1', isTemp: true })
    const res = await fetch(`${fake.url}/whoami`, { headers: { authorization: 'Bearer guest-token' } })
    t.match(await res.json(), { username: 'guest_1', uuid: '33333333-3333-4333-8333-333333333333', is_temp: true, email: null })
  })

  t.test('error bodies', async (t) => {
    let res = await fetch(`${fake.url}/whoami`)
    t.equal(res.status, 401)
    t.strictSame(await res.json(), { error: 'Missing authentication token', message: 'Missing authentication token', code: 'token_missing' })

    res = await fetch(`${fake.url}/whoami`, { headers: { authorization: 'Bearer nope' } })
    t.equal(res.status, 401)
    t.strictSame(await res.json(), { error: 'Authentication failed', message: 'Authentication failed', code: 'token_auth_failed' })

    fake.expireToken(BOB)
    res = await fetch(`${fake.url}/whoami`, { headers: { authorization: `Bearer ${BOB}` } })
    t.equal(res.status, 401)
    t.match(await res.json(), {
      error: 'Re-authentication required',
      message: 'Re-authentication required',
      code: 'reauth_required',
      reason: 'session_expired',
      auth_id: String,
      reauth_token: String
    })
  })

  t.test('records the calls', async (t) => {
    const whoami = fake.calls.filter((c) => c.path === '/whoami')
    t.ok(whoami.length >= 5)
    t.equal(whoami[0].method, 'GET')
    t.equal(whoami[0].headers.authorization, `Bearer ${ALICE}`)
  })
})

t.test('token lookup order: body auth_token, Bearer, x-api-key, ?auth_token=', async (t) => {
  const fake = await startFake(t)
  fake.expireToken(BOB)
  const list = { interface: 'puter-chat-completion', method: 'list' }

  let res = await call(fake, { ...list, auth_token: ALICE }, { token: BOB })
  t.equal(res.status, 200, 'body token wins over Bearer')
  res = await call(fake, list, { token: ALICE, headers: { 'x-api-key': BOB } })
  t.equal(res.status, 200, 'Bearer wins over x-api-key')
  res = await call(fake, list, { token: null, headers: { 'x-api-key': ALICE }, query: `?auth_token=${BOB}` })
  t.equal(res.status, 200, 'x-api-key wins over the query')
  res = await call(fake, list, { token: null, query: `?auth_token=${BOB}` })
  t.equal(res.status, 401, 'query token is used last')
  t.match(await res.json(), { code: 'reauth_required' })
})

t.test('model listing', async (t) => {
  const fake = await startFake(t)

  const list = await (await fetch(`${fake.url}/puterai/chat/models`)).json() as { models: string[] }
  t.strictSame(list.models, [...list.models].sort(), 'sorted')
  for (const hidden of ['fake', 'costly', 'abuse']) t.notOk(list.models.includes(hidden), `${hidden} hidden`)
  for (const name of ['openai:openai/gpt-4o-mini', 'anthropic:anthropic/claude-sonnet-4-5', 'openrouter:meta-llama/llama-3.3-70b-instruct', 'puter-normalized-demo']) {
    t.ok(list.models.includes(name), `${name} listed`)
  }

  const details = await (await fetch(`${fake.url}/puterai/chat/models/details`)).json() as { models: Json[] }
  t.notOk(details.models.some((m) => ['fake', 'costly', 'abuse'].includes(m.id)))
  const providers = details.models.map((m) => `${m.provider}\u0000${m.id}`)
  t.strictSame(providers, [...providers].sort((a, b) => a.localeCompare(b)), 'sorted by provider then id')
  t.strictSame(details.models.find((m) => m.id === 'gpt-4o-mini'), {
    puterId: 'openai:openai/gpt-4o-mini',
    id: 'gpt-4o-mini',
    modalities: { input: ['text', 'image'], output: ['text'] },
    open_weights: false,
    tool_call: true,
    knowledge: '2023-09',
    release_date: '2024-07-18',
    aliases: ['openai/gpt-4o-mini', 'openai:openai/gpt-4o-mini'],
    context: 128000,
    max_tokens: 16384,
    costs_currency: 'usd-cents',
    input_cost_key: 'prompt_tokens',
    output_cost_key: 'completion_tokens',
    costs: { tokens: 1000000, prompt_tokens: 15, cached_tokens: 8, completion_tokens: 60 },
    provider: 'openai-completion'
  })
  t.match(details.models.find((m) => m.id === 'claude-sonnet-4-5-20250929'), {
    provider: 'claude',
    aliases: ['claude-sonnet-4.5', 'claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5', 'anthropic:anthropic/claude-sonnet-4-5'],
    context: 200000,
    costs: { input_tokens: 300, output_tokens: 1500 }
  })
  t.match(details.models.find((m) => m.id === 'openrouter:meta-llama/llama-3.3-70b-instruct'), {
    provider: 'openrouter',
    input_cost_key: 'prompt',
    costs: { prompt: 10, completion: 32 }
  })
  t.equal(fake.modelsRequests, 2)

  t.test('driver methods models and list include the fake models (auth required)', async (t) => {
    let res = await call(fake, { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'models', args: {} })
    const models = await res.json() as Json
    t.match(models, { success: true, service: { name: 'ai-chat' } })
    t.ok(models.result.some((m: Json) => m.id === 'fake' && m.provider === 'fake-chat'))
    t.equal(models.result.length, details.models.length + 3)

    res = await call(fake, { interface: 'puter-chat-completion', method: 'list' })
    const names = await res.json() as Json
    t.ok(names.result.includes('fake'))
    t.ok(names.result.includes('openai:openai/gpt-4o-mini'))

    res = await call(fake, { interface: 'puter-chat-completion', method: 'models' }, { token: null })
    t.equal(res.status, 401)
  })

  t.test('setModelsDown', async (t) => {
    fake.setModelsDown(true)
    for (const path of ['/puterai/chat/models', '/puterai/chat/models/details']) {
      const res = await fetch(`${fake.url}${path}`)
      t.equal(res.status, 500)
      t.strictSame(await res.json(), { error: 'Internal Server Error', message: 'Internal Server Error', code: 'internal_error' })
    }
    t.equal(fake.modelsRequests, 4)
    fake.setModelsDown(false)
    t.equal((await fetch(`${fake.url}/puterai/chat/models`)).status, 200)
  })
})

t.test('complete: (a) OpenAI-wire result and envelope', async (t) => {
  const fake = await startFake(t)
  const body = await complete(fake, {
    model: 'gpt-4o-mini',
    messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hello there' }]
  })
  // 20 prompt chars -> 5 tokens; "Echo: Hello there" (17 chars) -> 5 tokens; 5*15 + 5*60 µ¢.
  t.strictSame(body, {
    success: true,
    result: {
      index: 0,
      message: { role: 'assistant', content: 'Echo: Hello there', refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
      usage: { prompt_tokens: 5, completion_tokens: 5, cached_tokens: 0, usd_cents: 0.000375 },
      via_ai_chat_service: true
    },
    service: { name: 'ai-chat' },
    metadata: { service_used: 'openai-completion', providerUsed: 'gpt-4o-mini' }
  })

  t.test('parts arrays: text parts joined with a space', async (t) => {
    const r = await complete(fake, {
      model: 'openai:openai/gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:x' } }, 'here'] }]
    })
    t.equal(r.result.message.content, 'Echo: Look here')
  })

  t.test('model keys are case-insensitive and trimmed; aliases resolve to the id', async (t) => {
    for (const model of [' GPT-4o-Mini ', 'openai/gpt-4o-mini', 'meta-llama/llama-3.3-70b-instruct', 'gemini-2.5-flash']) {
      const r = await complete(fake, { model, messages: [{ role: 'user', content: 'x' }] })
      t.ok(r.result.message.content === 'Echo: x' && r.result.index === 0, model)
    }
    const r = await complete(fake, { model: 'llama-3.3-70b-instruct', messages: [{ role: 'user', content: 'x' }] })
    t.strictSame(r.metadata, { service_used: 'openrouter', providerUsed: 'openrouter:meta-llama/llama-3.3-70b-instruct' })
  })
})

t.test('complete: (b) Claude and fake models return the raw Anthropic message', async (t) => {
  const fake = await startFake(t)
  const body = await complete(fake, { model: ' Anthropic/Claude-Sonnet-4-5 ', messages: [{ role: 'user', content: 'Hi Claude' }] })
  t.match(body.result, {
    message: {
      id: /^msg_/,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'Echo: Hi Claude' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 4 }
    },
    usage: {
      input_tokens: 3,
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 4,
      thinking_tokens: 0,
      usd_cents: (3 * 300 + 4 * 1500) / 1e6
    },
    finish_reason: 'stop',
    via_ai_chat_service: true
  })
  t.notOk('index' in body.result)
  t.strictSame(body.metadata, { service_used: 'claude', providerUsed: 'claude-sonnet-4-5-20250929' })

  const fakeModel = await complete(fake, { model: 'fake', messages: [{ role: 'user', content: 'notool please' }], tools: [WEATHER_TOOL] })
  t.match(fakeModel.result, {
    message: {
      id: '00000000-0000-0000-0000-000000000000',
      model: 'fake',
      content: [{ type: 'text', text: 'Echo: notool please' }],
      stop_reason: 'end_turn'
    },
    usage: { input_tokens: 0, output_tokens: 1, usd_cents: null },
    finish_reason: 'stop'
  })
  const fakeWithTools = await complete(fake, { model: 'fake', messages: [{ role: 'user', content: 'use it' }], tools: [WEATHER_TOOL] })
  t.strictSame(fakeWithTools.result.message.content, [{ type: 'text', text: 'Echo: use it' }], 'the fake model never calls tools')
})

t.test('complete: (c) Puter content blocks', async (t) => {
  const fake = await startFake(t)
  const demo = await complete(fake, { model: 'puter-normalized-demo', messages: [{ role: 'user', content: 'blocks' }] })
  t.strictSame(demo.result, {
    message: { role: 'assistant', content: [{ type: 'text', text: 'Echo: blocks' }] },
    usage: { prompt_tokens: 2, completion_tokens: 3, cached_tokens: 0, usd_cents: (2 * 10 + 3 * 40) / 1e6 },
    finish_reason: 'stop',
    normalized: true,
    via_ai_chat_service: true
  })

  const demoTool = await complete(fake, { model: 'puter-normalized-demo', messages: [{ role: 'user', content: 'Rome' }], tools: [WEATHER_TOOL] })
  t.strictSame(demoTool.result.message.content, [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Rome' } }])
  t.equal(demoTool.result.finish_reason, 'tool_calls')

  const asked = await complete(fake, { model: 'gpt-4o-mini', response: { normalize: true }, messages: [{ role: 'user', content: 'hey' }] })
  t.match(asked.result, {
    index: 0,
    message: { role: 'assistant', content: [{ type: 'text', text: 'Echo: hey' }] },
    finish_reason: 'stop',
    normalized: true,
    via_ai_chat_service: true
  })

  const askedTool = await complete(fake, { model: 'gpt-4o-mini', response: { normalize: true }, messages: [{ role: 'user', content: 'Oslo' }], tools: [WEATHER_TOOL] })
  t.strictSame(askedTool.result.message.content, [{ type: 'tool_use', id: 'call_2', name: 'get_weather', input: '{"city":"Oslo"}' }],
    'like Puter, an OpenAI-wire tool call keeps its arguments string as input')
  t.notOk('tool_calls' in askedTool.result.message)
})

t.test('complete: (d) top-level normalize gives the OpenAI shape for every family', async (t) => {
  const fake = await startFake(t)
  const text = await complete(fake, { model: 'claude-sonnet-4-5', normalize: true, messages: [{ role: 'user', content: 'plain' }] })
  t.match(text.result, {
    index: 0,
    message: { role: 'assistant', content: 'Echo: plain' },
    finish_reason: 'stop',
    usage: { input_tokens: 2, output_tokens: 3 },
    normalized: true,
    via_ai_chat_service: true
  })
  const tool = await complete(fake, { model: 'claude-sonnet-4-5', normalize: true, messages: [{ role: 'user', content: 'Lima' }], tools: [WEATHER_TOOL] })
  t.match(tool.result, {
    message: {
      content: null,
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } }]
    },
    finish_reason: 'tool_calls',
    normalized: true
  })
})

t.test('tool call, then tool result round trip', async (t) => {
  const fake = await startFake(t)
  const question = { role: 'user', content: 'Weather in Paris?' }
  const first = await complete(fake, { model: 'gpt-4o-mini', messages: [question], tools: [WEATHER_TOOL] })
  t.strictSame(first.result.message, {
    role: 'assistant',
    content: null,
    refusal: null,
    annotations: [],
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Weather in Paris?"}' } }]
  })
  t.equal(first.result.finish_reason, 'tool_calls')

  const second = await complete(fake, {
    model: 'gpt-4o-mini',
    tools: [WEATHER_TOOL],
    messages: [
      question,
      { ...first.result.message, content: null },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21C' }
    ]
  })
  t.equal(second.result.message.content, 'Tool said: sunny, 21C')
  t.equal(second.result.finish_reason, 'stop')
  t.notOk('tool_calls' in second.result.message)

  t.test('Claude: toolu ids, tool_use blocks, Anthropic-style tool_result', async (t) => {
    const claude = await complete(fake, { model: 'claude-sonnet-4-5', messages: [question], tools: [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }] })
    t.match(claude.result.message, {
      content: [{ type: 'tool_use', id: /^toolu_\d+$/, name: 'lookup', input: { echo: 'Weather in Paris?' } }],
      stop_reason: 'tool_use'
    })
    t.equal(claude.result.finish_reason, 'stop')
    const id = claude.result.message.content[0].id
    const back = await complete(fake, {
      model: 'claude-sonnet-4-5',
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }],
      messages: [question, { role: 'assistant', content: claude.result.message.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'found it' }] }]
    })
    t.strictSame(back.result.message.content, [{ type: 'text', text: 'Tool said: found it' }])
  })

  t.test('"notool" in the last user text and tool_choice none suppress the call', async (t) => {
    const a = await complete(fake, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'just talk, notool' }], tools: [WEATHER_TOOL] })
    t.equal(a.result.message.content, 'Echo: just talk, notool')
    const b = await complete(fake, { model: 'gpt-4o-mini', tool_choice: 'none', messages: [{ role: 'user', content: 'x' }], tools: [WEATHER_TOOL] })
    t.equal(b.result.finish_reason, 'stop')
  })
})

t.test('max_tokens below 3 truncates with a length finish', async (t) => {
  const fake = await startFake(t)
  const long = 'a rather long question indeed'
  const openai = await complete(fake, { model: 'gpt-4o-mini', max_tokens: 1, messages: [{ role: 'user', content: long }] })
  t.equal(openai.result.finish_reason, 'length')
  t.equal(openai.result.message.content, 'Echo')
  t.equal(openai.result.usage.completion_tokens, 1)
  const claude = await complete(fake, { model: 'claude-sonnet-4-5', max_tokens: 2, messages: [{ role: 'user', content: long }] })
  t.equal(claude.result.message.stop_reason, 'max_tokens')
  t.equal(claude.result.message.content[0].text, 'Echo: a ')
})

t.test('reasoning model', async (t) => {
  const fake = await startFake(t)
  const body = await complete(fake, { model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'why?' }] })
  t.match(body.result.message, { content: 'Echo: why?', reasoning: 'Thinking about: why?' })
  t.notOk('reasoning_content' in body.result.message)
  t.equal(body.metadata.service_used, 'deepseek')

  const res = await call(fake, chat({ model: 'deepseek-reasoner', stream: true, messages: [{ role: 'user', content: 'why?' }] }))
  const { lines } = await ndjson(res)
  t.strictSame(lines[0], { type: 'reasoning', reasoning: 'Thinking about: why?' })
  t.equal(lines[1].type, 'text')
})

t.test('streaming', async (t) => {
  const fake = await startFake(t, { streamTextLines: 5 })
  const res = await call(fake, chat({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three four five six seven' }] }))
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'application/x-ndjson')
  t.equal(res.headers.get('transfer-encoding'), 'chunked')
  const { lines } = await ndjson(res)
  const text = lines.filter((l) => l.type === 'text')
  t.equal(text.length, 5, 'exactly streamTextLines text lines')
  t.equal(text.map((l) => l.text).join(''), 'Echo: one two three four five six seven')
  t.strictSame(lines.at(-1), { type: 'usage', usage: { prompt_tokens: 9, completion_tokens: 10, cached_tokens: 0, usd_cents: (9 * 15 + 10 * 60) / 1e6 } })
  t.strictSame(lines.map((l) => l.type), ['text', 'text', 'text', 'text', 'text', 'usage'])

  t.test('short replies are padded to N lines', async (t) => {
    const r = await call(fake, chat({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
    const text = (await ndjson(r)).lines.filter((l) => l.type === 'text').map((l) => l.text as string)
    t.equal(text.length, 5)
    t.ok(text.join('').startsWith('Echo: hi '))
  })

  t.test('tool_use line with a parsed input, then Claude usage keys', async (t) => {
    const r = await call(fake, chat({ model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'Kyiv' }], tools: [WEATHER_TOOL] }))
    const { lines } = await ndjson(r)
    t.strictSame(lines[0], { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Kyiv' }, text: '' })
    t.match(lines[1], { type: 'usage', usage: { input_tokens: Number, output_tokens: Number, usd_cents: Number } })
    t.equal(lines.length, 2, 'no text lines for a tool-only reply')
  })

  t.test('fake model stream usage is {usd_cents:null}', async (t) => {
    const r = await call(fake, chat({ model: 'fake', stream: true, messages: [{ role: 'user', content: 'x' }] }))
    t.strictSame((await ndjson(r)).lines.at(-1), { type: 'usage', usage: { usd_cents: null } })
  })

  t.test('streamDelayMs paces the lines', async (t) => {
    const slow = await startFake(t, { streamDelayMs: 40 })
    const started = Date.now()
    const r = await call(slow, chat({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] }))
    const { lines } = await ndjson(r)
    t.equal(lines.length, 4)
    t.ok(Date.now() - started >= 3 * 40 - 5, 'three gaps of 40 ms')
  })
})

t.test('enqueued behaviours', async (t) => {
  const fake = await startFake(t)
  const hello = chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello world again' }] })

  t.test('stream: exactly the given lines', async (t) => {
    fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'A' }, { type: 'usage', usage: { prompt_tokens: 1 } }] })
    const res = await call(fake, hello)
    t.equal(res.headers.get('content-type'), 'application/x-ndjson')
    t.equal((await ndjson(res)).raw, '{"type":"text","text":"A"}\n{"type":"usage","usage":{"prompt_tokens":1}}\n')
  })

  t.test('stream-error: text lines, then the error line, then the end', async (t) => {
    fake.enqueue({ kind: 'stream-error', afterTextLines: 2, message: 'upstream exploded' })
    const { lines } = await ndjson(await call(fake, hello))
    t.strictSame(lines.map((l) => l.type), ['text', 'text', 'error'])
    t.strictSame(lines[2], { type: 'error', message: 'upstream exploded' })
    t.ok((lines[0].text as string).startsWith('Echo:'))
  })

  t.test('legacy-error: HTTP 200 with success:false', async (t) => {
    fake.enqueue({ kind: 'legacy-error', code: 'insufficient_funds', message: 'Available funding is insufficient for this request.', status: 402 })
    const res = await call(fake, hello)
    t.equal(res.status, 200)
    t.strictSame(await res.json(), {
      success: false,
      error: { code: 'insufficient_funds', message: 'Available funding is insufficient for this request.', status: 402, $: 'heyputer:api/APIError' }
    })
  })

  t.test('error: v2 envelope, X-Needs-Upgrade on 402 only', async (t) => {
    fake.enqueue({ kind: 'error', status: 402, code: 'insufficient_funds', message: 'No usage left for request.' })
    let res = await call(fake, hello)
    t.equal(res.status, 402)
    t.equal(res.headers.get('x-needs-upgrade'), 'true')
    t.strictSame(await res.json(), { error: 'No usage left for request.', message: 'No usage left for request.', code: 'insufficient_funds' })

    fake.enqueue({
      kind: 'error',
      status: 429,
      code: 'upstream_rate_limited',
      message: 'AI provider rate limit exceeded',
      extra: { attempts: [{ model: 'gpt-4o-mini', status: 429 }], code: 'ignored' },
      headers: { 'retry-after': '7' }
    })
    res = await call(fake, hello)
    t.equal(res.status, 429)
    t.equal(res.headers.get('x-needs-upgrade'), null)
    t.equal(res.headers.get('retry-after'), '7')
    t.strictSame(await res.json(), {
      error: 'AI provider rate limit exceeded',
      message: 'AI provider rate limit exceeded',
      code: 'upstream_rate_limited',
      attempts: [{ model: 'gpt-4o-mini', status: 429 }]
    })
  })

  t.test('result: wrapped in the success envelope as-is', async (t) => {
    fake.enqueue({ kind: 'result', result: { anything: [1, 2] } })
    t.strictSame(await (await call(fake, hello)).json(), {
      success: true,
      result: { anything: [1, 2] },
      service: { name: 'ai-chat' },
      metadata: { service_used: 'openai-completion', providerUsed: 'gpt-4o-mini' }
    })
  })

  t.test('FIFO, then back to the default', async (t) => {
    fake.enqueue({ kind: 'error', status: 500, code: 'upstream_auth_failed', message: 'first' })
    fake.enqueue({ kind: 'error', status: 400, code: 'upstream_bad_request', message: 'second' })
    t.equal((await call(fake, hello)).status, 500)
    t.equal((await call(fake, hello)).status, 400)
    t.equal(((await (await call(fake, hello)).json()) as Json).result.message.content, 'Echo: hello world again')
  })

  t.test('auth is checked before the queue is consumed', async (t) => {
    fake.enqueue({ kind: 'result', result: 'kept' })
    t.equal((await call(fake, hello, { token: null })).status, 401)
    t.equal(((await (await call(fake, hello)).json()) as Json).result, 'kept')
  })

  t.test('delay: waits, then answers normally', async (t) => {
    fake.enqueue({ kind: 'delay', ms: 80 })
    const started = Date.now()
    const body = await (await call(fake, hello)).json() as Json
    t.ok(Date.now() - started >= 75)
    t.equal(body.result.message.content, 'Echo: hello world again')
  })

  t.test('destroy: the socket closes without an answer, not counted as an abort', async (t) => {
    fake.enqueue({ kind: 'destroy' })
    await t.rejects(call(fake, hello))
    t.equal(fake.aborts, 0)
  })
})

t.test('request errors', async (t) => {
  const fake = await startFake(t)
  const cases: Array<{ name: string, body: Json | string, init?: CallInit, status: number, expect: Json }> = [
    { name: 'no token', body: chat({ model: 'gpt-4o-mini' }), init: { token: null }, status: 401, expect: { code: 'token_missing', error: 'Missing authentication token' } },
    { name: 'unknown token', body: chat({ model: 'gpt-4o-mini' }), init: { token: 'who' }, status: 401, expect: { code: 'token_auth_failed' } },
    { name: 'missing interface', body: { method: 'complete', args: {} }, status: 400, expect: { code: 'bad_request', error: 'Missing or invalid `interface`' } },
    { name: 'missing method', body: { interface: 'puter-chat-completion' }, status: 400, expect: { code: 'bad_request', error: 'Missing or invalid `method`' } },
    { name: 'other driver', body: chat({}, { driver: 'openai-completion' }), status: 404, expect: { code: 'not_found', error: 'Driver not found: puter-chat-completion:openai-completion' } },
    { name: 'other interface', body: { interface: 'puter-nope', method: 'x' }, status: 404, expect: { code: 'not_found', error: 'Driver not found: puter-nope:(no default)' } },
    { name: 'unknown method', body: chat({}, { method: 'explode' }), status: 404, expect: { code: 'not_found' } },
    { name: 'unknown model', body: chat({ model: 'gpt-9', messages: [] }), status: 400, expect: { error: 'Model not found: gpt-9', message: 'Model not found: gpt-9', code: 'bad_request' } },
    { name: 'no model', body: chat({ messages: [] }), status: 400, expect: { error: 'Model not found: undefined', code: 'bad_request' } },
    { name: 'message without content', body: chat({ model: 'gpt-4o-mini', messages: [{ role: 'user' }] }), status: 400, expect: { code: 'bad_request', error: "each message must have a 'content' property" } },
    { name: 'empty assistant content', body: chat({ model: 'gpt-4o-mini', messages: [{ role: 'assistant', content: '' }, { role: 'user', content: 'x' }] }), status: 400, expect: { code: 'bad_request' } },
    { name: 'malformed JSON', body: '{"interface":', status: 400, expect: { error: 'Malformed JSON in request body', code: 'client_bad_json' } },
    { name: 'malformed text/plain;actually=json', body: 'nope', init: { headers: { 'content-type': 'text/plain;actually=json' } }, status: 400, expect: { code: 'client_bad_json' } }
  ]
  for (const c of cases) {
    const res = await call(fake, c.body, c.init)
    t.equal(res.status, c.status, c.name)
    t.match(await res.json(), c.expect, c.name)
  }

  const ok = await call(fake, JSON.stringify(chat({ model: 'gpt-4o-mini', messages: [{ role: 'assistant', content: null, tool_calls: [] }, 'plain string'] })),
    { headers: { 'content-type': 'text/plain;actually=json' } })
  t.equal(ok.status, 200, 'text/plain;actually=json is parsed; assistant with tool_calls needs no content; string messages are user messages')
  t.equal(((await ok.json()) as Json).result.message.content, 'Echo: plain string')

  const notFound = await fetch(`${fake.url}/puterai/openai/v1/models`)
  t.equal(notFound.status, 404)
  t.strictSame(await notFound.json(), { error: 'Not Found', message: 'Not Found', code: 'not_found' })

  fake.expireToken(BOB)
  const expired = await call(fake, chat({ model: 'gpt-4o-mini' }), { token: BOB })
  t.equal(expired.status, 401)
  t.match(await expired.json(), { code: 'reauth_required', reason: 'session_expired' })

  const recorded = fake.calls.find((c) => typeof c.body === 'string' && c.body === '{"interface":')
  t.ok(recorded, 'malformed bodies are recorded raw')
  t.match(fake.calls.find((c) => c.body?.args?.model === 'gpt-9'), { path: '/drivers/call', method: 'POST', headers: { authorization: `Bearer ${ALICE}` } })
})

t.test('client aborts are counted', async (t) => {
  t.test('mid-stream', async (t) => {
    const fake = await startFake(t, { streamDelayMs: 100 })
    const ac = new AbortController()
    const res = await call(fake, chat({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] }), { signal: ac.signal })
    const reader = res.body!.getReader()
    const first = await reader.read()
    t.match(new TextDecoder().decode(first.value), /^\{"type":"text"/)
    ac.abort()
    await reader.read().catch(() => {})
    await fake.waitForAbort()
    t.equal(fake.aborts, 1)
  })

  t.test('while hanging, and waitForAbort resolves at once for an earlier abort', async (t) => {
    const fake = await startFake(t)
    fake.enqueue({ kind: 'hang' })
    const ac = new AbortController()
    const pending = call(fake, chat({ model: 'gpt-4o-mini', messages: [] }), { signal: ac.signal })
    await waitFor(() => fake.calls.length === 1)
    ac.abort()
    await t.rejects(pending)
    await waitFor(() => fake.aborts === 1)
    await fake.waitForAbort()
    t.equal(fake.aborts, 1)

    await complete(fake, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'done' }] })
    t.equal(fake.aborts, 1, 'finished answers are not aborts')
  })

  t.test('during a delay; the timer is cleared', async (t) => {
    const fake = await startFake(t)
    fake.enqueue({ kind: 'delay', ms: 200 })
    const ac = new AbortController()
    const pending = call(fake, chat({ model: 'gpt-4o-mini', messages: [] }), { signal: ac.signal })
    await waitFor(() => fake.calls.length === 1)
    const waiting = fake.waitForAbort()
    ac.abort()
    await t.rejects(pending)
    await waiting
    t.equal(fake.aborts, 1)
  })

  t.test('close() ends hanging requests without counting them', async (t) => {
    const fake = await startFakePuter()
    fake.enqueue({ kind: 'hang' })
    const pending = call(fake, chat({ model: 'gpt-4o-mini', messages: [] }))
    await waitFor(() => fake.calls.length === 1)
    await fake.close()
    await t.rejects(pending)
    t.equal(fake.aborts, 0)
  })
})

t.test('reset clears queue, calls and counters but keeps users', async (t) => {
  const fake = await startFake(t)
  fake.addUser('custom', { uuid: '44444444-4444-4444-8444-444444444444', username: 'dora' })
  fake.enqueue({ kind: 'error', status: 500, code: 'x', message: 'x' })
  await fetch(`${fake.url}/puterai/chat/models`)
  await fetch(`${fake.url}/whoami`, { headers: { authorization: 'Bearer custom' } })
  const calls = fake.calls
  t.equal(calls.length, 1)
  fake.reset()
  t.equal(fake.calls.length, 0)
  t.equal(calls, fake.calls, 'same array')
  t.equal(fake.modelsRequests, 0)
  const body = await complete(fake, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'after reset' }] })
  t.equal(body.result.message.content, 'Echo: after reset', 'queue emptied')
  const whoami = await fetch(`${fake.url}/whoami`, { headers: { authorization: 'Bearer custom' } })
  t.match(await whoami.json(), { username: 'dora' })
})

t.test('recordCalls: false keeps calls empty for long benchmarks', async (t) => {
  const fake = await startFake(t, { recordCalls: false })
  await complete(fake, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
  await fetch(`${fake.url}/whoami`, { headers: { authorization: `Bearer ${ALICE}` } })
  t.equal(fake.calls.length, 0)
})
