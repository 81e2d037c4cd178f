// POST /v1/audio/speech, /v1/audio/transcriptions and /v1/audio/translations on the fake Puter: the arguments Puter gets
// (provider, model or engine, voice; the upload as a data URL under a normalised MIME type), the audio and text that
// come back, the checks made before Puter is called, a speech answer broken off mid-way over a real socket, a key's
// settings, and the characters, seconds and estimated cost counted in usage.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { setupWithKey, type Setup } from '../../helper.ts'
import { OPENAI_TTS_VOICES } from '../../fake-puter/media-catalog.ts'
import { makeWav, wavDurationSeconds } from '../../fixtures/media.ts'

type S = Setup & { cookie: string, key: string, keyId: string }

const speech = (s: S, payload: object, key = s.key) =>
  s.app.inject({ method: 'POST', url: '/v1/audio/speech', headers: { authorization: `Bearer ${key}` }, payload })

interface Upload { data: Buffer, filename?: string, type?: string, field?: string }

/** A multipart/form-data body: text fields in order, then the file (when given). */
function form (fields: Array<[string, string]>, file?: Upload) {
  const boundary = '----pks-test-boundary-7d1f'
  const parts: Buffer[] = fields.map(([name, value]) => Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  if (file) {
    const filename = file.filename === undefined ? '' : `; filename="${file.filename}"`
    const type = file.type === undefined ? '' : `content-type: ${file.type}\r\n`
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${file.field ?? 'file'}"${filename}\r\n${type}\r\n`), file.data, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

const WAV3 = makeWav({ seconds: 3 })

/** A silent 16 kHz mono WAV of `seconds`, quicker to make than a tone (32,000 bytes a second). */
function silentWav (seconds: number): Buffer {
  const wav = Buffer.concat([makeWav({ seconds: 0 }), Buffer.alloc(seconds * 32000)])
  wav.writeUInt32LE(wav.length - 8, 4)
  wav.writeUInt32LE(seconds * 32000, 40)
  return wav
}
const wavFile = (extra: Partial<Upload> = {}): Upload => ({ data: WAV3, filename: 'hello.wav', type: 'audio/wav', ...extra })

/** A multipart request to the route; `file` null sends none. */
function transcribe (s: S, fields: Array<[string, string]>, file: Upload | null = wavFile(), opts: { key?: string, translate?: boolean } = {}) {
  const body = form(fields, file ?? undefined)
  return s.app.inject({
    method: 'POST',
    url: opts.translate ? '/v1/audio/translations' : '/v1/audio/transcriptions',
    headers: { authorization: `Bearer ${opts.key ?? s.key}`, 'content-type': body.contentType },
    payload: body.payload
  })
}

/** The driver calls of an interface that reached Puter since `from` (an index into fake.calls). */
const callsOf = (s: S, iface: string, from = 0) =>
  s.fake.calls.slice(from).filter((c) => c.path === '/drivers/call' && c.body?.interface === iface)

async function newKey (s: S, settings: object = {}) {
  const res = await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie: s.cookie }, payload: settings })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json() as { id: string, key: string }
}

async function usageByModel (s: S, keyId: string) {
  const res = await s.app.inject({ url: `/v1/usage?group_by=model&key_id=${keyId}`, headers: { cookie: s.cookie } })
  if (res.statusCode !== 200) throw new Error(res.body)
  return Object.fromEntries(res.json().data.map((row: { model: string }) => [row.model, row]))
}

/** The fake's speech length: 0.05 s a character, at least 0.25 s. */
const fakeSeconds = (text: string) => Math.max(0.25, Math.round(text.length * 5) / 100)

t.test('speech', async (t) => {
  const s: S = await setupWithKey(t)

  t.test("OpenAI's models go to Puter's openai provider with model, voice, text and format", async (t) => {
    for (const [model, voice] of [['tts-1', 'alloy'], ['tts-1-hd', 'nova'], ['gpt-4o-mini-tts', 'cedar']]) {
      const from = s.fake.calls.length
      const res = await speech(s, { model, voice, input: `Hello from ${model}` })
      t.equal(res.statusCode, 200, `${model}: 200`)
      t.equal(res.headers['content-type'], 'audio/mpeg', `${model}: mp3 by default`)
      t.equal(res.headers['cache-control'], 'no-store')
      t.equal(res.rawPayload.subarray(0, 3).toString('latin1'), 'ID3', `${model}: an MP3 with its ID3 tag`)
      t.ok(res.rawPayload.includes(Buffer.from(`Hello from ${model}`)), `${model}: the fake's audio of this text`)
      const [call] = callsOf(s, 'puter-tts', from)
      t.match(call.body, { driver: 'ai-tts', method: 'synthesize' })
      t.same(call.body.args, { model, text: `Hello from ${model}`, provider: 'openai', voice, response_format: 'mp3' }, `${model}: Puter's arguments`)
    }
    const from = s.fake.calls.length
    t.equal((await speech(s, { model: 'gpt-4o-mini-tts', voice: 'coral', input: 'calm', instructions: 'Speak calmly.' })).statusCode, 200)
    t.equal(callsOf(s, 'puter-tts', from)[0].body.args.instructions, 'Speak calmly.', 'instructions forwarded')
  })

  t.test('each response_format: its Content-Type and real bytes of it', async (t) => {
    const input = 'The quick brown fox jumps.'
    const cases: Array<[string, string, (b: Buffer) => boolean]> = [
      ['mp3', 'audio/mpeg', (b) => b.subarray(0, 3).toString('latin1') === 'ID3'],
      ['wav', 'audio/wav', (b) => wavDurationSeconds(b) === fakeSeconds(input)],
      ['pcm', 'audio/pcm', (b) => b.length === Math.round(fakeSeconds(input) * 24000) * 2],
      ['opus', 'audio/opus', (b) => b.subarray(0, 4).toString('latin1') === 'OggS'],
      ['flac', 'audio/flac', (b) => b.subarray(0, 4).toString('latin1') === 'fLaC'],
      ['aac', 'audio/aac', (b) => b[0] === 0xff && b[1] === 0xf1]
    ]
    for (const [format, type, check] of cases) {
      const res = await speech(s, { model: 'tts-1', voice: 'echo', input, response_format: format })
      t.equal(res.statusCode, 200, `${format}: 200`)
      t.equal(res.headers['content-type'], type, `${format}: ${type}`)
      t.ok(check(res.rawPayload), `${format}: the bytes are ${format}`)
    }
    const wav = await speech(s, { model: 'tts-1', voice: 'echo', input: 'x'.repeat(60), response_format: 'wav' })
    t.equal(wavDurationSeconds(wav.rawPayload), 3, 'a WAV of 60 characters lasts the fake\'s 3 s')
  })

  t.test('other providers: aws-polly/<engine> as engine, <provider>/<model> as model', async (t) => {
    for (const [model, voice, expected] of [
      ['aws-polly/neural', 'Joanna', { engine: 'neural', provider: 'aws-polly' }],
      ['aws-polly/standard', 'Matthew', { engine: 'standard', provider: 'aws-polly' }],
      ['elevenlabs/some-model', '21m00Tcm4TlvDq8ikWAM', { model: 'some-model', provider: 'elevenlabs' }],
      ['gemini/gemini-2.5-flash-preview-tts', 'Kore', { model: 'gemini-2.5-flash-preview-tts', provider: 'gemini' }]
    ] as const) {
      const from = s.fake.calls.length
      const res = await speech(s, { model, voice, input: 'Hi there' })
      t.equal(res.statusCode, 200, `${model}: 200`)
      t.equal(res.headers['content-type'], 'audio/mpeg')
      t.same(callsOf(s, 'puter-tts', from)[0].body.args, { ...expected, text: 'Hi there', voice, response_format: 'mp3' }, `${model}: Puter's arguments`)
    }
  })

  t.test('refused before Puter is called, naming the field', async (t) => {
    const from = s.fake.calls.length
    const tts1Voices = OPENAI_TTS_VOICES.filter((v) => !v.models).map((v) => v.id).join(', ')
    const cases: Array<[string, object, string, RegExp?]> = [
      ['a voice OpenAI does not have', { model: 'tts-1', voice: 'robot', input: 'x' }, 'voice', new RegExp(`'robot' is not one of tts-1's: ${tts1Voices}\\.`)],
      ['a gpt-4o-mini-tts voice with tts-1', { model: 'tts-1', voice: 'cedar', input: 'x' }, 'voice', /'cedar' is not one of tts-1's/],
      ['a gpt-4o-mini-tts voice with tts-1-hd', { model: 'tts-1-hd', voice: 'marin', input: 'x' }, 'voice', /'marin' is not one of tts-1-hd's/],
      ['input over 4096 characters', { model: 'tts-1', voice: 'alloy', input: 'x'.repeat(4097) }, 'input'],
      ['an empty input', { model: 'tts-1', voice: 'alloy', input: '' }, 'input'],
      ['speed 1.5', { model: 'tts-1', voice: 'alloy', input: 'x', speed: 1.5 }, 'speed', /speed is not supported/],
      ['speed 0.25', { model: 'tts-1', voice: 'alloy', input: 'x', speed: 0.25 }, 'speed', /speed is not supported/],
      ['speed 5 (out of range)', { model: 'tts-1', voice: 'alloy', input: 'x', speed: 5 }, 'speed'],
      ['stream_format sse', { model: 'tts-1', voice: 'alloy', input: 'x', stream_format: 'sse' }, 'stream_format', /'sse' is not supported/],
      ['an unknown format', { model: 'tts-1', voice: 'alloy', input: 'x', response_format: 'ogg' }, 'response_format'],
      ['an unknown model', { model: 'foo', voice: 'alloy', input: 'x' }, 'model', /Unknown speech model 'foo': use gpt-4o-mini-tts, tts-1, tts-1-hd, or <provider>\/<model> with a provider of Puter's \(aws-polly, elevenlabs, gemini, xai, speechify\)/],
      ['an unknown provider', { model: 'acme/tts', voice: 'alloy', input: 'x' }, 'model', /Unknown speech model 'acme\/tts'/],
      ['a provider without model', { model: 'elevenlabs/', voice: 'alloy', input: 'x' }, 'model', /Unknown speech model/],
      ['no voice', { model: 'tts-1', input: 'x' }, 'voice'],
      ['no model', { voice: 'alloy', input: 'x' }, 'model']
    ]
    for (const [name, payload, param, message] of cases) {
      const res = await speech(s, payload)
      t.equal(res.statusCode, 400, `${name}: 400`)
      t.match(res.json(), { error: { type: 'invalid_request_error', param, message: message ?? String } }, `${name}: param ${param}`)
    }
    t.equal(callsOf(s, 'puter-tts', from).length, 0, 'nothing reached Puter')
    for (const ok of [{ speed: 1 }, { stream_format: 'audio' }, { input: 'y'.repeat(4096), response_format: 'opus' }]) {
      t.equal((await speech(s, { model: 'tts-1', voice: 'alloy', input: 'x', ...ok })).statusCode, 200, `${JSON.stringify(ok).slice(0, 40)}: accepted`)
    }
  })

  t.test("Puter's answers without audio and its failures: OpenAI-shape errors, never bytes", async (t) => {
    const cases = [
      ['a JSON result (a link to a sample)', { kind: 'result', result: { url: 'https://puter-sample-data.puter.site/tts_example.mp3', content_type: 'audio' } }, 502, { type: 'api_error', code: 'upstream_error', message: /without audio/ }],
      ['400 field_invalid', { kind: 'error', status: 400, code: 'field_invalid', message: 'Invalid voice: x. Expected: a', extra: { key: 'voice' } }, 400, { code: 'field_invalid', param: 'voice', message: /Invalid voice/ }],
      ['402 insufficient_funds', { kind: 'error', status: 402, code: 'insufficient_funds', message: 'Available funding is insufficient for this request.' }, 402, { code: 'insufficient_quota' }],
      ['500', { kind: 'error', status: 500, code: 'internal_error', message: 'boom' }, 502, { code: 'upstream_error' }],
      ['a dropped connection', { kind: 'destroy' }, 502, { code: 'upstream_unreachable' }]
    ] as const
    for (const [name, behaviour, status, error] of cases) {
      s.fake.enqueue(behaviour as never)
      const res = await speech(s, { model: 'tts-1', voice: 'alloy', input: 'x' })
      t.equal(res.statusCode, status, `${name}: ${status}`)
      t.match(res.headers['content-type'], /^application\/json/, `${name}: JSON, not audio`)
      t.match(res.json(), { error }, name)
    }
    const polly = await speech(s, { model: 'aws-polly/turbo', voice: 'Joanna', input: 'x' })
    t.equal(polly.statusCode, 400, "an engine Puter's provider does not have is Puter's to refuse")
    t.match(polly.json(), { error: { message: /Invalid engine: turbo/ } })
  })

  t.test('usage: characters spoken and their cost at the model\'s price per character', async (t) => {
    const k = await newKey(s)
    const input = 'a'.repeat(1000)
    for (const model of ['tts-1', 'tts-1', 'tts-1-hd']) t.equal((await speech(s, { model, voice: 'alloy', input }, k.key)).statusCode, 200)
    t.equal((await speech(s, { model: 'tts-1', voice: 'bad', input }, k.key)).statusCode, 400)
    const usage = await usageByModel(s, k.id)
    t.match(usage['tts-1'], { requests: 3, errors: 1, speechCharacters: 2000, costUsd: 2000 * 15 / 1e6 }, 'tts-1: $15 per million characters; the refused one counts nothing')
    t.match(usage['tts-1-hd'], { requests: 1, errors: 0, speechCharacters: 1000, costUsd: 1000 * 30 / 1e6 }, 'tts-1-hd: $30 per million')
  })
})

t.test('speech that Puter breaks off mid-audio, over a real socket: the client sees it cut, the server stays healthy', async (t) => {
  const s: S = await setupWithKey(t)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`
  const k = await newKey(s)
  const post = (body: object) => fetch(`${base}/v1/audio/speech`, { method: 'POST', headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const input = 'x'.repeat(200) // 10 s of WAV at 24 kHz: 480,044 bytes
  const full = await post({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' })
  const whole = Buffer.from(await full.arrayBuffer())
  t.equal(wavDurationSeconds(whole), 10)

  s.fake.enqueue({ kind: 'audio-break', afterBytes: 5000 })
  const broken = await post({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' })
  t.equal(broken.status, 200, 'the headers went out before the break')
  t.equal(broken.headers.get('content-type'), 'audio/wav')
  let received = 0
  let failed: unknown
  const reader = broken.body!.getReader()
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) received += r.value.length
  } catch (err) {
    failed = err
  }
  t.ok(failed !== undefined, 'reading the body fails: the chunked answer never ends properly')
  t.ok(received < whole.length, `cut short (${received} of ${whole.length} bytes)`)

  const next = await post({ model: 'tts-1', voice: 'alloy', input: 'again', response_format: 'wav' })
  t.equal(next.status, 200, 'the next request is answered')
  t.equal(wavDurationSeconds(Buffer.from(await next.arrayBuffer())), fakeSeconds('again'))
  await new Promise((resolve) => setTimeout(resolve, 50))
  const usage = await usageByModel(s, k.id)
  t.match(usage['tts-1'], { requests: 3, errors: 1 }, 'the broken answer counts as an error')
  const recent = (await s.app.inject({ url: `/v1/keys/${k.id}/requests`, headers: { cookie: s.cookie } })).json().data
  t.match(recent[1], { route: 'POST /v1/audio/speech', status: 200, errorCode: 'upstream_error' }, 'a 200 that broke off: upstream_error')
})

t.test('transcriptions and translations', async (t) => {
  const s: S = await setupWithKey(t)

  t.test('the default models; the file goes to Puter as a data URL; the answer is JSON', async (t) => {
    let from = s.fake.calls.length
    const res = await transcribe(s, [])
    t.equal(res.statusCode, 200, res.body)
    t.match(res.headers['content-type'], /^application\/json/)
    t.match(res.json(), { text: 'Fake transcript of 3 seconds of audio/wav.' })
    let [call] = callsOf(s, 'puter-speech2txt', from)
    t.match(call.body, { driver: 'ai-speech2txt', method: 'transcribe' })
    const { file, ...args } = call.body.args
    t.same(args, { model: 'gpt-4o-mini-transcribe', provider: 'openai', response_format: 'json' })
    t.equal(file, `data:audio/wav;base64,${WAV3.toString('base64')}`, 'the whole file, base64')

    from = s.fake.calls.length
    const tr = await transcribe(s, [], wavFile(), { translate: true })
    t.equal(tr.statusCode, 200, tr.body)
    t.match(tr.json(), { text: 'Fake translation of 3 seconds of audio/wav.' })
    ;[call] = callsOf(s, 'puter-speech2txt', from)
    t.match(call.body, { method: 'translate', args: { model: 'whisper-1', provider: 'openai', response_format: 'json' } })
  })

  t.test('the MIME type Puter gets: normalised, or from the file name', async (t) => {
    const cases: Array<[string | undefined, string, string]> = [
      ['audio/x-wav', 'a.wav', 'audio/wav'],
      ['audio/wave', 'a.wav', 'audio/wav'],
      ['audio/x-m4a', 'a.m4a', 'audio/mp4'],
      ['audio/mp3', 'a.mp3', 'audio/mpeg'],
      ['audio/mpeg', 'a.mp3', 'audio/mpeg'],
      ['video/webm', 'a.webm', 'audio/webm'],
      ['audio/ogg; codecs=opus', 'a.ogg', 'audio/ogg'],
      ['application/octet-stream', 'a.wav', 'audio/wav'],
      ['application/octet-stream', 'clip.FLAC', 'audio/flac']
    ]
    for (const [type, filename, sent] of cases) {
      const from = s.fake.calls.length
      const res = await transcribe(s, [], wavFile({ type, filename }))
      t.equal(res.statusCode, 200, `${type} ${filename}: 200`)
      t.match(callsOf(s, 'puter-speech2txt', from)[0].body.args.file, new RegExp(`^data:${sent};base64,`), `${type} ${filename}: sent as ${sent}`)
    }
  })

  t.test('a file part without a Content-Type is judged by its name', async (t) => {
    const from = s.fake.calls.length
    const res = await transcribe(s, [], wavFile({ type: undefined, filename: 'voice.m4a' }))
    t.equal(res.statusCode, 200, res.body)
    t.match(callsOf(s, 'puter-speech2txt', from)[0]?.body.args.file, /^data:audio\/mp4;base64,/)
  })

  t.test('refused before Puter is called, naming the field', async (t) => {
    const from = s.fake.calls.length
    const cases: Array<[string, Array<[string, string]>, Upload | null, number, object]> = [
      ['a text file', [], { data: Buffer.from('hello'), filename: 'a.txt', type: 'text/plain' }, 400, { param: 'file', message: /Unsupported file type text\/plain \(a\.txt\)/ }],
      ['octet-stream named .txt', [], { data: WAV3, filename: 'a.txt', type: 'application/octet-stream' }, 400, { param: 'file', message: /flac, m4a, mp3/ }],
      ['no file', [['model', 'whisper-1']], null, 400, { param: 'file', message: /the audio file is missing/ }],
      ['an empty file', [], { data: Buffer.alloc(0), filename: 'a.wav', type: 'audio/wav' }, 400, { param: 'file' }],
      ['a file in another field', [], { ...wavFile(), field: 'audio' }, 400, { param: 'file', message: /one file only, in the field `file`/ }],
      ['srt from gpt-4o-mini-transcribe', [['response_format', 'srt']], wavFile(), 400, { param: 'response_format', message: /gpt-4o-mini-transcribe answers json, text; for srt, use whisper-1/ }],
      ['an unknown format', [['response_format', 'xml']], wavFile(), 400, { param: 'response_format' }],
      ['timestamps without verbose_json', [['model', 'whisper-1'], ['timestamp_granularities[]', 'word']], wavFile(), 400, { param: 'timestamp_granularities' }],
      ['timestamps from another model', [['response_format', 'json'], ['timestamp_granularities[]', 'word']], wavFile(), 400, { param: 'timestamp_granularities' }],
      ['an unknown granularity', [['model', 'whisper-1'], ['response_format', 'verbose_json'], ['timestamp_granularities[]', 'char']], wavFile(), 400, { param: 'timestamp_granularities[].0' }],
      ["temperature 'hot'", [['temperature', 'hot']], wavFile(), 400, { param: 'temperature' }],
      ['temperature 2', [['temperature', '2']], wavFile(), 400, { param: 'temperature' }],
      ['stream=true', [['stream', 'true']], wavFile(), 400, { param: 'stream', message: /stream is not supported/ }],
      ['an unknown model', [['model', 'whisper-2']], wavFile(), 400, { param: 'model', message: /Unknown transcription model 'whisper-2'/ }],
      ['a prompt to the diarize model', [['model', 'gpt-4o-transcribe-diarize'], ['prompt', 'names']], wavFile(), 400, { param: 'prompt' }]
    ]
    for (const [name, fields, file, status, error] of cases) {
      const res = await transcribe(s, fields, file)
      t.equal(res.statusCode, status, `${name}: ${status}`)
      t.match(res.json(), { error: { type: 'invalid_request_error', ...error } }, name)
    }
    const tr = await transcribe(s, [['model', 'gpt-4o-transcribe']], wavFile(), { translate: true })
    t.equal(tr.statusCode, 400, 'a translation with gpt-4o-transcribe')
    t.match(tr.json(), { error: { param: 'model', message: /Translations use whisper-1 only \(got 'gpt-4o-transcribe'\)/ } })
    const json = await s.app.inject({ method: 'POST', url: '/v1/audio/transcriptions', headers: { authorization: `Bearer ${s.key}` }, payload: { model: 'whisper-1' } })
    t.equal(json.statusCode, 400, 'a JSON body')
    t.match(json.json(), { error: { param: 'file', message: /multipart\/form-data/ } })
    t.equal(callsOf(s, 'puter-speech2txt', from).length, 0, 'nothing reached Puter')
  })

  t.test('a file over 25 MB: 413 in OpenAI\'s shape; one just under it goes through', async (t) => {
    const from = s.fake.calls.length
    const big = await transcribe(s, [], { data: Buffer.alloc(25 * 1024 * 1024 + 1), filename: 'big.wav', type: 'audio/wav' })
    t.equal(big.statusCode, 413)
    t.match(big.json(), { error: { type: 'invalid_request_error', code: 'file_too_large', message: /at most 25 MB/ } })
    t.equal(callsOf(s, 'puter-speech2txt', from).length, 0)
    // Over BODY_LIMIT_MB (20) but within the 25 MB the route promises.
    const ok = await transcribe(s, [], { data: silentWav(660), filename: 'long.wav', type: 'audio/wav' })
    t.equal(ok.statusCode, 200, ok.body.slice(0, 200))
    t.match(ok.json(), { text: 'Fake transcript of 660 seconds of audio/wav.' })
  })

  t.test('response formats: text, srt and vtt as text/plain; json and verbose_json as JSON, with words when asked', async (t) => {
    for (const [format, expected] of [
      ['text', 'Fake transcript of 3 seconds of audio/wav.'],
      ['srt', '1\n00:00:00,000 --> 00:00:03,000\nFake transcript of 3 seconds of audio/wav.\n\n'],
      ['vtt', 'WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nFake transcript of 3 seconds of audio/wav.\n\n']
    ]) {
      const res = await transcribe(s, [['model', 'whisper-1'], ['response_format', format]])
      t.equal(res.statusCode, 200, `${format}: 200`)
      t.equal(res.headers['content-type'], 'text/plain; charset=utf-8', `${format}: text/plain`)
      t.equal(res.body, expected, `${format}: the text as Puter gave it`)
    }
    const from = s.fake.calls.length
    const verbose = await transcribe(s, [['model', 'whisper-1'], ['response_format', 'verbose_json'], ['timestamp_granularities[]', 'word'], ['timestamp_granularities[]', 'segment'], ['temperature', '0.2'], ['language', 'en'], ['prompt', 'A test.']])
    t.equal(verbose.statusCode, 200, verbose.body)
    const v = verbose.json()
    t.match(v, { task: 'transcribe', duration: 3, text: 'Fake transcript of 3 seconds of audio/wav.', segments: [{ start: 0, end: 3 }] })
    t.same(v.words.map((w: { word: string }) => w.word), ['Fake', 'transcript', 'of', '3', 'seconds', 'of', 'audio/wav'], "Puter's words")
    t.same(v.words[0], { word: 'Fake', start: 0, end: 0.43 }, '3 s over 7 words')
    const { file: _file, ...args } = callsOf(s, 'puter-speech2txt', from)[0].body.args
    t.same(args, { model: 'whisper-1', provider: 'openai', response_format: 'verbose_json', language: 'en', prompt: 'A test.', temperature: 0.2, timestamp_granularities: ['word', 'segment'] }, 'forwarded, temperature as a number')
    const plain = await transcribe(s, [['response_format', 'text']])
    t.equal(plain.body, 'Fake transcript of 3 seconds of audio/wav.', 'gpt-4o-mini-transcribe answers text too')
  })

  t.test("Puter's failures and a result without text", async (t) => {
    const cases = [
      ['402', { kind: 'error', status: 402, code: 'insufficient_funds', message: 'no funds' }, 402, { code: 'insufficient_quota' }],
      ['400 bad_request', { kind: 'error', status: 400, code: 'bad_request', message: 'Unsupported model: x' }, 400, { message: /Unsupported model: x/ }],
      ['a result without text', { kind: 'result', result: { nothing: true } }, 502, { code: 'upstream_error', message: /without its text/ }],
      ['a dropped connection', { kind: 'destroy' }, 502, { code: 'upstream_unreachable' }]
    ] as const
    for (const [name, behaviour, status, error] of cases) {
      s.fake.enqueue(behaviour as never)
      const res = await transcribe(s, [['response_format', 'text']])
      t.equal(res.statusCode, status, `${name}: ${status}`)
      t.match(res.json(), { error }, name)
    }
  })

  t.test("usage: seconds of audio and their cost at the model's price per minute", async (t) => {
    const k = await newKey(s)
    t.equal((await transcribe(s, [], wavFile(), { key: k.key })).statusCode, 200)
    t.equal((await transcribe(s, [['response_format', 'text']], wavFile(), { key: k.key })).statusCode, 200)
    t.equal((await transcribe(s, [['model', 'whisper-1'], ['response_format', 'verbose_json']], { data: makeWav({ seconds: 7 }), filename: 'a.wav', type: 'audio/wav' }, { key: k.key })).statusCode, 200)
    // Not a WAV: Puter's own estimate, 16,000 bytes a second.
    t.equal((await transcribe(s, [], { data: Buffer.alloc(40_000, 1), filename: 'a.mp3', type: 'audio/mpeg' }, { key: k.key, translate: true })).statusCode, 200)
    const usage = await usageByModel(s, k.id)
    t.match(usage['gpt-4o-mini-transcribe'], { requests: 2, errors: 0, audioSeconds: 6, inputTokens: 0 })
    t.equal(Math.round(usage['gpt-4o-mini-transcribe'].costUsd * 1e6), Math.round(3 * 0.003 / 60 * 1e6) * 2, '2 × 3 s at $0.003 a minute')
    t.match(usage['whisper-1'], { requests: 2, audioSeconds: 10 })
    t.equal(Math.round(usage['whisper-1'].costUsd * 1e6), Math.round(7 * 0.006 / 60 * 1e6) + Math.round(3 * 0.006 / 60 * 1e6), '7 s and ⌈40,000 / 16,000⌉ = 3 s at $0.006 a minute')
  })
})

t.test("a key's settings on the audio routes: allowedModels (named, in a multipart body, the default), budget", async (t) => {
  const s: S = await setupWithKey(t)
  const patch = (id: string, payload: object) => s.app.inject({ method: 'PATCH', url: `/v1/keys/${id}`, headers: { cookie: s.cookie }, payload })
  const k = await newKey(s)
  t.equal((await patch(k.id, { allowedModels: ['gpt-*'] })).statusCode, 200)
  const from = s.fake.calls.length
  const refused = [
    ['speech with tts-1', await speech(s, { model: 'tts-1', voice: 'alloy', input: 'x' }, k.key), 'tts-1'],
    ['a transcription with whisper-1', await transcribe(s, [['model', 'whisper-1']], wavFile(), { key: k.key }), 'whisper-1'],
    ['a translation with no model (whisper-1)', await transcribe(s, [], wavFile(), { key: k.key, translate: true }), 'whisper-1']
  ] as const
  for (const [name, res, model] of refused) {
    t.equal(res.statusCode, 403, `${name}: 403`)
    t.match(res.json(), { error: { type: 'permission_error', code: 'model_not_allowed', param: 'model', message: new RegExp(`\`${model}\`.*gpt-\\*`) } }, name)
  }
  t.equal(s.fake.calls.length - from, 0, 'Puter was not called')
  t.equal((await speech(s, { model: 'gpt-4o-mini-tts', voice: 'alloy', input: 'x' }, k.key)).statusCode, 200, 'gpt-4o-mini-tts matches gpt-*')
  t.equal((await transcribe(s, [], wavFile(), { key: k.key })).statusCode, 200, 'the default gpt-4o-mini-transcribe matches gpt-*')

  const whisperOnly = await newKey(s, { allowedModels: ['whisper-1'] })
  const res = await transcribe(s, [], wavFile(), { key: whisperOnly.key })
  t.equal(res.statusCode, 403, 'the default model of transcriptions is not allowed')
  t.match(res.json(), { error: { code: 'model_not_allowed', message: /`gpt-4o-mini-transcribe`/ } })
  t.equal((await transcribe(s, [], wavFile(), { key: whisperOnly.key, translate: true })).statusCode, 200, 'its translations (whisper-1) are')

  // $15 per million characters: 1000 characters of tts-1 spend $0.015.
  const budget = await newKey(s, { budget: { usd: 0.015, period: 'day' } })
  t.equal((await speech(s, { model: 'tts-1', voice: 'alloy', input: 'b'.repeat(1000) }, budget.key)).statusCode, 200)
  const over = await transcribe(s, [], wavFile(), { key: budget.key })
  t.equal(over.statusCode, 429)
  t.match(over.json(), { error: { code: 'insufficient_quota' } })
  const rpm = await newKey(s, { limits: { rpm: 1 } })
  t.equal((await transcribe(s, [], wavFile(), { key: rpm.key })).statusCode, 200)
  const second = await speech(s, { model: 'tts-1', voice: 'alloy', input: 'x' }, rpm.key)
  t.equal(second.statusCode, 429)
  t.match(second.json(), { error: { code: 'rate_limit_exceeded' } })
})
