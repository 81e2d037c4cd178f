// buildApp's own rules: a small body limit everywhere but the AI routes (which check the key before reading a body),
// unknown paths answered without reading their body, start-up warnings about risky settings, Fastify's and Node's own
// refusals in OpenAI's shape, and a request id on every answer.
import t from 'tap'
import { connect, type AddressInfo } from 'node:net'
import { setup, signIn, createKey } from './helper.ts'

t.test('routes outside /v1 AI refuse bodies over 64 KiB; unknown paths never parse theirs', async (t) => {
  const s = await setup(t)
  const big = JSON.stringify({ token: 'x'.repeat(100 * 1024) })
  for (const url of ['/auth/signout', '/auth/puter/signin']) {
    const res = await s.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: big })
    t.equal(res.statusCode, 413, `${url}: 413`)
    t.match(res.json(), { error: { code: 'request_too_large', message: /limit of 64 KiB/ } }, `${url}: says the limit`)
  }
  const notJson = '{' + 'x'.repeat(1024 * 1024)
  const unknown = await s.app.inject({ method: 'POST', url: '/nope', headers: { 'content-type': 'application/json' }, payload: notJson })
  t.equal(unknown.statusCode, 404, 'an unknown path is a 404 before its (broken, 1 MiB) body is read')
  t.equal(unknown.json().error.code, 'not_found')
})

t.test('the AI routes take large bodies, but check the key before reading any', async (t) => {
  const s = await setup(t, { config: { BODY_LIMIT_MB: 2 } })
  const cookie = await signIn(s.app)
  const { key } = await createKey(s.app, cookie)
  const large = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024) }] }
  const ok = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: large })
  t.equal(ok.statusCode, 200, 'a 1 MiB chat body is accepted with a key')
  const anonymous = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, payload: '{' + 'x'.repeat(1024 * 1024) })
  t.equal(anonymous.statusCode, 401, 'no key: refused before the broken body is parsed')
  const tooLarge = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: { ...large, messages: [{ role: 'user', content: 'x'.repeat(3 * 1024 * 1024) }] } })
  t.equal(tooLarge.statusCode, 413)
  t.match(tooLarge.json().error.message, /limit of 2 MiB/)
})

t.test('TRUST_PROXY=true warns at start; a hop count does not', async (t) => {
  const warned = await setup(t, { config: { TRUST_PROXY: 'true' }, captureLogs: true })
  t.ok(warned.logs.some((l) => /TRUST_PROXY=true trusts every X-Forwarded-For hop/.test(l) && /"level":40/.test(l)), 'a warning names the risk and the fix')
  const hops = await setup(t, { config: { TRUST_PROXY: '1' }, captureLogs: true })
  t.notOk(hops.logs.some((l) => /TRUST_PROXY=true/.test(l)))
})

t.test('a bad percent-encoding in the URL is answered in OpenAI\'s shape, without echoing the URL', async (t) => {
  const s = await setup(t)
  for (const url of ['/%ZZ', '/v1/models/%ZZ', '/v1/keys/sk-abcdefghijklmnop%ZZ/reveal']) {
    const res = await s.app.inject({ url })
    t.equal(res.statusCode, 400, `${url}: 400`)
    t.strictSame(res.json(), { error: { message: 'The URL path is not valid: a "%" must start a percent-encoded byte (two hexadecimal digits)', type: 'invalid_request_error', param: null, code: 'invalid_url' } }, `${url}: OpenAI's shape`)
    t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, `${url}: has a request id`)
  }
})

/** Writes raw bytes to the listening app and reads everything until the server closes the connection. */
async function rawExchange (port: number, bytes: string): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1' })
  socket.setEncoding('utf8')
  let text = ''
  socket.on('data', (d) => { text += d })
  socket.write(bytes)
  await new Promise<void>((resolve, reject) => {
    socket.on('close', () => resolve())
    socket.on('error', reject)
  })
  return text
}

t.test('requests Node cannot parse get a whole HTTP/1.1 answer in OpenAI\'s shape, then the connection closes', async (t) => {
  const s = await setup(t)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as AddressInfo
  const cases: Array<[string, string, number, string]> = [
    ['Content-Length shorter than the body', 'POST /nope HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}{"model":"m"}\r\n\r\n', 400, 'malformed_request'],
    ['a garbage request line', 'HELLO?\r\n\r\n', 400, 'malformed_request'],
    ['headers over the size limit', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large']
  ]
  for (const [name, bytes, status, code] of cases) {
    const text = await rawExchange(port, bytes)
    const start = text.indexOf(`HTTP/1.1 ${status} `)
    t.ok(start >= 0, `${name}: a ${status} status line`)
    const [head, body] = text.slice(start).split('\r\n\r\n')
    t.match(head, /\r\nconnection: close/i, `${name}: Connection: close`)
    t.match(head, /\r\ncontent-type: application\/json/i, `${name}: JSON`)
    t.equal(Number(/content-length: (\d+)/i.exec(head)?.[1]), Buffer.byteLength(body), `${name}: the Content-Length is the body's`)
    t.match(JSON.parse(body), { error: { message: String, type: 'invalid_request_error', param: null, code } }, `${name}: OpenAI's shape`)
    t.notMatch(text, /Client Error/, `${name}: not Fastify's default body`)
  }
})

t.test('x-request-id is on every answer: the caller\'s when it is safe, else a new one', async (t) => {
  const s = await setup(t, { captureLogs: true })
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
  const cases: Array<[string, string | undefined, string | RegExp]> = [
    ['none given', undefined, uuid],
    ['a safe one', 'trace-42:abc.DEF_x-y', 'trace-42:abc.DEF_x-y'],
    ['128 characters', 'a'.repeat(128), 'a'.repeat(128)],
    ['129 characters', 'a'.repeat(129), uuid],
    ['a space', 'two words', uuid],
    ['a log-forging newline', 'x\\n{"level":60}', uuid],
    ['empty', '', uuid]
  ]
  for (const [name, given, expected] of cases) {
    const res = await s.app.inject({ url: '/health', headers: given === undefined ? {} : { 'x-request-id': given } })
    if (typeof expected === 'string') t.equal(res.headers['x-request-id'], expected, `${name}: kept`)
    else t.match(res.headers['x-request-id'], expected, `${name}: replaced by a new one`)
  }
  const first = await s.app.inject({ url: '/health' })
  const second = await s.app.inject({ url: '/health' })
  t.not(first.headers['x-request-id'], second.headers['x-request-id'], 'each request gets its own')
  t.ok(s.logs.some((l) => l.includes(`"reqId":"${String(first.headers['x-request-id'])}"`)), 'the log lines carry the same id')

  const answers = [
    ['a 404', await s.app.inject({ url: '/nope' })],
    ['a 401 from the key guard', await s.app.inject({ url: '/v1/models' })],
    ['a 400 from validation', await s.app.inject({ method: 'POST', url: '/auth/puter/signin', payload: {} })],
    ['a dashboard page', await s.app.inject({ url: '/' })]
  ] as const
  for (const [name, res] of answers) t.match(res.headers['x-request-id'], uuid, `${name}: has one`)
})
