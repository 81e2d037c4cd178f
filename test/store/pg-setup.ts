// What the PostgreSQL tests share: the server of TEST_DATABASE_URL (the file is skipped without one, unless
// REQUIRE_PG=1), a fresh schema per backend (dropped when the file ends), and a TCP proxy that can cut the database off.
import t from 'tap'
import pg from 'pg'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { createPgStore, type PgStoreOptions } from '../../src/store/pg/store.ts'
import { createSecretBox } from '../../src/store/crypto.ts'
import type { BackendFactory } from './fixtures/contract.ts'

export const DATABASE_URL = process.env.TEST_DATABASE_URL
// test/helper.ts's secret, not imported: that module builds the whole app, and these tests need only the store.
export const TEST_SECRET = 'test-app-secret-0123456789abcdef'
export const box = createSecretBox(TEST_SECRET)

/**
 * Whether the file can run: without TEST_DATABASE_URL it is skipped with the reason (or fails when REQUIRE_PG=1,
 * as in CI). Call at the top of a test file; return when false.
 */
export function requirePg (): boolean {
  if (DATABASE_URL) return true
  if (process.env.REQUIRE_PG === '1') {
    t.fail('REQUIRE_PG=1 but TEST_DATABASE_URL is not set: the PostgreSQL store tests need a server (see .ci/run)')
  } else {
    t.plan(0, 'TEST_DATABASE_URL is not set: no PostgreSQL server to test the pg store against (set it to a role that may create schemas, e.g. postgres://postgres@127.0.0.1:5432/postgres)')
  }
  return false
}

const admin = DATABASE_URL ? new pg.Pool({ connectionString: DATABASE_URL, max: 2 }) : null
const schemas: string[] = []
t.teardown(async () => {
  if (!admin) return
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`).catch(() => {})
  await admin.end()
})

/** Runs SQL as the test's administrator (outside any schema of a store). */
export async function adminQuery<R extends pg.QueryResultRow = any> (sql: string, params: unknown[] = []): Promise<R[]> {
  return (await admin!.query<R>(sql, params)).rows
}

/** A connection string whose search_path is `schema`, on the server of `url` (another port: a proxy). */
export function schemaUrl (schema: string, port?: number): string {
  const url = new URL(DATABASE_URL!)
  if (port !== undefined) {
    url.hostname = '127.0.0.1'
    url.port = String(port)
  }
  url.searchParams.set('options', `-c search_path=${schema}`)
  return url.toString()
}

/** A new empty schema, dropped when the file ends. */
export async function freshSchema (): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`
  await adminQuery(`CREATE SCHEMA ${schema}`)
  schemas.push(schema)
  return schema
}

export type PgOpen = (opts?: Partial<PgStoreOptions>) => ReturnType<typeof createPgStore>

/** Opens stores on `schema` (a small pool, as tests run side by side). */
export function opener (schema: string, port?: number): PgOpen {
  return (opts) => createPgStore({ connectionString: schemaUrl(schema, port), poolMax: 3, box, ...opts })
}

/** The contract suite's factory: each test a fresh schema. */
export const pgFactory: BackendFactory = async () => opener(await freshSchema())

/** A TCP proxy to the database: stop() cuts every connection and refuses new ones; start() lets them in again. */
export async function dbProxy (tap: { teardown: (fn: () => unknown) => void }) {
  const target = new URL(DATABASE_URL!)
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  const start = () => new Promise<void>((resolve, reject) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => { client.destroy(); upstream.destroy() })
      }
      client.pipe(upstream).pipe(client)
    })
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      port = (server!.address() as { port: number }).port
      resolve()
    })
  })
  const stop = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy()
    if (!server) return resolve()
    server.close(() => resolve())
    server = null
  })
  await start()
  tap.teardown(stop)
  return { get port () { return port }, start, stop }
}

/** Waits until `check` holds, polling every 20 ms, for at most `ms`; whether it held. */
export async function eventually (check: () => boolean | Promise<boolean>, ms = 1000): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > end) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
