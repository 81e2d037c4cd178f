// Coalesced, serialised transactions: the changes queued in a tick share one transaction (and one commit), and local
// caches change only once it has committed, in the same turn. The same serial chain runs the refreshes that follow
// other instances' changes, so a refresh never interleaves with a commit of this instance.
import type pg from 'pg'
import { isConnectionError, writeError } from './db.ts'
import type { Note } from './notes.ts'
import { sendNotes } from './notes.ts'

/** What an operation sees of its transaction. */
export interface Tx {
  /** A statement that reads. */
  query<R extends pg.QueryResultRow = any> (sql: string, params?: unknown[]): Promise<R[]>
  /** A statement that may change rows: the transaction is committed (and counted) only if one did. */
  write<R extends pg.QueryResultRow = any> (sql: string, params?: unknown[]): Promise<{ rows: R[], rowCount: number }>
  /** Tells every instance what changed, once committed (never a secret: ids and change types). */
  note (note: Note): void
  /** Runs `fn` once per transaction, after every operation of it (a clean-up shared by several operations). */
  once (name: string, fn: (tx: Tx) => Promise<void>): void
}

/**
 * One change. `run` validates before it writes (a throw after a write would commit that write with the others); it
 * may run again when the transaction is retried. `committed` runs in the turn the commit is known, `failed` when the
 * transaction did not commit.
 */
export interface Op<T> {
  run: (tx: Tx) => Promise<T>
  committed?: (value: T) => void
  failed?: () => void
}

type Entry = { op: Op<any>, resolve: (v: any) => void, reject: (e: unknown) => void }
type Result = { ok: true, value: unknown } | { ok: false, error: unknown }

interface TxQueueOptions {
  pool: pg.Pool
  channel: string
  /** This instance's id, sent with its notes so that it can ignore their echo. */
  origin: string
  /** Statements run in each transaction that writes, before its commit (the APP_SECRET check value). */
  beforeCommit?: (tx: Tx) => Promise<void>
  onCommit?: () => void
  /** How long a batch took, its retries included, and whether it committed (or had nothing to write). */
  onBatch?: (seconds: number, ok: boolean) => void
}

// Deadlocks and serialization failures between instances: the whole transaction is run again.
const RETRYABLE = new Set(['40P01', '40001'])
const ATTEMPTS = 3

/** Thrown by a statement: the transaction is aborted and the whole batch fails. */
class StatementFailed {
  readonly error: unknown
  constructor (error: unknown) {
    this.error = error
  }
}

export function createTxQueue (opts: TxQueueOptions) {
  let chain: Promise<unknown> = Promise.resolve()
  let pending: Entry[] = []
  let flushing: Promise<void> | null = null
  let closed = false

  /** Runs `fn` after everything queued on the chain before it. */
  function serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn)
    chain = run.catch(() => {})
    return run
  }

  async function attempt (batch: Entry[]): Promise<Result[]> {
    const client = await opts.pool.connect().catch((err) => { throw new StatementFailed(err) })
    let broken = false
    try {
      const exec = async (sql: string, params?: unknown[]) => {
        try {
          return await client.query(sql, params)
        } catch (err) {
          throw new StatementFailed(err)
        }
      }
      let changed = false
      const hooks = new Map<string, (tx: Tx) => Promise<void>>()
      let notes: Note[] = []
      const txFor = (into: Note[]): Tx => ({
        query: async (sql, params) => (await exec(sql, params)).rows,
        write: async (sql, params) => {
          const r = await exec(sql, params)
          if ((r.rowCount ?? 0) > 0) changed = true
          return { rows: r.rows, rowCount: r.rowCount ?? 0 }
        },
        note: (n) => { into.push(n) },
        once: (name, fn) => { if (!hooks.has(name)) hooks.set(name, fn) }
      })
      await exec('BEGIN')
      const results: Result[] = []
      for (const { op } of batch) {
        const own: Note[] = []
        try {
          results.push({ ok: true, value: await op.run(txFor(own)) })
          notes = notes.concat(own)
        } catch (error) {
          if (error instanceof StatementFailed) throw error
          results.push({ ok: false, error })
        }
      }
      for (const fn of hooks.values()) await fn(txFor(notes))
      if (!changed) {
        await exec('ROLLBACK')
        return results
      }
      await opts.beforeCommit?.(txFor(notes))
      for (const sql of sendNotes(opts.origin, notes)) await exec('SELECT pg_notify($1, $2)', [opts.channel, sql])
      await exec('COMMIT')
      opts.onCommit?.()
      return results
    } catch (err) {
      broken = isConnectionError(err instanceof StatementFailed ? err.error : err)
      if (!broken) await client.query('ROLLBACK').catch(() => { broken = true })
      throw err
    } finally {
      client.release(broken)
    }
  }

  async function runBatch (batch: Entry[]) {
    const started = performance.now()
    let results: Result[] | null = null
    let failure: unknown = null
    for (let i = 1; i <= ATTEMPTS; i++) {
      try {
        results = await attempt(batch)
        break
      } catch (err) {
        const cause = err instanceof StatementFailed ? err.error : err
        failure = cause
        if (!(RETRYABLE.has((cause as { code?: string })?.code ?? '') && i < ATTEMPTS)) break
      }
    }
    opts.onBatch?.((performance.now() - started) / 1000, results !== null)
    if (!results) {
      const error = writeError(failure)
      for (const { op, reject } of batch) {
        op.failed?.()
        reject(error)
      }
      return
    }
    // Every cache follows in this turn, before anyone can read it; then the callers learn their results.
    batch.forEach(({ op }, i) => {
      const r = results[i]
      if (r.ok) op.committed?.(r.value)
    })
    batch.forEach(({ op, resolve, reject }, i) => {
      const r = results[i]
      if (r.ok) resolve(r.value)
      else {
        op.failed?.()
        reject(r.error)
      }
    })
  }

  async function loop () {
    try {
      while (pending.length > 0) {
        // Let changes that arrive in the same tick join this transaction.
        await new Promise((resolve) => setImmediate(resolve))
        await serial(async () => {
          const batch = pending
          pending = []
          if (batch.length > 0) await runBatch(batch)
        })
      }
    } finally {
      flushing = null
    }
  }

  return {
    serial,
    /** Runs the operation in the next transaction; resolves to what `run` returned, once committed. */
    run<T> (op: Op<T>): Promise<T> {
      if (closed) return Promise.reject(new Error('Store is closed'))
      return new Promise<T>((resolve, reject) => {
        pending.push({ op, resolve, reject })
        flushing ??= loop()
      })
    },
    /** Waits for every queued change; with `close`, refuses later ones. */
    async drain (close = false) {
      for (let running = flushing; running; running = flushing) await running
      await serial(async () => {})
      if (close) closed = true
    }
  }
}
