// How an instance follows the others: one LISTEN connection (reconnected with backoff when lost) receives their notes;
// the rows they name are read again and their changes emitted. After a lost connection (notes may have been missed)
// or an import, every cache is loaded again and what differs is emitted.
import pg from 'pg'
import type { createChangeEmitter } from '../changes.ts'
import type { StoreChange } from '../types.ts'
import { readSnapshot, type Cache } from './cache.ts'
import { createClient, type PgConnectionOptions } from './db.ts'
import { readNotes, type Note } from './notes.ts'
import { KEY_COLUMNS, USER_COLUMNS, keyFromRow, userFromRow, type KeyRow, type UserRow } from './rows.ts'
import type { createTxQueue } from './tx-queue.ts'
import type { createUsageOps } from './usage.ts'

const BACKOFF_MIN_MS = 100
const BACKOFF_MAX_MS = 5000
// A LISTEN connection that stopped answering (a network that drops packets) is found out within this.
const HEARTBEAT_MS = 5000

interface SyncDeps {
  connection: Pick<PgConnectionOptions, 'connectionString' | 'ssl'>
  channel: string
  /** This instance's id: its own notes are ignored (it applied its changes as they committed). */
  origin: string
  pool: pg.Pool
  queue: ReturnType<typeof createTxQueue>
  cache: Cache
  usage: Pick<ReturnType<typeof createUsageOps>, 'loadSpendOf' | 'forgetKey' | 'firstKeptDay' | 'buffer'>
  changes: ReturnType<typeof createChangeEmitter>
  onConnection?: (state: 'lost' | 'restored', err?: unknown) => void
  /** Each note of another instance as it arrives (for metrics). */
  onNote?: (type: Note['t']) => void
  /** Another instance asked for units of a shared limit (not a change of data: nothing is read again). */
  onSharesWanted?: (resource: string) => void
}

export function createSync (deps: SyncDeps) {
  const { pool, queue, cache, usage, changes } = deps
  let client: pg.Client | null = null
  let closed = false
  let backoff = BACKOFF_MIN_MS
  let retry: NodeJS.Timeout | null = null
  let queued: Note[] = []
  let draining = false
  let reloadWanted = false

  /** Loads every cache again and emits what differs from what they held. */
  async function reload () {
    const snapshot = await readSnapshot(pool, usage.firstKeptDay())
    const before = new Set(cache.users.keys())
    const found: StoreChange[] = cache.replace(snapshot)
    for (const c of found) {
      if (c.type === 'key-deleted') usage.forgetKey(c.keyId)
      if (c.type === 'user-deleted' && before.has(c.userId)) usage.buffer.dropUser(c.userId)
    }
    usage.loadSpendOf(cache.keys.keys(), snapshot.days)
    for (const c of found) changes.emit(c)
  }

  /** Reloads on the serial chain, again later while it fails (the database is away). */
  function requestReload () {
    if (reloadWanted || closed) return
    reloadWanted = true
    queue.serial(async () => {
      reloadWanted = false
      await reload()
    }).catch(() => {
      if (!closed) setTimeout(requestReload, BACKOFF_MAX_MS).unref()
    })
  }

  /** Reads again the rows other instances' notes name, then emits their changes in order. */
  async function apply (notes: Note[]) {
    if (notes.some((n) => n.t === 'reload')) return reload()
    const keyIds = new Set<string>()
    const userIds = new Set<string>()
    const usageKeys = new Set<string>()
    for (const n of notes) {
      if (n.t === 'usage') for (const k of n.k) { keyIds.add(k); usageKeys.add(k) }
      else if (n.t === 'key-created' || n.t === 'key-updated' || n.t === 'key-deleted') keyIds.add(n.k)
      else if (n.t === 'user-updated' || n.t === 'user-deleted') userIds.add(n.u)
    }
    const [keys, users, days] = await Promise.all([
      keyIds.size ? pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = ANY($1)`, [[...keyIds]]) : null,
      userIds.size ? pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE uuid = ANY($1)`, [[...userIds]]) : null,
      usageKeys.size
        ? pool.query<{ key_id: string, day: string, cost: number }>(
          `SELECT key_id, to_char(day, 'YYYY-MM-DD') AS day, sum(cost_micro_usd) AS cost FROM usage
           WHERE key_id = ANY($1) AND day >= $2::date GROUP BY key_id, day`, [[...usageKeys], usage.firstKeptDay()])
        : null
    ])
    const keyRows = new Map(keys?.rows.map((r) => [r.id, r]))
    for (const id of keyIds) {
      const row = keyRows.get(id)
      if (row) cache.putKey(keyFromRow(row))
      else if (cache.removeKey(id)) usage.forgetKey(id)
    }
    const userRows = new Map(users?.rows.map((r) => [r.uuid, r]))
    for (const uuid of userIds) {
      const row = userRows.get(uuid)
      if (row) cache.putUser(userFromRow(row))
      else if (cache.removeUser(uuid)) usage.buffer.dropUser(uuid)
    }
    if (days) usage.loadSpendOf(usageKeys, days.rows)
    for (const n of notes) {
      if (n.t === 'key-created' || n.t === 'key-updated' || n.t === 'key-deleted') changes.emit({ type: n.t, keyId: n.k, userId: n.u })
      else if (n.t === 'user-updated' || n.t === 'user-deleted') changes.emit({ type: n.t, userId: n.u })
      else if (n.t === 'session-deleted') changes.emit({ type: 'session-deleted' })
    }
  }

  function onNotification (payload: string | undefined) {
    const read = payload === undefined ? null : readNotes(payload)
    if (!read || read.origin === deps.origin) return
    if (deps.onNote) for (const n of read.notes) deps.onNote(n.t)
    const changed = read.notes.filter((n) => n.t !== 'shares-wanted')
    for (const n of read.notes) if (n.t === 'shares-wanted') deps.onSharesWanted?.(n.r)
    if (changed.length === 0) return
    queued.push(...changed)
    if (draining) return
    draining = true
    // Notes arriving while the chain is busy are applied together.
    queue.serial(async () => {
      const notes = queued
      queued = []
      draining = false
      await apply(notes)
    }).catch(() => requestReload())
  }

  function lost (c: pg.Client, err?: unknown) {
    if (client !== c) return
    client = null
    c.removeAllListeners('notification')
    c.end().catch(() => {})
    if (closed) return
    deps.onConnection?.('lost', err)
    schedule()
  }

  function schedule () {
    retry = setTimeout(async () => {
      retry = null
      try {
        await connect()
      } catch {
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)
        if (!closed) schedule()
        return
      }
      backoff = BACKOFF_MIN_MS
      deps.onConnection?.('restored')
      requestReload()
    }, backoff)
    retry.unref()
  }

  async function connect () {
    const c = createClient(deps.connection)
    c.on('notification', (msg) => onNotification(msg.payload))
    c.on('error', (err) => lost(c, err))
    c.on('end', () => lost(c))
    try {
      await c.connect()
      await c.query(`LISTEN ${pg.escapeIdentifier(deps.channel)}`)
    } catch (err) {
      c.removeAllListeners()
      c.on('error', () => {})
      await c.end().catch(() => {})
      throw err
    }
    if (closed) {
      await c.end().catch(() => {})
      return
    }
    client = c
  }

  const heartbeat = setInterval(() => {
    const c = client
    if (!c) return
    const timer = setTimeout(() => lost(c, new Error('The LISTEN connection stopped answering')), HEARTBEAT_MS)
    c.query('SELECT 1').then(() => clearTimeout(timer), (err) => {
      clearTimeout(timer)
      lost(c, err)
    })
  }, HEARTBEAT_MS)
  heartbeat.unref()

  return {
    /** Opens the LISTEN connection; before the caches are loaded, so that no change committed after the load is missed. */
    start: connect,
    reload,
    async close () {
      closed = true
      clearInterval(heartbeat)
      if (retry) clearTimeout(retry)
      const c = client
      client = null
      if (c) {
        c.removeAllListeners('notification')
        await c.end().catch(() => {})
      }
    }
  }
}
