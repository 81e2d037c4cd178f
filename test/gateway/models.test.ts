// The model catalogue: Puter's details as OpenAI model objects, deduplicated, resolved by id or alias, cached for a
// TTL, refreshed in the background and served stale while Puter fails.
import t from 'tap'
import { createModelCatalog } from '../../src/gateway/models.ts'
import { audioModels } from '../../src/gateway/media/catalog.ts'

type Details = Record<string, unknown>

const MINI: Details = {
  puterId: 'openai:openai/gpt-4o-mini',
  id: 'gpt-4o-mini',
  name: 'GPT-4o mini',
  release_date: '2024-07-18',
  aliases: ['gpt-4o-mini', 'openai/gpt-4o-mini', 'openai:openai/gpt-4o-mini'],
  context: 128000,
  max_tokens: 16384,
  input_cost_key: 'prompt_tokens',
  output_cost_key: 'completion_tokens',
  costs: { tokens: 1000000, prompt_tokens: 15, cached_tokens: 8, completion_tokens: 60 },
  provider: 'openai-completion'
}

/** A fetchDetails whose answers the test queues (a list, an error, or a promise it settles itself), and counts. */
function fakeFetch (...answers: Array<Details[] | Error | Promise<Details[]>>) {
  const fetch = {
    count: 0,
    fetchDetails: async () => {
      fetch.count++
      const answer = answers.length > 1 ? answers.shift()! : answers[0]
      if (answer instanceof Error) throw answer
      return answer
    }
  }
  return fetch
}

function deferred<T> () {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

/** Whether a promise settles within a few turns of the event loop. */
async function settlesSoon (p: Promise<unknown>): Promise<boolean> {
  return Promise.race([p.then(() => true, () => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20))])
}

t.test('maps Puter details to OpenAI model objects', async (t) => {
  const catalog = createModelCatalog({ ...fakeFetch([MINI, { id: 'bare' }]), ttlMs: 60_000 })
  const [mini, bare] = await catalog.list()
  t.match(mini, {
    id: 'gpt-4o-mini',
    object: 'model',
    created: Date.UTC(2024, 6, 18) / 1000,
    owned_by: 'openai-completion',
    name: 'GPT-4o mini',
    context_length: 128000,
    max_output_tokens: 16384
  })
  t.same(mini.aliases?.slice().sort(), ['openai/gpt-4o-mini', 'openai:openai/gpt-4o-mini'], 'aliases without the id itself')
  // Puter prices in US cents per `costs.tokens` (1M) tokens: 15 cents per 1M = 0.00000015 USD per token.
  t.same(Object.keys(mini.pricing ?? {}).sort(), ['completion', 'input_cache_read', 'prompt'])
  t.equal(Number(mini.pricing?.prompt), 0.00000015, 'prompt')
  t.equal(Number(mini.pricing?.completion), 0.0000006, 'completion')
  t.equal(Number(mini.pricing?.input_cache_read), 0.00000008, 'cache read')
  t.strictSame(bare, { id: 'bare', object: 'model', created: 0, owned_by: 'puter', kind: 'chat' }, 'a model with no facts gets defaults and no empty fields')
})

t.test('prices follow costs.tokens and the cost keys; unpriced models have no pricing', async (t) => {
  const catalog = createModelCatalog({
    ...fakeFetch([
      { id: 'per-1k', input_cost_key: 'in', output_cost_key: 'out', costs: { tokens: 1000, in: 10, out: 20 } },
      { id: 'unpriced', input_cost_key: 'in', costs: {} }
    ]),
    ttlMs: 60_000
  })
  const [perK, unpriced] = await catalog.list()
  t.equal(Number(perK.pricing?.prompt), 0.0001, '10 cents per 1k tokens')
  t.equal(Number(perK.pricing?.completion), 0.0002)
  t.notOk('pricing' in unpriced)
})

t.test('skips details without an id and keeps the first of duplicate ids', async (t) => {
  const catalog = createModelCatalog({ ...fakeFetch([{ name: 'no id' }, { id: 'a', name: 'first' }, { id: 'a', name: 'second' }, { puterId: 'p:only' }]), ttlMs: 60_000 })
  const list = await catalog.list()
  t.same(list.map((m) => [m.id, m.name]), [['a', 'first'], ['p:only', undefined]])
})

t.test('resolves ids and aliases case-insensitively; an alias never shadows a real id', async (t) => {
  const catalog = createModelCatalog({
    ...fakeFetch([
      MINI,
      // Lists another model's id as its alias: the real id must win whatever the order.
      { id: 'impostor', aliases: ['GPT-4O-MINI', 'later'] },
      { id: 'later' }
    ]),
    ttlMs: 60_000
  })
  const cases = [
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['GPT-4o-Mini', 'gpt-4o-mini'],
    [' openai/GPT-4o-mini ', 'gpt-4o-mini'],
    ['OPENAI:OPENAI/GPT-4O-MINI', 'gpt-4o-mini'],
    ['LATER', 'later'],
    ['impostor', 'impostor'],
    ['nope', undefined]
  ] as const
  for (const [asked, id] of cases) t.equal((await catalog.get(asked))?.id, id, asked)
})

t.test('caches within the TTL: one fetch for many calls', async (t) => {
  let clock = 1_000
  const fetch = fakeFetch([MINI])
  const catalog = createModelCatalog({ ...fetch, ttlMs: 60_000, now: () => clock })
  await catalog.list()
  clock += 59_999
  await catalog.list()
  await catalog.get('gpt-4o-mini')
  t.equal(fetch.count, 1)
})

t.test('after the TTL it serves the stale list at once and refreshes in the background', async (t) => {
  let clock = 1_000
  const next = deferred<Details[]>()
  const fetch = fakeFetch([{ id: 'old' }], next.promise)
  const catalog = createModelCatalog({ ...fetch, ttlMs: 60_000, now: () => clock })
  await catalog.list()
  clock += 60_000
  t.same((await catalog.list()).map((m) => m.id), ['old'], 'stale list while the refresh is pending')
  t.same((await catalog.list()).map((m) => m.id), ['old'], 'no second refresh while one is in flight')
  t.equal(fetch.count, 2)
  next.resolve([{ id: 'new' }])
  await next.promise
  await new Promise(setImmediate)
  t.same((await catalog.list()).map((m) => m.id), ['new'], 'the refreshed list afterwards')
  t.equal(fetch.count, 2, 'and it is fresh again: no further fetch')
})

t.test('a failed refresh keeps serving the stale list and reports the error', async (t) => {
  let clock = 1_000
  const failure = new Error('Puter is down')
  const retry = deferred<Details[]>()
  const reported: unknown[] = []
  const fetch = fakeFetch([{ id: 'old' }], failure, retry.promise)
  const catalog = createModelCatalog({ ...fetch, ttlMs: 60_000, now: () => clock, onRefreshError: (err) => reported.push(err) })
  await catalog.list()
  clock += 60_000
  t.same((await catalog.list()).map((m) => m.id), ['old'])
  await new Promise(setImmediate)
  t.same(reported, [failure], 'onRefreshError got the failure')
  t.equal((await catalog.get('old'))?.id, 'old', 'still served after the failure')
  t.equal(fetch.count, 3, 'that call tried again, since the list is still stale')
  retry.resolve([{ id: 'new' }])
  await new Promise(setImmediate)
  t.same((await catalog.list()).map((m) => m.id), ['new'], 'the retry replaced the list')
})

t.test('only the very first fetch is awaited, and its failure rejects', async (t) => {
  const first = deferred<Details[]>()
  const catalog = createModelCatalog({ ...fakeFetch(first.promise), ttlMs: 60_000 })
  const listing = catalog.list()
  t.notOk(await settlesSoon(listing), 'waits while nothing was ever fetched')
  first.resolve([{ id: 'a' }])
  t.same((await listing).map((m) => m.id), ['a'])

  const failing = createModelCatalog({ ...fakeFetch(new Error('no list'), [{ id: 'b' }]), ttlMs: 60_000 })
  await t.rejects(failing.list(), /no list/)
  t.equal((await failing.get('b'))?.id, 'b', 'the next call fetches again')
})

t.test('concurrent first calls share one fetch', async (t) => {
  const first = deferred<Details[]>()
  const fetch = fakeFetch(first.promise)
  const catalog = createModelCatalog({ ...fetch, ttlMs: 60_000 })
  const calls = [catalog.list(), catalog.get('a'), catalog.list()]
  first.resolve([{ id: 'a' }])
  const [list, model, again] = await Promise.all(calls)
  t.equal(fetch.count, 1)
  t.same([list, model, again], [[{ id: 'a', object: 'model', created: 0, owned_by: 'puter', kind: 'chat' }], { id: 'a', object: 'model', created: 0, owned_by: 'puter', kind: 'chat' }, [{ id: 'a', object: 'model', created: 0, owned_by: 'puter', kind: 'chat' }]])
})

t.test("image models come from Puter's image catalogue, with sizes, qualities and prices; audio models are added; dall-e names the default", async (t) => {
  const image = {
    puterId: 'openai:openai/gpt-image-1-mini',
    id: 'gpt-image-1-mini',
    name: 'GPT Image 1 Mini',
    aliases: ['openai/gpt-image-1-mini'],
    costs: { text_input: 200, 'low:1024x1024': 0.5, 'high:1536x1024': 5.2 },
    allowedQualityLevels: ['low', 'medium', 'high'],
    allowedRatios: [{ w: 1024, h: 1024 }, { w: 1536, h: 1024 }],
    provider: 'openai-image-generation'
  }
  const reports: unknown[] = []
  let imageFails = false
  const catalog = createModelCatalog({
    ...fakeFetch([MINI]),
    fetchImageDetails: async () => {
      if (imageFails) throw new Error('image catalogue down')
      return [image, { id: 'gpt-4o-mini' }]
    },
    extra: audioModels(),
    ttlMs: 0,
    onRefreshError: (err) => reports.push(err)
  })
  const list = await catalog.list()
  t.same(list.map((m) => [m.id, m.kind]).slice(0, 2), [['gpt-4o-mini', 'chat'], ['gpt-image-1-mini', 'image']], 'chat first, then images; an image entry never replaces a chat id')
  const img = await catalog.get('dall-e-3')
  t.match(img, {
    id: 'gpt-image-1-mini',
    kind: 'image',
    owned_by: 'openai-image-generation',
    sizes: ['1024x1024', '1536x1024'],
    qualities: ['low', 'medium', 'high'],
    pricing: { image: { 'low:1024x1024': '0.005', 'high:1536x1024': '0.052' } },
    aliases: ['openai:openai/gpt-image-1-mini', 'openai/gpt-image-1-mini', 'dall-e-2', 'dall-e-3']
  }, 'dall-e-3 resolves to the default image model; per-image prices in USD; token prices are not image prices')
  t.notOk('text_input' in (img?.pricing?.image ?? {}))
  t.match(await catalog.get('tts-1'), { kind: 'speech', voices: ['alloy', 'ash', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer'], pricing: { character: '0.000015' } })
  t.match(await catalog.get('whisper-1'), { kind: 'transcription', response_formats: ['json', 'text', 'srt', 'verbose_json', 'vtt'], pricing: { audio_second: '0.0001' } })
  t.equal((await catalog.get('xai-stt'))?.pricing, undefined, 'no price when Puter\'s is unknown')

  imageFails = true
  await catalog.list() // stale: refreshes in the background
  await new Promise((resolve) => setTimeout(resolve, 10))
  const after = await catalog.list()
  t.notOk(after.some((m) => m.kind === 'image'), 'a failed image catalogue leaves the images out until the next refresh')
  t.ok(after.some((m) => m.id === 'gpt-4o-mini') && after.some((m) => m.kind === 'speech'), 'chat and audio models stay')
  t.match(reports, [{ message: 'image catalogue down' }], 'the failure is reported')
})
