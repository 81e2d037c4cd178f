// The PostgreSQL backend's keys: minted, listed, changed, rotated and revoked by their owner in transactions, and
// found on every request from the cache (by the digest of the current secret or, during a grace, the replaced one).
import type { SecretBox } from '../crypto.ts'
import type { createChangeEmitter } from '../changes.ts'
import { KEY_PREFIX, mintKey, mintSecret, revealSecret } from '../records.ts'
import { keyView, type createUsageBuffer } from '../usage.ts'
import type { KeyRecord, KeySettings, Store } from '../types.ts'
import { errors } from '../../errors.ts'
import type { Cache } from './cache.ts'
import { LOCK_CLASS } from './migrate.ts'
import { KEY_COLUMNS, KEY_INSERT, USER_COLUMNS, keyFromRow, keyParams, userFromRow, type KeyRow, type UserRow } from './rows.ts'
import { read } from './db.ts'
import type pg from 'pg'
import type { Tx, createTxQueue } from './tx-queue.ts'

interface KeyDeps {
  pool: pg.Pool
  queue: ReturnType<typeof createTxQueue>
  cache: Cache
  box: SecretBox
  changes: ReturnType<typeof createChangeEmitter>
  usage: Pick<ReturnType<typeof createUsageBuffer>, 'get'>
  /** Forgets what is kept in memory of a revoked key (spend, recent requests). */
  forgetKey: (keyId: string) => void
  now: () => number
}

type KeyOps = Pick<Store, 'createKey' | 'listKeys' | 'getKey' | 'updateKey' | 'rotateKey' | 'revealKey' | 'deleteKey' | 'findKey' | 'keyById'> & Required<Pick<Store, 'lookupKey'>>

/** A SET value that is another column of the row as it was (never text from outside). */
class ColumnRef {
  readonly column: 'digest'
  constructor (column: 'digest') {
    this.column = column
  }
}

/** The SET clause and parameters of the fields present in a patch (a field absent or undefined is left as it is). */
function patchColumns (patch: Partial<KeySettings>, name: string | undefined): Array<[string, unknown]> {
  const set: Array<[string, unknown]> = []
  if (name !== undefined) set.push(['name', name])
  if (patch.expiresAt !== undefined) set.push(['expires_at', patch.expiresAt])
  if (patch.disabled !== undefined) set.push(['disabled', patch.disabled])
  if (patch.allowedModels !== undefined) set.push(['allowed_models', [...patch.allowedModels]])
  if (patch.limits?.rpm !== undefined) set.push(['rpm', patch.limits.rpm])
  if (patch.limits?.concurrency !== undefined) set.push(['concurrency', patch.limits.concurrency])
  if (patch.budget !== undefined) set.push(['budget_usd', patch.budget?.usd ?? null], ['budget_period', patch.budget?.period ?? null])
  return set
}

/** Updates a key of the user's; the row as stored, or undefined when it is not theirs. */
async function updateOwn (tx: Tx, userId: string, id: string, set: Array<[string, unknown]>): Promise<KeyRecord | undefined> {
  const params: unknown[] = [id, userId]
  const clauses = set.map(([column, v]) => {
    if (v instanceof ColumnRef) return `${column} = ${v.column}`
    params.push(v)
    return `${column} = $${params.length}`
  })
  const sql = `UPDATE keys SET ${clauses.join(', ')} WHERE id = $1 AND user_id = $2 RETURNING ${KEY_COLUMNS}`
  const { rows } = await tx.write<KeyRow>(sql, params)
  return rows[0] && keyFromRow(rows[0])
}

export function createKeyOps ({ pool, queue, cache, box, changes, usage, forgetKey, now }: KeyDeps): KeyOps {
  const iso = (ms = now()) => new Date(ms).toISOString()
  const view = (k: KeyRecord) => keyView(k, usage.get(k.id), now())
  const ownKey = (userId: string, id: string): KeyRecord | undefined => {
    const k = cache.keys.get(id)
    return k?.userId === userId ? k : undefined
  }

  /** Changes a key of the user's in one transaction, then emits key-updated; undefined when it is not theirs. */
  async function changeKey (userId: string, id: string, set: () => Array<[string, unknown]>): Promise<KeyRecord | undefined> {
    if (!ownKey(userId, id)) return undefined
    const key = await queue.run({
      run: async (tx) => {
        const key = await updateOwn(tx, userId, id, [...set(), ['updated_at', iso()]])
        if (key) tx.note({ t: 'key-updated', k: id, u: userId })
        return key
      },
      committed: (key) => { if (key) cache.putKey(key) }
    })
    if (key) changes.emit({ type: 'key-updated', keyId: id, userId })
    return key
  }

  return {
    async createKey (userId, input) {
      const { key, record } = mintKey(box, userId, input, iso())
      await queue.run({
        run: async (tx) => {
          // One creation at a time per user, on every instance, so that the cap holds.
          await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS.keys, userId])
          const [{ n }] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM keys WHERE user_id = $1', [userId])
          if (n >= input.maxKeys) throw new errors.KeyLimitReached(input.maxKeys)
          await tx.write(KEY_INSERT, keyParams(record))
          tx.note({ t: 'key-created', k: record.id, u: userId })
        },
        committed: () => cache.putKey(record)
      })
      changes.emit({ type: 'key-created', keyId: record.id, userId })
      return { ...view(record), key }
    },

    async listKeys (userId) {
      return [...cache.keys.values()]
        .filter((k) => k.userId === userId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map(view)
    },

    async getKey (userId, id) {
      const k = ownKey(userId, id)
      return k && view(k)
    },

    async updateKey (userId, id, patch) {
      const name = patch.name === undefined ? undefined : (patch.name.trim() || 'Untitled key')
      const key = await changeKey(userId, id, () => patchColumns(patch, name))
      return key && view(key)
    },

    async rotateKey (userId, id, graceMs) {
      const current = ownKey(userId, id)
      if (!current) return undefined
      // The secret is kept (for KEY_REVEAL) only if the key kept its first one.
      const { key: plain, ...sealed } = mintSecret(box, current.secret !== undefined)
      const key = await changeKey(userId, id, () => {
        const grace = graceMs > 0 && Number.isFinite(graceMs)
        return [
          // SET expressions see the row as it was: the replaced digest is the one stored now.
          ['previous_digest', grace ? new ColumnRef('digest') : null],
          ['previous_expires_at', grace ? iso(now() + graceMs) : null],
          ['digest', sealed.digest],
          ['preview', sealed.preview],
          ['secret', sealed.secret ?? null]
        ]
      })
      return key && { ...view(key), key: plain }
    },

    async revealKey (userId, id) {
      return revealSecret(box, id, ownKey(userId, id))
    },

    async deleteKey (userId, id) {
      if (!ownKey(userId, id)) return false
      const deleted = await queue.run({
        run: async (tx) => {
          const { rowCount } = await tx.write('DELETE FROM keys WHERE id = $1 AND user_id = $2', [id, userId])
          if (rowCount > 0) tx.note({ t: 'key-deleted', k: id, u: userId })
          return rowCount > 0
        },
        committed: (deleted) => {
          if (!deleted) return
          cache.removeKey(id)
          forgetKey(id)
        }
      })
      if (deleted) changes.emit({ type: 'key-deleted', keyId: id, userId })
      return deleted
    },

    findKey (plainKey) {
      return cache.findKey(plainKey, now())
    },

    /**
     * A key the cache misses, read from the database: another instance may have created (or rotated) it a moment
     * ago, before its note arrived. Cached with its owner, so later requests are served from memory.
     */
    async lookupKey (plainKey) {
      if (!plainKey.startsWith(KEY_PREFIX)) return undefined
      const digest = box.digest(plainKey)
      const rows = await read<KeyRow>(pool, `SELECT ${KEY_COLUMNS} FROM keys WHERE digest = $1 OR previous_digest = $1`, [digest])
      if (rows.length === 0) return undefined
      const record = keyFromRow(rows[0])
      if (!cache.users.has(record.userId)) {
        const users = await read<UserRow>(pool, `SELECT ${USER_COLUMNS} FROM users WHERE uuid = $1`, [record.userId])
        if (users.length > 0 && !cache.users.has(record.userId)) cache.putUser(userFromRow(users[0]))
      }
      // A note that arrived meanwhile may have put a newer copy (or removed it): that one wins.
      if (!cache.keys.has(record.id)) cache.putKey(record)
      return cache.findKey(plainKey, now())
    },

    keyById (id) {
      return cache.keys.get(id)
    }
  }
}
