// POST /v1/audio/speech, /v1/audio/transcriptions and /v1/audio/translations: OpenAI's audio routes on Puter's
// text-to-speech and speech-to-text drivers. Speech streams Puter's audio bytes through as they come; transcriptions
// take a multipart upload (one file, at most 25 MB) and send it to Puter as a data URL.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { errorResponses } from '../../schemas/common.ts'
import { SpeechRequestSchema, TranscriptionRequestSchema, TranscriptionSchema } from '../../gateway/media/schema.ts'
import { SPEECH_CONTENT_TYPES, speechPlan } from '../../gateway/media/speech.ts'
import { audioMimeType, audioSeconds, transcriptionAnswer, transcriptionPlan, type TranscriptionFields } from '../../gateway/media/transcription.ts'
import { errors, withDetails } from '../../errors.ts'

const MAX_FILE_MB = 25

/** The multipart fields (the file apart), as checked once converted from their text form. */
const FieldsSchema = Type.Omit(TranscriptionRequestSchema, ['file'])

interface Upload {
  file: Buffer
  filename: string | undefined
  mimetype: string | undefined
  fields: TranscriptionFields
}

/** A text field's value as the schema wants it: numbers, booleans and the repeated timestamp_granularities[]. */
function convert (fields: Record<string, unknown>, name: string, value: string): void {
  if (name === 'timestamp_granularities[]' || name === 'timestamp_granularities') {
    const list = (fields['timestamp_granularities[]'] ??= []) as string[]
    list.push(value)
  } else if (name === 'temperature') {
    fields.temperature = value.trim() === '' ? value : Number(value)
  } else if (name === 'stream') {
    fields.stream = value === 'true' ? true : value === 'false' ? false : value
  } else if (Object.hasOwn(FieldsSchema.properties, name)) {
    fields[name] = value
  }
  // Other fields (include[], chunking_strategy, …) have no Puter equivalent and are ignored.
}

/** Reads the upload: the file into memory (refused over 25 MB with 413), the fields checked against the schema. */
async function readUpload (request: FastifyRequest): Promise<Upload> {
  if (!request.isMultipart()) throw withDetails(new errors.InvalidRequest('send multipart/form-data with the audio as `file`'), { param: 'file' })
  const raw: Record<string, unknown> = {}
  let upload: Pick<Upload, 'file' | 'filename' | 'mimetype'> | undefined
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || upload !== undefined) {
          part.file.resume()
          throw withDetails(new errors.InvalidRequest(`one file only, in the field \`file\` (got \`${part.fieldname.slice(0, 40)}\`)`), { param: 'file' })
        }
        upload = { file: await part.toBuffer(), filename: part.filename, mimetype: part.mimetype }
      } else {
        convert(raw, part.fieldname, String(part.value))
      }
    }
  } catch (err: any) {
    if (err?.code === 'FST_REQ_FILE_TOO_LARGE') throw new errors.FileTooLarge('audio files', String(MAX_FILE_MB))
    if (err?.code?.startsWith?.('FST_') && err.statusCode === 413) throw withDetails(new errors.InvalidRequest(`too many parts in the form: ${err.message}`), { param: null })
    throw err
  }
  if (upload === undefined || upload.file.length === 0) throw withDetails(new errors.InvalidRequest('the audio file is missing: send it as the multipart field `file`'), { param: 'file' })
  if (!Value.Check(FieldsSchema, raw)) {
    const first = Value.Errors(FieldsSchema, raw).First()
    const param = first?.path.slice(1).replaceAll('/', '.') || null
    throw withDetails(new errors.InvalidRequest(`${param ?? 'the form'} ${first?.message.toLowerCase() ?? 'is invalid'}`), { param })
  }
  const { 'timestamp_granularities[]': granularities, ...rest } = raw as Record<string, unknown>
  return { ...upload, fields: { ...rest, timestamp_granularities: granularities as string[] | undefined } as TranscriptionFields }
}

const audioRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { relay } = fastify
  const security = [{ bearerAuth: [] }]

  await fastify.register(multipart, {
    limits: { fileSize: MAX_FILE_MB * 1024 * 1024, files: 1, fields: 20, fieldSize: 256 * 1024, parts: 30 }
  })

  fastify.post('/audio/speech', {
    schema: {
      tags: ['OpenAI'],
      security,
      summary: 'Create speech',
      description: "Text to speech on Puter's TTS providers, with the key owner's Puter account. The audio bytes stream through as Puter sends them, with their Content-Type. Puter has no speed setting and no SSE streaming: both are refused rather than ignored.",
      body: SpeechRequestSchema,
      response: {
        200: {
          description: 'The audio',
          content: Object.fromEntries(Object.values(SPEECH_CONTENT_TYPES).map((type) => [type, { schema: Type.String({ format: 'binary' }) }]))
        },
        ...errorResponses(400, 401, 402, 403, 404, 429, 502, 504)
      }
    }
  }, async (request, reply) => {
    const body = request.body
    const caller = request.caller!
    const token = fastify.puterTokenFor(caller)
    if (!token) throw new errors.NoPuterAccount()
    const plan = speechPlan(body, fastify.models.peek(body.model))
    const outcome = request.aiOutcome
    const sent = await relay.send(request, reply, token, { interface: 'puter-tts', driver: 'ai-tts', method: 'synthesize', args: plan.args }, outcome)
    if (sent === undefined) return reply
    const { res, slot } = sent
    const type = String(res.headers['content-type'] ?? '')
    if (res.statusCode !== 200 || type.includes('json')) {
      // An error, or a JSON result where audio was due (Puter's test mode answers a link to a sample).
      await relay.resultOf(request, sent)
      throw new errors.UpstreamFailed('Puter answered the speech request without audio.')
    }
    outcome.media = { speechCharacters: body.input.length, costMicroUsd: plan.costMicroUsd }
    res.body.once('close', () => slot.release())
    res.body.once('error', (err: Error & { code?: string }) => {
      if (sent.upstream.aborted) return
      outcome.streamError = err.code === 'UND_ERR_BODY_TIMEOUT' ? 'upstream_timeout' : 'upstream_error'
      request.log.warn({ err }, 'Puter broke off the audio: the answer is cut short')
    })
    return sendAudio(reply, type.startsWith('audio/') ? type : SPEECH_CONTENT_TYPES[plan.format], res.body)
  })

  for (const translate of [false, true]) {
    fastify.post(translate ? '/audio/translations' : '/audio/transcriptions', {
      // The multipart body is read and checked by the handler (readUpload), against the same schema the document shows.
      validatorCompiler: () => () => true,
      schema: {
        tags: ['OpenAI'],
        security,
        summary: translate ? 'Create a translation' : 'Create a transcription',
        description: `${translate ? 'Audio translated into English text' : 'Audio transcribed'} by Puter's speech-to-text, with the key owner's Puter account. A multipart/form-data upload of at most ${MAX_FILE_MB} MB (413 over it). json and verbose_json answer JSON; text, srt and vtt answer text/plain.`,
        consumes: ['multipart/form-data'],
        body: TranscriptionRequestSchema,
        response: {
          200: {
            description: 'The text',
            content: {
              'application/json': { schema: TranscriptionSchema },
              'text/plain': { schema: Type.String() }
            }
          },
          ...errorResponses(400, 401, 402, 403, 404, 413, 429, 502, 504)
        }
      }
    }, async (request, reply) => {
      const caller = request.caller!
      const token = fastify.puterTokenFor(caller)
      if (!token) throw new errors.NoPuterAccount()
      const upload = await readUpload(request)
      const asked = upload.fields.model ?? (translate ? 'whisper-1' : 'gpt-4o-mini-transcribe')
      const plan = transcriptionPlan(upload.fields, translate, await fastify.admitModel(request, asked))
      const mime = audioMimeType(upload.mimetype, upload.filename)
      const args = { ...plan.args, file: `data:${mime};base64,${upload.file.toString('base64')}` }
      const outcome = request.aiOutcome
      const sent = await relay.send(request, reply, token, { interface: 'puter-speech2txt', driver: 'ai-speech2txt', method: translate ? 'translate' : 'transcribe', args }, outcome)
      if (sent === undefined) return reply
      const result = await relay.resultOf(request, sent)
      const seconds = audioSeconds(result, upload.file)
      outcome.media = { audioSeconds: seconds, costMicroUsd: Math.round(seconds * plan.usdPerSecond * 1_000_000) }
      const answer = transcriptionAnswer(result, plan.format)
      if ('text' in answer) return reply.type('text/plain; charset=utf-8').send(answer.text)
      return reply.type('application/json; charset=utf-8').send(answer.json as { text: string })
    })
  }
}

/** Sends audio bytes as they come (Fastify pipes the stream; a break mid-way destroys the answer, as it must). */
function sendAudio (reply: FastifyReply, type: string, body: NodeJS.ReadableStream): FastifyReply {
  return reply.header('content-type', type).header('cache-control', 'no-store').send(body)
}

export default audioRoutes
