// Schemas of the key management routes: a key's settings, its state and spend, rotation, and its recent requests.
import { Type } from './common.ts'
import { SETTING_LIMITS } from '../store/records.ts'

export const KeyIdParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The key id (key_...)' })
})

const DateTime = (description: string) => Type.String({ format: 'date-time', description })
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description })

const BudgetPeriod = Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month'), Type.Literal('total')], {
  description: 'day: the UTC calendar day; week: the ISO week, from Monday 00:00 UTC; month: the UTC calendar month; total: the whole life of the key'
})

const LimitsInput = Type.Object({
  rpm: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: SETTING_LIMITS.rpm }), Type.Null()], { description: 'Requests per minute (a sliding 60 s window); null = no limit' })),
  concurrency: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: SETTING_LIMITS.concurrency }), Type.Null()], { description: "Requests in flight at once; null = the server's KEY_MAX_CONCURRENCY only (which always applies too)" }))
}, { additionalProperties: false, description: 'Rate and concurrency limits; a field left out is left as it is' })

const BudgetInput = Type.Union([
  Type.Object({
    usd: Type.Number({ exclusiveMinimum: 0, maximum: SETTING_LIMITS.budgetUsd, description: 'Estimated spend allowed per period, in US dollars' }),
    period: BudgetPeriod
  }, { additionalProperties: false }),
  Type.Null()
], { description: 'A spending cap on the estimated cost (list prices of the model catalogue); null = none' })

/** The settings a key can be created with or changed to; every field is optional. */
const SettingsInput = {
  name: Type.Optional(Type.String({ maxLength: 100, description: 'A label to recognise the key by' })),
  expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the key stops working (must be in the future); null = never' })),
  disabled: Type.Optional(Type.Boolean({ description: 'true refuses every request with the key until it is enabled again' })),
  allowedModels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: SETTING_LIMITS.pattern }), {
    maxItems: SETTING_LIMITS.allowedModels,
    description: 'Model ids or glob patterns (`*` any text, `?` one character, `[abc]`, `{a,b}`), matched case-insensitively against the model asked for and the catalogue id it stands for; empty = every model'
  })),
  limits: Type.Optional(LimitsInput),
  budget: Type.Optional(BudgetInput)
}

export const CreateKeyBodySchema = Type.Object(SettingsInput, {
  additionalProperties: false,
  description: 'Options for the new key; an empty body (or none) is `{}`. Unknown fields are refused, so a misspelt option is not silently ignored'
})

export const UpdateKeyBodySchema = Type.Object(SettingsInput, {
  additionalProperties: false,
  minProperties: 1,
  description: 'The settings to change; fields left out stay as they are, null clears expiresAt, a limit or the budget'
})

export const RotateKeyBodySchema = Type.Object({
  graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600, default: 0, description: 'How long the old secret keeps working (0 to 7 days); 0 stops it at once' }))
}, { additionalProperties: false })

const KeyFields = {
  id: Type.String({ description: 'Key id, used in the URLs below' }),
  name: Type.String({ description: 'The label given at creation or since' }),
  preview: Type.String({ description: 'First and last characters of the key, e.g. sk-6fA2…9xQe' }),
  createdAt: DateTime('When the key was created')
}

export const CreatedKeySchema = Type.Object({
  ...KeyFields,
  key: Type.String({ description: 'The full secret key (sk-...). Shown here; again later only if revealable' }),
  hasSecret: Type.Boolean({ description: 'Whether the key can be revealed again later (KEY_REVEAL)' })
})

export const KeyStateSchema = Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('disabled'), Type.Literal('over_budget')], {
  description: 'What a request with the key gets now: active, or refused because it expired, was disabled, or spent its budget for the period'
})

export const KeySummarySchema = Type.Object({
  ...KeyFields,
  lastUsedAt: Nullable(DateTime(''), 'Last time the key authenticated a request'),
  requestCount: Type.Integer({ description: 'Requests made with the key, failed ones included' }),
  errorCount: Type.Integer({ description: 'Requests that failed' }),
  hasSecret: Type.Boolean({ description: 'Whether the key can be revealed again' }),
  state: KeyStateSchema,
  expiresAt: Nullable(DateTime(''), 'When the key stops working; null = never'),
  disabled: Type.Boolean({ description: 'Whether the key is disabled' }),
  allowedModels: Type.Array(Type.String(), { description: 'Model ids or glob patterns; empty = every model' }),
  limits: Type.Object({
    rpm: Type.Union([Type.Integer(), Type.Null()], { description: 'Requests per minute; null = none' }),
    concurrency: Type.Union([Type.Integer(), Type.Null()], { description: 'Requests in flight; null = the server cap only' })
  }),
  budget: Type.Union([Type.Object({ usd: Type.Number(), period: BudgetPeriod }), Type.Null()], { description: 'The spending cap; null = none' }),
  spend: Type.Object({
    usd: Type.Number({ description: 'Estimated spend in the current budget period (the whole life of the key when it has no budget), in US dollars' }),
    period: BudgetPeriod,
    periodStart: Nullable(DateTime(''), 'Start of the current period (UTC); null for total'),
    resetsAt: Nullable(DateTime(''), 'When the current period ends and the spend starts again from 0; null for total')
  }, { description: 'Estimated spend: computed from the usage Puter reported and the catalogue\'s list prices' }),
  rotatedSecretExpiresAt: Nullable(DateTime(''), 'After a rotation: when the old secret stops working; null when none is accepted'),
  updatedAt: Type.Optional(DateTime('When the name, settings or secret last changed'))
})

export const KeyListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(KeySummarySchema, { description: 'Your keys, newest first; never their secrets' })
})

export const RotatedKeySchema = Type.Object({
  ...KeyFields,
  key: Type.String({ description: 'The new secret key (sk-...)' }),
  hasSecret: Type.Boolean({ description: 'Whether the key can be revealed again later (KEY_REVEAL)' }),
  rotatedSecretExpiresAt: Nullable(DateTime(''), 'When the old secret stops working; null when it stopped at once')
})

export const RevealedKeySchema = Type.Object({
  id: Type.String({ description: 'Key id' }),
  key: Type.String({ description: 'The full secret key' })
})

export const DeletedKeySchema = Type.Object({
  id: Type.String({ description: 'Key id' }),
  deleted: Type.Literal(true, { description: 'The key no longer authenticates anything' })
})

export const KeyRequestsSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Type.Object({
    at: DateTime('When the request ended'),
    route: Type.String({ description: 'Method and path, e.g. POST /v1/chat/completions' }),
    model: Type.String({ description: "The model asked for, as the catalogue names it ('unknown' when none)" }),
    status: Type.Integer({ description: 'HTTP status answered (200 for a stream that failed midway: see errorCode)' }),
    errorCode: Type.Union([Type.String(), Type.Null()], { description: 'Why it failed (e.g. model_not_allowed, rate_limit_exceeded, upstream_error); null when it succeeded' }),
    inputTokens: Type.Integer(),
    outputTokens: Type.Integer(),
    costUsd: Type.Number({ description: 'Estimated cost, in US dollars' }),
    ttfbMs: Type.Union([Type.Integer(), Type.Null()], { description: "Milliseconds to Puter's first byte; null when Puter was not called" }),
    durationMs: Type.Integer({ description: 'Milliseconds from the request to its end' })
  }), { description: 'The key\'s most recent requests (up to 200, since the server started), newest first; never any prompt or answer' })
})
