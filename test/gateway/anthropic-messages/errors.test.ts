// Anthropic's error answer of a fault: the status -> type table, retry-after in seconds capped at 60, x-should-retry.
import t from 'tap'
import { anthropicError, streamErrorType } from '../../../src/gateway/anthropic-messages/errors.ts'
import { errors, toFault, withDetails } from '../../../src/errors.ts'

const fault = (status: number, code: string | null = null, headers: Record<string, string> = {}) => ({ status, code, message: 'm', headers })

t.test('status -> type', async (t) => {
  const table: Array<[number, string]> = [[400, 'invalid_request_error'], [401, 'authentication_error'], [402, 'billing_error'], [403, 'permission_error'],
    [404, 'not_found_error'], [409, 'invalid_request_error'], [413, 'request_too_large'], [415, 'invalid_request_error'], [429, 'rate_limit_error'],
    [500, 'api_error'], [502, 'api_error'], [504, 'timeout_error'], [529, 'overloaded_error']]
  for (const [status, type] of table) {
    const a = anthropicError(fault(status), 'req-1')
    t.equal(a.status, status, `${status}`)
    t.strictSame(a.body, { type: 'error', error: { type, message: 'm' }, request_id: 'req-1' }, `${status} body`)
  }
})

t.test('the provider behind Puter failing is 529 overloaded_error', async (t) => {
  const a = anthropicError(toFault(new errors.UpstreamFailed('The AI provider behind Puter failed to answer; try again later.')))
  t.equal(a.status, 529)
  t.equal(a.body.error.type, 'overloaded_error')
  t.equal(a.headers['x-should-retry'], 'true')
})

t.test('retry-after: whole seconds, at most 60; retry-after-ms and dates converted', async (t) => {
  t.equal(anthropicError(fault(429, null, { 'retry-after': '7' })).headers['retry-after'], '7')
  t.equal(anthropicError(fault(429, null, { 'retry-after': '3600' })).headers['retry-after'], '60')
  t.equal(anthropicError(fault(429, null, { 'retry-after': '1.2' })).headers['retry-after'], '2')
  const ms = anthropicError(fault(429, null, { 'retry-after-ms': '2500' })).headers
  t.equal(ms['retry-after'], '3')
  t.notOk('retry-after-ms' in ms)
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(anthropicError(fault(429, null, { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), undefined, now).headers['retry-after'], '30')
  t.notOk('retry-after' in anthropicError(fault(429)).headers)
})

t.test('x-should-retry: the fault\'s own, else true for 408/409/429/5xx and false otherwise', async (t) => {
  t.equal(anthropicError(fault(401)).headers['x-should-retry'], 'false')
  t.equal(anthropicError(fault(400)).headers['x-should-retry'], 'false')
  t.equal(anthropicError(fault(429)).headers['x-should-retry'], 'true')
  t.equal(anthropicError(fault(500)).headers['x-should-retry'], 'true')
  const budget = toFault(withDetails(new errors.BudgetExhausted('the day', 'later'), { headers: { 'x-should-retry': 'false' } }))
  t.equal(anthropicError(budget).headers['x-should-retry'], 'false')
  t.equal(anthropicError(budget).body.error.type, 'rate_limit_error')
})

t.test('errors after the stream started', async (t) => {
  t.equal(streamErrorType('key_revoked', 'x'), 'authentication_error')
  t.equal(streamErrorType('stream_timeout', 'x'), 'timeout_error')
  t.equal(streamErrorType(undefined, 'Overloaded'), 'overloaded_error')
  t.equal(streamErrorType(undefined, 'boom'), 'api_error')
})
