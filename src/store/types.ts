// The store contract every backend implements (json/, and pg/ shared by several instances); test/store/contract.ts checks it.
import type { Static } from '@sinclair/typebox'
import type { ShareBackend } from '../gateway/shares.ts'
import type { SecretBox } from './crypto.ts'
import type { BudgetPeriodSchema, KeyRecordSchema, KeySettingsSchema, SessionRecordSchema, UsageTotalsSchema, UserRecordSchema } from './records.ts'

export type UserRecord = Static<typeof UserRecordSchema>
export type KeySettings = Static<typeof KeySettingsSchema> & { name: string }
export type BudgetPeriod = Static<typeof BudgetPeriodSchema>
export type SessionRecord = Static<typeof SessionRecordSchema>
export type KeyRecord = Static<typeof KeyRecordSchema>
export type UsageTotals = Static<typeof UsageTotalsSchema>

/** A key as its owner sees it: no digest, no secret, usage not yet flushed included. */
export type KeyView = Omit<KeyRecord, 'digest' | 'secret' | 'previous'> & {
  hasSecret: boolean
  /** When a rotated-out secret stops working; null when there is none (or its grace is over). */
  previousExpiresAt: string | null
}

/** A new key: its view and, this once, the plaintext. */
export type CreatedKey = KeyView & { key: string }

export type SessionView = SessionRecord & { user: UserRecord }

export type RevealResult = { key: string } | { error: 'not_found' | 'no_secret' }

/**
 * A user as the admin view lists them: never their token. The usage totals are those of their keys added up (usage
 * not yet flushed included); lastActiveAt is their latest sign-in or key use.
 */
export type UserSummary = Omit<UserRecord, 'token' | 'appUid'> & UsageTotals & {
  keyCount: number
  /** Sessions not yet expired. */
  sessionCount: number
  lastActiveAt: string
}

export interface UpsertUserInput {
  uuid: string
  username: string
  /** The Puter token to store, or null to keep the stored one (a sign-in that must not replace it). */
  token: { value: string, kind: 'user' | 'app', appUid?: string } | null
}

export interface CreateKeyInput extends Partial<Omit<KeySettings, 'name'>> {
  name?: string
  /** Keep the key, encrypted, so that it can be revealed again (KEY_REVEAL). */
  keepSecret: boolean
  /** The user's cap; creating one more fails with errors.KeyLimitReached. */
  maxKeys: number
}

/** What a key's usage is counted in, per UTC day and model (and, summed, per key). */
export interface UsageCounters {
  requests: number
  errors: number
  /** Every input token, cached ones included. */
  inputTokens: number
  outputTokens: number
  /** Output tokens spent on reasoning (part of outputTokens). */
  reasoningTokens: number
  /** Input tokens read from a prompt cache (part of inputTokens). */
  cachedTokens: number
  /** Images generated (/v1/images/generations: one per image). */
  images: number
  /** Characters of text spoken (/v1/audio/speech). */
  speechCharacters: number
  /** Seconds of audio transcribed or translated (/v1/audio/transcriptions, /translations). */
  audioSeconds: number
  /** Estimated cost, in millionths of a US dollar. */
  costMicroUsd: number
}

/** One key's usage of one model on one UTC day. */
export interface UsageRow extends UsageCounters {
  /** YYYY-MM-DD, UTC. */
  day: string
  keyId: string
  userId: string
  /** The model id as the catalogue names it ('unknown' when the request named none). */
  model: string
}

/** How one request made with a key ended. */
export interface UsageOutcome {
  ok: boolean
  /** The model asked for, as the catalogue names it; 'unknown' when absent. */
  model?: string
  inputTokens?: number
  outputTokens?: number
  reasoningTokens?: number
  cachedTokens?: number
  images?: number
  speechCharacters?: number
  audioSeconds?: number
  /** Estimated cost in micro-dollars (integer). */
  costMicroUsd?: number
  /** When it ended, in ms since the epoch; now by default. */
  at?: number
  /** For the key's recent requests: the route (e.g. POST /v1/chat/completions), the HTTP status, the error code. */
  route?: string
  status?: number
  errorCode?: string | null
  /** Milliseconds to Puter's first byte, and from the request's start to its end. */
  ttfbMs?: number | null
  durationMs?: number
}

/** One entry of a key's recent requests: never any prompt or answer content. */
export interface RequestLogEntry {
  /** ISO time the request ended. */
  at: string
  route: string
  model: string
  status: number
  errorCode: string | null
  inputTokens: number
  outputTokens: number
  costMicroUsd: number
  ttfbMs: number | null
  durationMs: number
}

export type AuditAction =
  | 'user.signed_in' | 'user.signed_out_everywhere'
  | 'key.created' | 'key.revealed' | 'key.updated' | 'key.disabled' | 'key.enabled' | 'key.rotated' | 'key.revoked'
  | 'account.keys_revoked'

export interface AuditInput {
  userId: string
  action: AuditAction
  keyId?: string
  /** The key's name at the time. */
  keyName?: string
  /** The client address and user agent of the request that did it. */
  ip: string
  userAgent: string
  /** For key.updated: the names of the settings changed (never their values' secrets: there are none). */
  fields?: string[]
  /** For key.rotated: the grace given to the old secret. */
  graceSeconds?: number
}

export interface AuditEntry extends AuditInput {
  id: string
  /** ISO time. */
  at: string
}

/**
 * What changed, emitted once the change is committed. A backend shared by several instances emits the changes
 * other instances made too (within a second), so caches and open streams of every instance can follow.
 * `key-updated` is for a change to a key's name, settings or secret (updateKey, rotateKey); written usage emits nothing.
 * Removing a user's keys or all their data emits `key-deleted` for each key (so their open streams end),
 * `session-deleted` once for their sessions, then `user-deleted`; disabling or enabling a user emits `user-updated`.
 */
export type StoreChange =
  | { type: 'key-created' | 'key-updated' | 'key-deleted', keyId: string, userId: string }
  | { type: 'user-updated' | 'user-deleted', userId: string }
  | { type: 'session-deleted' }

export type StoreChangeListener = (change: StoreChange) => void

/** What a backend reports for GET /metrics: every callback optional, called off the request path. */
export interface StoreObserver {
  /** One write (the changes of a tick in one file write or one transaction) took `seconds`; ok false when it failed. */
  write?: (seconds: number, ok: boolean) => void
  /** One database statement took `seconds` (database backends). */
  query?: (seconds: number) => void
  /** Another instance's note of a change arrived (shared backends), its `type` one of a few fixed names. */
  invalidation?: (type: string) => void
}

/**
 * Failures reject with the named errors of src/errors.ts (KeyLimitReached, StoreWriteFailed, StoreLoadFailed); a
 * failed write changes nothing. The hot-path reads and recordUsage are synchronous and never touch I/O.
 * A backend's factory refuses data written under another APP_SECRET with errors.StoreLoadFailed (see secret-check.ts);
 * a single stored value that still does not decrypt fails its read with errors.StoredSecretUnreadable or
 * errors.StoredTokenUnreadable.
 */
export interface Store {
  /** Writes committed to durable storage (usage flushes included): lets tests and the bench prove batching. */
  readonly stats: { writes: number }

  /** Creates the user or refreshes their username and, when `token` is given, their Puter token and its kind. */
  upsertUser (input: UpsertUserInput): Promise<UserRecord>
  getUser (uuid: string): Promise<UserRecord | undefined>
  /** Hot path, from memory: the user's newest Puter token, decrypted once per stored value. */
  getUserToken (uuid: string): string | undefined
  /** Hot path, from memory: whether an administrator disabled the user (an unknown user is not disabled). */
  isUserDisabled (uuid: string): boolean
  /** Every user with their key and session counts, usage totals and last activity, by username; never a token. */
  listUsers (): Promise<UserSummary[]>
  /** Disables (ending their sessions in the same write) or re-enables a user; undefined for an unknown user. */
  setUserDisabled (uuid: string, disabled: boolean): Promise<UserRecord | undefined>
  /** Deletes the user, their Puter token, sessions, keys, usage rows and audit trail in one write; false when nothing was stored. */
  deleteUser (uuid: string): Promise<boolean>

  /** Creates a session and returns the cookie value; only its digest is stored. */
  createSession (userId: string, ttlMs: number): Promise<{ cookie: string, expiresAt: string }>
  /** The live session for a cookie value, with its user; undefined when unknown or expired. */
  getSession (cookie: string): Promise<SessionView | undefined>
  /** False when there was no such session. */
  deleteSession (cookie: string): Promise<boolean>
  /** Ends every session of the user (sign out everywhere); how many there were. */
  deleteSessionsOf (uuid: string): Promise<number>

  /** Mints a new `sk-` key for the user; its secret is stored (encrypted) only if `keepSecret`. */
  createKey (userId: string, input: CreateKeyInput): Promise<CreatedKey>
  /** The user's keys, newest first. */
  listKeys (userId: string): Promise<KeyView[]>
  revealKey (userId: string, id: string): Promise<RevealResult>
  /** Deletes a key of the user's; false when it is not theirs or unknown. findKey stops finding it at once. */
  deleteKey (userId: string, id: string): Promise<boolean>
  /** Deletes every key of the user, with a key-deleted change for each; the ids deleted. */
  deleteKeysOf (userId: string): Promise<string[]>
  /** One key of the user's, with its usage not yet flushed; undefined when not theirs or unknown. */
  getKey (userId: string, id: string): Promise<KeyView | undefined>
  /**
   * Changes the name and settings given (a field absent from `patch` is left as it is); undefined when the key is
   * not the user's. Emits key-updated. Validation is the route's: the store stores what it is given.
   */
  updateKey (userId: string, id: string, patch: Partial<KeySettings>): Promise<KeyView | undefined>
  /**
   * A new secret for the key: the current one stays accepted by findKey for `graceMs` more (0: stops at once; a
   * secret rotated out earlier stops now). Settings, usage and history stay. Emits key-updated.
   */
  rotateKey (userId: string, id: string, graceMs: number): Promise<CreatedKey | undefined>
  /**
   * Hot path, from memory: the key record for a presented key, found by its digest in O(1); the secret a rotation
   * replaced is found too until its grace ends (by the store's clock).
   */
  findKey (plainKey: string): KeyRecord | undefined
  /**
   * A shared backend's look-up of a key findKey missed (another instance may have created it a moment ago, before
   * its change reached this one): cached when found. Called only on a miss, after the failure limiter admitted the
   * address, so invalid keys cost at most AUTH_FAILURE_LIMIT look-ups per address and minute. Absent: a miss is final.
   */
  lookupKey? (plainKey: string): Promise<KeyRecord | undefined>
  /** Hot path, from memory: a key record by id (for change listeners: is the key now disabled?). */
  keyById (id: string): KeyRecord | undefined

  /**
   * Counts one finished request of a key, in memory: totals, the day/model row, the period spend, and the key's
   * recent-requests ring. Written in batches, never per request. Unknown keys are ignored.
   */
  recordUsage (keyId: string, outcome: UsageOutcome): void
  /**
   * Hot path, from memory, O(1) amortised: the key's estimated spend in micro-dollars in the budget period that
   * holds `at` (UTC; 'total' = every request of the key), usage not yet flushed included.
   */
  spendOf (keyId: string, period: BudgetPeriod, at?: number): number
  /**
   * The user's usage rows for days from..to (YYYY-MM-DD, inclusive, UTC), usage not yet flushed included, keys
   * revoked since included; optionally of one key. Sorted by day, key, model.
   */
  usageRows (userId: string, query: { from: string, to: string, keyId?: string }): Promise<UsageRow[]>
  /** The key's most recent requests, newest first (at most 200, kept in memory); undefined when not the user's. */
  recentRequests (userId: string, keyId: string): Promise<RequestLogEntry[] | undefined>

  /** Appends to the user's audit trail (joined to the write of a change made in the same tick); bounded per user. */
  audit (entry: AuditInput): Promise<void>
  /** The user's audit trail, newest first: `limit` entries older than the entry with id `before`, when given. */
  listAudit (userId: string, query: { limit: number, before?: string }): Promise<{ entries: AuditEntry[], hasMore: boolean }>
  /** Writes the usage counted since the last flush now (a timer does so otherwise). */
  flushUsage (): Promise<void>

  /** Calls the listener after each committed change; returns the function that unsubscribes it. */
  onChange (listener: StoreChangeListener): () => void

  /** Resolves when the store can serve (GET /health/ready): loaded and, for a database, answering; rejects otherwise. */
  ping? (): Promise<void>
  /** Sets the one observer of the store's timings (GET /metrics); returns the function that removes it. */
  observe? (observer: StoreObserver): () => void
  /**
   * A store shared by several instances: the ledger of the limits they share (a key's concurrency and requests per
   * minute, each Puter account's calls), so that together they hold them. Absent: one instance holds them alone.
   */
  readonly shareLedger?: ShareBackend

  /** Waits for queued writes, flushes usage and releases what the backend holds; later changes are refused. */
  close (): Promise<void>
}

/** What every backend factory is given besides its own settings. */
export interface StoreOptions {
  /** Encrypts tokens and key secrets and digests keys and sessions: made from APP_SECRET. */
  box: SecretBox
  /** How often usage is flushed; 0 = only on flushUsage()/close(). */
  usageFlushMs?: number
  /** Days of usage rows kept (default 400); older days are pruned when usage is flushed. */
  usageRetentionDays?: number
  now?: () => number
  /** Failures nobody awaits: a background usage flush, a throwing change listener, a lost lock. */
  onError?: (err: unknown, context: 'usage-flush' | 'change-listener' | 'lock') => void
}
