// Configuration: defaults, coercion, and a bad value stops the start with one line naming the variable, value and what is allowed.
import t from 'tap'
import Fastify from 'fastify'
import { loadConfig, trustProxyOption } from '../src/config.ts'
import { buildApp } from '../src/app.ts'

t.test('defaults match the documented values', async (t) => {
  const c = loadConfig({})
  t.equal(c.PORT, 3000)
  t.equal(c.HOST, '127.0.0.1')
  t.equal(c.PUTER_API_ORIGIN, 'https://api.puter.com')
  t.equal(c.SESSION_TTL_HOURS, 24)
  t.equal(c.DATA_FILE, 'data/api-store.json')
  t.equal(c.KEY_REVEAL, true)
  t.equal(c.TRUST_PROXY, 'false')
  t.equal(c.APP_SECRET, undefined)
})

t.test('string values from the environment are coerced', async (t) => {
  const c = loadConfig({ PORT: '8080', KEY_REVEAL: 'false', SESSION_TTL_HOURS: '0.5' })
  t.equal(c.PORT, 8080)
  t.equal(c.KEY_REVEAL, false)
  t.equal(c.SESSION_TTL_HOURS, 0.5)
})

t.test('a bad value stops the start with a message naming the variable', async (t) => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['PUTER_API_ORIGIN', { PUTER_API_ORIGIN: 'api.puter.com' }],
    ['SESSION_TTL_HOURS', { SESSION_TTL_HOURS: '0' }],
    ['KEY_REVEAL', { KEY_REVEAL: 'maybe' }],
    ['APP_SECRET', { APP_SECRET: 'short' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }]
  ]
  for (const [name, data] of cases) {
    t.throws(() => loadConfig(data), new RegExp(name), `${name}=${Object.values(data)[0]} is named`)
    await t.rejects(buildApp({ config: data, logger: false }), new RegExp(name), `${name}: buildApp refuses to start`)
  }
})

t.test('.env is read when present, and the environment wins over it', async (t) => {
  const dir = t.testdir({ '.env': 'PORT=4321\nKEY_REVEAL=false\n# a comment\nHOST=0.0.0.0\n' })
  t.chdir(dir)
  const saved = process.env.PORT
  t.teardown(() => { if (saved === undefined) delete process.env.PORT; else process.env.PORT = saved })
  delete process.env.PORT
  const fromFile = loadConfig({}, true)
  t.equal(fromFile.PORT, 4321)
  t.equal(fromFile.KEY_REVEAL, false)
  t.equal(fromFile.HOST, '0.0.0.0')
  process.env.PORT = '5555'
  t.equal(loadConfig({}, true).PORT, 5555, 'process.env overrides .env')
  t.equal(loadConfig({}, false).PORT, 3000, 'without useEnv neither is read')
})

t.test('each bad value is one line: the variable, its value and what is allowed', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL=verbose is not allowed; use one of fatal, error, warn, info, debug, trace, silent'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY=maybe is not allowed; use false, true, a hop count, or comma-separated proxy addresses/CIDRs (e.g. 1, or 10.0.0.1,192.168.0.0/16)'],
    [{ PORT: 'eighty' }, 'PORT=eighty is not allowed; use a whole number from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT=70000 is not allowed; use a whole number from 0 to 65535'],
    [{ SESSION_TTL_HOURS: '0' }, 'SESSION_TTL_HOURS=0 is not allowed; use a number above 0 and at most 8760'],
    [{ MAX_KEYS_PER_USER: '0' }, 'MAX_KEYS_PER_USER=0 is not allowed; use a whole number of at least 1'],
    [{ KEY_REVEAL: 'maybe' }, 'KEY_REVEAL=maybe is not allowed; use true or false'],
    [{ PUTER_API_ORIGIN: 'api.puter.com' }, 'PUTER_API_ORIGIN=api.puter.com is not allowed; use a value matching ^https?://[^/]+$'],
    [{ HOST: '' }, 'HOST="" is not allowed; use at least 1 character'],
    [{ LOG_LEVEL: 'warn ' }, 'LOG_LEVEL="warn " is not allowed; use one of fatal, error, warn, info, debug, trace, silent']
  ]
  for (const [data, line] of cases) {
    const [name, value] = Object.entries(data)[0]
    t.throws(() => loadConfig(data), { message: `Invalid configuration: ${line}` }, `${name}=${JSON.stringify(value)}`)
  }
})

t.test('a secret in a bad value is named, never printed', async (t) => {
  t.throws(() => loadConfig({ APP_SECRET: 'hunter2-short' }), { message: 'Invalid configuration: APP_SECRET (13 characters, not shown) is not allowed; use at least 16 characters' })
  t.throws(() => loadConfig({ PUTER_AUTH_TOKEN: '' }), { message: /^Invalid configuration: PUTER_AUTH_TOKEN \(0 characters, not shown\)/ })
})

t.test('several bad values: one line each, all at once', async (t) => {
  const err = t.throws(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', TRUST_PROXY: '10.0.0.0/33' })) as Error
  t.same(err.message.split('\n').map((l) => l.replace(/ is not allowed.*/, '')), [
    'Invalid configuration: PORT=x',
    'Invalid configuration: LOG_LEVEL=loud',
    'Invalid configuration: TRUST_PROXY=10.0.0.0/33'
  ])
})

t.test('TRUST_PROXY: the forms Fastify takes pass, and Fastify accepts them; others are refused at load', async (t) => {
  const good = ['false', 'true', 'TRUE', '', '0', '2', '10.0.0.1', '10.0.0.0/8, 192.168.1.0/24', '::1', 'fe80::/10', 'loopback,10.1.2.3', '::ffff:10.0.0.1']
  for (const value of good) {
    const c = loadConfig({ TRUST_PROXY: value })
    const app = Fastify({ trustProxy: trustProxyOption(c.TRUST_PROXY) })
    await t.resolves(async () => { await app.ready(); await app.close() }, `TRUST_PROXY=${JSON.stringify(value)} starts Fastify`)
  }
  const bad = ['maybe', 'yes', '-1', '1.5', '10.0.0.256', '10.0.0.0/0', '10.0.0.0/33', '::1/129', '10.0.0.1,', '10.0.0.1/8/8', '10.0.0.0/255.0.0.0', 'LOOPBACK']
  for (const value of bad) {
    t.throws(() => loadConfig({ TRUST_PROXY: value }), { message: /^Invalid configuration: TRUST_PROXY=.* is not allowed; use false, true, a hop count/ }, `TRUST_PROXY=${JSON.stringify(value)}`)
  }
})
