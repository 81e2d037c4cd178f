// The signed-in user's own account: the model catalogue (for key settings), revoke every key at once, or delete
// everything this server stores about them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../schemas/common.ts'
import { DeleteAccountBodySchema, DeleteAccountResponseSchema, RevokeAllKeysResponseSchema } from '../schemas/account.ts'
import { ModelListSchema } from '../schemas/models.ts'
import { errors } from '../errors.ts'
import { actor } from './actor.ts'

const accountRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { store } = fastify
  const security = [{ sessionCookie: [] }]
  const tags = ['Account']

  fastify.addHook('onRequest', fastify.requireSession)
  fastify.addHook('onRequest', fastify.requireSameOrigin)

  fastify.get('/models', {
    schema: {
      tags,
      security,
      summary: "Puter's model catalogue",
      description: "Every chat model, as GET /v1/models lists it for a key without allowedModels: for choosing a key's allowed models without using a key.",
      response: { 200: ModelListSchema, ...errorResponses(401, 403, 502, 504) }
    }
  }, async () => ({ object: 'list' as const, data: await fastify.models.list() }))

  fastify.post('/revoke-keys', {
    schema: {
      tags,
      security,
      summary: 'Revoke all your API keys',
      description: 'Every key of yours stops authenticating at once, and answers streaming with them are cut off. Your session stays.',
      response: { 200: RevokeAllKeysResponseSchema, ...errorResponses(401, 403, 415, 500) }
    }
  }, async (request) => {
    const revoked = (await store.deleteKeysOf(request.user!.uuid)).length
    await store.audit({ ...actor(request), action: 'account.keys_revoked' })
    request.log.info({ user: request.user!.username, keys: revoked }, 'revoked all their keys')
    return { revoked }
  })

  fastify.post('/delete', {
    schema: {
      tags,
      security,
      summary: 'Delete all your data',
      description: 'Deletes your user record, your stored Puter token, your keys (and their usage) and every session of yours, then clears the cookie. Type your username as `confirm`; anything else is refused with 400 `confirmation_mismatch`. Signing in again starts from nothing.',
      body: DeleteAccountBodySchema,
      response: { 200: DeleteAccountResponseSchema, ...errorResponses(400, 401, 403, 415, 500) }
    }
  }, async (request, reply) => {
    const { uuid, username } = request.user!
    if (request.body.confirm.trim() !== username) throw new errors.DeleteNotConfirmed(username)
    await store.deleteUser(uuid)
    await fastify.endSession(request, reply)
    request.log.info({ user: username }, 'deleted all their data')
    return { deleted: true as const }
  })
}

export default accountRoutes
