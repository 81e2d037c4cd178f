// OpenAI's transcriptions and translations over Puter's puter-speech2txt driver: the uploaded file goes to Puter as a
// data URL under a MIME type OpenAI recognises (Puter names the file after it), the model's formats are checked
// here, and Puter's result is answered as JSON or as text.
import type { Model } from '../../schemas/models.ts'
import { errors, withDetails } from '../../errors.ts'
import { TRANSCRIPTION_MODELS } from './catalog.ts'

export interface TranscriptionFields {
  model?: string
  language?: string
  prompt?: string
  temperature?: number
  response_format?: string
  timestamp_granularities?: string[]
  stream?: boolean
}

const invalid = (param: string, message: string) => withDetails(new errors.InvalidRequest(message), { param })

/** Audio MIME types as OpenAI recognises them (it reads the format from the file name Puter derives from the type). */
const MIME: Record<string, string> = {
  'audio/flac': 'audio/flac',
  'audio/x-flac': 'audio/flac',
  'audio/mpeg': 'audio/mpeg',
  'audio/mp3': 'audio/mpeg',
  'audio/mpga': 'audio/mpeg',
  'audio/mp4': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'audio/x-m4a': 'audio/mp4',
  'video/mp4': 'audio/mp4',
  'audio/ogg': 'audio/ogg',
  'application/ogg': 'audio/ogg',
  'audio/wav': 'audio/wav',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/webm': 'audio/webm',
  'video/webm': 'audio/webm'
}

/** By file extension, for clients that send no type or application/octet-stream (OpenAI goes by the name too). */
const BY_EXTENSION: Record<string, string> = {
  flac: 'audio/flac', mp3: 'audio/mpeg', mpga: 'audio/mpeg', mpeg: 'audio/mpeg', mp4: 'audio/mp4', m4a: 'audio/mp4', ogg: 'audio/ogg', oga: 'audio/ogg', wav: 'audio/wav', webm: 'audio/webm'
}

const ACCEPTED = 'flac, m4a, mp3, mp4, mpeg, mpga, ogg, wav or webm'

/** The MIME type to send the file under, or a 400 naming the formats accepted. */
export function audioMimeType (declared: string | undefined, filename: string | undefined): string {
  const type = (declared ?? '').split(';')[0].trim().toLowerCase()
  const known = MIME[type]
  if (known) return known
  // No type, or busboy's text/plain for a part that had none (Python's requests sends files so): go by the name.
  if (type === '' || type === 'application/octet-stream' || type === 'text/plain') {
    const ext = /\.([a-z0-9]+)$/i.exec(filename ?? '')?.[1]?.toLowerCase()
    const byName = ext === undefined ? undefined : BY_EXTENSION[ext]
    if (byName) return byName
  }
  throw invalid('file', `Unsupported file type ${type || 'unknown'}${filename ? ` (${filename})` : ''}: send audio as ${ACCEPTED}.`)
}

export interface TranscriptionPlan {
  args: Record<string, unknown>
  model: string
  format: string
  /** US dollars per second of audio (0 when unknown). */
  usdPerSecond: number
}

/**
 * Puter's arguments, the file apart. Refused with a 400 naming the field: streaming, a model Puter does not have, a
 * format or timestamps the model cannot give (whisper-1 is the one with srt, vtt, verbose_json and timestamps), a
 * prompt to a model that takes none, and translations with another model than whisper-1 (OpenAI's only one).
 */
export function transcriptionPlan (fields: TranscriptionFields, translate: boolean, catalogued: Model | undefined): TranscriptionPlan {
  if (fields.stream === true) throw invalid('stream', 'stream is not supported: Puter answers transcriptions whole.')
  const asked = catalogued?.id ?? fields.model ?? (translate ? 'whisper-1' : 'gpt-4o-mini-transcribe')
  const model = TRANSCRIPTION_MODELS.find((m) => m.id === asked)
  if (!model) throw invalid('model', `Unknown transcription model '${asked}': use ${TRANSCRIPTION_MODELS.map((m) => m.id).join(', ')}.`)
  if (translate && model.id !== 'whisper-1') throw invalid('model', `Translations use whisper-1 only (got '${model.id}').`)
  const format = fields.response_format ?? 'json'
  if (!model.formats.includes(format)) {
    throw invalid('response_format', `The model ${model.id} answers ${model.formats.join(', ')}; for ${format}, use whisper-1.`)
  }
  const granularities = fields.timestamp_granularities ?? []
  if (granularities.length > 0 && (!model.timestamps || format !== 'verbose_json')) {
    throw invalid('timestamp_granularities', 'timestamp_granularities needs model whisper-1 and response_format verbose_json.')
  }
  if (fields.prompt !== undefined && fields.prompt !== '' && !model.prompt) throw invalid('prompt', `The model ${model.id} takes no prompt.`)
  const args: Record<string, unknown> = { model: model.id, provider: model.provider, response_format: format }
  if (fields.language) args.language = fields.language
  if (fields.prompt) args.prompt = fields.prompt
  if (fields.temperature !== undefined) args.temperature = fields.temperature
  if (granularities.length > 0) args.timestamp_granularities = granularities
  return { args, model: model.id, format, usdPerSecond: (model.usdPerMinute ?? 0) / 60 }
}

/** The length of a WAV file's audio in seconds, from its header; undefined for anything else. */
export function wavSeconds (buf: Buffer): number | undefined {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') return undefined
  let byteRate: number | undefined
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('latin1', at, at + 4)
    const size = buf.readUInt32LE(at + 4)
    if (id === 'fmt ' && at + 20 <= buf.length) byteRate = buf.readUInt32LE(at + 16)
    if (id === 'data') return byteRate ? Math.min(size, buf.length - at - 8) / byteRate : undefined
    at += 8 + size + (size % 2)
  }
  return undefined
}

/**
 * Seconds of audio, for usage: as Puter's answer tells (verbose_json's duration, whisper's usage), else from a WAV
 * header, else Puter's own estimate from the size (16,000 bytes a second, drivers/ai-speech2txt).
 */
export function audioSeconds (result: unknown, file: Buffer): number {
  const r = (typeof result === 'object' && result !== null ? result : {}) as { duration?: unknown, usage?: { type?: unknown, seconds?: unknown } }
  if (typeof r.duration === 'number' && r.duration > 0) return r.duration
  if (r.usage?.type === 'duration' && typeof r.usage.seconds === 'number') return r.usage.seconds
  return wavSeconds(file) ?? Math.max(1, Math.ceil(file.length / 16000))
}

/** Puter's result as the answer: an object for json and verbose_json, text for text, srt and vtt. */
export function transcriptionAnswer (result: unknown, format: string): { json: object } | { text: string } {
  const text = typeof result === 'string' ? result : (result as { text?: unknown } | null)?.text
  if (format === 'json' || format === 'verbose_json') {
    if (typeof result === 'object' && result !== null) return { json: result }
    if (typeof text === 'string') return { json: { text } }
  } else if (typeof text === 'string') {
    return { text }
  }
  throw new errors.UpstreamFailed('Puter answered the transcription without its text.')
}
