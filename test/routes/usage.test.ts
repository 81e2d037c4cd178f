// The signed-in user's usage (GET /v1/usage: series by day, model or key, totals, CSV) and audit trail
// (GET /v1/audit: newest first, paginated, never a secret); each user sees only their own; both survive a restart.
import t from 'tap'
import { ALICE, BOB, createKey, setup, signIn } from '../helper.ts'
import type { Setup } from '../helper.ts'
import { resolveModel } from '../fake-puter/catalog.ts'

const DAY = 86_400_000
const T0 = Date.parse('2025-01-14T12:00:00.000Z')

/** What Puter's usage costs at a fake-catalogue price (US cents per `costs.tokens` tokens), in US dollars. */
function listPriceUsd (id: string, input: number, output: number): number {
  const m = resolveModel(id)!
  const c = m.costs
  return Math.round((input * c[m.input_cost_key!] + output * c[m.output_cost_key!]) * 10_000 / c.tokens) / 1e6
}

/** An app on a hand-moved clock with alice signed in, the catalogue loaded, and usage flushed only on close. */
async function clocked (t: Parameters<typeof setup>[0]) {
  const clock = { ms: T0 }
  const s = await setup(t, { now: () => clock.ms, config: { SESSION_TTL_HOURS: 8760, USAGE_FLUSH_SECONDS: 3600 } })
  const cookie = await signIn(s.app)
  await s.app.models.list()
  return { s, clock, cookie }
}

/** One chat request with `key` for which Puter reports these tokens (OpenAI's keys for gpt, Claude's for claude). */
async function spend (s: Setup, key: string, model: string, input: number, output: number) {
  const usage = model.startsWith('claude') ? { input_tokens: input, output_tokens: output } : { prompt_tokens: input, completion_tokens: output }
  s.fake.enqueue({ kind: 'result', result: { message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', usage } })
  const res = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: { model, messages: [{ role: 'user', content: 'x' }] } })
  if (res.statusCode !== 200) throw new Error(res.body)
}

const usage = (s: Setup, cookie: string, query = '', headers: Record<string, string> = {}) =>
  s.app.inject({ url: `/v1/usage${query}`, headers: { cookie, ...headers } })

const CLAUDE = 'claude-sonnet-4-5-20250929'
const ZERO = { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedTokens: 0, images: 0, speechCharacters: 0, audioSeconds: 0, costUsd: 0 }

/** Two keys, two models, two days (the 14th and the 16th of January 2025). */
async function history (s: Setup, clock: { ms: number }, cookie: string) {
  const a = await createKey(s.app, cookie, 'alpha')
  const b = await createKey(s.app, cookie, 'beta, "quoted"')
  await spend(s, a.key, 'gpt-4o-mini', 100_000, 20_000)
  await spend(s, a.key, CLAUDE, 10_000, 1000)
  clock.ms = T0 + 2 * DAY
  await spend(s, a.key, 'gpt-4o-mini', 50_000, 0)
  await spend(s, b.key, 'gpt-4o-mini', 1000, 1000)
  return { a, b }
}

t.test('by day: every day of the range (zeros included), each split by key and model, with totals', async (t) => {
  const { s, clock, cookie } = await clocked(t)
  const { a, b } = await history(s, clock, cookie)
  const res = await usage(s, cookie, '?from=2025-01-13&to=2025-01-17&group_by=day')
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  const mini = (i: number, o: number) => listPriceUsd('gpt-4o-mini', i, o)
  t.match(body, { object: 'usage', from: '2025-01-13', to: '2025-01-17', group_by: 'day', estimated: true, keys: { [a.id]: 'alpha', [b.id]: 'beta, "quoted"' } })
  t.same(body.data.map((d: { day: string }) => d.day), ['2025-01-13', '2025-01-14', '2025-01-15', '2025-01-16', '2025-01-17'], 'every day, oldest first')
  t.same(body.data[0], { day: '2025-01-13', ...ZERO, byKey: {}, byModel: {} }, 'a day without use has zeros')
  t.match(body.data[1], {
    requests: 2,
    inputTokens: 110_000,
    outputTokens: 21_000,
    byKey: { [a.id]: { requests: 2, inputTokens: 110_000 } },
    byModel: { 'gpt-4o-mini': { requests: 1, inputTokens: 100_000, costUsd: mini(100_000, 20_000) }, [CLAUDE]: { requests: 1, outputTokens: 1000, costUsd: listPriceUsd(CLAUDE, 10_000, 1000) } }
  })
  t.match(body.data[3], { requests: 2, byKey: { [a.id]: { inputTokens: 50_000 }, [b.id]: { inputTokens: 1000 } }, byModel: { 'gpt-4o-mini': { requests: 2, inputTokens: 51_000 } } })
  const cost = mini(100_000, 20_000) + listPriceUsd(CLAUDE, 10_000, 1000) + mini(50_000, 0) + mini(1000, 1000)
  t.match(body.totals, { requests: 4, errors: 0, inputTokens: 161_000, outputTokens: 22_000 })
  t.equal(body.totals.costUsd.toFixed(6), cost.toFixed(6), 'the total cost is the sum of the list prices')
})

t.test('by model and by key (biggest cost first), one key only with key_id, and revoked keys kept under their usage', async (t) => {
  const { s, clock, cookie } = await clocked(t)
  const { a, b } = await history(s, clock, cookie)
  const range = '?from=2025-01-01&to=2025-01-31'
  const byModel = (await usage(s, cookie, `${range}&group_by=model`)).json()
  t.match(byModel.data, [{ model: CLAUDE, requests: 1 }, { model: 'gpt-4o-mini', requests: 3, inputTokens: 151_000 }], 'a row per model, by cost')
  t.ok(byModel.data[0].costUsd > byModel.data[1].costUsd)
  const byKey = (await usage(s, cookie, `${range}&group_by=key`)).json()
  t.match(byKey.data, [{ keyId: a.id, keyName: 'alpha', requests: 3 }, { keyId: b.id, keyName: 'beta, "quoted"', requests: 1 }], 'a row per key, by cost')
  const onlyB = (await usage(s, cookie, `${range}&group_by=model&key_id=${b.id}`)).json()
  t.match(onlyB, { totals: { requests: 1, inputTokens: 1000 }, data: [{ model: 'gpt-4o-mini', requests: 1 }] })
  t.equal(onlyB.data.length, 1, 'only that key')
  t.equal((await s.app.inject({ method: 'DELETE', url: `/v1/keys/${b.id}`, headers: { cookie } })).statusCode, 200)
  const after = (await usage(s, cookie, `${range}&group_by=key`)).json()
  t.match(after.data[1], { keyId: b.id, keyName: '(revoked key)', requests: 1 }, "a revoked key's usage stays in the history")
  t.equal(after.totals.requests, 4)
})

t.test('CSV: with Accept: text/csv or format=csv, a line per day, key and model (or per model, or key)', async (t) => {
  const { s, clock, cookie } = await clocked(t)
  const { a, b } = await history(s, clock, cookie)
  await s.app.inject({ method: 'PATCH', url: `/v1/keys/${a.id}`, headers: { cookie }, payload: { name: '=HYPERLINK("x")' } })
  const range = '?from=2025-01-14&to=2025-01-16'
  const header = 'requests,errors,input_tokens,output_tokens,reasoning_tokens,cached_tokens,images,speech_characters,audio_seconds,estimated_cost_usd'
  const byAccept = await usage(s, cookie, range, { accept: 'text/csv' })
  const byFormat = await usage(s, cookie, `${range}&format=csv`)
  t.equal(byAccept.body, byFormat.body, 'the same CSV either way')
  t.match(byAccept.headers['content-type'], /^text\/csv/)
  t.equal(byAccept.headers['content-disposition'], 'attachment; filename="usage-2025-01-14-to-2025-01-16-by-day.csv"')
  const cost = (id: string, i: number, o: number) => listPriceUsd(id, i, o).toFixed(6)
  const lines = byAccept.body.split('\r\n')
  t.equal(lines[0], `day,key_id,key_name,model,${header}`)
  const aName = '"\'=HYPERLINK(""x"")"' // never read as a formula; quoted because of its quotes
  const bName = '"beta, ""quoted"""'
  // Rows of a day are sorted by key id.
  const day16 = [[a.id, `2025-01-16,${a.id},${aName},gpt-4o-mini,1,0,50000,0,0,0,0,0,0,${cost('gpt-4o-mini', 50_000, 0)}`], [b.id, `2025-01-16,${b.id},${bName},gpt-4o-mini,1,0,1000,1000,0,0,0,0,0,${cost('gpt-4o-mini', 1000, 1000)}`]]
    .sort(([x], [y]) => (x < y ? -1 : 1)).map(([, line]) => line)
  t.same(lines.slice(1), [
    `2025-01-14,${a.id},${aName},${CLAUDE},1,0,10000,1000,0,0,0,0,0,${cost(CLAUDE, 10_000, 1000)}`,
    `2025-01-14,${a.id},${aName},gpt-4o-mini,1,0,100000,20000,0,0,0,0,0,${cost('gpt-4o-mini', 100_000, 20_000)}`,
    ...day16,
    ''
  ], 'the rows, CRLF-terminated')
  const byModel = (await usage(s, cookie, `${range}&group_by=model&format=csv`)).body.split('\r\n')
  t.equal(byModel[0], `model,${header}`)
  t.ok(byModel.includes(`gpt-4o-mini,3,0,151000,21000,0,0,0,0,0,${(listPriceUsd('gpt-4o-mini', 100_000, 20_000) + listPriceUsd('gpt-4o-mini', 50_000, 0) + listPriceUsd('gpt-4o-mini', 1000, 1000)).toFixed(6)}`))
  const byKey = (await usage(s, cookie, `${range}&group_by=key`, { accept: 'text/csv' })).body.split('\r\n')
  t.equal(byKey[0], `key_id,key_name,${header}`)
  t.match(byKey[1], new RegExp(`^${a.id},"'=HYPERLINK`))
  t.match((await usage(s, cookie, `${range}&format=json`, { accept: 'text/csv' })).headers['content-type'], /json/, 'format=json wins over Accept')
})

t.test('the range: 30 days to today by default; bad days, from after to, unknown fields refused naming the field', async (t) => {
  const { s, cookie } = await clocked(t)
  t.match((await usage(s, cookie)).json(), { from: '2024-12-16', to: '2025-01-14', group_by: 'day' }, 'the last 30 days, today included')
  t.equal((await usage(s, cookie)).json().data.length, 30)
  const cases: Array<[string, string]> = [
    ['?from=2025-02-30&to=2025-03-01', 'from'],
    ['?from=2025-01-01&to=2025-13-01', 'to'],
    ['?from=20250101', 'from'],
    ['?from=2025-01-10&to=2025-01-09', 'from'],
    ['?from=2020-01-01&to=2025-01-01', 'from'],
    ['?group_by=week', 'group_by'],
    ['?format=xml', 'format'],
    ['?keyid=x', 'keyid']
  ]
  for (const [query, param] of cases) {
    const res = await usage(s, cookie, query)
    t.equal(res.statusCode, 400, `${query}: 400`)
    t.equal(res.json().error.param, param, `${query}: names ${param}`)
  }
  t.equal((await s.app.inject({ url: '/v1/usage' })).statusCode, 401, 'no session: 401')
  t.equal((await s.app.inject({ url: '/v1/audit' })).statusCode, 401)
})

t.test("another user's usage and audit are never shown, even asked by key id", async (t) => {
  const { s, clock, cookie } = await clocked(t)
  const { a } = await history(s, clock, cookie)
  const bob = await signIn(s.app, BOB)
  const mine = (await usage(s, bob, '?from=2025-01-01&to=2025-01-31&group_by=key')).json()
  t.same(mine.totals, ZERO, 'nothing of alice in bob\'s totals')
  t.same(mine.data, [])
  t.same(mine.keys, {})
  const asked = (await usage(s, bob, `?from=2025-01-01&to=2025-01-31&key_id=${a.id}&format=csv`)).body
  t.notMatch(asked, new RegExp(a.id), "bob's CSV holds nothing of alice's key")
  const aliceAudit = (await s.app.inject({ url: '/v1/audit', headers: { cookie } })).json().data
  const bobAudit = (await s.app.inject({ url: '/v1/audit', headers: { cookie: bob } })).json()
  t.same(bobAudit.data.map((e: { action: string }) => e.action), ['user.signed_in'], 'bob sees only his sign-in')
  t.notMatch(JSON.stringify(bobAudit), a.id)
  const before = await s.app.inject({ url: `/v1/audit?before=${aliceAudit[0].id}`, headers: { cookie: bob } })
  t.same(before.json().data, [], "alice's entry id shows bob nothing")
})

t.test('audit: sign-in and every key change, newest first, with address and user agent, never a secret', async (t) => {
  const { s, clock, cookie: first } = await clocked(t)
  const headers = { 'user-agent': 'audit-test/1.0' }
  const remoteAddress = '203.0.113.7'
  const signin = await s.app.inject({ method: 'POST', url: '/auth/puter/signin', headers, remoteAddress, payload: { token: ALICE } })
  const cookie = `pks_session=${signin.cookies.find((c) => c.name === 'pks_session')!.value}`
  const req = (method: 'POST' | 'GET' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    s.app.inject({ method, url, headers: { ...headers, cookie }, remoteAddress, ...(payload ? { payload } : {}) })
  const created = (await req('POST', '/v1/keys', { name: 'audited' })).json()
  clock.ms += 1000
  await req('GET', `/v1/keys/${created.id}/reveal`)
  await req('PATCH', `/v1/keys/${created.id}`, { name: 'renamed', limits: { rpm: 5 }, disabled: true })
  await req('PATCH', `/v1/keys/${created.id}`, { disabled: false })
  await req('PATCH', `/v1/keys/${created.id}`, { disabled: true })
  const rotated = (await req('POST', `/v1/keys/${created.id}/rotate`, { graceSeconds: 60 })).json()
  await req('DELETE', `/v1/keys/${created.id}`)
  const res = await s.app.inject({ url: '/v1/audit', headers: { cookie: first } })
  t.equal(res.statusCode, 200)
  const { data, has_more: hasMore, next_before: nextBefore } = res.json()
  t.same([hasMore, nextBefore], [false, null])
  t.match(data, [
    { action: 'key.revoked', keyId: created.id, keyName: 'renamed' },
    { action: 'key.rotated', keyId: created.id, graceSeconds: 60 },
    { action: 'key.disabled', keyId: created.id, fields: undefined },
    { action: 'key.enabled', keyId: created.id, fields: undefined },
    { action: 'key.updated', keyId: created.id, fields: ['disabled', 'limits', 'name'] },
    { action: 'key.revealed', keyId: created.id },
    { action: 'key.created', keyId: created.id, keyName: 'audited' },
    { action: 'user.signed_in' },
    { action: 'user.signed_in' }
  ], 'newest first')
  t.equal(data.length, 9)
  for (const e of data.slice(0, 8)) t.match(e, { id: String, at: String, ip: remoteAddress, userAgent: 'audit-test/1.0' }, `${e.action}: address and user agent`)
  t.ok(Date.parse(data[0].at) >= Date.parse(data[6].at) && Date.parse(data[6].at) > Date.parse(data[8].at) - 1, 'times run backwards')
  for (const secret of [created.key, rotated.key, ALICE, cookie.split('=')[1]]) t.notOk(res.body.includes(secret), 'no key, Puter token or session in the audit')
})

t.test('audit pages: limit and before, has_more and next_before, to the last page', async (t) => {
  const { s, cookie } = await clocked(t)
  for (let i = 0; i < 4; i++) await createKey(s.app, cookie, `k${i}`)
  const whole = await s.app.inject({ url: '/v1/audit?limit=200', headers: { cookie } })
  t.equal(whole.statusCode, 200, `a limit in the query string is accepted (${whole.body.slice(0, 120)})`)
  if (whole.statusCode !== 200) return
  const all = whole.json().data
  t.equal(all.length, 5, 'four keys and a sign-in')
  const seen: string[] = []
  let before: string | null = null
  let pages = 0
  do {
    const page: any = (await s.app.inject({ url: `/v1/audit?limit=2${before ? `&before=${before}` : ''}`, headers: { cookie } })).json()
    pages++
    seen.push(...page.data.map((e: { id: string }) => e.id))
    t.equal(page.has_more, seen.length < 5, `page ${pages}: has_more`)
    t.equal(page.next_before, page.has_more ? page.data.at(-1).id : null, `page ${pages}: next_before`)
    before = page.next_before
  } while (before !== null && pages < 10)
  t.equal(pages, 3)
  t.same(seen, all.map((e: { id: string }) => e.id), 'every entry once, in order')
  for (const bad of ['limit=0', 'limit=201', 'limit=x', 'page=2']) {
    t.equal((await s.app.inject({ url: `/v1/audit?${bad}`, headers: { cookie } })).statusCode, 400, `${bad}: 400`)
  }
})

t.test('usage and the audit trail survive a restart', async (t) => {
  const { s, clock, cookie } = await clocked(t)
  await history(s, clock, cookie)
  const query = '?from=2025-01-01&to=2025-01-31&group_by=key'
  const before = (await usage(s, cookie, query)).json()
  const audit = (await s.app.inject({ url: '/v1/audit', headers: { cookie } })).json()
  t.equal(before.totals.requests, 4)
  await s.restart()
  t.same((await usage(s, cookie, query)).json(), before, 'usage, written on close')
  t.same((await s.app.inject({ url: '/v1/audit', headers: { cookie } })).json(), audit, 'audit')
})
