// toFault()'s wording of validation failures (unknown fields, unions of literals, a missing body), Fastify's URL and
// content-type refusals without the URL, and clientErrorResponse(): the raw answer to a request Node cannot parse.
import t from 'tap'
import { errorCodes } from 'fastify'
import { clientErrorResponse, errors, toFault } from '../src/errors.ts'

/** A Fastify validation error as the route's ajv reports it. */
const validationError = (validation: unknown[], message = 'ajv says') => ({ validation, validationContext: 'body', statusCode: 400, message })
const constError = (path: string, allowedValue: string) => ({ instancePath: path, keyword: 'const', params: { allowedValue } })
const typeError = (path: string, type: string) => ({ instancePath: path, keyword: 'type', params: { type } })
const anyOfError = (path: string) => ({ instancePath: path, keyword: 'anyOf', params: {} })

t.test('validation failures: one sentence naming the field', async (t) => {
  const roles = ['system', 'user', 'assistant']
  const cases: Array<[string, unknown[], string | null, string]> = [
    ['an unknown field', [{ instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'expires' } }], 'expires', 'unrecognized field "expires"'],
    ['a nullable number below its minimum', [{ instancePath: '/limits/rpm', keyword: 'minimum', params: { limit: 1 }, message: 'must be >= 1' }, typeError('/limits/rpm', 'null'), anyOfError('/limits/rpm')], 'limits.rpm', 'limits.rpm must be >= 1'],
    ['a nullable object with a bad field', [{ instancePath: '/budget/usd', keyword: 'exclusiveMinimum', params: { limit: 0 }, message: 'must be > 0' }, typeError('/budget', 'null'), anyOfError('/budget')], 'budget.usd', 'budget.usd must be > 0'],
    ['an empty body where a field is needed', [{ instancePath: '', keyword: 'minProperties', params: { limit: 1 } }], null, 'the body must name at least one field'],
    ['an unknown nested field', [{ instancePath: '/options', keyword: 'additionalProperties', params: { additionalProperty: 'ttl' } }], 'options.ttl', 'unrecognized field "options.ttl"'],
    ['a value outside a union of literals', [...roles.map((r) => constError('/messages/0/role', r)), anyOfError('/messages/0/role')], 'messages.0.role', 'messages.0.role must be one of system, user, assistant'],
    ['a wrong type for a union of literals', [...roles.flatMap((r) => [typeError('/messages/0/role', 'string'), constError('/messages/0/role', r)]), anyOfError('/messages/0/role')], 'messages.0.role', 'messages.0.role must be one of system, user, assistant'],
    ['a nullable number', [typeError('/temperature', 'number'), typeError('/temperature', 'null'), anyOfError('/temperature')], 'temperature', 'temperature must be number or null'],
    ['no body where an object is needed', [typeError('', 'object')], null, 'the body must be a JSON object']
  ]
  for (const [name, validation, param, says] of cases) {
    t.match(toFault(validationError(validation)), { status: 400, code: 'invalid_request', type: 'invalid_request_error', param, message: `Invalid request: ${says}` }, name)
  }
  const nested = [typeError('/a', 'string'), { instancePath: '/a/0', keyword: 'required', params: { missingProperty: 'b' } }, anyOfError('/a')]
  t.equal(toFault(validationError(nested, 'body/a must be string, ...')).message, 'Invalid request: body/a must be string, ...', 'other unions keep ajv\'s words')
})

t.test('our own request refusals keep their param and message', async (t) => {
  const invalid = Object.assign(new errors.InvalidRequest('tools.0.function is required'), { param: 'tools.0.function' })
  t.match(toFault(invalid), { status: 400, code: 'invalid_request', param: 'tools.0.function', message: 'Invalid request: tools.0.function is required' })
  t.match(toFault(new errors.ForbiddenJsonProperty('__proto__')), { status: 400, code: 'forbidden_json_property', message: 'The JSON body contains a "__proto__" property, which this server refuses' })
})

t.test('Fastify\'s URL and media-type refusals: our code and words, never the URL (it may hold a key)', async (t) => {
  const cases: Array<[string, Error, number, string]> = [
    ['bad percent-encoding', new errorCodes.FST_ERR_BAD_URL('/v1/keys/sk-secretsecret%ZZ'), 400, 'invalid_url'],
    ['a path part over maxParamLength', new errorCodes.FST_ERR_MAX_PARAM_LENGTH('/v1/models/sk-secretsecret'), 414, 'path_too_long'],
    ['an unsupported content type', new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/plain'), 415, 'unsupported_media_type']
  ]
  for (const [name, err, status, code] of cases) {
    const fault = toFault(err)
    t.match(fault, { status, code, type: 'invalid_request_error', param: null, internal: false }, name)
    t.notMatch(fault.message, /secret|sk-/, `${name}: the URL is not echoed`)
  }
})

t.test('clientErrorResponse: a complete HTTP/1.1 answer in OpenAI\'s shape that closes the connection', async (t) => {
  const cases: Array<[string, { code?: string }, string, string]> = [
    ['a parse error', { code: 'HPE_INVALID_METHOD' }, '400 Bad Request', 'malformed_request'],
    ['no code', {}, '400 Bad Request', 'malformed_request'],
    ['headers too large', { code: 'HPE_HEADER_OVERFLOW' }, '431 Request Header Fields Too Large', 'headers_too_large'],
    ['too slow', { code: 'ERR_HTTP_REQUEST_TIMEOUT' }, '408 Request Timeout', 'request_timeout']
  ]
  for (const [name, err, statusLine, code] of cases) {
    const text = clientErrorResponse(err)
    const [head, body] = text.split('\r\n\r\n')
    const headers = head.split('\r\n')
    t.equal(headers[0], `HTTP/1.1 ${statusLine}`, `${name}: status line`)
    t.ok(headers.includes('connection: close'), `${name}: closes`)
    t.ok(headers.includes(`content-length: ${Buffer.byteLength(body)}`), `${name}: exact length`)
    t.ok(headers.includes('content-type: application/json; charset=utf-8'), `${name}: JSON`)
    t.strictSame(Object.keys(JSON.parse(body).error), ['message', 'type', 'param', 'code'], `${name}: OpenAI's shape`)
    t.match(JSON.parse(body).error, { type: 'invalid_request_error', param: null, code }, `${name}: code`)
  }
})
