// Puter's failures (error bodies by `code` and status, network errors) as the gateway's named errors.
import { errors, withDetails } from '../errors.ts'
import { PuterNetworkError } from './client.ts'

type Obj = Record<string, unknown>
type Headers = Record<string, string | string[] | undefined>

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => typeof value === 'string' ? value : undefined

const AUTH_CODES = new Set(['token_missing', 'token_auth_failed', 'reauth_required'])
const QUOTA_CODES = new Set(['insufficient_funds', 'subscription_required'])
const RATE_CODES = new Set(['too_many_requests', 'upstream_rate_limited'])
const UPSTREAM_FAILURE_CODES = new Set(['upstream_provider_unavailable', 'upstream_failed', 'upstream_auth_failed', 'internal_error'])
const PERMISSION_CODES = new Set(['permission_denied', 'forbidden', 'app_blocked'])
const BAD_REQUEST_CODES = new Set(['bad_request', 'field_invalid', 'field_required', 'moderation_flagged', 'client_bad_json'])

const MAX_MESSAGE = 500

/** A Puter message made safe to show: anything token-like removed, capped at 500 characters. */
export function redact (message: string): string {
  const clean = message.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted]').replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean
}

function headerValue (headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue
    const v = Array.isArray(value) ? value[0] : value
    return typeof v === 'string' && v !== '' ? v : undefined
  }
  return undefined
}

/** The parts of a Puter error body, v2 `{error, message, code, errorCode}` or legacy `{success:false, error:{...}}`. */
function readPuterError (status: number, body: unknown) {
  let code: string | undefined
  let detail: string | undefined
  let message: string | undefined
  let key: string | undefined
  let effective = status
  if (isObj(body)) {
    if (body.success === false && isObj(body.error)) {
      code = str(body.error.code)
      message = str(body.error.message)
      if (typeof body.error.status === 'number') effective = body.error.status
    } else {
      code = str(body.code)
      detail = str(body.errorCode)
      message = str(body.message) ?? str(body.error)
      if (isObj(body.error)) {
        message ??= str(body.error.message)
        code ??= str(body.error.code)
      }
      key = str(body.key)
    }
  }
  return { status: effective, code, detail, message: message ? redact(message.trim()) : undefined, key }
}

/** Puter's own code passed on where no fixed one fits (which permission, which field check); null for none. */
function withCode<E extends Error> (err: E, code: string | null): E {
  return Object.assign(err, { code })
}

/**
 * A Puter error (HTTP status + body; optionally Puter's response headers, for retry-after) as the named error to
 * throw. Puter answers upstream failures with a 400 or 500, so the body's `code` decides before the status does.
 * Puter's message is passed on for its 4xx answers only, and never for sign-in failures.
 */
export function puterFailure (status: number, body: unknown, headers?: Headers): Error {
  const e = readPuterError(status, body)
  const has = (set: Set<string>) => (e.code !== undefined && set.has(e.code)) || (e.detail !== undefined && set.has(e.detail))
  const said = (fallback: string) => e.message || fallback

  if (has(AUTH_CODES) || e.status === 401) {
    // Never Puter's text: a 401 body carries reauth details, and the user must act on our dashboard, not Puter's.
    return new errors.PuterAuthFailed()
  }
  if (has(QUOTA_CODES) || e.status === 402) {
    const why = e.code === 'subscription_required' ? 'needs a paid Puter plan' : 'has no AI credit left on your Puter account'
    return withDetails(new errors.PuterQuota(why, said('insufficient funds')), { headers: { 'x-should-retry': 'false' } })
  }
  if (has(RATE_CODES) || e.status === 429) {
    const retry: Record<string, string> = {}
    const retryAfter = headerValue(headers, 'retry-after')
    if (retryAfter) retry['retry-after'] = retryAfter
    const retryAfterMs = headerValue(headers, 'retry-after-ms')
    if (retryAfterMs) retry['retry-after-ms'] = retryAfterMs
    const what = e.code === 'upstream_rate_limited' ? 'The AI provider behind Puter is rate limited' : 'Puter rate limit reached'
    return withDetails(new errors.PuterRateLimited(what, said('too many requests')), { headers: retry })
  }
  if (e.code === 'upstream_bad_request') return new errors.UpstreamBadRequest(said('bad request'))
  if (has(UPSTREAM_FAILURE_CODES)) return new errors.UpstreamFailed('The AI provider behind Puter failed to answer; try again later.')
  if (e.message?.startsWith('Model not found')) {
    const model = e.message.slice('Model not found'.length).replace(/^:\s*/, '')
    return withDetails(new errors.PuterModelNotFound(model), { param: 'model' })
  }
  if (e.status === 403 || has(PERMISSION_CODES) || (e.code?.endsWith('_required') === true && e.code !== 'field_required')) {
    return withCode(new errors.PuterDenied(said('permission denied')), e.code ?? 'permission_denied')
  }
  // Puter's 404s are for unknown drivers, methods and routes: this server called Puter wrongly (a gateway bug or
  // misconfigured PUTER origin), not something the client can fix. Unknown models are a 400 and handled above.
  if (e.status === 404 || e.code === 'not_found') return new errors.UpstreamNotFound()
  if (e.status === 413) return new errors.PuterTooLarge(said('payload too large'))
  if (e.status === 400 || has(BAD_REQUEST_CODES)) {
    return withDetails(withCode(new errors.PuterBadRequest(said('bad request')), e.detail ?? e.code ?? null), { param: e.key ?? null })
  }
  const upstream4xx = e.status >= 400 && e.status < 500
  return new errors.UpstreamFailed(upstream4xx && e.message ? `Puter answered ${e.status}: ${e.message}` : 'Puter failed to complete the request; try again later.')
}

/**
 * Which of Puter's own per-account limits a 429 `too_many_requests` hit ("Too many concurrent requests." or "Too many
 * requests."); null for any other answer, the vendor's `upstream_rate_limited` included. Puter refuses these before
 * doing any work, so the call may be sent again.
 */
export function accountLimitHit (status: number, body: unknown): 'concurrency' | 'window' | null {
  if (status !== 429) return null
  const e = readPuterError(status, body)
  if (e.code !== 'too_many_requests') return null
  return e.message !== undefined && /concurrent/i.test(e.message) ? 'concurrency' : 'window'
}

/** True for Puter's legacy HTTP-200 failure envelope `{success: false, error: {...}}`. */
export function isPuterFailure (body: unknown): boolean {
  return isObj(body) && body.success === false
}

/** A failure to reach Puter (or a broken connection), as the gateway answers it. */
export function networkFailure (err: unknown): Error {
  return err instanceof PuterNetworkError && err.timedOut ? new errors.UpstreamTimeout() : new errors.UpstreamUnreachable()
}
