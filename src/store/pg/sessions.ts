// The PostgreSQL backend's dashboard sessions: stored by the digest of their cookie only, read from the database on
// each look-up (so a session ended on one instance ends on every one at once), expired ones pruned as new ones come.
import type pg from 'pg'
import { randomToken, type SecretBox } from '../crypto.ts'
import type { createChangeEmitter } from '../changes.ts'
import type { Store } from '../types.ts'
import { read } from './db.ts'
import { USER_COLUMNS, userFromRow, type UserRow } from './rows.ts'
import type { createTxQueue } from './tx-queue.ts'

interface SessionDeps {
  pool: pg.Pool
  queue: ReturnType<typeof createTxQueue>
  box: SecretBox
  changes: ReturnType<typeof createChangeEmitter>
  now: () => number
}

type SessionOps = Pick<Store, 'createSession' | 'getSession' | 'deleteSession' | 'deleteSessionsOf'>

export function createSessionOps ({ pool, queue, box, changes, now }: SessionDeps): SessionOps {
  const iso = (ms = now()) => new Date(ms).toISOString()
  const userColumns = USER_COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')

  return {
    // Expired sessions are pruned in the same transaction.
    async createSession (userId, ttlMs) {
      const cookie = randomToken(32)
      const at = now()
      const expiresAt = iso(at + ttlMs)
      await queue.run({
        run: async (tx) => {
          await tx.write('DELETE FROM sessions WHERE expires_at <= $1', [iso(at)])
          await tx.write('INSERT INTO sessions (digest, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [box.digest(cookie), userId, iso(at), expiresAt])
        }
      })
      return { cookie, expiresAt }
    },

    async getSession (cookie) {
      const [row] = await read<UserRow & { s_user_id: string, s_created_at: string, s_expires_at: string }>(pool,
        `SELECT s.user_id AS s_user_id, s.created_at AS s_created_at, s.expires_at AS s_expires_at, ${userColumns}
         FROM sessions s JOIN users u ON u.uuid = s.user_id WHERE s.digest = $1 AND s.expires_at > $2`,
        [box.digest(cookie), iso()])
      if (!row) return undefined
      return { userId: row.s_user_id, createdAt: row.s_created_at, expiresAt: row.s_expires_at, user: userFromRow(row) }
    },

    async deleteSession (cookie) {
      const deleted = await queue.run({
        run: async (tx) => {
          const { rowCount } = await tx.write('DELETE FROM sessions WHERE digest = $1', [box.digest(cookie)])
          if (rowCount > 0) tx.note({ t: 'session-deleted' })
          return rowCount > 0
        }
      })
      if (deleted) changes.emit({ type: 'session-deleted' })
      return deleted
    },

    async deleteSessionsOf (uuid) {
      const n = await queue.run({
        run: async (tx) => {
          const { rowCount } = await tx.write('DELETE FROM sessions WHERE user_id = $1', [uuid])
          if (rowCount > 0) tx.note({ t: 'session-deleted' })
          return rowCount
        }
      })
      if (n > 0) changes.emit({ type: 'session-deleted' })
      return n
    }
  }
}
