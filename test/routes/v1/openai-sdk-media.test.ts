// The official `openai` npm SDK as a real client of the media routes, against a listening gateway on the fake Puter:
// images.generate, audio.speech.create (bytes written to a file and read back), audio.transcriptions and translations
// with a WAV uploaded from disk and from memory, its error classes, and the model list with each model's kind.
import t from 'tap'
import { createReadStream } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import OpenAI, { BadRequestError, PermissionDeniedError, toFile } from 'openai'
import { createKey, setup, signIn, tempDir } from '../../helper.ts'
import { IMAGE_MODELS } from '../../fake-puter/media-catalog.ts'
import { PUBLIC_MODEL_DETAILS } from '../../fake-puter/catalog.ts'
import { isPng, makeWav, wavDurationSeconds } from '../../fixtures/media.ts'

/** The rejection of a promise (fails the test when it resolves). */
async function rejection (p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection, got a result')
}

t.test('the openai SDK on the media routes', async (t) => {
  const s = await setup(t)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const baseURL = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}/v1`
  const cookie = await signIn(s.app)
  const key = await createKey(s.app, cookie, 'sdk media')
  const client = new OpenAI({ apiKey: key.key, baseURL, maxRetries: 0, timeout: 10_000 })
  const dir = await tempDir(t)
  const driverCalls = () => s.fake.calls.filter((c) => c.path === '/drivers/call')

  t.test('images.generate: b64_json decodes to a PNG; url gives an address', async (t) => {
    const res = await client.images.generate({ model: 'gpt-image-1-mini', prompt: 'a lighthouse', n: 2, size: '1536x1024', quality: 'low' })
    t.equal(res.data?.length, 2)
    for (const d of res.data!) {
      const png = Buffer.from(d.b64_json!, 'base64')
      t.ok(isPng(png), 'a PNG')
      t.same([png.readUInt32BE(16), png.readUInt32BE(20)], [12, 8], '1536x1024 at the fake\'s 1/128')
    }
    t.equal(res.size, '1536x1024')
    t.equal(res.quality, 'low')
    t.equal(res.output_format, 'png')
    const dalle = await client.images.generate({ model: 'dall-e-3', prompt: 'a lighthouse', response_format: 'url' })
    t.match(dalle.data?.[0].url, /^data:image\/png;base64,/)
    const flux = await client.images.generate({ model: 'black-forest-labs/FLUX.1-schnell', prompt: 'a lighthouse', response_format: 'url' })
    t.match(flux.data?.[0].url, new RegExp(`^${s.fake.url}/fake-media/images/`))
  })

  t.test('audio.speech.create: WAV and MP3 bytes written to disk and read back', async (t) => {
    const input = 'Hello from the SDK test.'
    const wav = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' })
    t.equal(wav.headers.get('content-type'), 'audio/wav')
    const wavPath = join(dir, 'speech.wav')
    await writeFile(wavPath, Buffer.from(await wav.arrayBuffer()))
    t.equal(wavDurationSeconds(await readFile(wavPath)), 1.2, "24 characters at the fake's 0.05 s each")

    const mp3 = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'marin', input, instructions: 'cheerfully' })
    const mp3Path = join(dir, 'speech.mp3')
    await writeFile(mp3Path, Buffer.from(await mp3.arrayBuffer()))
    const bytes = await readFile(mp3Path)
    t.equal(bytes.subarray(0, 3).toString('latin1'), 'ID3', 'an MP3 with its ID3 tag')
    t.ok(bytes.includes(Buffer.from(input)), 'of this text')
    t.match(driverCalls().at(-1)!.body.args, { provider: 'openai', model: 'gpt-4o-mini-tts', voice: 'marin', instructions: 'cheerfully', response_format: 'mp3' })
  })

  t.test('audio.transcriptions.create and translations.create with a WAV from disk and from memory', async (t) => {
    const wavPath = join(dir, 'tone.wav')
    await writeFile(wavPath, makeWav({ seconds: 2 }))
    const json = await client.audio.transcriptions.create({ file: createReadStream(wavPath), model: 'gpt-4o-mini-transcribe' })
    t.equal(json.text, 'Fake transcript of 2 seconds of audio/wav.')
    t.match(driverCalls().at(-1)!.body.args.file, /^data:audio\/wav;base64,UklGR/, 'the SDK names the file tone.wav: sent as audio/wav')

    const text = await client.audio.transcriptions.create({ file: await toFile(makeWav({ seconds: 4 }), 'memo.wav', { type: 'audio/wav' }), model: 'whisper-1', response_format: 'text' })
    t.equal(text, 'Fake transcript of 4 seconds of audio/wav.', 'text comes back as a string')

    const verbose = await client.audio.transcriptions.create({ file: createReadStream(wavPath), model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['word'] })
    t.equal(verbose.duration, 2)
    t.equal(verbose.words?.length, 7)
    t.same(driverCalls().at(-1)!.body.args.timestamp_granularities, ['word'], "the SDK's timestamp_granularities[] reached Puter")

    const translation = await client.audio.translations.create({ file: createReadStream(wavPath), model: 'whisper-1' })
    t.equal(translation.text, 'Fake translation of 2 seconds of audio/wav.')
    t.match(driverCalls().at(-1)!.body, { method: 'translate', args: { model: 'whisper-1' } })
  })

  t.test('error classes: BadRequestError with param for a bad voice, size and file', async (t) => {
    const calls = driverCalls().length
    const voice = await rejection(client.audio.speech.create({ model: 'tts-1', voice: 'cedar', input: 'x' }))
    t.ok(voice instanceof BadRequestError, 'BadRequestError')
    t.match(voice, { status: 400, param: 'voice', type: 'invalid_request_error', message: /'cedar' is not one of tts-1's/ })
    const size = await rejection(client.images.generate({ model: 'gpt-image-1-mini', prompt: 'x', size: '256x256' }))
    t.ok(size instanceof BadRequestError)
    t.match(size, { status: 400, param: 'size', message: /its sizes are 1024x1024, 1024x1536, 1536x1024/ })
    const file = await rejection(client.audio.transcriptions.create({ file: await toFile(Buffer.from('not audio'), 'notes.txt', { type: 'text/plain' }), model: 'whisper-1' }))
    t.ok(file instanceof BadRequestError)
    t.match(file, { status: 400, param: 'file' })
    t.equal(driverCalls().length, calls, 'Puter was not called')
  })

  t.test("/v1/models: every kind, with image sizes, qualities and prices, voices, formats; a key's allowedModels filters them", async (t) => {
    const models = new Map<string, any>()
    for await (const m of client.models.list()) models.set(m.id, m)
    // US cents in Puter's catalogue as USD: low 0.5, medium 1.1, high 5.2.
    t.same([0.5, 1.1, 5.2], ['low:1024x1024', 'medium:1024x1024', 'high:1536x1024'].map((k) => IMAGE_MODELS.find((m) => m.id === 'gpt-image-1-mini')!.costs[k]))
    t.match(models.get('gpt-image-1-mini'), {
      object: 'model',
      kind: 'image',
      owned_by: 'openai-image-generation',
      sizes: ['1024x1024', '1024x1536', '1536x1024'],
      qualities: ['low', 'medium', 'high'],
      pricing: { image: { 'low:1024x1024': '0.005', 'medium:1024x1024': '0.011', 'high:1536x1024': '0.052' } }
    })
    t.ok(['dall-e-2', 'dall-e-3'].every((a) => models.get('gpt-image-1-mini').aliases.includes(a)), 'the dall-e names are its aliases')
    t.same(Object.keys(models.get('gpt-image-1-mini').pricing.image).filter((k) => !k.includes(':')), [], 'only per-image prices, not token rates')
    t.match(models.get('black-forest-labs/FLUX.1-schnell'), { kind: 'image', sizes: ['1024x1024', '1344x768', '768x1344'], pricing: { image: { '1024x1024': '0.003' } } })
    t.notOk('qualities' in models.get('black-forest-labs/FLUX.1-schnell'))
    t.match(models.get('tts-1'), { kind: 'speech', owned_by: 'openai', voices: ['alloy', 'ash', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer'], response_formats: ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'], pricing: { character: '0.000015' } })
    t.match(models.get('tts-1-hd'), { pricing: { character: '0.00003' } })
    t.ok(models.get('gpt-4o-mini-tts').voices.includes('cedar'), 'gpt-4o-mini-tts has the newer voices')
    t.match(models.get('aws-polly/neural'), { kind: 'speech', owned_by: 'aws-polly' })
    t.match(models.get('whisper-1'), { kind: 'transcription', response_formats: ['json', 'text', 'srt', 'verbose_json', 'vtt'], pricing: { audio_second: '0.0001' } })
    t.match(models.get('gpt-4o-mini-transcribe'), { kind: 'transcription', response_formats: ['json', 'text'], pricing: { audio_second: '0.00005' } })
    t.match(models.get('xai-stt'), { kind: 'transcription' })
    t.notOk('pricing' in models.get('xai-stt'), 'no price known for xai-stt')
    t.match(models.get('gpt-4o-mini'), { kind: 'chat' })
    const chatIds = PUBLIC_MODEL_DETAILS.map((m) => m.id)
    t.ok(chatIds.every((id) => models.get(id)?.kind === 'chat'), 'every chat model is kind chat')
    t.equal([...models.values()].filter((m) => m.kind === 'image').length, IMAGE_MODELS.length, "every image model of Puter's catalogue")

    const patched = await s.app.inject({ method: 'PATCH', url: `/v1/keys/${key.id}`, headers: { cookie }, payload: { allowedModels: ['gpt-*', 'whisper-1'] } })
    t.equal(patched.statusCode, 200)
    const allowed = new Map<string, any>()
    for await (const m of client.models.list()) allowed.set(m.id, m)
    const byKind = (kind: string) => [...allowed.values()].filter((m) => m.kind === kind).map((m) => m.id).sort()
    t.same(byKind('image'), ['gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5'])
    t.same(byKind('speech'), ['gpt-4o-mini-tts'])
    t.same(byKind('transcription'), ['gpt-4o-mini-transcribe', 'gpt-4o-transcribe', 'gpt-4o-transcribe-diarize', 'whisper-1'])
    t.ok(byKind('chat').length > 0 && byKind('chat').every((id) => id.startsWith('gpt-')), 'chat models starting gpt- only')
    const refused = await rejection(client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x' }))
    t.ok(refused instanceof PermissionDeniedError, 'PermissionDeniedError for a model outside allowedModels')
    t.match(refused, { status: 403, code: 'model_not_allowed', param: 'model' })
  })
})
