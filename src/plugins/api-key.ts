// API-key authentication for the AI routes (`sk-` keys from the store, or fallback-mode static keys), the per-key cap
// on requests in flight, and usage counted once each request ends, with the tokens Puter reported.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors, withDetails } from '../errors.ts'
import { debugEnabled } from '../logging.ts'
import { createFailureLimiter, createInflightCounter, createSlidingWindows } from '../gateway/limits.ts'
import { budgetMicroUsd, costMicroUsd, periodResetsAt } from '../gateway/key-policy.ts'
import type { RelayOutcome } from '../gateway/relay.ts'
import type { KeyRecord } from '../store/types.ts'

interface ApiCaller {
  /** The store key id, or null for a fallback-mode key. */
  keyId: string | null
  /** The key owner's Puter uuid, or null for a fallback-mode key. */
  userId: string | null
  /** The key's record as it was when the request came in (its settings), or null for a fallback-mode key. */
  key: KeyRecord | null
}

/** How an AI request went, for its usage entry: the relay fills in Puter's part, the routes and hooks the rest. */
export interface AiOutcome extends RelayOutcome {
  /** The model asked for, as the catalogue names it. */
  model: string | null
  /** Why the request was refused or failed (its error code), when it was. */
  errorCode: string | null
  /**
   * What an image or audio route made or heard (images, characters spoken, seconds of audio) and its estimated cost
   * in micro-dollars, which then replaces the cost of tokens. Absent for chat.
   */
  media?: { images?: number, speechCharacters?: number, audioSeconds?: number, costMicroUsd: number }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest guard of the AI routes: a valid API key within its settings and limits; sets request.caller and request.aiOutcome. */
    requireApiKey: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** The Puter token to call Puter with for this caller (the owner's newest, or the fallback token). */
    puterTokenFor: (caller: ApiCaller) => string | undefined
  }
  interface FastifyRequest {
    caller: ApiCaller | null
    /** How the AI call went, filled in as the request goes; read when the request ends. */
    aiOutcome: AiOutcome
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

/** A duration as OpenAI writes it in x-ratelimit-reset-requests: 59s, 1m0s, 250ms. */
export function resetDuration (ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`
  const s = Math.ceil(ms / 1000)
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`
}

/** Dollars for a message: cents, or up to six decimals for amounts below a cent. */
const usd = (micro: number) => (micro >= 10_000 || micro === 0 ? (micro / 1_000_000).toFixed(2) : String(micro / 1_000_000))

export default fp(async function apiKeyPlugin (fastify) {
  const { store, config, models } = fastify
  const now = fastify.now
  // GET /metrics, when on: each request is counted once it ended, with the rest of its record.
  const metrics = fastify.hasDecorator('metrics') ? fastify.metrics : null
  // Fallback mode: static keys held only as digests, all using one server-wide Puter token.
  const fallbackDigests = fallbackKeyDigests(config.APP_API_KEYS, config.PUTER_AUTH_TOKEN)
  const fallbackToken = config.PUTER_AUTH_TOKEN
  if (fallbackDigests.size > 0) fastify.log.info({ keys: fallbackDigests.size }, 'fallback mode on: static APP_API_KEYS use PUTER_AUTH_TOKEN')
  const failures = createFailureLimiter({ max: config.AUTH_FAILURE_LIMIT, windowMs: 60_000, now })
  const inflight = createInflightCounter()
  const windows = createSlidingWindows({ windowMs: 60_000, now })
  // Several instances on one database: a key's own limits are shares of one limit (gateway/shares.ts).
  const shares = fastify.shares
  store.onChange((change) => { if (change.type === 'key-deleted') windows.drop(change.keyId) })

  fastify.decorateRequest('caller', null)
  fastify.decorateRequest('aiOutcome', null as unknown as AiOutcome)

  /** Who presents this key, or null; a valid key always passes, whatever its address did before. */
  function identify (key: string | undefined): { caller: ApiCaller, slot: string } | null {
    if (!key) return null
    const record = store.findKey(key)
    if (record) {
      // A valid key of a disabled user: refused, but not counted as a failed authentication.
      if (store.isUserDisabled(record.userId)) throw new errors.KeyOwnerDisabled()
      return { caller: { keyId: record.id, userId: record.userId, key: record }, slot: record.id }
    }
    if (fallbackDigests.size === 0) return null
    const digest = sha256(key)
    return fallbackDigests.has(digest) ? { caller: { keyId: null, userId: null, key: null }, slot: `fallback:${digest}` } : null
  }

  /** Refuses a key its owner disabled, that expired, or that spent its budget for the period. O(1), from memory. */
  function checkSettings (key: KeyRecord, at: number) {
    if (key.disabled) throw new errors.KeyDisabled()
    if (key.expiresAt !== null && Date.parse(key.expiresAt) <= at) throw new errors.KeyExpired(key.expiresAt)
    if (key.budget !== null) {
      const { usd: budget, period } = key.budget
      const spent = store.spendOf(key.id, period, at)
      if (spent >= budgetMicroUsd(budget)) {
        const resets = periodResetsAt(period, at)
        const when = resets === null ? 'A total budget does not reset: its owner can raise it in the dashboard.' : `It resets at ${resets}, or when its owner raises it in the dashboard.`
        const what = `${period === 'total' ? 'its whole life' : `the ${period}`} (estimated $${usd(spent)} spent of $${usd(budgetMicroUsd(budget))})`
        throw withDetails(new errors.BudgetExhausted(what, when), { headers: { 'x-should-retry': 'false' } })
      }
    }
  }

  /**
   * Takes a slot of the key's requests per minute, or refuses; the x-ratelimit headers go out on every answer. Shared
   * by several instances, the window holds this instance's share of the limit, taken in tenths as needed.
   */
  async function takeRate (key: KeyRecord, reply: FastifyReply) {
    const rpm = key.limits.rpm!
    let local = rpm
    if (shares !== null) {
      const share = shares.share(`rpm:${key.id}`, () => windows.inWindow(key.id))
      if (windows.inWindow(key.id) >= share.held) await shares.take(share, rpm, Math.ceil(rpm / 10))
      local = Math.min(rpm, share.held)
    }
    const v = local > 0 ? windows.take(key.id, local) : { ok: false, remaining: 0, retryMs: 1000, resetMs: 1000 }
    // With shares, what this instance knows: the limit less its own requests in the window.
    const remaining = shares === null ? v.remaining : v.ok ? rpm - windows.inWindow(key.id) : 0
    reply.header('x-ratelimit-limit-requests', String(rpm))
    reply.header('x-ratelimit-remaining-requests', String(remaining))
    reply.header('x-ratelimit-reset-requests', resetDuration(v.resetMs))
    if (!v.ok) {
      const wait = Math.max(1, Math.ceil(v.retryMs / 1000))
      throw withDetails(new errors.KeyRateLimited(rpm, wait), { headers: { 'retry-after': String(wait) } })
    }
  }

  /** Counts a request for its key once it ended, however it ended (refusals included, so an owner sees them). */
  function record (request: FastifyRequest, reply: FastifyReply, keyId: string, outcome: AiOutcome, started: number) {
    const at = now()
    const raw = reply.raw
    const status = raw.statusCode
    const model = outcome.model ?? 'unknown'
    const usage = outcome.usage
    const failed = status >= 400 || outcome.streamError !== null
    const media = outcome.media
    const catalogued = models.peek(model)
    const route = request.routeOptions.url ?? request.url
    // A client that went away before the answer: 499, as proxies log it.
    const ended = raw.headersSent ? status : 499
    const durationMs = at - started
    if (metrics !== null) metrics.observeRequest(request.method, route, ended, outcome.model, catalogued !== undefined, outcome.ttfbMs, durationMs)
    store.recordUsage(keyId, {
      ok: !failed,
      model,
      inputTokens: usage?.inputTokens,
      outputTokens: usage?.outputTokens,
      reasoningTokens: usage?.reasoningTokens,
      cachedTokens: usage?.cachedInputTokens,
      images: media?.images,
      speechCharacters: media?.speechCharacters,
      audioSeconds: media?.audioSeconds,
      costMicroUsd: media ? media.costMicroUsd : costMicroUsd(usage, catalogued),
      at,
      route: `${request.method} ${route}`,
      status: ended,
      errorCode: outcome.streamError ?? outcome.errorCode ?? (failed ? (raw.headersSent ? `http_${status}` : 'client_closed') : null),
      ttfbMs: outcome.ttfbMs,
      durationMs
    })
  }

  fastify.decorate('requireApiKey', async function requireApiKey (request: FastifyRequest, reply: FastifyReply) {
    // Preflights are answered by CORS before this hook; one for a same-origin route (/v1/keys) carries no key.
    if (request.method === 'OPTIONS') return
    const presented = presentedKey(request)
    let found = identify(presented)
    // A shared store (PostgreSQL) may not have heard yet of a key another instance created a moment ago: one look-up,
    // unless the address is over the failure limit already (so invalid keys cannot make a query each).
    if (!found && presented !== undefined && store.lookupKey !== undefined && failures.blocked(request.ip) === 0) {
      const record = await store.lookupKey(presented).catch((err) => {
        request.log.warn({ err }, 'key guard: could not look the key up in the store')
        return undefined
      })
      if (record) found = identify(presented)
    }
    if (!found) {
      const wait = failures.fail(request.ip)
      request.log.debug({ address: request.ip, limited: wait > 0, retryAfterS: wait }, wait > 0 ? 'key guard: address over the failure limit' : 'key guard: invalid key')
      // Counted here: without a key there is no close listener (a key of a disabled owner is not counted).
      if (metrics !== null) metrics.observeRequest(request.method, request.routeOptions.url ?? request.url, wait > 0 ? 429 : 401, null, false, null, null)
      if (wait > 0) throw withDetails(new errors.AuthFailuresLimited(wait), { headers: { 'retry-after': String(wait) } })
      throw new errors.InvalidApiKey()
    }
    const { caller, slot } = found
    const key = caller.key
    const outcome: AiOutcome = { usage: null, streamError: null, ttfbMs: null, model: null, errorCode: null }
    request.caller = caller
    request.aiOutcome = outcome
    const started = now()
    let holdsSlot = false
    let closed = false
    // 'close' comes for every end: answered, streamed to the end, refused, or cut off by the client.
    reply.raw.once('close', () => {
      closed = true
      if (holdsSlot) inflight.release(slot)
      if (key !== null) record(request, reply, key.id, outcome, started)
    })
    if (key !== null) checkSettings(key, started)
    const keyCap = key?.limits.concurrency ?? null
    let cap = keyCap !== null && keyCap < config.KEY_MAX_CONCURRENCY ? keyCap : config.KEY_MAX_CONCURRENCY
    // Which limit refuses, for the message: the key's own (or its share across instances), or the server's.
    let keyLimits = cap === keyCap
    // Shared by several instances: the key's own limit holds across them, as this instance's share of it.
    const share = shares !== null && keyCap !== null ? shares.share(`concurrency:${slot}`, () => inflight.count(slot)) : null
    if (share !== null) {
      // Requests at once share one round trip: one that finds the unit it brought taken by another asks again.
      for (let asked = 0; inflight.count(slot) >= share.held && share.held < keyCap! && asked < keyCap!; asked++) {
        const granted = await shares!.take(share, keyCap!, 1)
        // Gone while the share was asked for: no slot to hold, no one to answer.
        if (closed) {
          reply.hijack()
          return
        }
        if (granted === 0) break
      }
      if (share.held < cap) {
        cap = share.held
        keyLimits = true
      }
    }
    if (!inflight.tryAcquire(slot, cap)) {
      request.log.debug({ keyId: caller.keyId, inFlight: inflight.count(slot), maxInFlight: cap }, 'key guard: concurrency limit reached')
      const which = keyLimits ? "the key's own concurrency limit (limits.concurrency)" : "the server's limit per key (KEY_MAX_CONCURRENCY)"
      throw withDetails(new errors.ConcurrencyLimited(keyLimits ? keyCap! : cap, which), { headers: { 'retry-after': '1' } })
    }
    holdsSlot = true
    if (share !== null) shares!.used(share, inflight.count(slot))
    if (key !== null && key.limits.rpm !== null) await takeRate(key, reply)
    if (debugEnabled(request.log)) request.log.debug({ keyId: caller.keyId, fallback: caller.keyId === null, inFlight: inflight.count(slot), maxInFlight: cap }, 'key guard: key accepted')
  })

  fastify.decorate('puterTokenFor', function puterTokenFor (caller: ApiCaller) {
    return caller.userId === null ? fallbackToken : store.getUserToken(caller.userId)
  })
}, { name: 'api-key', dependencies: ['store', 'models'] })
