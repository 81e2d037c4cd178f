// Liveness and readiness. /health answers once the store has loaded (plugins finish loading before the server
// listens) and costs nothing; /health/ready asks the store (and its database) and says 503 while shutting down.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HealthSchema, NotReadySchema, ReadySchema } from '../schemas/common.ts'

/** Longest the readiness check waits for the store: a load balancer's own timeout is typically a few seconds. */
const READY_TIMEOUT_MS = 2500

class ReadyTimeout extends Error {}

const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health', {
    schema: { tags: ['Health'], summary: 'Health check (liveness)', response: { 200: HealthSchema } }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/health/ready', {
    schema: {
      tags: ['Health'],
      summary: 'Readiness check',
      description: 'For a load balancer: 200 when the store answers (with a database, a SELECT 1 through its pool); 503 when it does not, and from the moment a shutdown begins (SIGTERM/SIGINT), for DRAIN_SECONDS before the server closes.',
      response: { 200: ReadySchema, 503: NotReadySchema }
    }
  }, async (request, reply) => {
    if (fastify.draining) {
      reply.code(503)
      return { status: 'draining' as const }
    }
    const { store } = fastify
    if (store.ping === undefined) return { status: 'ready' as const, store: 'ok' as const }
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        store.ping(),
        new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new ReadyTimeout()), READY_TIMEOUT_MS) })
      ])
    } catch (err) {
      const timedOut = err instanceof ReadyTimeout
      request.log.warn({ err: timedOut ? undefined : err }, timedOut ? 'readiness: the store did not answer in time' : 'readiness: the store failed its check')
      reply.code(503)
      return { status: 'unavailable' as const, store: timedOut ? 'timeout' as const : 'error' as const }
    } finally {
      clearTimeout(timer)
    }
    return { status: 'ready' as const, store: 'ok' as const }
  })
}

export default healthRoutes
