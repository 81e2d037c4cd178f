// Decorates the instance with the data store (the JSON file backend), loaded once at start and flushed on close.
import fp from 'fastify-plugin'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { createJsonStore } from '../store/json/store.ts'
import type { Store } from '../store/types.ts'
import { createSecretBox } from '../store/crypto.ts'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

/** APP_SECRET, or a random one generated once into a 0600 file beside the data file. */
async function resolveAppSecret (configured: string | undefined, dataFile: string, log: FastifyBaseLogger): Promise<string> {
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

const ERROR_MESSAGES = {
  'usage-flush': 'Could not write key usage; will retry',
  'change-listener': 'A store change listener failed',
  lock: 'Lost the lock on the data file: another process may be writing it too'
}

export default fp(async function storePlugin (fastify) {
  const { config } = fastify
  const secret = await resolveAppSecret(config.APP_SECRET, config.DATA_FILE, fastify.log)
  const store = await createJsonStore({
    file: config.DATA_FILE,
    box: createSecretBox(secret),
    usageFlushMs: config.USAGE_FLUSH_SECONDS * 1000,
    usageRetentionDays: config.USAGE_RETENTION_DAYS,
    // buildApp decorates the instance with its clock before registering this plugin; tests move it.
    now: fastify.hasDecorator('now') ? fastify.now : Date.now,
    onLockBusy: () => fastify.log.warn({ file: config.DATA_FILE }, 'The data file is locked by another process; waiting for the lock to be released or to go stale (a process that died)'),
    onError: (err, context) => fastify.log.error({ err }, ERROR_MESSAGES[context])
  })
  fastify.decorate('store', store)
  fastify.addHook('onClose', async () => store.close())
}, { name: 'store', dependencies: ['@fastify/env'] })
