// The PostgreSQL backend's rows and records: how a users or keys row becomes the record every backend keeps, and the
// usage counters' columns (one list, so that a counter added to UsageCounters is a type error here until stored).
import type { BudgetPeriod, KeyRecord, UsageCounters, UserRecord } from '../types.ts'

/** Every counter of a usage row and its column. */
export const COUNTER_COLUMNS: Record<keyof UsageCounters, string> = {
  requests: 'requests',
  errors: 'errors',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  reasoningTokens: 'reasoning_tokens',
  cachedTokens: 'cached_tokens',
  images: 'images',
  speechCharacters: 'speech_characters',
  audioSeconds: 'audio_seconds',
  costMicroUsd: 'cost_micro_usd'
}
export const COUNTERS = Object.keys(COUNTER_COLUMNS) as Array<keyof UsageCounters>

/** The key totals kept in a keys row, with the usage counter each one adds up. */
export const KEY_TOTAL_COLUMNS = [
  ['requestCount', 'request_count', 'requests'],
  ['errorCount', 'error_count', 'errors'],
  ['inputTokens', 'input_tokens', 'inputTokens'],
  ['outputTokens', 'output_tokens', 'outputTokens'],
  ['costMicroUsd', 'cost_micro_usd', 'costMicroUsd']
] as const

export const USER_COLUMNS = 'uuid, username, token, token_kind, app_uid, disabled_at, created_at, updated_at'
export const KEY_COLUMNS = 'id, user_id, name, digest, preview, secret, created_at, updated_at, previous_digest, ' +
  'previous_expires_at, expires_at, disabled, allowed_models, rpm, concurrency, budget_usd, budget_period, ' +
  'last_used_at, request_count, error_count, input_tokens, output_tokens, cost_micro_usd'

export interface UserRow {
  uuid: string
  username: string
  token: string
  token_kind: 'user' | 'app' | null
  app_uid: string | null
  disabled_at: string | null
  created_at: string
  updated_at: string
}

export interface KeyRow {
  id: string
  user_id: string
  name: string
  digest: string
  preview: string
  secret: string | null
  created_at: string
  updated_at: string | null
  previous_digest: string | null
  previous_expires_at: string | null
  expires_at: string | null
  disabled: boolean
  allowed_models: string[]
  rpm: number | null
  concurrency: number | null
  budget_usd: number | null
  budget_period: BudgetPeriod | null
  last_used_at: string | null
  request_count: number
  error_count: number
  input_tokens: number
  output_tokens: number
  cost_micro_usd: number
}

/** A users row as a record: optional fields absent (not undefined) when the column is null, as in the JSON file. */
export function userFromRow (r: UserRow): UserRecord {
  return {
    uuid: r.uuid,
    username: r.username,
    token: r.token,
    ...(r.token_kind === null ? {} : { tokenKind: r.token_kind }),
    ...(r.app_uid === null ? {} : { appUid: r.app_uid }),
    ...(r.disabled_at === null ? {} : { disabledAt: r.disabled_at }),
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

export function keyFromRow (r: KeyRow): KeyRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    digest: r.digest,
    preview: r.preview,
    ...(r.secret === null ? {} : { secret: r.secret }),
    createdAt: r.created_at,
    ...(r.updated_at === null ? {} : { updatedAt: r.updated_at }),
    ...(r.previous_digest === null || r.previous_expires_at === null ? {} : { previous: { digest: r.previous_digest, expiresAt: r.previous_expires_at } }),
    expiresAt: r.expires_at,
    disabled: r.disabled,
    allowedModels: r.allowed_models,
    limits: { rpm: r.rpm, concurrency: r.concurrency },
    budget: r.budget_usd === null || r.budget_period === null ? null : { usd: r.budget_usd, period: r.budget_period },
    lastUsedAt: r.last_used_at,
    requestCount: r.request_count,
    errorCount: r.error_count,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costMicroUsd: r.cost_micro_usd
  }
}

/** A key record as the parameters of an INSERT of KEY_COLUMNS, in that order. */
export function keyParams (k: KeyRecord): unknown[] {
  return [
    k.id, k.userId, k.name, k.digest, k.preview, k.secret ?? null, k.createdAt, k.updatedAt ?? null,
    k.previous?.digest ?? null, k.previous?.expiresAt ?? null, k.expiresAt, k.disabled, k.allowedModels,
    k.limits.rpm, k.limits.concurrency, k.budget?.usd ?? null, k.budget?.period ?? null,
    k.lastUsedAt, k.requestCount, k.errorCount, k.inputTokens, k.outputTokens, k.costMicroUsd
  ]
}

/** `$1, $2, … $n` from `start`. */
export function placeholders (n: number, start = 1): string {
  return Array.from({ length: n }, (_, i) => `$${i + start}`).join(', ')
}

export const KEY_INSERT = `INSERT INTO keys (${KEY_COLUMNS}) VALUES (${placeholders(23)})`
