// API-key authentication for the AI routes (`sk-` keys from the store, or fallback-mode static keys), the per-key cap
// on requests in flight, and usage counted once each request ends, with the tokens Puter reported.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors, withDetails } from '../errors.ts'
import { debugEnabled } from '../logging.ts'
import { createFailureLimiter, createInflightCounter } from '../gateway/limits.ts'
import type { RelayOutcome } from '../gateway/relay.ts'

interface ApiCaller {
  /** The store key id, or null for a fallback-mode key. */
  keyId: string | null
  /** The key owner's Puter uuid, or null for a fallback-mode key. */
  userId: string | null
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest guard of the AI routes: a valid API key with a free slot; sets request.caller and request.aiOutcome. */
    requireApiKey: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** The Puter token to call Puter with for this caller (the owner's newest, or the fallback token). */
    puterTokenFor: (caller: ApiCaller) => string | undefined
  }
  interface FastifyRequest {
    caller: ApiCaller | null
    /** How the AI call went, filled in by the relay; read when the request ends. */
    aiOutcome: RelayOutcome
  }
}

/** Fallback-mode keys shorter than this are refused at start: a static key is a password to the whole server. */
const MIN_FALLBACK_KEY_LENGTH = 32

/** The presented key: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
function presentedKey (request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    return m?.[1]
  }
  const header = request.headers['x-api-key']
  return typeof header === 'string' && header.trim() ? header.trim() : undefined
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url')

/** Fallback-mode static keys as digests; refuses a configuration that would be easy to guess or cannot work. */
function fallbackKeyDigests (keys: string | undefined, token: string | undefined): Set<string> {
  const list = (keys ?? '').split(',').map((k) => k.trim()).filter(Boolean)
  if (list.length > 0 && !token) throw new Error('Invalid configuration: APP_API_KEYS is set but PUTER_AUTH_TOKEN is not; fallback mode needs both')
  const short = list.findIndex((k) => k.length < MIN_FALLBACK_KEY_LENGTH)
  if (short !== -1) {
    throw new Error(`Invalid configuration: key ${short + 1} of APP_API_KEYS has ${list[short].length} characters; static keys need at least ${MIN_FALLBACK_KEY_LENGTH} random ones (e.g. sk-$(openssl rand -hex 24))`)
  }
  return new Set(list.map(sha256))
}

export default fp(async function apiKeyPlugin (fastify) {
  const { store, config } = fastify
  // Fallback mode: static keys held only as digests, all using one server-wide Puter token.
  const fallbackDigests = fallbackKeyDigests(config.APP_API_KEYS, config.PUTER_AUTH_TOKEN)
  const fallbackToken = config.PUTER_AUTH_TOKEN
  if (fallbackDigests.size > 0) fastify.log.info({ keys: fallbackDigests.size }, 'fallback mode on: static APP_API_KEYS use PUTER_AUTH_TOKEN')
  const failures = createFailureLimiter({ max: config.AUTH_FAILURE_LIMIT, windowMs: 60_000 })
  const inflight = createInflightCounter()

  fastify.decorateRequest('caller', null)
  fastify.decorateRequest('aiOutcome', null as unknown as RelayOutcome)

  /** Who presents this key, or null; a valid key always passes, whatever its address did before. */
  function identify (key: string | undefined): { caller: ApiCaller, slot: string } | null {
    if (!key) return null
    const record = store.findKey(key)
    if (record) {
      // A valid key of a disabled user: refused, but not counted as a failed authentication.
      if (store.isUserDisabled(record.userId)) throw new errors.KeyOwnerDisabled()
      return { caller: { keyId: record.id, userId: record.userId }, slot: record.id }
    }
    if (fallbackDigests.size === 0) return null
    const digest = sha256(key)
    return fallbackDigests.has(digest) ? { caller: { keyId: null, userId: null }, slot: `fallback:${digest}` } : null
  }

  fastify.decorate('requireApiKey', async function requireApiKey (request: FastifyRequest, reply: FastifyReply) {
    // Preflights are answered by CORS before this hook; one for a same-origin route (/v1/keys) carries no key.
    if (request.method === 'OPTIONS') return
    const found = identify(presentedKey(request))
    if (!found) {
      const wait = failures.fail(request.ip)
      request.log.debug({ address: request.ip, limited: wait > 0, retryAfterS: wait }, wait > 0 ? 'key guard: address over the failure limit' : 'key guard: invalid key')
      if (wait > 0) throw withDetails(new errors.AuthFailuresLimited(wait), { headers: { 'retry-after': String(wait) } })
      throw new errors.InvalidApiKey()
    }
    if (!inflight.tryAcquire(found.slot, config.KEY_MAX_CONCURRENCY)) {
      request.log.debug({ keyId: found.caller.keyId, inFlight: inflight.count(found.slot), maxInFlight: config.KEY_MAX_CONCURRENCY }, 'key guard: concurrency limit reached')
      throw withDetails(new errors.ConcurrencyLimited(config.KEY_MAX_CONCURRENCY), { headers: { 'retry-after': '1' } })
    }
    if (debugEnabled(request.log)) request.log.debug({ keyId: found.caller.keyId, fallback: found.caller.keyId === null, inFlight: inflight.count(found.slot), maxInFlight: config.KEY_MAX_CONCURRENCY }, 'key guard: key accepted')
    request.caller = found.caller
    const outcome: RelayOutcome = { usage: null, streamError: null, ttfbMs: null }
    request.aiOutcome = outcome
    // 'close' comes for every end: answered, streamed to the end, refused later, or cut off by the client.
    reply.raw.once('close', () => {
      inflight.release(found.slot)
      if (found.caller.keyId === null) return
      store.recordUsage(found.caller.keyId, {
        ok: reply.raw.statusCode < 400 && outcome.streamError === null,
        inputTokens: outcome.usage?.inputTokens,
        outputTokens: outcome.usage?.outputTokens
      })
    })
  })

  fastify.decorate('puterTokenFor', function puterTokenFor (caller: ApiCaller) {
    return caller.userId === null ? fallbackToken : store.getUserToken(caller.userId)
  })
}, { name: 'api-key', dependencies: ['store'] })
