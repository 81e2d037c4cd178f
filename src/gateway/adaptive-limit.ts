// One adaptive limit of the Puter account queue (puter-queue.ts): additive increase under demand, multiplicative
// decrease when Puter refuses, a ceiling and a growing hold before probing past it again. Pure functions of a Level.

export interface Bounds { min: number, max: number }

/*
 * Adaptive limits (AIMD). The plan of an account is not visible (free: 3 in flight and 30 per 10 s; paid: 20 and 200;
 * temporary: 2 and 20), so each (account, driver method) starts at the free tier's and learns from Puter's answers:
 * - Additive increase, only under demand: every CONCURRENCY_CALLS_PER_STEP calls that had to wait for a slot and that
 *   Puter then accepted add one slot; each call that waited for the window and was accepted adds one to it. A burst of
 *   up to six calls (Claude Code's main turn, side calls and subagents at once) therefore stays at 3 and never probes;
 *   sustained demand adds a slot per 3 waited calls, so a paid account is at 20 after about 50 of them (minutes of an
 *   agent's work), and its window, which grows only while full, about doubles every 10 s (30 to 200 in some 30 s).
 * - Multiplicative decrease on 429 too_many_requests ("concurrent" in Puter's message: the concurrency limit; otherwise
 *   the window): the limit becomes ⌊BETA × k⌋, k being the level Puter refused (calls in flight, or in the window,
 *   counting the refused one). 0.75 lands on the tier below a failed probe (4 → 3, 3 → 2, 21 → 15) where Reno's 0.5
 *   would leave a free account at 2 of its 3; like CUBIC's 0.7 it is gentler than halving, which suits a budget that is
 *   the account's own rather than shared with unknown flows. One cut per epoch: refusals of calls sent under the
 *   older, higher limit do not cut again.
 * - After a cut, k − 1 is the ceiling: the limit regrows up to it freely but probes past it only after a hold of 30 s
 *   (three of Puter's windows: the refused burst is gone), doubled by each failed probe up to 15 min. A free account
 *   under constant load sends Puter at most one refused call per 15 min and driver method, which the relay retries out
 *   of the client's sight; a probe Puter accepts lifts the ceiling (the plan was upgraded).
 */
export const CONCURRENCY_CALLS_PER_STEP = 3
export const WINDOW_CALLS_PER_STEP = 1
const BETA = 0.75
const HOLD_START_MS = 30_000
const HOLD_MAX_MS = 15 * 60_000

/** One adaptive limit and what was learnt about it. */
export interface Level {
  value: number
  /** Accepted waited calls since the last step. */
  credit: number
  /** The highest level not refused since the last cut; Infinity before any. */
  ceiling: number
  holdMs: number
  /** When growth past the ceiling may be tried again. */
  probeAt: number
  epoch: number
}

export const newLevel = (value: number): Level => ({ value, credit: 0, ceiling: Infinity, holdMs: 0, probeAt: 0, epoch: 0 })
export const clamp = (n: number, b: Bounds) => Math.min(b.max, Math.max(b.min, n))

/** Additive increase: a step per `callsPerStep` accepted calls that waited, up to the ceiling until probing is due. */
export function grow (level: Level, bounds: Bounds, callsPerStep: number, at: number): boolean {
  if (++level.credit < callsPerStep) return false
  level.credit = 0
  if (level.value >= bounds.max || (level.value >= level.ceiling && at < level.probeAt)) return false
  level.value++
  return true
}

/** Multiplicative decrease after Puter refused the level k; the ceiling and the hold before the next probe. */
export function cut (level: Level, bounds: Bounds, k: number, at: number): void {
  level.value = clamp(Math.floor(BETA * k), bounds)
  // A refused probe past the ceiling: the same limit as before, so probe less often. Anything else starts afresh.
  level.holdMs = k > level.ceiling ? Math.min(HOLD_MAX_MS, Math.max(HOLD_START_MS, level.holdMs * 2)) : HOLD_START_MS
  level.ceiling = Math.max(bounds.min, k - 1)
  level.probeAt = at + level.holdMs
  level.credit = 0
  level.epoch++
}
