// Image, speech and transcription models as OpenAI model objects. Image models come from Puter's public image
// catalogue (/puterai/image/models/details: sizes, qualities and a price per image); speech and transcription models
// have no public catalogue at Puter, so they are listed here with the prices Puter's drivers meter them at
// (drivers/ai-tts/providers/*/costs.ts, drivers/ai-speech2txt/costs.ts).
import type { Model } from '../../schemas/models.ts'

export type ModelKind = 'chat' | 'image' | 'speech' | 'transcription'

/** OpenAI's image model names, which Puter does not have: they stand for Puter's default image model. */
export const DALL_E_ALIASES = ['dall-e-2', 'dall-e-3']
export const DEFAULT_IMAGE_MODEL = 'gpt-image-1-mini'

/** OpenAI's voices at Puter (drivers/ai-tts/providers/openai): the starred ones speak through gpt-4o-mini-tts only. */
const OPENAI_VOICES = ['alloy', 'ash', 'ballad*', 'cedar*', 'coral', 'echo', 'fable', 'marin*', 'nova', 'onyx', 'sage', 'shimmer', 'verse*']
export const SPEECH_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']

interface SpeechModel {
  id: string
  name: string
  /** Puter's TTS provider (the driver routes by provider, not by model). */
  provider: string
  /** The model or engine Puter's provider is asked for. */
  upstream: string
  /** What `model` argument Puter takes for it: `model`, or `engine` (AWS Polly). */
  arg: 'model' | 'engine'
  voices: string[]
  /** US dollars per million characters. */
  usdPerMillionChars: number
}

const polly = (engine: string, usd: number): SpeechModel => ({
  id: `aws-polly/${engine}`, name: `Amazon Polly (${engine})`, provider: 'aws-polly', upstream: engine, arg: 'engine', voices: ['Joanna', 'Matthew', 'Amy', 'Brian', 'Ivy', 'Justin', 'Kendra', 'Kimberly', 'Salli', 'Joey'], usdPerMillionChars: usd
})

/** Speech models listed by /v1/models. Other providers of Puter's are reached by `<provider>/<model>` (see speechTarget). */
export const SPEECH_MODELS: SpeechModel[] = [
  { id: 'gpt-4o-mini-tts', name: 'GPT-4o mini TTS', provider: 'openai', upstream: 'gpt-4o-mini-tts', arg: 'model', voices: OPENAI_VOICES.map((v) => v.replace('*', '')), usdPerMillionChars: 15 },
  { id: 'tts-1', name: 'TTS 1', provider: 'openai', upstream: 'tts-1', arg: 'model', voices: OPENAI_VOICES.filter((v) => !v.endsWith('*')), usdPerMillionChars: 15 },
  { id: 'tts-1-hd', name: 'TTS 1 HD', provider: 'openai', upstream: 'tts-1-hd', arg: 'model', voices: OPENAI_VOICES.filter((v) => !v.endsWith('*')), usdPerMillionChars: 30 },
  polly('standard', 4),
  polly('neural', 16)
]

/** Puter's other TTS providers, chosen by a `<provider>/<model>` model name; their voices are checked by Puter. */
export const SPEECH_PROVIDERS = ['aws-polly', 'elevenlabs', 'gemini', 'xai', 'speechify']

interface TranscriptionModel {
  id: string
  name: string
  provider: string
  formats: string[]
  /** Timestamps (verbose_json's segments and words, timestamp_granularities). */
  timestamps: boolean
  prompt: boolean
  /** US dollars per minute of audio; undefined when Puter's price is not known here. */
  usdPerMinute?: number
}

export const TRANSCRIPTION_MODELS: TranscriptionModel[] = [
  { id: 'gpt-4o-mini-transcribe', name: 'GPT-4o mini Transcribe', provider: 'openai', formats: ['json', 'text'], timestamps: false, prompt: true, usdPerMinute: 0.003 },
  { id: 'gpt-4o-transcribe', name: 'GPT-4o Transcribe', provider: 'openai', formats: ['json', 'text'], timestamps: false, prompt: true, usdPerMinute: 0.006 },
  { id: 'gpt-4o-transcribe-diarize', name: 'GPT-4o Transcribe Diarize', provider: 'openai', formats: ['json', 'text'], timestamps: false, prompt: false, usdPerMinute: 0.006 },
  { id: 'whisper-1', name: 'Whisper', provider: 'openai', formats: ['json', 'text', 'srt', 'verbose_json', 'vtt'], timestamps: true, prompt: true, usdPerMinute: 0.006 },
  { id: 'xai-stt', name: 'xAI speech to text', provider: 'xai', formats: ['json', 'text'], timestamps: false, prompt: false }
]

const price = (usd: number) => String(Number(usd.toPrecision(6)))

function speechModelObject (m: SpeechModel): Model {
  return {
    id: m.id,
    object: 'model',
    created: 0,
    owned_by: m.provider,
    name: m.name,
    kind: 'speech',
    voices: m.voices,
    response_formats: SPEECH_FORMATS,
    pricing: { character: price(m.usdPerMillionChars / 1_000_000) }
  }
}

function transcriptionModelObject (m: TranscriptionModel): Model {
  const model: Model = { id: m.id, object: 'model', created: 0, owned_by: m.provider, name: m.name, kind: 'transcription', response_formats: m.formats }
  if (m.usdPerMinute !== undefined) model.pricing = { audio_second: price(m.usdPerMinute / 60) }
  return model
}

/** The speech and transcription models, as listed. */
export function audioModels (): Model[] {
  return [...SPEECH_MODELS.map(speechModelObject), ...TRANSCRIPTION_MODELS.map(transcriptionModelObject)]
}

type Details = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

/**
 * One entry of Puter's image catalogue as a model object: `sizes` from its allowed ratios (absent: Puter takes any
 * size), `qualities` from its quality levels, and `pricing.image` in USD per image by `quality:WxH` (or `WxH`), from
 * Puter's US cents. The default image model also answers to OpenAI's dall-e names.
 */
export function imageModelObject (d: Details): Model | undefined {
  const id = str(d.id) ?? str(d.puterId)
  if (!id) return undefined
  const model: Model = { id, object: 'model', created: 0, owned_by: str(d.provider) ?? 'puter', kind: 'image' }
  if (str(d.name)) model.name = String(d.name)
  const ratios = Array.isArray(d.allowedRatios) ? d.allowedRatios : []
  const sizes = ratios.flatMap((r: any) => (Number.isInteger(r?.w) && Number.isInteger(r?.h) ? [`${r.w}x${r.h}`] : []))
  if (sizes.length > 0) model.sizes = sizes
  const qualities = Array.isArray(d.allowedQualityLevels) ? d.allowedQualityLevels.filter((q): q is string => typeof q === 'string' && q !== '') : []
  if (qualities.length > 0) model.qualities = qualities
  const costs = typeof d.costs === 'object' && d.costs !== null ? d.costs as Record<string, unknown> : {}
  const perImage: Record<string, string> = {}
  for (const [k, cents] of Object.entries(costs)) {
    if (/^([a-z]+:)?\d+x\d+$/.test(k) && typeof cents === 'number' && Number.isFinite(cents)) perImage[k] = price(cents / 100)
  }
  if (Object.keys(perImage).length > 0) model.pricing = { image: perImage }
  const aliases = [...new Set([str(d.puterId), ...(Array.isArray(d.aliases) ? d.aliases.filter((a): a is string => typeof a === 'string') : []), ...(id === DEFAULT_IMAGE_MODEL ? DALL_E_ALIASES : [])])]
    .filter((a): a is string => a !== undefined && a !== id)
  if (aliases.length > 0) model.aliases = aliases
  return model
}
