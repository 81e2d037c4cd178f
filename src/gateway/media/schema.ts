// TypeBox schemas of the image and audio routes: OpenAI's request and answer shapes.
import { Type, type Static } from '@sinclair/typebox'

export const ImageRequestSchema = Type.Object({
  prompt: Type.String({ minLength: 1, maxLength: 32000, description: 'What to draw' }),
  model: Type.Optional(Type.String({ minLength: 1, description: "An image model of Puter's (GET /v1/models, kind image); dall-e-2 and dall-e-3 stand for gpt-image-1-mini. Default gpt-image-1-mini" })),
  n: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'How many images: one call to Puter each, each counted' })),
  size: Type.Optional(Type.String({ description: "WxH, one of the model's sizes (its `sizes` in /v1/models), or auto" })),
  quality: Type.Optional(Type.Union(['auto', 'standard', 'hd', 'low', 'medium', 'high'].map((q) => Type.Literal(q)), { description: 'auto and standard mean medium, hd means high; default medium' })),
  response_format: Type.Optional(Type.Union([Type.Literal('b64_json'), Type.Literal('url')], { description: 'b64_json (default): the image itself; url: the address Puter gave (a data: URL when Puter gave the image itself)' })),
  output_format: Type.Optional(Type.Union([Type.Literal('png'), Type.Literal('jpeg'), Type.Literal('webp')], { description: "Passed to Puter; the answer's output_format says what came back" })),
  background: Type.Optional(Type.String({ description: 'Accepted and ignored: Puter has no such setting' })),
  moderation: Type.Optional(Type.String({ description: 'Accepted and ignored' })),
  style: Type.Optional(Type.String({ description: 'Accepted and ignored (a dall-e-3 setting)' })),
  user: Type.Optional(Type.String({ description: 'Accepted and not forwarded' }))
}, { additionalProperties: false })

export type ImageRequestBody = Static<typeof ImageRequestSchema>

export const ImagesResponseSchema = Type.Object({
  created: Type.Integer({ description: 'Unix time (seconds)' }),
  data: Type.Array(Type.Object({
    b64_json: Type.Optional(Type.String({ description: 'The image, base64' })),
    url: Type.Optional(Type.String({ description: 'Where the image is (response_format url)' }))
  })),
  size: Type.Optional(Type.String()),
  quality: Type.Optional(Type.String()),
  output_format: Type.Optional(Type.String({ description: 'png, jpeg or webp: the format Puter answered in, when known' }))
}, { description: 'The images' })

export const SpeechRequestSchema = Type.Object({
  model: Type.String({ minLength: 1, description: "tts-1, tts-1-hd or gpt-4o-mini-tts (Puter's openai provider); aws-polly/standard or aws-polly/neural; or <provider>/<model> for Puter's elevenlabs, gemini, xai and speechify providers" }),
  input: Type.String({ minLength: 1, maxLength: 4096, description: 'The text to speak, at most 4096 characters' }),
  voice: Type.String({ minLength: 1, description: "One of the model's voices (its `voices` in /v1/models)" }),
  response_format: Type.Optional(Type.Union(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'].map((f) => Type.Literal(f)), { description: 'Default mp3' })),
  instructions: Type.Optional(Type.String({ maxLength: 4096, description: 'How to speak (gpt-4o-mini-tts)' })),
  speed: Type.Optional(Type.Number({ minimum: 0.25, maximum: 4, description: 'Only 1.0: Puter has no speed setting (anything else is refused)' })),
  stream_format: Type.Optional(Type.Union([Type.Literal('audio'), Type.Literal('sse')], { description: 'Only audio: Puter cannot stream events' }))
}, { additionalProperties: false })

export const TranscriptionRequestSchema = Type.Object({
  file: Type.String({ format: 'binary', description: 'The audio: flac, m4a, mp3, mp4, mpeg, mpga, ogg, wav or webm, at most 25 MB' }),
  model: Type.Optional(Type.String({ description: 'gpt-4o-mini-transcribe (default), gpt-4o-transcribe, gpt-4o-transcribe-diarize, whisper-1 (srt, vtt, verbose_json, timestamps) or xai-stt; translations: whisper-1' })),
  language: Type.Optional(Type.String({ description: 'ISO-639-1 language of the audio' })),
  prompt: Type.Optional(Type.String({ description: 'Text to guide the model' })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  response_format: Type.Optional(Type.Union(['json', 'text', 'srt', 'vtt', 'verbose_json'].map((f) => Type.Literal(f)), { description: 'Default json; text, srt and vtt answer text/plain' })),
  'timestamp_granularities[]': Type.Optional(Type.Array(Type.Union([Type.Literal('word'), Type.Literal('segment')]), { description: 'whisper-1 with verbose_json' })),
  stream: Type.Optional(Type.Boolean({ description: 'Only false: Puter answers whole' }))
}, { description: 'multipart/form-data' })

export const TranscriptionSchema = Type.Object({
  text: Type.String()
}, { additionalProperties: true, description: "OpenAI's transcription object (verbose_json adds language, duration, segments, words)" })
