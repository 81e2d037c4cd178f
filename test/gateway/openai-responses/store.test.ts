// The in-memory response store: owners apart, and its bounds in count, per owner, age and size.
import t from 'tap'
import { createResponseStore, RESPONSE_STORE_DEFAULTS } from '../../../src/gateway/openai-responses/store.ts'
import type { ResponseObject } from '../../../src/gateway/openai-responses/schema.ts'

const response = (id: string, text = 'hi'): ResponseObject => ({
  id,
  object: 'response',
  created_at: 0,
  status: 'completed',
  error: null,
  incomplete_details: null,
  model: 'm',
  output: [{ id: `msg_${id}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }],
  usage: null
})
const USER = { type: 'message', role: 'user', content: 'q' }

t.test('defaults: 1,000 responses, 24 hours', async (t) => {
  t.match(RESPONSE_STORE_DEFAULTS, { maxResponses: 1000, maxAgeMs: 86_400_000 })
})

t.test('a response is found by its owner only, with the conversation it ended', async (t) => {
  const store = createResponseStore()
  store.save('alice', response('resp_1'), [USER])
  t.equal(store.get('alice', 'resp_1')?.id, 'resp_1')
  t.equal(store.get('bob', 'resp_1'), undefined, "bob never reads alice's response")
  t.equal(store.conversation('bob', 'resp_1'), undefined)
  t.same(store.conversation('alice', 'resp_1')!.map((i) => i.type), ['message', 'message'], 'input then output')
  t.equal(store.get('alice', 'resp_unknown'), undefined)
})

t.test('count: the oldest go first', async (t) => {
  const store = createResponseStore({ maxResponses: 3 })
  for (let i = 1; i <= 5; i++) store.save(`owner${i % 2}`, response(`resp_${i}`), [])
  t.equal(store.size, 3)
  t.equal(store.get('owner1', 'resp_1'), undefined)
  t.equal(store.get('owner0', 'resp_2'), undefined)
  t.ok(store.get('owner1', 'resp_3') && store.get('owner0', 'resp_4') && store.get('owner1', 'resp_5'))
})

t.test('per owner: one busy owner pushes out only its own oldest', async (t) => {
  const store = createResponseStore({ maxResponses: 10, maxPerOwner: 2 })
  store.save('bob', response('resp_bob'), [])
  for (let i = 1; i <= 5; i++) store.save('alice', response(`resp_${i}`), [])
  t.ok(store.get('bob', 'resp_bob'), "bob's response stays")
  t.equal(store.size, 3)
  t.ok(store.get('alice', 'resp_4') && store.get('alice', 'resp_5'))
  t.equal(store.get('alice', 'resp_3'), undefined)
})

t.test('age: responses expire', async (t) => {
  let now = 0
  const store = createResponseStore({ maxAgeMs: 1000, now: () => now })
  store.save('a', response('resp_old'), [])
  now = 600
  store.save('a', response('resp_new'), [])
  now = 1000
  t.equal(store.get('a', 'resp_old'), undefined, 'expired at its age')
  t.ok(store.get('a', 'resp_new'))
  now = 1600
  t.equal(store.size, 0)
  t.equal(store.bytes, 0, 'their bytes are released')
})

t.test('size: old ones make room; a conversation larger than the whole store is not kept', async (t) => {
  const one = JSON.stringify(response('resp_1', 'x'.repeat(1000))).length + 2
  const store = createResponseStore({ maxBytes: one * 2 + 10 })
  for (let i = 1; i <= 3; i++) store.save('a', response(`resp_${i}`, 'x'.repeat(1000)), [])
  t.equal(store.size, 2)
  t.ok(store.bytes <= one * 2 + 10)
  store.save('a', response('resp_huge', 'x'.repeat(10_000)), [])
  t.equal(store.get('a', 'resp_huge'), undefined)
  t.equal(store.size, 2, 'and nothing was pushed out for it')
})
