// The OpenAPI document lists every route with its schemas; Swagger UI is served locally; /health works.
import t from 'tap'
import { setup } from '../helper.ts'

/** [method, path] pairs from Fastify's route tree (printRoutes with commonPrefix off), rebuilt from its indentation. */
function listRoutes (tree: string): Array<[string, string]> {
  const stack: string[] = []
  const out: Array<[string, string]> = []
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line)
    if (!m) continue
    const depth = m[1].length / 4
    stack.length = depth
    stack.push(m[2])
    // The tree folds the slash before a wildcard into its parent node.
    const path = stack.join('').replace(/\/\//g, '/').replace(/([^/])\*$/, '$1/*')
    for (const method of m[3]?.split(', ') ?? []) out.push([method, path])
  }
  return out
}

t.test('every registered route appears in /openapi.json with a summary and responses', async (t) => {
  const { app } = await setup(t)
  const res = await app.inject({ url: '/openapi.json' })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.openapi, '3.0.3')
  t.ok(doc.components.securitySchemes.bearerAuth)
  t.ok(doc.components.securitySchemes.sessionCookie)

  const routes = listRoutes(app.printRoutes({ commonPrefix: false }))
    // /docs is Swagger UI itself; '*' is the CORS preflight and the static files.
    .filter(([method, path]) => method !== 'HEAD' && method !== 'OPTIONS' && !path.startsWith('/docs') && path !== '*' && path !== '/*')
  t.ok(routes.length >= 8, `found ${routes.length} routes`)
  for (const [method, path] of routes) {
    const oaPath = path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{model}')
    const op = doc.paths[oaPath]?.[method.toLowerCase()]
    t.ok(op, `${method} ${path} is documented`)
    if (!op) continue
    t.ok(op.summary, `${method} ${path} has a summary`)
    t.ok(op.tags?.length, `${method} ${path} has tags`)
    t.ok(Object.keys(op.responses ?? {}).some((s) => s.startsWith('2')), `${method} ${path} documents its success response`)
  }
  t.match(doc.paths['/v1/keys'].post.requestBody.content['application/json'].schema, { properties: { name: { type: 'string' } } })
  t.match(doc.paths['/v1/keys'].get.security, [{ sessionCookie: [] }])
})

t.test('Swagger UI is served from this server at /docs', async (t) => {
  const { app } = await setup(t)
  const res = await app.inject({ url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /html/)
  t.notMatch(res.body, /https?:\/\/(unpkg|cdn)/, 'no CDN assets')
  const init = await app.inject({ url: '/docs/static/swagger-initializer.js' })
  t.equal(init.statusCode, 200)
  t.match(init.body, /openapi\.json/)
})

t.test('/health answers ok once the store is loaded', async (t) => {
  const { app } = await setup(t)
  const res = await app.inject({ url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('unknown paths: 404 in OpenAI\'s shape, with a /v1 hint for OpenAI paths', async (t) => {
  const { app } = await setup(t)
  const plain = await app.inject({ url: '/nope' })
  t.equal(plain.statusCode, 404)
  t.match(plain.json(), { error: { type: 'invalid_request_error', code: 'not_found', param: null } })
  for (const url of ['/chat/completions', '/models', '/models/gpt-4o-mini']) {
    const res = await app.inject({ method: url === '/chat/completions' ? 'POST' : 'GET', url, payload: url === '/chat/completions' ? {} : undefined })
    t.equal(res.statusCode, 404, url)
    t.match(res.json().error.message, /\/v1/, `${url}: tells the user to end the base URL with /v1`)
  }
})
