// Decorates the instance with the relay that runs every AI call to Puter; its timer stops with the app.
import fp from 'fastify-plugin'
import { createRelay, type Relay } from '../gateway/relay.ts'

declare module 'fastify' {
  interface FastifyInstance {
    relay: Relay
  }
}

export default fp(async function relayPlugin (fastify) {
  const { config } = fastify
  const relay = createRelay({
    puter: fastify.puter,
    keepAliveMs: config.STREAM_KEEPALIVE_SECONDS * 1000,
    maxStreamMs: config.MAX_STREAM_SECONDS * 1000
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
