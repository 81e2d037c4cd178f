// The JSON backend's key usage: counted in memory on every request (totals, day/model rows, spend, recent requests),
// written by a coalesced flush that also prunes old days, and read back merged with what is not written yet.
import { utcDay } from '../periods.ts'
import { createRecentRequests } from '../recent-requests.ts'
import { createSpendIndex } from '../spend.ts'
import { addCounters, addUsage, byDayKeyModel, countRequest, createUsageBuffer, type PendingUsage } from '../usage.ts'
import type { Store, UsageRow } from '../types.ts'
import type { createCommitQueue } from './commit-queue.ts'
import type { StoreDocument, StoredUsageRow } from './document.ts'

const DAY_MS = 86_400_000
export const DEFAULT_USAGE_RETENTION_DAYS = 400

interface UsageDeps {
  queue: ReturnType<typeof createCommitQueue<StoreDocument>>
  now: () => number
  retentionDays?: number
}

type UsageOps = Pick<Store, 'recordUsage' | 'spendOf' | 'usageRows' | 'recentRequests' | 'flushUsage'>

/** Adds taken usage to a draft: totals to the keys still there, rows (from `firstKept` on) even for keys revoked since. */
function writeUsage (draft: StoreDocument, taken: Map<string, PendingUsage>, firstKept: string) {
  for (const [id, p] of taken) {
    const key = draft.keys[id]
    if (key) Object.assign(key, addUsage(key, p))
    for (const row of p.rows.values()) {
      if (row.day < firstKept) continue
      const entry = draft.usage[id] ??= { userId: p.userId, rows: {} }
      // The row key starts with the day, so no model name can reach an object's prototype.
      const k = `${row.day}|${row.model}`
      const stored = entry.rows[k]
      if (stored) addCounters(stored, row)
      else entry.rows[k] = { ...row }
    }
  }
}

/** Removes from a draft the rows of days before `firstKept`, and keys left without rows. */
function pruneRows (draft: StoreDocument, firstKept: string) {
  for (const [id, entry] of Object.entries(draft.usage)) {
    for (const [k, row] of Object.entries(entry.rows)) if (row.day < firstKept) delete entry.rows[k]
    if (Object.keys(entry.rows).length === 0) delete draft.usage[id]
  }
}

/** Removes a user's rows from a draft (a deleted user). */
export function dropUsageOf (draft: StoreDocument, uuid: string) {
  for (const [id, entry] of Object.entries(draft.usage)) if (entry.userId === uuid) delete draft.usage[id]
}

export function createUsageOps ({ queue, now, retentionDays = DEFAULT_USAGE_RETENTION_DAYS }: UsageDeps) {
  const buffer = createUsageBuffer()
  const spend = createSpendIndex()
  const recent = createRecentRequests()
  for (const key of Object.values(queue.doc.keys)) {
    const rows = Object.values(queue.doc.usage[key.id]?.rows ?? {})
    spend.load(key.id, key.costMicroUsd, rows.map((r) => [r.day, r.costMicroUsd]))
  }
  // The first day kept when the document was last pruned: pruning walks every row, so it runs once a day (and at
  // the first write after a start).
  let prunedFrom: string | null = null

  const firstKeptDay = () => utcDay(now() - retentionDays * DAY_MS)

  const ops: UsageOps = {
    recordUsage (keyId, outcome) {
      // A request that ends after its key was revoked has nothing left to count against.
      const key = queue.doc.keys[keyId]
      if (key === undefined) return
      const req = countRequest(outcome, now)
      buffer.add(keyId, key.userId, req)
      spend.add(keyId, req.atMs, req.day, req.counters.costMicroUsd)
      recent.add(keyId, outcome, req)
    },

    spendOf (keyId, period, at) {
      return spend.of(keyId, period, at ?? now())
    },

    async usageRows (userId, { from, to, keyId }) {
      const rows = new Map<string, UsageRow>()
      const add = (id: string, row: StoredUsageRow) => {
        if (row.day < from || row.day > to || (keyId !== undefined && id !== keyId)) return
        const k = `${row.day}|${id}|${row.model}`
        const seen = rows.get(k)
        if (seen) addCounters(seen, row)
        else {
          const { day, model, ...counters } = row
          rows.set(k, { day, keyId: id, userId, model, ...counters })
        }
      }
      for (const [id, entry] of Object.entries(queue.doc.usage)) {
        if (entry.userId === userId) for (const row of Object.values(entry.rows)) add(id, row)
      }
      for (const [id, row] of buffer.rows(userId)) add(id, row)
      return [...rows.values()].sort(byDayKeyModel)
    },

    async recentRequests (userId, keyId) {
      const key = queue.doc.keys[keyId]
      if (!key || key.userId !== userId) return undefined
      return recent.list(keyId)
    },

    async flushUsage () {
      if (buffer.size === 0) return
      const taken = buffer.take()
      const firstKept = firstKeptDay()
      const prune = prunedFrom !== firstKept
      try {
        await queue.mutate((draft) => {
          writeUsage(draft, taken, firstKept)
          if (prune) pruneRows(draft, firstKept)
        }, () => {
          buffer.settle(taken)
          if (prune) {
            prunedFrom = firstKept
            spend.prune(firstKept)
          }
        })
      } catch (err) {
        // Put the usage back so the next flush retries it.
        buffer.restore(taken)
        throw err
      }
    }
  }

  return {
    ops,
    buffer,
    /** Forgets a revoked key's spend and recent requests (its rows stay: they are the user's history). */
    forgetKey (keyId: string) {
      spend.forget(keyId)
      recent.forget(keyId)
    }
  }
}
