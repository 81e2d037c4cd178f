// A key's settings through the key API: created with them, shown with its state and spend, changed by PATCH,
// validated field by field, rotated with a grace period, kept across restarts, and never reachable by another user.
import t from 'tap'
import { BOB, createKey, setup, setupWithKey, signIn } from '../helper.ts'
import type { Setup } from '../helper.ts'
import { SETTING_LIMITS } from '../../src/store/records.ts'

const T0 = Date.parse('2025-01-15T10:00:00.000Z') // a Wednesday
const iso = (ms: number) => new Date(ms).toISOString()
const HOUR = 3_600_000

/** A clock the test moves by hand; sessions last a year so moving it never signs anyone out. */
function manualClock (start = T0) {
  const clock = { ms: start, now: () => clock.ms }
  return clock
}
const LONG_SESSIONS = { SESSION_TTL_HOURS: 8760 }

const SETTINGS = {
  name: 'ci bot',
  expiresAt: iso(T0 + 30 * 24 * HOUR),
  disabled: false,
  allowedModels: ['gpt-4o-mini', 'claude-*'],
  limits: { rpm: 60, concurrency: 2 },
  budget: { usd: 5, period: 'day' }
}

async function getKey (s: Setup, cookie: string, id: string) {
  return s.app.inject({ url: `/v1/keys/${id}`, headers: { cookie } })
}

function patch (s: Setup, cookie: string, id: string, payload: unknown) {
  return s.app.inject({ method: 'PATCH', url: `/v1/keys/${id}`, headers: { cookie }, payload: payload as object })
}

/** An AI request with a key: the model list, the cheapest route that goes through the key guard. */
function models (s: Setup, key: string) {
  return s.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${key}` } })
}

t.test('a key is created with every setting; GET and the list show them, its state and its spend this period', async (t) => {
  const clock = manualClock()
  const s = await setup(t, { now: clock.now })
  const cookie = await signIn(s.app)
  const res = await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: SETTINGS })
  t.equal(res.statusCode, 201, res.body)
  const { id, key } = res.json()
  const expected = {
    id,
    name: 'ci bot',
    state: 'active',
    expiresAt: SETTINGS.expiresAt,
    disabled: false,
    allowedModels: ['gpt-4o-mini', 'claude-*'],
    limits: { rpm: 60, concurrency: 2 },
    budget: { usd: 5, period: 'day' },
    spend: { usd: 0, period: 'day', periodStart: '2025-01-15T00:00:00.000Z', resetsAt: '2025-01-16T00:00:00.000Z' },
    rotatedSecretExpiresAt: null
  }
  const one = await getKey(s, cookie, id)
  t.equal(one.statusCode, 200)
  t.match(one.json(), expected, 'GET /v1/keys/{id}')
  t.notOk(one.body.includes(key), 'never the secret')
  t.match((await s.app.inject({ url: '/v1/keys', headers: { cookie } })).json().data, [expected], 'the list')
})

t.test('a key created without settings never expires, is enabled, allows every model and has no limits or budget', async (t) => {
  const s = await setupWithKey(t)
  const k = (await getKey(s, s.cookie, s.keyId)).json()
  t.match(k, {
    state: 'active',
    expiresAt: null,
    disabled: false,
    allowedModels: [],
    limits: { rpm: null, concurrency: null },
    budget: null,
    spend: { usd: 0, period: 'total', periodStart: null, resetsAt: null },
    rotatedSecretExpiresAt: null
  })
})

t.test('PATCH changes the name and any setting; what is left out stays; null clears', async (t) => {
  const clock = manualClock()
  const s = await setup(t, { now: clock.now })
  const cookie = await signIn(s.app)
  const { id } = (await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: SETTINGS })).json()
  const steps: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['the name only', { name: 'renamed' }, { ...SETTINGS, name: 'renamed' }],
    ['one limit keeps the other', { limits: { rpm: 10 } }, { limits: { rpm: 10, concurrency: 2 } }],
    ['a limit cleared', { limits: { concurrency: null } }, { limits: { rpm: 10, concurrency: null } }],
    ['allowed models replaced', { allowedModels: ['gemini-*'] }, { allowedModels: ['gemini-*'], name: 'renamed' }],
    ['every model again', { allowedModels: [] }, { allowedModels: [] }],
    ['budget period changed', { budget: { usd: 20, period: 'month' } }, { budget: { usd: 20, period: 'month' }, spend: { period: 'month', periodStart: '2025-01-01T00:00:00.000Z', resetsAt: '2025-02-01T00:00:00.000Z' } }],
    ['budget cleared', { budget: null }, { budget: null, spend: { period: 'total' } }],
    ['expiry moved', { expiresAt: iso(T0 + HOUR) }, { expiresAt: iso(T0 + HOUR) }],
    ['expiry cleared', { expiresAt: null }, { expiresAt: null }],
    ['disabled', { disabled: true }, { disabled: true, state: 'disabled' }],
    ['enabled with several fields at once', { disabled: false, name: 'again', limits: { rpm: null } }, { disabled: false, state: 'active', name: 'again', limits: { rpm: null, concurrency: null } }]
  ]
  for (const [name, body, expected] of steps) {
    const res = await patch(s, cookie, id, body)
    t.equal(res.statusCode, 200, `${name}: 200 ${res.statusCode === 200 ? '' : res.body}`)
    t.match(res.json(), expected, `${name}: answered`)
    t.match((await getKey(s, cookie, id)).json(), expected, `${name}: stored`)
  }
  t.match((await getKey(s, cookie, id)).json(), { name: 'again', budget: null, expiresAt: null, allowedModels: [], limits: { rpm: null, concurrency: null }, disabled: false })
  const empty = await patch(s, cookie, id, {})
  t.equal(empty.statusCode, 400, 'an empty PATCH changes nothing and says so')
})

t.test('state follows the settings and the clock: disabled, expired (at the expiry instant), active', async (t) => {
  const clock = manualClock()
  const s = await setup(t, { now: clock.now, config: LONG_SESSIONS })
  const cookie = await signIn(s.app)
  const { id } = (await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: { expiresAt: iso(T0 + HOUR) } })).json()
  const state = async () => (await getKey(s, cookie, id)).json().state
  t.equal(await state(), 'active')
  clock.ms = T0 + HOUR - 1
  t.equal(await state(), 'active', '1 ms before the expiry')
  clock.ms = T0 + HOUR
  t.equal(await state(), 'expired', 'at the expiry')
  t.equal((await s.app.inject({ url: '/v1/keys', headers: { cookie } })).json().data[0].state, 'expired', 'in the list too')
  t.equal((await patch(s, cookie, id, { disabled: true })).json().state, 'disabled', 'disabled wins over expired')
})

t.test('invalid settings: 400 naming the field (error.param), on create and on change, and nothing changes', async (t) => {
  const clock = manualClock()
  const s = await setupWithKey(t, { now: clock.now })
  const before = (await getKey(s, s.cookie, s.keyId)).json()
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown top-level field', { expires: iso(T0 + HOUR) }, 'expires'],
    ['unknown field in limits', { limits: { rpmm: 5 } }, 'limits.rpmm'],
    ['unknown field in budget', { budget: { usd: 1, period: 'day', currency: 'eur' } }, 'budget.currency'],
    ['negative rpm', { limits: { rpm: -1 } }, 'limits.rpm'],
    ['zero rpm', { limits: { rpm: 0 } }, 'limits.rpm'],
    ['fractional rpm', { limits: { rpm: 1.5 } }, 'limits.rpm'],
    ['rpm over the max', { limits: { rpm: SETTING_LIMITS.rpm + 1 } }, 'limits.rpm'],
    ['negative concurrency', { limits: { concurrency: -2 } }, 'limits.concurrency'],
    ['concurrency over the max', { limits: { concurrency: SETTING_LIMITS.concurrency + 1 } }, 'limits.concurrency'],
    ['negative budget', { budget: { usd: -1, period: 'day' } }, 'budget.usd'],
    ['zero budget', { budget: { usd: 0, period: 'day' } }, 'budget.usd'],
    ['budget over the max', { budget: { usd: SETTING_LIMITS.budgetUsd + 1, period: 'day' } }, 'budget.usd'],
    ['budget without a period', { budget: { usd: 1 } }, 'budget.period'],
    ['unknown budget period', { budget: { usd: 1, period: 'year' } }, 'budget.period'],
    ['expiry in the past', { expiresAt: iso(T0 - 1000) }, 'expiresAt'],
    ['expiry now', { expiresAt: iso(T0) }, 'expiresAt'],
    ['expiry not a date', { expiresAt: 'tomorrow' }, 'expiresAt'],
    ['disabled not a boolean', { disabled: 'yes' }, 'disabled'],
    ['unbalanced glob', { allowedModels: ['gpt-4o-mini', 'claude-[ab'] }, 'allowedModels.1'],
    ['a space in a pattern', { allowedModels: ['claude *'] }, 'allowedModels.0'],
    ['empty pattern', { allowedModels: [''] }, 'allowedModels.0'],
    ['too many patterns', { allowedModels: Array.from({ length: 101 }, (_, i) => `m-${i}`) }, 'allowedModels']
  ]
  for (const [name, body, param] of cases) {
    for (const [method, url] of [['POST', '/v1/keys'], ['PATCH', `/v1/keys/${s.keyId}`]] as const) {
      const res = await s.app.inject({ method, url, headers: { cookie: s.cookie }, payload: body })
      t.equal(res.statusCode, 400, `${method} ${name}: 400`)
      t.match(res.json(), { error: { type: 'invalid_request_error', code: 'invalid_request', param, message: String } }, `${method} ${name}: names ${param}`)
    }
  }
  const after = await s.app.inject({ url: '/v1/keys', headers: { cookie: s.cookie } })
  t.equal(after.json().data.length, 1, 'no key was created')
  t.same(after.json().data[0], before, 'the key did not change')
})

t.test('rotation: a new secret; the old one works until its grace ends; settings, usage and history stay', async (t) => {
  const clock = manualClock()
  const s = await setup(t, { now: clock.now, config: LONG_SESSIONS })
  const cookie = await signIn(s.app)
  const { id, key: oldKey } = (await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: { ...SETTINGS, budget: null } })).json()
  t.equal((await models(s, oldKey)).statusCode, 200)
  const rotate = await s.app.inject({ method: 'POST', url: `/v1/keys/${id}/rotate`, headers: { cookie }, payload: { graceSeconds: 3600 } })
  t.equal(rotate.statusCode, 200, rotate.body)
  t.equal(rotate.headers['cache-control'], 'no-store')
  const rotated = rotate.json()
  t.match(rotated, { id, key: /^sk-/, rotatedSecretExpiresAt: iso(T0 + HOUR) })
  t.not(rotated.key, oldKey, 'a new secret')
  t.equal((await s.app.inject({ url: `/v1/keys/${id}/reveal`, headers: { cookie } })).json().key, rotated.key, 'reveal shows the new secret')

  clock.ms = T0 + HOUR - 1
  t.equal((await models(s, oldKey)).statusCode, 200, 'the old secret works 1 ms before the grace ends')
  t.equal((await models(s, rotated.key)).statusCode, 200, 'the new one works')
  t.equal((await getKey(s, cookie, id)).json().rotatedSecretExpiresAt, iso(T0 + HOUR))
  clock.ms = T0 + HOUR
  const refused = await models(s, oldKey)
  t.equal(refused.statusCode, 401, 'the old secret stops when the grace ends')
  t.equal(refused.json().error.code, 'invalid_api_key')
  t.equal((await models(s, rotated.key)).statusCode, 200, 'the new one still works')

  const k = (await getKey(s, cookie, id)).json()
  t.match(k, { name: 'ci bot', allowedModels: SETTINGS.allowedModels, limits: SETTINGS.limits, expiresAt: SETTINGS.expiresAt, rotatedSecretExpiresAt: null, requestCount: 4, errorCount: 0 }, 'settings and usage stay (a secret past its grace is no longer the key\'s: not counted)')
  const history = (await s.app.inject({ url: `/v1/keys/${id}/requests`, headers: { cookie } })).json().data
  t.equal(history.length, 4, 'the requests before the rotation are still listed')
})

t.test('rotation: graceSeconds 0 stops the old secret at once; a new rotation ends an earlier grace; bounds', async (t) => {
  const clock = manualClock()
  const s = await setup(t, { now: clock.now })
  const cookie = await signIn(s.app)
  const first = await createKey(s.app, cookie, 'k')
  const rotate = (payload?: object) => s.app.inject({ method: 'POST', url: `/v1/keys/${first.id}/rotate`, headers: { cookie }, ...(payload ? { payload } : {}) })
  const noGrace = await rotate({ graceSeconds: 0 })
  t.equal(noGrace.json().rotatedSecretExpiresAt, null)
  t.equal((await models(s, first.key)).statusCode, 401, 'graceSeconds 0: the old secret stops at once')
  const defaulted = await rotate()
  t.equal(defaulted.statusCode, 200, 'no body: grace 0')
  t.equal((await models(s, noGrace.json().key)).statusCode, 401, 'the default grace is 0')
  const graced = (await rotate({ graceSeconds: 7 * 86400 })).json()
  t.equal(graced.rotatedSecretExpiresAt, iso(T0 + 7 * 86400_000), 'seven days is the most')
  t.equal((await models(s, defaulted.json().key)).statusCode, 200, 'in its grace')
  const again = (await rotate({ graceSeconds: 60 })).json()
  t.equal((await models(s, defaulted.json().key)).statusCode, 401, 'a second rotation ends the grace of the secret rotated out before')
  t.equal((await models(s, graced.key)).statusCode, 200, 'the secret it replaced has the new grace')
  t.equal((await models(s, again.key)).statusCode, 200)
  for (const [name, body] of [['over 7 days', { graceSeconds: 7 * 86400 + 1 }], ['negative', { graceSeconds: -1 }], ['not an integer', { graceSeconds: 1.5 }], ['unknown field', { grace: 5 }]] as const) {
    const res = await rotate(body)
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.equal(res.json().error.param, Object.keys(body)[0], `${name}: names the field`)
  }
  t.equal((await models(s, again.key)).statusCode, 200, 'a refused rotation changed nothing')
})

t.test("another user's key cannot be seen, changed or rotated: 404, and it stays as it was", async (t) => {
  const s = await setupWithKey(t)
  const bob = await signIn(s.app, BOB)
  const before = (await getKey(s, s.cookie, s.keyId)).json()
  const attempts = [
    ['GET', `/v1/keys/${s.keyId}`, undefined],
    ['PATCH', `/v1/keys/${s.keyId}`, { disabled: true }],
    ['PATCH', `/v1/keys/${s.keyId}`, { name: 'pwned', allowedModels: ['none'] }],
    ['POST', `/v1/keys/${s.keyId}/rotate`, { graceSeconds: 0 }],
    ['GET', `/v1/keys/${s.keyId}/requests`, undefined]
  ] as const
  for (const [method, url, payload] of attempts) {
    const res = await s.app.inject({ method, url, headers: { cookie: bob }, ...(payload ? { payload } : {}) })
    t.equal(res.statusCode, 404, `${method} ${url}: 404`)
    t.equal(res.json().error.code, 'key_not_found', `${method} ${url}: as if it did not exist`)
    t.notOk(res.body.includes(s.key) || res.body.includes('"test"'), `${method} ${url}: nothing of the key`)
  }
  t.same((await s.app.inject({ url: '/v1/keys', headers: { cookie: bob } })).json().data, [], "not in bob's list")
  t.same((await getKey(s, s.cookie, s.keyId)).json(), before, 'unchanged')
  t.equal((await models(s, s.key)).statusCode, 200, 'the secret was not rotated')
})

t.test('settings survive a restart', async (t) => {
  const clock = manualClock()
  const s = await setup(t, { now: clock.now })
  const cookie = await signIn(s.app)
  const { id } = (await s.app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: SETTINGS })).json()
  await patch(s, cookie, id, { disabled: true, limits: { rpm: 7 } })
  const before = (await getKey(s, cookie, id)).json()
  await s.restart()
  t.same((await getKey(s, cookie, id)).json(), before)
  t.match(before, { disabled: true, limits: { rpm: 7, concurrency: 2 }, budget: SETTINGS.budget, allowedModels: SETTINGS.allowedModels, expiresAt: SETTINGS.expiresAt })
})
