// buildApp(): the whole server, in one explicit order. Used by src/server.ts and by every test.
import Fastify, { type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import fastifyEnv from '@fastify/env'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ConfigSchema, loadConfig, trustProxyOption, type Config } from './config.ts'
import { openAIErrorBody, toFault } from './errors.ts'
import openapiPlugin from './plugins/openapi.ts'
import storePlugin from './plugins/store.ts'
import sessionPlugin from './plugins/session.ts'
import puterPlugin from './plugins/puter.ts'
import apiKeyPlugin from './plugins/api-key.ts'
import healthRoutes from './routes/health.ts'
import authRoutes from './routes/auth.ts'
import keyRoutes from './routes/keys.ts'
import v1Routes from './routes/v1/index.ts'
import modelsPlugin from './plugins/models.ts'
import relayPlugin from './plugins/relay.ts'
import dashboardPlugin from './plugins/dashboard.ts'
import securityHeadersPlugin from './plugins/security-headers.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

interface BuildAppOptions {
  /** Configuration values; they override the environment when `useEnv` is set. */
  config?: Record<string, unknown>
  /** Read process.env and .env (tests don't). */
  useEnv?: boolean
  /** A configuration loadConfig() has already checked, used as is (the server loads it first, for its logger). */
  loadedConfig?: Config
  /** Logger options; defaults to pino at LOG_LEVEL with secrets redacted. */
  logger?: FastifyServerOptions['logger']
}

const SK_PATTERN = /sk-[A-Za-z0-9_-]{8,}/g

/** pino options: every header and field that can hold a secret is redacted, and sk- keys are scrubbed from messages. */
export function loggerOptions (level: string) {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]',
        'res.headers["set-cookie"]', 'token', '*.token', 'key', '*.key', 'authorization', '*.authorization'
      ],
      censor: '[redacted]'
    },
    hooks: {
      logMethod (this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => typeof a === 'string' ? a.replace(SK_PATTERN, 'sk-[redacted]') : a))
      }
    }
  }
}

/** Body limit of every route but the AI ones (sign-in, keys, unknown paths). */
const DEFAULT_BODY_LIMIT = 64 * 1024

// Paths of the OpenAI API that clients hit when their base URL lacks /v1.
const OPENAI_PATHS = /^\/(chat\/completions|completions|models|embeddings|responses|images|audio|moderations)(\/|$|\?)/

export async function buildApp (opts: BuildAppOptions = {}) {
  const config = opts.loadedConfig ?? loadConfig(opts.config, opts.useEnv)

  const app = Fastify({
    logger: opts.logger ?? loggerOptions(config.LOG_LEVEL),
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    // Small everywhere: the dashboard's JSON is tiny. The AI routes raise it to BODY_LIMIT_MB, after their key check.
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Model ids may be long and contain slashes; keep route matching generous.
    routerOptions: { maxParamLength: 500 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  if (config.TRUST_PROXY.trim().toLowerCase() === 'true') {
    app.log.warn('TRUST_PROXY=true trusts every X-Forwarded-For hop, so a client can name its own address and escape per-address limits. Set the number of proxies in front of this server (e.g. TRUST_PROXY=1) or their addresses instead')
  }

  // Config first: every plugin below reads fastify.config.
  await app.register(fastifyEnv, { schema: structuredClone(ConfigSchema), data: config, env: false, dotenv: false })
  await app.register(cookie)
  await app.register(securityHeadersPlugin)
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => Object.assign(new Error(`Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s`), { statusCode: ctx.statusCode, code: 'rate_limit_exceeded' })
  })
  await app.register(openapiPlugin)
  await app.register(storePlugin)
  await app.register(sessionPlugin)
  await app.register(puterPlugin)
  await app.register(modelsPlugin)
  await app.register(relayPlugin)
  await app.register(apiKeyPlugin)

  // Handlers before routes: route plugins inherit them when registered.
  // One error shape for every JSON route: OpenAI's. Messages are echoed for client errors only.
  app.setErrorHandler((err, request, reply) => {
    const fault = toFault(err, { bodyLimit: request.routeOptions.bodyLimit })
    if (fault.internal) request.log.error({ err }, 'request failed')
    else request.log.info({ code: fault.code, status: fault.status }, fault.message)
    return reply.code(fault.status).headers(fault.headers).send(openAIErrorBody(fault))
  })

  function notFound (request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split('?')[0]
    const message = OPENAI_PATHS.test(path)
      ? `Unknown path ${request.method} ${path}. This server's OpenAI-compatible API lives under /v1: set your client's base URL to end with /v1 (e.g. http://${request.host}/v1).`
      : `Unknown path ${request.method} ${path}`
    return reply.code(404).send(openAIErrorBody({ message, type: 'invalid_request_error', param: null, code: 'not_found' }))
  }
  app.setNotFoundHandler(notFound)
  // Unknown paths are answered before their body is read: nothing unauthenticated makes the server parse a body.
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return notFound(request, reply)
  })

  await app.register(healthRoutes)
  await app.register(authRoutes, { prefix: '/auth' })
  await app.register(keyRoutes, { prefix: '/v1/keys' })
  await app.register(v1Routes, { prefix: '/v1' })
  await app.register(dashboardPlugin)

  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
