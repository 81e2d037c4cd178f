// The AI API under /v1, for machines: open CORS, API-key authentication, a larger body limit, the lean security
// headers, and usage counted when each request ends. Each client API's routes are registered inside.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Model } from '../../schemas/models.ts'
import cors from '@fastify/cors'
import { errors, toFault, withDetails } from '../../errors.ts'
import { modelAllowed } from '../../gateway/key-policy.ts'
import modelRoutes from './models.ts'
import chatCompletionRoutes from './chat-completions.ts'
import messagesRoutes from './messages.ts'
import responsesRoutes from './responses.ts'
import imageRoutes from './images.ts'
import audioRoutes from './audio.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Refuses a model outside the key's allowedModels (403 model_not_allowed); its catalogue entry otherwise. */
    admitModel: (request: FastifyRequest, asked: string) => Promise<Model | undefined>
  }
}

const v1Routes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify
  const bodyLimit = Math.floor(config.BODY_LIMIT_MB * 1024 * 1024)

  // Any origin, no credentials; preflights reflect the requested headers (Authorization, x-stainless-*). CORS answers
  // preflights through one catch-all OPTIONS route, which also matches /v1/keys: those stay same-origin.
  const openCors = {
    origin: '*',
    credentials: false,
    methods: ['GET', 'POST', 'OPTIONS'],
    maxAge: 86400,
    exposedHeaders: ['x-request-id', 'retry-after', 'x-should-retry', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests']
  }
  const noCors = { origin: false }
  // The dashboard's own routes under /v1 (keys, usage, audit) stay same-origin.
  const sessionPaths = /^\/v1\/(keys|usage|audit)(\/|\?|$)/
  await fastify.register(cors, () => (req: { url?: string }, cb: (err: Error | null, opts: object) => void) => {
    cb(null, sessionPaths.test(req.url ?? '') ? noCors : openCors)
  })

  // Machine-to-machine JSON and event streams: never rendered as pages, so the lean header set (security-headers),
  // and room for images in chat bodies. The key is checked in onRequest, before any body is read.
  /**
   * Checks a model against the key's allowedModels and keeps it for the request's usage entry under the catalogue's
   * name for it; resolves with its catalogue entry. The preHandler above calls it for a JSON body's `model`; a route
   * whose model is a default or comes in a multipart body calls it itself.
   */
  fastify.decorate('admitModel', async function admitModel (request: FastifyRequest, asked: string) {
    // From memory; only a server's first requests wait for the catalogue (aliases and prices come from it).
    const model = fastify.models.peek(asked) ?? await fastify.models.get(asked).catch(() => undefined)
    request.aiOutcome.model = model?.id ?? asked
    const key = request.caller?.key
    if (!key || modelAllowed(key, asked, model)) return model
    throw withDetails(new errors.ModelNotAllowed(asked, key.allowedModels.join(', ')), { param: 'model' })
  })

  fastify.addHook('onRoute', (route) => {
    route.config = { ...route.config, securityHeaders: 'api' }
    route.bodyLimit ??= bodyLimit
  })
  fastify.addHook('onRequest', fastify.requireApiKey)
  // The model asked for, checked against the key's allowedModels once the body is read (every client API names it
  // in `model`), and kept for the request's usage entry under the catalogue's name for it.
  fastify.addHook('preHandler', async (request) => {
    const asked = (request.body as { model?: unknown } | undefined)?.model
    if (typeof asked !== 'string' || asked === '') return
    await fastify.admitModel(request, asked)
  })
  // A refused or failed request's code, for the key's recent requests.
  fastify.addHook('onError', async (request, _reply, err) => {
    if (request.aiOutcome) request.aiOutcome.errorCode = toFault(err).code
  })
  // JSON only: without this, a text/plain body reached the schema as a string ("body must be object") while a form
  // body got 415. Every other content type now gets 415 unsupported_media_type.
  fastify.removeContentTypeParser('text/plain')

  await fastify.register(modelRoutes)
  await fastify.register(chatCompletionRoutes)
  await fastify.register(messagesRoutes)
  await fastify.register(responsesRoutes)
  await fastify.register(imageRoutes)
  await fastify.register(audioRoutes)
}

export default v1Routes
