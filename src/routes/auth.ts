// Sign-in with a Puter token (for the accounts this server accepts), the current session, and sign-out, here or everywhere.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../schemas/common.ts'
import { MeResponseSchema, SignInBodySchema, SignInResponseSchema, SignOutEverywhereResponseSchema, SignOutResponseSchema } from '../schemas/auth.ts'
import { PuterHttpError, PuterNetworkError } from '../puter/client.ts'
import { errors } from '../errors.ts'
import { actor } from './actor.ts'

const authRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { store, puter, config } = fastify
  const security = [{ sessionCookie: [] }]

  const exposed = !/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(config.HOST)
  if (exposed && !config.ALLOWED_PUTER_USERS) {
    fastify.log.warn({ host: config.HOST }, 'ALLOWED_PUTER_USERS is not set and the server listens beyond this machine: anyone with a Puter account can sign in and mint keys. List the Puter usernames (or uuids) that may use it in ALLOWED_PUTER_USERS')
  }
  if (exposed && !config.PUBLIC_URL) {
    fastify.log.warn('PUBLIC_URL is not set: dashboard sign-ins through puter.js are checked against the Puter app of the origin each request names (its Host header). Set PUBLIC_URL to the address people open the dashboard at')
  }

  // The Puter app of each origin sign-ins come from (a handful at most; bounded because Host is the client's choice).
  const appUids = new Map<string, string>()
  async function ownAppUid (token: string, origin: string): Promise<string> {
    let uid = appUids.get(origin)
    if (uid === undefined) {
      uid = await puter.appUidFromOrigin(token, origin)
      if (appUids.size >= 32) appUids.clear()
      appUids.set(origin, uid)
    }
    return uid
  }

  /** Whether the user's stored token is their own and still works: an app token must not replace it then. */
  async function storedUserTokenWorks (uuid: string): Promise<boolean> {
    if ((await store.getUser(uuid))?.tokenKind !== 'user') return false
    try {
      return (await puter.whoami(store.getUserToken(uuid)!)).uuid === uuid
    } catch {
      return false
    }
  }

  // Exchanges a Puter token for a session: Puter's /whoami says whose token it is and, for an app-under-user token,
  // which app it was issued to. Only the person's own tokens and tokens of this server's own app are accepted: any
  // other puter.js site the person used holds a token for its own app, which must not open this dashboard.
  fastify.post('/puter/signin', {
    onRequest: fastify.requireSameOrigin,
    config: { rateLimit: { max: config.SIGNIN_RATE_LIMIT, timeWindow: '1 minute' } },
    schema: {
      tags: ['Auth'],
      summary: 'Sign in with a Puter token',
      description: "Checks the token with Puter (`GET /whoami`) and accepts the person's own tokens (session or API token) and tokens issued by puter.js sign-in to this server's own Puter app (the app Puter derives from PUBLIC_URL, or from this request's origin). Tokens of other Puter apps are refused with 403 `token_foreign_app`; accounts ALLOWED_PUTER_USERS does not list with 403 `user_not_allowed`, disabled ones with 403 `user_disabled` (neither stores anything). The token is stored encrypted for the user and sets the session cookie; a sign-in through the popup never replaces a working token the person pasted themselves.",
      body: SignInBodySchema,
      response: { 200: SignInResponseSchema, ...errorResponses(400, 401, 403, 415, 429, 502, 504) }
    }
  }, async (request, reply) => {
    const token = request.body.token.trim()
    if (token === '') throw new errors.PuterTokenMissing()
    let who
    let appUid: string | undefined
    try {
      who = await puter.whoami(token)
      if (who.is_user_token !== true) {
        if (typeof who.app_name !== 'string' || who.app_name === '') throw new errors.TokenKindUnsupported()
        const origin = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : `${request.protocol}://${request.host}`
        appUid = await ownAppUid(token, origin)
        if (who.app_name !== appUid) {
          request.log.warn({ user: who.username, app: who.app_name }, 'refused a sign-in with a token of another Puter app')
          throw new errors.ForeignAppToken(who.app_name)
        }
      }
    } catch (err) {
      if (err instanceof PuterHttpError && (err.statusCode === 401 || err.statusCode === 403)) throw new errors.PuterTokenRejected()
      if (err instanceof PuterNetworkError && err.timedOut) throw new errors.UpstreamTimeout()
      if (!(err instanceof PuterHttpError || err instanceof PuterNetworkError)) throw err
      request.log.warn({ err }, 'Puter failed during sign-in')
      throw err instanceof PuterNetworkError ? new errors.UpstreamUnreachable() : new errors.UpstreamFailed('Puter answered with an error; try again later.')
    }
    const user = { uuid: who.uuid, username: who.username }
    // Before anything is stored: a refused account leaves no trace but the log line of its refusal.
    fastify.checkAccess(user, (await store.getUser(user.uuid))?.disabledAt !== undefined)
    const keep = appUid !== undefined && await storedUserTokenWorks(user.uuid)
    await store.upsertUser({ ...user, token: keep ? null : { value: token, kind: appUid === undefined ? 'user' : 'app', appUid } })
    const { expiresAt } = await fastify.startSession(request, reply, user)
    await store.audit({ ...actor(request, user.uuid), action: 'user.signed_in' })
    request.log.info({ user: user.username, tokenKind: appUid === undefined ? 'user' : 'app', keptStoredToken: keep }, 'signed in')
    return { user, isAdmin: fastify.isAdmin(user), expiresAt }
  })

  fastify.get('/me', {
    onRequest: fastify.requireSession,
    schema: {
      tags: ['Auth'],
      summary: 'The signed-in user',
      security,
      response: { 200: MeResponseSchema, ...errorResponses(401, 403) }
    }
  }, async (request) => {
    return { user: request.user!, isAdmin: fastify.isAdmin(request.user!), expiresAt: request.sessionExpiresAt! }
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

  fastify.post('/signout-everywhere', {
    onRequest: [fastify.requireSameOrigin, fastify.requireSession],
    schema: {
      tags: ['Auth'],
      summary: 'Sign out everywhere',
      description: 'Deletes every session of the signed-in user (other browsers and devices included) and clears this cookie. API keys keep working: revoke them under /account/revoke-keys.',
      security,
      response: { 200: SignOutEverywhereResponseSchema, ...errorResponses(401, 403, 415, 500) }
    }
  }, async (request, reply) => {
    const sessions = await store.deleteSessionsOf(request.user!.uuid)
    await store.audit({ ...actor(request), action: 'user.signed_out_everywhere' })
    await fastify.endSession(request, reply)
    request.log.info({ user: request.user!.username, sessions }, 'signed out everywhere')
    return { signedOut: true as const, sessions }
  })
}

export default authRoutes
