// Key management API: create, list, reveal, revoke; isolation between users; KEY_REVEAL=false; restarts.
import t from 'tap'
import { readFile, stat, rename, writeFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setup, signIn, createKey, tempDir, BOB } from '../helper.ts'

t.test('create, list, reveal and delete a key', async (t) => {
  const { app } = await setup(t)
  const cookie = await signIn(app)

  const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: { name: 'Roo Code' } })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['cache-control'], 'no-store', 'the answer holding the full key is never cached')
  const created = res.json()
  t.match(created, { id: /^key_/, name: 'Roo Code', key: /^sk-[A-Za-z0-9_-]{32,}$/, preview: /^sk-.{4}….{4}$/, createdAt: String, hasSecret: true })
  t.equal(created.preview, `${created.key.slice(0, 7)}…${created.key.slice(-4)}`)

  const unnamed = await createKey(app, cookie)
  t.equal(unnamed.name, 'Untitled key', 'name is optional')

  const list = await app.inject({ url: '/v1/keys', headers: { cookie } })
  t.equal(list.statusCode, 200)
  const body = list.json()
  t.equal(body.object, 'list')
  t.equal(body.data.length, 2)
  t.match(body.data.find((k: any) => k.id === created.id), { id: created.id, name: 'Roo Code', preview: created.preview, createdAt: created.createdAt, lastUsedAt: null, hasSecret: true })
  t.notOk(list.body.includes(created.key), 'list never includes a secret')
  t.notOk(list.body.includes(unnamed.key))

  const reveal = await app.inject({ url: `/v1/keys/${created.id}/reveal`, headers: { cookie } })
  t.equal(reveal.statusCode, 200)
  t.same(reveal.json(), { id: created.id, key: created.key })
  t.equal(reveal.headers['cache-control'], 'no-store')

  const del = await app.inject({ method: 'DELETE', url: `/v1/keys/${created.id}`, headers: { cookie } })
  t.equal(del.statusCode, 200)
  t.same(del.json(), { id: created.id, deleted: true })
  t.equal(app.store.findKey(created.key), undefined, 'deleted key no longer authenticates')
  t.same((await app.inject({ url: '/v1/keys', headers: { cookie } })).json().data.map((k: any) => k.id), [unnamed.id])
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/keys/${created.id}`, headers: { cookie } })).statusCode, 404, 'deleting twice: 404')
})

t.test('without a session every key route answers 401', async (t) => {
  const { app } = await setup(t)
  const routes = [['POST', '/v1/keys'], ['GET', '/v1/keys'], ['GET', '/v1/keys/key_x/reveal'], ['DELETE', '/v1/keys/key_x']] as const
  for (const [method, url] of routes) {
    const res = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) })
    t.equal(res.statusCode, 401, `${method} ${url}`)
    t.match(res.json(), { error: { type: 'authentication_error', code: 'not_signed_in', param: null, message: String } })
  }
})

t.test('unknown ids and bad bodies', async (t) => {
  const { app } = await setup(t)
  const cookie = await signIn(app)
  const unknown = await app.inject({ url: '/v1/keys/key_nope/reveal', headers: { cookie } })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().error.code, 'key_not_found')
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/keys/key_nope', headers: { cookie } })).statusCode, 404)

  const cases: Array<[string, string]> = [
    ['name is a number', '{"name": 5}'],
    ['name too long', JSON.stringify({ name: 'x'.repeat(101) })],
    ['malformed JSON', '{"name": '],
    ['body is an array', '[]']
  ]
  for (const [name, payload] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie, 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.match(res.json(), { error: { type: 'invalid_request_error', message: String } }, `${name}: OpenAI-shaped`)
  }
  t.equal((await app.inject({ url: '/v1/keys', headers: { cookie } })).json().data.length, 0, 'nothing was created')
})

t.test('unknown fields are refused by name, so a misspelt option never looks as if it was set', async (t) => {
  const { app } = await setup(t)
  const cookie = await signIn(app)
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['expires', { expires: '2020' }, 'expires'],
    ['beside a name', { name: 'ok', scopes: ['chat'] }, 'scopes'],
    ['a misspelt name', { nmae: 'Roo' }, 'nmae']
  ]
  for (const [name, payload, field] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload })
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.match(res.json(), { error: { type: 'invalid_request_error', code: 'invalid_request', param: field, message: `Invalid request: unrecognized field "${field}"` } }, `${name}: names ${field}`)
  }
  t.equal((await app.inject({ url: '/v1/keys', headers: { cookie } })).json().data.length, 0, 'nothing was created')
})

t.test('the name is optional, and so is the body: none, or an empty JSON one, is {}', async (t) => {
  const { app } = await setup(t)
  const cookie = await signIn(app)
  const cases: Array<[string, Record<string, string>, string | undefined]> = [
    ['no body, no content type', {}, undefined],
    ['empty body with content-type application/json', { 'content-type': 'application/json' }, ''],
    ['{}', { 'content-type': 'application/json' }, '{}']
  ]
  for (const [name, headers, payload] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie, ...headers }, ...(payload === undefined ? {} : { payload }) })
    t.equal(res.statusCode, 201, `${name}: 201 (${res.statusCode === 201 ? 'created' : res.body})`)
    t.equal(res.json().name, 'Untitled key', `${name}: the default name`)
  }
})

t.test('two users cannot see or touch each other\'s keys', async (t) => {
  const { app } = await setup(t)
  const alice = await signIn(app)
  const bob = await signIn(app, BOB)
  const aliceKey = await createKey(app, alice, 'alice key')
  await createKey(app, bob, 'bob key')

  t.same((await app.inject({ url: '/v1/keys', headers: { cookie: bob } })).json().data.map((k: any) => k.name), ['bob key'])
  const reveal = await app.inject({ url: `/v1/keys/${aliceKey.id}/reveal`, headers: { cookie: bob } })
  t.equal(reveal.statusCode, 404, 'bob cannot reveal alice\'s key')
  t.notOk(reveal.body.includes(aliceKey.key))
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/keys/${aliceKey.id}`, headers: { cookie: bob } })).statusCode, 404, 'bob cannot delete it')
  t.ok(app.store.findKey(aliceKey.key), 'alice\'s key still works')
})

t.test('KEY_REVEAL=false shows a new key once and never stores its secret', async (t) => {
  const { app, config } = await setup(t, { config: { KEY_REVEAL: false } })
  const cookie = await signIn(app)
  const k = await createKey(app, cookie)
  t.equal(k.hasSecret, false)
  t.match(k.key, /^sk-/)
  t.equal((await app.inject({ url: '/v1/keys', headers: { cookie } })).json().data[0].hasSecret, false)
  const reveal = await app.inject({ url: `/v1/keys/${k.id}/reveal`, headers: { cookie } })
  t.equal(reveal.statusCode, 404)
  t.equal(reveal.json().error.code, 'key_not_revealable', 'the owner is told why')
  const doc = JSON.parse(await readFile(config.DATA_FILE as string, 'utf8'))
  t.equal(doc.keys[k.id].secret, undefined, 'no secret in the file')
  t.ok(app.store.findKey(k.key), 'the key still authenticates')
})

t.test('everything survives a restart on the same data file', async (t) => {
  const s = await setup(t)
  const cookie = await signIn(s.app)
  const k = await createKey(s.app, cookie, 'persisted')
  const app = await s.restart()
  const list = (await app.inject({ url: '/v1/keys', headers: { cookie } })).json()
  t.same(list.data.map((x: any) => x.name), ['persisted'])
  t.same((await app.inject({ url: `/v1/keys/${k.id}/reveal`, headers: { cookie } })).json().key, k.key)
  t.equal(app.store.findKey(k.key)?.id, k.id)
})

t.test('200 key creations at once leave a valid file holding all 200', async (t) => {
  const { app, config } = await setup(t)
  const cookie = await signIn(app)
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: { name: `k${i}` } })))
  t.same([...new Set(results.map((r) => r.statusCode))], [201])
  const doc = JSON.parse(await readFile(config.DATA_FILE as string, 'utf8'))
  t.equal(Object.keys(doc.keys).length, 200)
  t.equal((await stat(config.DATA_FILE as string)).mode & 0o777, 0o600)
  t.equal((await app.inject({ url: '/v1/keys', headers: { cookie } })).json().data.length, 200)
})

t.test('the per-user key cap answers 409', async (t) => {
  const { app } = await setup(t, { config: { MAX_KEYS_PER_USER: 2 } })
  const cookie = await signIn(app)
  await createKey(app, cookie)
  await createKey(app, cookie)
  const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: {} })
  t.equal(res.statusCode, 409)
  t.equal(res.json().error.code, 'key_limit_reached')
})

t.test('a failed store write answers a clear 500 and changes nothing', async (t) => {
  const { app } = await setup(t, { config: { DATA_FILE: join(await tempDir(t), 'sub', 'api-store.json') } })
  const file = app.config.DATA_FILE
  const folder = dirname(file)
  const cookie = await signIn(app)
  await createKey(app, cookie, 'kept')
  const before = await readFile(file, 'utf8')
  // Root ignores permissions, so break the write by putting a plain file where the data folder was.
  await rename(folder, folder + '.moved')
  await writeFile(folder, 'not a folder')
  const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: { name: 'lost' } })
  t.equal(res.statusCode, 500)
  t.match(res.json(), { error: { type: 'api_error', code: 'store_write_failed', message: /nothing was changed/ } })
  t.same((await app.inject({ url: '/v1/keys', headers: { cookie } })).json().data.map((k: any) => k.name), ['kept'], 'memory matches the file')
  t.equal(await readFile(join(folder + '.moved', 'api-store.json'), 'utf8'), before, 'file intact')
  await rm(folder)
  await rename(folder + '.moved', folder)
  t.equal((await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: { name: 'after' } })).statusCode, 201, 'works again once the disk recovers')
})

t.test('without APP_SECRET a secret is generated once into a 0600 file beside the data file, logged by path', async (t) => {
  const s = await setup(t, { captureLogs: true, config: { APP_SECRET: undefined } })
  const secretFile = join(s.dir, 'app-secret.key')
  const secret = await readFile(secretFile, 'utf8')
  t.ok(secret.trim().length >= 32, 'a long random secret')
  t.equal((await stat(secretFile)).mode & 0o777, 0o600)
  t.ok(s.logs.some((l) => l.includes(secretFile) && /APP_SECRET is not set/.test(l)), 'the log says where it is')
  t.notOk(s.logs.join('').includes(secret.trim()), 'but never the secret itself')

  const cookie = await signIn(s.app)
  const k = await createKey(s.app, cookie)
  const app = await s.restart()
  t.equal(await readFile(secretFile, 'utf8'), secret, 'the same secret is reused after a restart')
  t.equal(app.store.findKey(k.key)?.id, k.id, 'keys still authenticate')
  t.same((await app.inject({ url: `/v1/keys/${k.id}/reveal`, headers: { cookie } })).json().key, k.key, 'and still decrypt')
})
