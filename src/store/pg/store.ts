// The PostgreSQL backend of the store, shared by any number of instances: every record in the database, the hot-path
// reads served from caches each instance keeps (fresh through LISTEN/NOTIFY), usage written in batches of upserts.
import { randomToken } from '../crypto.ts'
import { createChangeEmitter } from '../changes.ts'
import { secretCheckValue, verifyAppSecret } from '../secret-check.ts'
import type { Store, StoreObserver, StoreOptions } from '../types.ts'
import { errors } from '../../errors.ts'
import { createCache, readSnapshot } from './cache.ts'
import { createPool, describeDatabase, isConnectionError, type PgConnectionOptions } from './db.ts'
import { migrate } from './migrate.ts'
import { createAccountOps } from './accounts.ts'
import { createAuditOps } from './audit.ts'
import { createKeyOps } from './keys.ts'
import { createSessionOps } from './sessions.ts'
import { createSync } from './sync.ts'
import { createTxQueue } from './tx-queue.ts'
import { createUsageOps } from './usage.ts'
import { createShareLedger } from './shares.ts'

export interface PgStoreOptions extends StoreOptions, PgConnectionOptions {
  /** The NOTIFY channel the instances on this database share; by default one per schema. */
  channel?: string
  /** The LISTEN connection was lost (changes of other instances are not followed until it is back) or is back. */
  onConnection?: (state: 'lost' | 'restored', err?: unknown) => void
}

/** Longest a readiness check waits for the database. */
const PING_MS = 2000

export async function createPgStore (opts: PgStoreOptions): Promise<Store> {
  const { box } = opts
  const now = opts.now ?? Date.now
  const onError = opts.onError ?? (() => {})
  const where = describeDatabase(opts.connectionString)
  let observer: StoreObserver = {}
  const pool = createPool(opts, () => observer.query)
  const origin = randomToken(9)
  const stats = { writes: 0 }
  const changes = createChangeEmitter((err) => onError(err, 'change-listener'))
  const cache = createCache(box)
  let sync: ReturnType<typeof createSync> | null = null

  try {
    await migrate(pool, where)
    const [{ schema }] = (await pool.query<{ schema: string }>('SELECT current_schema() AS schema')).rows
    const channel = opts.channel ?? `pks_${schema}`.slice(0, 63)
    // The check value is written with the first change (a database holding nothing yet opens under any secret).
    let checkStored = false
    const queue = createTxQueue({
      pool,
      channel,
      origin,
      beforeCommit: async (tx) => {
        if (checkStored) return
        const [{ value }] = await tx.query<{ value: string }>(
          `INSERT INTO meta (name, value) VALUES ('secret_check', $1)
           ON CONFLICT (name) DO UPDATE SET value = meta.value RETURNING value`, [secretCheckValue(box)])
        if (value !== secretCheckValue(box)) verifyAppSecret(box, `The database ${where}`, { check: value, sealed: [] })
      },
      onCommit: () => {
        checkStored = true
        stats.writes++
      },
      onBatch: (seconds, ok) => observer.write?.(seconds, ok)
    })
    const usage = createUsageOps({ pool, queue, cache, now, retentionDays: opts.usageRetentionDays })
    const shareLedger = createShareLedger(pool, origin, { channel })
    sync = createSync({ connection: opts, channel, origin, pool, queue, cache, usage, changes, onConnection: opts.onConnection, onNote: (type) => observer.invalidation?.(type), onSharesWanted: shareLedger.wanted })
    await sync.start()

    const snapshot = await readSnapshot(pool, usage.firstKeptDay())
    verifyAppSecret(box, `The database ${where}`, {
      check: snapshot.secretCheck,
      sealed: [...snapshot.users.map((u) => u.token), ...snapshot.keys.flatMap((k) => k.secret ?? [])]
    })
    checkStored = snapshot.secretCheck !== undefined
    cache.replace(snapshot)
    usage.loadSpendOf(cache.keys.keys(), snapshot.days)

    const usageTimer = opts.usageFlushMs
      ? setInterval(() => { usage.ops.flushUsage().catch((err) => onError(err, 'usage-flush')) }, opts.usageFlushMs)
      : null
    usageTimer?.unref()
    let closing: Promise<void> | null = null
    const forgetKey = usage.forgetKey

    return {
      stats,
      ...createAccountOps({ pool, queue, cache, box, usage: usage.buffer, forgetKey, changes, now }),
      ...createSessionOps({ pool, queue, box, changes, now }),
      ...createKeyOps({ pool, queue, cache, box, changes, usage: usage.buffer, forgetKey, now }),
      ...usage.ops,
      ...createAuditOps({ pool, queue, now }),
      onChange: changes.on,
      shareLedger,
      // A statement through the pool, so a pool whose connections are all stuck fails too; cut short after PING_MS.
      async ping () {
        if (closing) throw new Error('The store is closing')
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`The database did not answer within ${PING_MS} ms`)), PING_MS)
        })
        const query = pool.query('SELECT 1')
        query.catch(() => {})
        try {
          await Promise.race([query, timeout])
        } finally {
          clearTimeout(timer)
        }
      },
      observe (o) {
        observer = o
        return () => { if (observer === o) observer = {} }
      },
      close () {
        closing ??= (async () => {
          if (usageTimer) clearInterval(usageTimer)
          await usage.ops.flushUsage().catch((err) => onError(err, 'usage-flush'))
          await queue.drain(true)
          await sync?.close()
          await pool.end().catch(() => {})
        })()
        return closing
      }
    }
  } catch (err) {
    await sync?.close()
    await pool.end().catch(() => {})
    if (isConnectionError(err)) {
      const detail = (err as { code?: string, message?: string }).code ?? (err as Error).message
      throw new errors.StoreLoadFailed(`Cannot reach the database ${where} (${detail}). Check DATABASE_URL and that the database is up.`, { cause: err })
    }
    throw err
  }
}
