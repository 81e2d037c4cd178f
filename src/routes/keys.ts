// Key management for the signed-in user: create, list, reveal, revoke. A user only ever sees their own keys.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, type Static } from '../schemas/common.ts'
import { CreateKeyBodySchema, CreatedKeySchema, DeletedKeySchema, KeyIdParamsSchema, KeyListSchema, KeySummarySchema, RevealedKeySchema } from '../schemas/keys.ts'
import type { CreatedKey, KeyView } from '../store/types.ts'
import { errors } from '../errors.ts'

/** A key as the API lists it. */
function keySummary (k: KeyView): Static<typeof KeySummarySchema> {
  return { id: k.id, name: k.name, preview: k.preview, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, requestCount: k.requestCount, hasSecret: k.hasSecret }
}

/** A new key as the API answers its creation: the only answer that holds the full key unasked. */
function createdKey (k: CreatedKey): Static<typeof CreatedKeySchema> {
  return { id: k.id, name: k.name, preview: k.preview, createdAt: k.createdAt, key: k.key, hasSecret: k.hasSecret }
}

const keyRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { store, config } = fastify
  const security = [{ sessionCookie: [] }]
  const tags = ['Keys']

  fastify.addHook('onRequest', fastify.requireSession)
  fastify.addHook('onRequest', fastify.requireSameOrigin)

  fastify.post('', {
    schema: {
      tags,
      security,
      summary: 'Create an API key',
      description: 'Mints a random `sk-` key. The full key is in this answer (sent with `Cache-Control: no-store`); later it can be revealed only when the server runs with KEY_REVEAL=true.',
      body: CreateKeyBodySchema,
      response: { 201: CreatedKeySchema, ...errorResponses(400, 401, 403, 409, 415, 500) }
    },
    // Every field is optional, so no body at all (or an empty JSON one) means {}.
    preValidation: async (request) => {
      request.body ??= {}
    }
  }, async (request, reply) => {
    // The answer holds the full key: no cache may keep it.
    reply.header('cache-control', 'no-store')
    const created = await store.createKey(request.user!.uuid, {
      name: request.body?.name,
      keepSecret: config.KEY_REVEAL,
      maxKeys: config.MAX_KEYS_PER_USER
    })
    reply.code(201)
    return createdKey(created)
  })

  fastify.get('', {
    schema: {
      tags,
      security,
      summary: 'List your API keys',
      response: { 200: KeyListSchema, ...errorResponses(401, 403) }
    }
  }, async (request) => {
    return { object: 'list' as const, data: (await store.listKeys(request.user!.uuid)).map(keySummary) }
  })

  fastify.get('/:id/reveal', {
    schema: {
      tags,
      security,
      summary: 'Reveal the full key',
      description: 'Answers with `Cache-Control: no-store`. 404 when the key is not yours, or was created with KEY_REVEAL off.',
      params: KeyIdParamsSchema,
      response: { 200: RevealedKeySchema, ...errorResponses(401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { id } = request.params
    reply.header('cache-control', 'no-store')
    const result = await store.revealKey(request.user!.uuid, id)
    if ('error' in result) throw result.error === 'no_secret' ? new errors.KeyHasNoSecret(id) : new errors.KeyNotFound(id)
    return { id, key: result.key }
  })

  fastify.delete('/:id', {
    schema: {
      tags,
      security,
      summary: 'Revoke an API key',
      description: 'The key stops authenticating requests at once.',
      params: KeyIdParamsSchema,
      response: { 200: DeletedKeySchema, ...errorResponses(401, 403, 404, 500) }
    }
  }, async (request) => {
    const { id } = request.params
    if (!await store.deleteKey(request.user!.uuid, id)) throw new errors.KeyNotFound(id)
    return { id, deleted: true as const }
  })
}

export default keyRoutes
