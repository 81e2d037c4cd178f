// Copies a JSON store (as its backend loads it) into an empty database in one transaction: all or nothing, and
// idempotent: a database already holding exactly this import is left as it is.
import { createHash } from 'node:crypto'
import pg from 'pg'
import type { SecretBox } from '../crypto.ts'
import { secretCheckValue, verifyAppSecret } from '../secret-check.ts'
import type { StoreDocument } from '../json/document.ts'
import { errors } from '../../errors.ts'
import { AUDIT_COLUMNS, auditParams } from './audit.ts'
import { LOCK_CLASS, migrate } from './migrate.ts'
import { COUNTERS, COUNTER_COLUMNS, KEY_COLUMNS, keyParams } from './rows.ts'
import { sendNotes } from './notes.ts'

export type ImportResult =
  | { status: 'imported', users: number, sessions: number, keys: number, usageRows: number, auditEntries: number }
  | { status: 'already-imported' }

const TABLES = ['users', 'sessions', 'keys', 'usage', 'audit'] as const

/** Inserts rows of `columns` in statements of at most ~30000 parameters. */
async function insertMany (client: pg.PoolClient, table: string, columns: string, rows: unknown[][]) {
  if (rows.length === 0) return
  const width = rows[0].length
  const per = Math.max(1, Math.floor(30_000 / width))
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per)
    const values = chunk.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ')
    await client.query(`INSERT INTO ${table} (${columns}) VALUES ${values}`, chunk.flat())
  }
}

/** What identifies an import: the digest of the document as loaded. */
export function documentDigest (doc: StoreDocument): string {
  return createHash('sha256').update(JSON.stringify(doc)).digest('base64url')
}

/**
 * Imports `doc` (already checked against `box`: see verifyAppSecret) into the database of `pool`. Refuses, changing
 * nothing, a database written under another APP_SECRET or holding anything but this very import.
 */
export async function importJsonStore (pool: pg.Pool, doc: StoreDocument, box: SecretBox, where: string, nowMs = Date.now()): Promise<ImportResult> {
  await migrate(pool, where)
  const digest = documentDigest(doc)
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [LOCK_CLASS.import])
    const meta = new Map((await client.query<{ name: string, value: string }>('SELECT name, value FROM meta')).rows.map((r) => [r.name, r.value]))
    verifyAppSecret(box, `The database ${where}`, { check: meta.get('secret_check'), sealed: [] })
    if (meta.get('json_import') === digest) {
      await client.query('ROLLBACK')
      return { status: 'already-imported' }
    }
    const counts: string[] = []
    for (const table of TABLES) {
      const [{ n }] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows
      if (n > 0) counts.push(`${n} ${table}`)
    }
    if (counts.length > 0) {
      throw new errors.StoreLoadFailed(
        `The database ${where} is not empty (${counts.join(', ')}) and does not hold this import: nothing was imported. ` +
        'The import copies a JSON store into an empty database only; point DATABASE_URL at an empty one.')
    }

    const users = Object.values(doc.users)
    await insertMany(client, 'users', 'uuid, username, token, token_kind, app_uid, disabled_at, created_at, updated_at',
      users.map((u) => [u.uuid, u.username, u.token, u.tokenKind ?? null, u.appUid ?? null, u.disabledAt ?? null, u.createdAt, u.updatedAt]))
    // Sessions already expired are left behind.
    const sessions = Object.entries(doc.sessions).filter(([, s]) => Date.parse(s.expiresAt) > nowMs)
    await insertMany(client, 'sessions', 'digest, user_id, created_at, expires_at', sessions.map(([d, s]) => [d, s.userId, s.createdAt, s.expiresAt]))
    const keys = Object.values(doc.keys)
    await insertMany(client, 'keys', KEY_COLUMNS, keys.map(keyParams))
    const usage = Object.entries(doc.usage).flatMap(([keyId, entry]) => Object.values(entry.rows).map((r) =>
      [keyId, entry.userId, r.day, r.model, ...COUNTERS.map((c) => r[c])]))
    await insertMany(client, 'usage', `key_id, user_id, day, model, ${COUNTERS.map((c) => COUNTER_COLUMNS[c]).join(', ')}`, usage)
    // Oldest first, so that seq keeps each trail's order.
    const audit = Object.values(doc.audit).flatMap((list) => list.map(auditParams))
    await insertMany(client, 'audit', AUDIT_COLUMNS, audit)

    await client.query("INSERT INTO meta (name, value) VALUES ('secret_check', $1) ON CONFLICT (name) DO NOTHING", [secretCheckValue(box)])
    await client.query("INSERT INTO meta (name, value) VALUES ('json_import', $1)", [digest])
    // Instances already running on this (empty) database load everything again.
    const [{ schema }] = (await client.query<{ schema: string }>('SELECT current_schema() AS schema')).rows
    for (const payload of sendNotes('import', [{ t: 'reload' }])) await client.query('SELECT pg_notify($1, $2)', [`pks_${schema}`.slice(0, 63), payload])
    await client.query('COMMIT')
    return { status: 'imported', users: users.length, sessions: sessions.length, keys: keys.length, usageRows: usage.length, auditEntries: audit.length }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}
