// Key usage counted in memory between flushes, and key views that include it: the hot path never waits for storage.
import type { KeyRecord, KeyView, UsageOutcome, UsageTotals } from './types.ts'

/** What a key was used for since the last flush. */
interface PendingUsage {
  lastUsedMs: number
  requests: number
  errors: number
  inputTokens: number
  outputTokens: number
}

/** A token count Puter reported, made safe to store: the schemas want an integer ≥ 0 and a file breaking them is refused. */
function tokenCount (n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0
}

/** The usage totals of a record (and nothing else of it), with pending usage added. */
export function addUsage (totals: UsageTotals, p: PendingUsage | undefined): UsageTotals {
  const { lastUsedAt, requestCount, errorCount, inputTokens, outputTokens } = totals
  if (!p) return { lastUsedAt, requestCount, errorCount, inputTokens, outputTokens }
  // The time is kept as a number while pending (this runs on every request) and formatted only here.
  const later = lastUsedAt === null || Date.parse(lastUsedAt) < p.lastUsedMs
  return {
    lastUsedAt: later ? new Date(p.lastUsedMs).toISOString() : lastUsedAt,
    requestCount: requestCount + p.requests,
    errorCount: errorCount + p.errors,
    inputTokens: inputTokens + p.inputTokens,
    outputTokens: outputTokens + p.outputTokens
  }
}

/** A key as its owner sees it, with the usage not yet flushed. */
export function keyView (record: KeyRecord, pending: PendingUsage | undefined): KeyView {
  const { digest, secret, ...rest } = record
  return { ...rest, ...addUsage(record, pending), hasSecret: secret !== undefined }
}

export function createUsageBuffer (now: () => number) {
  let pending = new Map<string, PendingUsage>()

  function add (keyId: string, p: PendingUsage) {
    const u = pending.get(keyId)
    if (!u) {
      pending.set(keyId, p)
      return
    }
    u.lastUsedMs = Math.max(u.lastUsedMs, p.lastUsedMs)
    u.requests += p.requests
    u.errors += p.errors
    u.inputTokens += p.inputTokens
    u.outputTokens += p.outputTokens
  }

  return {
    get size () {
      return pending.size
    },
    get (keyId: string): PendingUsage | undefined {
      return pending.get(keyId)
    },
    record (keyId: string, outcome: UsageOutcome) {
      add(keyId, {
        lastUsedMs: outcome.at ?? now(),
        requests: 1,
        errors: outcome.ok ? 0 : 1,
        inputTokens: tokenCount(outcome.inputTokens),
        outputTokens: tokenCount(outcome.outputTokens)
      })
    },
    /** Takes everything counted so far, to be flushed; restore() gives it back when the flush fails. */
    take (): Map<string, PendingUsage> {
      const taken = pending
      pending = new Map()
      return taken
    },
    restore (taken: Map<string, PendingUsage>) {
      for (const [keyId, p] of taken) add(keyId, p)
    },
    drop (keyId: string) {
      pending.delete(keyId)
    }
  }
}
