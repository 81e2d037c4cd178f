// @ts-check
// The Playground's media modes (images, speech, transcription and translation): the request each sends, and how
// each one's answer is read and shown as text. Pure: no state, no DOM, no imports.

/** @typedef {'image' | 'speech' | 'transcribe'} MediaMode */
/** @typedef {'chat' | 'image' | 'speech' | 'transcription'} ModelKind */

/**
 * The fields of a model record the media modes read (GET /v1/models marks each model with its kind).
 * @typedef {{ id: string, kind?: string, sizes?: string[], qualities?: string[], voices?: string[], response_formats?: string[] }} MediaModel
 */

/** Labels, paths, the kind of model each mode lists, and the model it starts on when the list has it. */
export const MEDIA_MODES = /** @type {const} */ ({
  image: { label: 'Image', kind: 'image', path: '/v1/images/generations', defaultModel: 'gpt-image-1-mini', action: 'Generate' },
  speech: { label: 'Speech', kind: 'speech', path: '/v1/audio/speech', defaultModel: 'gpt-4o-mini-tts', action: 'Speak' },
  transcribe: { label: 'Transcribe', kind: 'transcription', path: '/v1/audio/transcriptions', defaultModel: 'gpt-4o-mini-transcribe', action: 'Transcribe' }
})

/** Where Translate sends the file instead of /transcriptions. */
export const TRANSLATIONS_PATH = '/v1/audio/translations'

/** @param {unknown} v @returns {v is MediaMode} */
export const isMediaMode = (v) => v === 'image' || v === 'speech' || v === 'transcribe'

/**
 * A model's kind; a record without one is a chat model (what every model was before the media routes).
 * @param {{ kind?: string }} m
 * @returns {ModelKind}
 */
export function kindOf (m) {
  const k = m.kind
  return k === 'image' || k === 'speech' || k === 'transcription' ? k : 'chat'
}

/** How a kind is named in pickers that list every kind. */
export const KIND_LABELS = /** @type {const} */ ({ chat: 'Chat', image: 'Image', speech: 'Speech', transcription: 'Transcription' })

export const IMAGE_MAX_N = 10
export const SPEECH_MAX_CHARS = 4096
export const TRANSCRIBE_MAX_BYTES = 25 * 1024 * 1024
/** What the pickers offer when a model record does not list its own. */
export const IMAGE_SIZES = ['1024x1024', '1536x1024', '1024x1536']
export const IMAGE_QUALITIES = ['auto', 'low', 'medium', 'high', 'standard', 'hd']
export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer']
export const SPEECH_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']
export const IMAGE_FORMATS = ['png', 'jpeg', 'webp']
export const TRANSCRIPT_FORMATS = ['json', 'text', 'srt', 'vtt', 'verbose_json']
/** The one model that translates (OpenAI's translations take no other). */
export const TRANSLATION_MODEL = 'whisper-1'

/** How the format pickers name each format. */
/** @type {Record<string, string>} */
export const FORMAT_LABELS = {
  mp3: 'MP3',
  opus: 'Opus',
  aac: 'AAC',
  flac: 'FLAC',
  wav: 'WAV',
  pcm: 'PCM (raw samples)',
  json: 'json',
  text: 'text',
  srt: 'srt (subtitles)',
  vtt: 'vtt (subtitles)',
  verbose_json: 'verbose_json (segments and timings)'
}

/** @typedef {{ path: string, headers: Record<string, string>, body: Record<string, unknown> }} JsonCall */
/** @typedef {{ name: string, type: string, size: number }} FileInfo */
/** @typedef {{ path: string, headers: Record<string, string>, fields: Array<[string, string]>, file: FileInfo }} FormCall */

/**
 * @typedef {object} ImageOptions
 * @property {string} key
 * @property {string} model
 * @property {string} prompt
 * @property {number} n
 * @property {string} size '' for the model's default
 * @property {string} quality '' for the model's default
 * @property {string} outputFormat '' for the model's default
 */

/**
 * POST /v1/images/generations; b64_json asked for explicitly, so the images can be drawn without fetching anything.
 * @param {ImageOptions} o
 * @returns {JsonCall}
 */
export function imageCall (o) {
  /** @type {Record<string, unknown>} */
  const body = { model: o.model, prompt: o.prompt, n: o.n }
  if (o.size) body.size = o.size
  if (o.quality) body.quality = o.quality
  if (o.outputFormat) body.output_format = o.outputFormat
  body.response_format = 'b64_json'
  return { path: MEDIA_MODES.image.path, headers: jsonHeaders(o.key, 'application/json'), body }
}

/**
 * @typedef {object} SpeechOptions
 * @property {string} key
 * @property {string} model
 * @property {string} input
 * @property {string} voice
 * @property {string} format
 * @property {string} instructions '' for none
 */

/**
 * POST /v1/audio/speech: the answer is the audio itself.
 * @param {SpeechOptions} o
 * @returns {JsonCall}
 */
export function speechCall (o) {
  /** @type {Record<string, unknown>} */
  const body = { model: o.model, input: o.input, voice: o.voice, response_format: o.format }
  if (o.instructions) body.instructions = o.instructions
  return { path: MEDIA_MODES.speech.path, headers: jsonHeaders(o.key, '*/*'), body }
}

/**
 * @typedef {object} TranscribeOptions
 * @property {string} key
 * @property {string} model
 * @property {FileInfo} file
 * @property {boolean} translate to English, through /translations (which takes no language)
 * @property {string} format
 * @property {string} language '' to let the model tell
 * @property {string} prompt '' for none
 * @property {number | null} temperature
 */

/**
 * POST /v1/audio/transcriptions or /translations, as multipart fields (the file goes last, as the SDKs send it).
 * The browser sets the multipart Content-Type with its boundary.
 * @param {TranscribeOptions} o
 * @returns {FormCall}
 */
export function transcriptionCall (o) {
  /** @type {Array<[string, string]>} */
  const fields = [['model', o.model], ['response_format', o.format]]
  if (o.language && !o.translate) fields.push(['language', o.language])
  if (o.prompt) fields.push(['prompt', o.prompt])
  if (o.temperature !== null) fields.push(['temperature', String(o.temperature)])
  return {
    path: o.translate ? TRANSLATIONS_PATH : MEDIA_MODES.transcribe.path,
    headers: { accept: o.format === 'json' || o.format === 'verbose_json' ? 'application/json' : 'text/plain, application/json', authorization: `Bearer ${o.key}` },
    fields,
    file: o.file
  }
}

/**
 * @param {string} key
 * @param {string} accept
 */
const jsonHeaders = (key, accept) => ({ 'content-type': 'application/json', accept, authorization: `Bearer ${key}` })

/** @param {unknown} v @returns {v is Record<string, any>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)

/** @typedef {{ b64: string, mime: string } | { url: string }} ImageItem */

/**
 * The images of an answer ({created, data:[{b64_json} | {url}]}), in order; entries with neither are skipped.
 * @param {unknown} json
 * @returns {ImageItem[]}
 */
export function readImages (json) {
  if (!isObject(json) || !Array.isArray(json.data)) return []
  /** @type {ImageItem[]} */
  const out = []
  for (const d of json.data) {
    if (!isObject(d)) continue
    if (typeof d.b64_json === 'string' && d.b64_json) out.push({ b64: d.b64_json, mime: imageMime(d.b64_json) })
    else if (typeof d.url === 'string' && d.url) out.push({ url: d.url })
  }
  return out
}

/**
 * The type of base64 image bytes, from their signature (the answer does not say); PNG when unknown.
 * @param {string} b64
 */
export function imageMime (b64) {
  if (b64.startsWith('/9j/')) return 'image/jpeg'
  if (b64.startsWith('UklGR')) return 'image/webp'
  if (b64.startsWith('R0lGOD')) return 'image/gif'
  return 'image/png'
}

/** @type {Record<string, string>} */
const EXTENSIONS = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/opus': 'opus',
  'audio/ogg': 'opus',
  'audio/aac': 'aac',
  'audio/flac': 'flac',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/pcm': 'pcm',
  'audio/l16': 'pcm'
}

/**
 * A file extension for a Content-Type (parameters ignored), or `fallback`.
 * @param {string} type
 * @param {string} fallback
 */
export function extensionFor (type, fallback) {
  return EXTENSIONS[type.split(';')[0].trim().toLowerCase()] ?? fallback
}

/** Formats browsers cannot play: raw samples with no header. */
export const unplayable = (/** @type {string} */ format) => format === 'pcm'

/**
 * The text a transcription answer shows: `text` of a JSON answer, the body itself for text, srt and vtt.
 * @param {string} body
 * @param {boolean} isJson
 */
export function transcriptText (body, isJson) {
  if (!isJson) return body
  try {
    const json = JSON.parse(body)
    return isObject(json) && typeof json.text === 'string' ? json.text : body
  } catch {
    return body
  }
}

/** The extension a transcript is saved with. */
export const transcriptExtension = (/** @type {string} */ format) => format === 'srt' || format === 'vtt' ? format : format === 'text' ? 'txt' : 'json'

/**
 * "840 B", "12.3 KB", "4.2 MB".
 * @param {number} n bytes
 */
export function formatBytes (n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

/**
 * A JSON answer for the raw view, with each base64 image cut to its first characters and its length: the bytes
 * would be megabytes of noise.
 * @param {string} text
 */
export function shortenBase64 (text) {
  return text.replace(/("b64_json"\s*:\s*")([A-Za-z0-9+/=]{80,})(")/g, (_m, head, b64, tail) => `${head}${b64.slice(0, 48)}…${tail} (${b64.length.toLocaleString('en-US')} base64 characters)`)
}

/**
 * The parts of a multipart request, as the raw view shows them (the file by name, type and size).
 * @param {FormCall} call
 */
export function formBodyText (call) {
  return [...call.fields.map(([k, v]) => `${k}: ${v}`), `file: ${call.file.name} (${call.file.type || 'no type'}, ${formatBytes(call.file.size)})`].join('\n')
}

/**
 * Whether a size is written as OpenAI writes them: WIDTHxHEIGHT, or auto.
 * @param {string} s
 */
export const isSize = (s) => s === 'auto' || /^[1-9]\d{1,4}x[1-9]\d{1,4}$/.test(s)
