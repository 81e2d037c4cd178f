// The PostgreSQL backend's users and whole-account operations: sign-ins (the Puter token encrypted), the admin
// listing, disabling a user, and removing all a user holds in one transaction, with a change for every key removed.
import type pg from 'pg'
import type { SecretBox } from '../crypto.ts'
import type { createChangeEmitter } from '../changes.ts'
import type { createUsageBuffer } from '../usage.ts'
import { addUsage } from '../usage.ts'
import { summarizeUsers } from '../users.ts'
import type { SessionRecord, Store } from '../types.ts'
import { errors } from '../../errors.ts'
import type { Cache } from './cache.ts'
import { read } from './db.ts'
import { USER_COLUMNS, userFromRow, type UserRow } from './rows.ts'
import type { createTxQueue } from './tx-queue.ts'

interface AccountDeps {
  pool: pg.Pool
  queue: ReturnType<typeof createTxQueue>
  cache: Cache
  box: SecretBox
  usage: Pick<ReturnType<typeof createUsageBuffer>, 'get' | 'dropUser' | 'restore'>
  /** Forgets what is kept in memory of a revoked key (spend, recent requests); its usage rows stay. */
  forgetKey: (keyId: string) => void
  changes: ReturnType<typeof createChangeEmitter>
  now: () => number
}

type AccountOps = Pick<Store, 'upsertUser' | 'getUser' | 'getUserToken' | 'isUserDisabled' | 'listUsers' | 'setUserDisabled' | 'deleteKeysOf' | 'deleteUser'>

type PendingOfUser = ReturnType<AccountDeps['usage']['dropUser']>

export function createAccountOps ({ pool, queue, cache, box, usage, forgetKey, changes, now }: AccountDeps): AccountOps {
  const iso = (ms = now()) => new Date(ms).toISOString()

  /** As a removal commits: the keys leave the cache and what memory keeps of them. */
  function dropKeys (keyIds: string[]) {
    for (const keyId of keyIds) {
      cache.removeKey(keyId)
      forgetKey(keyId)
    }
  }

  /** After a committed removal: one event per key (open streams follow), then one for the sessions. */
  function removed (uuid: string, keyIds: string[], sessions: number) {
    for (const keyId of keyIds) changes.emit({ type: 'key-deleted', keyId, userId: uuid })
    if (sessions > 0) changes.emit({ type: 'session-deleted' })
  }

  return {
    async upsertUser (input) {
      const fresh = input.token === null
        ? null
        : { token: box.encrypt(input.token.value), kind: input.token.kind, appUid: input.token.appUid ?? null }
      const user = await queue.run({
        run: async (tx) => {
          const at = iso()
          let rows: UserRow[]
          if (fresh) {
            // A new token replaces the stored one, its kind and its app (a user token has none).
            ({ rows } = await tx.write<UserRow>(
              `INSERT INTO users (uuid, username, token, token_kind, app_uid, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
               ON CONFLICT (uuid) DO UPDATE SET username = excluded.username, token = excluded.token, token_kind = excluded.token_kind,
                 app_uid = excluded.app_uid, updated_at = excluded.updated_at
               RETURNING ${USER_COLUMNS}`, [input.uuid, input.username, fresh.token, fresh.kind, fresh.appUid, at]))
          } else {
            const [found] = await tx.query('SELECT 1 FROM users WHERE uuid = $1', [input.uuid])
            if (!found) throw new Error('A new user needs a Puter token')
            ;({ rows } = await tx.write<UserRow>(`UPDATE users SET username = $2, updated_at = $3 WHERE uuid = $1 RETURNING ${USER_COLUMNS}`, [input.uuid, input.username, at]))
          }
          tx.note({ t: 'user-updated', u: input.uuid })
          return userFromRow(rows[0])
        },
        committed: (user) => cache.putUser(user)
      })
      changes.emit({ type: 'user-updated', userId: user.uuid })
      return user
    },

    async getUser (uuid) {
      return cache.users.get(uuid)
    },

    getUserToken (uuid) {
      const user = cache.users.get(uuid)
      if (!user) return undefined
      try {
        return cache.tokens.get(uuid, user.token)
      } catch (cause) {
        throw new errors.StoredTokenUnreadable({ cause })
      }
    },

    isUserDisabled (uuid) {
      return cache.users.get(uuid)?.disabledAt !== undefined
    },

    async listUsers () {
      const sessions = await read<{ userId: string, createdAt: string, expiresAt: string }>(pool,
        'SELECT user_id AS "userId", created_at AS "createdAt", expires_at AS "expiresAt" FROM sessions WHERE expires_at > $1', [iso()])
      return summarizeUsers(cache.users.values(), cache.keys.values(), sessions as SessionRecord[], (k) => addUsage(k, usage.get(k.id)), now())
    },

    async setUserDisabled (uuid, disabled) {
      if (!cache.users.has(uuid)) return undefined
      const result = await queue.run({
        run: async (tx) => {
          const { rows } = await tx.write<UserRow>(
            `UPDATE users SET disabled_at = CASE WHEN $2::boolean THEN COALESCE(disabled_at, $3) ELSE NULL END WHERE uuid = $1 RETURNING ${USER_COLUMNS}`,
            [uuid, disabled, iso()])
          if (!rows[0]) return undefined
          const sessions = disabled ? (await tx.write('DELETE FROM sessions WHERE user_id = $1', [uuid])).rowCount : 0
          tx.note({ t: 'user-updated', u: uuid })
          if (sessions > 0) tx.note({ t: 'session-deleted' })
          return { user: userFromRow(rows[0]), sessions }
        },
        committed: (result) => { if (result) cache.putUser(result.user) }
      })
      if (!result) return undefined
      changes.emit({ type: 'user-updated', userId: uuid })
      removed(uuid, [], result.sessions)
      return result.user
    },

    async deleteKeysOf (uuid) {
      const ids = await queue.run({
        run: async (tx) => {
          const { rows } = await tx.write<{ id: string }>('DELETE FROM keys WHERE user_id = $1 RETURNING id', [uuid])
          for (const { id } of rows) tx.note({ t: 'key-deleted', k: id, u: uuid })
          return rows.map((r) => r.id)
        },
        committed: dropKeys
      })
      removed(uuid, ids, 0)
      return ids
    },

    async deleteUser (uuid) {
      // Usage not yet written is dropped as the transaction runs, so that a flush in the same or a later transaction
      // cannot bring it back; it is put back if the transaction fails.
      const unwritten: PendingOfUser[] = []
      const result = await queue.run({
        run: async (tx) => {
          const del = (table: string, column: string, returning = '') => tx.write(`DELETE FROM ${table} WHERE ${column} = $1 ${returning}`, [uuid])
          const hadUser = (await del('users', 'uuid')).rowCount > 0
          const keyIds = (await del('keys', 'user_id', 'RETURNING id')).rows.map((r) => r.id as string)
          const sessions = (await del('sessions', 'user_id')).rowCount
          const rows = (await del('usage', 'user_id')).rowCount
          const audit = (await del('audit', 'user_id')).rowCount
          unwritten.push(usage.dropUser(uuid))
          for (const keyId of keyIds) tx.note({ t: 'key-deleted', k: keyId, u: uuid })
          if (sessions > 0) tx.note({ t: 'session-deleted' })
          if (hadUser) tx.note({ t: 'user-deleted', u: uuid })
          return { any: hadUser || keyIds.length + sessions + rows + audit > 0, hadUser, keyIds, sessions }
        },
        committed: (result) => {
          // Requests that ended while the transaction was under way.
          usage.dropUser(uuid)
          cache.removeUser(uuid)
          dropKeys(result.keyIds)
        },
        failed: () => { for (const u of unwritten) usage.restore(u) }
      })
      if (!result.any) return false
      removed(uuid, result.keyIds, result.sessions)
      if (result.hadUser) changes.emit({ type: 'user-deleted', userId: uuid })
      return true
    }
  }
}
