// @ts-check
// Calls to this server's own API, typed, with errors turned into ApiError and plain-language messages.

/** @typedef {{ uuid: string, username: string }} User */
/** @typedef {{ user: User, isAdmin: boolean, expiresAt: string }} Session */

/**
 * A user as GET /admin/users lists them (administrators only): activity and usage, never a token or key.
 * @typedef {object} AdminUser
 * @property {string} uuid
 * @property {string} username
 * @property {boolean} isAdmin named in ADMIN_PUTER_USERS (cannot be disabled)
 * @property {string | null} disabledAt when an administrator disabled the user; null while enabled
 * @property {string} createdAt
 * @property {string} lastSignInAt
 * @property {string} lastActiveAt latest sign-in or key use
 * @property {string | null} lastUsedAt
 * @property {number} keyCount
 * @property {number} sessionCount
 * @property {number} requestCount
 * @property {number} errorCount
 * @property {number} inputTokens
 * @property {number} outputTokens
 */

/** @typedef {'active' | 'expired' | 'disabled' | 'over_budget'} KeyState */
/** @typedef {'day' | 'week' | 'month' | 'total'} BudgetPeriod */
/** @typedef {{ usd: number, period: BudgetPeriod }} Budget */
/** @typedef {{ rpm: number | null, concurrency: number | null }} KeyLimits */

/**
 * One of the user's keys as GET /v1/keys lists it: never the secret, only a preview; its settings, state and spend.
 * @typedef {object} KeySummary
 * @property {string} id
 * @property {string} name
 * @property {string} preview
 * @property {string} createdAt
 * @property {string | null} lastUsedAt
 * @property {number} requestCount
 * @property {number} errorCount
 * @property {boolean} hasSecret whether the server can reveal the full key again
 * @property {KeyState} state what a request with the key gets now
 * @property {string | null} expiresAt
 * @property {boolean} disabled
 * @property {string[]} allowedModels model ids or globs; empty = every model
 * @property {KeyLimits} limits
 * @property {Budget | null} budget
 * @property {{ usd: number, period: BudgetPeriod, periodStart: string | null, resetsAt: string | null }} spend estimated spend in the budget period (the key's life when it has no budget)
 * @property {string | null} rotatedSecretExpiresAt when the secret a rotation replaced stops working
 * @property {string} [updatedAt]
 */

/**
 * The settings PATCH /v1/keys/{id} changes: fields left out stay as they are; null clears.
 * @typedef {object} KeyUpdate
 * @property {string} [name]
 * @property {string | null} [expiresAt]
 * @property {boolean} [disabled]
 * @property {string[]} [allowedModels]
 * @property {{ rpm?: number | null, concurrency?: number | null }} [limits]
 * @property {Budget | null} [budget]
 */

/**
 * A key just created: the only answer that always carries the full key.
 * @typedef {object} CreatedKey
 * @property {string} id
 * @property {string} name
 * @property {string} preview
 * @property {string} createdAt
 * @property {string} key
 * @property {boolean} hasSecret
 */

/**
 * A key after rotation: its new secret, shown once; the old one works until rotatedSecretExpiresAt.
 * @typedef {CreatedKey & { rotatedSecretExpiresAt: string | null }} RotatedKey
 */

/**
 * One of a key's recent requests (GET /v1/keys/{id}/requests): never any prompt or answer.
 * @typedef {object} KeyRequest
 * @property {string} at
 * @property {string} route
 * @property {string} model
 * @property {number} status
 * @property {string | null} errorCode
 * @property {number} inputTokens
 * @property {number} outputTokens
 * @property {number} costUsd
 * @property {number | null} ttfbMs
 * @property {number} durationMs
 */

/**
 * @typedef {object} UsageCounters
 * @property {number} requests
 * @property {number} errors
 * @property {number} inputTokens
 * @property {number} outputTokens
 * @property {number} reasoningTokens
 * @property {number} cachedTokens
 * @property {number} costUsd estimated
 */

/**
 * A row of GET /v1/usage: a day (with per-key and per-model breakdowns), a model or a key.
 * @typedef {UsageCounters & { day?: string, model?: string, keyId?: string, keyName?: string, byKey?: Record<string, UsageCounters>, byModel?: Record<string, UsageCounters> }} UsageRow
 */

/**
 * GET /v1/usage: the user's usage from..to (UTC days, inclusive).
 * @typedef {object} Usage
 * @property {'usage'} object
 * @property {string} from
 * @property {string} to
 * @property {'day' | 'model' | 'key'} group_by
 * @property {UsageCounters} totals
 * @property {UsageRow[]} data
 * @property {Record<string, string>} keys names of the keys that appear, by id
 */

/**
 * An entry of the user's audit trail (GET /v1/audit).
 * @typedef {object} AuditEntry
 * @property {string} id
 * @property {string} at
 * @property {string} action user.signed_in, key.created, key.updated, key.rotated, key.revoked…
 * @property {string} [keyId]
 * @property {string} [keyName]
 * @property {string} ip
 * @property {string} userAgent
 * @property {string[]} [fields] key.updated: the settings changed
 * @property {number} [graceSeconds] key.rotated
 */

/** @typedef {{ data: AuditEntry[], has_more: boolean, next_before: string | null }} AuditPage */

/**
 * A model from GET /v1/models (or the session's GET /account/models).
 * @typedef {object} Model
 * @property {string} id
 * @property {string} owned_by
 * @property {string} [name]
 * @property {number} [context_length]
 * @property {{ prompt?: string, completion?: string }} [pricing]
 * @property {string[]} [aliases]
 * @property {'chat' | 'image' | 'speech' | 'transcription'} [kind] what the model does; chat when absent
 * @property {string[]} [sizes] image models: the sizes they draw, WIDTHxHEIGHT
 * @property {string[]} [qualities] image models: the qualities they take
 * @property {string[]} [voices] speech models: their voices
 * @property {string[]} [response_formats] speech models: their audio formats; transcription models: their answer formats
 */

/** The OpenAI base URL of this server, for clients and snippets. */
export const baseUrl = () => `${window.location.origin}/v1`

/** An error answer (`{error:{message,type,param,code}}`) or a network failure (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {unknown} body
   */
  constructor (status, body) {
    /** @type {Record<string, unknown>} */
    const e = body && typeof body === 'object' && 'error' in body && body.error && typeof body.error === 'object' ? /** @type {Record<string, unknown>} */ (body.error) : {}
    super(typeof e.message === 'string' && e.message ? e.message : `The server answered with status ${status}.`)
    this.name = 'ApiError'
    this.status = status
    /** @type {string | null} */
    this.code = typeof e.code === 'string' ? e.code : null
    /** @type {string | null} */
    this.type = typeof e.type === 'string' ? e.type : null
    /** @type {string | null} */
    this.param = typeof e.param === 'string' ? e.param : null
  }
}

/** Codes of answers that mean "your dashboard session is gone". */
export const SESSION_LOST = new Set(['not_signed_in', 'session_expired'])

/**
 * @typedef {object} ApiOptions
 * @property {string} [method]
 * @property {unknown} [body] sent as JSON
 * @property {string} [key] an API key, sent as Bearer
 * @property {AbortSignal} [signal]
 */

/**
 * fetch() for JSON routes: a JSON body when given, the API key as Bearer when given, the session cookie always
 * (same origin). Resolves with the parsed answer; rejects with ApiError, or the AbortError when aborted.
 * @param {string} path
 * @param {ApiOptions} [options]
 * @returns {Promise<unknown>}
 */
export async function api (path, { method = 'GET', body, key, signal } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (key) headers.authorization = `Bearer ${key}`
  let res
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal
    })
  } catch (err) {
    if (isAbort(err)) throw err
    throw networkError()
  }
  const data = await readJson(res)
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

/** The routes the dashboard calls, with the shapes of their answers. */
export const server = {
  /** @param {string} token a Puter token */
  signIn: (token) => /** @type {Promise<Session>} */ (api('/auth/puter/signin', { method: 'POST', body: { token } })),
  me: () => /** @type {Promise<Session>} */ (api('/auth/me')),
  signOut: () => api('/auth/signout', { method: 'POST' }),
  signOutEverywhere: () => /** @type {Promise<{ sessions: number }>} */ (api('/auth/signout-everywhere', { method: 'POST' })),
  revokeAllKeys: () => /** @type {Promise<{ revoked: number }>} */ (api('/account/revoke-keys', { method: 'POST' })),
  /** @param {string} confirm the username, typed by the user */
  deleteAccount: (confirm) => api('/account/delete', { method: 'POST', body: { confirm } }),
  listUsers: () => /** @type {Promise<{ data: AdminUser[] }>} */ (api('/admin/users')),
  /**
   * @param {string} uuid
   * @param {boolean} disabled
   */
  setUserDisabled: (uuid, disabled) => /** @type {Promise<AdminUser>} */ (api(`/admin/users/${encodeURIComponent(uuid)}/${disabled ? 'disable' : 'enable'}`, { method: 'POST' })),
  listKeys: () => /** @type {Promise<{ data: KeySummary[] }>} */ (api('/v1/keys')),
  /** @param {string} name '' for an untitled key */
  createKey: (name) => /** @type {Promise<CreatedKey>} */ (api('/v1/keys', { method: 'POST', body: name ? { name } : {} })),
  /** @param {string} id */
  getKey: (id) => /** @type {Promise<KeySummary>} */ (api(`/v1/keys/${encodeURIComponent(id)}`)),
  /** @param {string} id */
  revealKey: (id) => /** @type {Promise<{ id: string, key: string }>} */ (api(`/v1/keys/${encodeURIComponent(id)}/reveal`)),
  /** @param {string} id */
  revokeKey: (id) => api(`/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  /**
   * @param {string} id
   * @param {KeyUpdate} change
   */
  updateKey: (id, change) => /** @type {Promise<KeySummary>} */ (api(`/v1/keys/${encodeURIComponent(id)}`, { method: 'PATCH', body: change })),
  /**
   * @param {string} id
   * @param {number} graceSeconds how long the old secret keeps working
   */
  rotateKey: (id, graceSeconds) => /** @type {Promise<RotatedKey>} */ (api(`/v1/keys/${encodeURIComponent(id)}/rotate`, { method: 'POST', body: { graceSeconds } })),
  /** @param {string} id */
  keyRequests: (id) => /** @type {Promise<{ data: KeyRequest[] }>} */ (api(`/v1/keys/${encodeURIComponent(id)}/requests`)),
  /** @param {string} key an API key */
  listModels: (key) => /** @type {Promise<{ data: Model[] }>} */ (api('/v1/models', { key })),
  /** Every model of the catalogue, with the session (no key): for the allowed-models picker. */
  catalogue: () => /** @type {Promise<{ data: Model[] }>} */ (api('/account/models')),
  /** @param {{ from: string, to: string }} range UTC days, YYYY-MM-DD */
  usage: ({ from, to }) => /** @type {Promise<Usage>} */ (api(`/v1/usage?${new URLSearchParams({ from, to, group_by: 'day' })}`)),
  /** @param {{ from: string, to: string }} range */
  usageCsv: ({ from, to }) => download(`/v1/usage?${new URLSearchParams({ format: 'csv', from, to })}`, `usage-${from}-to-${to}.csv`),
  /** @param {{ before?: string | null }} page the id of the last entry of the previous page; none for the first */
  audit: ({ before = null }) => /** @type {Promise<AuditPage>} */ (api(before ? `/v1/audit?${new URLSearchParams({ before })}` : '/v1/audit'))
}

/**
 * A file answer (same origin, session cookie), as a Blob with the name the server gives it (Content-Disposition)
 * or `fallbackName`. Rejects with ApiError, so a lost session is told, not saved as a file.
 * @param {string} path
 * @param {string} fallbackName
 * @returns {Promise<{ blob: Blob, filename: string }>}
 */
export async function download (path, fallbackName) {
  let res
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store' })
  } catch {
    throw networkError()
  }
  if (!res.ok) throw new ApiError(res.status, await readJson(res))
  const named = /filename="?([^";]+)"?/i.exec(res.headers.get('content-disposition') ?? '')?.[1]
  return { blob: await res.blob(), filename: named || fallbackName }
}

/**
 * The body as JSON, or null when it is empty or not JSON.
 * @param {Response} res
 * @returns {Promise<unknown>}
 */
export async function readJson (res) {
  const text = await res.text().catch(() => '')
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

export function networkError () {
  return new ApiError(0, { error: { message: 'Could not reach this server. Check that it is running, then try again.', code: 'network_error' } })
}

/**
 * Whether a rejection is fetch()'s AbortError (the user pressed Stop, or the page moved on).
 * @param {unknown} err
 */
export const isAbort = (err) => typeof err === 'object' && err !== null && 'name' in err && err.name === 'AbortError'

/**
 * The message of whatever was thrown (Errors, and the plain objects some libraries reject with), or ''.
 * @param {unknown} err
 * @returns {string}
 */
export const messageOf = (err) => typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string' ? err.message : ''

/**
 * A sentence for the user about a failed call; `context` picks wording for sign-in.
 * @param {unknown} err
 * @param {'' | 'signin'} [context]
 */
export function describeError (err, context = '') {
  if (!(err instanceof ApiError)) return messageOf(err) || 'Something went wrong. Try again.'
  if (err.status === 0) return err.message
  if (context === 'signin') {
    if (err.code === 'puter_token_invalid' || err.status === 401) return 'Puter did not accept this token: it may be mistyped, expired or revoked. Sign in with Puter again, or paste a fresh token.'
    if (err.status === 400) return 'Paste a Puter token first.'
    if (err.status === 429) return `Too many sign-in attempts. ${err.message.replace(/^Too many requests;\s*/i, '').replace(/^./, (c) => c.toUpperCase())}.`
    if (err.status === 502 || err.status === 504) return 'Puter could not be reached to check the token. Try again in a moment.'
  }
  if (err.code && SESSION_LOST.has(err.code)) return 'Your session has ended. Sign in again.'
  if (err.status === 429) return err.message
  if (err.status >= 500 && !err.message) return 'The server had an error. Try again, and check the server logs if it keeps happening.'
  return err.message
}
