// The fake Puter's media catalogues: image models (as drivers/ai-image/providers/*/models.ts declare them, prices in
// US cents per image), TTS providers, voices and engines, and the speech-to-text models with their response formats.
// The gateway's tests read prices and lists from here, so they follow whatever the fake answers.

export interface ImageRatio { w: number, h: number }

export interface ImageModel {
  puterId: string
  id: string
  aliases: string[]
  name: string
  version?: string
  /** The driver-level provider name (`openai-image-generation`, ...). */
  provider: string
  costs_currency: 'usd-cents'
  /** The cost key the catalogue quotes as "the" price. */
  index_cost_key: string
  /** Cents per image by `<quality>:<w>x<h>` (or `<w>x<h>` for models without qualities); token rates per 1M. */
  costs: Record<string, number>
  allowedQualityLevels?: string[]
  allowedRatios: ImageRatio[]
  /** Not in Puter's catalogue: how the fake answers (`data-url` as OpenAI's b64_json, `url` as most other vendors). */
  output: 'data-url' | 'url'
}

const GPT_IMAGE_RATIOS: ImageRatio[] = [{ w: 1024, h: 1024 }, { w: 1024, h: 1536 }, { w: 1536, h: 1024 }]
const WIDE_RATIOS: ImageRatio[] = [{ w: 1024, h: 1024 }, { w: 1344, h: 768 }, { w: 768, h: 1344 }]

/** Per-image prices of a GPT Image model: [1024x1024, 1024x1536, 1536x1024] for low, medium and high. */
function gptImageCosts (low: number[], medium: number[], high: number[]): Record<string, number> {
  const costs: Record<string, number> = {}
  for (const [quality, prices] of [['low', low], ['medium', medium], ['high', high]] as const) {
    GPT_IMAGE_RATIOS.forEach((r, i) => { costs[`${quality}:${r.w}x${r.h}`] = prices[i] })
  }
  return costs
}

/** The same price for every allowed size. */
function flatCosts (ratios: ImageRatio[], cents: number): Record<string, number> {
  return Object.fromEntries(ratios.map((r) => [`${r.w}x${r.h}`, cents]))
}

export const IMAGE_MODELS: readonly ImageModel[] = [
  {
    puterId: 'openai:openai/gpt-image-1.5',
    id: 'gpt-image-1.5',
    aliases: ['openai/gpt-image-1.5'],
    name: 'GPT Image 1.5',
    version: '1.5',
    provider: 'openai-image-generation',
    costs_currency: 'usd-cents',
    index_cost_key: 'low:1024x1024',
    costs: {
      text_input: 500,
      text_cached_input: 125,
      text_output: 1000,
      image_input: 800,
      image_cached_input: 200,
      image_output: 3200,
      ...gptImageCosts([0.9, 1.3, 1.3], [3.4, 5, 5], [13.3, 20, 20])
    },
    allowedQualityLevels: ['low', 'medium', 'high'],
    allowedRatios: GPT_IMAGE_RATIOS,
    output: 'data-url'
  },
  {
    puterId: 'openai:openai/gpt-image-1-mini',
    id: 'gpt-image-1-mini',
    aliases: ['openai/gpt-image-1-mini'],
    name: 'GPT Image 1 Mini',
    version: '1.0',
    provider: 'openai-image-generation',
    costs_currency: 'usd-cents',
    index_cost_key: 'low:1024x1024',
    costs: {
      text_input: 200,
      text_cached_input: 20,
      image_input: 250,
      image_cached_input: 25,
      image_output: 800,
      ...gptImageCosts([0.5, 0.6, 0.6], [1.1, 1.5, 1.5], [3.6, 5.2, 5.2])
    },
    allowedQualityLevels: ['low', 'medium', 'high'],
    allowedRatios: GPT_IMAGE_RATIOS,
    output: 'data-url'
  },
  {
    puterId: 'openai:openai/gpt-image-1',
    id: 'gpt-image-1',
    aliases: ['openai/gpt-image-1'],
    name: 'GPT Image 1',
    version: '1.0',
    provider: 'openai-image-generation',
    costs_currency: 'usd-cents',
    index_cost_key: 'low:1024x1024',
    costs: {
      text_input: 500,
      text_cached_input: 125,
      image_input: 1000,
      image_cached_input: 250,
      image_output: 4000,
      ...gptImageCosts([1.1, 1.6, 1.6], [4.2, 6.3, 6.3], [16.7, 25, 25])
    },
    allowedQualityLevels: ['low', 'medium', 'high'],
    allowedRatios: GPT_IMAGE_RATIOS,
    output: 'data-url'
  },
  {
    puterId: 'togetherai:black-forest-labs/FLUX.1-schnell',
    id: 'black-forest-labs/FLUX.1-schnell',
    aliases: ['FLUX.1-schnell'],
    name: 'FLUX.1 [schnell]',
    provider: 'together-image-generation',
    costs_currency: 'usd-cents',
    index_cost_key: '1024x1024',
    costs: flatCosts(WIDE_RATIOS, 0.3),
    allowedRatios: WIDE_RATIOS,
    output: 'url'
  },
  {
    puterId: 'google:google/gemini-2.5-flash-image-preview',
    id: 'gemini-2.5-flash-image-preview',
    aliases: ['google/gemini-2.5-flash-image-preview', 'nano-banana'],
    name: 'Gemini 2.5 Flash Image (Preview)',
    provider: 'gemini-image-generation',
    costs_currency: 'usd-cents',
    index_cost_key: '1024x1024',
    costs: flatCosts(WIDE_RATIOS, 3.9),
    allowedRatios: WIDE_RATIOS,
    output: 'url'
  }
]

export const DEFAULT_IMAGE_MODEL = 'gpt-image-1-mini'

/** Each image provider's default model (ImageProvider.getDefaultModel). */
export const IMAGE_PROVIDER_DEFAULTS: Readonly<Record<string, string>> = {
  'openai-image-generation': 'gpt-image-1-mini',
  'together-image-generation': 'black-forest-labs/FLUX.1-schnell',
  'gemini-image-generation': 'gemini-2.5-flash-image-preview'
}

/** A catalogue entry as Puter serves it (the fake-only `output` field left out). */
export function publicImageModel (m: ImageModel): Omit<ImageModel, 'output'> {
  const { output: _output, ...rest } = m
  return rest
}

/** Finds a model by id, alias or puterId (case-insensitive), preferring `provider` when several match. */
export function resolveImageModel (name: string, provider?: string): ImageModel | undefined {
  const key = name.trim().toLowerCase()
  const matches = IMAGE_MODELS.filter((m) =>
    m.id.toLowerCase() === key || m.puterId.toLowerCase() === key || m.aliases.some((a) => a.toLowerCase() === key))
  return matches.find((m) => m.provider === provider) ?? matches[0]
}

// --- Text to speech ---------------------------------------------------------------------------------------------

export const TTS_PROVIDERS = ['aws-polly', 'openai', 'elevenlabs', 'gemini', 'xai', 'speechify'] as const
export type TtsProvider = typeof TTS_PROVIDERS[number]
export const DEFAULT_TTS_PROVIDER: TtsProvider = 'aws-polly'

/** providerAliases.ts: what callers may write for each provider. */
export const TTS_PROVIDER_ALIASES: Readonly<Record<string, TtsProvider>> = {
  aws: 'aws-polly',
  'aws-polly': 'aws-polly',
  polly: 'aws-polly',
  openai: 'openai',
  'openai-tts': 'openai',
  '11labs': 'elevenlabs',
  'eleven-labs': 'elevenlabs',
  elevenlabs: 'elevenlabs',
  'elevenlabs-tts': 'elevenlabs',
  gemini: 'gemini',
  'gemini-tts': 'gemini',
  google: 'gemini',
  grok: 'xai',
  xai: 'xai',
  'xai-tts': 'xai',
  simba: 'speechify',
  speechify: 'speechify',
  'speechify-tts': 'speechify'
}

export const OPENAI_TTS_DEFAULT_MODEL = 'gpt-4o-mini-tts'
export const OPENAI_TTS_DEFAULT_VOICE = 'alloy'

export interface TtsEngine { id: string, name: string, provider: TtsProvider, pricing_per_million_chars: number }

export const TTS_ENGINES: Readonly<Record<TtsProvider, readonly TtsEngine[]>> = {
  openai: [
    { id: 'gpt-4o-mini-tts', name: 'GPT-4o mini TTS', provider: 'openai', pricing_per_million_chars: 15 },
    { id: 'tts-1', name: 'TTS 1', provider: 'openai', pricing_per_million_chars: 15 },
    { id: 'tts-1-hd', name: 'TTS 1 HD', provider: 'openai', pricing_per_million_chars: 30 }
  ],
  'aws-polly': [
    { id: 'standard', name: 'Standard', provider: 'aws-polly', pricing_per_million_chars: 4 },
    { id: 'neural', name: 'Neural', provider: 'aws-polly', pricing_per_million_chars: 16 },
    { id: 'long-form', name: 'Long-form', provider: 'aws-polly', pricing_per_million_chars: 100 },
    { id: 'generative', name: 'Generative', provider: 'aws-polly', pricing_per_million_chars: 30 }
  ],
  elevenlabs: [
    { id: 'eleven_multilingual_v2', name: 'Eleven Multilingual v2', provider: 'elevenlabs', pricing_per_million_chars: 100 },
    { id: 'eleven_flash_v2_5', name: 'Eleven Flash v2.5', provider: 'elevenlabs', pricing_per_million_chars: 50 }
  ],
  gemini: [
    { id: 'gemini-2.5-flash-preview-tts', name: 'Gemini 2.5 Flash TTS', provider: 'gemini', pricing_per_million_chars: 10 }
  ],
  xai: [
    { id: 'grok-tts', name: 'Grok TTS', provider: 'xai', pricing_per_million_chars: 15 }
  ],
  speechify: [
    { id: 'simba-english', name: 'Simba English', provider: 'speechify', pricing_per_million_chars: 10 }
  ]
}

/** OpenAI voices; those with `models` work on gpt-4o-mini-tts only. */
export const OPENAI_TTS_VOICES: ReadonlyArray<{ id: string, name: string, models?: string[] }> = [
  { id: 'alloy', name: 'Alloy' },
  { id: 'ash', name: 'Ash' },
  { id: 'ballad', name: 'Ballad', models: [OPENAI_TTS_DEFAULT_MODEL] },
  { id: 'cedar', name: 'Cedar', models: [OPENAI_TTS_DEFAULT_MODEL] },
  { id: 'coral', name: 'Coral' },
  { id: 'echo', name: 'Echo' },
  { id: 'fable', name: 'Fable' },
  { id: 'marin', name: 'Marin', models: [OPENAI_TTS_DEFAULT_MODEL] },
  { id: 'nova', name: 'Nova' },
  { id: 'onyx', name: 'Onyx' },
  { id: 'sage', name: 'Sage' },
  { id: 'shimmer', name: 'Shimmer' },
  { id: 'verse', name: 'Verse', models: [OPENAI_TTS_DEFAULT_MODEL] }
]

export const POLLY_ENGINES = ['standard', 'neural', 'long-form', 'generative']
export const POLLY_DEFAULT_VOICE = 'Joanna'

/** A few of Polly's DescribeVoices entries. */
export const POLLY_VOICES: ReadonlyArray<{ id: string, language: string, code: string, engines: string[] }> = [
  { id: 'Joanna', language: 'US English', code: 'en-US', engines: ['generative', 'long-form', 'neural', 'standard'] },
  { id: 'Matthew', language: 'US English', code: 'en-US', engines: ['generative', 'long-form', 'neural', 'standard'] },
  { id: 'Salli', language: 'US English', code: 'en-US', engines: ['generative', 'neural', 'standard'] },
  { id: 'Amy', language: 'British English', code: 'en-GB', engines: ['generative', 'neural', 'standard'] },
  { id: 'Brian', language: 'British English', code: 'en-GB', engines: ['neural', 'standard'] },
  { id: 'Lea', language: 'French', code: 'fr-FR', engines: ['generative', 'neural', 'standard'] }
]

/** Voices of the providers that accept any voice id; listed for list_voices only. */
export const OTHER_TTS_VOICES: Readonly<Record<Exclude<TtsProvider, 'openai' | 'aws-polly'>, ReadonlyArray<{ id: string, name: string }>>> = {
  elevenlabs: [{ id: '21m00Tcm4TlvDq8ikWAM', name: 'Rachel' }, { id: 'pNInz6obpgDQGcFmaJgB', name: 'Adam' }],
  gemini: [{ id: 'Kore', name: 'Kore' }, { id: 'Puck', name: 'Puck' }],
  xai: [{ id: 'Ara', name: 'Ara' }, { id: 'Rex', name: 'Rex' }],
  speechify: [{ id: 'george', name: 'George' }, { id: 'henry', name: 'Henry' }]
}

/** OpenAI's response_format → Content-Type (anything else is answered as mp3, as Puter's lookup falls back). */
export const TTS_CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp3: 'audio/mpeg',
  opus: 'audio/opus',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm'
}

// --- Speech to text ---------------------------------------------------------------------------------------------

export const STT_DEFAULT_TRANSCRIBE_MODEL = 'gpt-4o-mini-transcribe'
export const STT_DEFAULT_TRANSLATE_MODEL = 'whisper-1'
export const STT_MAX_BYTES = 25 * 1024 * 1024

export interface SttModel {
  responseFormats: string[]
  canPrompt: boolean
  canLogprobs: boolean
  timestampGranularities?: boolean
  diarization?: boolean
}

/** OpenAISpeechToTextProvider's MODEL_CAPS. */
export const STT_MODELS: Readonly<Record<string, SttModel>> = {
  'gpt-4o-mini-transcribe': { canPrompt: true, canLogprobs: true, responseFormats: ['json', 'text'] },
  'gpt-4o-transcribe': { canPrompt: true, canLogprobs: true, responseFormats: ['json', 'text'] },
  'gpt-4o-transcribe-diarize': { canPrompt: false, canLogprobs: false, responseFormats: ['json', 'text', 'diarized_json'], diarization: true },
  'whisper-1': { canPrompt: true, canLogprobs: false, responseFormats: ['json', 'text', 'srt', 'verbose_json', 'vtt'], timestampGranularities: true }
}
