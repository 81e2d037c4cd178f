// The project's fake Puter as a benchmark upstream: like test/fake-puter/cli.ts, but with call recording off
// (the CLI keeps every request in memory, which grows without bound under load) and a free port by default.
// Env: FAKE_PUTER_PORT (default 0 = any free port), FAKE_PUTER_STREAM_DELAY_MS, FAKE_PUTER_STREAM_TEXT_LINES.
// Prints `BENCH_READY <url>` once listening.
import { startFakePuter } from '../test/fake-puter/server.ts'

function numberFromEnv (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`)
    process.exit(1)
  }
  return value
}

const fake = await startFakePuter({
  host: '127.0.0.1',
  port: numberFromEnv('FAKE_PUTER_PORT', 0),
  streamDelayMs: numberFromEnv('FAKE_PUTER_STREAM_DELAY_MS', 0),
  streamTextLines: numberFromEnv('FAKE_PUTER_STREAM_TEXT_LINES', 3),
  recordCalls: false
})
console.log(`BENCH_READY ${fake.url}`)

let stopping = false
function stop (): void {
  if (stopping) return
  stopping = true
  fake.close().then(() => process.exit(0), () => process.exit(1))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
