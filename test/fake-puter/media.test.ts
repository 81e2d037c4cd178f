// Tests of the fake Puter's image, text-to-speech and speech-to-text drivers, over real HTTP.

import t from 'tap'
import type { Test } from 'tap'
import { startFakePuter } from './server.ts'
import type { FakePuter } from './server.ts'
import { IMAGE_MODELS, TTS_ENGINES } from './media-catalog.ts'
import { inflateSync } from 'node:zlib'
import { Agent, fetch as undiciFetch } from 'undici'
import { isPng, makePng, makeWav, wavDurationSeconds } from '../fixtures/media.ts'

const ALICE = 'fake-token-alice'

type Json = Record<string, any>

async function startFake (tt: { teardown: (fn: () => unknown) => void }): Promise<FakePuter> {
  const fake = await startFakePuter()
  tt.teardown(() => fake.close())
  return fake
}

const image = (args: Json, extra: Json = {}): Json => ({ interface: 'puter-image-generation', driver: 'ai-image', method: 'generate', args, ...extra })
const tts = (args: Json, extra: Json = {}): Json => ({ interface: 'puter-tts', driver: 'ai-tts', method: 'synthesize', args, ...extra })
const stt = (args: Json, method = 'transcribe'): Json => ({ interface: 'puter-speech2txt', driver: 'ai-speech2txt', method, args })
const chat = (text: string): Json => ({ interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete', args: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } })

function call (fake: FakePuter, body: Json, token: string | null = ALICE, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token !== null) headers.authorization = `Bearer ${token}`
  return fetch(`${fake.url}/drivers/call`, { method: 'POST', headers, body: JSON.stringify(body), signal })
}

/**
 * The same on a connection of its own, closed afterwards: for bodies of tens of MB, which take long enough to build
 * on a busy machine that a kept-alive socket may be closing under them (ECONNRESET).
 */
async function callFresh (fake: FakePuter, body: Json): Promise<Response> {
  const dispatcher = new Agent({ pipelining: 0 })
  try {
    const res = await undiciFetch(`${fake.url}/drivers/call`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` }, body: JSON.stringify(body), dispatcher })
    const text = await res.text()
    return new Response(text, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? '' } })
  } finally {
    await dispatcher.close()
  }
}

/** A JSON answer that must be 200. */
async function ok (fake: FakePuter, body: Json, token?: string): Promise<Json> {
  const res = await call(fake, body, token)
  const json = await res.json() as Json
  if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${JSON.stringify(json)}`)
  return json
}

/** Audio bytes of a 200 TTS answer, with its content type. */
async function audio (fake: FakePuter, args: Json): Promise<{ type: string | null, chunked: boolean, bytes: Buffer }> {
  const res = await call(fake, tts(args))
  const bytes = Buffer.from(await res.arrayBuffer())
  if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${bytes.toString()}`)
  return { type: res.headers.get('content-type'), chunked: res.headers.get('transfer-encoding') === 'chunked', bytes }
}

function pngSize (png: Buffer): { w: number, h: number } {
  return { w: png.readUInt32BE(16), h: png.readUInt32BE(20) }
}

function fromDataUrl (url: string): Buffer {
  const m = /^data:image\/png;base64,(.+)$/.exec(url)
  if (!m) throw new Error(`not a PNG data URL: ${url.slice(0, 40)}`)
  return Buffer.from(m[1], 'base64')
}

const wavDataUrl = (seconds: number): string => `data:audio/wav;base64,${makeWav({ seconds }).toString('base64')}`

/** Asserts a Puter error answer: status and the exact v2 body. */
async function rejects (t: Test, res: Response, status: number, body: Json): Promise<void> {
  t.equal(res.status, status)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.same(await res.json(), body)
}

t.test('fixtures: makeWav and wavDurationSeconds agree; non-WAV is undefined; makePng is a PNG', async (t) => {
  t.equal(wavDurationSeconds(makeWav({ seconds: 1.5 })), 1.5)
  t.equal(wavDurationSeconds(makeWav({ seconds: 2, sampleRate: 8000, frequency: 1000 })), 2)
  t.equal(wavDurationSeconds(Buffer.from('not a wav at all')), undefined)
  t.notOk(isPng(makeWav({ seconds: 0.1 })))
  const png = makePng(3, 2, [10, 20, 30])
  t.ok(isPng(png))
  t.same(pngSize(png), { w: 3, h: 2 })
  const idat = png.indexOf('IDAT')
  t.equal(inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4))).length, 2 * (1 + 3 * 3), 'IDAT inflates to the raw rows')
})

t.test('puter-image-generation', async (t) => {
  const fake = await startFake(t)

  t.test('the default model answers a real PNG data URL that depends on the prompt', async (t) => {
    const a = await ok(fake, image({ prompt: 'a red fox' }))
    t.match(a, { success: true, service: { name: 'ai-image' } })
    t.type(a.result, 'string')
    const png = fromDataUrl(a.result)
    t.ok(isPng(png))
    t.same(pngSize(png), { w: 8, h: 8 }, '1024x1024 scaled down 128 times')
    const again = await ok(fake, image({ prompt: 'a red fox' }))
    t.equal(again.result, a.result, 'deterministic')
    const other = await ok(fake, image({ prompt: 'a blue whale' }))
    t.not(other.result, a.result, 'another prompt, another image')
    t.equal(fake.calls.at(-1)?.body.args.prompt, 'a blue whale')
  })

  t.test('ratio, width+height and aspect_ratio; unsupported sizes become 1024x1024', async (t) => {
    const cases: Array<[string, Json, { w: number, h: number }]> = [
      ['ratio 1024x1536', { ratio: { w: 1024, h: 1536 } }, { w: 8, h: 12 }],
      ['width+height 1536x1024', { width: 1536, height: 1024 }, { w: 12, h: 8 }],
      ['unsupported ratio 512x512', { ratio: { w: 512, h: 512 } }, { w: 8, h: 8 }],
      ['aspect_ratio 16:9 (not allowed for gpt-image)', { aspect_ratio: '16:9' }, { w: 8, h: 8 }],
      ['FLUX 1344x768', { model: 'black-forest-labs/FLUX.1-schnell', ratio: { w: 1344, h: 768 } }, { w: 11, h: 6 }]
    ]
    for (const [name, args, size] of cases) {
      const body = await ok(fake, image({ prompt: 'p', ...args }))
      const png = typeof body.result === 'string' && body.result.startsWith('data:')
        ? fromDataUrl(body.result)
        : Buffer.from(await (await fetch(body.result)).arrayBuffer())
      t.same(pngSize(png), size, name)
    }
  })

  t.test('a missing or unsupported quality is accepted (it silently becomes low)', async (t) => {
    for (const quality of [undefined, 'ultra', 'hd', 'high']) {
      const res = await call(fake, image({ prompt: 'q', model: 'gpt-image-1', quality }))
      t.equal(res.status, 200, String(quality))
      await res.arrayBuffer()
    }
  })

  t.test('a non-OpenAI model answers a URL the fake serves', async (t) => {
    const body = await ok(fake, image({ prompt: 'mountains', model: 'black-forest-labs/FLUX.1-schnell' }))
    t.match(body.result, new RegExp(`^${fake.url}/fake-media/images/[0-9a-f]{32}\\.png$`))
    const res = await fetch(body.result)
    t.equal(res.status, 200)
    t.equal(res.headers.get('content-type'), 'image/png')
    t.ok(isPng(Buffer.from(await res.arrayBuffer())))
    const missing = await fetch(`${fake.url}/fake-media/images/${'0'.repeat(32)}.png`)
    t.equal(missing.status, 404)
    await missing.arrayBuffer()
  })

  t.test('models resolve by alias and puterId; a provider alone picks its default model', async (t) => {
    for (const args of [{ model: 'nano-banana' }, { model: 'google:google/gemini-2.5-flash-image-preview' }, { provider: 'together' }, { provider: 'together-image-generation' }]) {
      const body = await ok(fake, image({ prompt: 'x', ...args }))
      t.match(body.result, /^http:\/\//, JSON.stringify(args))
    }
    const viaDriver = await ok(fake, image({ prompt: 'x' }, { driver: 'together-image-generation' }))
    t.match(viaDriver.result, /^http:\/\//, 'a provider named in the driver slot')
    const openai = await ok(fake, image({ prompt: 'x', model: 'openai/gpt-image-1.5' }))
    t.match(openai.result, /^data:image\/png;base64,/)
  })

  t.test('test_mode answers Puter sample image', async (t) => {
    const body = await ok(fake, image({ prompt: 'x', test_mode: true }))
    t.equal(body.result, 'https://puter-sample-data.puter.site/image_example.png')
  })

  t.test('400s: missing or empty prompt, unknown model', async (t) => {
    for (const prompt of [undefined, '', '   ']) {
      await rejects(t, await call(fake, image({ prompt })), 400, {
        error: 'Missing required field: prompt', message: 'Missing required field: prompt', code: 'field_required', key: 'prompt'
      })
    }
    await rejects(t, await call(fake, image({ prompt: 'x', model: 'dall-e-3' })), 400, {
      error: 'Model not found: dall-e-3', message: 'Model not found: dall-e-3', code: 'bad_request'
    })
  })

  t.test('the public catalogue and the models / list methods', async (t) => {
    const list = await (await fetch(`${fake.url}/puterai/image/models`)).json() as Json
    t.ok(list.models.includes('openai:openai/gpt-image-1-mini'))
    t.same(list.models, [...list.models].sort())
    const details = await (await fetch(`${fake.url}/puterai/image/models/details`)).json() as Json
    const mini = details.models.find((m: Json) => m.id === 'gpt-image-1-mini')
    t.match(mini, {
      puterId: 'openai:openai/gpt-image-1-mini',
      aliases: ['openai/gpt-image-1-mini'],
      name: 'GPT Image 1 Mini',
      provider: 'openai-image-generation',
      costs_currency: 'usd-cents',
      index_cost_key: 'low:1024x1024',
      costs: { 'low:1024x1024': 0.5, 'medium:1024x1536': 1.5, 'high:1536x1024': 5.2 },
      allowedQualityLevels: ['low', 'medium', 'high'],
      allowedRatios: [{ w: 1024, h: 1024 }, { w: 1024, h: 1536 }, { w: 1536, h: 1024 }]
    })
    t.notOk('output' in mini, 'the fake-only field is not served')
    const flux = details.models.find((m: Json) => m.id === 'black-forest-labs/FLUX.1-schnell')
    t.equal(flux.allowedQualityLevels, undefined)
    t.equal(flux.costs[flux.index_cost_key], 0.3)
    t.equal(details.models.length, IMAGE_MODELS.length)
    const models = await ok(fake, { interface: 'puter-image-generation', method: 'models', args: {} })
    t.same(models.result, details.models)
    const names = await ok(fake, { interface: 'puter-image-generation', method: 'list' })
    t.same(names.result, list.models)
  })

  t.test('reset forgets served images', async (t) => {
    const body = await ok(fake, image({ prompt: 'ephemeral', model: 'black-forest-labs/FLUX.1-schnell' }))
    fake.reset()
    const res = await fetch(body.result)
    t.equal(res.status, 404)
    await res.arrayBuffer()
  })
})

t.test('puter-tts', async (t) => {
  const fake = await startFake(t)

  t.test('openai: raw chunked audio with each format content type', async (t) => {
    const types: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/opus', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' }
    for (const [format, type] of Object.entries(types)) {
      const a = await audio(fake, { provider: 'openai', text: 'Hello there', response_format: format })
      t.equal(a.type, type, format)
      t.ok(a.chunked, `${format} is chunked`)
      t.ok(a.bytes.length > 100, `${format} has bytes`)
    }
    const mp3 = await audio(fake, { provider: 'openai', text: 'Hello there' })
    t.equal(mp3.type, 'audio/mpeg', 'mp3 is the default')
    t.equal(mp3.bytes.toString('latin1', 0, 3), 'ID3')
    t.ok(mp3.bytes.includes(Buffer.from('Hello there')), 'the ID3 title carries the text')
    t.ok(mp3.bytes.includes(Buffer.from([0xff, 0xfb, 0x14, 0xc0])), 'MPEG audio frames follow')
    const again = await audio(fake, { provider: 'openai', text: 'Hello there' })
    t.ok(again.bytes.equals(mp3.bytes), 'deterministic')
    const longer = await audio(fake, { provider: 'openai', text: 'Hello there, this is a longer sentence.' })
    t.ok(longer.bytes.length > mp3.bytes.length, 'longer text, more audio')
  })

  t.test('wav is a real 24 kHz mono PCM16 WAV whose duration grows with the text; pcm is its samples', async (t) => {
    const short = await audio(fake, { provider: 'openai', text: 'Hi there', response_format: 'wav' })
    const long = await audio(fake, { provider: 'openai', text: 'Hi there, and a much longer sentence.', response_format: 'wav' })
    t.equal(short.bytes.toString('ascii', 0, 4), 'RIFF')
    t.equal(short.bytes.readUInt16LE(22), 1, 'mono')
    t.equal(short.bytes.readUInt32LE(24), 24000, '24 kHz')
    t.equal(short.bytes.readUInt16LE(34), 16, '16-bit')
    const d1 = wavDurationSeconds(short.bytes) ?? 0
    const d2 = wavDurationSeconds(long.bytes) ?? 0
    t.ok(d1 > 0 && d2 > d1, `${d1}s < ${d2}s`)
    const pcm = await audio(fake, { provider: 'openai', text: 'Hi there', response_format: 'pcm' })
    t.ok(pcm.bytes.equals(short.bytes.subarray(44)))
  })

  t.test('models, voices and the voices only gpt-4o-mini-tts has', async (t) => {
    for (const model of ['gpt-4o-mini-tts', 'tts-1', 'tts-1-hd']) {
      t.equal((await audio(fake, { provider: 'openai', text: 'x', model, voice: 'nova' })).type, 'audio/mpeg', model)
    }
    t.equal((await audio(fake, { provider: 'openai', text: 'x', voice: 'marin' })).type, 'audio/mpeg')
    const alloy = await audio(fake, { provider: 'openai', text: 'same', voice: 'alloy', response_format: 'wav' })
    const onyx = await audio(fake, { provider: 'openai', text: 'same', voice: 'onyx', response_format: 'wav' })
    t.notOk(alloy.bytes.equals(onyx.bytes), 'voices sound different')
  })

  t.test('routing is by provider: aws-polly by default, others take any voice', async (t) => {
    const polly = await audio(fake, { text: 'Hello', model: 'tts-1', voice: 'Matthew' })
    t.equal(polly.type, 'audio/mpeg')
    t.ok(polly.bytes.includes(Buffer.from('aws-polly:standard:Matthew')))
    const neural = await audio(fake, { text: 'Hello', engine: 'neural' })
    t.ok(neural.bytes.includes(Buffer.from('aws-polly:neural:Joanna')), 'default voice Joanna')
    for (const provider of ['elevenlabs', 'gemini', 'xai', 'speechify']) {
      const a = await audio(fake, { provider, text: 'Hello', voice: 'anything-goes' })
      t.equal(a.type, 'audio/mpeg', provider)
      t.ok(a.bytes.includes(Buffer.from(`${provider}:anything-goes`)))
    }
    const viaEngine = await audio(fake, { engine: 'openai', text: 'Hello', response_format: 'wav' })
    t.equal(viaEngine.type, 'audio/wav', 'an engine naming a provider selects it')
  })

  t.test('test_mode answers JSON with the sample URL', async (t) => {
    const body = await ok(fake, tts({ provider: 'openai', text: 'x', test_mode: true }))
    t.same(body.result, { url: 'https://puter-sample-data.puter.site/tts_example.mp3', content_type: 'audio' })
  })

  t.test('400s with Puter field errors', async (t) => {
    const voices = 'alloy, ash, ballad, cedar, coral, echo, fable, marin, nova, onyx, sage, shimmer, verse'
    const cases: Array<[string, Json, Json]> = [
      ['missing text', { provider: 'openai' }, { code: 'field_required', key: 'text', message: 'Missing required field: text' }],
      ['blank text', { provider: 'openai', text: '  ' }, { code: 'field_required', key: 'text' }],
      ['blank text on polly', { text: '' }, { code: 'field_required', key: 'text' }],
      ['unknown model', { provider: 'openai', text: 'x', model: 'tts-2' }, {
        code: 'field_invalid', key: 'model', expected: 'gpt-4o-mini-tts, tts-1, tts-1-hd', got: 'tts-2', message: 'Invalid model: tts-2. Expected: gpt-4o-mini-tts, tts-1, tts-1-hd'
      }],
      ['unknown voice', { provider: 'openai', text: 'x', voice: 'bob' }, { code: 'field_invalid', key: 'voice', expected: voices, got: 'bob' }],
      ['gpt-4o-mini-tts-only voice', { provider: 'openai', text: 'x', model: 'tts-1', voice: 'ballad' }, {
        code: 'field_invalid', key: 'voice', expected: 'gpt-4o-mini-tts', got: 'ballad', message: 'Voice ballad is not supported by tts-1. Expected: gpt-4o-mini-tts'
      }],
      ['unknown provider', { provider: 'acme', text: 'x' }, { code: 'field_invalid', key: 'provider', got: 'acme' }],
      ['unknown polly engine', { text: 'x', engine: 'turbo' }, { code: 'invalid_engine', engine: 'turbo' }]
    ]
    for (const [name, args, body] of cases) {
      const res = await call(fake, tts(args))
      t.equal(res.status, 400, name)
      const json = await res.json() as Json
      t.match(json, body, name)
      t.equal(json.error, json.message, `${name}: error is the message string`)
    }
  })

  t.test('list_voices, list_engines and list', async (t) => {
    const engines = await ok(fake, tts({ provider: 'openai' }, { method: 'list_engines' }))
    t.same(engines.result.map((e: Json) => [e.id, e.pricing_per_million_chars]), [['gpt-4o-mini-tts', 15], ['tts-1', 15], ['tts-1-hd', 30]])
    const all = await ok(fake, tts({ provider: 'all' }, { method: 'list_engines' }))
    t.equal(all.result.length, Object.values(TTS_ENGINES).flat().length)
    const pollyEngines = await ok(fake, tts({}, { method: 'list_engines' }))
    t.ok(pollyEngines.result.every((e: Json) => e.provider === 'aws-polly'), 'aws-polly by default')
    const voices = await ok(fake, tts({ provider: 'openai' }, { method: 'list_voices' }))
    t.match(voices.result.find((v: Json) => v.id === 'verse'), { provider: 'openai', supported_models: ['gpt-4o-mini-tts'] })
    t.match(voices.result.find((v: Json) => v.id === 'alloy'), { supported_models: ['gpt-4o-mini-tts', 'tts-1', 'tts-1-hd'] })
    const allVoices = await ok(fake, tts({ provider: 'ALL' }, { method: 'list_voices' }))
    t.ok(allVoices.result.some((v: Json) => v.id === 'Joanna') && allVoices.result.some((v: Json) => v.id === 'alloy'))
    const providers = await ok(fake, tts({}, { method: 'list' }))
    t.same(providers.result, ['aws-polly', 'openai', 'elevenlabs', 'gemini', 'xai', 'speechify'])
    await rejects(t, await call(fake, tts({ provider: 'acme' }, { method: 'list_voices' })), 400, {
      error: 'Invalid provider: acme. Expected: aws-polly, openai, elevenlabs, gemini, xai, speechify',
      message: 'Invalid provider: acme. Expected: aws-polly, openai, elevenlabs, gemini, xai, speechify',
      code: 'field_invalid',
      key: 'provider',
      expected: 'aws-polly, openai, elevenlabs, gemini, xai, speechify',
      got: 'acme'
    })
  })
})

t.test('puter-speech2txt', async (t) => {
  const fake = await startFake(t)

  t.test('transcribe defaults to gpt-4o-mini-transcribe json with token usage; the text depends on the audio', async (t) => {
    const body = await ok(fake, stt({ file: wavDataUrl(1.5) }))
    t.match(body, { success: true, service: { name: 'ai-speech2txt' } })
    t.equal(body.result.text, 'Fake transcript of 1.5 seconds of audio/wav.')
    const u = body.result.usage
    t.match(u, { type: 'tokens' })
    t.ok(u.input_tokens > 0 && u.output_tokens > 0)
    t.equal(u.total_tokens, u.input_tokens + u.output_tokens)
    const other = await ok(fake, stt({ file: wavDataUrl(3) }))
    t.equal(other.result.text, 'Fake transcript of 3 seconds of audio/wav.')
    const mp3 = await ok(fake, stt({ file: `data:audio/mpeg;base64,${Buffer.alloc(1000, 7).toString('base64')}`, model: 'gpt-4o-transcribe' }))
    t.equal(mp3.result.text, 'Fake transcript of 1000 bytes of audio/mpeg.')
  })

  t.test('response formats', async (t) => {
    const file = wavDataUrl(2)
    const text = await ok(fake, stt({ file, response_format: 'text' }))
    t.equal(text.result, 'Fake transcript of 2 seconds of audio/wav.')
    const json = await ok(fake, stt({ file, model: 'whisper-1' }))
    t.same(json.result, { text: 'Fake transcript of 2 seconds of audio/wav.', usage: { type: 'duration', seconds: 2 } })
    const srt = await ok(fake, stt({ file, model: 'whisper-1', response_format: 'srt' }))
    t.equal(srt.result, '1\n00:00:00,000 --> 00:00:02,000\nFake transcript of 2 seconds of audio/wav.\n\n')
    const vtt = await ok(fake, stt({ file, model: 'whisper-1', response_format: 'vtt' }))
    t.equal(vtt.result, 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nFake transcript of 2 seconds of audio/wav.\n\n')
    const verbose = await ok(fake, stt({ file, model: 'whisper-1', response_format: 'verbose_json' }))
    t.match(verbose.result, {
      task: 'transcribe',
      language: 'english',
      duration: 2,
      text: 'Fake transcript of 2 seconds of audio/wav.',
      segments: [{ id: 0, seek: 0, start: 0, end: 2, tokens: [], temperature: 0, avg_logprob: Number, compression_ratio: Number, no_speech_prob: Number }]
    })
    t.equal(verbose.result.words, undefined, 'no words unless asked')
    const worded = await ok(fake, stt({ file, model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['word', 'segment'] }))
    t.equal(worded.result.words.length, 7)
    t.match(worded.result.words[0], { word: 'Fake', start: 0 })
    t.equal(worded.result.words.at(-1).end, 2)
    const diarized = await ok(fake, stt({ file, model: 'gpt-4o-transcribe-diarize' }))
    t.match(diarized.result, { task: 'transcribe', duration: 2, segments: [{ speaker: 'A', start: 0, end: 2 }] })
    const diarizedJson = await ok(fake, stt({ file, model: 'gpt-4o-transcribe-diarize', response_format: 'json' }))
    t.match(diarizedJson.result, { text: String, usage: { type: 'tokens' } })
  })

  t.test('translate defaults to whisper-1 and answers in English', async (t) => {
    const body = await ok(fake, stt({ file: wavDataUrl(1) }, 'translate'))
    t.same(body.result, { text: 'Fake translation of 1 seconds of audio/wav.', usage: { type: 'duration', seconds: 1 } })
    const verbose = await ok(fake, stt({ file: wavDataUrl(1), response_format: 'verbose_json' }, 'translate'))
    t.match(verbose.result, { task: 'translate', language: 'english' })
  })

  t.test('list_models', async (t) => {
    const body = await ok(fake, stt({}, 'list_models'))
    t.same(body.result.map((m: Json) => m.id), ['gpt-4o-mini-transcribe', 'gpt-4o-transcribe', 'gpt-4o-transcribe-diarize', 'whisper-1', 'xai-stt'])
  })

  t.test('provider xai answers its own transcript object', async (t) => {
    for (const args of [{ provider: 'xai' }, { model: 'xai-stt' }]) {
      const body = await ok(fake, stt({ file: wavDataUrl(1), response_format: 'srt', ...args }))
      t.match(body.result, { text: 'Fake transcript of 1 seconds of audio/wav.', language: 'English', duration: 1, words: [{ text: 'Fake', start: 0 }] }, JSON.stringify(args))
    }
    const bad = await call(fake, stt({ file: wavDataUrl(1), provider: 'acme' }))
    t.equal(bad.status, 400)
    t.match(await bad.json(), { code: 'bad_request' })
  })

  t.test('400s', async (t) => {
    const file = wavDataUrl(0.5)
    const err = (message: string, code = 'bad_request', extra: Json = {}): Json => ({ error: message, message, code, ...extra })
    const cases: Array<[string, Json, Json]> = [
      ['missing file', {}, err('Missing required field: file', 'field_required', { key: 'file' })],
      ['stream', { file, stream: true }, err('Streaming transcription is not yet supported')],
      ['unknown model', { file, model: 'whisper-2' }, err('Unsupported model: whisper-2')],
      ['srt on gpt-4o-mini-transcribe', { file, response_format: 'srt' }, err('response_format must be one of: json, text')],
      ['verbose_json on diarize', { file, model: 'gpt-4o-transcribe-diarize', response_format: 'verbose_json' }, err('response_format must be one of: json, text, diarized_json')],
      ['prompt on diarize', { file, model: 'gpt-4o-transcribe-diarize', prompt: 'names' }, err('prompt is not supported for model gpt-4o-transcribe-diarize')]
    ]
    for (const [name, args, body] of cases) {
      const res = await call(fake, stt(args))
      t.equal(res.status, 400, name)
      t.same(await res.json(), body, name)
    }
    const url = await call(fake, stt({ file: 'https://example.com/a.mp3' }))
    t.equal(url.status, 400)
    t.match(await url.json(), { code: 'bad_request' })
  })

  t.test('a file over 25 MB is refused', async (t) => {
    // 'A' is base64 for zero bits: the data URL of n zero bytes without building the bytes.
    const zeros = (n: number): string => `data:audio/mpeg;base64,${'A'.repeat(Math.ceil(n / 3) * 4)}`
    await rejects(t, await callFresh(fake, stt({ file: zeros(25 * 1024 * 1024 + 3) })), 400, { error: 'File too large', message: 'File too large', code: 'bad_request' })
    const edge = await callFresh(fake, stt({ file: zeros(25 * 1024 * 1024 - 1), response_format: 'text' }))
    t.equal(edge.status, 200, 'just under 25 MB is fine')
    t.match(await edge.json(), { result: /^Fake transcript of 26214399 bytes of audio\/mpeg\.$/ })
  })
})

t.test('shared gateway: auth, 404s, account limits, recording', async (t) => {
  const fake = await startFake(t)

  t.test('every media interface needs a token', async (t) => {
    for (const body of [image({ prompt: 'x' }), tts({ text: 'x' }), stt({ file: wavDataUrl(0.1) })]) {
      await rejects(t, await call(fake, body, null), 401, { error: 'Missing authentication token', message: 'Missing authentication token', code: 'token_missing' })
      const bad = await call(fake, body, 'nope')
      t.equal(bad.status, 401)
      t.match(await bad.json(), { code: 'token_auth_failed' })
    }
  })

  t.test('unknown drivers and methods are 404', async (t) => {
    const wrongDriver = await call(fake, image({ prompt: 'x' }, { driver: 'ai-chat' }))
    t.equal(wrongDriver.status, 404)
    t.match(await wrongDriver.json(), { code: 'not_found', message: 'Driver not found: puter-image-generation:ai-chat' })
    const wrongMethod = await call(fake, tts({ text: 'x' }, { method: 'speak' }))
    t.equal(wrongMethod.status, 404)
    t.match(await wrongMethod.json(), { code: 'not_found', message: "Method 'speak' not found on driver 'puter-tts'" })
    const noDriver = await call(fake, { interface: 'puter-speech2txt', method: 'transcribe', args: { file: wavDataUrl(0.1) } })
    t.equal(noDriver.status, 200, 'the driver may be left out')
    await noDriver.arrayBuffer()
  })

  t.test('each interface:method has its own budget per account', async (t) => {
    fake.accountLimits.set('carol', { concurrency: 5, window: 1 })
    const carol = 'fake-token-carol'
    t.equal((await call(fake, image({ prompt: 'one' }), carol)).status, 200)
    await rejects(t, await call(fake, image({ prompt: 'two' }), carol), 429, { error: 'Too many requests.', message: 'Too many requests.', code: 'too_many_requests' })
    t.equal((await call(fake, chat('still fine'), carol)).status, 200, 'chat is another budget')
    const speech = await call(fake, tts({ text: 'also fine' }), carol)
    t.equal(speech.status, 200, 'tts is another budget')
    await speech.arrayBuffer()
    t.equal((await call(fake, image({ prompt: 'three' }), ALICE)).status, 200, 'another account is not limited')
    t.match(fake.accountLimits.stats('carol'), { admitted: 3, refused: 1 })
  })

  t.test('calls are recorded', async (t) => {
    fake.reset()
    await (await call(fake, tts({ provider: 'openai', text: 'recorded' }))).arrayBuffer()
    t.equal(fake.calls.length, 1)
    t.match(fake.calls[0], { path: '/drivers/call', method: 'POST', body: { interface: 'puter-tts', args: { text: 'recorded' } } })
  })
})

t.test('behaviours apply to media calls', async (t) => {
  const fake = await startFake(t)
  t.afterEach(() => fake.reset())

  t.test('error and legacy-error', async (t) => {
    fake.enqueue({ kind: 'error', status: 402, code: 'insufficient_funds', message: 'Available funding is insufficient for this request.' })
    const res = await call(fake, image({ prompt: 'x' }))
    t.equal(res.status, 402)
    t.equal(res.headers.get('x-needs-upgrade'), 'true')
    t.match(await res.json(), { code: 'insufficient_funds' })
    fake.enqueue({ kind: 'legacy-error', code: 'insufficient_funds', message: 'no', status: 402 })
    t.match(await ok(fake, tts({ text: 'x' })), { success: false, error: { code: 'insufficient_funds', status: 402 } })
  })

  t.test('result replaces the answer, with the interface service name', async (t) => {
    fake.enqueue({ kind: 'result', result: 'https://example.com/cat.png' })
    t.same(await ok(fake, image({ prompt: 'x' })), { success: true, result: 'https://example.com/cat.png', service: { name: 'ai-image' } })
  })

  t.test('delay answers normally after the delay', async (t) => {
    fake.enqueue({ kind: 'delay', ms: 30 })
    const started = Date.now()
    const a = await audio(fake, { provider: 'openai', text: 'late', response_format: 'wav' })
    t.ok(Date.now() - started >= 25)
    t.equal(a.type, 'audio/wav')
  })

  t.test('hang holds the call until the client gives up', async (t) => {
    fake.enqueue({ kind: 'hang' })
    const controller = new AbortController()
    const pending = call(fake, stt({ file: wavDataUrl(0.1) }), ALICE, controller.signal)
    setTimeout(() => controller.abort(), 30)
    await t.rejects(pending)
    await fake.waitForAbort()
  })

  t.test('destroy drops the connection', async (t) => {
    fake.enqueue({ kind: 'destroy' })
    await t.rejects(call(fake, image({ prompt: 'x' })))
  })

  t.test('audio-break sends headers and some audio, then breaks', async (t) => {
    fake.enqueue({ kind: 'audio-break', afterBytes: 300 })
    const res = await call(fake, tts({ provider: 'openai', text: 'This sentence never finishes being spoken.' }))
    t.equal(res.status, 200)
    t.equal(res.headers.get('content-type'), 'audio/mpeg')
    const reader = res.body!.getReader()
    let received = 0
    const failure = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return undefined
          received += value.length
        }
      } catch (err) {
        return err
      }
    })()
    t.ok(failure instanceof Error, 'the body fails instead of ending')
    t.equal(received, 300, 'exactly afterBytes bytes arrived')
    t.equal(fake.aborts, 0, 'not counted as a client abort')
    const next = await audio(fake, { provider: 'openai', text: 'fine again' })
    t.equal(next.type, 'audio/mpeg', 'the next call is normal')
  })
})
