// The models plugin on a bare Fastify with the Puter client against the fake Puter: listing and resolving models,
// and Puter's failures before any list was fetched as named upstream errors.
import t from 'tap'
import puterPlugin from '../../src/plugins/puter.ts'
import modelsPlugin from '../../src/plugins/models.ts'
import { fakePuter } from '../helper.ts'
import { bareApp } from './bare.ts'

type Tap = Parameters<typeof bareApp>[0]

async function build (t: Tap, origin: string, ttlSeconds = 300) {
  const app = await bareApp(t, { PUTER_API_ORIGIN: origin, MODELS_CACHE_TTL_SECONDS: ttlSeconds })
  await app.register(puterPlugin)
  await app.register(modelsPlugin)
  await app.ready()
  return app
}

t.test("list() has Puter's models and get() resolves ids and aliases; the list is cached", async (t) => {
  const fake = await fakePuter(t)
  const app = await build(t, fake.url)
  const list = await app.models.list()
  t.ok(list.length > 1, 'several models')
  t.match(list.find((m) => m.id === 'gpt-4o-mini'), { object: 'model', owned_by: 'openai-completion', context_length: 128000 })
  t.equal((await app.models.get('OpenAI/GPT-4o-mini'))?.id, 'gpt-4o-mini', 'an alias, any case')
  t.equal(await app.models.get('no-such-model'), undefined)
  t.equal(fake.modelsRequests, 1, 'one fetch for all of them')
})

// @fastify/error upper-cases codes (UPSTREAM_ERROR is upstream_error); toFault lower-cases them for clients.
t.test('with the models endpoint down before any fetch, list() rejects with upstream_error (502)', async (t) => {
  const fake = await fakePuter(t)
  fake.setModelsDown(true)
  const app = await build(t, fake.url)
  await t.rejects(app.models.list(), { code: 'UPSTREAM_ERROR', statusCode: 502, message: 'Puter did not return its model list; try again later.' })
  await t.rejects(app.models.get('gpt-4o-mini'), { code: 'UPSTREAM_ERROR', statusCode: 502 }, 'get() too')
  fake.setModelsDown(false)
  t.ok((await app.models.list()).length > 0, 'it recovers once Puter answers')
})

t.test('with Puter unreachable, list() rejects with upstream_unreachable (502)', async (t) => {
  const fake = await fakePuter(t)
  await fake.close()
  const app = await build(t, fake.url)
  await t.rejects(app.models.list(), { code: 'UPSTREAM_UNREACHABLE', statusCode: 502 })
})

t.test('once fetched, the list is served while a refresh fails', async (t) => {
  const fake = await fakePuter(t)
  const app = await build(t, fake.url, 0)
  const first = await app.models.list()
  fake.setModelsDown(true)
  t.same(await app.models.list(), first, 'the cached list, although Puter fails to refresh it')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.ok(fake.modelsRequests >= 2, 'a refresh was tried')
})
