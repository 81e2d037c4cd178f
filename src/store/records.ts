// The records every store backend keeps (users, sessions, keys), as TypeBox schemas, and how a new key is minted.
import { Type } from '@sinclair/typebox'
import { randomToken, type SecretBox } from './crypto.ts'
import type { KeyRecord, KeySettings, RevealResult } from './types.ts'
import { errors } from '../errors.ts'

export const UserRecordSchema = Type.Object({
  uuid: Type.String(),
  username: Type.String(),
  token: Type.String({ description: 'Newest Puter token, encrypted' }),
  tokenKind: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('app')], { description: "The person's own token, or an app-under-user token of this server's Puter app; absent in files written before it was recorded" })),
  appUid: Type.Optional(Type.String({ description: 'For an app token: the Puter app it was issued to' })),
  disabledAt: Type.Optional(Type.String({ description: 'When an administrator disabled the user; absent while the user may sign in and use keys' })),
  createdAt: Type.String(),
  updatedAt: Type.String()
})

export const SessionRecordSchema = Type.Object({
  userId: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String()
})

// The `default`s are what records written before these totals existed load with (see json/document.ts).
const UsageTotalsFields = {
  lastUsedAt: Type.Union([Type.String(), Type.Null()], { description: 'When the key last authenticated a request' }),
  requestCount: Type.Integer({ minimum: 0, description: 'Requests made with the key, failed ones included' }),
  errorCount: Type.Integer({ minimum: 0, default: 0, description: 'Requests that failed' }),
  inputTokens: Type.Integer({ minimum: 0, default: 0, description: 'Input tokens Puter reported' }),
  outputTokens: Type.Integer({ minimum: 0, default: 0, description: 'Output tokens Puter reported' }),
  costMicroUsd: Type.Integer({ minimum: 0, default: 0, description: "Estimated cost of every request, in millionths of a US dollar (the catalogue's list prices)" })
}

export const UsageTotalsSchema = Type.Object(UsageTotalsFields)

export const BudgetPeriodSchema = Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month'), Type.Literal('total')], { description: 'UTC calendar day, ISO week (from Monday), calendar month, or the whole life of the key' })

/** Ceilings of what a key's settings may say: generous, but bounded so a typo cannot mean "unlimited". */
export const SETTING_LIMITS = {
  rpm: 1_000_000,
  concurrency: 1000,
  budgetUsd: 1_000_000,
  allowedModels: 100,
  pattern: 200
} as const

export const KeyLimitsSchema = Type.Object({
  rpm: Type.Union([Type.Integer({ minimum: 1, maximum: SETTING_LIMITS.rpm }), Type.Null()], { description: 'Requests per minute (sliding window); null = no limit' }),
  concurrency: Type.Union([Type.Integer({ minimum: 1, maximum: SETTING_LIMITS.concurrency }), Type.Null()], { description: "Requests in flight at once; null = the server's KEY_MAX_CONCURRENCY only" })
}, { additionalProperties: false })

export const BudgetSchema = Type.Object({
  usd: Type.Number({ exclusiveMinimum: 0, maximum: SETTING_LIMITS.budgetUsd, description: 'Estimated spend allowed per period, in US dollars' }),
  period: BudgetPeriodSchema
}, { additionalProperties: false })

// The settings of a key besides its name. The `default`s are what keys written before settings existed load with.
const KeySettingsFields = {
  expiresAt: Type.Union([Type.String(), Type.Null()], { default: null, description: 'When the key stops working (ISO date-time); null = never' }),
  disabled: Type.Boolean({ default: false, description: 'Refused until enabled again' }),
  allowedModels: Type.Array(Type.String(), { default: [], description: 'Model ids or glob patterns (claude-*); empty = every model' }),
  limits: Type.Object({
    rpm: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    concurrency: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])
  }, { default: { rpm: null, concurrency: null } }),
  budget: Type.Union([Type.Object({ usd: Type.Number({ exclusiveMinimum: 0 }), period: BudgetPeriodSchema }), Type.Null()], { default: null })
}

export const KeySettingsSchema = Type.Object(KeySettingsFields)

export const KeyRecordSchema = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  name: Type.String(),
  digest: Type.String({ description: 'Keyed digest of the full key, the only way keys are looked up' }),
  preview: Type.String(),
  secret: Type.Optional(Type.String({ description: 'The key, encrypted, kept only when KEY_REVEAL is on' })),
  createdAt: Type.String(),
  updatedAt: Type.Optional(Type.String({ description: 'When its settings, name or secret last changed' })),
  previous: Type.Optional(Type.Object({
    digest: Type.String({ description: 'Keyed digest of the secret this one replaced' }),
    expiresAt: Type.String({ description: 'When the replaced secret stops working (the end of the rotation grace)' })
  }, { description: 'The secret a rotation replaced, still accepted until expiresAt' })),
  ...KeySettingsFields,
  ...UsageTotalsFields
})

export const KEY_PREFIX = 'sk-'

/** First and last characters of a key, to recognise it by. */
export function keyPreview (key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 4)}…${key.slice(-4)}`
}

/** The name a key is stored under: trimmed, and never empty. */
export function keyName (name: string | undefined): string {
  return name?.trim() || 'Untitled key'
}

/** A new random `sk-` secret and what a record keeps of it (the secret itself, encrypted, only if `keepSecret`). */
export function mintSecret (box: SecretBox, keepSecret: boolean): { key: string, digest: string, preview: string, secret?: string } {
  const key = KEY_PREFIX + randomToken(36)
  return { key, digest: box.digest(key), preview: keyPreview(key), ...(keepSecret ? { secret: box.encrypt(key) } : {}) }
}

/**
 * Sets on a record the name and settings present in `patch` (a field absent or undefined is left as it is, in
 * `limits` too), copied so that no object of the caller's becomes part of a stored record.
 */
export function applyKeyPatch (record: KeyRecord, patch: Partial<KeySettings>): void {
  if (patch.name !== undefined) record.name = keyName(patch.name)
  if (patch.expiresAt !== undefined) record.expiresAt = patch.expiresAt
  if (patch.disabled !== undefined) record.disabled = patch.disabled
  if (patch.allowedModels !== undefined) record.allowedModels = [...patch.allowedModels]
  if (patch.limits !== undefined) {
    const { rpm, concurrency } = patch.limits
    record.limits = { rpm: rpm === undefined ? record.limits.rpm : rpm, concurrency: concurrency === undefined ? record.limits.concurrency : concurrency }
  }
  if (patch.budget !== undefined) record.budget = patch.budget && { usd: patch.budget.usd, period: patch.budget.period }
}

/** A new random `sk-` key and its record; the plaintext leaves the store only in the answer to its creation. */
export function mintKey (box: SecretBox, userId: string, input: { name?: string, keepSecret: boolean } & Partial<KeySettings>, createdAt: string): { key: string, record: KeyRecord } {
  const { key, ...sealed } = mintSecret(box, input.keepSecret)
  const record: KeyRecord = {
    id: 'key_' + randomToken(12),
    userId,
    name: keyName(input.name),
    ...sealed,
    createdAt,
    expiresAt: null,
    disabled: false,
    allowedModels: [],
    limits: { rpm: null, concurrency: null },
    budget: null,
    lastUsedAt: null,
    requestCount: 0,
    errorCount: 0,
    inputTokens: 0,
    outputTokens: 0,
    costMicroUsd: 0
  }
  applyKeyPatch(record, input)
  return { key, record }
}

/** The stored secret of a key, for its owner: every backend's revealKey once it found the key (undefined: not theirs). */
export function revealSecret (box: SecretBox, id: string, record: KeyRecord | undefined): RevealResult {
  if (!record) return { error: 'not_found' }
  if (record.secret === undefined) return { error: 'no_secret' }
  try {
    return { key: box.decrypt(record.secret) }
  } catch (cause) {
    throw new errors.StoredSecretUnreadable(id, { cause })
  }
}
