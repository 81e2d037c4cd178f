// API-key authentication for the OpenAI-compatible routes: `sk-` keys from the store, or fallback-mode static keys.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { errors } from '../errors.ts'

export interface ApiCaller {
  /** The store key id, or null for a fallback-mode key. */
  keyId: string | null
  /** The key owner's Puter uuid, or null for a fallback-mode key. */
  userId: string | null
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest guard: a valid API key is required; sets request.caller. */
    requireApiKey: (request: FastifyRequest) => Promise<void>
    /** The Puter token to call Puter with for this caller (the owner's newest, or the fallback token). */
    puterTokenFor: (caller: ApiCaller) => string | undefined
  }
  interface FastifyRequest {
    caller: ApiCaller | null
  }
}

/** The presented key: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey (request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    return m?.[1]
  }
  const header = request.headers['x-api-key']
  return typeof header === 'string' && header.trim() ? header.trim() : undefined
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url')

export default fp(async function apiKeyPlugin (fastify) {
  const { store, config } = fastify
  // Fallback mode: static keys held only as digests, all using one server-wide Puter token.
  const fallbackDigests = new Set((config.APP_API_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean).map(sha256))
  const fallbackToken = config.PUTER_AUTH_TOKEN
  if (fallbackDigests.size > 0 && !fallbackToken) throw new Error('Invalid configuration: APP_API_KEYS is set but PUTER_AUTH_TOKEN is not; fallback mode needs both')
  if (fallbackDigests.size > 0) fastify.log.info({ keys: fallbackDigests.size }, 'fallback mode on: static APP_API_KEYS use PUTER_AUTH_TOKEN')

  fastify.decorateRequest('caller', null)

  fastify.decorate('requireApiKey', async function requireApiKey (request: FastifyRequest) {
    const key = presentedKey(request)
    if (!key) throw new errors.InvalidApiKey()
    const record = store.findKey(key)
    if (record) {
      store.touchKey(record.id)
      request.caller = { keyId: record.id, userId: record.userId }
      return
    }
    if (fallbackDigests.size > 0 && fallbackDigests.has(sha256(key))) {
      request.caller = { keyId: null, userId: null }
      return
    }
    throw new errors.InvalidApiKey()
  })

  fastify.decorate('puterTokenFor', function puterTokenFor (caller: ApiCaller) {
    return caller.userId === null ? fallbackToken : store.getUserToken(caller.userId)
  })
}, { name: 'api-key', dependencies: ['store'] })
