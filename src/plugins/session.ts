// Dashboard sessions: a server-side session behind an HttpOnly cookie, who may have one (ALLOWED_PUTER_USERS,
// ADMIN_PUTER_USERS, disabled users), and the guards for cookie-authenticated routes.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors } from '../errors.ts'

const SESSION_COOKIE = 'pks_session'
/**
 * A readable companion of the session cookie holding no secret ("1"), with the same lifetime: it tells the
 * dashboard whether asking /auth/me is worth it, so a signed-out first visit logs no failed request.
 */
const SIGNED_IN_HINT_COOKIE = 'pks_signed_in'

interface SessionUser {
  uuid: string
  username: string
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest guard: a live session is required; sets request.user. */
    requireSession: (request: FastifyRequest) => Promise<void>
    /** onRequest guard for state-changing cookie routes: same-origin requests with JSON bodies only. */
    requireSameOrigin: (request: FastifyRequest) => Promise<void>
    /** onRequest guard after requireSession: the signed-in user is an administrator. */
    requireAdmin: (request: FastifyRequest) => Promise<void>
    /** Throws errors.UserNotAllowed or errors.UserDisabled for a user who may not sign in or keep a session. */
    checkAccess: (user: SessionUser, disabled: boolean) => void
    /** Whether ADMIN_PUTER_USERS names the user (by username or uuid). */
    isAdmin: (user: SessionUser) => boolean
    startSession: (request: FastifyRequest, reply: FastifyReply, user: SessionUser) => Promise<{ expiresAt: string }>
    endSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
  interface FastifyRequest {
    user: SessionUser | null
    sessionExpiresAt: string | null
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const ALLOWED_FETCH_SITES = new Set(['same-origin', 'none'])

/** A comma-separated list of Puter usernames and uuids, as a test of a user; null when the list is unset or empty. */
function userList (value: string | undefined): ((user: SessionUser) => boolean) | null {
  const names = new Set((value ?? '').split(',').map((n) => n.trim().toLowerCase()).filter(Boolean))
  if (names.size === 0) return null
  // Puter usernames are case-insensitive; uuids are compared in lower case too.
  return (user) => names.has(user.username.toLowerCase()) || names.has(user.uuid.toLowerCase())
}

export default fp(async function sessionPlugin (fastify) {
  const { store, config } = fastify
  const ttlMs = config.SESSION_TTL_HOURS * 3_600_000

  const listedAdmin = userList(config.ADMIN_PUTER_USERS)
  const listedAllowed = userList(config.ALLOWED_PUTER_USERS)
  const isAdmin = (user: SessionUser) => listedAdmin?.(user) ?? false

  fastify.decorateRequest('user', null)
  fastify.decorateRequest('sessionExpiresAt', null)
  fastify.decorate('isAdmin', isAdmin)

  // Admins are always allowed; without ALLOWED_PUTER_USERS, anyone with a Puter account is.
  fastify.decorate('checkAccess', function checkAccess (user: SessionUser, disabled: boolean) {
    if (listedAllowed && !listedAllowed(user) && !isAdmin(user)) throw new errors.UserNotAllowed(user.username)
    if (disabled) throw new errors.UserDisabled(user.username)
  })

  function cookieOptions (request: FastifyRequest) {
    return {
      path: '/',
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: request.protocol === 'https'
    }
  }

  fastify.decorate('requireSession', async function requireSession (request: FastifyRequest) {
    const cookie = request.cookies[SESSION_COOKIE]
    if (!cookie) throw new errors.NotSignedIn()
    const session = await store.getSession(cookie)
    if (!session) throw new errors.SessionExpired()
    const user = { uuid: session.user.uuid, username: session.user.username }
    // A user disabled, or taken off ALLOWED_PUTER_USERS, since the session began.
    fastify.checkAccess(user, session.user.disabledAt !== undefined)
    request.user = user
    request.sessionExpiresAt = session.expiresAt
  })

  fastify.decorate('requireAdmin', async function requireAdmin (request: FastifyRequest) {
    if (!request.user || !isAdmin(request.user)) throw new errors.AdminOnly()
  })

  fastify.decorate('requireSameOrigin', async function requireSameOrigin (request: FastifyRequest) {
    if (SAFE_METHODS.has(request.method)) return
    const site = request.headers['sec-fetch-site']
    if (site !== undefined && !ALLOWED_FETCH_SITES.has(site)) throw new errors.CrossSite()
    const origin = request.headers.origin
    if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) throw new errors.CrossSite()
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined
    const type = request.headers['content-type'] ?? ''
    if (hasBody && !/^application\/json\b/i.test(type)) throw new errors.JsonOnly()
  })

  fastify.decorate('startSession', async function startSession (request: FastifyRequest, reply: FastifyReply, user: SessionUser) {
    const previous = request.cookies[SESSION_COOKIE]
    if (previous) await store.deleteSession(previous)
    const { cookie, expiresAt } = await store.createSession(user.uuid, ttlMs)
    const maxAge = Math.floor(ttlMs / 1000)
    reply.setCookie(SESSION_COOKIE, cookie, { ...cookieOptions(request), maxAge })
    reply.setCookie(SIGNED_IN_HINT_COOKIE, '1', { ...cookieOptions(request), httpOnly: false, maxAge })
    return { expiresAt }
  })

  fastify.decorate('endSession', async function endSession (request: FastifyRequest, reply: FastifyReply) {
    const cookie = request.cookies[SESSION_COOKIE]
    if (cookie) await store.deleteSession(cookie)
    reply.clearCookie(SESSION_COOKIE, cookieOptions(request))
    reply.clearCookie(SIGNED_IN_HINT_COOKIE, { ...cookieOptions(request), httpOnly: false })
  })
}, { name: 'session', dependencies: ['@fastify/cookie', 'store'] })
