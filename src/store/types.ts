// The store contract every backend implements (json/ today, a shared PostgreSQL one later); test/store/contract.ts checks it.
import type { Static } from '@sinclair/typebox'
import type { SecretBox } from './crypto.ts'
import type { KeyRecordSchema, SessionRecordSchema, UsageTotalsSchema, UserRecordSchema } from './records.ts'

export type UserRecord = Static<typeof UserRecordSchema>
export type SessionRecord = Static<typeof SessionRecordSchema>
export type KeyRecord = Static<typeof KeyRecordSchema>
export type UsageTotals = Static<typeof UsageTotalsSchema>

/** A key as its owner sees it: no digest, no secret, usage not yet flushed included. */
export type KeyView = Omit<KeyRecord, 'digest' | 'secret'> & { hasSecret: boolean }

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

export interface CreateKeyInput {
  name?: string
  /** Keep the key, encrypted, so that it can be revealed again (KEY_REVEAL). */
  keepSecret: boolean
  /** The user's cap; creating one more fails with errors.KeyLimitReached. */
  maxKeys: number
}

/** How one request made with a key ended. */
export interface UsageOutcome {
  ok: boolean
  inputTokens?: number
  outputTokens?: number
  /** When it ended, in ms since the epoch; now by default. */
  at?: number
}

/**
 * What changed, emitted once the change is committed. A backend shared by several instances emits the changes
 * other instances made too (within a second), so caches and open streams of every instance can follow.
 * `key-updated` is for a change to a key's name or secret (no operation makes one yet); written usage emits nothing.
 * Removing a user's keys or all their data emits `key-deleted` for each key (so their open streams end),
 * `session-deleted` once for their sessions, then `user-deleted`; disabling or enabling a user emits `user-updated`.
 */
export type StoreChange =
  | { type: 'key-created' | 'key-updated' | 'key-deleted', keyId: string, userId: string }
  | { type: 'user-updated' | 'user-deleted', userId: string }
  | { type: 'session-deleted' }

export type StoreChangeListener = (change: StoreChange) => void

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
  /** Deletes the user, their Puter token, sessions, keys and usage in one write; false when nothing was stored. */
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
  /** Hot path, from memory: the key record for a presented key, found by its digest in O(1). */
  findKey (plainKey: string): KeyRecord | undefined

  /** Counts one finished request of a key, in memory; written in batches, never per request. Unknown keys are ignored. */
  recordUsage (keyId: string, outcome: UsageOutcome): void
  /** Writes the usage counted since the last flush now (a timer does so otherwise). */
  flushUsage (): Promise<void>

  /** Calls the listener after each committed change; returns the function that unsubscribes it. */
  onChange (listener: StoreChangeListener): () => void

  /** Waits for queued writes, flushes usage and releases what the backend holds; later changes are refused. */
  close (): Promise<void>
}

/** What every backend factory is given besides its own settings. */
export interface StoreOptions {
  /** Encrypts tokens and key secrets and digests keys and sessions: made from APP_SECRET. */
  box: SecretBox
  /** How often usage is flushed; 0 = only on flushUsage()/close(). */
  usageFlushMs?: number
  now?: () => number
  /** Failures nobody awaits: a background usage flush, a throwing change listener, a lost lock. */
  onError?: (err: unknown, context: 'usage-flush' | 'change-listener' | 'lock') => void
}
