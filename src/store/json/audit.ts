// The JSON backend's audit trail: each user's entries, oldest first, appended through the commit queue (so an entry
// joins the write of a change made in the same tick) and bounded by count and age.
import { randomToken } from '../crypto.ts'
import type { AuditEntry, Store } from '../types.ts'
import type { createCommitQueue } from './commit-queue.ts'
import type { StoreDocument } from './document.ts'

/** Entries kept per user; older ones are dropped as new ones come. */
export const AUDIT_MAX_ENTRIES = 1000
/** Entries older than this are dropped (and never listed). */
export const AUDIT_MAX_DAYS = 400

const DAY_MS = 86_400_000

interface AuditDeps {
  queue: ReturnType<typeof createCommitQueue<StoreDocument>>
  now: () => number
}

/** The index of the first entry not older than `oldestMs` (entries are in time order). */
function firstKept (list: AuditEntry[], oldestMs: number): number {
  let i = 0
  while (i < list.length && Date.parse(list[i].at) < oldestMs) i++
  return i
}

/** A copy, so that no caller can change the stored entry. */
function copy (e: AuditEntry): AuditEntry {
  return e.fields ? { ...e, fields: [...e.fields] } : { ...e }
}

export function createAuditOps ({ queue, now }: AuditDeps): Pick<Store, 'audit' | 'listAudit'> {
  return {
    async audit (input) {
      const at = now()
      // Only the fields the contract names are stored, whatever else the caller's object holds.
      const { userId, action, keyId, keyName, ip, userAgent, fields, graceSeconds } = input
      const entry: AuditEntry = {
        id: 'aud_' + randomToken(12),
        at: new Date(at).toISOString(),
        userId,
        action,
        ...(keyId === undefined ? {} : { keyId }),
        ...(keyName === undefined ? {} : { keyName }),
        ip,
        userAgent,
        ...(fields === undefined ? {} : { fields: [...fields] }),
        ...(graceSeconds === undefined ? {} : { graceSeconds })
      }
      await queue.mutate((draft) => {
        const list = Object.hasOwn(draft.audit, userId) ? draft.audit[userId] : (draft.audit[userId] = [])
        list.push(entry)
        const drop = Math.max(firstKept(list, at - AUDIT_MAX_DAYS * DAY_MS), list.length - AUDIT_MAX_ENTRIES)
        if (drop > 0) list.splice(0, drop)
      })
    },

    async listAudit (userId, { limit, before }) {
      const list = Object.hasOwn(queue.doc.audit, userId) ? queue.doc.audit[userId] : []
      const start = firstKept(list, now() - AUDIT_MAX_DAYS * DAY_MS)
      // An unknown `before` (an entry pruned since, or another user's) has nothing older to show.
      const end = before === undefined ? list.length : list.findIndex((e) => e.id === before)
      if (end < start) return { entries: [], hasMore: false }
      const n = Number.isFinite(limit) && limit > 0 ? Math.floor(limit) : 0
      const from = Math.max(start, end - n)
      return { entries: list.slice(from, end).reverse().map(copy), hasMore: from > start }
    }
  }
}

/** Removes a user's audit trail from a draft (a deleted user). */
export function dropAuditOf (draft: StoreDocument, uuid: string) {
  if (Object.hasOwn(draft.audit, uuid)) delete draft.audit[uuid]
}
