// Schemas of the model list (/v1/models): OpenAI's model objects, with Puter's context, pricing and aliases.
import { Type, type Static } from './common.ts'

// Open like OpenAI's own objects: clients ignore fields they do not know, and Puter's catalogue grows.
const OPEN = { additionalProperties: true } as const

export const ModelSchema = Type.Object({
  id: Type.String({ description: 'Model id to send as `model` (may contain / and :)' }),
  object: Type.Literal('model', { description: 'Always model' }),
  created: Type.Integer({ description: 'Unix time (seconds); the release date when known' }),
  owned_by: Type.String({ description: 'Provider or vendor of the model' }),
  name: Type.Optional(Type.String({ description: 'Display name' })),
  context_length: Type.Optional(Type.Integer({ description: 'Context window, in tokens' })),
  max_output_tokens: Type.Optional(Type.Integer({ description: 'Largest possible completion, in tokens' })),
  pricing: Type.Optional(Type.Object({
    prompt: Type.Optional(Type.String({ description: 'USD per input token, as a decimal string' })),
    completion: Type.Optional(Type.String({ description: 'USD per output token, as a decimal string' })),
    input_cache_read: Type.Optional(Type.String({ description: 'USD per cached input token, as a decimal string' })),
    image: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Image models: USD per image, by `quality:WxH` (or `WxH`)' })),
    character: Type.Optional(Type.String({ description: 'Speech models: USD per character spoken' })),
    audio_second: Type.Optional(Type.String({ description: 'Transcription models: USD per second of audio' }))
  }, { ...OPEN, description: 'Prices, in the OpenRouter convention' })),
  kind: Type.Optional(Type.Union([Type.Literal('chat'), Type.Literal('image'), Type.Literal('speech'), Type.Literal('transcription')], { description: 'What the model does: chat (/v1/chat/completions, /v1/responses, /v1/messages), image (/v1/images/generations), speech (/v1/audio/speech) or transcription (/v1/audio/transcriptions and /translations)' })),
  sizes: Type.Optional(Type.Array(Type.String(), { description: 'Image models: the sizes (WxH) it can make; absent when Puter takes any' })),
  qualities: Type.Optional(Type.Array(Type.String(), { description: 'Image models: its quality levels' })),
  voices: Type.Optional(Type.Array(Type.String(), { description: 'Speech models: its voices' })),
  response_formats: Type.Optional(Type.Array(Type.String(), { description: 'Speech models: audio formats; transcription models: answer formats' })),
  aliases: Type.Optional(Type.Array(Type.String(), { description: 'Other ids that select the same model' })),
  // Anthropic's model object, so Anthropic clients (Claude Code's gateway model discovery) read the same list.
  type: Type.Optional(Type.Literal('model', { description: 'Always model (Anthropic\'s field)' })),
  display_name: Type.Optional(Type.String({ description: 'Display name: the name when known, else the id (Anthropic\'s field)' })),
  created_at: Type.Optional(Type.String({ description: 'Release date as an ISO 8601 time; the epoch when unknown (Anthropic\'s field)' }))
}, { ...OPEN, description: 'A model' })

export const ModelListSchema = Type.Object({
  object: Type.Literal('list', { description: 'Always list' }),
  data: Type.Array(ModelSchema, { description: 'The models' }),
  first_id: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The first id of the page (Anthropic\'s field, when anthropic-version is sent)' })),
  last_id: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The last id of the page (Anthropic\'s field, when anthropic-version is sent)' })),
  has_more: Type.Optional(Type.Boolean({ description: 'Always false: one page holds every model (Anthropic\'s field, when anthropic-version is sent)' }))
}, { ...OPEN, description: 'The models this server serves' })

export type Model = Static<typeof ModelSchema>
