// The JSON file backend of the store: one document in memory, written atomically to one file by one locked process.
import { writeFileAtomic, type AtomicWriter } from '../atomic-file.ts'
import { createDecryptCache, randomToken } from '../crypto.ts'
import { createChangeEmitter } from '../changes.ts'
import { secretCheckValue, verifyAppSecret } from '../secret-check.ts'
import type { Store, StoreObserver, StoreOptions, UserRecord } from '../types.ts'
import { errors } from '../../errors.ts'
import { buildKeyIndex, loadDocument, type StoreDocument } from './document.ts'
import { createCommitQueue } from './commit-queue.ts'
import { lockDataFile } from './lock.ts'
import { createAccountOps } from './accounts.ts'
import { createAuditOps } from './audit.ts'
import { createKeyOps } from './keys.ts'
import { createUsageOps } from './usage.ts'

export interface JsonStoreOptions extends StoreOptions {
  file: string
  /** Replaces the atomic writer, for failure tests. */
  writer?: AtomicWriter
  /** How long a lock nobody refreshes is held to be a dead process's (see lock.ts). */
  lockStaleMs?: number
  /** Another process seems to hold the data file: start waits for its lock to go stale. */
  onLockBusy?: () => void
}

export async function createJsonStore (opts: JsonStoreOptions): Promise<Store> {
  const { file, box } = opts
  const writer = opts.writer ?? writeFileAtomic
  const now = opts.now ?? Date.now
  const onError = opts.onError ?? (() => {})
  const unlock = await lockDataFile(file, {
    staleMs: opts.lockStaleMs,
    onBusy: opts.onLockBusy,
    onCompromised: (err) => onError(err, 'lock')
  })
  let initial: StoreDocument
  try {
    initial = await loadDocument(file)
    verifyAppSecret(box, `The data file ${file}`, {
      check: initial.secretCheck,
      sealed: [...Object.values(initial.users).map((u) => u.token), ...Object.values(initial.keys).flatMap((k) => k.secret ?? [])]
    })
  } catch (err) {
    await unlock().catch(() => {})
    throw err
  }
  // Files from before the check value get it with their first write; a new file is created with it.
  initial.secretCheck ??= secretCheckValue(box)

  const stats = { writes: 0 }
  let observer: StoreObserver = {}
  // Digests (current and rotated-out) -> key; rebuilt from the committed document after each successful write.
  let keyIndex = buildKeyIndex(initial)
  const queue = createCommitQueue<StoreDocument>({
    initial,
    write: async (doc) => {
      const started = performance.now()
      let ok = false
      try {
        await writer(file, JSON.stringify(doc, null, 2) + '\n')
        ok = true
      } finally {
        observer.write?.((performance.now() - started) / 1000, ok)
      }
      stats.writes++
    },
    onCommit: (doc) => { keyIndex = buildKeyIndex(doc) }
  })
  const usage = createUsageOps({ queue, now, retentionDays: opts.usageRetentionDays })
  const changes = createChangeEmitter((err) => onError(err, 'change-listener'))
  const tokens = createDecryptCache(box)
  const iso = (ms = now()) => new Date(ms).toISOString()

  const usageTimer = opts.usageFlushMs
    ? setInterval(() => { usage.ops.flushUsage().catch((err) => onError(err, 'usage-flush')) }, opts.usageFlushMs)
    : null
  usageTimer?.unref()

  let closing: Promise<void> | null = null

  return {
    stats,
    ...createAccountOps({ queue, usage: usage.buffer, forgetKey: usage.forgetKey, changes, tokens, now }),
    ...createKeyOps({ queue, box, changes, usage: usage.buffer, forgetKey: usage.forgetKey, keyIndex: () => keyIndex, now }),
    ...usage.ops,
    ...createAuditOps({ queue, now }),

    async upsertUser (input) {
      const fresh = input.token === null
        ? null
        : { token: box.encrypt(input.token.value), tokenKind: input.token.kind, ...(input.token.appUid === undefined ? {} : { appUid: input.token.appUid }) }
      const user = await queue.mutate((draft) => {
        const at = iso()
        const existing = draft.users[input.uuid]
        if (!existing && !fresh) throw new Error('A new user needs a Puter token')
        let user: UserRecord
        if (existing) {
          user = { ...existing, username: input.username, updatedAt: at }
          if (fresh) {
            delete user.appUid
            Object.assign(user, fresh)
          }
        } else {
          user = { uuid: input.uuid, username: input.username, ...fresh!, createdAt: at, updatedAt: at }
        }
        draft.users[input.uuid] = user
        return user
      })
      changes.emit({ type: 'user-updated', userId: user.uuid })
      return user
    },

    async getUser (uuid) {
      return queue.doc.users[uuid]
    },

    getUserToken (uuid) {
      const user = queue.doc.users[uuid]
      if (!user) return undefined
      try {
        return tokens.get(uuid, user.token)
      } catch (cause) {
        throw new errors.StoredTokenUnreadable({ cause })
      }
    },

    // Expired sessions are pruned in the same write.
    async createSession (userId, ttlMs) {
      const cookie = randomToken(32)
      const digest = box.digest(cookie)
      const at = now()
      const expiresAt = iso(at + ttlMs)
      await queue.mutate((draft) => {
        for (const [id, s] of Object.entries(draft.sessions)) {
          if (Date.parse(s.expiresAt) <= at) delete draft.sessions[id]
        }
        draft.sessions[digest] = { userId, createdAt: iso(at), expiresAt }
      })
      return { cookie, expiresAt }
    },

    async getSession (cookie) {
      const { sessions, users } = queue.doc
      const session = sessions[box.digest(cookie)]
      if (!session || Date.parse(session.expiresAt) <= now()) return undefined
      const user = users[session.userId]
      return user ? { ...session, user } : undefined
    },

    async deleteSession (cookie) {
      const digest = box.digest(cookie)
      if (!queue.doc.sessions[digest]) return false
      const deleted = await queue.mutate((draft) => {
        const had = digest in draft.sessions
        delete draft.sessions[digest]
        return had
      })
      if (deleted) changes.emit({ type: 'session-deleted' })
      return deleted
    },

    onChange: changes.on,

    // Loaded and not closing: the file is written only when something changes, so there is nothing else to ask.
    async ping () {
      if (closing) throw new Error('The store is closing')
    },

    observe (o) {
      observer = o
      return () => { if (observer === o) observer = {} }
    },

    close () {
      closing ??= (async () => {
        if (usageTimer) clearInterval(usageTimer)
        await usage.ops.flushUsage().catch((err) => onError(err, 'usage-flush'))
        await queue.drain(true)
        // ERELEASED: the lock was lost while held, which onCompromised has reported already.
        await unlock().catch((err) => { if (err?.code !== 'ERELEASED') onError(err, 'lock') })
      })()
      return closing
    }
  }
}
