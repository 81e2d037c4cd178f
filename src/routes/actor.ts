// Who did something, for the audit trail: the signed-in user, the client's address and its user agent.
import type { FastifyRequest } from 'fastify'

export function actor (request: FastifyRequest, userId = request.user!.uuid) {
  const ua = request.headers['user-agent']
  return { userId, ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 300) : '' }
}
