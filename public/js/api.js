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

/**
 * One of the user's keys as GET /v1/keys lists it: never the secret, only a preview.
 * @typedef {object} KeySummary
 * @property {string} id
 * @property {string} name
 * @property {string} preview
 * @property {string} createdAt
 * @property {string | null} lastUsedAt
 * @property {number} requestCount
 * @property {boolean} hasSecret whether the server can reveal the full key again
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
 * A model from GET /v1/models.
 * @typedef {object} Model
 * @property {string} id
 * @property {string} owned_by
 * @property {string} [name]
 * @property {number} [context_length]
 * @property {{ prompt?: string, completion?: string }} [pricing]
 * @property {string[]} [aliases]
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
  revealKey: (id) => /** @type {Promise<{ id: string, key: string }>} */ (api(`/v1/keys/${encodeURIComponent(id)}/reveal`)),
  /** @param {string} id */
  revokeKey: (id) => api(`/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  /** @param {string} key an API key */
  listModels: (key) => /** @type {Promise<{ data: Model[] }>} */ (api('/v1/models', { key }))
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
