// The AI API under /v1, for machines: open CORS, API-key authentication, a larger body limit, the lean security
// headers, and usage counted when each request ends. Each client API's routes are registered inside.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import cors from '@fastify/cors'
import modelRoutes from './models.ts'
import chatCompletionRoutes from './chat-completions.ts'

const v1Routes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify
  const bodyLimit = Math.floor(config.BODY_LIMIT_MB * 1024 * 1024)

  // Any origin, no credentials; preflights reflect the requested headers (Authorization, x-stainless-*). CORS answers
  // preflights through one catch-all OPTIONS route, which also matches /v1/keys: those stay same-origin.
  const openCors = { origin: '*', credentials: false, methods: ['GET', 'POST', 'OPTIONS'], maxAge: 86400, exposedHeaders: ['x-request-id', 'retry-after', 'x-should-retry'] }
  const noCors = { origin: false }
  await fastify.register(cors, () => (req: { url?: string }, cb: (err: Error | null, opts: object) => void) => {
    cb(null, (req.url ?? '').startsWith('/v1/keys') ? noCors : openCors)
  })

  // Machine-to-machine JSON and event streams: never rendered as pages, so the lean header set (security-headers),
  // and room for images in chat bodies. The key is checked in onRequest, before any body is read.
  fastify.addHook('onRoute', (route) => {
    route.config = { ...route.config, securityHeaders: 'api' }
    route.bodyLimit ??= bodyLimit
  })
  fastify.addHook('onRequest', fastify.requireApiKey)
  // JSON only: without this, a text/plain body reached the schema as a string ("body must be object") while a form
  // body got 415. Every other content type now gets 415 unsupported_media_type.
  fastify.removeContentTypeParser('text/plain')

  await fastify.register(modelRoutes)
  await fastify.register(chatCompletionRoutes)
}

export default v1Routes
