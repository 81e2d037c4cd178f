// Every error condition under one named code (@fastify/error), and the pure functions that turn any thrown error into
// a client-neutral fault and a fault into OpenAI's body. Client APIs with another shape encode faults in their folder.
import createError from '@fastify/error'

/** Facts an error may carry besides code, status and message. */
interface ErrorDetails {
  /** The request field at fault. */
  param?: string | null
  /** OpenAI's error type, when it is not the one its status implies. */
  type?: string
  /** Headers to answer with (retry-after, x-should-retry). */
  headers?: Record<string, string>
}

/** Attaches details to an error and returns it: `throw withDetails(new errors.X(), { param: 'model' })`. */
export function withDetails<E extends Error> (err: E, details: ErrorDetails): E & ErrorDetails {
  return Object.assign(err, details)
}

export const errors = {
  // Dashboard sessions and sign-in
  NotSignedIn: createError('not_signed_in', 'Sign in first: this route needs a dashboard session', 401),
  SessionExpired: createError('session_expired', 'Your session has expired; sign in again', 401),
  PuterTokenMissing: createError('missing_token', 'Provide your Puter auth token as "token"', 400),
  PuterTokenRejected: createError('puter_token_invalid', 'Puter rejected this token (invalid or expired); sign in to Puter again', 401),
  ForeignAppToken: createError('token_foreign_app', 'This token belongs to the Puter app %s, not to this server. Sign in through this page, or paste your own Puter token', 403),
  TokenKindUnsupported: createError('token_kind_unsupported', 'Puter does not say whose token this is (neither your own token nor one issued to this server). Sign in through this page, or paste your own Puter token', 403),
  CrossSite: createError('cross_site_request', 'Cross-site requests are not allowed on this route', 403),
  JsonOnly: createError('unsupported_media_type', 'Send the body as application/json', 415),

  // Keys and the store
  KeyNotFound: createError('key_not_found', 'No key with id %s', 404),
  KeyHasNoSecret: createError('key_not_revealable', 'Key %s was created with KEY_REVEAL off, so its secret was never stored and cannot be shown again', 404),
  KeyLimitReached: createError('key_limit_reached', 'You already have the maximum of %s keys; revoke one before creating another', 409),
  StoreWriteFailed: createError('store_write_failed', 'Could not save the change to the data file; nothing was changed', 500),
  StoreLoadFailed: createError('store_load_failed', '%s', 500),

  // The AI routes' own refusals
  InvalidApiKey: createError('invalid_api_key', 'Incorrect API key provided. You can find and create your API keys in the dashboard of this server.', 401),
  NoPuterAccount: createError('puter_token_invalid', 'This key has no Puter account behind it; sign in to the dashboard again.', 401),
  ConcurrencyLimited: createError('concurrency_limit_exceeded', 'This key already has %s requests in flight, its concurrency limit; wait for one to finish', 429),
  AuthFailuresLimited: createError('rate_limit_exceeded', 'Too many requests with invalid API keys from your address; retry in %s s', 429),
  UnsupportedParameter: createError('unsupported_parameter', '%s', 400),
  ModelNotFound: createError('model_not_found', 'The model `%s` does not exist or you do not have access to it.', 404),

  // Puter's failures, as src/puter/failures.ts names them
  PuterAuthFailed: createError('puter_token_invalid', 'Your Puter sign-in has expired or was rejected by Puter. Sign in to the dashboard of this server again to reconnect your Puter account.', 401),
  PuterQuota: createError('insufficient_quota', 'This request %s (Puter: %s).', 402),
  PuterRateLimited: createError('rate_limit_exceeded', '%s: %s', 429),
  PuterModelNotFound: createError('model_not_found', 'The model `%s` does not exist on Puter or you do not have access to it.', 404),
  PuterDenied: createError('permission_denied', 'Puter denied the request: %s', 403),
  PuterBadRequest: createError('bad_request', 'Puter rejected the request: %s', 400),
  PuterTooLarge: createError('request_too_large', 'The request is too large for Puter: %s', 413),
  UpstreamBadRequest: createError('upstream_bad_request', 'The AI provider rejected the request: %s', 400),
  UpstreamFailed: createError('upstream_error', '%s', 502),
  UpstreamNotFound: createError('upstream_not_found', 'Puter does not know the API this server called (404): the gateway is misconfigured.', 502),
  UpstreamUnreachable: createError('upstream_unreachable', 'Puter could not be reached; try again later.', 502),
  UpstreamTimeout: createError('upstream_timeout', 'Puter did not answer in time.', 504)
}

/** Codes whose messages are ours and safe to show even with a 5xx status. */
const EXPOSED_5XX = new Set(['store_write_failed', 'store_load_failed', 'upstream_error', 'upstream_not_found', 'upstream_unreachable', 'upstream_timeout'])

/** OpenAI's error types by status; a code may override it (see TYPE_BY_CODE). */
const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'insufficient_quota',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error'
}

/** OpenAI answers a bad key with type invalid_request_error although the status is 401. */
const TYPE_BY_CODE: Record<string, string> = {
  invalid_api_key: 'invalid_request_error'
}

function errorType (status: number, code?: string | null): string {
  return (code ? TYPE_BY_CODE[code] : undefined) ?? TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
}

/** Any failure, in client-neutral terms: what each client API's error body is made from. */
interface Fault {
  status: number
  code: string | null
  message: string
  /** OpenAI's error type. */
  type: string
  param: string | null
  headers: Record<string, string>
  /** A server-side failure, logged as an error; client errors are logged at info. */
  internal: boolean
}

interface OpenAIErrorBody {
  error: { message: string, type: string, param: string | null, code: string | null }
}

const INTERNAL_MESSAGE = 'The server had an error while processing your request. Check the server logs.'

/** The field an ajv validation error names, as a dotted path (`messages.0.role`). */
function validationParam (first: any): string | null {
  const path = String(first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  const missing = first?.params?.missingProperty
  return missing ? [path, missing].filter(Boolean).join('.') : (path || null)
}

/**
 * Turns anything thrown (our named errors, Fastify's framework and validation errors, JSON syntax errors) into a
 * Fault. Pure: no logging, no reply. `bodyLimit` (bytes) words the too-large message.
 */
export function toFault (err: any, opts: { bodyLimit?: number } = {}): Fault {
  let status: number = typeof err?.statusCode === 'number' ? err.statusCode : 500
  if (status < 400 || status > 599) status = 500
  let code: string | null = typeof err?.code === 'string' ? err.code : null
  let param: string | null = err?.param ?? null
  let message: string = typeof err?.message === 'string' ? err.message : String(err)

  if (err?.validation) {
    param = validationParam(err.validation[0])
    code = 'invalid_request'
    message = `Invalid request: ${message}`
  } else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    code = 'request_too_large'
    message = opts.bodyLimit ? `Request body is larger than this route's limit of ${formatBytes(opts.bodyLimit)}` : 'Request body is too large'
  } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    code = 'unsupported_media_type'
  } else if (err instanceof SyntaxError || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    // V8's JSON errors quote the input, which may hold a token: never echo them.
    status = 400
    code = 'invalid_json'
    message = 'We could not parse the JSON body of your request. Check that it is valid JSON.'
  } else if (code?.startsWith('FST_')) {
    code = null
  } else if (code) {
    code = code.toLowerCase()
  }

  const internal = status >= 500
  if (internal && !(code !== null && EXPOSED_5XX.has(code))) message = INTERNAL_MESSAGE
  return {
    status,
    code,
    message,
    type: typeof err?.type === 'string' ? err.type : errorType(status, code),
    param,
    headers: { ...err?.headers },
    internal
  }
}

function formatBytes (n: number): string {
  return n >= 1024 * 1024 ? `${Number((n / 1024 / 1024).toFixed(1))} MiB` : `${Math.round(n / 1024)} KiB`
}

/** A fault in OpenAI's shape, which the dashboard routes use too. */
export function openAIErrorBody (fault: Pick<Fault, 'message' | 'type' | 'param' | 'code'>): OpenAIErrorBody {
  return { error: { message: fault.message, type: fault.type, param: fault.param, code: fault.code } }
}
