// The PostgreSQL backend's audit trail: each user's entries in the order appended (seq), written in the transaction
// of a change made in the same tick, and bounded by count and age as the JSON backend's is.
import type pg from 'pg'
import { randomToken } from '../crypto.ts'
import type { AuditAction, AuditEntry, Store } from '../types.ts'
import { read } from './db.ts'
import type { createTxQueue } from './tx-queue.ts'

/** Entries kept per user; older ones are dropped as new ones come. */
export const AUDIT_MAX_ENTRIES = 1000
/** Entries older than this are dropped (and never listed). */
export const AUDIT_MAX_DAYS = 400

const DAY_MS = 86_400_000

interface AuditDeps {
  pool: pg.Pool
  queue: ReturnType<typeof createTxQueue>
  now: () => number
}

interface AuditRow {
  id: string
  at: string
  user_id: string
  action: AuditAction
  key_id: string | null
  key_name: string | null
  ip: string
  user_agent: string
  fields: string[] | null
  grace_seconds: number | null
}

export const AUDIT_COLUMNS = 'id, at, user_id, action, key_id, key_name, ip, user_agent, fields, grace_seconds'

/** A stored entry as the contract lists it: fields never given are absent. */
function entryFromRow (r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    userId: r.user_id,
    action: r.action,
    ...(r.key_id === null ? {} : { keyId: r.key_id }),
    ...(r.key_name === null ? {} : { keyName: r.key_name }),
    ip: r.ip,
    userAgent: r.user_agent,
    ...(r.fields === null ? {} : { fields: r.fields }),
    ...(r.grace_seconds === null ? {} : { graceSeconds: r.grace_seconds })
  }
}

/** An entry as the parameters of an INSERT of AUDIT_COLUMNS, in that order. */
export function auditParams (e: AuditEntry): unknown[] {
  return [e.id, e.at, e.userId, e.action, e.keyId ?? null, e.keyName ?? null, e.ip, e.userAgent, e.fields ?? null, e.graceSeconds ?? null]
}

export function createAuditOps ({ pool, queue, now }: AuditDeps): Pick<Store, 'audit' | 'listAudit'> {
  return {
    async audit (input) {
      const at = now()
      // Only the fields the contract names are stored, whatever else the caller's object holds.
      const { userId, action, keyId, keyName, ip, userAgent, fields, graceSeconds } = input
      const entry: AuditEntry = { id: 'aud_' + randomToken(12), at: new Date(at).toISOString(), userId, action, keyId, keyName, ip, userAgent, fields: fields && [...fields], graceSeconds }
      await queue.run({
        run: async (tx) => {
          await tx.write(`INSERT INTO audit (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, auditParams(entry))
          // Once per user and transaction, however many entries it appends.
          tx.once(`audit-prune:${userId}`, async (tx) => {
            await tx.write(
              `DELETE FROM audit WHERE user_id = $1 AND (at < $2 OR seq <= (
                 SELECT seq FROM audit WHERE user_id = $1 ORDER BY seq DESC OFFSET $3 LIMIT 1))`,
              [userId, new Date(at - AUDIT_MAX_DAYS * DAY_MS).toISOString(), AUDIT_MAX_ENTRIES])
          })
        }
      })
    },

    async listAudit (userId, { limit, before }) {
      const n = Number.isFinite(limit) && limit > 0 ? Math.floor(limit) : 0
      const oldest = new Date(now() - AUDIT_MAX_DAYS * DAY_MS).toISOString()
      let beforeSeq: number | null = null
      if (before !== undefined) {
        // An unknown `before` (an entry pruned since, or another user's) has nothing older to show.
        const [found] = await read<{ seq: number }>(pool, 'SELECT seq FROM audit WHERE id = $1 AND user_id = $2', [before, userId])
        if (!found) return { entries: [], hasMore: false }
        beforeSeq = found.seq
      }
      const rows = await read<AuditRow>(pool,
        `SELECT ${AUDIT_COLUMNS} FROM audit WHERE user_id = $1 AND at >= $2 AND ($3::bigint IS NULL OR seq < $3)
         ORDER BY seq DESC LIMIT $4`, [userId, oldest, beforeSeq, n + 1])
      return { entries: rows.slice(0, n).map(entryFromRow), hasMore: rows.length > n }
    }
  }
}
