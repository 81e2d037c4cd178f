// Every error condition under one named code (@fastify/error), and the pure functions that turn any thrown error into
// a client-neutral fault and a fault into OpenAI's body. Client APIs with another shape encode faults in their folder.
import createError from '@fastify/error'
import { STATUS_CODES } from 'node:http'

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

  // Who may use the server, and an account's own data
  UserNotAllowed: createError('user_not_allowed', 'This server accepts only the Puter accounts its operator listed; ask them to add %s', 403),
  UserDisabled: createError('user_disabled', 'The operator of this server disabled the Puter account %s: its sign-ins and API keys are refused until they enable it again', 403),
  KeyOwnerDisabled: createError('user_disabled', 'This API key belongs to a Puter account the operator of this server disabled; it works again once they enable the account.', 401),
  AdminOnly: createError('admin_only', 'Only the administrators of this server (ADMIN_PUTER_USERS) may do this', 403),
  UserNotFound: createError('user_not_found', 'No user with uuid %s', 404),
  AdminNotDisablable: createError('cannot_disable_admin', '%s is an administrator (ADMIN_PUTER_USERS); remove them from that list to disable them', 409),
  DeleteNotConfirmed: createError('confirmation_mismatch', 'To delete your data, type your username (%s) as "confirm"', 400),

  // Keys and the store
  KeyNotFound: createError('key_not_found', 'No key with id %s', 404),
  KeyHasNoSecret: createError('key_not_revealable', 'Key %s was created with KEY_REVEAL off, so its secret was never stored and cannot be shown again', 404),
  KeyLimitReached: createError('key_limit_reached', 'You already have the maximum of %s keys; revoke one before creating another', 409),
  StoreWriteFailed: createError('store_write_failed', 'Could not save the change to the store; nothing was changed', 500),
  StoreLoadFailed: createError('store_load_failed', '%s', 500),
  StoreUnavailable: createError('store_unavailable', 'The database cannot be reached right now; nothing was changed. Try again in a moment', 503),
  StoredSecretUnreadable: createError('stored_secret_unreadable', "The stored copy of key %s cannot be decrypted with this server's APP_SECRET (the data file was edited by hand, or restored under another secret): it cannot be shown again. Revoke it and create a new one", 500),
  StoredTokenUnreadable: createError('stored_token_unreadable', "The Puter sign-in stored for this account cannot be decrypted with this server's APP_SECRET (the data file was edited by hand, or restored under another secret). Sign in to the dashboard again to store a new one.", 401),

  // The AI routes' own refusals
  InvalidApiKey: createError('invalid_api_key', 'Incorrect API key provided. You can find and create your API keys in the dashboard of this server.', 401),
  NoPuterAccount: createError('puter_token_invalid', 'This key has no Puter account behind it; sign in to the dashboard again.', 401),
  ConcurrencyLimited: createError('concurrency_limit_exceeded', 'This key already has %s requests in flight, %s; wait for one to finish', 429),
  KeyExpired: createError('key_expired', 'This API key expired at %s. Its owner can extend it or create a new one in the dashboard of this server.', 401),
  KeyDisabled: createError('key_disabled', 'This API key is disabled. Its owner can enable it again in the dashboard of this server.', 401),
  ModelNotAllowed: createError('model_not_allowed', 'This API key may not use the model `%s`; the models it may use: %s.', 403),
  KeyRateLimited: createError('rate_limit_exceeded', 'Rate limit reached for this API key: %s requests per minute. Retry in %s s.', 429),
  BudgetExhausted: createError('insufficient_quota', 'This API key has used up its budget for %s. %s', 429),
  InvalidSetting: createError('invalid_request', 'Invalid request: %s', 400),
  AuthFailuresLimited: createError('rate_limit_exceeded', 'Too many requests with invalid API keys from your address; retry in %s s', 429),
  UnsupportedParameter: createError('unsupported_parameter', '%s', 400),
  InvalidRequest: createError('invalid_request', 'Invalid request: %s', 400),
  FileTooLarge: createError('file_too_large', 'The file is larger than this server accepts for %s: at most %s MB.', 413),
  ForbiddenJsonProperty: createError('forbidden_json_property', 'The JSON body contains a "%s" property, which this server refuses', 400),
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
  UpstreamTimeout: createError('upstream_timeout', 'Puter did not answer in time.', 504),

  // OpenAI Responses (/v1/responses)
  PreviousResponseNotFound: createError('previous_response_not_found', "Previous response with id '%s' not found. Responses are kept in this server's memory for 24 h when sent with store: true (the default).", 400),
  ResponseNotFound: createError('response_not_found', "Response with id '%s' not found.", 404),
  HostedToolForced: createError('unsupported_tool_choice', 'tool_choice forces the hosted tool "%s", which this gateway cannot run: Puter runs function and custom tools only.', 400),

  // Puter account queue
  PuterQueueTimeout: createError('rate_limit_exceeded', "Your Puter account is at its limit for AI calls (%s), and this request waited %s s in this server's queue without getting a turn. Please try again in %ss.", 429),
  PuterAccountThrottled: createError('rate_limit_exceeded', 'Puter refused this request %s times: your Puter account is at its own limit for AI calls (%s). Please try again in %ss.', 429)
}

/** Codes whose messages are ours and safe to show even with a 5xx status. */
const EXPOSED_5XX = new Set(['store_write_failed', 'store_load_failed', 'store_unavailable', 'upstream_error', 'upstream_not_found', 'upstream_unreachable', 'upstream_timeout', 'stored_secret_unreadable'])

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
  invalid_api_key: 'invalid_request_error',
  // OpenAI's "you exceeded your current quota": a 429 whose type and code are both insufficient_quota.
  insufficient_quota: 'insufficient_quota'
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

/** The field an ajv validation error names, as a dotted path (`messages.0.role`, `expires` for an unknown field). */
function validationParam (first: any): string | null {
  const path = String(first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  const named = first?.params?.missingProperty ?? first?.params?.additionalProperty
  return named ? [path, named].filter(Boolean).join('.') : (path || null)
}

/**
 * Words the ajv failures whose own message misleads or repeats itself; undefined keeps Fastify's. A union of
 * literals fails once per branch ("must be equal to constant" six times for a bad role): it becomes one sentence.
 */
function validationMessage (list: any[], param: string | null, context: unknown): string | undefined {
  const first = list[0]
  if (first?.keyword === 'additionalProperties') return `unrecognized field "${param}"`
  if (first?.keyword === 'type' && param === null && context === 'body') return 'the body must be a JSON object'
  if (first?.keyword === 'minProperties' && param === null && context === 'body') return 'the body must name at least one field'
  const last = list.at(-1)
  // A nullable value (`x | null`) whose non-null branch failed on its own terms (a minimum, a field inside an object):
  // that failure is the one to tell, not "must be null" and "must match a schema in anyOf".
  const inner = last?.keyword === 'anyOf'
    ? list.find((e) => typeof e.message === 'string' && (e.instancePath.length > last.instancePath.length || !['anyOf', 'const', 'type'].includes(e.keyword)))
    : undefined
  if (inner) return `${validationParam(inner) ?? context} ${inner.message}`
  const union = last?.keyword === 'anyOf' && list.every((e) => e.instancePath === last.instancePath && ['anyOf', 'const', 'type'].includes(e.keyword))
  if (!union) return undefined
  const values = [...new Set(list.filter((e) => e.keyword === 'const').map((e) => String(e.params.allowedValue)))]
  const types = [...new Set(list.filter((e) => e.keyword === 'type').map((e) => String(e.params.type)))]
  return `${param ?? context} must be ${values.length > 0 ? `one of ${values.join(', ')}` : types.join(' or ')}`
}

/** Fastify's refusals of a URL or content type, worded without echoing the URL (it may hold a key). */
const FRAMEWORK_FAULTS: Record<string, { status: number, code: string, message: string }> = {
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_url', message: 'The URL path is not valid: a "%" must start a percent-encoded byte (two hexadecimal digits)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'path_too_long', message: 'A part of the URL path is longer than this server accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send the body as application/json' }
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
    message = `Invalid request: ${validationMessage(err.validation, param, err.validationContext) ?? message}`
  } else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    code = 'request_too_large'
    message = opts.bodyLimit ? `Request body is larger than this route's limit of ${formatBytes(opts.bodyLimit)}` : 'Request body is too large'
  } else if (code !== null && Object.hasOwn(FRAMEWORK_FAULTS, code)) {
    ({ status, code, message } = FRAMEWORK_FAULTS[code])
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

/** Node's HTTP parser's refusals (Fastify's clientError) by their codes; anything else is a malformed request. */
const CLIENT_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'The request headers are larger than this server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request was not received in time']
}

/**
 * The whole HTTP/1.1 answer to a request Node could not parse (bad request line or headers, a Content-Length
 * that does not match the body): there is no request object, so it is written to the socket as is, closing it.
 */
export function clientErrorResponse (err: { code?: string }): string {
  const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'malformed_request', 'The request is not valid HTTP/1.1: its request line, headers or Content-Length are malformed']
  const body = JSON.stringify(openAIErrorBody({ message, type: errorType(status, code), param: null, code }))
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`
}
