// Two whole apps on one PostgreSQL schema with one APP_SECRET, as two instances behind a load balancer: sessions, keys
// and their changes follow from one to the other within a second (open streams included), usage adds up exactly,
// losing the database is survived, and a proxied request costs the database nothing. Skipped without
// TEST_DATABASE_URL (fails when REQUIRE_PG=1).
import t, { type Test } from 'tap'
import pg from 'pg'
import { performance } from 'node:perf_hooks'
import { createServer, connect, type Socket } from 'node:net'
import type { LightMyRequestResponse } from 'fastify'
import { setup, signIn, createKey, fakePuter, type Setup } from '../helper.ts'
import type { FakePuter } from '../fake-puter/server.ts'
import { DATABASE_URL, adminQuery, dbProxy, eventually, freshSchema, requirePg, schemaUrl } from '../store/pg-setup.ts'
import { sse, user } from './v1/chat-helpers.ts'

type Tap = Parameters<typeof setup>[0]

const CHAT = { model: 'gpt-4o-mini', messages: [user('hi')] }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
// The longest a change made on one instance may take to be obeyed by the other (README: "within a second").
const PROPAGATION_MS = 1000

interface Pair {
  a: Setup
  b: Setup
  fake: FakePuter
  schema: string
  /** alice's session cookie, made on A. */
  cookie: string
  proxy?: Awaited<ReturnType<typeof dbProxy>>
}

/**
 * Two apps on a fresh schema and one fake Puter, alice signed in on A. Each pool is named by the URL's
 * application_name (`mi-a`, `mi-b`) so its queries can be told apart; with `proxied`, A reaches the database
 * through a TCP proxy the test can cut. Usage is flushed only by hand unless `config` says otherwise.
 */
async function pair (t: Tap, opts: { proxied?: boolean, latencyB?: number, config?: Record<string, unknown>, configA?: Record<string, unknown> } = {}): Promise<Pair> {
  const schema = await freshSchema()
  const fake = await fakePuter(t)
  const proxy = opts.proxied ? await dbProxy(t) : undefined
  const slowPort = opts.latencyB ? await latencyProxy(t, opts.latencyB) : undefined
  const url = (name: string, port?: number) => {
    const u = new URL(schemaUrl(schema, port))
    u.searchParams.set('application_name', name)
    return u.toString()
  }
  // Puter account limits pinned high: the per-account queue would otherwise pace the batches of these tests.
  const base = {
    USAGE_FLUSH_SECONDS: 3600,
    DATABASE_POOL_MAX: 3,
    PUTER_ACCOUNT_CONCURRENCY_MIN: 20,
    PUTER_ACCOUNT_CONCURRENCY_MAX: 20,
    PUTER_ACCOUNT_WINDOW_MIN: 100_000,
    PUTER_ACCOUNT_WINDOW_MAX: 100_000,
    ...opts.config
  }
  const a = await setup(t, { fake, config: { ...base, ...opts.configA, DATABASE_URL: url('mi-a', proxy?.port) } })
  const b = await setup(t, { fake, config: { ...base, DATABASE_URL: url('mi-b', slowPort) } })
  // inject() would otherwise make the first request wait for the routes to load (about a second), as if it were
  // the change being slow to arrive; a server has done this before it listens.
  await Promise.all([a.app.ready(), b.app.ready()])
  const cookie = await signIn(a.app)
  return { a, b, fake, schema, cookie, proxy }
}

/** A TCP proxy to the database that delays every chunk, both ways, by `delayMs` (an instance farther away); its port. */
async function latencyProxy (t: Tap, delayMs: number): Promise<number> {
  const target = new URL(DATABASE_URL!)
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname)
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      sockets.add(from)
      from.on('close', () => sockets.delete(from))
      from.on('error', () => { client.destroy(); upstream.destroy() })
      // Timers of one delay fire in the order they were set: the bytes keep their order.
      from.on('data', (chunk) => setTimeout(() => { if (!to.destroyed) to.write(chunk) }, delayMs))
      from.on('end', () => setTimeout(() => to.end(), delayMs))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  }))
  return (server.address() as { port: number }).port
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

function chat (s: Setup, key: string, payload: object = CHAT) {
  return s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: bearer(key), payload })
}

/** GET /v1/models with a key: the cheapest request through the key guard (the catalogue is cached). */
function models (s: Setup, key: string) {
  return s.app.inject({ url: '/v1/models', headers: bearer(key) })
}

const ledgerIdOf = (s: Setup) => s.app.store.shareLedger!.instance

const codeOf = (res: LightMyRequestResponse): unknown => (res.json() as { error?: { code?: unknown } }).error?.code

/** Milliseconds until `check` holds (polled every 5 ms), or null when it did not within `ms`. */
async function timeUntil (check: () => boolean | Promise<boolean>, ms = 3000): Promise<number | null> {
  const start = performance.now()
  for (;;) {
    if (await check()) return Math.round(performance.now() - start)
    if (performance.now() - start > ms) return null
    await sleep(5)
  }
}

/** Asserts a propagation took under PROPAGATION_MS and reports the figure. */
function fast (t: Test, ms: number | null, what: string) {
  t.comment(`${what}: ${ms === null ? 'not within 3 s' : `${ms} ms`}`)
  t.ok(ms !== null && ms < PROPAGATION_MS, `${what} within ${PROPAGATION_MS} ms (took ${ms ?? '> 3000'} ms)`)
}

/** A key of alice's created on A with these settings, once B knows it. */
async function keyOnBoth (p: Pair, settings: object = {}): Promise<{ id: string, key: string }> {
  const res = await p.a.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie: p.cookie }, payload: settings })
  if (res.statusCode !== 201) throw new Error(`key creation failed: ${res.statusCode} ${res.body}`)
  const k = res.json() as { id: string, key: string }
  if (!await eventually(() => p.b.app.store.findKey(k.key) !== undefined, 3000)) throw new Error('B never learnt the key')
  return k
}

/** Counts the statements each named pool (and its LISTEN connection) sends, by spying on pg.Client. */
function countQueries (t: Tap) {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const original = proto.query
  const seen: Record<string, string[]> = {}
  proto.query = function (this: { connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
    const name = this.connectionParameters?.application_name ?? '?'
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | null)?.text ?? '?'
    ;(seen[name] ??= []).push(text.replace(/\s+/g, ' ').trim())
    return original.apply(this, args)
  }
  t.teardown(() => { proto.query = original })
  return {
    /** The statements of `name` since the last reset, heartbeats of the LISTEN connection left out. */
    of: (name: string) => (seen[name] ?? []).filter((q) => q !== 'SELECT 1'),
    heartbeats: (name: string) => (seen[name] ?? []).filter((q) => q === 'SELECT 1').length,
    reset () { for (const name of Object.keys(seen)) delete seen[name] }
  }
}

if (requirePg()) {
  t.test('a session made on A works on B, and signing out on A ends it on B at once', async (t) => {
    const { a, b, cookie } = await pair(t)
    const me = await b.app.inject({ url: '/auth/me', headers: { cookie } })
    t.equal(me.statusCode, 200, 'the cookie of A is accepted by B')
    t.match(me.json(), { user: { username: 'alice' } })
    const out = await a.app.inject({ method: 'POST', url: '/auth/signout', headers: { cookie } })
    t.equal(out.statusCode, 200)
    const after = await b.app.inject({ url: '/auth/me', headers: { cookie } })
    t.equal(after.statusCode, 401, 'B refuses it on the very next request')
    t.equal(codeOf(after), 'session_expired')
  })

  t.test('a key created on A works on B for chat completions within a second', async (t) => {
    const p = await pair(t)
    const ROUNDS = 30
    const misses: number[] = []
    const delays: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const k = await createKey(p.a.app, p.cookie, `k${i}`)
      // No wait at all: the first request on B follows the creation's answer, as a script's would.
      const first = await chat(p.b, k.key)
      if (first.statusCode !== 200) {
        misses.push(i)
        t.equal(codeOf(first), 'invalid_api_key', `round ${i}: refused as an unknown key`)
      }
      const ms = await timeUntil(async () => (await chat(p.b, k.key)).statusCode === 200)
      delays.push(ms ?? Infinity)
    }
    const worst = Math.max(...delays)
    t.comment(`keys refused by B on the request right after their creation on A: ${misses.length} of ${ROUNDS}; all accepted after at most ${worst} ms`)
    t.ok(worst < PROPAGATION_MS, `every new key worked on B within ${PROPAGATION_MS} ms (worst ${worst} ms)`)
    // Not asserted here: whether the very first request wins the race with B's refresh varies (0 to 15 % of rounds
    // lose it on one machine); the next test shows the window for certain.
    const k = await createKey(p.a.app, p.cookie, 'last')
    t.ok(await eventually(async () => (await chat(p.b, k.key)).statusCode === 200, PROPAGATION_MS))
    t.match((await chat(p.b, k.key)).json(), { object: 'chat.completion', choices: [{ message: { role: 'assistant' } }] }, 'a whole answer')
  })

  t.test('a key created on A, used on B at once by an instance 20 ms from the database: B looks the key it misses up', async (t) => {
    const p = await pair(t, { latencyB: 20 })
    const k = await createKey(p.a.app, p.cookie, 'fresh')
    const first = await chat(p.b, k.key)
    const ms = await timeUntil(async () => (await chat(p.b, k.key)).statusCode === 200)
    t.comment(`B, 20 ms from the database, answered the new key's first request ${first.statusCode} ${String(codeOf(first) ?? '')}; accepted it ${ms} ms later`)
    fast(t, ms, 'created on A → accepted on B')
    t.equal(first.statusCode, 200, 'the first request on B, right after the creation on A, is answered')
  })

  t.test('revoked on A: B refuses the key within a second, and its open stream on B is cut with key_revoked', async (t) => {
    const p = await pair(t)
    const k = await keyOnBoth(p)
    p.fake.enqueue({ kind: 'stream', lines: [{ type: 'text', text: 'one' }, { type: 'text', text: 'never' }], delayMs: 60_000 })
    let cutAt = 0
    const stream = chat(p.b, k.key, { ...CHAT, stream: true }).finally(() => { cutAt = performance.now() })
    t.ok(await eventually(() => p.b.app.relay.openStreams === 1, 3000), 'a slow stream is open on B')
    t.equal((await models(p.b, k.key)).statusCode, 200, 'the key works on B before')

    const sentAt = performance.now()
    const del = await p.a.app.inject({ method: 'DELETE', url: `/v1/keys/${k.id}`, headers: { cookie: p.cookie } })
    t.equal(del.statusCode, 200)
    t.comment(`DELETE /v1/keys/:id on A answered in ${Math.round(performance.now() - sentAt)} ms`)
    let refused: LightMyRequestResponse | undefined
    const ms = await timeUntil(async () => {
      const res = await models(p.b, k.key)
      if (res.statusCode === 200) return false
      refused = res
      return true
    })
    fast(t, ms, 'revoke on A → refused on B')
    t.equal(refused?.statusCode, 401)
    t.equal(refused && codeOf(refused), 'invalid_api_key')
    const chatAfter = await chat(p.b, k.key)
    t.equal(chatAfter.statusCode, 401, 'chat completions too')
    t.equal(codeOf(chatAfter), 'invalid_api_key')

    const res = await stream
    // Counted from the DELETE sent: B may cut the stream before A has answered it (A audits after the commit).
    fast(t, Math.round(cutAt - sentAt), 'revoke sent to A → the stream on B cut')
    t.equal(res.statusCode, 200)
    const { chunks, done } = sse(res.body)
    t.match(chunks.at(-1), { error: { code: 'key_revoked', message: /revoked/ } }, 'the SSE ends with a key_revoked error event')
    t.ok(done, 'then [DONE]')
    t.match(JSON.stringify(chunks), /"content":"one"/, 'what streamed before is kept')
    t.equal(p.b.app.relay.openStreams, 0)
  })

  t.test('disabled, edited and rotated on A: B obeys within a second', async (t) => {
    const p = await pair(t)
    const patch = (id: string, payload: object) => p.a.app.inject({ method: 'PATCH', url: `/v1/keys/${id}`, headers: { cookie: p.cookie }, payload })

    const disabled = await keyOnBoth(p)
    t.equal((await patch(disabled.id, { disabled: true })).statusCode, 200)
    let res: LightMyRequestResponse | undefined
    fast(t, await timeUntil(async () => (res = await models(p.b, disabled.key)).statusCode !== 200), 'disabled on A → refused on B')
    t.equal(res?.statusCode, 401)
    t.equal(res && codeOf(res), 'key_disabled')
    t.equal((await patch(disabled.id, { disabled: false })).statusCode, 200)
    fast(t, await timeUntil(async () => (await models(p.b, disabled.key)).statusCode === 200), 'enabled again on A → accepted on B')

    const edited = await keyOnBoth(p)
    t.equal((await chat(p.b, edited.key, { ...CHAT, model: 'gpt-5-nano' })).statusCode, 200, 'any model before the edit')
    t.equal((await patch(edited.id, { allowedModels: ['gpt-4o-mini'] })).statusCode, 200)
    fast(t, await timeUntil(async () => (res = await chat(p.b, edited.key, { ...CHAT, model: 'gpt-5-nano' })).statusCode !== 200), 'allowedModels edited on A → enforced on B')
    t.equal(res?.statusCode, 403)
    t.equal(res && codeOf(res), 'model_not_allowed')
    t.equal((await chat(p.b, edited.key)).statusCode, 200, 'the allowed model still works on B')

    const rotated = await keyOnBoth(p)
    const rot = await p.a.app.inject({ method: 'POST', url: `/v1/keys/${rotated.id}/rotate`, headers: { cookie: p.cookie }, payload: { graceSeconds: 0 } })
    t.equal(rot.statusCode, 200)
    const fresh = (rot.json() as { key: string }).key
    fast(t, await timeUntil(async () => (res = await models(p.b, rotated.key)).statusCode !== 200), 'rotated on A → old secret refused on B')
    t.equal(res?.statusCode, 401)
    t.equal(res && codeOf(res), 'invalid_api_key')
    fast(t, await timeUntil(async () => (await models(p.b, fresh)).statusCode === 200), 'rotated on A → new secret accepted on B')
    t.equal((await chat(p.b, fresh)).statusCode, 200, 'the new secret chats on B')
  })

  t.test('usage of one key on both instances adds up exactly once both flush, seen alike from either', async (t) => {
    const p = await pair(t)
    const k = await keyOnBoth(p)
    const N = 7
    const M = 5
    let input = 0
    let output = 0
    for (const [s, n] of [[p.a, N], [p.b, M]] as const) {
      for (let i = 0; i < n; i++) {
        // Prompts of different lengths, so the token sums are not a multiple of one answer.
        const res = await chat(s, k.key, { ...CHAT, messages: [user('hello '.repeat(i + 1))] })
        t.equal(res.statusCode, 200)
        const usage = (res.json() as { usage: { prompt_tokens: number, completion_tokens: number } }).usage
        input += usage.prompt_tokens
        output += usage.completion_tokens
      }
    }
    await sleep(50) // the key guard records a request on the response's close
    await Promise.all([p.a.app.store.flushUsage(), p.b.app.store.flushUsage()])
    for (const [name, s] of [['A', p.a], ['B', p.b]] as const) {
      const res = await s.app.inject({ url: `/v1/usage?key_id=${k.id}`, headers: { cookie: p.cookie } })
      t.equal(res.statusCode, 200)
      t.match((res.json() as { totals: unknown }).totals, { requests: N + M, errors: 0, inputTokens: input, outputTokens: output }, `GET /v1/usage on ${name}: ${N}+${M} requests, ${input} in and ${output} out`)
    }
    const [row] = await adminQuery(`SELECT sum(requests)::int AS requests, sum(input_tokens)::int AS input, sum(output_tokens)::int AS output FROM ${p.schema}.usage WHERE key_id = $1`, [k.id])
    t.same(row, { requests: N + M, input, output }, 'the database holds them once')
  })

  t.test('the database cut off from A while both serve: A answers cached keys, refuses changes with 503, and recovers by itself', async (t) => {
    const p = await pair(t, { proxied: true, configA: { USAGE_FLUSH_SECONDS: 0.2 } })
    const k = await keyOnBoth(p)
    const doomed = await keyOnBoth(p)
    await sleep(300) // A's timer has written everything so far
    const [{ before }] = await adminQuery(`SELECT coalesce(sum(requests), 0)::int AS before FROM ${p.schema}.usage WHERE key_id = $1`, [k.id])

    await p.proxy!.stop()
    const COUNTED = 4
    for (let i = 0; i < COUNTED; i++) {
      const res = await chat(p.a, k.key)
      t.equal(res.statusCode, 200, `request ${i + 1} with a cached key answered on A`)
    }
    const refused = await p.a.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie: p.cookie }, payload: {} })
    t.equal(refused.statusCode, 503, 'POST /v1/keys on A: 503')
    t.match(refused.json(), { error: { code: 'store_unavailable', type: String, param: null, message: /database cannot be reached/ } }, "in OpenAI's shape")
    t.same(Object.keys((refused.json() as { error: object }).error).sort(), ['code', 'message', 'param', 'type'])
    t.equal((await chat(p.b, k.key)).statusCode, 200, 'B, still connected, serves on')
    const del = await p.b.app.inject({ method: 'DELETE', url: `/v1/keys/${doomed.id}`, headers: { cookie: p.cookie } })
    t.equal(del.statusCode, 200, 'and revokes a key meanwhile')

    await p.proxy!.start()
    const backMs = await timeUntil(async () => (await p.a.app.inject({ url: '/v1/keys', headers: { cookie: p.cookie } })).statusCode === 200, 10_000)
    t.comment(`A answered the database's routes again ${backMs ?? '> 10000'} ms after the database came back`)
    t.not(backMs, null, 'A reaches the database again by itself')
    const again = await createKey(p.a.app, p.cookie, 'after the outage')
    t.equal((await chat(p.a, again.key)).statusCode, 200, 'a key created on A after it works on A')
    t.ok(await eventually(async () => (await chat(p.b, again.key)).statusCode === 200, PROPAGATION_MS), 'and on B')
    t.ok(await eventually(async () => (await models(p.a, doomed.key)).statusCode === 401, 6000), 'the key revoked on B during the outage is refused by A once back')
    await p.b.app.store.flushUsage()
    let written = before
    await eventually(async () => {
      written = (await adminQuery(`SELECT coalesce(sum(requests), 0)::int AS n FROM ${p.schema}.usage WHERE key_id = $1`, [k.id]))[0].n
      return written === before + COUNTED + 1
    }, 6000)
    t.equal(written - before, COUNTED + 1, `the ${COUNTED} requests A counted while cut off are written by its timer (plus B's one)`)
  })

  t.test('a proxied request sends no statement to the database (usage flushes aside)', async (t) => {
    const p = await pair(t)
    const k = await keyOnBoth(p)
    const queries = countQueries(t)
    await chat(p.a, k.key) // the first answer warms what is cached lazily (the model catalogue)
    await sleep(50)
    queries.reset()
    const REQUESTS = 200
    const started = performance.now()
    for (let i = 0; i < REQUESTS; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => chat(p.a, k.key)))
      if (batch.some((r) => r.statusCode !== 200)) t.fail(`a request failed: ${batch.find((r) => r.statusCode !== 200)!.body}`)
    }
    const elapsed = Math.round(performance.now() - started)
    await sleep(50)
    // The shared limits' ledger (Puter account's calls, shared by the instances) is asked when a share runs out:
    // its transaction (BEGIN, lock, take, COMMIT) and the renewal each second are counted apart.
    const all = queries.of('mi-a')
    const ledger = all.filter((q) => /limit_shares|^BEGIN$|^COMMIT$|pg_advisory_xact_lock|pg_notify/.test(q))
    const during = all.filter((q) => !ledger.includes(q))
    t.comment(`${REQUESTS} chat requests on A in ${elapsed} ms: ${during.length} statements from A's pool for keys, tokens, spend or usage; ${ledger.length} for the shared limits' ledger (${(ledger.length / REQUESTS).toFixed(3)} per request); ${queries.heartbeats('mi-a')} LISTEN heartbeats`)
    if (during.length > 0) t.comment(`statements: ${[...new Set(during)].join(' | ').slice(0, 500)}`)
    t.equal(during.length, 0, 'no statement for key lookup, token, spend or usage counting')
    // Takes come with load (each a transaction of 4 statements), renewals with time (one statement a second).
    const takes = ledger.filter((q) => q.includes('pg_advisory_xact_lock')).length
    const renewals = ledger.filter((q) => q.startsWith('WITH back AS')).length
    t.comment(`the ledger's statements: ${takes} takes of shares, ${renewals} renewals`)
    t.ok(takes <= REQUESTS / 20, `at most one take of shares per 20 requests (${takes} for ${REQUESTS})`)
    t.ok(renewals <= Math.ceil(elapsed / 1000) + 1, `at most one renewal a second (${renewals} in ${elapsed} ms)`)
    t.equal(queries.of('mi-b').length, 0, 'nor on B')

    queries.reset()
    await p.a.app.store.flushUsage()
    const flush = queries.of('mi-a')
    t.comment(`then one flush of the ${REQUESTS + 1} requests' usage: ${flush.length} statements`)
    t.ok(flush.length > 0 && flush.length < 20, 'a flush writes them in a few statements, not one per request')
  })

  t.test('limits.concurrency of a key holds across instances: at most that many in flight at Puter, the rest refused', async (t) => {
    const p = await pair(t)
    const k = await keyOnBoth(p, { limits: { concurrency: 2 } })
    p.fake.reset()
    for (let i = 0; i < 8; i++) p.fake.enqueue({ kind: 'delay', ms: 400 })
    const all = await Promise.all([p.a, p.b, p.a, p.b, p.a, p.b, p.a, p.b].map((s) => chat(s, k.key)))
    const ok = all.filter((r) => r.statusCode === 200).length
    const limited = all.filter((r) => r.statusCode === 429 && codeOf(r) === 'concurrency_limit_exceeded').length
    t.comment(`8 requests split over A and B with limits.concurrency 2: ${ok} answered, ${limited} refused 429, peak in flight at Puter ${p.fake.peakActive}`)
    t.equal(ok + limited, 8, 'every request is answered or refused as over the limit')
    t.ok(p.fake.peakActive <= 2, `at most 2 in flight at Puter across both (peak ${p.fake.peakActive})`)
    t.equal(ok, 2, 'two answered')
    t.equal(limited, 6, 'the others refused with 429 concurrency_limit_exceeded')

    // Once those ended, A gives back the unit it no longer uses at its next renewal (each second): then B alone can
    // have both.
    const ended = performance.now()
    const both = await timeUntil(async () => {
      const again = await Promise.all([models(p.b, k.key), models(p.b, k.key)])
      return again.every((r) => r.statusCode === 200)
    }, 3000)
    t.comment(`B had both units ${Math.round(performance.now() - ended)} ms after the requests ended`)
    t.ok(both !== null && both < 1500, 'B alone can have both within a renewal (1 s)')
  })

  t.test('one request at a time over both instances on limits.concurrency 1: each gets the unit the other just used', async (t) => {
    const p = await pair(t)
    const k = await keyOnBoth(p, { limits: { concurrency: 1 } })
    const statuses: number[] = []
    const started = performance.now()
    for (let i = 0; i < 10; i++) statuses.push((await chat(i % 2 === 0 ? p.a : p.b, k.key)).statusCode)
    t.comment(`10 requests one after the other, alternating A and B: ${statuses.join(' ')} in ${Math.round(performance.now() - started)} ms`)
    t.same(statuses, Array(10).fill(200), 'none is refused: the instance holding the unit idle gives it back when the other asks')
  })

  t.test('limits.rpm of a key holds across instances: never more than the limit in a minute, the whole limit usable', async (t) => {
    const p = await pair(t)
    const k = await keyOnBoth(p, { limits: { rpm: 20 } })
    const statuses: number[] = []
    for (let i = 0; i < 40; i += 4) {
      const batch = await Promise.all([p.a, p.b, p.a, p.b].map((s) => models(s, k.key)))
      statuses.push(...batch.map((r) => r.statusCode))
    }
    const ok = statuses.filter((s) => s === 200).length
    const limited = statuses.filter((s) => s === 429).length
    t.comment(`40 requests over A and B within a few ms with limits.rpm 20: ${ok} answered, ${limited} refused 429`)
    t.ok(ok <= 20, `never more than 20 in the minute across both (${ok})`)
    t.ok(ok >= 18, `within 10 % of the limit (${ok} of 20)`)
    t.equal(ok + limited, 40, 'the rest refused with 429')
  })

  t.test("a Puter account's calls in flight hold across instances: never more than its limit at Puter, the others queued", async (t) => {
    // The account's limit pinned at 3 calls in flight (Puter's free tier), its window wide.
    const p = await pair(t, { config: { PUTER_ACCOUNT_CONCURRENCY_MIN: 3, PUTER_ACCOUNT_CONCURRENCY_MAX: 3 } })
    const k = await keyOnBoth(p)
    p.fake.reset()
    for (let i = 0; i < 12; i++) p.fake.enqueue({ kind: 'delay', ms: 150 })
    const started = performance.now()
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => chat(i % 2 === 0 ? p.a : p.b, k.key)))
    const elapsed = Math.round(performance.now() - started)
    t.comment(`12 calls of one account over A and B, 150 ms each, limit 3 in flight: peak at Puter ${p.fake.peakActive}, all done in ${elapsed} ms`)
    t.same(all.map((r) => r.statusCode), Array(12).fill(200), 'every call is answered (the others waited their turn)')
    t.ok(p.fake.peakActive <= 3, `at most 3 in flight at Puter across both (peak ${p.fake.peakActive})`)
    t.equal(p.fake.peakActive, 3, 'and the limit is used whole')
  })

  t.test('an instance that dies frees its shares within the lease; one that closes frees them at once', async (t) => {
    const p = await pair(t)
    const k = await keyOnBoth(p, { limits: { concurrency: 1 } })
    const ledger = async () => adminQuery(`SELECT instance, held FROM ${p.schema}.limit_shares WHERE resource = $1 AND held > 0 AND expires_at > now()`, [`concurrency:${k.id}`])
    // A holds the key's one unit while its request is in flight; B is refused meanwhile.
    p.fake.reset()
    p.fake.enqueue({ kind: 'delay', ms: 300 })
    const onA = chat(p.a, k.key)
    await eventually(async () => (await ledger()).length === 1)
    const refused = await chat(p.b, k.key)
    t.equal(refused.statusCode, 429, 'B is refused while A holds the unit')
    t.equal((await onA).statusCode, 200)
    // A "dies": it stops renewing (its timer and its give-back stop), holding the unit it has.
    const held = p.a.app.shares!
    ;(held as unknown as { renew: () => Promise<void> }).renew = async () => {}
    const diedAt = performance.now()
    const freed = await timeUntil(async () => (await chat(p.b, k.key)).statusCode === 200, 8000)
    t.comment(`A stopped renewing: B got the unit ${freed === null ? 'never' : `${Math.round(performance.now() - diedAt)} ms later`}`)
    t.ok(freed !== null && freed < 5000 + 1500, 'B gets it once the lease ran out (5 s)')

    // B closes (a restart): its shares go back at once.
    await p.b.app.close()
    t.same(await adminQuery(`SELECT count(*)::int AS n FROM ${p.schema}.limit_shares WHERE held > 0 AND expires_at > now() AND instance <> $1`, [ledgerIdOf(p.a)]), [{ n: 0 }], 'nothing of B is left in the ledger')
  })
}
