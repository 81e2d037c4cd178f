// The fake Puter's media drivers (/work/shared/puter-api.md §5, api-surfaces.md §3): puter-image-generation,
// puter-tts and puter-speech2txt, validated as Puter's drivers do and answered with small but real media (PNG, WAV,
// MP3 frames) that depend on the request, so tests can tell answers apart. server.ts does auth, limits, recording and
// behaviours, then hands a call to `answer`.

import { createHash } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { makePng, makeWav, wavDurationSeconds } from '../fixtures/media.ts'
import {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_TTS_PROVIDER,
  IMAGE_MODELS,
  IMAGE_PROVIDER_DEFAULTS,
  OPENAI_TTS_DEFAULT_MODEL,
  OPENAI_TTS_DEFAULT_VOICE,
  OPENAI_TTS_VOICES,
  OTHER_TTS_VOICES,
  POLLY_DEFAULT_VOICE,
  POLLY_ENGINES,
  POLLY_VOICES,
  STT_DEFAULT_TRANSCRIBE_MODEL,
  STT_DEFAULT_TRANSLATE_MODEL,
  STT_MAX_BYTES,
  STT_MODELS,
  TTS_CONTENT_TYPES,
  TTS_ENGINES,
  TTS_PROVIDER_ALIASES,
  TTS_PROVIDERS,
  publicImageModel,
  resolveImageModel
} from './media-catalog.ts'
import type { ImageModel, ImageRatio, TtsProvider } from './media-catalog.ts'

type Json = Record<string, unknown>

/** An error Puter's v2 error handler would serialize as `{error, message, code, ...extra}`. */
export class PuterHttpError extends Error {
  status: number
  code: string
  extra?: Json
  constructor (status: number, message: string, code: string, extra?: Json) {
    super(message)
    this.status = status
    this.code = code
    this.extra = extra
  }
}

const badRequest = (message: string): PuterHttpError => new PuterHttpError(400, message, 'bad_request')
const fieldRequired = (key: string): PuterHttpError =>
  new PuterHttpError(400, `Missing required field: ${key}`, 'field_required', { key })
const fieldInvalid = (key: string, expected: string, got: unknown, message = `Invalid ${key}: ${String(got)}. Expected: ${expected}`): PuterHttpError =>
  new PuterHttpError(400, message, 'field_invalid', { key, expected, got })

export const IMAGE_INTERFACE = 'puter-image-generation'
export const TTS_INTERFACE = 'puter-tts'
export const STT_INTERFACE = 'puter-speech2txt'

export interface DriverInfo {
  /** The driver's own name, also the `service.name` of its answers. */
  name: string
  /** Other names Puter answers to in the `driver` slot. */
  aliases: readonly string[]
  methods: ReadonlySet<string>
}

/** The media interfaces the fake implements, keyed by interface. */
export const MEDIA_DRIVERS: Readonly<Record<string, DriverInfo>> = {
  [IMAGE_INTERFACE]: {
    name: 'ai-image',
    aliases: ['openai-image-generation', 'gemini-image-generation', 'together-image-generation'],
    methods: new Set(['generate', 'models', 'list'])
  },
  [TTS_INTERFACE]: {
    name: 'ai-tts',
    aliases: ['aws-polly', 'openai-tts', 'elevenlabs-tts', 'gemini-tts', 'xai-tts', 'speechify-tts'],
    methods: new Set(['synthesize', 'list_voices', 'list_engines', 'list'])
  },
  [STT_INTERFACE]: {
    name: 'ai-speech2txt',
    aliases: ['openai-speech2txt'],
    methods: new Set(['transcribe', 'translate', 'list_models', 'list'])
  }
}

const JSON_TYPE = 'application/json; charset=utf-8'
const SAMPLE_IMAGE_URL = 'https://puter-sample-data.puter.site/image_example.png'
const SAMPLE_AUDIO_URL = 'https://puter-sample-data.puter.site/tts_example.mp3'
/** Fake images are this many times smaller than the size asked for (a 1024x1536 request answers 8x12 pixels). */
const IMAGE_SCALE = 128
/** How long the fake takes to say one character. */
const SECONDS_PER_CHAR = 0.05
const TTS_SAMPLE_RATE = 24000
const IMAGE_PATH = /^\/fake-media\/images\/([0-9a-f]{32})\.png$/

/** The image catalogue as the `models` method and /puterai/image/models/details list it: by provider, then id. */
const IMAGE_MODEL_DETAILS = [...IMAGE_MODELS]
  .sort((a, b) => a.provider === b.provider ? a.id.localeCompare(b.id) : a.provider.localeCompare(b.provider))
  .map(publicImageModel)
/** The `list` method and /puterai/image/models: sorted puterIds. */
const IMAGE_MODEL_NAMES = IMAGE_MODELS.map((m) => m.puterId).sort()

function isObject (v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function sendJson (res: ServerResponse, body: unknown): void {
  const payload = JSON.stringify(body)
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(payload) })
  res.end(payload)
}

const sha256 = (s: string | Buffer): Buffer => createHash('sha256').update(s).digest()
const round2 = (n: number): number => Math.round(n * 100) / 100

// --- Audio --------------------------------------------------------------------------------------------------------

const speechSeconds = (text: string): number => Math.max(0.25, text.length * SECONDS_PER_CHAR)

function syncsafe (n: number): Buffer {
  return Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f])
}

function id3TextFrame (id: string, text: string): Buffer {
  const data = Buffer.concat([Buffer.from([3]), Buffer.from(text, 'utf8')]) // 3 = UTF-8
  return Buffer.concat([Buffer.from(id, 'ascii'), syncsafe(data.length), Buffer.from([0, 0]), data])
}

/** An ID3v2.4 tag (title = the text, artist = the voice) then silent MPEG-1 Layer III frames for the speech's length. */
function mp3Audio (text: string, voice: string): Buffer {
  const frames = Buffer.concat([id3TextFrame('TIT2', text), id3TextFrame('TPE1', voice)])
  const tag = Buffer.concat([Buffer.from('ID3', 'ascii'), Buffer.from([4, 0, 0]), syncsafe(frames.length), frames])
  // 32 kbit/s, 48 kHz, mono, no CRC: 96-byte frames of 1152 samples (24 ms); zero side info decodes as silence.
  const frame = Buffer.alloc(96)
  frame.set([0xff, 0xfb, 0x14, 0xc0])
  const count = Math.ceil(speechSeconds(text) / 0.024)
  return Buffer.concat([tag, ...Array.from({ length: count }, () => frame)])
}

/** A container magic then bytes derived from the text, 4 kB per second of speech. */
function opaqueAudio (magic: Buffer, text: string, voice: string): Buffer {
  const length = Math.ceil(speechSeconds(text) * 4000)
  const seed = sha256(`${voice}\n${text}`)
  const body = Buffer.alloc(length)
  for (let i = 0; i < length; i += seed.length) seed.copy(body, i)
  return Buffer.concat([magic, body])
}

const AUDIO_MAGIC: Readonly<Record<string, Buffer>> = {
  opus: Buffer.from('OggS\0', 'latin1'),
  aac: Buffer.from([0xff, 0xf1, 0x50, 0x80]),
  flac: Buffer.from('fLaC', 'ascii')
}

/** The bytes of `text` said by `voice` in `format` (mp3, wav, pcm, opus, aac or flac). */
function renderSpeech (text: string, voice: string, format: string): Buffer {
  if (format === 'wav' || format === 'pcm') {
    const frequency = 200 + (sha256(voice).readUInt16BE(0) % 400)
    const wav = makeWav({ seconds: speechSeconds(text), sampleRate: TTS_SAMPLE_RATE, frequency })
    return format === 'wav' ? wav : wav.subarray(44)
  }
  const magic = AUDIO_MAGIC[format]
  return magic ? opaqueAudio(magic, text, voice) : mp3Audio(text, voice)
}

interface Speech { contentType: string, audio: Buffer }

/** Writes audio as a chunked body in four pieces. */
function sendAudio (res: ServerResponse, speech: Speech): void {
  res.writeHead(200, { 'content-type': speech.contentType, 'transfer-encoding': 'chunked' })
  const size = Math.ceil(speech.audio.length / 4)
  for (let i = 0; i < speech.audio.length; i += size) res.write(speech.audio.subarray(i, i + size))
  res.end()
}

// --- Speech to text -----------------------------------------------------------------------------------------------

/** The part of a data URL before its comma: `data:<mime>[;<params>]`. */
const DATA_URL_HEADER = /^data:([^;,]+)?(?:;([^,]*))?$/

interface Heard { text: string, seconds: number }

/** fileInput.ts's data URL decoding, with the 25 MB check made before decoding. */
function decodeDataUrl (file: string): { mime: string, bytes: Buffer } {
  const comma = file.indexOf(',')
  const m = comma === -1 ? null : DATA_URL_HEADER.exec(file.slice(0, comma))
  if (!m) throw badRequest('Invalid data URL')
  const base64 = (m[2] ?? '').trim().toLowerCase() === 'base64'
  const payload = file.slice(comma + 1)
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0
  if ((base64 ? Math.floor(payload.length * 3 / 4) - padding : payload.length) > STT_MAX_BYTES) throw badRequest('File too large')
  const bytes = base64 ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload))
  if (bytes.length > STT_MAX_BYTES) throw badRequest('File too large')
  return { mime: m[1] ?? 'application/octet-stream', bytes }
}

/** What the fake model "hears": a WAV's duration, else the size and type of the file. */
function hear (mime: string, bytes: Buffer, translate: boolean): Heard {
  const what = translate ? 'Fake translation' : 'Fake transcript'
  const wavSeconds = wavDurationSeconds(bytes)
  if (wavSeconds !== undefined) {
    return { text: `${what} of ${round2(wavSeconds)} seconds of ${mime}.`, seconds: wavSeconds }
  }
  // Puter's own estimate for billing: 16 kB per second, at least one.
  return { text: `${what} of ${bytes.length} bytes of ${mime}.`, seconds: Math.max(1, Math.ceil(bytes.length / 16000)) }
}

function timestamp (seconds: number, sep: string): string {
  const ms = Math.round(seconds * 1000)
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${pad(Math.floor(ms / 3600000))}:${pad(Math.floor(ms / 60000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`
}

function words (heard: Heard): Json[] {
  const list = heard.text.split(' ')
  const step = heard.seconds / list.length
  return list.map((word, i) => ({ word: word.replace(/[.,]$/, ''), start: round2(i * step), end: round2((i + 1) * step) }))
}

function tokenUsage (heard: Heard, prompt: unknown): Json {
  const audioTokens = Math.max(1, Math.ceil(heard.seconds * 10))
  const textTokens = typeof prompt === 'string' ? Math.ceil(prompt.length / 4) : 0
  const output = Math.max(1, Math.ceil(heard.text.length / 4))
  return {
    type: 'tokens',
    input_tokens: audioTokens + textTokens,
    input_token_details: { text_tokens: textTokens, audio_tokens: audioTokens },
    output_tokens: output,
    total_tokens: audioTokens + textTokens + output
  }
}

/** OpenAI's transcription object in `format` (a string for text, srt and vtt). */
function transcription (heard: Heard, model: string, format: string, args: Json, translate: boolean): unknown {
  const end = round2(heard.seconds)
  const usage = model === 'whisper-1' ? { type: 'duration', seconds: Math.ceil(heard.seconds) } : tokenUsage(heard, args.prompt)
  switch (format) {
    case 'text':
      return heard.text
    case 'srt':
      return `1\n${timestamp(0, ',')} --> ${timestamp(heard.seconds, ',')}\n${heard.text}\n\n`
    case 'vtt':
      return `WEBVTT\n\n${timestamp(0, '.')} --> ${timestamp(heard.seconds, '.')}\n${heard.text}\n\n`
    case 'verbose_json': {
      const granularities = Array.isArray(args.timestamp_granularities) ? args.timestamp_granularities : []
      return {
        task: translate ? 'translate' : 'transcribe',
        language: 'english',
        duration: end,
        text: heard.text,
        segments: [{
          id: 0,
          seek: 0,
          start: 0,
          end,
          text: ` ${heard.text}`,
          tokens: [],
          temperature: 0,
          avg_logprob: -0.25,
          compression_ratio: 1.1,
          no_speech_prob: 0.01
        }],
        ...(granularities.includes('word') ? { words: words(heard) } : {}),
        usage
      }
    }
    case 'diarized_json':
      return {
        task: 'transcribe',
        duration: end,
        text: heard.text,
        segments: [{ type: 'transcript.text.segment', id: 'seg_0', start: 0, end, text: heard.text, speaker: 'A' }],
        usage
      }
    default:
      return { text: heard.text, usage }
  }
}

// --- The drivers --------------------------------------------------------------------------------------------------

export interface MediaDrivers {
  /** Answers one admitted call of a media interface; throws PuterHttpError for Puter's 4xx answers. */
  answer (res: ServerResponse, iface: string, method: string, args: Json, driver: string | undefined): void
  /** The `audio-break` behaviour: headers and the first `afterBytes` bytes of the TTS answer, then a dead socket. */
  breakAudio (res: ServerResponse, args: Json, afterBytes: number): void
  /** Serves `GET /fake-media/images/<id>.png`; false when `path` is not such a URL. */
  serveImage (res: ServerResponse, path: string): boolean
  /** Forgets generated images. */
  reset (): void
}

/** Media drivers whose URL-answering image models point at `baseUrl()` (the fake's own address). */
export function createMediaDrivers (baseUrl: () => string): MediaDrivers {
  const images = new Map<string, Buffer>()

  // --- puter-image-generation

  /** ImageGenerationDriver.generate's model choice: `model`, else the (driver-named) provider's default. */
  function pickImageModel (args: Json, driver: string | undefined): ImageModel {
    const rawProvider = typeof args.provider === 'string' && args.provider !== '' ? args.provider : driver !== 'ai-image' ? driver : undefined
    const provider = rawProvider === undefined || rawProvider.endsWith('-image-generation') ? rawProvider : `${rawProvider}-image-generation`
    let name = typeof args.model === 'string' ? args.model.trim() : ''
    if (name === '') name = provider === undefined ? DEFAULT_IMAGE_MODEL : IMAGE_PROVIDER_DEFAULTS[provider] ?? ''
    if (name === '') throw badRequest('Missing `model`')
    const model = resolveImageModel(name, provider)
    if (!model) throw badRequest(`Model not found: ${String(args.model)}`)
    return model
  }

  /** `ratio`, else `width`+`height`, else `aspect_ratio` "W:H"; snapped to the model's first ratio when not allowed. */
  function pickRatio (model: ImageModel, args: Json): ImageRatio {
    let ratio: ImageRatio | undefined
    if (isObject(args.ratio)) ratio = { w: Number(args.ratio.w), h: Number(args.ratio.h) }
    else if (typeof args.width === 'number' && typeof args.height === 'number') ratio = { w: args.width, h: args.height }
    else if (typeof args.aspect_ratio === 'string' && args.aspect_ratio.includes(':')) {
      const [w, h] = args.aspect_ratio.split(':').map(Number)
      ratio = { w, h }
    }
    return model.allowedRatios.find((r) => r.w === ratio?.w && r.h === ratio?.h) ?? model.allowedRatios[0]
  }

  function generateImage (args: Json, driver: string | undefined): string {
    const model = pickImageModel(args, driver)
    if (args.test_mode) return SAMPLE_IMAGE_URL
    if (typeof args.prompt !== 'string' || args.prompt.trim() === '') throw fieldRequired('prompt')
    const ratio = pickRatio(model, args)
    // Quality only chooses the price here (a missing or unknown one becomes the first allowed, i.e. low).
    const digest = sha256(args.prompt)
    const png = makePng(Math.max(1, Math.round(ratio.w / IMAGE_SCALE)), Math.max(1, Math.round(ratio.h / IMAGE_SCALE)), [digest[0], digest[1], digest[2]])
    if (model.output === 'data-url') return `data:image/png;base64,${png.toString('base64')}`
    const id = createHash('sha256').update(`${model.id}\n${ratio.w}x${ratio.h}\n${args.prompt}`).digest('hex').slice(0, 32)
    images.set(id, png)
    return `${baseUrl()}/fake-media/images/${id}.png`
  }

  // --- puter-tts

  /** TTSDriver.#resolveProvider: `provider`, else an `engine` or driver alias naming one, else aws-polly. */
  function ttsProvider (args: Json, driver: string | undefined): TtsProvider {
    const named = (v: unknown): TtsProvider | undefined => typeof v === 'string' ? TTS_PROVIDER_ALIASES[v.trim().toLowerCase()] : undefined
    if (args.provider !== undefined && args.provider !== null && args.provider !== '') {
      const provider = named(args.provider)
      if (!provider) throw fieldInvalid('provider', TTS_PROVIDERS.join(', '), args.provider)
      return provider
    }
    return named(args.engine) ?? named(driver) ?? DEFAULT_TTS_PROVIDER
  }

  function requireText (args: Json): string {
    if (typeof args.text !== 'string' || args.text.trim() === '') throw fieldRequired('text')
    return args.text
  }

  function synthesizeOpenAi (args: Json): Speech {
    const text = requireText(args)
    const engines = TTS_ENGINES.openai.map((e) => e.id)
    const model = typeof args.model === 'string' && args.model !== '' ? args.model : OPENAI_TTS_DEFAULT_MODEL
    if (!engines.includes(model)) throw fieldInvalid('model', engines.join(', '), model)
    const voice = typeof args.voice === 'string' && args.voice !== '' ? args.voice : OPENAI_TTS_DEFAULT_VOICE
    const entry = OPENAI_TTS_VOICES.find((v) => v.id === voice)
    const voiceIds = OPENAI_TTS_VOICES.map((v) => v.id).join(', ')
    if (!entry) throw fieldInvalid('voice', voiceIds, voice)
    if (entry.models && !entry.models.includes(model)) {
      throw fieldInvalid('voice', entry.models.join(', '), voice, `Voice ${voice} is not supported by ${model}. Expected: ${entry.models.join(', ')}`)
    }
    const format = typeof args.response_format === 'string' && TTS_CONTENT_TYPES[args.response_format] ? args.response_format : 'mp3'
    return { contentType: TTS_CONTENT_TYPES[format], audio: renderSpeech(text, `openai:${model}:${voice}`, format) }
  }

  function synthesizePolly (args: Json): Speech {
    const engine = typeof args.engine === 'string' && args.engine !== '' ? args.engine : 'standard'
    if (!POLLY_ENGINES.includes(engine)) {
      throw new PuterHttpError(400, `Invalid engine: ${engine}. Valid engines: ${POLLY_ENGINES.join(', ')}`, 'invalid_engine', { engine, valid_engines: POLLY_ENGINES })
    }
    const text = requireText(args)
    const voice = typeof args.voice === 'string' && args.voice !== '' ? args.voice : POLLY_DEFAULT_VOICE
    return { contentType: 'audio/mpeg', audio: renderSpeech(text, `aws-polly:${engine}:${voice}`, 'mp3') }
  }

  function synthesize (args: Json, driver: string | undefined): Speech {
    const provider = ttsProvider(args, driver)
    if (provider === 'openai') {
      // TTSDriver#providerArgs: on model-based providers a non-provider `engine` is the legacy spelling of `model`.
      const model = args.model ?? (typeof args.engine === 'string' && !TTS_PROVIDER_ALIASES[args.engine] ? args.engine : undefined)
      return synthesizeOpenAi({ ...args, model })
    }
    if (provider === 'aws-polly') return synthesizePolly(args)
    const text = requireText(args)
    const voice = typeof args.voice === 'string' && args.voice !== '' ? args.voice : OTHER_TTS_VOICES[provider][0].id
    return { contentType: 'audio/mpeg', audio: renderSpeech(text, `${provider}:${voice}`, 'mp3') }
  }

  function ttsVoices (provider: TtsProvider): Json[] {
    if (provider === 'openai') {
      const models = TTS_ENGINES.openai.map((e) => e.id)
      return OPENAI_TTS_VOICES.map((v) => ({ id: v.id, name: v.name, language: { name: 'English', code: 'en' }, provider, supported_models: v.models ?? models }))
    }
    if (provider === 'aws-polly') {
      return POLLY_VOICES.map((v) => ({ id: v.id, name: v.id, language: { name: v.language, code: v.code }, provider, supported_engines: v.engines }))
    }
    return OTHER_TTS_VOICES[provider].map((v) => ({ ...v, provider }))
  }

  /** list_voices / list_engines: one provider (default aws-polly) or 'all'. */
  function ttsList (args: Json, driver: string | undefined, list: (p: TtsProvider) => unknown[]): unknown[] {
    if (typeof args.provider === 'string' && args.provider.trim().toLowerCase() === 'all') return TTS_PROVIDERS.flatMap(list)
    return list(ttsProvider(args, driver))
  }

  // --- puter-speech2txt

  function transcribe (args: Json, translate: boolean): unknown {
    const defaultModel = translate ? STT_DEFAULT_TRANSLATE_MODEL : STT_DEFAULT_TRANSCRIBE_MODEL
    const provider = args.provider === undefined || args.provider === null || args.provider === '' ? (args.model === 'xai-stt' ? 'xai' : 'openai') : args.provider
    if (provider !== 'openai' && provider !== 'xai') throw badRequest(`Speech-to-text provider not found: ${String(provider)}. Available: openai, xai`)
    if (args.test_mode) {
      return {
        text: 'Hello! This is a sample transcription returned while test mode is enabled.',
        language: 'en',
        duration_seconds: 2,
        words: [{ start: 0.0, end: 0.5, text: 'Hello' }, { start: 1.1, end: 2.0, text: 'This is a sample transcription.' }],
        model: args.model || defaultModel
      }
    }
    if (args.stream) throw badRequest('Streaming transcription is not yet supported')
    if (args.file === undefined || args.file === null || args.file === '') throw fieldRequired('file')
    if (typeof args.file !== 'string' || !args.file.startsWith('data:')) {
      throw badRequest('The fake Puter only accepts `file` as a data URL (data:<mime>;base64,...)')
    }
    const { mime, bytes } = decodeDataUrl(args.file)
    if (provider === 'xai') {
      // XAISpeechToTextProvider: xAI's own transcript object, whatever the format; translate only transcribes.
      const heard = hear(mime, bytes, false)
      return { text: heard.text, language: 'English', duration: round2(heard.seconds), words: words(heard).map(({ word, ...w }) => ({ text: word, ...w })) }
    }
    const model = typeof args.model === 'string' && args.model !== '' ? args.model : defaultModel
    const caps = STT_MODELS[model]
    if (!caps) throw badRequest(`Unsupported model: ${model}`)
    const format = typeof args.response_format === 'string' && args.response_format !== '' ? args.response_format : undefined
    if (format !== undefined && !caps.responseFormats.includes(format)) {
      throw badRequest(`response_format must be one of: ${caps.responseFormats.join(', ')}`)
    }
    if (args.prompt && !caps.canPrompt) throw badRequest(`prompt is not supported for model ${model}`)
    if (args.logprobs && !caps.canLogprobs) throw badRequest(`logprobs is not supported for model ${model}`)
    return transcription(hear(mime, bytes, translate), model, format ?? (caps.diarization ? 'diarized_json' : 'json'), args, translate)
  }

  function sttModels (): Json[] {
    const xai = { id: 'xai-stt', name: 'xAI Speech to Text', type: 'transcription', response_formats: ['json'], supports_prompt: false, supports_logprobs: false, supports_diarization: true }
    return [...Object.entries(STT_MODELS).map(([id, caps]) => ({
      id,
      name: id,
      type: id === 'whisper-1' ? 'translation' : 'transcription',
      response_formats: caps.responseFormats,
      supports_prompt: caps.canPrompt,
      supports_logprobs: caps.canLogprobs,
      ...(caps.diarization ? { supports_diarization: true } : {}),
      ...(caps.timestampGranularities ? { supports_timestamp_granularities: true } : {})
    })), xai]
  }

  // --- dispatch

  function result (res: ServerResponse, iface: string, value: unknown): void {
    sendJson(res, { success: true, result: value, service: { name: MEDIA_DRIVERS[iface].name } })
  }

  return {
    answer (res, iface, method, args, driver) {
      const call = `${iface}:${method}`
      switch (call) {
        case `${IMAGE_INTERFACE}:generate`: return result(res, iface, generateImage(args, driver))
        case `${IMAGE_INTERFACE}:models`: return result(res, iface, IMAGE_MODEL_DETAILS)
        case `${IMAGE_INTERFACE}:list`: return result(res, iface, IMAGE_MODEL_NAMES)
        case `${TTS_INTERFACE}:synthesize`:
          if (args.test_mode) {
            ttsProvider(args, driver)
            return result(res, iface, { url: SAMPLE_AUDIO_URL, content_type: 'audio' })
          }
          return sendAudio(res, synthesize(args, driver))
        case `${TTS_INTERFACE}:list_voices`: return result(res, iface, ttsList(args, driver, ttsVoices))
        case `${TTS_INTERFACE}:list_engines`: return result(res, iface, ttsList(args, driver, (p) => [...TTS_ENGINES[p]]))
        case `${TTS_INTERFACE}:list`: return result(res, iface, [...TTS_PROVIDERS])
        case `${STT_INTERFACE}:transcribe`: return result(res, iface, transcribe(args, false))
        case `${STT_INTERFACE}:translate`: return result(res, iface, transcribe(args, true))
        case `${STT_INTERFACE}:list_models`: return result(res, iface, sttModels())
        case `${STT_INTERFACE}:list`: return result(res, iface, ['openai', 'xai'])
        default: throw new PuterHttpError(404, `Method '${method}' not found on driver '${iface}'`, 'not_found')
      }
    },

    breakAudio (res, args, afterBytes) {
      const speech = synthesize(args, undefined)
      const part = speech.audio.subarray(0, Math.max(0, Math.floor(afterBytes)))
      res.writeHead(200, { 'content-type': speech.contentType, 'transfer-encoding': 'chunked' })
      const kill = (): void => { res.socket?.destroy() }
      if (part.length > 0) res.write(part, kill)
      else {
        res.flushHeaders()
        setImmediate(kill)
      }
    },

    serveImage (res, path) {
      const m = IMAGE_PATH.exec(path)
      if (!m) return false
      const png = images.get(m[1])
      if (!png) return false
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length })
      res.end(png)
      return true
    },

    reset () {
      images.clear()
    }
  }
}

/** GET /puterai/image/models: sorted puterIds (as /puterai/chat/models lists puterId-or-id). */
export const IMAGE_MODELS_LIST_JSON = JSON.stringify({ models: IMAGE_MODEL_NAMES })
/** GET /puterai/image/models/details: every model, sorted by provider then id. */
export const IMAGE_MODELS_DETAILS_JSON = JSON.stringify({ models: IMAGE_MODEL_DETAILS })
