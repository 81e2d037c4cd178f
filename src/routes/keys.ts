// Key management for the signed-in user: create, list, reveal, revoke. A user only ever sees their own keys.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../schemas/common.ts'
import { CreateKeyBodySchema, CreatedKeySchema, DeletedKeySchema, KeyIdParamsSchema, KeyListSchema, RevealedKeySchema } from '../schemas/keys.ts'
import { errors } from '../errors.ts'

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
      description: 'Mints a random `sk-` key. The full key is in this answer; later it can be revealed only when the server runs with KEY_REVEAL=true.',
      body: CreateKeyBodySchema,
      response: { 201: CreatedKeySchema, ...errorResponses(400, 401, 403, 409, 415, 500) }
    }
  }, async (request, reply) => {
    const created = await store.createKey(request.user!.uuid, {
      name: request.body?.name,
      keepSecret: config.KEY_REVEAL,
      maxKeys: config.MAX_KEYS_PER_USER
    })
    reply.code(201)
    return created
  })

  fastify.get('', {
    schema: {
      tags,
      security,
      summary: 'List your API keys',
      response: { 200: KeyListSchema, ...errorResponses(401) }
    }
  }, async (request) => {
    return { object: 'list' as const, data: store.listKeys(request.user!.uuid) }
  })

  fastify.get('/:id/reveal', {
    schema: {
      tags,
      security,
      summary: 'Reveal the full key',
      description: 'Answers with `Cache-Control: no-store`. 404 when the key is not yours, or was created with KEY_REVEAL off.',
      params: KeyIdParamsSchema,
      response: { 200: RevealedKeySchema, ...errorResponses(401, 404) }
    }
  }, async (request, reply) => {
    const { id } = request.params
    reply.header('cache-control', 'no-store')
    const result = store.revealKey(request.user!.uuid, id)
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
