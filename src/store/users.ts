// Users as the admin view lists them, made from the records every backend keeps: counts, usage totals, last activity.
import type { KeyRecord, SessionRecord, UsageTotals, UserRecord, UserSummary } from './types.ts'

/**
 * One summary per user, by username; `totalsOf` gives a key's usage totals (the backend adds what it has not
 * written yet). Keys and sessions of unknown users are left out; sessions that have expired are not counted.
 */
export function summarizeUsers (
  users: Iterable<UserRecord>,
  keys: Iterable<KeyRecord>,
  sessions: Iterable<SessionRecord>,
  totalsOf: (key: KeyRecord) => UsageTotals,
  nowMs: number
): UserSummary[] {
  const byId = new Map<string, UserSummary>()
  for (const { token, appUid, ...user } of users) {
    byId.set(user.uuid, {
      ...user,
      keyCount: 0,
      sessionCount: 0,
      lastActiveAt: user.updatedAt,
      lastUsedAt: null,
      requestCount: 0,
      errorCount: 0,
      inputTokens: 0,
      outputTokens: 0,
      costMicroUsd: 0
    })
  }
  for (const key of keys) {
    const summary = byId.get(key.userId)
    if (!summary) continue
    const totals = totalsOf(key)
    summary.keyCount++
    summary.requestCount += totals.requestCount
    summary.errorCount += totals.errorCount
    summary.inputTokens += totals.inputTokens
    summary.outputTokens += totals.outputTokens
    summary.costMicroUsd += totals.costMicroUsd
    summary.lastUsedAt = latest(summary.lastUsedAt, totals.lastUsedAt)
  }
  for (const session of sessions) {
    const summary = byId.get(session.userId)
    if (summary && Date.parse(session.expiresAt) > nowMs) summary.sessionCount++
  }
  for (const summary of byId.values()) summary.lastActiveAt = latest(summary.lastActiveAt, summary.lastUsedAt)!
  return [...byId.values()].sort((a, b) => a.username.localeCompare(b.username) || a.uuid.localeCompare(b.uuid))
}

/** The later of two ISO times, either of which may be missing. */
function latest (a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return Date.parse(a) >= Date.parse(b) ? a : b
}
