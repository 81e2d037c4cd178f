// Each key's most recent requests, in memory only (never written, gone with a restart or the key): a ring per key.
import type { CountedRequest } from './usage.ts'
import type { RequestLogEntry, UsageOutcome } from './types.ts'

export const RECENT_REQUESTS = 200

/** What a ring slot keeps: the time as a number (this runs on every request), formatted only when read. */
type Slot = Omit<RequestLogEntry, 'at'> & { atMs: number }

const duration = (ms: number | null | undefined) => typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : null

export function createRecentRequests (size = RECENT_REQUESTS) {
  const rings = new Map<string, { slots: Slot[], next: number }>()

  return {
    add (keyId: string, outcome: UsageOutcome, req: CountedRequest) {
      let ring = rings.get(keyId)
      if (!ring) {
        ring = { slots: [], next: 0 }
        rings.set(keyId, ring)
      }
      const slot: Slot = {
        atMs: req.atMs,
        route: outcome.route ?? '',
        model: req.model,
        status: outcome.status ?? (outcome.ok ? 200 : 500),
        errorCode: outcome.errorCode ?? null,
        inputTokens: req.counters.inputTokens,
        outputTokens: req.counters.outputTokens,
        costMicroUsd: req.counters.costMicroUsd,
        ttfbMs: duration(outcome.ttfbMs),
        durationMs: duration(outcome.durationMs) ?? 0
      }
      if (ring.slots.length < size) ring.slots.push(slot)
      else ring.slots[ring.next] = slot
      ring.next = (ring.next + 1) % size
    },
    /** Newest first (in the order they were counted). */
    list (keyId: string): RequestLogEntry[] {
      const ring = rings.get(keyId)
      if (!ring) return []
      const out: RequestLogEntry[] = []
      const n = ring.slots.length
      for (let i = 1; i <= n; i++) {
        const { atMs, ...rest } = ring.slots[(ring.next - i + n) % n]
        out.push({ at: new Date(atMs).toISOString(), ...rest })
      }
      return out
    },
    forget (keyId: string) {
      rings.delete(keyId)
    }
  }
}
