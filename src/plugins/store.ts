// Decorates the instance with the data store, loaded once at start and flushed on close.
import fp from 'fastify-plugin'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { createStore, type Store } from '../store/store.ts'
import { createSecretBox } from '../store/crypto.ts'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

/** APP_SECRET, or a random one generated once into a 0600 file beside the data file. */
export async function resolveAppSecret (configured: string | undefined, dataFile: string, log: FastifyBaseLogger): Promise<string> {
  if (configured) return configured
  const file = join(dirname(resolve(dataFile)), 'app-secret.key')
  try {
    const existing = (await readFile(file, 'utf8')).trim()
    if (existing.length >= 16) return existing
    throw new Error(`${file} is too short to be a secret; remove it or set APP_SECRET`)
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  const secret = randomBytes(32).toString('base64url')
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  // 'wx' refuses to overwrite a secret another process wrote meanwhile.
  await writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' })
  log.warn({ file }, 'APP_SECRET is not set: generated a random one into this file. Back it up with the data file; without it stored tokens and keys cannot be read')
  return secret
}

export default fp(async function storePlugin (fastify) {
  const { config } = fastify
  const secret = await resolveAppSecret(config.APP_SECRET, config.DATA_FILE, fastify.log)
  const store = await createStore({
    file: config.DATA_FILE,
    box: createSecretBox(secret),
    usageFlushMs: config.USAGE_FLUSH_SECONDS * 1000,
    onUsageFlushError: (err) => fastify.log.error({ err }, 'Could not write key usage; will retry')
  })
  fastify.decorate('store', store)
  fastify.addHook('onClose', async () => store.close())
}, { name: 'store', dependencies: ['@fastify/env'] })
