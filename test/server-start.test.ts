// src/server.ts as a user starts it: settings in .env reach the logger, and a start that cannot succeed says
// why in one line on stderr (variable, value, what to do), without a stack trace, and exits non-zero.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigSchema } from '../src/config.ts'
import { TEST_SECRET, tempDir } from './helper.ts'

type Tap = Parameters<typeof tempDir>[0]

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url))
// Absolute, because the server runs in a temp directory that has no node_modules.
const TSX = import.meta.resolve('tsx')
// A start must end (or answer) well within this.
const START_TIMEOUT_MS = 30_000

interface Exit { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/**
 * Runs `node --import tsx src/server.ts` in a fresh directory whose .env is `dotenv`. The environment is the
 * test's minus every configuration variable (and tap's NODE_OPTIONS), plus a temp DATA_FILE and `env`.
 */
async function startServer (t: Tap, { dotenv = '', env = {} }: { dotenv?: string, env?: Record<string, string> }) {
  // Not t.testdir(): it is one directory per test, and a test here runs several servers at once.
  const dir = await tempDir(t)
  await writeFile(join(dir, '.env'), dotenv)
  const inherited: NodeJS.ProcessEnv = { ...process.env }
  for (const name of [...Object.keys(ConfigSchema.properties), 'NODE_OPTIONS']) delete inherited[name]
  const child = spawn(process.execPath, [`--import=${TSX}`, SERVER], {
    cwd: dir,
    env: { ...inherited, DATA_FILE: join(dir, 'store.json'), APP_SECRET: TEST_SECRET, PUTER_API_ORIGIN: 'http://127.0.0.1:9', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS)
  const exited: Promise<Exit> = once(child, 'exit').then(([code, signal]) => {
    clearTimeout(timer)
    return { code, signal, stdout, stderr }
  })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, exited, stdout: () => stdout }
}

/** A loopback port that was free a moment ago. */
async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

/** Waits until the server answers /health (or gives up if it exits first). */
async function waitForHealth (base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    const status = await fetch(`${base}/health`).then((r) => r.status, () => 0)
    if (status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the server did not answer ${base}/health`)
}

/** The pino levels of the JSON log lines on stdout. */
function logLevels (stdout: string): number[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).level)
}

t.test('LOG_LEVEL in .env sets the log level; the environment wins over it', async (t) => {
  for (const [label, env, quiet] of [['.env alone', {}, true], ['environment LOG_LEVEL=info', { LOG_LEVEL: 'info' }, false]] as const) {
    const port = await freePort()
    const server = await startServer(t, { dotenv: `LOG_LEVEL=warn\nPORT=${port}\nHOST=127.0.0.1\n`, env })
    await waitForHealth(`http://127.0.0.1:${port}`, server.child)
    server.child.kill('SIGTERM')
    const { stdout } = await server.exited
    const levels = logLevels(stdout)
    if (quiet) {
      t.same(levels.filter((l) => l < 40), [], `${label}: no line below warn`)
      t.notMatch(stdout, /Server listening/, `${label}: no info "Server listening" line`)
    } else {
      t.match(stdout, /"level":30.*Server listening/, `${label}: info lines are logged`)
    }
  }
})

t.test('a start that cannot succeed: one line on stderr naming the problem, no stack trace, non-zero exit', async (t) => {
  const busy: Server = createServer().listen(0, '127.0.0.1')
  await once(busy, 'listening')
  t.teardown(() => { busy.close() })
  const busyPort = (busy.address() as AddressInfo).port

  const cases: Array<[string, { dotenv?: string, env?: Record<string, string> }, RegExp]> = [
    ['busy port', { env: { PORT: String(busyPort), HOST: '127.0.0.1' } }, new RegExp(`^PORT=${busyPort} is already in use on 127\\.0\\.0\\.1`)],
    ['HOST not of this machine', { env: { HOST: '999.1.1.1', PORT: '0' } }, /^HOST=999\.1\.1\.1 is not an address of this machine/],
    ['LOG_LEVEL=verbose in .env', { dotenv: 'LOG_LEVEL=verbose\n' }, /^Invalid configuration: LOG_LEVEL=verbose is not allowed; use one of fatal, error, warn, info, debug, trace, silent$/],
    ['TRUST_PROXY=maybe', { env: { TRUST_PROXY: 'maybe' } }, /^Invalid configuration: TRUST_PROXY=maybe is not allowed; use false, true, a hop count/]
  ]
  await Promise.all(cases.map(async ([label, opts, message]) => {
    const { code, signal, stdout, stderr } = await (await startServer(t, opts)).exited
    t.equal(signal, null, `${label}: exits by itself`)
    t.ok(code !== null && code !== 0, `${label}: non-zero exit (${code})`)
    const lines = stderr.trim().split('\n')
    t.equal(lines.length, 1, `${label}: one line on stderr`)
    t.match(lines[0], message, `${label}: says what is wrong and what to do`)
    t.notMatch(stderr + stdout, /^\s+at /m, `${label}: no stack frames`)
    t.notMatch(stdout, /"stack"/, `${label}: no stack in a log line either`)
  }))
})
