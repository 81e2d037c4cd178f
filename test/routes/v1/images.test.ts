// POST /v1/images/generations on the fake Puter: the arguments Puter gets (model, size as ratio, quality levels), the
// images that come back (data URLs, addresses fetched or passed on), the checks made before Puter is called, Puter's
// failures in OpenAI's shape, and the images and estimated cost counted in usage.
import t from 'tap'
import { setupWithKey, type Setup } from '../../helper.ts'
import { chat, user } from './chat-helpers.ts'
import { IMAGE_MODELS } from '../../fake-puter/media-catalog.ts'
import { isPng } from '../../fixtures/media.ts'

type S = Setup & { cookie: string, key: string, keyId: string }

const FLUX = 'black-forest-labs/FLUX.1-schnell'

/** A PNG's width and height, from its IHDR chunk. */
function pngSize (png: Buffer): [number, number] {
  return [png.readUInt32BE(16), png.readUInt32BE(20)]
}

/** The catalogue's price of one image of `model` (US cents by `quality:WxH` or `WxH`) in micro-dollars. */
function priceMicroUsd (model: string, costKey: string): number {
  const cents = IMAGE_MODELS.find((m) => m.id === model)!.costs[costKey]
  if (cents === undefined) throw new Error(`no price ${costKey} for ${model}`)
  return Math.round(cents * 10_000)
}

const images = (s: S, payload: object, key = s.key) =>
  s.app.inject({ method: 'POST', url: '/v1/images/generations', headers: { authorization: `Bearer ${key}` }, payload })

/** The image calls that reached Puter since `from` (an index into fake.calls). */
const imageCalls = (s: S, from = 0) =>
  s.fake.calls.slice(from).filter((c) => c.path === '/drivers/call' && c.body?.interface === 'puter-image-generation')

/** The user's usage per model for one key. */
async function usageByModel (s: S, keyId: string) {
  const res = await s.app.inject({ url: `/v1/usage?group_by=model&key_id=${keyId}`, headers: { cookie: s.cookie } })
  if (res.statusCode !== 200) throw new Error(res.body)
  return Object.fromEntries(res.json().data.map((row: { model: string }) => [row.model, row]))
}

async function newKey (s: S, settings: object = {}) {
  const res = await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie: s.cookie }, payload: settings })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json() as { id: string, key: string }
}

/** Many image calls in a few seconds: the queue's window per Puter account is pinned past the free tier's 30 per 10 s. */
const ROOMY = { PUTER_ACCOUNT_WINDOW_MIN: 200 }

t.test('images', async (t) => {
  const s: S = await setupWithKey(t, { config: ROOMY })

  t.test('the default model, n calls to Puter with the arguments as Puter takes them, n PNGs back', async (t) => {
    const from = s.fake.calls.length
    const res = await images(s, { prompt: 'a red fox', n: 3, size: '1024x1536', quality: 'hd' })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    t.ok(Number.isInteger(body.created) && Math.abs(body.created - Date.now() / 1000) < 60, 'created is now, in seconds')
    t.match(body, { size: '1024x1536', quality: 'high', output_format: 'png' })
    t.equal(body.data.length, 3)
    for (const [i, d] of body.data.entries()) {
      t.same(Object.keys(d), ['b64_json'], `image ${i}: b64_json only`)
      const png = Buffer.from(d.b64_json, 'base64')
      t.ok(isPng(png), `image ${i}: a PNG`)
      t.same(pngSize(png), [8, 12], `image ${i}: the fake's 1/128 of 1024x1536`)
    }
    const calls = imageCalls(s, from)
    t.equal(calls.length, 3, 'one call per image')
    for (const c of calls) {
      t.match(c.body, { interface: 'puter-image-generation', driver: 'ai-image', method: 'generate' })
      t.same(c.body.args, { prompt: 'a red fox', model: 'gpt-image-1-mini', ratio: { w: 1024, h: 1536 }, quality: 'high' })
    }
  })

  t.test('quality: hd → high, standard and auto → medium, low as given, none → medium', async (t) => {
    for (const [asked, sent] of [['hd', 'high'], ['standard', 'medium'], ['auto', 'medium'], ['low', 'low'], ['medium', 'medium'], ['high', 'high'], [undefined, 'medium']] as const) {
      const from = s.fake.calls.length
      const res = await images(s, asked === undefined ? { prompt: 'q' } : { prompt: 'q', quality: asked })
      t.equal(res.statusCode, 200, `${asked}: 200`)
      t.equal(res.json().quality, sent, `${asked}: the answer says ${sent}`)
      const [call] = imageCalls(s, from)
      t.equal(call.body.args.quality, sent, `${asked}: Puter is asked for ${sent}`)
      t.notOk('ratio' in call.body.args, `${asked}: no size, no ratio`)
    }
    const auto = await images(s, { prompt: 'q', size: 'auto' })
    t.equal(auto.statusCode, 200)
    t.notOk('size' in auto.json(), 'size auto: the answer names no size')
    t.notOk('ratio' in imageCalls(s).at(-1)!.body.args, 'size auto: no ratio for Puter')
  })

  t.test('dall-e-3 and dall-e-2 stand for gpt-image-1-mini, at Puter and in usage', async (t) => {
    const k = await newKey(s)
    for (const model of ['dall-e-3', 'dall-e-2']) {
      const from = s.fake.calls.length
      const res = await images(s, { prompt: 'alias', model, size: '1536x1024', quality: 'standard' }, k.key)
      t.equal(res.statusCode, 200, `${model}: 200`)
      t.ok(isPng(Buffer.from(res.json().data[0].b64_json, 'base64')))
      t.equal(imageCalls(s, from)[0].body.args.model, 'gpt-image-1-mini', `${model}: Puter gets gpt-image-1-mini`)
    }
    const usage = await usageByModel(s, k.id)
    t.same(Object.keys(usage), ['gpt-image-1-mini'], 'counted under the catalogue id only')
    t.match(usage['gpt-image-1-mini'], { requests: 2, errors: 0, images: 2, costUsd: 2 * priceMicroUsd('gpt-image-1-mini', 'medium:1536x1024') / 1e6 })
  })

  t.test('a URL-answering model: fetched for b64_json, passed on for url; a data URL asked as url is the url', async (t) => {
    const from = s.fake.calls.length
    const b64 = await images(s, { prompt: 'a fox', model: FLUX, size: '1344x768' })
    t.equal(b64.statusCode, 200, b64.body)
    const png = Buffer.from(b64.json().data[0].b64_json, 'base64')
    t.ok(isPng(png), 'the image Puter linked to, downloaded')
    t.same(pngSize(png), [11, 6], "the fake's 1/128 of 1344x768")
    t.equal(b64.json().output_format, 'png', "from the download's content type")
    t.notOk('quality' in b64.json(), 'a model without qualities: none reported')
    t.same(imageCalls(s, from)[0].body.args, { prompt: 'a fox', model: FLUX, ratio: { w: 1344, h: 768 } })

    const url = await images(s, { prompt: 'a fox', model: 'FLUX.1-schnell', size: '1344x768', response_format: 'url' })
    t.equal(url.statusCode, 200)
    const link = url.json().data[0].url
    t.match(link, new RegExp(`^${s.fake.url}/fake-media/images/[0-9a-f]{32}\\.png$`), "Puter's address as given")
    t.notOk('b64_json' in url.json().data[0])
    t.same(Buffer.from(await (await fetch(link)).arrayBuffer()), png, 'the same image as the b64_json one')

    const dataUrl = await images(s, { prompt: 'inline', response_format: 'url' })
    t.equal(dataUrl.statusCode, 200)
    const u: string = dataUrl.json().data[0].url
    t.match(u, /^data:image\/png;base64,/, 'a data URL, since this server keeps no images')
    t.ok(isPng(Buffer.from(u.slice(u.indexOf(',') + 1), 'base64')))

    // A model without qualities: a quality is accepted and not sent.
    const from2 = s.fake.calls.length
    t.equal((await images(s, { prompt: 'q', model: FLUX, quality: 'hd' })).statusCode, 200)
    t.notOk('quality' in imageCalls(s, from2)[0].body.args, 'FLUX gets no quality')
  })

  t.test('refused before Puter is called: size, n, prompt, quality, unknown fields; each a 400 naming its param', async (t) => {
    const from = s.fake.calls.length
    const cases: Array<[string, object, string, RegExp?]> = [
      ['a size the model cannot make', { prompt: 'x', size: '512x512' }, 'size', /gpt-image-1-mini cannot make 512x512 images; its sizes are 1024x1024, 1024x1536, 1536x1024/],
      ['a size FLUX cannot make', { prompt: 'x', model: FLUX, size: '1024x1536' }, 'size', /1024x1024, 1344x768, 768x1344/],
      ['a size that is not WxH', { prompt: 'x', size: 'big' }, 'size', /size must be WxH.*got 'big'/],
      ['a size with a single digit', { prompt: 'x', size: '1x1' }, 'size', /WxH/],
      ['n = 0', { prompt: 'x', n: 0 }, 'n'],
      ['n = 11', { prompt: 'x', n: 11 }, 'n'],
      ['n = 1.5', { prompt: 'x', n: 1.5 }, 'n'],
      ['no prompt', { model: 'gpt-image-1-mini' }, 'prompt'],
      ['an empty prompt', { prompt: '' }, 'prompt'],
      ['an unknown quality', { prompt: 'x', quality: 'ultra' }, 'quality'],
      ['an unknown response_format', { prompt: 'x', response_format: 'png' }, 'response_format'],
      ['an unknown field', { prompt: 'x', seed: 3 }, 'seed']
    ]
    for (const [name, payload, param, message] of cases) {
      const res = await images(s, payload)
      t.equal(res.statusCode, 400, `${name}: 400`)
      t.match(res.json(), { error: { type: 'invalid_request_error', param, message: message ?? String } }, `${name}: param ${param}`)
    }
    t.equal(imageCalls(s, from).length, 0, 'nothing reached Puter')
  })

  t.test("Puter's failures in OpenAI's shape, with the statuses a client can act on", async (t) => {
    const cases = [
      ['400 field_invalid', { kind: 'error', status: 400, code: 'field_invalid', message: 'Invalid prompt: x. Expected: text', extra: { key: 'prompt' } }, 400, { type: 'invalid_request_error', code: 'field_invalid', param: 'prompt', message: /Invalid prompt/ }],
      ['400 moderation', { kind: 'error', status: 400, code: 'moderation_flagged', message: 'Your prompt was flagged' }, 400, { type: 'invalid_request_error', message: /flagged/ }],
      ['402 insufficient_funds', { kind: 'error', status: 402, code: 'insufficient_funds', message: 'Available funding is insufficient for this request.' }, 402, { code: 'insufficient_quota', message: /no AI credit left/ }],
      ['legacy 402', { kind: 'legacy-error', status: 402, code: 'insufficient_funds', message: 'no funds' }, 402, { code: 'insufficient_quota' }],
      ['500 internal_error', { kind: 'error', status: 500, code: 'internal_error', message: 'boom' }, 502, { type: 'api_error', code: 'upstream_error' }],
      ['a dropped connection', { kind: 'destroy' }, 502, { code: 'upstream_unreachable' }],
      ['a result that is no image', { kind: 'result', result: { url: 'nope' } }, 502, { code: 'upstream_error', message: /without an image/ }],
      ['a result that is neither image nor address', { kind: 'result', result: 'not a url' }, 502, { code: 'upstream_error', message: /neither an image nor its address/ }],
      ['an address this server will not fetch', { kind: 'result', result: 'file:///etc/passwd' }, 502, { code: 'upstream_error', message: /will not fetch/ }],
      ['an address nothing listens on', { kind: 'result', result: 'http://127.0.0.1:1/x.png' }, 502, { code: 'upstream_error', message: /could not be downloaded/ }]
    ] as const
    for (const [name, behaviour, status, error] of cases) {
      s.fake.enqueue(behaviour as never)
      const res = await images(s, { prompt: 'fail' })
      t.equal(res.statusCode, status, `${name}: ${status}`)
      t.match(res.json(), { error }, name)
      t.notMatch(res.body, /fake-token/, `${name}: no token in the answer`)
    }
    const unknown = await images(s, { prompt: 'x', model: 'no-such-image-model' })
    t.equal(unknown.statusCode, 404, "a model the catalogue does not know is Puter's to refuse")
    t.match(unknown.json(), { error: { code: 'model_not_found', param: 'model', message: /no-such-image-model/ } })
    t.equal(imageCalls(s).at(-1)!.body.args.model, 'no-such-image-model', 'passed to Puter as named')
  })

  t.test('one of n calls failing: an error answer, and usage counts only the images Puter made', async (t) => {
    const k = await newKey(s)
    const from = s.fake.calls.length
    s.fake.enqueue({ kind: 'error', status: 500, code: 'internal_error', message: 'boom' })
    const res = await images(s, { prompt: 'three', n: 3, size: '1024x1024', quality: 'low' }, k.key)
    t.equal(res.statusCode, 502)
    t.match(res.json(), { error: { code: 'upstream_error' } })
    t.equal(imageCalls(s, from).length, 3, 'all three were sent')
    const usage = await usageByModel(s, k.id)
    t.match(usage['gpt-image-1-mini'], { requests: 1, errors: 1, images: 2, costUsd: 2 * priceMicroUsd('gpt-image-1-mini', 'low:1024x1024') / 1e6 })
    const recent = (await s.app.inject({ url: `/v1/keys/${k.id}/requests`, headers: { cookie: s.cookie } })).json().data
    t.match(recent, [{ route: 'POST /v1/images/generations', model: 'gpt-image-1-mini', status: 502, errorCode: 'upstream_error' }])
  })

  t.test("usage: images and the catalogue's price per image, by quality and size", async (t) => {
    const k = await newKey(s)
    const asks = [
      [{ prompt: 'a', n: 2 }, 'gpt-image-1-mini', 2 * priceMicroUsd('gpt-image-1-mini', 'medium:1024x1024')],
      [{ prompt: 'b', size: '1024x1536', quality: 'hd' }, 'gpt-image-1-mini', priceMicroUsd('gpt-image-1-mini', 'high:1024x1536')],
      [{ prompt: 'c', model: 'gpt-image-1', quality: 'low', size: '1536x1024', n: 3 }, 'gpt-image-1', 3 * priceMicroUsd('gpt-image-1', 'low:1536x1024')],
      [{ prompt: 'd', model: FLUX, size: '768x1344' }, FLUX, priceMicroUsd(FLUX, '768x1344')]
    ] as const
    for (const [payload] of asks) t.equal((await images(s, payload, k.key)).statusCode, 200, JSON.stringify(payload))
    await s.app.store.flushUsage()
    const usage = await usageByModel(s, k.id)
    t.match(usage['gpt-image-1-mini'], { requests: 2, errors: 0, images: 3, inputTokens: 0, outputTokens: 0 })
    t.equal(Math.round(usage['gpt-image-1-mini'].costUsd * 1e6), asks[0][2] + asks[1][2], 'mini: 2 × medium:1024x1024 + high:1024x1536')
    t.match(usage['gpt-image-1'], { requests: 1, images: 3 })
    t.equal(Math.round(usage['gpt-image-1'].costUsd * 1e6), asks[2][2], 'gpt-image-1: 3 × low:1536x1024')
    t.match(usage[FLUX], { requests: 1, images: 1 })
    t.equal(Math.round(usage[FLUX].costUsd * 1e6), asks[3][2], 'FLUX: its flat price')
    t.ok(asks.every(([, , c]) => c > 0), 'every price is non-zero')
  })
})

t.test("a key's settings on images: allowedModels (aliases, the default model), rpm and budget", async (t) => {
  const s: S = await setupWithKey(t)
  const patch = (id: string, payload: object) => s.app.inject({ method: 'PATCH', url: `/v1/keys/${id}`, headers: { cookie: s.cookie }, payload })

  t.test("allowedModels ['gpt-*']: dall-e-3 passes (it stands for gpt-image-1-mini, which matches), FLUX does not", async (t) => {
    const k = await newKey(s)
    t.equal((await patch(k.id, { allowedModels: ['gpt-*'] })).statusCode, 200)
    const from = s.fake.calls.length
    const res = await images(s, { prompt: 'x', model: 'dall-e-3' }, k.key)
    t.equal(res.statusCode, 200, 'modelAllowed matches the catalogue id of the model an alias stands for')
    t.equal(imageCalls(s, from)[0].body.args.model, 'gpt-image-1-mini')
    const flux = await images(s, { prompt: 'x', model: FLUX }, k.key)
    t.equal(flux.statusCode, 403)
    t.match(flux.json(), { error: { type: 'permission_error', code: 'model_not_allowed', param: 'model', message: /`black-forest-labs\/FLUX\.1-schnell`.*gpt-\*/ } })
    t.equal(imageCalls(s, from).length, 1, 'the refused one never reached Puter')
  })

  t.test('allowedModels without the default model: refused when the request names no model', async (t) => {
    const k = await newKey(s, { allowedModels: ['gpt-image-1', 'gpt-4o-mini'] })
    const from = s.fake.calls.length
    for (const [payload, named] of [[{ prompt: 'x' }, 'gpt-image-1-mini'], [{ prompt: 'x', model: 'dall-e-3' }, 'dall-e-3'], [{ prompt: 'x', model: 'gpt-image-1-mini' }, 'gpt-image-1-mini']] as const) {
      const res = await images(s, payload, k.key)
      t.equal(res.statusCode, 403, `${JSON.stringify(payload)}: 403`)
      t.match(res.json(), { error: { code: 'model_not_allowed', param: 'model', message: new RegExp(`\`${named}\``) } }, `names ${named}`)
    }
    t.equal(imageCalls(s, from).length, 0, 'Puter was not called')
    t.equal((await images(s, { prompt: 'x', model: 'gpt-image-1' }, k.key)).statusCode, 200, 'the allowed model works')
    const recent = (await s.app.inject({ url: `/v1/keys/${k.id}/requests`, headers: { cookie: s.cookie } })).json().data
    t.match(recent.at(-1), { model: 'gpt-image-1-mini', status: 403, errorCode: 'model_not_allowed' }, 'the refusal is counted under the default model')
  })

  t.test('rpm: the second image request of a minute is 429 with the x-ratelimit headers', async (t) => {
    const k = await newKey(s, { limits: { rpm: 1 } })
    const first = await images(s, { prompt: 'x' }, k.key)
    t.equal(first.statusCode, 200)
    t.equal(first.headers['x-ratelimit-remaining-requests'], '0')
    const second = await images(s, { prompt: 'x' }, k.key)
    t.equal(second.statusCode, 429)
    t.match(second.json(), { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } })
    t.match(second.headers['retry-after'], /^\d+$/)
  })

  t.test('budget: spent by an image, the next request is 429 insufficient_quota', async (t) => {
    const price = priceMicroUsd('gpt-image-1-mini', 'medium:1024x1024') / 1e6
    const k = await newKey(s, { budget: { usd: price, period: 'total' } })
    t.equal((await images(s, { prompt: 'x' }, k.key)).statusCode, 200, 'within the budget')
    const key = (await s.app.inject({ url: `/v1/keys/${k.id}`, headers: { cookie: s.cookie } })).json()
    t.match(key, { state: 'over_budget', spend: { usd: price } }, 'the image spent exactly the budget')
    const from = s.fake.calls.length
    const res = await images(s, { prompt: 'x' }, k.key)
    t.equal(res.statusCode, 429)
    t.match(res.json(), { error: { code: 'insufficient_quota', message: /its whole life \(estimated \$0\.01 spent of \$0\.01\)/ } })
    t.equal(imageCalls(s, from).length, 0)
  })
})

t.test("Puter's limits are per driver method: chat goes through while the account's image calls are held back", async (t) => {
  const s: S = await setupWithKey(t)
  // One image call at a time for alice at Puter (chat has its own bucket there, as at Puter).
  s.fake.accountLimits.set('alice', { concurrency: 1, window: 100 })
  s.fake.enqueue({ kind: 'delay', ms: 700 })
  const done: string[] = []
  const slow = images(s, { prompt: 'slow' }).then((r) => { done.push('image 1'); return r })
  while (imageCalls(s).length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const second = images(s, { prompt: 'second' }).then((r) => { done.push('image 2'); return r })
  const c = await chat(s, s.key, { model: 'gpt-4o-mini', messages: [user('meanwhile')] })
  done.push('chat')
  t.equal(c.statusCode, 200)
  t.equal(c.json().choices[0].message.content, 'Echo: meanwhile')
  const [a, b] = await Promise.all([slow, second])
  t.same([a.statusCode, b.statusCode], [200, 200], 'both images made in the end')
  t.same(done, ['chat', 'image 1', 'image 2'], 'chat answered while the images waited their turn')
  t.equal(s.fake.accountLimits.stats('alice').peakInFlight, 2, 'at most one image call and the chat call at Puter at once')
})

t.test('an image address Puter gives that answers 404: a 502, and the server stays up', async (t) => {
  const s: S = await setupWithKey(t)
  s.fake.enqueue({ kind: 'result', result: `${s.fake.url}/fake-media/images/${'0'.repeat(32)}.png` })
  const res = await images(s, { prompt: 'gone' })
  t.equal(res.statusCode, 502)
  t.match(res.json(), { error: { code: 'upstream_error', message: /could not be downloaded \(HTTP 404\)/ } })
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal((await images(s, { prompt: 'next' })).statusCode, 200, 'the next request is answered')
})
