// Sign-in with a Puter token, the current session, and sign-out.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../schemas/common.ts'
import { MeResponseSchema, SignInBodySchema, SignInResponseSchema, SignOutResponseSchema } from '../schemas/auth.ts'
import { PuterHttpError, PuterNetworkError } from '../puter/client.ts'
import { errors } from '../errors.ts'

const authRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { store, puter, config } = fastify
  const security = [{ sessionCookie: [] }]

  // Exchanges a Puter token for a session: Puter's /whoami says whose token it is.
  fastify.post('/puter/signin', {
    onRequest: fastify.requireSameOrigin,
    config: { rateLimit: { max: config.SIGNIN_RATE_LIMIT, timeWindow: '1 minute' } },
    schema: {
      tags: ['Auth'],
      summary: 'Sign in with a Puter token',
      description: 'Checks the token with Puter (`GET /whoami`), stores it encrypted for the user, and sets the session cookie. A new sign-in refreshes the Puter token behind every key of the user.',
      body: SignInBodySchema,
      response: { 200: SignInResponseSchema, ...errorResponses(400, 401, 403, 415, 429, 502, 504) }
    }
  }, async (request, reply) => {
    const { token } = request.body
    let who
    try {
      who = await puter.whoami(token.trim())
    } catch (err) {
      if (err instanceof PuterHttpError && (err.statusCode === 401 || err.statusCode === 403)) throw new errors.PuterTokenRejected()
      if (err instanceof PuterNetworkError && err.timedOut) throw new errors.PuterTimeout()
      request.log.warn({ err }, 'Puter /whoami failed during sign-in')
      throw new errors.PuterUnavailable()
    }
    const user = { uuid: who.uuid, username: who.username }
    await store.upsertUser({ ...user, token: token.trim() })
    const { expiresAt } = await fastify.startSession(request, reply, user)
    request.log.info({ user: user.username }, 'signed in')
    return { user, expiresAt }
  })

  fastify.get('/me', {
    onRequest: fastify.requireSession,
    schema: {
      tags: ['Auth'],
      summary: 'The signed-in user',
      security,
      response: { 200: MeResponseSchema, ...errorResponses(401) }
    }
  }, async (request) => {
    return { user: request.user!, expiresAt: request.sessionExpiresAt! }
  })

  fastify.post('/signout', {
    onRequest: fastify.requireSameOrigin,
    schema: {
      tags: ['Auth'],
      summary: 'Sign out',
      description: 'Deletes the server-side session and clears the cookie. Succeeds even without a session.',
      security,
      response: { 200: SignOutResponseSchema, ...errorResponses(403, 415) }
    }
  }, async (request, reply) => {
    await fastify.endSession(request, reply)
    return { signedOut: true as const }
  })
}

export default authRoutes
