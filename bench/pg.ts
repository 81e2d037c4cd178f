// The bench's PostgreSQL run (BENCH_DATABASE_URL): a schema of its own for the gateway, dropped at the end, and the
// server's transaction count, to tell the database work per proxied request.
import pg from 'pg'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'

export interface BenchDatabase {
  /** DATABASE_URL for the gateway: the bench's schema first on the search path. */
  url: string
  /** Transactions the database committed or rolled back so far (every statement outside BEGIN is one). */
  transactions (): Promise<number>
  /** Requests counted on every key (the usage the gateway wrote). */
  keyRequests (): Promise<number>
  drop (): Promise<void>
}

export async function benchDatabase (serverUrl: string): Promise<BenchDatabase> {
  const schema = `bench_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  const url = new URL(serverUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return {
    url: url.toString(),
    async transactions () {
      // PostgreSQL publishes a backend's counts at most once a second, when it is idle.
      await sleep(1500)
      await admin.query('SELECT pg_stat_clear_snapshot()')
      const { rows } = await admin.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()')
      return Number(rows[0].n)
    },
    async keyRequests () {
      const { rows } = await admin.query<{ n: string | null }>(`SELECT sum(request_count) AS n FROM ${schema}.keys`)
      return Number(rows[0].n ?? 0)
    },
    async drop () {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
      await admin.end()
    }
  }
}
