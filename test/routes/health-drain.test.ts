// src/server.ts on SIGTERM: /health/ready answers 503 draining for DRAIN_SECONDS while every other route is still
// served, then the server closes and exits 0; with DRAIN_SECONDS unset on loopback it closes at once.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigSchema } from '../../src/config.ts'
import { TEST_SECRET, tempDir } from '../helper.ts'

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')

async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

const status = (url: string) => fetch(url).then((r) => r.status, () => 0)

/** Starts the server with `env` and waits until it answers /health; its exit and its log. */
async function start (t: Parameters<typeof tempDir>[0], env: Record<string, string>) {
  const dir = await tempDir(t)
  const port = await freePort()
  const inherited: NodeJS.ProcessEnv = { ...process.env }
  for (const name of [...Object.keys(ConfigSchema.properties), 'NODE_OPTIONS']) delete inherited[name]
  const child = spawn(process.execPath, [`--import=${TSX}`, SERVER], {
    cwd: dir,
    env: { ...inherited, DATA_FILE: join(dir, 'store.json'), APP_SECRET: TEST_SECRET, PUTER_API_ORIGIN: 'http://127.0.0.1:9', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let log = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { log += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { log += s })
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  while (await status(`${base}/health`) !== 200) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start: ${log}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { child, exited, base, log: () => log }
}

t.test('SIGTERM with DRAIN_SECONDS=2: ready 503 draining while requests are served, then exit 0', async (t) => {
  const s = await start(t, { DRAIN_SECONDS: '2' })
  t.equal(await status(`${s.base}/health/ready`), 200, 'ready before')
  const signalled = Date.now()
  s.child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 300))
  const ready = await fetch(`${s.base}/health/ready`)
  t.equal(ready.status, 503)
  t.same(await ready.json(), { status: 'draining' })
  t.equal(await status(`${s.base}/health`), 200, 'other routes still answered while draining')
  const [code] = await s.exited
  t.equal(code, 0, 'a clean exit')
  t.ok(Date.now() - signalled >= 1900, 'after the drain')
  t.match(s.log(), /shutting down: draining first/)
})

t.test('DRAIN_SECONDS unset on a loopback HOST: SIGTERM closes at once', async (t) => {
  const s = await start(t, {})
  const signalled = Date.now()
  s.child.kill('SIGTERM')
  const [code] = await s.exited
  t.equal(code, 0)
  t.ok(Date.now() - signalled < 1500, `closed without a drain (${Date.now() - signalled} ms)`)
})
