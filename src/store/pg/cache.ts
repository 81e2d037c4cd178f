// What an instance keeps in memory for the hot path: every user and key, keys indexed by digest (current and, during
// a rotation's grace, rotated-out), decrypted tokens. Loaded whole at start and after a lost connection; kept fresh by
// this instance's commits and other instances' notes.
import type pg from 'pg'
import { createDecryptCache, type SecretBox } from '../crypto.ts'
import { KEY_PREFIX } from '../records.ts'
import type { KeyRecord, StoreChange, UserRecord } from '../types.ts'
import { KEY_COLUMNS, USER_COLUMNS, keyFromRow, userFromRow, type KeyRow, type UserRow } from './rows.ts'

/** Everything the caches hold, read in one snapshot. */
export interface Snapshot {
  users: UserRecord[]
  keys: KeyRecord[]
  secretCheck: string | undefined
  /** Cost per key and UTC day, from `firstKept` on. */
  days: Array<{ key_id: string, day: string, cost: number }>
}

/** Reads every user, key and day of spend in one consistent snapshot. */
export async function readSnapshot (pool: pg.Pool, firstKept: string): Promise<Snapshot> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const users = await client.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users`)
    const keys = await client.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys`)
    const check = await client.query<{ value: string }>("SELECT value FROM meta WHERE name = 'secret_check'")
    const days = await client.query<Snapshot['days'][number]>(
      `SELECT u.key_id, to_char(u.day, 'YYYY-MM-DD') AS day, sum(u.cost_micro_usd) AS cost FROM usage u
       JOIN keys k ON k.id = u.key_id WHERE u.day >= $1 GROUP BY u.key_id, u.day`, [firstKept])
    await client.query('COMMIT')
    return { users: users.rows.map(userFromRow), keys: keys.rows.map(keyFromRow), secretCheck: check.rows[0]?.value, days: days.rows }
  } catch (err) {
    broken = true
    throw err
  } finally {
    client.release(broken)
  }
}

/** Whether a key's change is one its listeners hear as key-updated (name, settings, secret), not only its usage. */
function keySignature (k: KeyRecord): string {
  return JSON.stringify([k.userId, k.name, k.digest, k.secret, k.previous, k.updatedAt, k.expiresAt, k.disabled, k.allowedModels, k.limits, k.budget])
}

function userSignature (u: UserRecord): string {
  return JSON.stringify([u.username, u.token, u.tokenKind, u.appUid, u.disabledAt, u.updatedAt])
}

export function createCache (box: SecretBox) {
  const users = new Map<string, UserRecord>()
  const keys = new Map<string, KeyRecord>()
  const index = new Map<string, { id: string, until: number }>()
  const tokens = createDecryptCache(box)

  function unindex (k: KeyRecord) {
    for (const digest of [k.digest, k.previous?.digest]) {
      if (digest !== undefined && index.get(digest)?.id === k.id) index.delete(digest)
    }
  }

  function indexKey (k: KeyRecord) {
    // A current digest wins over any rotated-out one.
    if (k.previous && index.get(k.previous.digest)?.until !== Infinity) index.set(k.previous.digest, { id: k.id, until: Date.parse(k.previous.expiresAt) })
    index.set(k.digest, { id: k.id, until: Infinity })
  }

  const cache = {
    users,
    keys,
    tokens,
    putKey (k: KeyRecord) {
      const old = keys.get(k.id)
      if (old) unindex(old)
      keys.set(k.id, k)
      indexKey(k)
    },
    removeKey (id: string): KeyRecord | undefined {
      const old = keys.get(id)
      if (!old) return undefined
      unindex(old)
      keys.delete(id)
      return old
    },
    putUser (u: UserRecord) {
      users.set(u.uuid, u)
    },
    removeUser (uuid: string): boolean {
      tokens.forget(uuid)
      return users.delete(uuid)
    },
    /** The key a presented secret opens, by the store's clock (a rotated-out secret until its grace ends). */
    findKey (plainKey: string, nowMs: number): KeyRecord | undefined {
      if (!plainKey.startsWith(KEY_PREFIX)) return undefined
      const found = index.get(box.digest(plainKey))
      if (found === undefined || (found.until !== Infinity && !(found.until > nowMs))) return undefined
      return keys.get(found.id)
    },
    /** Replaces everything with a snapshot; the changes listeners should hear about (what others did meanwhile). */
    replace (snapshot: Pick<Snapshot, 'users' | 'keys'>): StoreChange[] {
      const changes: StoreChange[] = []
      const nextKeys = new Map(snapshot.keys.map((k) => [k.id, k]))
      for (const [id, old] of keys) {
        const next = nextKeys.get(id)
        if (!next) changes.push({ type: 'key-deleted', keyId: id, userId: old.userId })
        else if (keySignature(next) !== keySignature(old)) changes.push({ type: 'key-updated', keyId: id, userId: next.userId })
      }
      for (const [id, next] of nextKeys) if (!keys.has(id)) changes.push({ type: 'key-created', keyId: id, userId: next.userId })
      const nextUsers = new Map(snapshot.users.map((u) => [u.uuid, u]))
      for (const [uuid, old] of users) {
        const next = nextUsers.get(uuid)
        if (!next) changes.push({ type: 'user-deleted', userId: uuid })
        else if (userSignature(next) !== userSignature(old)) changes.push({ type: 'user-updated', userId: uuid })
      }
      for (const uuid of nextUsers.keys()) if (!users.has(uuid)) changes.push({ type: 'user-updated', userId: uuid })

      for (const uuid of users.keys()) if (!nextUsers.has(uuid)) tokens.forget(uuid)
      users.clear()
      for (const u of snapshot.users) users.set(u.uuid, u)
      keys.clear()
      index.clear()
      for (const k of snapshot.keys) keys.set(k.id, k)
      for (const k of snapshot.keys) if (k.previous) index.set(k.previous.digest, { id: k.id, until: Date.parse(k.previous.expiresAt) })
      for (const k of snapshot.keys) index.set(k.digest, { id: k.id, until: Infinity })
      return changes
    }
  }
  return cache
}

export type Cache = ReturnType<typeof createCache>
