// Liveness: answers once the store has loaded (plugins finish loading before the server listens).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HealthSchema } from '../schemas/common.ts'

const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health', {
    schema: { tags: ['Health'], summary: 'Health check', response: { 200: HealthSchema } }
  }, async () => ({ status: 'ok' as const }))
}

export default healthRoutes
