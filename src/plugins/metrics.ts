// GET /metrics in Prometheus' text format, off unless METRICS_TOKEN (on the main port, Bearer) or METRICS_PORT (a second
// listener on loopback, no token) is set. Its own prom-client registry: requests by route, status, client API and
// model; upstream time to first byte and request duration; streams open and the Puter account queue (read at scrape
// time); store writes, database statements and other instances' change notes; the process's default metrics.
import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { Type, errorResponses } from '../schemas/common.ts'
import { openAIErrorBody } from '../errors.ts'
import { SPEECH_MODELS, TRANSCRIPTION_MODELS } from '../gateway/media/catalog.ts'
import { asMetric, countRequest, indexedHistogram, requestCounter, type RouteCounts } from '../metrics.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The metrics of GET /metrics; null when neither METRICS_TOKEN nor METRICS_PORT is set. */
    metrics: Metrics | null
  }
}

/** The client API of each route the API-key guard counts (in plugins/api-key.ts); other /v1 routes of the guard are 'v1'. */
const AI_APIS: Record<string, string> = {
  '/v1/chat/completions': 'openai-chat',
  '/v1/responses': 'openai-responses',
  '/v1/responses/:id': 'openai-responses',
  '/v1/messages': 'anthropic-messages',
  '/v1/messages/count_tokens': 'anthropic-messages',
  '/v1/images/generations': 'images',
  '/v1/audio/speech': 'speech',
  '/v1/audio/transcriptions': 'transcription',
  '/v1/audio/translations': 'transcription',
  '/v1/models': 'models',
  '/v1/models/*': 'models'
}
const APIS = [...new Set(Object.values(AI_APIS)), 'v1', 'dashboard', 'health', 'metrics', 'preflight']
// The dashboard's own routes under /v1: counted like the other dashboard routes, not by the key guard.
const DASHBOARD_V1 = /^\/v1\/(keys|usage|audit)(\/|$)/
const AUDIO_MODELS = new Set([...SPEECH_MODELS, ...TRANSCRIPTION_MODELS].map((m) => m.id))

const TTFB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900]
const QUEUE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const STORE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

const sha256 = (s: string) => createHash('sha256').update(s).digest()
const COUNTED = Symbol('metrics')

export default fp(async function metricsPlugin (fastify) {
  const { config, store, relay } = fastify
  const token = config.METRICS_TOKEN
  if (token === undefined && config.METRICS_PORT === undefined) {
    fastify.decorate('metrics', null)
    return
  }
  const registry = new Registry()
  // Node's and the process's own metrics under their usual names (process_*, nodejs_*), as stock dashboards read them.
  collectDefaultMetrics({ register: registry })

  const routes = new Map<string, RouteCounts>()
  const routeCounts = (route: string, api: string): RouteCounts => {
    let entry = routes.get(route)
    if (entry === undefined) {
      entry = { route, api, apiIndex: APIS.indexOf(api), counts: new Map() }
      routes.set(route, entry)
    }
    return entry
  }
  // Every route gets its entry as it is registered; anything else (there should be nothing) counts as one route.
  const unmatched = routeCounts('unmatched', 'v1')
  registry.registerMetric(asMetric(requestCounter('pks_http_requests_total',
    'Requests answered, by method, route pattern, status (499: the client went away first), client API and model (a catalogue id, other, or none)',
    () => routes.values())))
  const ttfb = indexedHistogram('pks_upstream_ttfb_seconds', "Seconds from the start of an AI request's call to Puter (its queue wait included) to Puter's first byte", 'api', APIS, TTFB_BUCKETS)
  const duration = indexedHistogram('pks_request_duration_seconds', 'Seconds from the arrival of an AI request with a valid key to its end (a stream: its last byte)', 'api', APIS, DURATION_BUCKETS)
  registry.registerMetric(asMetric(ttfb.metric))
  registry.registerMetric(asMetric(duration.metric))

  const metrics: Metrics = {
    registry,
    /**
     * Counts one AI request once it ended (the key guard's close listener): `route` is its pattern, `model` the
     * model asked for (null: none), `catalogued` whether the catalogue knows it (else it counts as 'other').
     */
    observeRequest (method: string, route: string, status: number, model: string | null, catalogued: boolean, ttfbMs: number | null, durationMs: number | null): void {
      const entry = routes.get(route) ?? unmatched
      countRequest(entry, method, status, model === null ? 'none' : catalogued || AUDIO_MODELS.has(model) ? model : 'other')
      if (ttfbMs !== null) ttfb.observe(entry.apiIndex, ttfbMs / 1000)
      if (durationMs !== null) duration.observe(entry.apiIndex, durationMs / 1000)
    },
    /** The port of the METRICS_PORT listener once it listens (METRICS_PORT=0 picks a free one); null otherwise. */
    get port (): number | null {
      return (listener?.address() as AddressInfo | null)?.port ?? null
    }
  }
  fastify.decorate('metrics', metrics)

  // Routes outside the key guard are counted when they answer, by a hook given to each of them only (the AI routes,
  // counted by the guard, get none). Routes registered before this plugin (the API docs) are not counted.
  fastify.addHook('onRoute', (route) => {
    const url = route.url
    if (url.startsWith('/v1/') && !DASHBOARD_V1.test(url) && route.method !== 'OPTIONS') {
      routeCounts(url, AI_APIS[url] ?? 'v1')
      return
    }
    const hooks = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse]
    if (hooks.some((h) => COUNTED in h)) return
    const api = route.method === 'OPTIONS' ? 'preflight' : url.startsWith('/health') ? 'health' : url === '/metrics' ? 'metrics' : 'dashboard'
    const entry = routeCounts(url, api)
    const counted: onResponseHookHandler = Object.assign(function countResponse (request: FastifyRequest, reply: FastifyReply, done: () => void) {
      countRequest(entry, request.method, reply.statusCode, 'none')
      done()
    }, { [COUNTED]: true })
    route.onResponse = [...hooks, counted]
  })

  // Gauges read when scraped: nothing is counted per request for them.
  const gauge = (name: string, help: string, read: () => number) => {
    registry.registerMetric(new Gauge({ name, help, registers: [], collect () { this.set(read()) } }))
  }
  gauge('pks_streams_open', 'Streamed answers open now', () => relay.openStreams)
  const queue = relay.queue
  if (queue !== undefined) {
    gauge('pks_puter_queue_waiting', "AI calls waiting for a turn in their Puter account's queue, all accounts together", () => queue.load().waiting)
    gauge('pks_puter_queue_in_flight', 'AI calls holding a turn (at Puter), all accounts together', () => queue.load().inFlight)
    gauge('pks_puter_queue_accounts_waiting', 'Puter accounts with calls waiting (counted, never named)', () => queue.load().accountsWaiting)
    const wait = new Histogram({
      name: 'pks_puter_queue_wait_seconds',
      help: "Seconds AI calls that found their Puter account's limits reached waited, by how the wait ended (granted, timeout: answered 429, abandoned: the client went away)",
      labelNames: ['end'],
      buckets: QUEUE_BUCKETS,
      registers: [registry]
    })
    queue.onWaited = (ms, end) => wait.observe({ end }, ms / 1000)
  }

  // The store: its writes and, with a database, its statements and the change notes of other instances.
  const backend = config.DATABASE_URL === undefined ? 'json' : 'postgresql'
  const writes = new Histogram({ name: 'pks_store_write_duration_seconds', help: 'Seconds each store write took (the changes of a tick in one file write or one transaction, retries included)', labelNames: ['backend', 'outcome'], buckets: STORE_BUCKETS, registers: [registry] })
  const queries = backend === 'postgresql'
    ? new Histogram({ name: 'pks_database_query_duration_seconds', help: 'Seconds each statement sent to the database took', buckets: STORE_BUCKETS, registers: [registry] })
    : null
  const invalidations = backend === 'postgresql'
    ? new Counter({ name: 'pks_store_invalidations_total', help: 'Notes of changes other instances made, received through LISTEN, by type (the caches they name are read again)', labelNames: ['type'], registers: [registry] })
    : null
  const unobserve = store.observe?.({
    write: (seconds, ok) => writes.observe({ backend, outcome: ok ? 'ok' : 'error' }, seconds),
    query: queries === null ? undefined : (seconds) => queries.observe(seconds),
    invalidation: invalidations === null ? undefined : (type) => invalidations.inc({ type })
  })
  const changes = new Counter({ name: 'pks_store_changes_total', help: "The store's change events by type (this instance's changes and, with a database, other instances')", labelNames: ['type'], registers: [registry] })
  const unsubscribe = store.onChange((change) => changes.inc({ type: change.type }))

  // GET /metrics on the main port, behind the token.
  if (token !== undefined) {
    const expected = sha256(token)
    const requireMetricsToken = async (request: FastifyRequest, reply: FastifyReply) => {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
      // Digests of equal length compared in constant time: neither the token nor its length shows in the timing.
      if (m !== null && timingSafeEqual(sha256(m[1]), expected)) return
      request.log.info('GET /metrics refused: missing or wrong METRICS_TOKEN')
      return reply.code(401).header('www-authenticate', 'Bearer').send(openAIErrorBody({
        message: 'GET /metrics needs the header Authorization: Bearer <METRICS_TOKEN>',
        type: 'authentication_error',
        param: null,
        code: 'invalid_metrics_token'
      }))
    }
    fastify.get('/metrics', {
      onRequest: requireMetricsToken,
      schema: {
        tags: ['Health'],
        summary: 'Prometheus metrics',
        description: 'Metrics in Prometheus\' text format, for a scraper presenting `Authorization: Bearer <METRICS_TOKEN>`. Present only when METRICS_TOKEN is set; METRICS_PORT serves the same on a second, loopback listener without a token.',
        response: {
          200: { description: "Prometheus' text exposition format 0.0.4", content: { 'text/plain': { schema: Type.String() } } },
          ...errorResponses(401)
        }
      }
    }, async (_request, reply) => {
      const text = await registry.metrics()
      return reply.type(registry.contentType).send(text)
    })
  }

  // The METRICS_PORT listener: plain node:http, GET /metrics only, no token (it is meant for loopback).
  let listener: Server | null = null
  if (config.METRICS_PORT !== undefined) {
    const port = config.METRICS_PORT
    const host = config.METRICS_HOST
    if (!/^(127\.|::1$|localhost$)/.test(host)) fastify.log.warn({ host, port }, 'METRICS_HOST is not a loopback address: /metrics is served there without a token, so firewall that port')
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: this port serves GET /metrics only\n')
        return
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err) => {
          fastify.log.error({ err }, 'metrics could not be collected')
          res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics could not be collected\n')
        })
    })
    fastify.addHook('onReady', async () => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`Cannot serve metrics on METRICS_HOST=${host} METRICS_PORT=${port}: ${err.code ?? err.message}. Set METRICS_PORT to a free port`)))
        server.listen(port, host, () => resolve())
      })
      listener = server
      fastify.log.info({ host, port: metrics.port }, 'Metrics: GET /metrics on a separate listener')
    })
    fastify.addHook('onClose', async () => {
      if (!server.listening) return
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
  }

  fastify.addHook('onClose', async () => {
    unsubscribe()
    unobserve?.()
    if (queue !== undefined) queue.onWaited = undefined
  })
}, { name: 'metrics', dependencies: ['store', 'relay'] })

export interface Metrics {
  /** This app's own registry (several apps in one process do not share one). */
  registry: Registry
  observeRequest (method: string, route: string, status: number, model: string | null, catalogued: boolean, ttfbMs: number | null, durationMs: number | null): void
  readonly port: number | null
}
