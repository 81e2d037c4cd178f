// POST /v1/images/generations: OpenAI's image generation on Puter's image models, one call to Puter per image.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../schemas/common.ts'
import { ImageRequestSchema, ImagesResponseSchema } from '../../gateway/media/schema.ts'
import { formatOf, imagePlan, toImageDatum, type ImageDatum } from '../../gateway/media/images.ts'
import { DEFAULT_IMAGE_MODEL } from '../../gateway/media/catalog.ts'
import { errors } from '../../errors.ts'

/** Largest image downloaded from an address Puter gives, when b64_json is asked for. */
const MAX_IMAGE_BYTES = 50 * 1024 * 1024

const imageRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { relay, config } = fastify

  fastify.post('/images/generations', {
    schema: {
      tags: ['OpenAI'],
      security: [{ bearerAuth: [] }],
      summary: 'Create images',
      description: "Images from a prompt on Puter's image models, with the key owner's Puter account: `n` calls to Puter (each counted in usage and against the account's limits). A size the model cannot make is refused, naming its sizes.",
      body: ImageRequestSchema,
      response: { 200: ImagesResponseSchema, ...errorResponses(400, 401, 402, 403, 404, 413, 429, 502, 504) }
    }
  }, async (request, reply) => {
    const body = request.body
    const caller = request.caller!
    const token = fastify.puterTokenFor(caller)
    if (!token) throw new errors.NoPuterAccount()
    // The default model too is checked against the key's allowedModels.
    const model = await fastify.admitModel(request, body.model ?? DEFAULT_IMAGE_MODEL)
    const plan = imagePlan(body, model)
    const outcome = request.aiOutcome
    const format = body.response_format ?? 'b64_json'
    const limits = { timeoutMs: config.PUTER_TIMEOUT_MS, maxBytes: MAX_IMAGE_BYTES }
    let made = 0
    outcome.media = { images: 0, costMicroUsd: 0 }

    /** One image: a call to Puter, its result turned into OpenAI's datum. */
    async function one (): Promise<{ datum: ImageDatum, mime?: string } | undefined> {
      const sent = await relay.send(request, reply, token!, { interface: 'puter-image-generation', driver: 'ai-image', method: 'generate', args: plan.args }, outcome)
      if (sent === undefined) return undefined
      const result = await relay.resultOf(request, sent)
      // Puter made (and billed) the image once it answered with it, whatever happens to the download.
      made++
      outcome.media = { images: made, costMicroUsd: made * plan.costMicroUsd }
      return toImageDatum(result, format, limits)
    }

    // Every call is waited for (each holds a turn in the account's queue), then the first failure, if any, is thrown.
    const settled = await Promise.allSettled(Array.from({ length: body.n ?? 1 }, one))
    const failed = settled.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
    const images = settled.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof one>>>).value)
    // The client went away: there is no one to answer.
    if (images.some((i) => i === undefined) || reply.sent) return reply
    const data = images.map((i) => i!.datum)
    const answer: { created: number, data: ImageDatum[], size?: string, quality?: string, output_format?: string } = { created: Math.floor(fastify.now() / 1000), data }
    if (plan.size) answer.size = plan.size
    if (plan.quality) answer.quality = plan.quality
    const outputFormat = formatOf(images[0]!.mime)
    if (outputFormat) answer.output_format = outputFormat
    return answer
  })
}

export default imageRoutes
