// `npm run fake-puter`: a fake Puter on 127.0.0.1 for offline development, manual testing and the benchmark.
// Env: FAKE_PUTER_PORT (default 4100; 0 = any free port), FAKE_PUTER_STREAM_DELAY_MS, FAKE_PUTER_STREAM_TEXT_LINES.
// Calls are not recorded (nobody reads them here, and a long run would keep every request in memory).

import { startFakePuter } from './server.ts'

function numberFromEnv (name: string, fallback: number | undefined): number | undefined {
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
  port: numberFromEnv('FAKE_PUTER_PORT', 4100),
  streamDelayMs: numberFromEnv('FAKE_PUTER_STREAM_DELAY_MS', 0),
  streamTextLines: numberFromEnv('FAKE_PUTER_STREAM_TEXT_LINES', undefined),
  recordCalls: false
})

console.log(`Fake Puter listening on ${fake.url}`)
console.log('Demo token: fake-token-alice (any fake-token-<name> works too)')
console.log(`Try: curl -H 'Authorization: Bearer fake-token-alice' ${fake.url}/whoami`)

let stopping = false
function stop (signal: string): void {
  if (stopping) return
  stopping = true
  console.log(`${signal} received, shutting down`)
  fake.close().then(() => process.exit(0), (err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
process.once('SIGINT', () => stop('SIGINT'))
process.once('SIGTERM', () => stop('SIGTERM'))
