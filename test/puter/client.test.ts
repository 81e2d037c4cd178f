// The Puter client against the fake Puter: whoami for user and app tokens, app uids, the model catalogue, raw
// driver calls (plain, streamed, aborted), network failures and timeouts, and the connection cap.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { createPuterClient, PuterHttpError, PuterNetworkError } from '../../src/puter/client.ts'
import { PUBLIC_MODEL_DETAILS } from '../fake-puter/catalog.ts'
import { ALICE, fakePuter } from '../helper.ts'

type Tap = Parameters<typeof fakePuter>[0]

const CHAT = { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete' }
const HI = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }

function client (t: Tap, origin: string, opts: { timeoutMs?: number, maxConnections?: number } = {}) {
  const c = createPuterClient({ origin, connectTimeoutMs: 2000, timeoutMs: opts.timeoutMs ?? 10_000, maxConnections: opts.maxConnections })
  t.teardown(() => c.close())
  return c
}

t.test('whoami: a user token is the person, an app token names its app, a bad token is a PuterHttpError', async (t) => {
  const fake = await fakePuter(t)
  const puter = client(t, fake.url)
  t.match(await puter.whoami(ALICE), { username: 'alice', uuid: '11111111-1111-4111-8111-111111111111', is_user_token: true })

  const app = await puter.whoami(fake.appToken('alice', 'https://x.example'))
  t.match(app, { username: 'alice', app_name: fake.appUidFor('https://x.example') })
  t.notOk('is_user_token' in app, 'an app token is not a user token')

  const err = await puter.whoami('not-a-token').catch((e: unknown) => e)
  t.ok(err instanceof PuterHttpError, 'PuterHttpError')
  t.match(err, { statusCode: 401, body: { code: 'token_auth_failed' } })
  t.equal(fake.calls.find((c) => c.path === '/whoami')?.headers.authorization, `Bearer ${ALICE}`, 'the token is sent as a Bearer token')
})

t.test("appUidFromOrigin is Puter's app uid for that origin", async (t) => {
  const fake = await fakePuter(t)
  const puter = client(t, fake.url)
  t.equal(await puter.appUidFromOrigin(ALICE, 'https://x.example'), fake.appUidFor('https://x.example'))
  t.not(await puter.appUidFromOrigin(ALICE, 'https://y.example'), fake.appUidFor('https://x.example'), 'another origin, another app')
})

t.test('modelDetails returns the public catalogue; an error status is a PuterHttpError', async (t) => {
  const fake = await fakePuter(t)
  const puter = client(t, fake.url)
  const models = await puter.modelDetails()
  t.same(models.map((m) => m.id), PUBLIC_MODEL_DETAILS.map((m) => m.id))
  fake.setModelsDown(true)
  await t.rejects(puter.modelDetails(), { name: 'PuterHttpError', statusCode: 500 })
})

t.test('driverCall returns the raw response of a plain call', async (t) => {
  const fake = await fakePuter(t)
  const puter = client(t, fake.url)
  const res = await puter.driverCall(ALICE, { ...CHAT, args: HI })
  t.equal(res.statusCode, 200)
  t.match(await puter.readJson(res), { success: true, result: { message: { content: 'Echo: hi' } } })
  t.match(fake.calls.at(-1), { path: '/drivers/call', headers: { authorization: `Bearer ${ALICE}` }, body: { ...CHAT, args: HI } })
})

t.test('driverCall returns a streamed answer as it comes, for the caller to read', async (t) => {
  const fake = await fakePuter(t)
  const puter = client(t, fake.url)
  const res = await puter.driverCall(ALICE, { ...CHAT, args: { ...HI, stream: true } })
  t.match(res.headers['content-type'], 'application/x-ndjson')
  const lines = (await res.body.text()).trim().split('\n').map((l) => JSON.parse(l))
  t.match(lines.at(-1), { type: 'usage' })
  const text = lines.filter((l) => l.type === 'text').map((l) => l.text).join('')
  t.match(text, /^Echo: hi/)
})

t.test('aborting the signal tears the upstream request down', async (t) => {
  const fake = await fakePuter(t)
  const puter = client(t, fake.url)
  fake.enqueue({ kind: 'hang' })
  const controller = new AbortController()
  const call = puter.driverCall(ALICE, { ...CHAT, args: HI }, controller.signal)
  while (!fake.calls.some((c) => c.path === '/drivers/call')) await sleep(5)
  controller.abort()
  await t.rejects(call, 'the call rejects')
  const err = await call.catch((e: unknown) => e)
  t.notOk(err instanceof PuterNetworkError, 'an abort is not a network failure')
  await fake.waitForAbort()
  t.equal(fake.aborts, 1, 'the fake saw the client go away')
})

t.test('an unreachable origin is a PuterNetworkError, not a timeout', async (t) => {
  const fake = await fakePuter(t)
  await fake.close()
  const puter = client(t, fake.url)
  const err = await puter.whoami(ALICE).catch((e: unknown) => e)
  t.ok(err instanceof PuterNetworkError, 'PuterNetworkError')
  t.match(err, { timedOut: false, message: 'Puter could not be reached' })
  await t.rejects(puter.modelDetails(), { name: 'PuterNetworkError', timedOut: false })
})

t.test('no answer within timeoutMs is a PuterNetworkError with timedOut', async (t) => {
  const fake = await fakePuter(t)
  const puter = client(t, fake.url, { timeoutMs: 200 })
  fake.enqueue({ kind: 'hang' })
  const started = Date.now()
  const err = await puter.driverCall(ALICE, { ...CHAT, args: HI }).catch((e: unknown) => e)
  t.ok(err instanceof PuterNetworkError, 'PuterNetworkError')
  t.match(err, { timedOut: true, message: 'Puter did not answer in time' })
  t.ok(Date.now() - started < 5000, 'it gave up near the timeout')
})

t.test('maxConnections caps the calls open at Puter at once; further calls queue', async (t) => {
  for (const max of [1, 2]) {
    const fake = await fakePuter(t)
    const puter = client(t, fake.url, { maxConnections: max })
    fake.enqueue({ kind: 'delay', ms: 200 })
    fake.enqueue({ kind: 'delay', ms: 200 })
    const answers = await Promise.all([1, 2].map(() => puter.driverCall(ALICE, { ...CHAT, args: HI }).then((res) => puter.readJson(res))))
    t.match(answers, [{ success: true }, { success: true }], `maxConnections ${max}: both calls answered`)
    t.equal(fake.peakActive, max, `maxConnections ${max}: at most ${max} open at once`)
  }
})
