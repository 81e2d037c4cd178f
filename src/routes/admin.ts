// The admin view (ADMIN_PUTER_USERS only): every user with their activity and usage, and disabling or re-enabling one.
// Nothing here reads or returns a Puter token, a key or a digest.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, type Static } from '../schemas/common.ts'
import { AdminUserListSchema, AdminUserSchema, UserUuidParamsSchema } from '../schemas/admin.ts'
import type { UserSummary } from '../store/types.ts'
import { errors } from '../errors.ts'

const adminRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { store, relay } = fastify
  const security = [{ sessionCookie: [] }]
  const tags = ['Admin']

  fastify.addHook('onRequest', fastify.requireSession)
  fastify.addHook('onRequest', fastify.requireAdmin)
  fastify.addHook('onRequest', fastify.requireSameOrigin)

  /** A user as the API lists them, field by field, so that nothing else of the record can slip out. */
  function adminUser (u: UserSummary): Static<typeof AdminUserSchema> {
    return {
      uuid: u.uuid,
      username: u.username,
      isAdmin: fastify.isAdmin(u),
      disabledAt: u.disabledAt ?? null,
      createdAt: u.createdAt,
      lastSignInAt: u.updatedAt,
      lastActiveAt: u.lastActiveAt,
      lastUsedAt: u.lastUsedAt,
      keyCount: u.keyCount,
      sessionCount: u.sessionCount,
      requestCount: u.requestCount,
      errorCount: u.errorCount,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens
    }
  }

  async function summaryOf (uuid: string) {
    const found = (await store.listUsers()).find((u) => u.uuid === uuid)
    if (!found) throw new errors.UserNotFound(uuid)
    return adminUser(found)
  }

  fastify.get('/users', {
    schema: {
      tags,
      security,
      summary: 'List every user',
      description: 'Every user who signed in, with their key and session counts, last activity and usage totals (usage not yet written included).',
      response: { 200: AdminUserListSchema, ...errorResponses(401, 403) }
    }
  }, async () => {
    return { object: 'list' as const, data: (await store.listUsers()).map(adminUser) }
  })

  fastify.post('/users/:uuid/disable', {
    schema: {
      tags,
      security,
      summary: 'Disable a user',
      description: "The user's keys are refused at once (401 `user_disabled`), answers streaming with them are cut off, their sessions end and they cannot sign in until re-enabled. Their keys and data are kept. Administrators cannot be disabled (409).",
      params: UserUuidParamsSchema,
      response: { 200: AdminUserSchema, ...errorResponses(401, 403, 404, 409, 415, 500) }
    }
  }, async (request) => {
    const { uuid } = request.params
    const user = await store.getUser(uuid)
    if (!user) throw new errors.UserNotFound(uuid)
    if (fastify.isAdmin(user)) throw new errors.AdminNotDisablable(user.username)
    await store.setUserDisabled(uuid, true)
    // New requests are refused by the key guard; the ones streaming now end here.
    let streams = 0
    for (const key of await store.listKeys(uuid)) streams += relay.closeStreamsOf(key.id, 'The account this API key belongs to was disabled; the answer was cut off.', 'user_disabled')
    request.log.info({ admin: request.user!.username, user: user.username, streams }, 'disabled a user')
    return summaryOf(uuid)
  })

  fastify.post('/users/:uuid/enable', {
    schema: {
      tags,
      security,
      summary: 'Re-enable a user',
      description: "The user's keys work again and they may sign in (if ALLOWED_PUTER_USERS lets them).",
      params: UserUuidParamsSchema,
      response: { 200: AdminUserSchema, ...errorResponses(401, 403, 404, 415, 500) }
    }
  }, async (request) => {
    const { uuid } = request.params
    const user = await store.setUserDisabled(uuid, false)
    if (!user) throw new errors.UserNotFound(uuid)
    request.log.info({ admin: request.user!.username, user: user.username }, 'enabled a user')
    return summaryOf(uuid)
  })
}

export default adminRoutes
