// Test helpers: an app on a fresh temp data dir against the project's fake Puter, and sign-in.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { buildApp, type App } from '../src/app.ts'
import { loggerOptions } from '../src/logging.ts'
import { startFakePuter, type FakePuter } from './fake-puter/server.ts'

type Tap = { teardown: (fn: () => unknown) => void }

export const ALICE = 'fake-token-alice'
export const BOB = 'fake-token-bob'
export const TEST_SECRET = 'test-app-secret-0123456789abcdef'

export async function tempDir (t: Tap): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pks-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function fakePuter (t: Tap, opts?: Parameters<typeof startFakePuter>[0]): Promise<FakePuter> {
  const fake = await startFakePuter(opts)
  t.teardown(() => fake.close())
  return fake
}

export interface Setup {
  app: App
  fake: FakePuter
  dir: string
  config: Record<string, unknown>
  /** Log lines, when built with captureLogs. */
  logs: string[]
  /** Closes the app and builds a new one on the same data file and config. */
  restart: (overrides?: Record<string, unknown>) => Promise<App>
}

export async function setup (t: Tap, opts: { config?: Record<string, unknown>, fake?: FakePuter, dir?: string, captureLogs?: boolean, now?: () => number } = {}): Promise<Setup> {
  const fake = opts.fake ?? await fakePuter(t)
  const dir = opts.dir ?? await tempDir(t)
  const config: Record<string, unknown> = {
    DATA_FILE: join(dir, 'api-store.json'),
    APP_SECRET: TEST_SECRET,
    PUTER_API_ORIGIN: fake.url,
    LOG_LEVEL: 'silent',
    ...opts.config
  }
  const logs: string[] = []
  const logger = opts.captureLogs
    ? { ...loggerOptions('trace'), stream: new Writable({ write (chunk, _enc, cb) { logs.push(String(chunk)); cb() } }) }
    : false
  let app = await buildApp({ config, logger, now: opts.now })
  t.teardown(() => app.close())
  const result: Setup = {
    app,
    fake,
    dir,
    config,
    logs,
    async restart (overrides = {}) {
      await app.close()
      app = await buildApp({ config: { ...config, ...overrides }, logger, now: opts.now })
      result.app = app
      return app
    }
  }
  return result
}

/** Signs in through the API and returns the Cookie header value for later requests. */
export async function signIn (app: App, token = ALICE): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token } })
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
  const cookie = res.cookies.find((c) => c.name === 'pks_session')
  if (!cookie) throw new Error('no session cookie')
  return `pks_session=${cookie.value}`
}

/** Creates a key as the signed-in user and returns the API answer. */
export async function createKey (app: App, cookie: string, name?: string): Promise<{ id: string, key: string, name: string, preview: string, hasSecret: boolean }> {
  const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: name === undefined ? {} : { name } })
  if (res.statusCode !== 201) throw new Error(`key creation failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** An app with alice signed in and one key: the usual start of a gateway test. */
export async function setupWithKey (t: Tap, opts: Parameters<typeof setup>[1] = {}): Promise<Setup & { cookie: string, key: string, keyId: string }> {
  const s = await setup(t, opts)
  const cookie = await signIn(s.app)
  const k = await createKey(s.app, cookie, 'test')
  return Object.assign(s, { cookie, key: k.key, keyId: k.id })
}
