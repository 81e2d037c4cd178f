// GET /v1/models and /v1/models/{model}: OpenAI's list and retrieve over Puter's catalogue, cached and served stale.
import t from 'tap'
import { setupWithKey } from '../../helper.ts'

t.test('models: OpenAI list, retrieve by id/alias with slashes, cached, served stale while Puter is down', async (t) => {
  const s = await setupWithKey(t, { config: { MODELS_CACHE_TTL_SECONDS: 3600 } })
  const auth = { authorization: `Bearer ${s.key}` }
  const list = await s.app.inject({ url: '/v1/models', headers: auth })
  t.equal(list.statusCode, 200)
  const body = list.json()
  t.equal(body.object, 'list')
  t.ok(body.data.length >= 5)
  for (const m of body.data) t.match(m, { id: String, object: 'model', created: Number, owned_by: String })
  const ids = body.data.map((m: any) => m.id)
  t.ok(ids.includes('gpt-4o-mini'))
  t.notOk(ids.includes('fake'), 'hidden models stay hidden')
  t.equal(new Set(ids).size, ids.length, 'no duplicates')
  t.match(body.data.find((m: any) => m.id === 'gpt-4o-mini'), { owned_by: 'openai-completion', context_length: 128000, pricing: { prompt: '1.5e-7', completion: '6e-7' } })

  for (const id of ['openrouter:meta-llama/llama-3.3-70b-instruct', 'meta-llama/llama-3.3-70b-instruct', 'openai:openai/gpt-4o-mini', 'claude-sonnet-4-5', 'GPT-4O-MINI']) {
    const res = await s.app.inject({ url: `/v1/models/${id}`, headers: auth })
    t.equal(res.statusCode, 200, `${id}: found`)
    t.equal(res.json().object, 'model')
  }
  const missing = await s.app.inject({ url: '/v1/models/openai/gpt-9', headers: auth })
  t.equal(missing.statusCode, 404)
  t.match(missing.json().error, { code: 'model_not_found', type: 'invalid_request_error' })
  t.equal(s.fake.modelsRequests, 1, 'one upstream fetch for all of the above')

  const stale = await setupWithKey(t, { config: { MODELS_CACHE_TTL_SECONDS: 0 } })
  const a = { authorization: `Bearer ${stale.key}` }
  t.equal((await stale.app.inject({ url: '/v1/models', headers: a })).statusCode, 200)
  stale.fake.setModelsDown(true)
  const whileDown = await stale.app.inject({ url: '/v1/models', headers: a })
  t.equal(whileDown.statusCode, 200, 'stale list served while Puter is down')
  t.ok(whileDown.json().data.length >= 5)

  const never = await setupWithKey(t)
  never.fake.setModelsDown(true)
  const res = await never.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${never.key}` } })
  t.equal(res.statusCode, 502, 'no list ever fetched and Puter down: 502')
})
