// Puter's failures (error bodies, network errors) as the gateway's named errors.
import t from 'tap'
import { errors, toFault } from '../../src/errors.ts'
import { PuterNetworkError } from '../../src/puter/client.ts'
import { isPuterFailure, networkFailure, puterFailure, redact } from '../../src/puter/failures.ts'

const v2 = (message: string, code: string, extra: Record<string, unknown> = {}) => ({ error: message, message, code, ...extra })

t.test('puterFailure: status, OpenAI type, code, param, headers and message as clients see them', async (t) => {
  const cases: Array<{
    name: string
    status: number
    body: unknown
    headers?: Record<string, string | string[] | undefined>
    expect: { status: number, type: string, code: string | null, param?: string | null, headers?: Record<string, string> }
    message?: RegExp
    notMessage?: RegExp
  }> = [
    {
      name: '401 token_missing',
      status: 401,
      body: v2('Missing authentication token', 'token_missing'),
      expect: { status: 401, type: 'authentication_error', code: 'puter_token_invalid' },
      message: /sign in to the dashboard/i
    },
    {
      name: '401 reauth_required never echoes reauth_token',
      status: 401,
      body: v2('Re-authentication required', 'reauth_required', { reason: 'session_expired', reauth_token: 'eyJsecret.abc.def' }),
      expect: { status: 401, type: 'authentication_error', code: 'puter_token_invalid' },
      notMessage: /eyJ|secret/
    },
    {
      name: 'legacy token_auth_failed in an HTTP-200 envelope',
      status: 200,
      body: { success: false, error: { code: 'token_auth_failed', message: 'Authentication failed' } },
      expect: { status: 401, type: 'authentication_error', code: 'puter_token_invalid' }
    },
    {
      name: '402 insufficient_funds',
      status: 402,
      body: v2('No usage left for request.', 'insufficient_funds'),
      expect: { status: 402, type: 'insufficient_quota', code: 'insufficient_quota', headers: { 'x-should-retry': 'false' } },
      message: /No usage left for request/
    },
    {
      name: 'legacy insufficient_funds (HTTP 200, status 402 inside)',
      status: 200,
      body: { success: false, error: { code: 'insufficient_funds', message: 'Available funding is insufficient for this request.', status: 402, $: 'heyputer:api/APIError' } },
      expect: { status: 402, type: 'insufficient_quota', code: 'insufficient_quota', headers: { 'x-should-retry': 'false' } },
      message: /Available funding is insufficient/
    },
    {
      name: '402 subscription_required',
      status: 402,
      body: v2('A subscription is required for this action', 'subscription_required', { subscription: 'user_free' }),
      expect: { status: 402, type: 'insufficient_quota', code: 'insufficient_quota', headers: { 'x-should-retry': 'false' } },
      message: /paid Puter plan/
    },
    {
      name: '403 permission_denied (subscriber-only model)',
      status: 403,
      body: v2('The model X is only available to subscribers', 'permission_denied'),
      expect: { status: 403, type: 'permission_error', code: 'permission_denied' },
      message: /only available to subscribers/
    },
    {
      name: '403 forbidden',
      status: 403,
      body: v2('Account suspended', 'forbidden'),
      expect: { status: 403, type: 'permission_error', code: 'forbidden' }
    },
    {
      name: '403 email_confirmation_required',
      status: 403,
      body: v2('Confirm your email', 'email_confirmation_required'),
      expect: { status: 403, type: 'permission_error', code: 'email_confirmation_required' }
    },
    {
      name: '400 Model not found -> 404 model_not_found',
      status: 400,
      body: v2('Model not found: foo/bar', 'bad_request'),
      expect: { status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model' },
      message: /`foo\/bar`/
    },
    {
      name: '429 too_many_requests with retry-after passed on',
      status: 429,
      body: v2('Too many requests.', 'too_many_requests'),
      headers: { 'Retry-After': '7', 'content-type': 'application/json' },
      expect: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', headers: { 'retry-after': '7' } },
      message: /Too many requests/
    },
    {
      name: '429 upstream_rate_limited without retry-after',
      status: 429,
      body: v2('All routes rate limited', 'upstream_rate_limited', { attempts: [] }),
      expect: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', headers: {} }
    },
    {
      name: '400 upstream_provider_unavailable -> 502',
      status: 400,
      body: v2('AI provider unavailable', 'upstream_provider_unavailable'),
      expect: { status: 502, type: 'api_error', code: 'upstream_error' }
    },
    {
      name: '400 upstream_failed -> 502',
      status: 400,
      body: v2('Mixed failures', 'upstream_failed'),
      expect: { status: 502, type: 'api_error', code: 'upstream_error' }
    },
    {
      name: '500 upstream_auth_failed -> 502 without Puter\'s text',
      status: 500,
      body: v2('OpenAI key sk-live-123 revoked', 'upstream_auth_failed'),
      expect: { status: 502, type: 'api_error', code: 'upstream_error' },
      notMessage: /sk-live|revoked/
    },
    {
      name: '500 internal_error -> 502 generic',
      status: 500,
      body: { error: 'Internal Server Error', message: 'Internal Server Error', code: 'internal_error' },
      expect: { status: 502, type: 'api_error', code: 'upstream_error' },
      notMessage: /Internal Server Error/
    },
    {
      name: '400 upstream_bad_request -> 400',
      status: 400,
      body: v2('Provider said: messages.1: bad', 'upstream_bad_request'),
      expect: { status: 400, type: 'invalid_request_error', code: 'upstream_bad_request' },
      message: /messages\.1: bad/
    },
    {
      name: '400 bad_request (message shape)',
      status: 400,
      body: v2("each message must have a 'content' property", 'bad_request'),
      expect: { status: 400, type: 'invalid_request_error', code: 'bad_request' },
      message: /content' property/
    },
    {
      name: '400 moderation_flagged (errorCode)',
      status: 400,
      body: { error: 'Flagged', message: 'Flagged', code: 'bad_request', errorCode: 'moderation_flagged' },
      expect: { status: 400, type: 'invalid_request_error', code: 'moderation_flagged' }
    },
    {
      name: '400 field_invalid names the param',
      status: 400,
      body: v2('Invalid voice', 'field_invalid', { key: 'voice', expected: 'string', got: 'number' }),
      expect: { status: 400, type: 'invalid_request_error', code: 'field_invalid', param: 'voice' }
    },
    {
      name: '404 not_found (unknown driver) -> 502, a gateway misconfiguration',
      status: 404,
      body: v2('Driver not found: puter-chat-completion:x', 'not_found'),
      expect: { status: 502, type: 'api_error', code: 'upstream_not_found' }
    },
    {
      name: '413 payload too large stays a client error',
      status: 413,
      body: v2('Payload too large', 'payload_too_large'),
      expect: { status: 413, type: 'invalid_request_error', code: 'request_too_large' }
    },
    {
      name: '503 with an HTML body -> 502 generic',
      status: 503,
      body: '<html>Service Unavailable</html>',
      expect: { status: 502, type: 'api_error', code: 'upstream_error' },
      notMessage: /html/
    },
    {
      name: 'legacy envelope with an unknown code -> 502',
      status: 200,
      body: { success: false, error: { code: 'weird', message: 'Something odd' } },
      expect: { status: 502, type: 'api_error', code: 'upstream_error' }
    },
    {
      name: 'a token inside a passed-on message is redacted',
      status: 400,
      body: v2('Bad token eyJhbGciOi.eyJzdWIi.c2ln in body', 'bad_request'),
      expect: { status: 400, type: 'invalid_request_error', code: 'bad_request' },
      notMessage: /eyJ/
    }
  ]
  for (const c of cases) {
    const fault = toFault(puterFailure(c.status, c.body, c.headers))
    t.equal(fault.status, c.expect.status, `${c.name}: status`)
    t.equal(fault.type, c.expect.type, `${c.name}: type`)
    t.equal(fault.code, c.expect.code, `${c.name}: code`)
    t.equal(fault.param, c.expect.param ?? null, `${c.name}: param`)
    t.same(fault.headers, c.expect.headers ?? {}, `${c.name}: headers`)
    t.ok(typeof fault.message === 'string' && fault.message.length > 0, `${c.name}: has a message`)
    if (c.message) t.match(fault.message, c.message, `${c.name}: message`)
    if (c.notMessage) t.notMatch(fault.message, c.notMessage, `${c.name}: message hides upstream details`)
  }
})

t.test('puterFailure: the codes of Puter\'s chat and v2 error tables', async (t) => {
  // puter-api.md §2.5 and §4: every code Puter documents, with the status it comes with.
  const cases: Array<[string, number, string, number, string, string | null]> = [
    ['no credit', 402, 'insufficient_funds', 402, 'insufficient_quota', 'insufficient_quota'],
    ['wire route on a free plan', 402, 'subscription_required', 402, 'insufficient_quota', 'insufficient_quota'],
    ['subscriber-only model', 403, 'permission_denied', 403, 'permission_error', 'permission_denied'],
    ['unknown model or bad args', 400, 'bad_request', 400, 'invalid_request_error', 'bad_request'],
    ['all routes rate limited', 429, 'upstream_rate_limited', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['upstream 5xx, sent as a 400', 400, 'upstream_provider_unavailable', 502, 'api_error', 'upstream_error'],
    ['upstream 4xx', 400, 'upstream_bad_request', 400, 'invalid_request_error', 'upstream_bad_request'],
    ['upstream mixed failures', 400, 'upstream_failed', 502, 'api_error', 'upstream_error'],
    ['Puter\'s own provider key rejected', 500, 'upstream_auth_failed', 502, 'api_error', 'upstream_error'],
    ['rate or concurrency limit', 429, 'too_many_requests', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['forbidden', 403, 'forbidden', 403, 'permission_error', 'forbidden'],
    ['email pending', 403, 'email_confirmation_required', 403, 'permission_error', 'email_confirmation_required'],
    ['phone pending', 403, 'phone_verification_required', 403, 'permission_error', 'phone_verification_required'],
    ['card pending', 403, 'card_verification_required', 403, 'permission_error', 'card_verification_required'],
    ['session token on a wire route', 403, 'app_or_api_token_required', 403, 'permission_error', 'app_or_api_token_required'],
    ['no token', 401, 'token_missing', 401, 'authentication_error', 'puter_token_invalid'],
    ['invalid token', 401, 'token_auth_failed', 401, 'authentication_error', 'puter_token_invalid'],
    ['reauth required', 401, 'reauth_required', 401, 'authentication_error', 'puter_token_invalid'],
    ['field invalid', 400, 'field_invalid', 400, 'invalid_request_error', 'field_invalid'],
    ['field required (a field check, not a permission)', 400, 'field_required', 400, 'invalid_request_error', 'field_required'],
    ['unknown driver or method', 404, 'not_found', 502, 'api_error', 'upstream_not_found'],
    ['an upstream 5xx code, whatever the status', 503, 'upstream_provider_unavailable', 502, 'api_error', 'upstream_error']
  ]
  for (const [name, status, code, expectStatus, expectType, expectCode] of cases) {
    const fault = toFault(puterFailure(status, v2(`Puter says ${code}`, code)))
    t.same([fault.status, fault.type, fault.code], [expectStatus, expectType, expectCode], `${name} (${status} ${code})`)
  }

  const noCode = toFault(puterFailure(400, { error: 'Odd', message: 'Odd' }))
  t.same([noCode.status, noCode.code, noCode.message], [400, null, 'Puter rejected the request: Odd'], 'a 400 without any code keeps code null')
  const odd4xx = toFault(puterFailure(418, v2('I am a teapot', 'teapot')))
  t.same([odd4xx.status, odd4xx.code, odd4xx.message], [502, 'upstream_error', 'Puter answered 418: I am a teapot'], 'an unexpected 4xx is passed on as a 502 with its text')
  const retryMs = toFault(puterFailure(429, v2('Slow down', 'too_many_requests'), { 'Retry-After-Ms': ['20', '30'] }))
  t.same(retryMs.headers, { 'retry-after-ms': '20' }, 'retry-after-ms passed on, first value of a repeated header')
})

t.test('puterFailure returns the named errors', async (t) => {
  t.ok(puterFailure(401, v2('x', 'token_missing')) instanceof errors.PuterAuthFailed, 'PuterAuthFailed')
  t.ok(puterFailure(402, v2('x', 'insufficient_funds')) instanceof errors.PuterQuota, 'PuterQuota')
  t.ok(puterFailure(429, v2('x', 'too_many_requests')) instanceof errors.PuterRateLimited, 'PuterRateLimited')
  t.ok(puterFailure(403, v2('x', 'forbidden')) instanceof errors.PuterDenied, 'PuterDenied')
  t.ok(puterFailure(400, v2('x', 'bad_request')) instanceof errors.PuterBadRequest, 'PuterBadRequest')
  t.ok(puterFailure(413, v2('x', 'payload_too_large')) instanceof errors.PuterTooLarge, 'PuterTooLarge')
  t.ok(puterFailure(400, v2('x', 'upstream_bad_request')) instanceof errors.UpstreamBadRequest, 'UpstreamBadRequest')
  t.ok(puterFailure(400, v2('x', 'upstream_provider_unavailable')) instanceof errors.UpstreamFailed, 'UpstreamFailed')
  t.ok(puterFailure(404, v2('x', 'not_found')) instanceof errors.UpstreamNotFound, 'UpstreamNotFound')
  t.ok(puterFailure(400, v2('Model not found: m', 'bad_request')) instanceof errors.PuterModelNotFound, 'PuterModelNotFound')
})

t.test('networkFailure', async (t) => {
  const timeout = toFault(networkFailure(new PuterNetworkError(true)))
  t.same([timeout.status, timeout.code, timeout.type], [504, 'upstream_timeout', 'api_error'], 'a timeout is a 504')
  t.equal(timeout.message, 'Puter did not answer in time.')
  const unreachable = toFault(networkFailure(new PuterNetworkError(false)))
  t.same([unreachable.status, unreachable.code, unreachable.type], [502, 'upstream_unreachable', 'api_error'], 'a connection failure is a 502')
  t.equal(unreachable.message, 'Puter could not be reached; try again later.')
  t.equal(toFault(networkFailure(new Error('other'))).code, 'upstream_unreachable', 'anything else is unreachable')
})

t.test('redact', async (t) => {
  t.equal(redact('token eyJhbGciOi.eyJzdWIi.c2ln here'), 'token [redacted] here', 'a JWT')
  t.equal(redact('header Bearer abc.def and bearer xyz'), 'header Bearer [redacted] and Bearer [redacted]', 'bearer tokens, any case')
  t.equal(redact('x'.repeat(600)), `${'x'.repeat(500)}…`, 'capped at 500 characters')
  t.equal(redact('plain message'), 'plain message', 'plain text untouched')
})

t.test('isPuterFailure', async (t) => {
  t.equal(isPuterFailure({ success: false, error: { code: 'x' } }), true, 'legacy failure envelope')
  t.equal(isPuterFailure({ success: true, result: {} }), false, 'success envelope')
  t.equal(isPuterFailure({ error: 'x', code: 'y' }), false, 'v2 error body (has its own status)')
  t.equal(isPuterFailure(null), false, 'null')
  t.equal(isPuterFailure('x'), false, 'string')
})
