// The PostgreSQL backend's connections: one pg Pool sized by config, value parsers (bigint and numeric as numbers,
// times as ISO strings), a name for the database that never shows its password, and failures as named errors.
import pg from 'pg'
import { errors } from '../../errors.ts'

export interface PgConnectionOptions {
  connectionString: string
  /** Most connections the pool opens (DATABASE_POOL_MAX). */
  poolMax: number
  /** Passed through to pg (DATABASE_SSL); undefined leaves it to the URL's sslmode. */
  ssl?: pg.ClientConfig['ssl']
  /** Longest a statement of the store may take before it counts as failed (client side). */
  queryTimeoutMs?: number
}

/** A write or read the database could not take because it cannot be reached: 503 store_unavailable. */
export const DatabaseUnavailable = errors.StoreUnavailable

const types = new pg.TypeOverrides()
const parseTimestamp = pg.types.getTypeParser(1184) as (v: string) => Date
// Counters are bigint: JavaScript numbers hold them exactly up to 2^53, far beyond any usage count.
types.setTypeParser(20, Number)
// sum() of bigints is numeric.
types.setTypeParser(1700, Number)
types.setTypeParser(1184, (v) => parseTimestamp(v).toISOString())
types.setTypeParser(1082, (v) => v)

const CLIENT_DEFAULTS = { application_name: 'puter-api-key-studio', keepAlive: true, types }

/** Where a pool reports each statement's duration in seconds (read at each statement: it may be set later). */
export type QueryObserver = () => ((seconds: number) => void) | undefined

/**
 * A client class that times its statements for `observe` (GET /metrics). pg's pool calls query() with a callback,
 * the transaction queue without one; submittables (cursors) are passed through untimed: the store uses none.
 */
function timedClient (observe: QueryObserver): typeof pg.Client {
  return class TimedClient extends pg.Client {
    override query (...args: any[]): any {
      const onQuery = observe()
      const query = super.query as (...a: any[]) => any
      if (onQuery === undefined || typeof args[0]?.submit === 'function') return query.apply(this, args)
      const started = performance.now()
      const done = () => onQuery((performance.now() - started) / 1000)
      const last = args.length - 1
      const callback = args[last]
      if (typeof callback === 'function') {
        args[last] = (err: unknown, res: unknown) => {
          done()
          callback(err, res)
        }
        return query.apply(this, args)
      }
      const result = query.apply(this, args)
      result.then(done, done)
      return result
    }
  }
}

export function createPool (opts: PgConnectionOptions, observe?: QueryObserver): pg.Pool {
  const pool = new pg.Pool({
    ...CLIENT_DEFAULTS,
    ...(observe === undefined ? {} : { Client: timedClient(observe) }),
    connectionString: opts.connectionString,
    ssl: opts.ssl,
    max: opts.poolMax,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    query_timeout: opts.queryTimeoutMs ?? 30_000
  })
  // An idle connection that breaks (the database restarted) is dropped by the pool; the next query opens another.
  pool.on('error', () => {})
  return pool
}

/** A single connection outside the pool (the LISTEN connection, the import). */
export function createClient (opts: Pick<PgConnectionOptions, 'connectionString' | 'ssl'>): pg.Client {
  return new pg.Client({ ...CLIENT_DEFAULTS, connectionString: opts.connectionString, ssl: opts.ssl, connectionTimeoutMillis: 5000 })
}

/** user@host:port/database of a connection string, for logs and messages: never its password or parameters. */
export function describeDatabase (connectionString: string): string {
  try {
    const url = new URL(connectionString)
    const user = url.username ? `${decodeURIComponent(url.username)}@` : ''
    return `${user}${url.host || 'localhost'}${url.pathname === '/' ? '' : url.pathname}`
  } catch {
    return 'the database of DATABASE_URL'
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])

/** Whether a failure means the database could not be reached (rather than refusing a statement). */
export function isConnectionError (err: unknown): boolean {
  const e = err as { code?: unknown, message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  if (NETWORK_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true
  const message = typeof e?.message === 'string' ? e.message : ''
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|not queryable|Client was closed/i.test(message)
}

/** What a failed write rejects with: named errors as they are; the rest as DatabaseUnavailable or StoreWriteFailed. */
export function writeError (err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code !== undefined && err instanceof Error && err.name === 'FastifyError') return err
  if (isConnectionError(err)) return new DatabaseUnavailable({ cause: err })
  return new errors.StoreWriteFailed({ cause: err })
}

/** What a failed read rejects with: DatabaseUnavailable when the database is out of reach, else the error itself. */
export function readError (err: unknown): unknown {
  return isConnectionError(err) ? new DatabaseUnavailable({ cause: err }) : err
}

/** Runs a read on the pool, its failures as readError() says. */
export async function read<R extends pg.QueryResultRow> (pool: pg.Pool, sql: string, params: unknown[] = []): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, params)).rows
  } catch (err) {
    throw readError(err)
  }
}
