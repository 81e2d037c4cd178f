// Decorates the instance with the model catalogue (Puter's chat and image models, cached, and the speech and
// transcription models Puter serves), for any route that lists or resolves models.
import fp from 'fastify-plugin'
import { createModelCatalog } from '../gateway/models.ts'
import { audioModels } from '../gateway/media/catalog.ts'
import { PuterNetworkError } from '../puter/client.ts'
import { networkFailure } from '../puter/failures.ts'
import { errors } from '../errors.ts'
import type { Model } from '../schemas/models.ts'

interface Models {
  /** Every model; throws a named upstream error when Puter's list was never fetched and cannot be now. */
  list: () => Promise<Model[]>
  /** A model by id or alias (case-insensitive), or undefined. */
  get: (id: string) => Promise<Model | undefined>
  /** A model by id or alias from the catalogue as last fetched, never fetching: for hot paths (pricing, checks). */
  peek: (id: string) => Model | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    models: Models
  }
}

export default fp(async function modelsPlugin (fastify) {
  const { puter, config } = fastify
  const catalog = createModelCatalog({
    fetchDetails: () => puter.modelDetails('chat'),
    fetchImageDetails: () => puter.modelDetails('image'),
    extra: audioModels(),
    ttlMs: config.MODELS_CACHE_TTL_SECONDS * 1000,
    onRefreshError: (err) => fastify.log.warn({ err }, 'model list refresh failed; serving the cached list')
  })

  async function guarded<T> (fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      fastify.log.warn({ err }, 'could not fetch the model list from Puter')
      throw err instanceof PuterNetworkError ? networkFailure(err) : new errors.UpstreamFailed('Puter did not return its model list; try again later.')
    }
  }

  fastify.decorate('models', {
    list: () => guarded(() => catalog.list()),
    get: (id: string) => guarded(() => catalog.get(id)),
    peek: (id: string) => catalog.peek(id)
  })
}, { name: 'models', dependencies: ['puter-client'] })
