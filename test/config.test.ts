// Configuration: defaults, coercion, and a bad value stops the start naming the variable.
import t from 'tap'
import { loadConfig } from '../src/config.ts'
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
