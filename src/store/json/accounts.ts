// The JSON backend's whole-account operations: the admin listing, disabling a user, and removing all a user holds
// (sessions, keys, or everything) in one write each, with a change event for every key and session removed.
import type { createDecryptCache } from '../crypto.ts'
import type { createChangeEmitter } from '../changes.ts'
import type { createUsageBuffer } from '../usage.ts'
import { addUsage } from '../usage.ts'
import { summarizeUsers } from '../users.ts'
import type { Store } from '../types.ts'
import { dropAuditOf } from './audit.ts'
import type { createCommitQueue } from './commit-queue.ts'
import type { StoreDocument } from './document.ts'
import { dropUsageOf } from './usage.ts'

interface AccountDeps {
  queue: ReturnType<typeof createCommitQueue<StoreDocument>>
  usage: Pick<ReturnType<typeof createUsageBuffer>, 'get' | 'dropUser' | 'restore'>
  /** Forgets what is kept in memory of a revoked key (spend, recent requests); its usage rows stay. */
  forgetKey: (keyId: string) => void
  changes: ReturnType<typeof createChangeEmitter>
  tokens: ReturnType<typeof createDecryptCache>
  now: () => number
}

type AccountOps = Pick<Store, 'isUserDisabled' | 'listUsers' | 'setUserDisabled' | 'deleteSessionsOf' | 'deleteKeysOf' | 'deleteUser'>

/** Removes the user's sessions from a draft; how many there were. */
function dropSessions (draft: StoreDocument, uuid: string): number {
  let n = 0
  for (const [digest, s] of Object.entries(draft.sessions)) {
    if (s.userId === uuid) {
      delete draft.sessions[digest]
      n++
    }
  }
  return n
}

/** Removes the user's keys from a draft; their ids. */
function dropKeys (draft: StoreDocument, uuid: string): string[] {
  const ids: string[] = []
  for (const k of Object.values(draft.keys)) {
    if (k.userId === uuid) {
      delete draft.keys[k.id]
      ids.push(k.id)
    }
  }
  return ids
}

const holdsAny = (records: Record<string, { userId: string }>, uuid: string) => Object.values(records).some((r) => r.userId === uuid)

type PendingOfUser = ReturnType<AccountDeps['usage']['dropUser']>

export function createAccountOps ({ queue, usage, forgetKey, changes, tokens, now }: AccountDeps): AccountOps {
  /** After a committed removal: what memory keeps of each key forgotten and one event per key (open streams follow), then sessions. */
  function removed (uuid: string, keyIds: string[], sessions: number) {
    for (const keyId of keyIds) {
      forgetKey(keyId)
      changes.emit({ type: 'key-deleted', keyId, userId: uuid })
    }
    if (sessions > 0) changes.emit({ type: 'session-deleted' })
  }

  return {
    isUserDisabled (uuid) {
      return queue.doc.users[uuid]?.disabledAt !== undefined
    },

    async listUsers () {
      const { users, keys, sessions } = queue.doc
      return summarizeUsers(Object.values(users), Object.values(keys), Object.values(sessions), (k) => addUsage(k, usage.get(k.id)), now())
    },

    async setUserDisabled (uuid, disabled) {
      if (!queue.doc.users[uuid]) return undefined
      const result = await queue.mutate((draft) => {
        const user = draft.users[uuid]
        if (!user) return undefined
        if (!disabled) {
          delete user.disabledAt
          return { user, sessions: 0 }
        }
        user.disabledAt ??= new Date(now()).toISOString()
        return { user, sessions: dropSessions(draft, uuid) }
      })
      if (!result) return undefined
      changes.emit({ type: 'user-updated', userId: uuid })
      removed(uuid, [], result.sessions)
      return result.user
    },

    async deleteSessionsOf (uuid) {
      if (!holdsAny(queue.doc.sessions, uuid)) return 0
      const n = await queue.mutate((draft) => dropSessions(draft, uuid))
      removed(uuid, [], n)
      return n
    },

    async deleteKeysOf (uuid) {
      if (!holdsAny(queue.doc.keys, uuid)) return []
      const ids = await queue.mutate((draft) => dropKeys(draft, uuid))
      removed(uuid, ids, 0)
      return ids
    },

    async deleteUser (uuid) {
      const { users, keys, sessions, usage: rows, audit } = queue.doc
      if (!users[uuid] && !holdsAny(keys, uuid) && !holdsAny(sessions, uuid) && !holdsAny(rows, uuid) && !Object.hasOwn(audit, uuid)) return false
      // Usage not yet written is dropped with the draft, so that no flush queued behind this write brings it back;
      // it is put back if the write fails.
      let unwritten = null as PendingOfUser | null
      let result
      try {
        result = await queue.mutate((draft) => {
          const hadUser = uuid in draft.users
          delete draft.users[uuid]
          dropUsageOf(draft, uuid)
          dropAuditOf(draft, uuid)
          const removal = { hadUser, keyIds: dropKeys(draft, uuid), sessions: dropSessions(draft, uuid) }
          unwritten = usage.dropUser(uuid)
          return removal
        })
      } catch (err) {
        if (unwritten) usage.restore(unwritten)
        throw err
      }
      // Requests that ended while the write was under way.
      usage.dropUser(uuid)
      tokens.forget(uuid)
      removed(uuid, result.keyIds, result.sessions)
      if (result.hadUser) changes.emit({ type: 'user-deleted', userId: uuid })
      return true
    }
  }
}
