// `npm run bench`: the gateway against a minimal pass-through proxy (the floor), both in front of the fake Puter.
// Prints throughput, latency and time to first byte (plain and streaming) with gateway-to-floor ratios, the
// gateway's memory with 1,000 open streams, its file writes under load, and 1,000 concurrent key creations.
// Each figure is printed next to its target; the exit code is 0 whatever the figures, 1 when something broke
// (errors, non-2xx answers, a process that died).
//
// Env: BENCH_DURATION (seconds per measurement, default 10), BENCH_WARMUP (seconds, default 3; 2 below 10 s),
// BENCH_NO_PIN=1 (no taskset), BENCH_CPU_PROF=<dir> (gateway CPU profile of the throughput runs, written there),
// BENCH_KEY_SETUP=<name> (an extra step on the bench's key before the runs; see KEY_SETUPS, default plain),
// BENCH_DATABASE_URL=postgres://… (the gateway on the PostgreSQL store, in a schema of its own, instead of the JSON file;
// the report then counts database transactions per proxied request).
import autocannon, { type Result as CannonResult, type Instance as CannonInstance } from 'autocannon'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { setMaxListeners } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Pool, request } from 'undici'
import { buildApp } from '../src/app.ts'
import { benchDatabase, type BenchDatabase } from './pg.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const STARTED = performance.now()

function envNumber (name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`)
    process.exit(1)
  }
  return n
}

const DURATION_S = Math.round(envNumber('BENCH_DURATION', 10, 1, 120))
const WARMUP_S = Math.round(envNumber('BENCH_WARMUP', DURATION_S >= 10 ? 3 : 2, 0, 30))
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined
const CONNECTIONS = 50
const STREAM_TEXT_LINES = 18
const PACED_DELAY_MS = 20
const PACED_TEXT_LINES = 6
const TTFB_REQUESTS = 50
// Enough to get both processes past JIT warm-up: the paced pair runs on freshly started processes.
const TTFB_WARMUP_REQUESTS = 40
const OPEN_STREAMS = 1000
const SLOW_DELAY_MS = 1000
const SLOW_TEXT_LINES = 30
const KEY_CREATIONS = 1000
const USAGE_FLUSH_SECONDS = 10
const MAX_LATENCY_SAMPLES = 500_000
const PUTER_TOKEN = 'fake-token-alice'
const MODEL = 'gpt-4o-mini'

// Targets (ratios measured in the same run).
const TARGET_RPS_RATIO = 0.6
const TARGET_P99_RATIO = 1.5
const TARGET_TTFB_DELTA_MS = 2
const TARGET_RSS_MB = 250

const MESSAGES = [{ role: 'user', content: 'Say hello in a few words.' }]
const PLAIN_BODY = JSON.stringify({ model: MODEL, messages: MESSAGES })
const STREAM_BODY = JSON.stringify({ model: MODEL, messages: MESSAGES, stream: true })
const CHAT_PATH = '/v1/chat/completions'
// The other client APIs, streamed, over the same fake Puter stream: measured on the gateway only (the floor has no
// translation to compare with) and shown next to the chat stream's row.
const OTHER_STREAMS = [
  { label: 'messages stream', path: '/v1/messages', body: JSON.stringify({ model: MODEL, max_tokens: 256, messages: MESSAGES, stream: true }) },
  { label: 'responses stream', path: '/v1/responses', body: JSON.stringify({ model: MODEL, input: MESSAGES[0].content, stream: true, store: false }) }
] as const

/** Things that broke; any of them makes the exit code 1. */
const problems: string[] = []
const elapsed = () => ((performance.now() - STARTED) / 1000).toFixed(1)
const progress = (msg: string) => console.error(`[${elapsed().padStart(6)} s] ${msg}`)

// ---------------------------------------------------------------------------------------------------------------
// Pinning: this process (autocannon, probes) and the fake Puter on CPU 0, the server under test on CPU 1.

function setUpPinning (): boolean {
  if (process.env.BENCH_NO_PIN === '1') return false
  if (availableParallelism() < 2) return false
  try {
    execFileSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore', timeout: 5000 })
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore', timeout: 5000 })
    return true
  } catch {
    return false
  }
}

function clockTicks (): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
}

const VISIBLE_CPUS = availableParallelism() // before pinning narrows it to one
const PINNED = setUpPinning()
const CLK_TCK = clockTicks()

// ---------------------------------------------------------------------------------------------------------------
// Child processes

interface Child {
  name: string
  proc: ChildProcess
  pid: number
  tail: string[]
  exited: Promise<void>
  exitCode: number | null | undefined
  stopping: boolean
  onLine: Set<(line: string) => void>
  /** pino lines at warn (40) and above, for the gateway. */
  warnings: string[]
  /** pino lines at error (50) and above: how many, and the first. */
  errors: number
  firstError?: string
}

const children = new Set<Child>()
/** Every child ever started, for the error summary. */
const launched: Child[] = []
let interrupted = false
/** Set when a child process dies on its own; every later step stops at the next checkAlive(). */
let died: string | undefined

function checkAlive (): void {
  if (died) throw new Error(`stopping: ${died}`)
}

function launch (name: string, core: 0 | 1, script: string, env: Record<string, string>, nodeArgs: string[] = []): Child {
  const args = [...nodeArgs, '--import', 'tsx', join(ROOT, script)]
  const proc = PINNED
    ? spawn('taskset', ['-c', String(core), process.execPath, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  if (proc.pid === undefined) throw new Error(`could not start ${name}`)
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    tail: [],
    exited: new Promise((resolve) => proc.once('exit', () => resolve())),
    exitCode: undefined,
    stopping: false,
    onLine: new Set(),
    warnings: [],
    errors: 0
  }
  const take = (line: string) => {
    child.tail.push(line)
    if (child.tail.length > 50) child.tail.shift()
    if (line.startsWith('{"level":')) {
      const level = Number(/^\{"level":(\d+)/.exec(line)?.[1])
      if (level >= 40 && child.warnings.length < 100) child.warnings.push(line)
      if (level >= 50 && child.errors++ === 0) child.firstError = line.slice(0, 300)
    }
    for (const fn of child.onLine) fn(line)
  }
  createInterface({ input: proc.stdout! }).on('line', take)
  createInterface({ input: proc.stderr! }).on('line', take)
  proc.once('exit', (code, signal) => {
    child.exitCode = code
    children.delete(child)
    if (!child.stopping && !interrupted) {
      died ??= `${name} exited unexpectedly`
      currentCannon?.stop()
      problems.push(`${name} exited unexpectedly (code ${code}, signal ${signal}); last output:\n    ${child.tail.slice(-10).join('\n    ')}`)
    }
  })
  children.add(child)
  launched.push(child)
  return child
}

async function stopChild (child: Child | undefined): Promise<void> {
  if (!child || child.exitCode !== undefined) return
  child.stopping = true
  child.proc.kill('SIGTERM')
  const exited = await Promise.race([child.exited.then(() => true), sleep(15_000).then(() => false)])
  if (!exited) {
    child.proc.kill('SIGKILL')
    await Promise.race([child.exited, sleep(5_000)])
  }
}

/** The URL the floor prints as `BENCH_READY <url>`, or the fake Puter CLI as `Fake Puter listening on <url>`. */
function waitReady (child: Child, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${child.name} did not start within ${timeoutMs} ms:\n    ${child.tail.join('\n    ')}`)), timeoutMs)
    const onLine = (line: string) => {
      const m = /^(?:BENCH_READY|Fake Puter listening on) (\S+)/.exec(line)
      if (m) done(null, m[1])
    }
    const onExit = () => done(new Error(`${child.name} exited while starting:\n    ${child.tail.join('\n    ')}`))
    function done (err: Error | null, url?: string) {
      clearTimeout(timer)
      child.onLine.delete(onLine)
      child.proc.off('exit', onExit)
      if (err) reject(err)
      else resolve(url!)
    }
    child.onLine.add(onLine)
    child.proc.once('exit', onExit)
  })
}

async function freePort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = srv.address() as AddressInfo
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  return port
}

async function startFake (name: string, delayMs: number, lines: number): Promise<{ child: Child, url: string }> {
  const child = launch(name, 0, 'test/fake-puter/cli.ts', {
    FAKE_PUTER_PORT: '0',
    FAKE_PUTER_STREAM_DELAY_MS: String(delayMs),
    FAKE_PUTER_STREAM_TEXT_LINES: String(lines)
  })
  return { child, url: await waitReady(child) }
}

async function startFloor (name: string, upstream: string, key: string): Promise<{ child: Child, url: string }> {
  const child = launch(name, 1, 'bench/floor-proxy.ts', { FLOOR_UPSTREAM: upstream, FLOOR_KEYS: key, FLOOR_PUTER_TOKEN: PUTER_TOKEN, FLOOR_PORT: '0' })
  return { child, url: await waitReady(child) }
}

interface GatewayFiles { dataFile: string, appSecret: string, databaseUrl?: string }

async function startGateway (name: string, upstream: string, files: GatewayFiles, profile = false): Promise<{ child: Child, url: string }> {
  const port = await freePort()
  const nodeArgs = profile && CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : []
  const child = launch(name, 1, 'src/server.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_FILE: files.dataFile,
    ...(files.databaseUrl ? { DATABASE_URL: files.databaseUrl } : {}),
    APP_SECRET: files.appSecret,
    PUTER_API_ORIGIN: upstream,
    LOG_LEVEL: 'warn',
    USAGE_FLUSH_SECONDS: String(USAGE_FLUSH_SECONDS),
    TRUST_PROXY: 'false',
    // One key carries all the load (50 connections, then 1,000 open streams): lift the per-key in-flight cap,
    // and the cap on sockets to Puter, safety defaults, so the run measures the proxy and not the refusals.
    KEY_MAX_CONCURRENCY: '100000',
    PUTER_MAX_CONNECTIONS: '4000',
    // The fake Puter has no per-account limits: pin the adaptive ones far above the load (the queue's bookkeeping
    // still runs on every call), or the account's free-tier start (3 in flight) would be what is measured.
    PUTER_ACCOUNT_CONCURRENCY_MIN: '100000',
    PUTER_ACCOUNT_CONCURRENCY_MAX: '100000',
    PUTER_ACCOUNT_WINDOW_MIN: '10000000',
    PUTER_ACCOUNT_WINDOW_MAX: '10000000'
  }, nodeArgs)
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (let i = 0; i < 600 && Date.now() < deadline; i++) {
    if (child.exitCode !== undefined) break
    try {
      const res = await request(`${url}/health`, { headersTimeout: 2000, bodyTimeout: 2000 })
      await res.body.dump()
      if (res.statusCode === 200) return { child, url }
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  throw new Error(`${name} did not become healthy:\n    ${child.tail.join('\n    ')}`)
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

function rssKb (pid: number): { rss: number, hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: field('VmRSS'), hwm: field('VmHWM') }
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds (pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return NaN
  }
}

/** Busy and total jiffies per CPU from /proc/stat (busy excludes idle and iowait). */
function cpuTimes (): Array<{ busy: number, total: number }> {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n')
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => {
        const v = l.split(/\s+/).slice(1, 9).map(Number)
        const total = v.reduce((a, b) => a + b, 0)
        return { busy: total - v[3] - v[4], total }
      })
  } catch {
    return []
  }
}

/** Share of each CPU that was busy between two cpuTimes() readings. */
function busyShares (before: ReturnType<typeof cpuTimes>, after: ReturnType<typeof cpuTimes>): number[] {
  return after.map((a, i) => {
    const b = before[i]
    return b && a.total > b.total ? (a.busy - b.busy) / (a.total - b.total) : NaN
  })
}

function percentile (sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

interface LoadResult {
  rps: number
  p50: number
  p99: number
  ok: number
  sent: number
  errors: number
  timeouts: number
  non2xx: number
  acP50: number
  acP99: number
  serverCpu: number
  core0Cpu: number
  /** Server CPU time per completed request, in microseconds. */
  cpuPerRequestUs: number
  /** How busy each CPU was during the run, whoever used it. */
  cpuBusy: number[]
  seconds: number
}

let currentCannon: CannonInstance | undefined

async function cannon (label: string, url: string, key: string, body: string, seconds: number, server: Child, fake: Child, path: string = CHAT_PATH): Promise<LoadResult> {
  const latencies = new Float64Array(MAX_LATENCY_SAMPLES)
  let n = 0
  const cpu0 = { server: cpuSeconds(server.pid), fake: cpuSeconds(fake.pid), self: process.cpuUsage(), all: cpuTimes() }
  const t0 = performance.now()
  const result = await new Promise<CannonResult>((resolve, reject) => {
    const instance = autocannon({
      url: `${url}${path}`,
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
      connections: CONNECTIONS,
      pipelining: 1,
      duration: seconds,
      timeout: 10
    }, (err, res) => { if (err) reject(err); else resolve(res) })
    // autocannon's own histogram has 1 ms resolution; keep the exact response times as well.
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300 && n < latencies.length) latencies[n++] = ms
    })
    currentCannon = instance
  })
  currentCannon = undefined
  const wall = (performance.now() - t0) / 1000
  const cpuBusy = busyShares(cpu0.all, cpuTimes())
  const self = process.cpuUsage(cpu0.self)
  const serverSeconds = cpuSeconds(server.pid) - cpu0.server
  const sorted = latencies.slice(0, n).sort()
  const out: LoadResult = {
    rps: result.requests.average,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    ok: result['2xx'],
    sent: result.requests.sent,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    acP50: result.latency.p50,
    acP99: result.latency.p99,
    serverCpu: serverSeconds / wall,
    core0Cpu: ((self.user + self.system) / 1e6 + cpuSeconds(fake.pid) - cpu0.fake) / wall,
    // Requests still in flight when autocannon stops also used CPU; they are few (50) next to thousands.
    cpuPerRequestUs: (serverSeconds / Math.max(1, result['2xx'])) * 1e6,
    cpuBusy,
    seconds: result.duration
  }
  if (out.errors > 0 || out.timeouts > 0 || out.non2xx > 0) {
    problems.push(`${label}: ${out.errors} errors, ${out.timeouts} timeouts, ${out.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats)})`)
  }
  return out
}

interface Target { name: string, url: string, child: Child }

/** Warm-up, then the measured run. Returns the measured run and the requests the warm-up completed. */
async function measure (label: string, target: Target, key: string, body: string, fake: Child, path: string = CHAT_PATH): Promise<{ run: LoadResult, warmupOk: number }> {
  checkAlive()
  let warmupOk = 0
  if (WARMUP_S > 0) {
    progress(`${label}: warm-up ${WARMUP_S} s`)
    warmupOk = (await cannon(`${label} (warm-up)`, target.url, key, body, WARMUP_S, target.child, fake, path)).ok
  }
  progress(`${label}: ${CONNECTIONS} connections for ${DURATION_S} s`)
  checkAlive()
  const run = await cannon(label, target.url, key, body, DURATION_S, target.child, fake, path)
  checkAlive()
  progress(`${label}: ${fmt(run.rps, 0)} req/s, p50 ${fmt(run.p50, 2)} ms, p99 ${fmt(run.p99, 2)} ms, server CPU ${pct(run.serverCpu)} (${fmt(run.cpuPerRequestUs, 0)} µs/request)`)
  return { run, warmupOk }
}

interface TtfbResult { median: number, p99: number, totalMedian: number, count: number }

/**
 * Sequential requests over one keep-alive connection per target, alternating between the targets so that drift
 * hits both alike; timed from the send to the first body chunk, and to the end of the body.
 */
async function ttfbPair (label: string, targets: Target[], key: string, body: string, count: number): Promise<TtfbResult[]> {
  progress(`${label}: ${count} sequential requests per target`)
  const pools = targets.map((t) => new Pool(t.url, { connections: 1, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 }))
  const first: number[][] = targets.map(() => [])
  const total: number[][] = targets.map(() => [])
  let failures = 0
  try {
    for (let i = 0; i < TTFB_WARMUP_REQUESTS + count; i++) {
      checkAlive()
      for (let t = 0; t < targets.length; t++) {
        const t0 = performance.now()
        const res = await pools[t].request({ path: CHAT_PATH, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body })
        let firstAt = NaN
        let bytes = 0
        for await (const chunk of res.body) {
          if (bytes === 0) firstAt = performance.now() - t0
          bytes += (chunk as Buffer).length
        }
        const totalAt = performance.now() - t0
        if (res.statusCode !== 200 || bytes === 0) {
          problems.push(`${label}: ${targets[t].name} answered ${res.statusCode} with ${bytes} bytes`)
          if (++failures >= 3) throw new Error(`${label}: giving up after ${failures} failed requests`)
          continue
        }
        if (i >= TTFB_WARMUP_REQUESTS) {
          first[t].push(firstAt)
          total[t].push(totalAt)
        }
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()))
  }
  return targets.map((_, t) => {
    const f = first[t].sort((a, b) => a - b)
    const tot = total[t].sort((a, b) => a - b)
    return { median: percentile(f, 50), p99: percentile(f, 99), totalMedian: percentile(tot, 50), count: f.length }
  })
}

interface OpenStreamsResult { opened: number, failed: number, openMs: number, idle: { rss: number, hwm: number }, open: { rss: number, hwm: number }, afterClose: number }

/** Opens `count` concurrent streams, waits for every first byte, reads the server's RSS, then aborts them all. */
async function openStreams (label: string, target: Target, key: string, count: number): Promise<OpenStreamsResult> {
  checkAlive()
  // A few plain requests first, so that the idle figure includes the code paths a request loads.
  for (let i = 0; i < 20; i++) {
    const res = await request(`${target.url}${CHAT_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: PLAIN_BODY })
    await res.body.dump()
  }
  await sleep(1000)
  const idle = rssKb(target.child.pid)
  progress(`${label}: opening ${count} concurrent streams (idle RSS ${mb(idle.rss)} MB)`)
  const pool = new Pool(target.url, { connections: count, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000 })
  const abort = new AbortController()
  setMaxListeners(count + 10, abort.signal) // one abort listener per request
  let opened = 0
  let failed = 0
  const t0 = performance.now()
  let allOpen: () => void = () => {}
  const allOpenPromise = new Promise<void>((resolve) => { allOpen = resolve })
  const settle = () => { if (opened + failed === count) allOpen() }
  const tasks = Array.from({ length: count }, async () => {
    try {
      const res = await pool.request({ path: CHAT_PATH, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: STREAM_BODY, signal: abort.signal })
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`)
      let seen = false
      res.body.on('error', () => {})
      await new Promise<void>((resolve, reject) => {
        res.body.on('data', () => {
          if (!seen) {
            seen = true
            opened++
            settle()
          }
        })
        res.body.once('end', resolve)
        res.body.once('error', reject)
      })
    } catch (err) {
      if (!abort.signal.aborted) {
        failed++
        settle()
        if (failed <= 3) problems.push(`${label}: a stream failed: ${(err as Error).message}`)
      }
    }
  })
  await Promise.race([allOpenPromise, sleep(30_000)])
  const openMs = performance.now() - t0
  await sleep(1000)
  const open = rssKb(target.child.pid)
  if (opened < count) problems.push(`${label}: only ${opened} of ${count} streams got their first bytes (${failed} failed)`)
  progress(`${label}: ${opened} streams open after ${fmt(openMs, 0)} ms, RSS ${mb(open.rss)} MB; aborting them`)
  abort.abort()
  await Promise.race([Promise.allSettled(tasks), sleep(10_000)])
  await pool.destroy()
  await sleep(2000)
  return { opened, failed, openMs, idle, open, afterClose: rssKb(target.child.pid).rss }
}

interface KeyCreationResult { wallMs: number, writes: number, created: number, keysInFile: number, statuses: Record<string, number> }

/** In-process: sign in with inject, then fire `count` POST /v1/keys at once. */
async function keyCreations (dir: string, upstream: string, count: number): Promise<KeyCreationResult> {
  checkAlive()
  progress(`key creations: ${count} concurrent POST /v1/keys (in-process, app.inject)`)
  const dataFile = join(dir, 'keys-store.json')
  const app = await buildApp({
    config: { DATA_FILE: dataFile, APP_SECRET: randomBytes(24).toString('base64url'), PUTER_API_ORIGIN: upstream, LOG_LEVEL: 'silent', MAX_KEYS_PER_USER: count },
    logger: false
  })
  try {
    await app.ready()
    const signin = await app.inject({ method: 'POST', url: '/auth/puter/signin', payload: { token: PUTER_TOKEN } })
    const session = signin.cookies.find((c) => c.name === 'pks_session')
    if (signin.statusCode !== 200 || !session) throw new Error(`in-process sign-in failed: ${signin.statusCode} ${signin.body}`)
    const cookie = `pks_session=${session.value}`
    const writesBefore = app.store.stats.writes
    const t0 = performance.now()
    const responses = await Promise.all(Array.from({ length: count }, () =>
      app.inject({ method: 'POST', url: '/v1/keys', headers: { cookie }, payload: {} })))
    const wallMs = performance.now() - t0
    const writes = app.store.stats.writes - writesBefore
    const statuses: Record<string, number> = {}
    for (const r of responses) statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1
    const created = statuses[201] ?? 0
    const doc = JSON.parse(await readFile(dataFile, 'utf8')) as { keys: Record<string, unknown> }
    const keysInFile = Object.keys(doc.keys).length
    if (created !== count) problems.push(`key creations: ${created} of ${count} answered 201 (${JSON.stringify(statuses)})`)
    if (keysInFile !== count) problems.push(`key creations: the data file holds ${keysInFile} keys, expected ${count}`)
    return { wallMs, writes, created, keysInFile, statuses }
  } finally {
    await app.close()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sign-in, key, sanity checks

/** The key the load runs use, just created: what a setup step needs to change it through the dashboard API. */
interface BenchKey { gateway: string, cookie: string, id: string, key: string }
/** An extra step after the key is created (limits, a budget), so the same run can be repeated with another key. */
type KeySetup = (key: BenchKey) => Promise<void>

/**
 * Key setups by name, chosen with BENCH_KEY_SETUP (default `plain`: the key as created). `limited` sets every
 * setting a key has (expiry, allowed models, rpm, concurrency, a budget), each high enough never to refuse a bench
 * request, so the run measures their bookkeeping on every request (the checks, the rpm window, the spend look-up,
 * usage per model and the recent-requests ring), not refusals.
 */
const KEY_SETUPS: Record<string, KeySetup> = {
  plain: async () => {},
  limited: (k) => patchKey(k, {
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    allowedModels: ['gpt-4o*', 'claude-*'],
    limits: { rpm: 1_000_000, concurrency: 1000 },
    budget: { usd: 1_000_000, period: 'month' }
  })
}
const KEY_SETUP = process.env.BENCH_KEY_SETUP || 'plain'
if (!Object.hasOwn(KEY_SETUPS, KEY_SETUP)) {
  console.error(`BENCH_KEY_SETUP must be one of ${Object.keys(KEY_SETUPS).join(', ')}, got ${JSON.stringify(KEY_SETUP)}`)
  process.exit(1)
}

/** PATCH /v1/keys/{id} with `body` as the key's owner; throws unless it answers 200. For KEY_SETUPS entries. */
export async function patchKey (k: BenchKey, body: unknown): Promise<void> {
  const res = await request(`${k.gateway}/v1/keys/${encodeURIComponent(k.id)}`, { method: 'PATCH', headers: { cookie: k.cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.body.text()
  if (res.statusCode !== 200) throw new Error(`key setup: PATCH /v1/keys/${k.id} answered ${res.statusCode} ${text.slice(0, 300)}`)
}

/** Signs in to the gateway, creates one key and runs the chosen KEY_SETUPS step on it; returns the secret key. */
async function mintKey (gateway: string): Promise<string> {
  const signin = await request(`${gateway}/auth/puter/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: PUTER_TOKEN }) })
  const signinText = await signin.body.text()
  if (signin.statusCode !== 200) throw new Error(`sign-in failed: ${signin.statusCode} ${signinText}`)
  const setCookie = ([] as string[]).concat(signin.headers['set-cookie'] ?? [])
  const cookie = setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith('pks_session='))
  if (!cookie) throw new Error('sign-in set no pks_session cookie')
  const res = await request(`${gateway}/v1/keys`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' })
  const json = await res.body.json() as { id?: string, key?: string }
  if (res.statusCode !== 201 || typeof json.key !== 'string' || typeof json.id !== 'string') throw new Error(`key creation failed: ${res.statusCode} ${JSON.stringify(json)}`)
  await KEY_SETUPS[KEY_SETUP]({ gateway, cookie, id: json.id, key: json.key })
  return json.key
}

async function post (url: string, key: string, body: string): Promise<{ status: number, type: string, text: string }> {
  const res = await request(`${url}${CHAT_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body })
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), text: await res.body.text() }
}

/** One plain and one streaming request to each target, checked for the expected content. Returns a summary. */
async function sanityCheck (gateway: Target, floor: Target, key: string): Promise<string[]> {
  const notes: string[] = []
  const fail = (msg: string) => { problems.push(`sanity check: ${msg}`) }

  const gp = await post(gateway.url, key, PLAIN_BODY)
  const gpJson = gp.status === 200 ? JSON.parse(gp.text) : undefined
  const gpContent = gpJson?.choices?.[0]?.message?.content
  if (typeof gpContent !== 'string' || !gpContent.startsWith('Echo:')) fail(`gateway plain answer: ${gp.status} ${gp.text.slice(0, 200)}`)
  notes.push(`gateway plain: ${gp.status}, ${gp.text.length} bytes, content ${JSON.stringify(gpContent)}`)

  const gs = await post(gateway.url, key, STREAM_BODY)
  const events = gs.text.split('\n\n').filter((e) => e.startsWith('data: '))
  const contentEvents = events.filter((e) => e.includes('"delta":{"content":')).length
  if (gs.status !== 200 || !gs.type.includes('text/event-stream') || !gs.text.endsWith('data: [DONE]\n\n') || contentEvents !== STREAM_TEXT_LINES) {
    fail(`gateway stream: ${gs.status} ${gs.type}, ${contentEvents} content events: ${gs.text.slice(0, 200)}`)
  }
  notes.push(`gateway stream: ${gs.status}, ${gs.text.length} bytes, ${events.length} SSE events (${contentEvents} content deltas)`)

  const fp = await post(floor.url, key, PLAIN_BODY)
  const fpContent = fp.status === 200 ? JSON.parse(fp.text)?.result?.message?.content : undefined
  if (typeof fpContent !== 'string' || !fpContent.startsWith('Echo:')) fail(`floor plain answer: ${fp.status} ${fp.text.slice(0, 200)}`)
  notes.push(`floor plain:   ${fp.status}, ${fp.text.length} bytes (Puter's raw JSON)`)

  const fs = await post(floor.url, key, STREAM_BODY)
  const lines = fs.text.split('\n').filter(Boolean)
  const textLines = lines.filter((l) => l.startsWith('{"type":"text"')).length
  if (fs.status !== 200 || textLines !== STREAM_TEXT_LINES) fail(`floor stream: ${fs.status}, ${textLines} text lines: ${fs.text.slice(0, 200)}`)
  notes.push(`floor stream:  ${fs.status}, ${fs.text.length} bytes, ${lines.length} NDJSON lines (${textLines} text)`)

  const bad = await post(gateway.url, 'sk-not-a-real-key-000000000000', PLAIN_BODY)
  if (bad.status !== 401) fail(`gateway accepted a wrong key: ${bad.status}`)
  return notes
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

function fmt (n: number, digits: number): string {
  if (!Number.isFinite(n)) return 'n/a'
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}
const mb = (kb: number) => fmt(kb / 1024, 1)
const pct = (share: number) => `${fmt(share * 100, 0)}%`
const signedMs = (n: number) => `${n < 0 ? '-' : '+'}${fmt(Math.abs(n), 2)} ms`
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL')

type Row = [string, string, string, string, string, string]

function table (rows: Row[]): string {
  const header: Row = ['Measure', 'Gateway', 'Floor', 'Gateway/floor', 'Target', 'Result']
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)))
  const line = (r: Row) => r.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup

let tmp: string | undefined
let watcher: FSWatcher | undefined
let database: BenchDatabase | undefined
let shuttingDown = false

function removeTmp (): void {
  if (tmp) rmSync(tmp, { recursive: true, force: true })
  tmp = undefined
}

async function cleanUp (): Promise<void> {
  currentCannon?.stop()
  watcher?.close()
  await Promise.all([...children].map((c) => stopChild(c)))
  await database?.drop()
  database = undefined
  removeTmp()
}

process.on('exit', () => {
  for (const c of children) {
    try { process.kill(c.pid, 'SIGKILL') } catch { /* already gone */ }
  }
  removeTmp()
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true
    if (shuttingDown) return
    shuttingDown = true
    console.error(`\n${signal}: stopping child processes and removing temp files`)
    const hardStop = setTimeout(() => process.exit(130), 20_000)
    hardStop.unref()
    cleanUp().finally(() => process.exit(130))
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function main (): Promise<number> {
  tmp = mkdtempSync(join(tmpdir(), 'pks-bench-'))
  const files: GatewayFiles = { dataFile: join(tmp, 'gateway', 'api-store.json'), appSecret: randomBytes(24).toString('base64url') }
  if (process.env.BENCH_DATABASE_URL) {
    database = await benchDatabase(process.env.BENCH_DATABASE_URL)
    files.databaseUrl = database.url
  }

  console.error(`Benchmark: ${DURATION_S} s per measurement after ${WARMUP_S} s warm-up, ${CONNECTIONS} connections; ` +
    (PINNED ? 'load generator + fake Puter on CPU 0, server under test on CPU 1' : 'no CPU pinning (taskset unavailable or BENCH_NO_PIN=1)'))

  // --- Throughput, latency, unpaced time to first byte, file writes ---
  const fast = await startFake('fake Puter (no delay)', 0, STREAM_TEXT_LINES)
  progress(`fake Puter (no delay, ${STREAM_TEXT_LINES}-line streams) at ${fast.url}`)
  const gwFast = await startGateway('gateway', fast.url, files, true)
  const key = await mintKey(gwFast.url)
  progress(`gateway at ${gwFast.url}, pid ${gwFast.child.pid}; signed in and minted one key`)
  const floorA = await startFloor('floor proxy', fast.url, key)
  progress(`floor proxy at ${floorA.url}, pid ${floorA.child.pid}`)
  const gateway: Target = { name: 'gateway', ...gwFast }
  const floor: Target = { name: 'floor', ...floorA }
  const sanity = await sanityCheck(gateway, floor, key)
  if (problems.length > 0) throw new Error('the sanity checks failed; not benchmarking')

  let writeEvents = 0
  const dataName = basename(files.dataFile)
  // With the PostgreSQL store no data file is written, nor its folder made: watched all the same (it stays empty).
  mkdirSync(join(tmp, 'gateway'), { recursive: true })
  watcher = watch(join(tmp, 'gateway'), (event, filename) => { if (event === 'rename' && filename === dataName) writeEvents++ })
  const watchStart = performance.now()
  let proxied = 0
  const transactionsBefore = await database?.transactions()

  const runs: Record<string, LoadResult> = {}
  for (const [mode, body] of [['plain', PLAIN_BODY], ['stream', STREAM_BODY]] as const) {
    for (const target of [gateway, floor]) {
      const { run, warmupOk } = await measure(`${target.name} ${mode}`, target, key, body, fast.child)
      runs[`${target.name} ${mode}`] = run
      if (target === gateway) proxied += run.ok + warmupOk
    }
  }

  for (const other of OTHER_STREAMS) {
    const { run, warmupOk } = await measure(`gateway ${other.label}`, gateway, key, other.body, fast.child, other.path)
    runs[`gateway ${other.label}`] = run
    proxied += run.ok + warmupOk
  }

  const [ttfbPlainGw, ttfbPlainFloor] = await ttfbPair('time to first byte, plain', [gateway, floor], key, PLAIN_BODY, TTFB_REQUESTS)
  const [ttfbStreamGw, ttfbStreamFloor] = await ttfbPair('time to first byte, stream (no delay)', [gateway, floor], key, STREAM_BODY, TTFB_REQUESTS)
  proxied += 2 * (TTFB_REQUESTS + TTFB_WARMUP_REQUESTS)
  await sleep(200) // let the last rename events arrive
  watcher.close()
  watcher = undefined
  const watchSeconds = (performance.now() - watchStart) / 1000
  const gwWarnings = gwFast.child.warnings
  // Before the stop's final flush: what the load cost the database (the periodic usage flushes included).
  const transactions = database && transactionsBefore !== undefined ? await database.transactions() - transactionsBefore : undefined

  // Graceful stop flushes usage; the store then shows what the gateway counted.
  await stopChild(gwFast.child)
  await stopChild(floorA.child)
  let counted: number
  if (database) {
    counted = await database.keyRequests()
  } else {
    const stored = JSON.parse(await readFile(files.dataFile, 'utf8')) as { keys: Record<string, { requestCount: number }> }
    counted = Object.values(stored.keys).reduce((sum, k) => sum + k.requestCount, 0)
  }

  // --- Time to first byte on a paced stream ---
  const paced = await startFake('fake Puter (paced)', PACED_DELAY_MS, PACED_TEXT_LINES)
  const gwPaced = await startGateway('gateway (paced upstream)', paced.url, files)
  const floorB = await startFloor('floor proxy (paced upstream)', paced.url, key)
  const [ttfbPacedGw, ttfbPacedFloor] = await ttfbPair(`time to first byte, stream paced ${PACED_DELAY_MS} ms/line`,
    [{ name: 'gateway', ...gwPaced }, { name: 'floor', ...floorB }], key, STREAM_BODY, TTFB_REQUESTS)
  await Promise.all([stopChild(gwPaced.child), stopChild(floorB.child), stopChild(paced.child)])

  // --- Memory with 1,000 open streams ---
  const slow = await startFake('fake Puter (slow)', SLOW_DELAY_MS, SLOW_TEXT_LINES)
  const gwSlow = await startGateway('gateway (slow upstream)', slow.url, files)
  const memGw = await openStreams(`gateway: ${OPEN_STREAMS} open streams`, { name: 'gateway', ...gwSlow }, key, OPEN_STREAMS)
  await stopChild(gwSlow.child)
  const floorC = await startFloor('floor proxy (slow upstream)', slow.url, key)
  const memFloor = await openStreams(`floor: ${OPEN_STREAMS} open streams`, { name: 'floor', ...floorC }, key, OPEN_STREAMS)
  await Promise.all([stopChild(floorC.child), stopChild(slow.child)])

  // --- 1,000 concurrent key creations (in-process) ---
  const keys = await keyCreations(tmp, fast.url, KEY_CREATIONS)
  await stopChild(fast.child)

  // --- Report ---
  const rows: Row[] = []
  for (const mode of ['plain', 'stream'] as const) {
    const g = runs[`gateway ${mode}`]
    const f = runs[`floor ${mode}`]
    const name = mode === 'plain' ? 'Plain' : 'Stream'
    const rpsRatio = g.rps / f.rps
    const p99Ratio = g.p99 / f.p99
    rows.push([`${name}: requests/s`, fmt(g.rps, 0), fmt(f.rps, 0), `${fmt(rpsRatio, 2)}x`, `>= ${TARGET_RPS_RATIO}x floor`, verdict(rpsRatio >= TARGET_RPS_RATIO)])
    rows.push([`${name}: server CPU per request (µs)`, fmt(g.cpuPerRequestUs, 0), fmt(f.cpuPerRequestUs, 0), `${fmt(g.cpuPerRequestUs / f.cpuPerRequestUs, 2)}x`, '-', ''])
    rows.push([`${name}: latency p50 (ms)`, fmt(g.p50, 2), fmt(f.p50, 2), `${fmt(g.p50 / f.p50, 2)}x`, '-', ''])
    rows.push([`${name}: latency p99 (ms)`, fmt(g.p99, 2), fmt(f.p99, 2), `${fmt(p99Ratio, 2)}x`, `<= ${TARGET_P99_RATIO}x floor`, verdict(p99Ratio <= TARGET_P99_RATIO)])
    const t = mode === 'plain' ? [ttfbPlainGw, ttfbPlainFloor] : [ttfbStreamGw, ttfbStreamFloor]
    rows.push([`${name}: first byte, median (ms)`, fmt(t[0].median, 2), fmt(t[1].median, 2), signedMs(t[0].median - t[1].median), '-', ''])
    rows.push([`${name}: first byte, p99 (ms)`, fmt(t[0].p99, 2), fmt(t[1].p99, 2), signedMs(t[0].p99 - t[1].p99), '-', ''])
  }
  for (const other of OTHER_STREAMS) {
    const g = runs[`gateway ${other.label}`]
    const f = runs['floor stream']
    const name = `${other.path} stream`
    rows.push([`${name}: requests/s`, fmt(g.rps, 0), fmt(f.rps, 0), `${fmt(g.rps / f.rps, 2)}x`, '-', `chat stream ${fmt(runs['gateway stream'].rps / f.rps, 2)}x`])
    rows.push([`${name}: server CPU per request (µs)`, fmt(g.cpuPerRequestUs, 0), fmt(f.cpuPerRequestUs, 0), `${fmt(g.cpuPerRequestUs / f.cpuPerRequestUs, 2)}x`, '-', `chat stream ${fmt(runs['gateway stream'].cpuPerRequestUs, 0)} µs`])
    rows.push([`${name}: latency p99 (ms)`, fmt(g.p99, 2), fmt(f.p99, 2), `${fmt(g.p99 / f.p99, 2)}x`, '-', ''])
  }
  const pacedDelta = ttfbPacedGw.median - ttfbPacedFloor.median
  rows.push(['Paced stream: first byte, median (ms)', fmt(ttfbPacedGw.median, 2), fmt(ttfbPacedFloor.median, 2), signedMs(pacedDelta), `<= +${TARGET_TTFB_DELTA_MS} ms`, verdict(pacedDelta <= TARGET_TTFB_DELTA_MS)])
  rows.push(['Paced stream: first byte, p99 (ms)', fmt(ttfbPacedGw.p99, 2), fmt(ttfbPacedFloor.p99, 2), signedMs(ttfbPacedGw.p99 - ttfbPacedFloor.p99), '-', ''])
  rows.push(['Paced stream: whole stream, median (ms)', fmt(ttfbPacedGw.totalMedian, 2), fmt(ttfbPacedFloor.totalMedian, 2), signedMs(ttfbPacedGw.totalMedian - ttfbPacedFloor.totalMedian), '-', ''])
  rows.push(['RSS idle (MB)', mb(memGw.idle.rss), mb(memFloor.idle.rss), '', '-', ''])
  rows.push([`RSS with ${fmt(OPEN_STREAMS, 0)} open streams (MB)`, mb(memGw.open.rss), mb(memFloor.open.rss), `${fmt(memGw.open.rss / memFloor.open.rss, 2)}x`, `< ${TARGET_RSS_MB} MB`, verdict(memGw.open.rss / 1024 < TARGET_RSS_MB && memGw.opened === OPEN_STREAMS)])
  rows.push(['RSS per open stream (KB)', fmt((memGw.open.rss - memGw.idle.rss) / OPEN_STREAMS, 1), fmt((memFloor.open.rss - memFloor.idle.rss) / OPEN_STREAMS, 1), '', '-', ''])
  const writeBound = Math.ceil(watchSeconds / USAGE_FLUSH_SECONDS) + 1
  if (transactions === undefined) {
    rows.push(['File writes under load', `${writeEvents} for ${fmt(proxied, 0)} req`, '0', '', `<= 1 per ${USAGE_FLUSH_SECONDS} s (<= ${writeBound})`, verdict(writeEvents <= writeBound)])
  } else {
    // Usage flushes, the LISTEN connection's health checks and this bench's own statistics reads: a handful a second at
    // most, never one per request.
    rows.push(['Database transactions under load', `${transactions} for ${fmt(proxied, 0)} req`, '0', `${fmt(transactions / proxied, 4)} per req`, '< 0.01 per request (none per request)', verdict(transactions / proxied < 0.01)])
  }
  rows.push([`${fmt(KEY_CREATIONS, 0)} concurrent key creations`, `${fmt(keys.wallMs, 0)} ms, ${keys.writes} writes`, '', '', `${fmt(KEY_CREATIONS, 0)} keys in file`, `${verdict(keys.keysInFile === KEY_CREATIONS && keys.created === KEY_CREATIONS)} (${keys.keysInFile})`])

  const out: string[] = []
  out.push('')
  out.push('Puter API Key Studio: gateway vs. floor (minimal pass-through proxy), same fake Puter upstream')
  out.push(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${VISIBLE_CPUS} CPUs; ` +
    (PINNED ? 'autocannon + probes + fake Puter pinned to CPU 0, server under test to CPU 1 (taskset)' : 'no CPU pinning'))
  out.push(`autocannon: ${CONNECTIONS} connections, pipelining 1, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per row; key setup ${KEY_SETUP}; model ${MODEL}, ` +
    `streams of ${STREAM_TEXT_LINES} text lines; first byte: ${TTFB_REQUESTS} sequential requests per target (after ${TTFB_WARMUP_REQUESTS}), ` +
    `paced = ${PACED_TEXT_LINES} lines ${PACED_DELAY_MS} ms apart`)
  out.push('')
  out.push(table(rows))
  out.push('')
  out.push('Load runs (latencies are exact response times; autocannon\'s own histogram, 1 ms resolution, in brackets):')
  for (const [label, r] of Object.entries(runs)) {
    out.push(`  ${label.padEnd(24)} ${fmt(r.ok, 0).padStart(8)} ok in ${fmt(r.seconds, 1)} s, ${fmt(r.rps, 0).padStart(6)} req/s, ` +
      `p50 ${fmt(r.p50, 2)} ms [${r.acP50}], p99 ${fmt(r.p99, 2)} ms [${r.acP99}], errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}; ` +
      `server CPU ${pct(r.serverCpu)} of a core (${fmt(r.cpuPerRequestUs, 0)} µs/request), autocannon + fake ${pct(r.core0Cpu)}; ` +
      `CPUs busy ${r.cpuBusy.map(pct).join(' / ')}`)
  }
  // Other processes on the machine (not started here) take CPU from the pinned cores and skew throughput.
  const foreign = PINNED
    ? Math.max(...Object.values(runs).map((r) => Math.max((r.cpuBusy[1] ?? 0) - r.serverCpu, (r.cpuBusy[0] ?? 0) - r.core0Cpu)))
    : NaN
  if (foreign > 0.1) {
    out.push(`  Note: other processes used up to ${pct(foreign)} of a pinned CPU during these runs; throughput and latency are ` +
      'skewed by them, server CPU per request much less so.')
  }
  out.push(`Sanity checks: ${sanity.join('; ')}`)
  if (database) out.push(`Store: PostgreSQL (BENCH_DATABASE_URL), ${transactions} database transactions while the gateway proxied ${fmt(proxied, 0)} requests in ${fmt(watchSeconds, 1)} s.`)
  out.push(`File writes: ${writeEvents} renames of the data file in ${fmt(watchSeconds, 1)} s while the gateway proxied ${fmt(proxied, 0)} requests ` +
    `(USAGE_FLUSH_SECONDS=${USAGE_FLUSH_SECONDS}); after a graceful stop the file counts ${fmt(counted, 0)} uses of the key` +
    ` (clients completed ${fmt(proxied, 0)}; the gap is requests cut off when a run ended, plus sanity checks).`)
  out.push(`Open streams: gateway ${memGw.opened}/${OPEN_STREAMS} open after ${fmt(memGw.openMs, 0)} ms, peak RSS ${mb(memGw.open.hwm)} MB, ` +
    `${mb(memGw.afterClose)} MB 2 s after closing them; floor ${memFloor.opened}/${OPEN_STREAMS} after ${fmt(memFloor.openMs, 0)} ms, ` +
    `${mb(memFloor.afterClose)} MB after closing.`)
  out.push(`Key creations: ${keys.created} answered 201 in ${fmt(keys.wallMs, 0)} ms (${fmt(keys.wallMs / KEY_CREATIONS, 2)} ms each), ` +
    `${keys.writes} file writes (${fmt(KEY_CREATIONS / Math.max(1, keys.writes), 1)} creations per write), ${keys.keysInFile} keys in the file; statuses ${JSON.stringify(keys.statuses)}.`)
  if (gwWarnings.length > 0) out.push(`Gateway warnings during the load runs: ${gwWarnings.length} (first: ${gwWarnings[0].slice(0, 200)})`)
  if (CPU_PROF_DIR) out.push(`Gateway CPU profile of the throughput runs: ${CPU_PROF_DIR}`)
  out.push(`Total run time: ${elapsed()} s`)
  console.log(out.join('\n'))
  return problems.length > 0 ? 1 : 0
}

let code = 1
try {
  code = await main()
} catch (err) {
  if (!interrupted) problems.push(`benchmark aborted: ${(err as Error).stack ?? String(err)}`)
}
if (!interrupted) {
  await cleanUp()
  for (const c of launched) {
    if (c.errors > 0) problems.push(`${c.name} logged ${c.errors} error(s); the first: ${c.firstError}`)
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 15)
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : ''
    console.log(`\nSomething broke (exit code 1):\n  - ${shown.join('\n  - ')}${more}`)
    code = 1
  }
  process.exit(code)
}
