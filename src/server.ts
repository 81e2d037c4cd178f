// Entry point: load the configuration once (environment and .env), build the app and its logger from it, listen,
// and shut down gracefully. A start that cannot succeed prints one line saying why, and exits non-zero.
import closeWithGrace from 'close-with-grace'
import { buildApp, type App } from './app.ts'
import { loggerOptions } from './logging.ts'
import { loadConfig, type Config } from './config.ts'

/** Ends the start: the reason in one line on stderr, without a stack trace (nothing in it would help). */
function fail (message: string): never {
  console.error(message)
  process.exit(1)
}

/** Why listening failed, as the variable to change, its value and what to do. */
function listenProblem (err: NodeJS.ErrnoException, { PORT, HOST }: Config): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `PORT=${PORT} is already in use on ${HOST}: another program listens there. Stop it, or set PORT to a free port`
    case 'EACCES':
      return `PORT=${PORT} needs privileges on this system: use a port above 1023 (and a reverse proxy for 80 or 443)`
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EINVAL':
      return `HOST=${HOST} is not an address of this machine: use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of its own addresses`
    default:
      return `Cannot listen on HOST=${HOST} PORT=${PORT}: ${err.message}`
  }
}

/** DRAIN_SECONDS, or by default 5 s when a load balancer may be in front (HOST not loopback), none on loopback. */
function drainSeconds ({ DRAIN_SECONDS, HOST }: Config): number {
  if (DRAIN_SECONDS !== undefined) return DRAIN_SECONDS
  return /^(127\.|::1$|localhost$)/.test(HOST) ? 0 : 5
}

let config: Config
try {
  config = loadConfig(undefined, true)
} catch (err) {
  fail((err as Error).message)
}

const level = config.LOG_LEVEL
const logger = process.stdout.isTTY
  ? { ...loggerOptions(level), transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
  : loggerOptions(level)

let app: App
try {
  app = await buildApp({ loadedConfig: config, logger })
  await app.ready()
} catch (err) {
  fail((err as Error).message)
}

const drainMs = drainSeconds(config) * 1000
// On SIGINT/SIGTERM: drain first (GET /health/ready answers 503 while everything else is still served, so a load
// balancer stops sending), then stop accepting, let in-flight requests finish (up to 10 s) and flush the store. A
// second signal exits at once.
closeWithGrace({ delay: drainMs + 10_000 }, async ({ err, signal }) => {
  if (err) {
    app.log.error({ err }, 'closing after an error')
  } else {
    app.log.info({ signal, drainSeconds: drainMs / 1000 }, drainMs > 0 ? 'shutting down: draining first (/health/ready answers 503)' : 'shutting down')
    app.draining = true
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs))
  }
  await app.close()
})

try {
  await app.listen({ port: config.PORT, host: config.HOST })
} catch (err) {
  // Closing releases what the plugins hold (the store's lock) before the process ends.
  await app.close()
  fail(listenProblem(err as NodeJS.ErrnoException, config))
}
// The bound port, not PORT: PORT=0 asks the system for a free one.
const { port } = app.server.address() as { port: number }
app.log.info(`Dashboard: http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/  API docs: /docs  OpenAI base URL: /v1`)
