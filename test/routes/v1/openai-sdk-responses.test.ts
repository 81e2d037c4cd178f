// The official `openai` npm SDK's `responses` against a listening gateway on the fake Puter: create (plain, function
// tools), the stream helper (which throws unless output_item.added / content_part.added come first), retrieve,
// previous_response_id, and its error classes.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import OpenAI, { BadRequestError, NotFoundError } from 'openai'
import { createKey, setup, signIn, BOB } from '../../helper.ts'

type Tap = { teardown: (fn: () => unknown) => void }

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true
}

/** A listening gateway with alice's key, and an SDK client on it. */
async function gateway (t: Tap) {
  const s = await setup(t)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const baseURL = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}/v1`
  const key = await createKey(s.app, await signIn(s.app), 'sdk')
  const client = (apiKey = key.key) => new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout: 10_000 })
  return Object.assign(s, { client, lastArgs: () => s.fake.calls.filter((c) => c.path === '/drivers/call').at(-1)!.body.args })
}

t.test('responses.create: plain text, and output_text', async (t) => {
  const g = await gateway(t)
  const r = await g.client().responses.create({ model: 'gpt-4o-mini', input: 'hello', instructions: 'Be brief.' })
  t.equal(r.object, 'response')
  t.equal(r.status, 'completed')
  t.equal(r.output_text, 'Echo: hello')
  t.equal(r.usage?.total_tokens, r.usage!.input_tokens + r.usage!.output_tokens)
})

t.test('responses.create with function tools: a call, then its output, then the answer', async (t) => {
  const g = await gateway(t)
  const client = g.client()
  const first = await client.responses.create({ model: 'gpt-4o-mini', input: [{ role: 'user', content: 'Paris' }], tools: [weatherTool] })
  const call = first.output.find((item) => item.type === 'function_call')
  if (call?.type !== 'function_call') throw new Error('no function call')
  t.match(call, { name: 'get_weather', arguments: '{"city":"Paris"}', call_id: String })
  const second = await client.responses.create({
    model: 'gpt-4o-mini',
    tools: [weatherTool],
    input: [{ role: 'user', content: 'Paris' }, call, { type: 'function_call_output', call_id: call.call_id, output: '22 °C' }]
  })
  t.equal(second.output_text, 'Tool said: 22 °C')
  t.match(g.lastArgs().tools[0].function, { name: 'get_weather', strict: true })
})

t.test('responses.stream: text deltas with snapshots, then the final response', async (t) => {
  const g = await gateway(t)
  const stream = g.client().responses.stream({ model: 'deepseek-reasoner', input: 'hello', reasoning: { summary: 'auto' } })
  const snapshots: string[] = []
  const types: string[] = []
  stream.on('response.output_text.delta', (e) => snapshots.push(e.snapshot))
  stream.on('event', (e) => types.push(e.type))
  const final = await stream.finalResponse()
  t.equal(final.output_text, 'Echo: hello lorem')
  t.equal(snapshots.at(-1), 'Echo: hello lorem', 'the helper built the text from the deltas')
  t.equal(types[0], 'response.created')
  t.equal(types.at(-1), 'response.completed')
  t.match(final.output[0], { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking about: hello' }] })
})

t.test('responses.stream with a tool: argument deltas with snapshots', async (t) => {
  const g = await gateway(t)
  const stream = g.client().responses.stream({ model: 'gpt-4o-mini', input: 'Oslo', tools: [weatherTool] })
  const snapshots: string[] = []
  stream.on('response.function_call_arguments.delta', (e) => snapshots.push(e.snapshot))
  const final = await stream.finalResponse()
  t.same(snapshots, ['{"city":"Oslo"}'])
  t.match(final.output, [{ type: 'function_call', name: 'get_weather', arguments: '{"city":"Oslo"}' }])
})

t.test('responses.create({stream: true}): typed events numbered in order', async (t) => {
  const g = await gateway(t)
  const stream = await g.client().responses.create({ model: 'gpt-4o-mini', input: 'hi', stream: true })
  const seen: number[] = []
  let last = ''
  for await (const event of stream) {
    seen.push(event.sequence_number)
    last = event.type
  }
  t.same(seen, seen.map((_, i) => i))
  t.equal(last, 'response.completed')
})

t.test('previous_response_id and retrieve; unknown ids and other users get the SDK error classes', async (t) => {
  const g = await gateway(t)
  const client = g.client()
  const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'remember 42' })
  const second = await client.responses.create({ model: 'gpt-4o-mini', input: 'what number?', previous_response_id: first.id })
  t.same(g.lastArgs().messages.map((m: any) => m.content), ['remember 42', 'Echo: remember 42', 'what number?'])
  t.equal((await client.responses.retrieve(second.id)).output_text, second.output_text)

  const notFound = await client.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_missing' }).catch((e) => e)
  t.ok(notFound instanceof BadRequestError)
  t.equal(notFound.code, 'previous_response_not_found')
  const bob = await createKey(g.app, await signIn(g.app, BOB), 'bob')
  const foreign = await g.client(bob.key).responses.retrieve(first.id).catch((e) => e)
  t.ok(foreign instanceof NotFoundError, "bob cannot read alice's response")
})
