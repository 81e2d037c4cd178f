// The data store: one JSON document (users, sessions, keys) kept in memory, persisted atomically with coalesced, serialised writes.
import { readFile, chmod } from 'node:fs/promises'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { writeFileAtomic, type AtomicWriter } from './atomic-file.ts'
import { randomToken, type SecretBox } from './crypto.ts'

const UserRecordSchema = Type.Object({
  uuid: Type.String(),
  username: Type.String(),
  token: Type.String({ description: 'Newest Puter token, encrypted' }),
  tokenKind: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('app')], { description: "The person's own token, or an app-under-user token of this server's Puter app; absent in files written before it was recorded" })),
  appUid: Type.Optional(Type.String({ description: 'For an app token: the Puter app it was issued to' })),
  createdAt: Type.String(),
  updatedAt: Type.String()
})

const SessionRecordSchema = Type.Object({
  userId: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String()
})

const KeyRecordSchema = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  name: Type.String(),
  digest: Type.String({ description: 'Keyed digest of the full key, the only way keys are looked up' }),
  preview: Type.String(),
  secret: Type.Optional(Type.String({ description: 'The key, encrypted, kept only when KEY_REVEAL is on' })),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  requestCount: Type.Integer({ minimum: 0 })
})

export const StoreDocumentSchema = Type.Object({
  version: Type.Literal(1),
  users: Type.Record(Type.String(), UserRecordSchema),
  sessions: Type.Record(Type.String(), SessionRecordSchema),
  keys: Type.Record(Type.String(), KeyRecordSchema)
})

export type StoreDocument = Static<typeof StoreDocumentSchema>
export type UserRecord = Static<typeof UserRecordSchema>
export type SessionRecord = Static<typeof SessionRecordSchema>
export type KeyRecord = Static<typeof KeyRecordSchema>

export class StoreLoadError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreLoadError'
  }
}

export class StoreWriteError extends Error {
  code = 'store_write_failed'
  statusCode = 500
  /** The message is safe and useful to show to the caller. */
  expose = true
  constructor (options?: { cause?: unknown }) {
    super('Could not save the change to the data file; nothing was changed', options)
    this.name = 'StoreWriteError'
  }
}

export class KeyLimitError extends Error {
  code = 'key_limit_reached'
  statusCode = 409
  constructor (limit: number) {
    super(`You already have the maximum of ${limit} keys; revoke one before creating another`)
    this.name = 'KeyLimitError'
  }
}

export interface StoreOptions {
  file: string
  box: SecretBox
  /** Replaces the atomic writer, for failure tests. */
  writer?: AtomicWriter
  /** How often key usage (last used, counters) is flushed; 0 = only on flush()/close(). */
  usageFlushMs?: number
  now?: () => number
  onUsageFlushError?: (err: unknown) => void
}

export type RevealResult = { key: string } | { error: 'not_found' | 'no_secret' }

const KEY_PREFIX = 'sk-'

function emptyDocument (): StoreDocument {
  return { version: 1, users: {}, sessions: {}, keys: {} }
}

export function keyPreview (key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 4)}…${key.slice(-4)}`
}

export async function createStore (opts: StoreOptions) {
  const { file, box } = opts
  const writer = opts.writer ?? writeFileAtomic
  const now = opts.now ?? Date.now
  let doc = await loadDocument(file)
  // digest -> key id; rebuilt from the committed document after each successful write.
  let keyIndex = buildKeyIndex(doc)
  // Usage kept in memory between flushes: key id -> { last used, requests since last flush }.
  // The time is kept as a number: this runs on every proxied request, and is formatted only when read.
  const usage = new Map<string, { lastUsedMs: number, count: number }>()
  const stats = { writes: 0 }
  // uuid -> the decrypted token and the sealed value it came from, so a new sign-in invalidates it.
  const tokenCache = new Map<string, { sealed: string, plain: string }>()

  type Mutation<T> = { apply: (draft: StoreDocument) => T, resolve: (v: T) => void, reject: (e: unknown) => void }
  let pending: Mutation<any>[] = []
  let flushing: Promise<void> | null = null
  let closed = false

  // Every mutation runs against a copy of the committed document; the copy replaces it only once it is on disk.
  function mutate<T> (apply: (draft: StoreDocument) => T): Promise<T> {
    if (closed) return Promise.reject(new Error('Store is closed'))
    return new Promise<T>((resolve, reject) => {
      pending.push({ apply, resolve, reject })
      if (!flushing) flushing = runFlushes()
    })
  }

  async function runFlushes () {
    try {
      while (pending.length > 0) {
        // Let mutations that arrive in the same tick join this write.
        await new Promise((resolve) => setImmediate(resolve))
        const batch = pending
        pending = []
        const draft = structuredClone(doc)
        const results: Array<{ ok: true, value: unknown } | { ok: false, error: unknown }> = []
        for (const m of batch) {
          try {
            results.push({ ok: true, value: m.apply(draft) })
          } catch (error) {
            // Mutators validate before they change anything, so a throw leaves the draft as it was.
            results.push({ ok: false, error })
          }
        }
        if (!results.some((r) => r.ok)) {
          batch.forEach((m, i) => m.reject((results[i] as { error: unknown }).error))
          continue
        }
        try {
          await writer(file, JSON.stringify(draft, null, 2) + '\n')
          stats.writes++
        } catch (cause) {
          const error = new StoreWriteError({ cause })
          batch.forEach((m, i) => {
            const r = results[i]
            m.reject(r.ok ? error : r.error)
          })
          continue
        }
        doc = draft
        keyIndex = buildKeyIndex(doc)
        batch.forEach((m, i) => {
          const r = results[i]
          if (r.ok) m.resolve(r.value)
          else m.reject(r.error)
        })
      }
    } finally {
      flushing = null
    }
  }

  function iso (ms = now()) {
    return new Date(ms).toISOString()
  }

  async function flushUsage () {
    if (usage.size === 0) return
    const snapshot = new Map(usage)
    usage.clear()
    try {
      await mutate((draft) => {
        for (const [id, u] of snapshot) {
          const key = draft.keys[id]
          if (!key) continue
          key.lastUsedAt = iso(u.lastUsedMs)
          key.requestCount += u.count
        }
      })
    } catch (err) {
      // Put the usage back so the next flush retries it.
      for (const [id, u] of snapshot) {
        const cur = usage.get(id)
        usage.set(id, cur ? { lastUsedMs: cur.lastUsedMs, count: cur.count + u.count } : u)
      }
      throw err
    }
  }

  const usageTimer = opts.usageFlushMs
    ? setInterval(() => { flushUsage().catch((err) => opts.onUsageFlushError?.(err)) }, opts.usageFlushMs)
    : null
  usageTimer?.unref()

  function publicKey (k: KeyRecord) {
    const u = usage.get(k.id)
    return {
      id: k.id,
      name: k.name,
      preview: k.preview,
      createdAt: k.createdAt,
      lastUsedAt: u ? iso(u.lastUsedMs) : k.lastUsedAt,
      requestCount: k.requestCount + (u?.count ?? 0),
      hasSecret: k.secret !== undefined
    }
  }

  return {
    stats,
    file,

    /**
     * Creates the user or refreshes their username and, when `token` is given, their Puter token and its kind.
     * Without `token` the stored one is kept (a sign-in that must not replace it).
     */
    upsertUser (input: { uuid: string, username: string, token: { value: string, kind: 'user' | 'app', appUid?: string } | null }): Promise<UserRecord> {
      const fresh = input.token === null
        ? null
        : { token: box.encrypt(input.token.value), tokenKind: input.token.kind, ...(input.token.appUid === undefined ? {} : { appUid: input.token.appUid }) }
      return mutate((draft) => {
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
    },

    getUser (uuid: string): UserRecord | undefined {
      return doc.users[uuid]
    },

    /** The user's newest Puter token, decrypted (once per stored value: this is on every proxied request). */
    getUserToken (uuid: string): string | undefined {
      const user = doc.users[uuid]
      if (!user) return undefined
      const cached = tokenCache.get(uuid)
      if (cached?.sealed === user.token) return cached.plain
      const plain = box.decrypt(user.token)
      tokenCache.set(uuid, { sealed: user.token, plain })
      return plain
    },

    /** Creates a session and returns the cookie value; only its digest is stored. Expired sessions are pruned in the same write. */
    async createSession (userId: string, ttlMs: number): Promise<{ cookie: string, expiresAt: string }> {
      const cookie = randomToken(32)
      const digest = box.digest(cookie)
      const at = now()
      const expiresAt = iso(at + ttlMs)
      await mutate((draft) => {
        for (const [id, s] of Object.entries(draft.sessions)) {
          if (Date.parse(s.expiresAt) <= at) delete draft.sessions[id]
        }
        draft.sessions[digest] = { userId, createdAt: iso(at), expiresAt }
      })
      return { cookie, expiresAt }
    },

    /** The live session for a cookie value, or undefined when unknown or expired. */
    getSession (cookie: string): (SessionRecord & { user: UserRecord }) | undefined {
      const session = doc.sessions[box.digest(cookie)]
      if (!session || Date.parse(session.expiresAt) <= now()) return undefined
      const user = doc.users[session.userId]
      return user ? { ...session, user } : undefined
    },

    async deleteSession (cookie: string): Promise<boolean> {
      const digest = box.digest(cookie)
      if (!doc.sessions[digest]) return false
      return mutate((draft) => {
        const had = digest in draft.sessions
        delete draft.sessions[digest]
        return had
      })
    },

    /** Mints a new `sk-` key for the user. The plaintext is returned once; its secret is stored (encrypted) only if `keepSecret`. */
    async createKey (userId: string, input: { name?: string, keepSecret: boolean, maxKeys: number }) {
      const key = KEY_PREFIX + randomToken(36)
      const id = 'key_' + randomToken(12)
      const record: KeyRecord = {
        id,
        userId,
        name: input.name?.trim() || 'Untitled key',
        digest: box.digest(key),
        preview: keyPreview(key),
        ...(input.keepSecret ? { secret: box.encrypt(key) } : {}),
        createdAt: iso(),
        lastUsedAt: null,
        requestCount: 0
      }
      await mutate((draft) => {
        let count = 0
        for (const k of Object.values(draft.keys)) if (k.userId === userId) count++
        if (count >= input.maxKeys) throw new KeyLimitError(input.maxKeys)
        draft.keys[id] = record
      })
      return { ...publicKey(record), key }
    },

    listKeys (userId: string) {
      return Object.values(doc.keys)
        .filter((k) => k.userId === userId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map(publicKey)
    },

    revealKey (userId: string, id: string): RevealResult {
      const k = doc.keys[id]
      if (!k || k.userId !== userId) return { error: 'not_found' }
      if (k.secret === undefined) return { error: 'no_secret' }
      return { key: box.decrypt(k.secret) }
    },

    /** Deletes a key of the user's; false when it is not theirs or unknown. Effective at once for look-ups. */
    async deleteKey (userId: string, id: string): Promise<boolean> {
      const k = doc.keys[id]
      if (!k || k.userId !== userId) return false
      const deleted = await mutate((draft) => {
        const cur = draft.keys[id]
        if (!cur || cur.userId !== userId) return false
        delete draft.keys[id]
        return true
      })
      if (deleted) usage.delete(id)
      return deleted
    },

    /** O(1) look-up of a presented API key by its digest. */
    findKey (key: string): KeyRecord | undefined {
      if (!key.startsWith(KEY_PREFIX)) return undefined
      const id = keyIndex.get(box.digest(key))
      return id === undefined ? undefined : doc.keys[id]
    },

    /** Records a use of the key in memory; written to the file in batches, never per request. */
    touchKey (id: string) {
      const u = usage.get(id)
      const at = now()
      if (u) {
        u.lastUsedMs = at
        u.count++
      } else {
        usage.set(id, { lastUsedMs: at, count: 1 })
      }
    },

    flushUsage,

    /** Waits for queued writes and flushes usage; later mutations are refused. */
    async close () {
      if (usageTimer) clearInterval(usageTimer)
      await flushUsage().catch(() => {})
      for (let running = flushing; running; running = flushing) await running
      closed = true
    }
  }
}

export type Store = Awaited<ReturnType<typeof createStore>>

async function loadDocument (file: string): Promise<StoreDocument> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return emptyDocument()
    throw new StoreLoadError(`Cannot read data file ${file}: ${err?.code ?? err?.message}`, { cause: err })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new StoreLoadError(`Data file ${file} is not valid JSON; it was left untouched. Restore it from a backup or move it away to start empty`, { cause: err })
  }
  if (!Value.Check(StoreDocumentSchema, parsed)) {
    const first = Value.Errors(StoreDocumentSchema, parsed).First()
    throw new StoreLoadError(`Data file ${file} does not have the expected structure (${first?.path || '/'}: ${first?.message}); it was left untouched`)
  }
  // Tighten permissions of files made by older versions or by hand.
  await chmod(file, 0o600).catch(() => {})
  return parsed
}

function buildKeyIndex (doc: StoreDocument) {
  const index = new Map<string, string>()
  for (const k of Object.values(doc.keys)) index.set(k.digest, k.id)
  return index
}
