// A bare Fastify for plugin tests: validated config through @fastify/env, and an error handler that shows code and status.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fastifyEnv from '@fastify/env'
import { ConfigSchema } from '../../src/config.ts'

type Tap = { teardown: (fn: () => unknown) => void }

/** Fastify with config from `config` only (no env, no .env); errors answer `{ code, status }`; closed in teardown. */
export async function bareApp (t: Tap, config: Record<string, unknown> = {}, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(options)
  t.teardown(() => app.close())
  await app.register(fastifyEnv, { schema: structuredClone(ConfigSchema), data: config, env: false, dotenv: false })
  app.setErrorHandler((err: { code?: string, statusCode?: number }, _request, reply) => {
    // @fastify/error upper-cases codes; the app answers them lower-case, as src/errors.ts names them.
    reply.code(err.statusCode ?? 500).send({ code: err.code?.toLowerCase(), status: err.statusCode })
  })
  return app
}
