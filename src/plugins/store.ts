// Decorates the instance with the data store, loaded once at start and flushed on close: PostgreSQL when DATABASE_URL
// is set (shared by several instances), otherwise the JSON file.
import fp from 'fastify-plugin'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { createJsonStore } from '../store/json/store.ts'
import type { Store, StoreOptions } from '../store/types.ts'
import type { Config } from '../config.ts'
import { createSecretBox } from '../store/crypto.ts'
import { createShares, type Shares } from '../gateway/shares.ts'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
    /** The limits this instance shares with the others on the same database; null when it holds them alone. */
    shares: Shares | null
  }
}

/**
 * APP_SECRET, or a random one generated once into a 0600 file beside the data file. With a database (`generate`
 * false) an existing file is read but none is made: every instance needs the same secret, so it must be set.
 */
async function resolveAppSecret (configured: string | undefined, dataFile: string, log: FastifyBaseLogger, generate = true): Promise<string> {
  if (configured) return configured
  const file = join(dirname(resolve(dataFile)), 'app-secret.key')
  try {
    const existing = (await readFile(file, 'utf8')).trim()
    if (existing.length >= 16) return existing
    throw new Error(`${file} is too short to be a secret; remove it or set APP_SECRET`)
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  if (!generate) throw new Error('DATABASE_URL is set but APP_SECRET is not: set APP_SECRET, the same on every instance (and the one a JSON store imported into the database was written with)')
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

/** pg's ssl option for DATABASE_SSL; undefined leaves TLS to the URL's sslmode. */
function sslOption (mode: Config['DATABASE_SSL']) {
  if (mode === 'require') return { rejectUnauthorized: false }
  if (mode === 'verify-full') return { rejectUnauthorized: true }
  return undefined
}

export default fp(async function storePlugin (fastify) {
  const { config } = fastify
  const database = config.DATABASE_URL
  const secret = await resolveAppSecret(config.APP_SECRET, config.DATA_FILE, fastify.log, database === undefined)
  const common: StoreOptions = {
    box: createSecretBox(secret),
    usageFlushMs: config.USAGE_FLUSH_SECONDS * 1000,
    usageRetentionDays: config.USAGE_RETENTION_DAYS,
    // buildApp decorates the instance with its clock before registering this plugin; tests move it.
    now: fastify.hasDecorator('now') ? fastify.now : Date.now,
    onError: (err, context) => fastify.log.error({ err }, ERROR_MESSAGES[context])
  }
  let store: Store
  if (database !== undefined) {
    // Loaded only here: a server on the JSON file never loads pg.
    const [{ createPgStore }, { describeDatabase }] = await Promise.all([import('../store/pg/store.ts'), import('../store/pg/db.ts')])
    // Never the URL itself: it may hold the password.
    const where = describeDatabase(database)
    store = await createPgStore({
      ...common,
      connectionString: database,
      poolMax: config.DATABASE_POOL_MAX,
      ssl: sslOption(config.DATABASE_SSL),
      onConnection: (state, err) => {
        if (state === 'lost') fastify.log.error({ err, database: where }, 'Lost the connection to the database: cached keys keep working, changes are refused until it is back; reconnecting')
        else fastify.log.info({ database: where }, 'Connected to the database again; caches reloaded')
      }
    })
    fastify.log.info({ store: 'postgresql', database: where, poolMax: config.DATABASE_POOL_MAX, ssl: config.DATABASE_SSL }, 'Store: PostgreSQL')
  } else {
    store = await createJsonStore({
      ...common,
      file: config.DATA_FILE,
      onLockBusy: () => fastify.log.warn({ file: config.DATA_FILE }, 'The data file is locked by another process; waiting for the lock to be released or to go stale (a process that died)')
    })
    fastify.log.info({ store: 'json', file: config.DATA_FILE }, 'Store: JSON file')
  }
  fastify.decorate('store', store)
  const ledger = store.shareLedger
  const shares = ledger === undefined
    ? null
    : createShares({
      backend: ledger,
      onError: (err, what) => fastify.log.warn({ err }, what === 'take'
        ? 'Could not take a share of a limit from the database: refused until it answers'
        : 'Could not renew the shares of limits this instance holds; it keeps them until their lease runs out')
    })
  fastify.decorate('shares', shares)
  // The shares go back first, so the other instances can take them at once.
  fastify.addHook('onClose', async () => {
    await shares?.close()
    await store.close()
  })
}, { name: 'store', dependencies: ['@fastify/env'] })
