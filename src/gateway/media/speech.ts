// OpenAI's text to speech over Puter's puter-tts driver. Puter routes by provider, not by model: OpenAI's model names
// go to its openai provider, `<provider>/<model>` to another of its providers.
import type { Model } from '../../schemas/models.ts'
import { errors, withDetails } from '../../errors.ts'
import { SPEECH_MODELS, SPEECH_PROVIDERS } from './catalog.ts'

export interface SpeechRequest {
  model: string
  input: string
  voice: string
  response_format?: string
  instructions?: string
  speed?: number
  stream_format?: string
}

/** What each format is sent as when Puter's answer does not say. */
export const SPEECH_CONTENT_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg', opus: 'audio/opus', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm'
}

const invalid = (param: string, message: string) => withDetails(new errors.InvalidRequest(message), { param })

export interface SpeechPlan {
  args: Record<string, unknown>
  /** The model as usage names it. */
  model: string
  format: string
  /** Estimated cost in micro-dollars. */
  costMicroUsd: number
}

/**
 * Puter's arguments for a speech request. Refused with a 400 naming the field: a model that is neither one of the
 * listed ones nor `<provider>/<model>` of Puter's providers, a voice the model does not have (OpenAI's voices are
 * known here; other providers' are checked by Puter), and `speed` or SSE streaming, which Puter cannot do.
 */
export function speechPlan (body: SpeechRequest, catalogued: Model | undefined): SpeechPlan {
  if (body.speed !== undefined && body.speed !== 1) throw invalid('speed', 'speed is not supported: Puter speaks at the normal speed only (1.0).')
  if (body.stream_format !== undefined && body.stream_format !== 'audio') throw invalid('stream_format', "stream_format 'sse' is not supported: Puter answers audio bytes only (stream_format 'audio').")
  const format = body.response_format ?? 'mp3'
  const listed = SPEECH_MODELS.find((m) => m.id === (catalogued?.id ?? body.model))
  let provider: string
  let args: Record<string, unknown>
  let usdPerMillion = 0
  if (listed) {
    provider = listed.provider
    args = { [listed.arg]: listed.upstream }
    usdPerMillion = listed.usdPerMillionChars
    if (provider === 'openai' && !listed.voices.includes(body.voice)) {
      throw invalid('voice', `The voice '${body.voice}' is not one of ${listed.id}'s: ${listed.voices.join(', ')}.`)
    }
  } else {
    const slash = body.model.indexOf('/')
    provider = slash > 0 ? body.model.slice(0, slash) : ''
    const upstream = body.model.slice(slash + 1)
    if (!SPEECH_PROVIDERS.includes(provider) || upstream === '') {
      throw invalid('model', `Unknown speech model '${body.model}': use ${SPEECH_MODELS.filter((m) => m.provider === 'openai').map((m) => m.id).join(', ')}, or <provider>/<model> with a provider of Puter's (${SPEECH_PROVIDERS.join(', ')}).`)
    }
    args = { [provider === 'aws-polly' ? 'engine' : 'model']: upstream }
  }
  Object.assign(args, { text: body.input, provider, voice: body.voice, response_format: format })
  if (body.instructions !== undefined && body.instructions !== '') args.instructions = body.instructions
  return { args, model: listed?.id ?? body.model, format, costMicroUsd: Math.round(body.input.length * usdPerMillion) }
}
