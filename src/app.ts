// buildApp(): the whole server, in one explicit order. Used by src/server.ts and by every test.
import Fastify, { type FastifyBodyParser, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import fastifyEnv from '@fastify/env'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ConfigSchema, loadConfig, trustProxyOption, type Config } from './config.ts'
import { loggerOptions } from './logging.ts'
import { clientErrorResponse, errors, openAIErrorBody, toFault } from './errors.ts'
import openapiPlugin from './plugins/openapi.ts'
import storePlugin from './plugins/store.ts'
import sessionPlugin from './plugins/session.ts'
import puterPlugin from './plugins/puter.ts'
import apiKeyPlugin from './plugins/api-key.ts'
import healthRoutes from './routes/health.ts'
import authRoutes from './routes/auth.ts'
import keyRoutes from './routes/keys.ts'
import usageRoutes from './routes/usage.ts'
import accountRoutes from './routes/account.ts'
import adminRoutes from './routes/admin.ts'
import v1Routes from './routes/v1/index.ts'
import modelsPlugin from './plugins/models.ts'
import relayPlugin from './plugins/relay.ts'
import metricsPlugin from './plugins/metrics.ts'
import dashboardPlugin from './plugins/dashboard.ts'
import securityHeadersPlugin from './plugins/security-headers.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    /** The clock of every time-based rule (expiry, rate windows, budgets, sessions): Date.now unless a test sets one. */
    now: () => number
    /** Set by src/server.ts when a shutdown begins: GET /health/ready answers 503 from then on. */
    draining: boolean
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
  /** The clock (ms since the epoch); tests move it to pass expiry dates, rate windows and budget periods. */
  now?: () => number
}

/** A caller's x-request-id is kept only when it is short and plain (it goes into logs and answers). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function requestId (req: IncomingMessage): string {
  const id = req.headers['x-request-id']
  return typeof id === 'string' && SAFE_REQUEST_ID.test(id) ? id : randomUUID()
}

/** The one error answer of every JSON route, in OpenAI's shape. Messages are echoed for client errors only. */
function sendError (err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const fault = toFault(err, { bodyLimit: request.routeOptions.bodyLimit })
  if (fault.internal) request.log.error({ err }, 'request failed')
  else request.log.info({ code: fault.code, status: fault.status }, fault.message)
  return reply.code(fault.status).headers(fault.headers).send(openAIErrorBody(fault))
}

/** A request Node could not parse has no reply object: the answer is written to the socket, which is then closed. */
function answerClientError (this: { log: FastifyRequest['log'] }, err: Error & { code?: string }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  this.log.debug({ code: err.code }, 'unparsable request refused')
  // As Node's own handler: never write into a response already under way on this connection, just close it.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (socket.writable && inFlight?.headersSent !== true) socket.end(clientErrorResponse(err), () => socket.destroy())
  else socket.destroy()
}

/**
 * JSON bodies through Fastify's own parser (which refuses `__proto__` and `constructor.prototype`), but an empty body
 * is no body (a route's schema says whether it needs one), and a refused property is named, not called invalid JSON.
 */
function jsonBodyParser (parse: FastifyBodyParser<string>): FastifyBodyParser<string> {
  return (request, body, done) => {
    if (body === '') return done(null, undefined)
    parse(request, body, (err, value) => {
      const property = err ? refusedProperty(body) : undefined
      done(property ? new errors.ForbiddenJsonProperty(property) : err, value)
    })
  }
}

/** Which poisoning property valid JSON holds; undefined for text that is not JSON at all. */
function refusedProperty (body: string): string | undefined {
  let found = 'constructor.prototype'
  try {
    JSON.parse(body, (key, value) => {
      if (key === '__proto__') found = '__proto__'
      return value
    })
  } catch {
    return undefined
  }
  return found
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
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // Not requestIdHeader: Fastify would take the caller's header as is; requestId() checks it first.
    requestIdHeader: false,
    genReqId: requestId,
    // Fastify's own refusals (a bad percent-encoding in the URL) and unparsable requests answer in OpenAI's shape too.
    frameworkErrors: (err, request, reply) => sendError(err, request, reply.header('x-request-id', request.id)),
    clientErrorHandler: answerClientError
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Every answer names its request, as OpenAI's do (clients and the SDK report it with errors). Unknown paths are
  // answered here, before their body is read: nothing unauthenticated makes the server parse a body. One
  // callback-style hook for both: it runs on every request, the hot AI routes included.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    if (request.is404) {
      notFound(request, reply)
      return
    }
    done()
  })
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser(app.getDefaultJsonParser('error', 'error')))

  if (config.TRUST_PROXY.trim().toLowerCase() === 'true') {
    app.log.warn('TRUST_PROXY=true trusts every X-Forwarded-For hop, so a client can name its own address and escape per-address limits. Set the number of proxies in front of this server (e.g. TRUST_PROXY=1) or their addresses instead')
  }

  app.decorate('now', opts.now ?? Date.now)
  app.decorate('draining', false)
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
  // Before the key guard (which counts requests through it) and the routes (each is counted as registered).
  await app.register(metricsPlugin)
  await app.register(apiKeyPlugin)

  // Handlers before routes: route plugins inherit them when registered. One error shape for every JSON route.
  app.setErrorHandler(sendError)

  function notFound (request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split('?')[0]
    const message = OPENAI_PATHS.test(path)
      ? `Unknown path ${request.method} ${path}. This server's OpenAI-compatible API lives under /v1: set your client's base URL to end with /v1 (e.g. http://${request.host}/v1).`
      : `Unknown path ${request.method} ${path}`
    return reply.code(404).send(openAIErrorBody({ message, type: 'invalid_request_error', param: null, code: 'not_found' }))
  }
  app.setNotFoundHandler(notFound)

  await app.register(healthRoutes)
  await app.register(authRoutes, { prefix: '/auth' })
  await app.register(keyRoutes, { prefix: '/v1/keys' })
  await app.register(usageRoutes, { prefix: '/v1' })
  await app.register(accountRoutes, { prefix: '/account' })
  await app.register(adminRoutes, { prefix: '/admin' })
  await app.register(v1Routes, { prefix: '/v1' })
  await app.register(dashboardPlugin)

  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
