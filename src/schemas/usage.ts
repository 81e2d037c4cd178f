// Schemas of the usage and audit routes (session): a user's usage series and totals, CSV, and their audit trail.
import { Type } from './common.ts'

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A UTC day, YYYY-MM-DD' })

export const UsageQuerySchema = Type.Object({
  from: Type.Optional(Type.String({ ...Day, description: 'First day (UTC, inclusive); default 29 days before `to`' })),
  to: Type.Optional(Type.String({ ...Day, description: 'Last day (UTC, inclusive); default today' })),
  group_by: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('model'), Type.Literal('key')], { default: 'day', description: 'How the series is split: one point per day (with per-key and per-model breakdowns), or one row per model or per key' })),
  key_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only this key' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv answers text/csv (as does `Accept: text/csv`)' }))
}, { additionalProperties: false })

const Counters = {
  requests: Type.Integer({ description: 'Requests, failed ones included' }),
  errors: Type.Integer({ description: 'Requests that failed' }),
  inputTokens: Type.Integer({ description: 'Input tokens, cached ones included' }),
  outputTokens: Type.Integer({ description: 'Output tokens, reasoning included' }),
  reasoningTokens: Type.Integer({ description: 'Output tokens spent on reasoning' }),
  cachedTokens: Type.Integer({ description: 'Input tokens read from a prompt cache' }),
  images: Type.Integer({ description: 'Images generated' }),
  speechCharacters: Type.Integer({ description: 'Characters of text spoken' }),
  audioSeconds: Type.Integer({ description: 'Seconds of audio transcribed or translated' }),
  costUsd: Type.Number({ description: 'Estimated cost in US dollars (list prices of the catalogue; Puter bills its own way)' })
}

export const UsageCountersSchema = Type.Object(Counters)

export const UsageResponseSchema = Type.Object({
  object: Type.Literal('usage'),
  from: Day,
  to: Day,
  group_by: Type.Union([Type.Literal('day'), Type.Literal('model'), Type.Literal('key')]),
  estimated: Type.Literal(true, { description: 'Costs are estimates' }),
  totals: UsageCountersSchema,
  data: Type.Array(Type.Object({
    day: Type.Optional(Day),
    model: Type.Optional(Type.String()),
    keyId: Type.Optional(Type.String()),
    keyName: Type.Optional(Type.String({ description: "The key's name; '(revoked key)' for a key revoked since" })),
    ...Counters,
    byKey: Type.Optional(Type.Record(Type.String(), UsageCountersSchema, { description: 'group_by=day: the day split by key id' })),
    byModel: Type.Optional(Type.Record(Type.String(), UsageCountersSchema, { description: 'group_by=day: the day split by model' }))
  }), { description: 'group_by=day: every day of the range, oldest first (days without use have zeros); model and key: one row each, by cost' }),
  keys: Type.Record(Type.String(), Type.String(), { description: "Names of the keys that appear, by id ('(revoked key)' for keys revoked since)" })
})

export const AuditQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Entries per page' })),
  before: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The id of the last entry of the previous page' }))
}, { additionalProperties: false })

export const AuditListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Type.Object({
    id: Type.String(),
    at: Type.String({ format: 'date-time' }),
    action: Type.String({ description: 'user.signed_in, user.signed_out_everywhere, key.created, key.revealed, key.updated (fields says which settings), key.disabled, key.enabled, key.rotated, key.revoked, account.keys_revoked' }),
    keyId: Type.Optional(Type.String()),
    keyName: Type.Optional(Type.String()),
    ip: Type.String({ description: 'The client address of the request' }),
    userAgent: Type.String(),
    fields: Type.Optional(Type.Array(Type.String(), { description: 'key.updated: the settings changed' })),
    graceSeconds: Type.Optional(Type.Integer({ description: 'key.rotated: how long the old secret kept working' }))
  }), { description: 'Newest first' }),
  has_more: Type.Boolean(),
  next_before: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `before` for the next page; null on the last' })
})
