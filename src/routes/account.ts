// The signed-in user's own account: revoke every key at once, or delete everything this server stores about them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../schemas/common.ts'
import { DeleteAccountBodySchema, DeleteAccountResponseSchema, RevokeAllKeysResponseSchema } from '../schemas/account.ts'
import { errors } from '../errors.ts'

const accountRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { store } = fastify
  const security = [{ sessionCookie: [] }]
  const tags = ['Account']

  fastify.addHook('onRequest', fastify.requireSession)
  fastify.addHook('onRequest', fastify.requireSameOrigin)

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
