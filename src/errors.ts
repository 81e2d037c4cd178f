// Named errors (@fastify/error) and the one JSON error shape every route answers with: OpenAI's.
import createError from '@fastify/error'

export const errors = {
  NotSignedIn: createError('not_signed_in', 'Sign in first: this route needs a dashboard session', 401),
  SessionExpired: createError('session_expired', 'Your session has expired; sign in again', 401),
  PuterTokenMissing: createError('missing_token', 'Provide your Puter auth token as "token"', 400),
  PuterTokenRejected: createError('puter_token_invalid', 'Puter rejected this token (invalid or expired); sign in to Puter again', 401),
  ForeignAppToken: createError('token_foreign_app', 'This token belongs to the Puter app %s, not to this server. Sign in through this page, or paste your own Puter token', 403),
  TokenKindUnsupported: createError('token_kind_unsupported', 'Puter does not say whose token this is (neither your own token nor one issued to this server). Sign in through this page, or paste your own Puter token', 403),
  PuterUnavailable: createError('puter_unavailable', 'Puter could not be reached or answered with an error; try again later', 502),
  PuterTimeout: createError('puter_timeout', 'Puter did not answer in time', 504),
  CrossSite: createError('cross_site_request', 'Cross-site requests are not allowed on this route', 403),
  JsonOnly: createError('unsupported_media_type', 'Send the body as application/json', 415),
  KeyNotFound: createError('key_not_found', 'No key with id %s', 404),
  KeyHasNoSecret: createError('key_not_revealable', 'Key %s was created with KEY_REVEAL off, so its secret was never stored and cannot be shown again', 404),
  ModelNotFound: createError('model_not_found', 'The model `%s` does not exist or you do not have access to it.', 404)
}

export interface OpenAIErrorBody {
  error: { message: string, type: string, param: string | null, code: string | null }
}

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

export function errorType (status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
}

export function openAIError (status: number, message: string, code: string | null = null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type: errorType(status), param, code } }
}

/** An error already mapped to OpenAI's shape (upstream failures): status, type, code, param and headers as given. */
export class GatewayError extends Error {
  /** Safe to show the caller even with a 5xx status: the message is ours, never a secret. */
  readonly expose = true
  constructor (
    readonly statusCode: number,
    message: string,
    readonly code: string | null,
    readonly type: string = errorType(statusCode),
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
    this.name = 'GatewayError'
  }
}

/** OpenAI's answer to a missing or unknown key: 401, type invalid_request_error, code invalid_api_key. The key is never echoed. */
export function invalidApiKey (): GatewayError {
  return new GatewayError(401, 'Incorrect API key provided. You can find and create your API keys in the dashboard of this server.', 'invalid_api_key', 'invalid_request_error')
}
