// Decorates the instance with the relay that runs every AI call to Puter, with its queue per Puter account; its timer
// stops with the app.
import fp from 'fastify-plugin'
import { createRelay, type Relay } from '../gateway/relay.ts'
import { createPuterQueue } from '../gateway/puter-queue.ts'

declare module 'fastify' {
  interface FastifyInstance {
    relay: Relay
  }
}

export default fp(async function relayPlugin (fastify) {
  const { config } = fastify
  for (const name of ['CONCURRENCY', 'WINDOW'] as const) {
    const min = config[`PUTER_ACCOUNT_${name}_MIN`]
    const max = config[`PUTER_ACCOUNT_${name}_MAX`]
    if (min > max) throw new Error(`Invalid configuration: PUTER_ACCOUNT_${name}_MIN=${min} is above PUTER_ACCOUNT_${name}_MAX=${max}; set MIN at most MAX (equal to pin the limit)`)
  }
  const queue = createPuterQueue({
    timeoutMs: config.PUTER_QUEUE_TIMEOUT_SECONDS * 1000,
    concurrency: { min: config.PUTER_ACCOUNT_CONCURRENCY_MIN, max: config.PUTER_ACCOUNT_CONCURRENCY_MAX },
    window: { min: config.PUTER_ACCOUNT_WINDOW_MIN, max: config.PUTER_ACCOUNT_WINDOW_MAX },
    // Several instances on one database hold each account's limits together.
    shares: fastify.shares
  })
  const relay = createRelay({
    puter: fastify.puter,
    keepAliveMs: config.STREAM_KEEPALIVE_SECONDS * 1000,
    maxStreamMs: config.MAX_STREAM_SECONDS * 1000,
    queue
  })
  fastify.decorate('relay', relay)
  // A revoked or disabled key stops at once, its open streams included (with a shared store, on every instance).
  const unsubscribe = fastify.store.onChange((change) => {
    if (change.type !== 'key-deleted' && change.type !== 'key-updated') return
    let n = 0
    if (change.type === 'key-deleted') {
      n = relay.closeStreamsOf(change.keyId, 'This API key was revoked; the answer was cut off.')
    } else if (fastify.store.keyById(change.keyId)?.disabled === true) {
      n = relay.closeStreamsOf(change.keyId, 'This API key was disabled by its owner; the answer was cut off.', 'key_disabled')
    }
    if (n > 0) fastify.log.info({ keyId: change.keyId, streams: n }, 'closed the open streams of a revoked or disabled key')
  })
  fastify.addHook('onClose', async () => {
    unsubscribe()
    relay.close()
  })
}, { name: 'relay', dependencies: ['puter-client', 'store'] })
