// Dashboard sessions: a server-side session behind an HttpOnly cookie, plus the guards for cookie-authenticated routes.
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

export default fp(async function sessionPlugin (fastify) {
  const { store, config } = fastify
  const ttlMs = config.SESSION_TTL_HOURS * 3_600_000

  fastify.decorateRequest('user', null)
  fastify.decorateRequest('sessionExpiresAt', null)

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
    request.user = { uuid: session.user.uuid, username: session.user.username }
    request.sessionExpiresAt = session.expiresAt
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
