// The media mapping as pure functions: image requests to Puter's arguments and prices, Puter's image results to
// OpenAI's data, speech and transcription requests to Puter's arguments, upload MIME types, WAV lengths, seconds of
// audio for usage, transcription answers, and image catalogue entries as model objects.
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { imagePlan, toImageDatum, formatOf } from '../../src/gateway/media/images.ts'
import { speechPlan } from '../../src/gateway/media/speech.ts'
import { audioMimeType, audioSeconds, transcriptionAnswer, transcriptionPlan, wavSeconds } from '../../src/gateway/media/transcription.ts'
import { audioModels, imageModelObject } from '../../src/gateway/media/catalog.ts'
import type { Model } from '../../src/schemas/models.ts'
import { errors } from '../../src/errors.ts'
import { IMAGE_MODELS, publicImageModel } from '../../test/fake-puter/media-catalog.ts'
import { makeWav, makePng } from '../fixtures/media.ts'

const LIMITS = { timeoutMs: 1000, maxBytes: 1024 }
const catalogued = (id: string): Model => imageModelObject(publicImageModel(IMAGE_MODELS.find((m) => m.id === id)!) as never)!
const MINI = catalogued('gpt-image-1-mini')
const FLUX = catalogued('black-forest-labs/FLUX.1-schnell')
const audio = new Map(audioModels().map((m) => [m.id, m]))

/** What a function throws (fails the test when it returns). */
function thrown (fn: () => unknown): any {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

async function rejected (p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

t.test('imageModelObject: sizes, qualities, per-image prices in USD, aliases (the dall-e names for the default only)', async (t) => {
  t.same(MINI, {
    id: 'gpt-image-1-mini',
    object: 'model',
    created: 0,
    owned_by: 'openai-image-generation',
    kind: 'image',
    name: 'GPT Image 1 Mini',
    sizes: ['1024x1024', '1024x1536', '1536x1024'],
    qualities: ['low', 'medium', 'high'],
    pricing: {
      image: {
        'low:1024x1024': '0.005',
        'low:1024x1536': '0.006',
        'low:1536x1024': '0.006',
        'medium:1024x1024': '0.011',
        'medium:1024x1536': '0.015',
        'medium:1536x1024': '0.015',
        'high:1024x1024': '0.036',
        'high:1024x1536': '0.052',
        'high:1536x1024': '0.052'
      }
    },
    aliases: ['openai:openai/gpt-image-1-mini', 'openai/gpt-image-1-mini', 'dall-e-2', 'dall-e-3']
  }, 'token rates (text_input, image_output...) are left out')
  t.same(catalogued('gpt-image-1').aliases, ['openai:openai/gpt-image-1', 'openai/gpt-image-1'], 'no dall-e names for another model')
  t.match(FLUX, { sizes: ['1024x1024', '1344x768', '768x1344'], pricing: { image: { '1024x1024': '0.003', '1344x768': '0.003', '768x1344': '0.003' } } })
  t.notOk('qualities' in FLUX)
  t.equal(imageModelObject({ name: 'nameless' }), undefined, 'no id, no model')
  t.same(imageModelObject({ puterId: 'x:y', allowedRatios: [{ w: 1.5, h: 2 }, { w: 'a' }, null], allowedQualityLevels: ['', 3], costs: { '1x1': 'free', 'a:b': 3 } }),
    { id: 'x:y', object: 'model', created: 0, owned_by: 'puter', kind: 'image' }, 'malformed ratios, levels and prices are dropped')
})

t.test('imagePlan: Puter\'s arguments, the size and quality reported, and the price of one image', async (t) => {
  t.same(imagePlan({ prompt: 'p' }, MINI), { args: { prompt: 'p', model: 'gpt-image-1-mini', quality: 'medium' }, size: undefined, quality: 'medium', costMicroUsd: 11_000 }, 'defaults: medium, priced at the first size')
  t.same(imagePlan({ prompt: 'p', size: '1024x1536', quality: 'hd', output_format: 'webp' }, MINI),
    { args: { prompt: 'p', model: 'gpt-image-1-mini', ratio: { w: 1024, h: 1536 }, quality: 'high', output_format: 'webp' }, size: '1024x1536', quality: 'high', costMicroUsd: 52_000 })
  for (const [q, level, cost] of [['standard', 'medium', 11_000], ['auto', 'medium', 11_000], ['low', 'low', 5000], ['high', 'high', 36_000]] as const) {
    const plan = imagePlan({ prompt: 'p', quality: q }, MINI)
    t.equal(plan.args.quality, level, `${q} → ${level}`)
    t.equal(plan.costMicroUsd, cost, `${q}: ${cost} µ$`)
  }
  t.same(imagePlan({ prompt: 'p', size: 'auto' }, MINI).args, { prompt: 'p', model: 'gpt-image-1-mini', quality: 'medium' }, 'auto: no ratio')
  t.same(imagePlan({ prompt: 'p', size: '768x1344', quality: 'hd' }, FLUX), { args: { prompt: 'p', model: 'black-forest-labs/FLUX.1-schnell', ratio: { w: 768, h: 1344 } }, size: '768x1344', quality: 'high', costMicroUsd: 3000 }, 'no qualities: none sent, the flat price')
  t.same(imagePlan({ prompt: 'p', model: 'new-model', size: '640x480', quality: 'hd' }, undefined),
    { args: { prompt: 'p', model: 'new-model', ratio: { w: 640, h: 480 }, quality: 'high' }, size: '640x480', quality: 'high', costMicroUsd: 0 }, 'a model the catalogue does not know: passed as named, unpriced')
  t.same(imagePlan({ prompt: 'p' }, undefined).args, { prompt: 'p', model: 'gpt-image-1-mini' }, 'no catalogue: the default model, no quality')

  const size = thrown(() => imagePlan({ prompt: 'p', size: '512x512' }, MINI))
  t.ok(size instanceof errors.InvalidRequest)
  t.match(size, { statusCode: 400, param: 'size', message: /gpt-image-1-mini cannot make 512x512 images; its sizes are 1024x1024, 1024x1536, 1536x1024\./ })
  for (const bad of ['512', '1024X1024', '1x1', ' 1024x1024', '1024x1024x3']) t.match(thrown(() => imagePlan({ prompt: 'p', size: bad }, undefined)), { param: 'size', message: /size must be WxH/ }, `'${bad}'`)
  const quality = thrown(() => imagePlan({ prompt: 'p', quality: 'hd' }, { ...MINI, qualities: ['low'] }))
  t.match(quality, { param: 'quality', message: /has no 'hd' quality; its levels are low/ })
})

t.test('toImageDatum: data URLs as b64_json or as the url, addresses as the url; anything else an upstream error', async (t) => {
  const png = makePng(2, 3, [1, 2, 3])
  const dataUrl = `data:image/png;base64,${png.toString('base64')}`
  t.same(await toImageDatum(dataUrl, 'b64_json', LIMITS), { datum: { b64_json: png.toString('base64') }, mime: 'image/png' })
  t.same(await toImageDatum(dataUrl, 'url', LIMITS), { datum: { url: dataUrl }, mime: 'image/png' })
  t.same(await toImageDatum('data:image/svg+xml,%3Csvg%2F%3E', 'b64_json', LIMITS), { datum: { b64_json: Buffer.from('<svg/>').toString('base64') }, mime: 'image/svg+xml' }, 'a percent-encoded data URL')
  t.same(await toImageDatum('data:;base64,AAEC', 'b64_json', LIMITS), { datum: { b64_json: 'AAEC' }, mime: undefined }, 'no type')
  t.same(await toImageDatum('https://cdn.example/img.webp', 'url', LIMITS), { datum: { url: 'https://cdn.example/img.webp' } }, 'an address asked as url: not fetched')
  for (const [result, message] of [
    [undefined, /without an image/],
    ['', /without an image/],
    [{ url: 'https://x' }, /without an image/],
    ['just text', /neither an image nor its address/],
    ['ftp://host/a.png', /will not fetch/],
    ['javascript:alert(1)', /will not fetch/]
  ] as const) {
    const err = await rejected(toImageDatum(result, 'b64_json', LIMITS))
    t.ok(err instanceof errors.UpstreamFailed, `${JSON.stringify(result)}: UpstreamFailed`)
    t.match(err, { statusCode: 502, message }, JSON.stringify(result))
  }
})

t.test('toImageDatum: an address fetched for b64_json, within the size limit', async (t) => {
  const small = makePng(4, 4, [9, 9, 9])
  const server = createServer((req, res) => {
    const body = req.url === '/big.png' ? Buffer.alloc(64 * 1024, 7) : small
    res.writeHead(200, { 'content-type': 'image/jpeg; q=1', 'content-length': body.length })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.same(await toImageDatum(`${base}/small.png`, 'b64_json', LIMITS), { datum: { b64_json: small.toString('base64') }, mime: 'image/jpeg' }, "the bytes, under the download's type")
  const big = await rejected(toImageDatum(`${base}/big.png`, 'b64_json', LIMITS))
  t.ok(big instanceof errors.UpstreamFailed)
  t.match(big, { statusCode: 502, message: /The image Puter made is larger than/ }, 'over maxBytes: refused')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(await toImageDatum(`${base}/small.png`, 'b64_json', LIMITS), { datum: { b64_json: small.toString('base64') }, mime: 'image/jpeg' }, 'and the next download works')
})

t.test('toImageDatum: a percent-encoded data URL keeps its UTF-8 bytes; a stray % is an upstream error', async (t) => {
  t.same(await toImageDatum('data:image/svg+xml,%3Ctext%3E%E2%82%AC%3C%2Ftext%3E', 'b64_json', LIMITS), { datum: { b64_json: Buffer.from('<text>€</text>').toString('base64') }, mime: 'image/svg+xml' })
  t.ok(await rejected(toImageDatum('data:image/svg+xml,100%', 'b64_json', LIMITS)) instanceof errors.UpstreamFailed, 'a stray % is an upstream error')
})

t.test('formatOf: the answer\'s output_format from a MIME type', async (t) => {
  t.equal(formatOf('image/png'), 'png')
  t.equal(formatOf('image/jpg'), 'jpeg')
  t.equal(formatOf('image/jpeg'), 'jpeg')
  t.equal(formatOf('image/webp'), 'webp')
  t.equal(formatOf('application/octet-stream'), undefined)
  t.equal(formatOf(undefined), undefined)
})

t.test('speechPlan: provider, model or engine, voice; checks of voice, speed, stream_format and model', async (t) => {
  const plan = (body: object) => speechPlan({ model: 'tts-1', voice: 'alloy', input: 'hello', ...body } as never, audio.get((body as { model?: string }).model ?? 'tts-1'))
  t.same(plan({}), { args: { model: 'tts-1', text: 'hello', provider: 'openai', voice: 'alloy', response_format: 'mp3' }, model: 'tts-1', format: 'mp3', costMicroUsd: 75 }, '5 characters at $15 per million')
  t.same(plan({ model: 'tts-1-hd', input: 'x'.repeat(1000), response_format: 'wav', speed: 1, stream_format: 'audio' }).costMicroUsd, 30_000, 'tts-1-hd: $30 per million')
  t.same(plan({ model: 'gpt-4o-mini-tts', voice: 'cedar', instructions: 'slowly' }).args, { model: 'gpt-4o-mini-tts', text: 'hello', provider: 'openai', voice: 'cedar', response_format: 'mp3', instructions: 'slowly' })
  t.notOk('instructions' in plan({ instructions: '' }).args, 'empty instructions are not sent')
  t.same(plan({ model: 'aws-polly/neural', voice: 'Joanna', input: 'x'.repeat(100) }), { args: { engine: 'neural', text: 'x'.repeat(100), provider: 'aws-polly', voice: 'Joanna', response_format: 'mp3' }, model: 'aws-polly/neural', format: 'mp3', costMicroUsd: 1600 })
  t.same(plan({ model: 'aws-polly/long-form', voice: 'Anyone' }), { args: { engine: 'long-form', text: 'hello', provider: 'aws-polly', voice: 'Anyone', response_format: 'mp3' }, model: 'aws-polly/long-form', format: 'mp3', costMicroUsd: 0 }, 'an unlisted engine: Puter checks it, no price here')
  t.same(plan({ model: 'xai/grok-tts', voice: 'Ara', response_format: 'opus' }).args, { model: 'grok-tts', text: 'hello', provider: 'xai', voice: 'Ara', response_format: 'opus' })
  t.same(plan({ model: 'speechify/simba/english', voice: 'george' }).args.model, 'simba/english', 'the model is what follows the first slash')
  t.match(thrown(() => plan({ voice: 'verse' })), { statusCode: 400, param: 'voice', message: /'verse' is not one of tts-1's: alloy, ash, coral, echo, fable, nova, onyx, sage, shimmer\./ })
  t.match(thrown(() => plan({ model: 'gpt-4o-mini-tts', voice: 'Joanna' })), { param: 'voice', message: /ballad, cedar/ })
  t.match(thrown(() => plan({ speed: 1.25 })), { param: 'speed' })
  t.match(thrown(() => plan({ stream_format: 'sse' })), { param: 'stream_format' })
  for (const model of ['foo', 'tts-2', '/x', 'acme/x', 'openai/']) t.match(thrown(() => plan({ model })), { param: 'model', message: /Unknown speech model/ }, model)
})

t.test('transcriptionPlan: defaults, formats and timestamps per model, prompt, translations, price per second', async (t) => {
  const plan = (fields: object, translate = false) => {
    const f = fields as { model?: string }
    return transcriptionPlan(fields, translate, f.model === undefined ? undefined : audio.get(f.model))
  }
  t.same(plan({}), { args: { model: 'gpt-4o-mini-transcribe', provider: 'openai', response_format: 'json' }, model: 'gpt-4o-mini-transcribe', format: 'json', usdPerSecond: 0.003 / 60 })
  t.same(plan({}, true), { args: { model: 'whisper-1', provider: 'openai', response_format: 'json' }, model: 'whisper-1', format: 'json', usdPerSecond: 0.006 / 60 })
  t.same(plan({ model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['word'], temperature: 0, language: 'fr', prompt: 'p' }).args,
    { model: 'whisper-1', provider: 'openai', response_format: 'verbose_json', language: 'fr', prompt: 'p', temperature: 0, timestamp_granularities: ['word'] }, 'temperature 0 is sent')
  t.same(plan({ model: 'gpt-4o-transcribe', language: '', prompt: '' }).args, { model: 'gpt-4o-transcribe', provider: 'openai', response_format: 'json' }, 'empty language and prompt are not sent')
  t.same(plan({ model: 'xai-stt' }), { args: { model: 'xai-stt', provider: 'xai', response_format: 'json' }, model: 'xai-stt', format: 'json', usdPerSecond: 0 })
  t.match(thrown(() => plan({ stream: true })), { param: 'stream' })
  t.match(thrown(() => plan({ model: 'whisper-2' })), { param: 'model', message: /Unknown transcription model 'whisper-2': use gpt-4o-mini-transcribe, gpt-4o-transcribe, gpt-4o-transcribe-diarize, whisper-1, xai-stt\./ })
  t.match(thrown(() => plan({ model: 'gpt-4o-transcribe' }, true)), { param: 'model', message: /Translations use whisper-1 only/ })
  for (const format of ['srt', 'vtt', 'verbose_json']) t.match(thrown(() => plan({ response_format: format })), { param: 'response_format', message: new RegExp(`answers json, text; for ${format}, use whisper-1`) }, format)
  t.match(thrown(() => plan({ model: 'whisper-1', timestamp_granularities: ['segment'] })), { param: 'timestamp_granularities' }, 'timestamps need verbose_json')
  t.match(thrown(() => plan({ model: 'xai-stt', prompt: 'p' })), { param: 'prompt', message: /xai-stt takes no prompt/ })
})

t.test('audioMimeType: the types OpenAI recognises, by declared type then by file name', async (t) => {
  for (const [declared, filename, expected] of [
    ['audio/x-wav', undefined, 'audio/wav'],
    ['AUDIO/WAV; charset=binary', undefined, 'audio/wav'],
    ['audio/x-m4a', 'a.m4a', 'audio/mp4'],
    ['audio/m4a', undefined, 'audio/mp4'],
    ['video/mp4', undefined, 'audio/mp4'],
    ['audio/mp3', undefined, 'audio/mpeg'],
    ['audio/mpga', undefined, 'audio/mpeg'],
    ['audio/x-flac', undefined, 'audio/flac'],
    ['application/ogg', undefined, 'audio/ogg'],
    ['video/webm', undefined, 'audio/webm'],
    ['application/octet-stream', 'a.wav', 'audio/wav'],
    ['application/octet-stream', 'dir/rec.MP3', 'audio/mpeg'],
    [undefined, 'x.oga', 'audio/ogg'],
    ['', 'x.mpga', 'audio/mpeg'],
    ['audio/wav', 'x.txt', 'audio/wav']
  ] as const) {
    t.equal(audioMimeType(declared, filename), expected, `${declared} ${filename}`)
  }
  t.match(thrown(() => audioMimeType('text/plain', 'a.txt')), { statusCode: 400, param: 'file', message: /Unsupported file type text\/plain \(a\.txt\): send audio as flac, m4a, mp3, mp4, mpeg, mpga, ogg, wav or webm\./ })
  t.match(thrown(() => audioMimeType('image/png', 'a.wav')), { param: 'file' }, 'a declared non-audio type is not overridden by the name')
  t.match(thrown(() => audioMimeType('application/octet-stream', 'noext')), { param: 'file', message: /application\/octet-stream \(noext\)/ })
  t.match(thrown(() => audioMimeType(undefined, undefined)), { param: 'file', message: /Unsupported file type unknown:/ })
})

/** A RIFF/WAVE header with a fmt chunk of `byteRate` and the given chunks after it. */
function riff (byteRate: number, ...chunks: Array<[string, Buffer, number?]>): Buffer {
  const fmt = Buffer.alloc(16)
  fmt.writeUInt16LE(1, 0)
  fmt.writeUInt32LE(byteRate, 8)
  const parts: Buffer[] = [Buffer.from('RIFF\0\0\0\0WAVE', 'latin1')]
  for (const [id, data, size] of [['fmt ', fmt] as [string, Buffer], ...chunks]) {
    const head = Buffer.alloc(8)
    head.write(id, 0, 'latin1')
    head.writeUInt32LE(size ?? data.length, 4)
    parts.push(head, data, data.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0))
  }
  return Buffer.concat(parts)
}

t.test('wavSeconds: from the header; other chunks skipped (odd sizes padded); a cut data chunk counts what is there', async (t) => {
  t.equal(wavSeconds(makeWav({ seconds: 3 })), 3)
  t.equal(wavSeconds(makeWav({ seconds: 1.5, sampleRate: 8000 })), 1.5)
  t.equal(wavSeconds(riff(1000, ['LIST', Buffer.alloc(7)], ['data', Buffer.alloc(2500)])), 2.5, 'a LIST chunk of odd size before data')
  t.equal(wavSeconds(riff(1000, ['data', Buffer.alloc(500), 4000])), 0.5, 'a data chunk that claims more than it has')
  t.equal(wavSeconds(makeWav({ seconds: 2 }).subarray(0, 44 + 16000)), 0.5, 'a truncated file')
  t.equal(wavSeconds(Buffer.from('ID3\x04\0\0\0\0\0\0not a wav', 'latin1')), undefined, 'an MP3')
  t.equal(wavSeconds(Buffer.alloc(0)), undefined)
  t.equal(wavSeconds(riff(0, ['data', Buffer.alloc(100)])), undefined, 'no byte rate')
  t.equal(wavSeconds(Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEdata', 'latin1'), Buffer.from([4, 0, 0, 0, 1, 2, 3, 4])])), undefined, 'data before fmt')
})

t.test('wavSeconds: a header cut inside its fmt chunk is not a WAV, not a crash', async (t) => {
  const head = riff(32000, ['data', Buffer.alloc(0)])
  for (const length of [28, 29, 30, 31]) t.equal(wavSeconds(head.subarray(0, length)), undefined, `${length} bytes`)
})

t.test("audioSeconds: Puter's duration, whisper's usage, the WAV header, else 16,000 bytes a second", async (t) => {
  const wav = makeWav({ seconds: 2 })
  t.equal(audioSeconds({ text: 'x', duration: 12.5 }, wav), 12.5, 'verbose_json duration first')
  t.equal(audioSeconds({ text: 'x', usage: { type: 'duration', seconds: 9 } }, wav), 9, "whisper's usage")
  t.equal(audioSeconds({ text: 'x', usage: { type: 'tokens', input_tokens: 50 } }, wav), 2, 'token usage says nothing of seconds: the header')
  t.equal(audioSeconds('plain text', wav), 2)
  t.equal(audioSeconds({ duration: 0 }, Buffer.alloc(48_001)), 4, 'not a WAV: ⌈48,001 / 16,000⌉')
  t.equal(audioSeconds(null, Buffer.alloc(10)), 1, 'at least one second')
})

t.test('transcriptionAnswer: JSON for json and verbose_json, text for text, srt and vtt', async (t) => {
  t.same(transcriptionAnswer({ text: 'hi', usage: { type: 'tokens' } }, 'json'), { json: { text: 'hi', usage: { type: 'tokens' } } }, "Puter's object as it is")
  t.same(transcriptionAnswer('hi', 'json'), { json: { text: 'hi' } }, 'a string wrapped')
  t.same(transcriptionAnswer({ text: 'hi', duration: 1 }, 'verbose_json'), { json: { text: 'hi', duration: 1 } })
  t.same(transcriptionAnswer('1\n00:00:00,000 --> 00:00:01,000\nhi\n\n', 'srt'), { text: '1\n00:00:00,000 --> 00:00:01,000\nhi\n\n' })
  t.same(transcriptionAnswer({ text: 'hi' }, 'text'), { text: 'hi' }, "an object's text for text")
  for (const [result, format] of [[{ nothing: 1 }, 'text'], [null, 'json'], [42, 'vtt'], [{ text: 5 }, 'srt']] as const) {
    const err = thrown(() => transcriptionAnswer(result, format))
    t.ok(err instanceof errors.UpstreamFailed, `${JSON.stringify(result)} as ${format}: UpstreamFailed`)
    t.match(err, { statusCode: 502, message: /without its text/ })
  }
})
