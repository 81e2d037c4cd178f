// A client-neutral Fault (src/errors.ts toFault) as Anthropic's error answer: status, body and retry headers. Pure.
import type { toFault } from '../../errors.ts'
import type { AnthropicError } from './schema.ts'

type Fault = ReturnType<typeof toFault>

/** Anthropic's error types by status (platform.claude.com/docs/en/api/errors). */
const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error'
}

/**
 * Our codes whose status Anthropic words otherwise. `upstream_error` is what Puter's upstream_provider_unavailable,
 * upstream_failed and internal_error become (the provider behind Puter failed): Anthropic's 529 overloaded_error,
 * which Claude Code and the SDKs retry.
 */
const STATUS_BY_CODE: Record<string, number> = {
  upstream_error: 529
}

/** Claude Code stops retrying when retry-after exceeds 60 s. */
const MAX_RETRY_AFTER_S = 60

/** Statuses the SDKs and Claude Code retry (when nothing says otherwise). */
const retryable = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500

export function anthropicErrorType (status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
}

/** A retry-after (seconds or an HTTP date) or retry-after-ms as whole seconds within 0..60; undefined for none. */
function retryAfterSeconds (headers: Record<string, string>, now: number): number | undefined {
  const raw = headers['retry-after']
  let seconds: number | undefined
  if (raw !== undefined) {
    const n = Number(raw)
    if (Number.isFinite(n)) seconds = n
    else if (!Number.isNaN(Date.parse(raw))) seconds = (Date.parse(raw) - now) / 1000
  }
  if (seconds === undefined && headers['retry-after-ms'] !== undefined) {
    const ms = Number(headers['retry-after-ms'])
    if (Number.isFinite(ms)) seconds = ms / 1000
  }
  if (seconds === undefined) return undefined
  return Math.min(MAX_RETRY_AFTER_S, Math.max(0, Math.ceil(seconds)))
}

export interface AnthropicErrorAnswer {
  status: number
  headers: Record<string, string>
  body: AnthropicError
}

/**
 * A Fault as Anthropic answers it: `{"type":"error","error":{"type","message"},"request_id"}`, `retry-after` in whole
 * seconds (never over 60) and `x-should-retry` (the fault's own, else true for 408, 409, 429 and 5xx).
 */
export function anthropicError (fault: Pick<Fault, 'status' | 'code' | 'message' | 'headers'>, requestId?: string, now = Date.now()): AnthropicErrorAnswer {
  const status = (fault.code !== null ? STATUS_BY_CODE[fault.code] : undefined) ?? fault.status
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(fault.headers)) {
    if (name !== 'retry-after' && name !== 'retry-after-ms') headers[name] = value
  }
  const retryAfter = retryAfterSeconds(fault.headers, now)
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
  headers['x-should-retry'] ??= String(retryable(status))
  const body: AnthropicError = { type: 'error', error: { type: anthropicErrorType(status), message: fault.message } }
  if (requestId !== undefined) body.request_id = requestId
  return { status, headers, body }
}

/** The error type of a failure after the stream started (the status was already 200), from its code and message. */
export function streamErrorType (code: string | undefined, message: string): string {
  switch (code) {
    case 'key_revoked':
    case 'key_disabled':
      return 'authentication_error'
    case 'stream_timeout':
    case 'upstream_timeout':
      return 'timeout_error'
  }
  return /overload|unavailable|rate.?limit|too many/i.test(message) ? 'overloaded_error' : 'api_error'
}
