// toFault() turns every kind of thrown thing into the right status, code, OpenAI type, param and a safe message;
// openAIErrorBody() has exactly OpenAI's shape.
import t from 'tap'
import { errorCodes } from 'fastify'
import { errors, openAIErrorBody, toFault, withDetails } from '../src/errors.ts'

/** OpenAI's error type for each status (invalid_api_key and insufficient_quota aside). */
const OPENAI_TYPE: Record<number, string> = {
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

t.test('every named error keeps its status, code (lower-case) and message, with the OpenAI type of its status', async (t) => {
  for (const [name, NamedError] of Object.entries(errors)) {
    const err = new NamedError('x', 'y')
    const fault = toFault(err)
    const code = err.code.toLowerCase() // @fastify/error upper-cases codes
    const type = code === 'invalid_api_key' ? 'invalid_request_error' : code === 'insufficient_quota' ? 'insufficient_quota' : (OPENAI_TYPE[err.statusCode!] ?? 'api_error')
    t.match(fault, { status: err.statusCode, code, type, param: null, internal: err.statusCode! >= 500 }, name)
    t.equal(fault.message, err.message, `${name}: its own message`)
  }
})

t.test("a spent budget is a 429 whose type and code are insufficient_quota, as OpenAI's exceeded quota", async (t) => {
  t.match(toFault(new errors.BudgetExhausted('the day', 'soon')), { status: 429, code: 'insufficient_quota', type: 'insufficient_quota' })
  t.match(toFault(new errors.KeyRateLimited(3, 10)), { status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_error' }, 'an rpm limit stays a rate_limit_error')
})

t.test('invalid_api_key is a 401 with type invalid_request_error, as OpenAI answers a bad key', async (t) => {
  t.match(toFault(new errors.InvalidApiKey()), { status: 401, code: 'invalid_api_key', type: 'invalid_request_error' })
  t.equal(toFault(new errors.NotSignedIn()).type, 'authentication_error', 'other 401s stay authentication_error')
})

t.test('an ajv validation error is invalid_request with the field at fault as a dotted param', async (t) => {
  const cases = [
    { name: 'missing property', first: { instancePath: '/messages/0', params: { missingProperty: 'role' } }, param: 'messages.0.role' },
    { name: 'missing at the root', first: { instancePath: '', params: { missingProperty: 'model' } }, param: 'model' },
    { name: 'wrong value', first: { instancePath: '/temperature', params: { limit: 2 } }, param: 'temperature' },
    { name: 'no path', first: { instancePath: '', params: {} }, param: null }
  ]
  for (const c of cases) {
    const fault = toFault({ validation: [c.first], statusCode: 400, message: 'body/messages/0 must have required property \'role\'' })
    t.match(fault, { status: 400, code: 'invalid_request', type: 'invalid_request_error', param: c.param, internal: false }, c.name)
    t.equal(fault.message, 'Invalid request: body/messages/0 must have required property \'role\'', `${c.name}: message`)
  }
})

t.test("a body over the limit is request_too_large and words the route's limit", async (t) => {
  const cases = [
    { name: '64 KiB', bodyLimit: 65536, says: "Request body is larger than this route's limit of 64 KiB" },
    { name: '2 MiB', bodyLimit: 2 * 1024 * 1024, says: "Request body is larger than this route's limit of 2 MiB" },
    { name: '1.5 MiB', bodyLimit: 1.5 * 1024 * 1024, says: "Request body is larger than this route's limit of 1.5 MiB" },
    { name: 'no limit given', bodyLimit: undefined, says: 'Request body is too large' }
  ]
  for (const c of cases) {
    t.match(toFault(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), { bodyLimit: c.bodyLimit }),
      { status: 413, code: 'request_too_large', type: 'invalid_request_error', message: c.says }, c.name)
  }
})

t.test('an unsupported content type is unsupported_media_type (415)', async (t) => {
  t.match(toFault(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/csv')), { status: 415, code: 'unsupported_media_type', type: 'invalid_request_error' })
})

t.test('a JSON syntax error is invalid_json (400) and never echoes the body, which may hold a secret', async (t) => {
  const secret = 'sk-SECRET'
  let syntax: unknown
  try {
    JSON.parse(`{"token":${secret}}`)
  } catch (err) {
    syntax = err
  }
  t.ok(syntax instanceof SyntaxError && syntax.message.includes(secret), 'precondition: V8 quotes the input')
  const fault = toFault(Object.assign(syntax as SyntaxError, { statusCode: 400 }))
  t.match(fault, { status: 400, code: 'invalid_json', type: 'invalid_request_error', internal: false })
  t.notMatch(fault.message, 'SECRET')
  t.match(toFault(syntax), { status: 400, code: 'invalid_json' }, 'a bare SyntaxError without a status is a 400 too')
  t.match(toFault(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY()), { status: 400, code: 'invalid_json' }, 'an empty JSON body')
})

t.test("other Fastify errors keep status and message but not Fastify's code", async (t) => {
  const err = new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH()
  t.match(toFault(err), { status: 400, code: null, message: err.message, internal: false })
})

t.test('an unknown error is a 500 with a generic message: its own message is hidden', async (t) => {
  const cases: Array<{ name: string, err: unknown }> = [
    { name: 'plain Error', err: new Error('connect to db with password hunter2') },
    { name: 'thrown string', err: 'hunter2 leaked' },
    { name: 'status outside 4xx/5xx', err: Object.assign(new Error('hunter2'), { statusCode: 302 }) },
    { name: '5xx with an unexposed code', err: Object.assign(new Error('hunter2'), { statusCode: 503, code: 'ECONNRESET' }) }
  ]
  for (const c of cases) {
    const fault = toFault(c.err)
    t.match(fault, { status: c.name.startsWith('5xx') ? 503 : 500, internal: true, type: 'api_error' }, c.name)
    t.equal(fault.message, 'The server had an error while processing your request. Check the server logs.', `${c.name}: generic message`)
  }
})

t.test('5xx named errors of our own keep their message', async (t) => {
  t.match(toFault(new errors.UpstreamTimeout()), { status: 504, code: 'upstream_timeout', message: 'Puter did not answer in time.', internal: true, type: 'api_error' })
  t.match(toFault(new errors.StoreWriteFailed()), { status: 500, code: 'store_write_failed', message: /Could not save the change/, internal: true })
})

t.test('a code of our own is lower-cased', async (t) => {
  t.equal(toFault(Object.assign(new Error('no'), { statusCode: 409, code: 'KEY_CONFLICT' })).code, 'key_conflict')
})

t.test('withDetails carries param, type and headers through toFault', async (t) => {
  const err = withDetails(new errors.PuterRateLimited('Puter rate limit reached', 'slow down'), { param: 'model', type: 'tokens', headers: { 'retry-after': '7' } })
  t.match(toFault(err), { status: 429, code: 'rate_limit_exceeded', param: 'model', type: 'tokens', headers: { 'retry-after': '7' } })
  t.same(toFault(new errors.KeyNotFound('k1')).headers, {}, 'no headers without details')
})

t.test('openAIErrorBody has exactly { error: { message, type, param, code } }', async (t) => {
  const body = openAIErrorBody(toFault(withDetails(new errors.ModelNotFound('nope'), { param: 'model', headers: { 'x-a': 'b' } })))
  t.strictSame(body, { error: { message: 'The model `nope` does not exist or you do not have access to it.', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } })
  t.strictSame(openAIErrorBody(toFault(new Error('x'))).error, { message: 'The server had an error while processing your request. Check the server logs.', type: 'api_error', param: null, code: null })
})
