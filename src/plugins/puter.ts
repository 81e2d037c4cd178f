// Decorates the instance with the Puter API client; its connection pool closes with the app.
import fp from 'fastify-plugin'
import { createPuterClient, type PuterClient } from '../puter/client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    puter: PuterClient
  }
}

export default fp(async function puterPlugin (fastify) {
  const { config } = fastify
  const puter = createPuterClient({
    origin: config.PUTER_API_ORIGIN,
    connectTimeoutMs: config.PUTER_CONNECT_TIMEOUT_MS,
    timeoutMs: config.PUTER_TIMEOUT_MS,
    maxConnections: config.PUTER_MAX_CONNECTIONS
  })
  fastify.decorate('puter', puter)
  fastify.addHook('onClose', async () => puter.close())
}, { name: 'puter-client', dependencies: ['@fastify/env'] })
