// Key management for the signed-in user: create, list, show, change, rotate, reveal, revoke, and a key's recent
// requests. A user only ever sees their own keys; each change is written to their audit trail.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { errorResponses, type Static } from '../schemas/common.ts'
import {
  CreateKeyBodySchema, CreatedKeySchema, DeletedKeySchema, KeyIdParamsSchema, KeyListSchema, KeyRequestsSchema, KeySummarySchema,
  RevealedKeySchema, RotateKeyBodySchema, RotatedKeySchema, UpdateKeyBodySchema
} from '../schemas/keys.ts'
import type { CreatedKey, KeySettings, KeyView, Store } from '../store/types.ts'
import { periodBounds } from '../store/periods.ts'
import { errors, withDetails } from '../errors.ts'
import { budgetMicroUsd, settingsProblem } from '../gateway/key-policy.ts'
import { actor } from './actor.ts'

type KeySummary = Static<typeof KeySummarySchema>

const iso = (ms: number) => new Date(ms).toISOString()

/** A key as the API shows it: its settings, its state now and its spend in the current budget period. */
export function keySummary (store: Store, k: KeyView, at: number): KeySummary {
  const period = k.budget?.period ?? 'total'
  const spent = store.spendOf(k.id, period, at)
  const bounds = periodBounds(period, at)
  let state: KeySummary['state'] = 'active'
  if (k.disabled) state = 'disabled'
  else if (k.expiresAt !== null && Date.parse(k.expiresAt) <= at) state = 'expired'
  else if (k.budget !== null && spent >= budgetMicroUsd(k.budget.usd)) state = 'over_budget'
  return {
    id: k.id,
    name: k.name,
    preview: k.preview,
    createdAt: k.createdAt,
    ...(k.updatedAt === undefined ? {} : { updatedAt: k.updatedAt }),
    lastUsedAt: k.lastUsedAt,
    requestCount: k.requestCount,
    errorCount: k.errorCount,
    hasSecret: k.hasSecret,
    state,
    expiresAt: k.expiresAt,
    disabled: k.disabled,
    allowedModels: k.allowedModels,
    limits: k.limits,
    budget: k.budget,
    spend: {
      usd: spent / 1_000_000,
      period,
      periodStart: bounds === null ? null : iso(bounds.start),
      resetsAt: bounds === null ? null : iso(bounds.end)
    },
    rotatedSecretExpiresAt: k.previousExpiresAt
  }
}

/** A new key as the API answers its creation: the only answer that holds the full key unasked. */
function createdKey (k: CreatedKey): Static<typeof CreatedKeySchema> {
  return { id: k.id, name: k.name, preview: k.preview, createdAt: k.createdAt, key: k.key, hasSecret: k.hasSecret }
}

/** Settings from a body, refusing what the schema cannot (a past expiry, a bad glob) with a 400 naming the field. */
function checkedSettings (body: Static<typeof UpdateKeyBodySchema>, at: number, current?: KeyView): Partial<KeySettings> {
  const problem = settingsProblem(body, at)
  if (problem) throw withDetails(new errors.InvalidSetting(problem.message), { param: problem.param })
  const { limits, ...rest } = body
  if (limits === undefined) return rest
  // A limit left out of `limits` keeps its value.
  const base = current?.limits ?? { rpm: null, concurrency: null }
  return { ...rest, limits: { rpm: limits.rpm === undefined ? base.rpm : limits.rpm, concurrency: limits.concurrency === undefined ? base.concurrency : limits.concurrency } }
}

const keyRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { store, config } = fastify
  const now = fastify.now
  const security = [{ sessionCookie: [] }]
  const tags = ['Keys']

  fastify.addHook('onRequest', fastify.requireSession)
  fastify.addHook('onRequest', fastify.requireSameOrigin)

  /** The user's key, or a 404 (a key of someone else's is never told apart from an unknown one). */
  async function ownKey (request: FastifyRequest, id: string): Promise<KeyView> {
    const key = await store.getKey(request.user!.uuid, id)
    if (!key) throw new errors.KeyNotFound(id)
    return key
  }

  fastify.post('', {
    schema: {
      tags,
      security,
      summary: 'Create an API key',
      description: 'Mints a random `sk-` key, optionally with settings (expiry, allowed models, limits, budget). The full key is in this answer (sent with `Cache-Control: no-store`); later it can be revealed only when the server runs with KEY_REVEAL=true.',
      body: CreateKeyBodySchema,
      response: { 201: CreatedKeySchema, ...errorResponses(400, 401, 403, 409, 415, 500) }
    },
    // Every field is optional, so no body at all (or an empty JSON one) means {}.
    preValidation: async (request) => {
      request.body ??= {}
    }
  }, async (request, reply) => {
    // The answer holds the full key: no cache may keep it.
    reply.header('cache-control', 'no-store')
    const settings = checkedSettings(request.body ?? {}, now())
    const created = await store.createKey(request.user!.uuid, {
      ...settings,
      keepSecret: config.KEY_REVEAL,
      maxKeys: config.MAX_KEYS_PER_USER
    })
    await store.audit({ ...actor(request), action: 'key.created', keyId: created.id, keyName: created.name })
    reply.code(201)
    return createdKey(created)
  })

  fastify.get('', {
    schema: {
      tags,
      security,
      summary: 'List your API keys',
      description: 'Each key with its settings, its state (active, expired, disabled, over_budget) and its estimated spend in the current budget period.',
      response: { 200: KeyListSchema, ...errorResponses(401, 403) }
    }
  }, async (request) => {
    const at = now()
    return { object: 'list' as const, data: (await store.listKeys(request.user!.uuid)).map((k) => keySummary(store, k, at)) }
  })

  fastify.get('/:id', {
    schema: {
      tags,
      security,
      summary: 'Show an API key',
      description: 'The key with its settings, state and estimated spend in the current period; never its secret.',
      params: KeyIdParamsSchema,
      response: { 200: KeySummarySchema, ...errorResponses(401, 403, 404) }
    }
  }, async (request) => keySummary(store, await ownKey(request, request.params.id), now()))

  fastify.patch('/:id', {
    schema: {
      tags,
      security,
      summary: 'Change an API key',
      description: 'Changes the name and any settings given; the rest stay. `null` clears expiresAt, a limit or the budget. The key keeps its secret, usage and history. Disabling it ends its open streams.',
      params: KeyIdParamsSchema,
      body: UpdateKeyBodySchema,
      response: { 200: KeySummarySchema, ...errorResponses(400, 401, 403, 404, 415, 500) }
    }
  }, async (request) => {
    const { id } = request.params
    const current = await ownKey(request, id)
    const settings = checkedSettings(request.body, now(), current)
    const updated = await store.updateKey(request.user!.uuid, id, settings)
    if (!updated) throw new errors.KeyNotFound(id)
    const fields = Object.keys(request.body).sort()
    // Disabling or enabling alone is its own entry, so the trail says which way it went.
    const action = fields.length === 1 && request.body.disabled !== undefined ? (request.body.disabled ? 'key.disabled' : 'key.enabled') : 'key.updated'
    await store.audit({ ...actor(request), action, keyId: id, keyName: updated.name, ...(action === 'key.updated' ? { fields } : {}) })
    return keySummary(store, updated, now())
  })

  fastify.post('/:id/rotate', {
    schema: {
      tags,
      security,
      summary: 'Rotate an API key',
      description: 'Gives the key a new secret, answered once here (`Cache-Control: no-store`). The old secret keeps working for `graceSeconds` (0 to 7 days), then stops. Settings, usage and history stay with the key.',
      params: KeyIdParamsSchema,
      body: RotateKeyBodySchema,
      response: { 200: RotatedKeySchema, ...errorResponses(400, 401, 403, 404, 415, 500) }
    },
    preValidation: async (request) => {
      request.body ??= {}
    }
  }, async (request, reply) => {
    const { id } = request.params
    const graceSeconds = request.body?.graceSeconds ?? 0
    reply.header('cache-control', 'no-store')
    const rotated = await store.rotateKey(request.user!.uuid, id, graceSeconds * 1000)
    if (!rotated) throw new errors.KeyNotFound(id)
    await store.audit({ ...actor(request), action: 'key.rotated', keyId: id, keyName: rotated.name, graceSeconds })
    return { ...createdKey(rotated), rotatedSecretExpiresAt: rotated.previousExpiresAt }
  })

  fastify.get('/:id/requests', {
    schema: {
      tags,
      security,
      summary: "A key's recent requests",
      description: 'The most recent requests made with the key (up to 200, since the server started), newest first: route, model, status or error code, tokens, estimated cost and timings. Never any prompt or answer.',
      params: KeyIdParamsSchema,
      response: { 200: KeyRequestsSchema, ...errorResponses(401, 403, 404) }
    }
  }, async (request) => {
    const { id } = request.params
    const entries = await store.recentRequests(request.user!.uuid, id)
    if (!entries) throw new errors.KeyNotFound(id)
    return {
      object: 'list' as const,
      data: entries.map(({ costMicroUsd, ...e }) => ({ ...e, costUsd: costMicroUsd / 1_000_000 }))
    }
  })

  fastify.get('/:id/reveal', {
    schema: {
      tags,
      security,
      summary: 'Reveal the full key',
      description: 'Answers with `Cache-Control: no-store`. 404 when the key is not yours, or was created with KEY_REVEAL off.',
      params: KeyIdParamsSchema,
      response: { 200: RevealedKeySchema, ...errorResponses(401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { id } = request.params
    reply.header('cache-control', 'no-store')
    const result = await store.revealKey(request.user!.uuid, id)
    if ('error' in result) throw result.error === 'no_secret' ? new errors.KeyHasNoSecret(id) : new errors.KeyNotFound(id)
    await store.audit({ ...actor(request), action: 'key.revealed', keyId: id, keyName: store.keyById(id)?.name })
    return { id, key: result.key }
  })

  fastify.delete('/:id', {
    schema: {
      tags,
      security,
      summary: 'Revoke an API key',
      description: 'The key stops authenticating requests at once, and its open streams end. Its usage stays in your usage history.',
      params: KeyIdParamsSchema,
      response: { 200: DeletedKeySchema, ...errorResponses(401, 403, 404, 500) }
    }
  }, async (request) => {
    const { id } = request.params
    const name = store.keyById(id)?.name
    if (!await store.deleteKey(request.user!.uuid, id)) throw new errors.KeyNotFound(id)
    await store.audit({ ...actor(request), action: 'key.revoked', keyId: id, keyName: name })
    return { id, deleted: true as const }
  })
}

export default keyRoutes
