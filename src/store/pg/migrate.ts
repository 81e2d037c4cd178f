// Schema migrations: the ordered SQL files of migrations/ not yet applied, in one transaction under an advisory lock
// (two instances starting together: the second waits, then finds nothing to do), recorded in schema_migrations.
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { errors } from '../../errors.ts'

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))
// Advisory lock ids of this app (the first half of pg_advisory_xact_lock(int, int)).
export const LOCK_CLASS = { migrate: 7_310_001, keys: 7_310_002, import: 7_310_003, shares: 7_310_004 } as const

export interface Migration {
  version: number
  name: string
  sql: string
}

/** The migrations shipped with the code, by version: files named NNNN_name.sql. */
export async function loadMigrations (dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort()
  return Promise.all(files.map(async (file) => ({
    version: Number(file.slice(0, 4)),
    name: file.slice(5, -4),
    sql: await readFile(`${dir}${file}`, 'utf8')
  })))
}

/**
 * Brings the schema (the first of the connection's search_path) up to date; resolves to the versions applied now.
 * A database holding a migration this code does not know was written by a newer version: refused, untouched.
 */
export async function migrate (pool: pg.Pool, where: string, migrations?: Migration[]): Promise<number[]> {
  const known = migrations ?? await loadMigrations()
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [LOCK_CLASS.migrate])
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version))
    const newest = Math.max(0, ...known.map((m) => m.version))
    const unknown = [...applied].filter((v) => v > newest).sort((a, b) => a - b)
    if (unknown.length > 0) {
      throw new errors.StoreLoadFailed(
        `The database ${where} has schema version ${unknown.at(-1)}, newer than this server knows (${newest}): it was ` +
        'migrated by a newer version of Puter API Key Studio. It was left untouched. Run that version (or newer), or ' +
        'point DATABASE_URL at another database.')
    }
    const done: number[] = []
    for (const m of known) {
      if (applied.has(m.version)) continue
      await client.query(m.sql)
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      done.push(m.version)
    }
    await client.query('COMMIT')
    return done
  } catch (err) {
    await client.query('ROLLBACK').catch(() => { broken = true })
    throw err
  } finally {
    client.release(broken)
  }
}
