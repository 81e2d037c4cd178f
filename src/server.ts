// Entry point: build the app from the environment (.env included), listen, and shut down gracefully.
import closeWithGrace from 'close-with-grace'
import { buildApp, loggerOptions } from './app.ts'

const level = process.env.LOG_LEVEL ?? 'info'
const logger = process.stdout.isTTY
  ? { ...loggerOptions(level), transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
  : loggerOptions(level)

let app
try {
  app = await buildApp({ useEnv: true, logger })
  await app.ready()
} catch (err) {
  console.error((err as Error).message)
  process.exit(1)
}

// On SIGINT/SIGTERM: stop accepting, let in-flight requests finish (up to 10 s), flush the store.
closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
  if (err) app.log.error({ err }, 'closing after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
})

const { PORT, HOST } = app.config
await app.listen({ port: PORT, host: HOST })
app.log.info(`Dashboard: http://${HOST === '0.0.0.0' ? 'localhost' : HOST}:${PORT}/  API docs: /docs  OpenAI base URL: /v1`)
