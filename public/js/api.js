// Calls to this server's own API, with errors turned into ApiError and plain-language messages.

/** An error answer (`{error:{message,type,param,code}}`) or a network failure (status 0). */
export class ApiError extends Error {
  constructor (status, body) {
    const e = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : {}
    super(typeof e.message === 'string' && e.message ? e.message : `The server answered with status ${status}.`)
    this.name = 'ApiError'
    this.status = status
    this.code = typeof e.code === 'string' ? e.code : null
    this.type = typeof e.type === 'string' ? e.type : null
    this.param = typeof e.param === 'string' ? e.param : null
  }
}

/** Codes of answers that mean "your dashboard session is gone". */
export const SESSION_LOST = new Set(['not_signed_in', 'session_expired'])

/**
 * fetch() for JSON routes: a JSON body when given, the API key as Bearer when given, the session cookie always
 * (same origin). Resolves with the parsed answer; rejects with ApiError, or the AbortError when aborted.
 */
export async function api (path, { method = 'GET', body, key, signal } = {}) {
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
    if (err?.name === 'AbortError') throw err
    throw networkError()
  }
  const data = await readJson(res)
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

/** The body as JSON, or null when it is empty or not JSON. */
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

/** A sentence for the user about a failed call; `context` picks wording for sign-in. */
export function describeError (err, context = '') {
  if (!(err instanceof ApiError)) return err?.message || 'Something went wrong. Try again.'
  if (err.status === 0) return err.message
  if (context === 'signin') {
    if (err.code === 'puter_token_invalid' || err.status === 401) return 'Puter did not accept this token: it may be mistyped, expired or revoked. Sign in with Puter again, or paste a fresh token.'
    if (err.status === 400) return 'Paste a Puter token first.'
    if (err.status === 429) return `Too many sign-in attempts. ${err.message.replace(/^Too many requests;\s*/i, '').replace(/^./, (c) => c.toUpperCase())}.`
    if (err.status === 502 || err.status === 504) return 'Puter could not be reached to check the token. Try again in a moment.'
  }
  if (SESSION_LOST.has(err.code)) return 'Your session has ended. Sign in again.'
  if (err.status === 429) return err.message
  if (err.status >= 500 && !err.message) return 'The server had an error. Try again, and check the server logs if it keeps happening.'
  return err.message
}
