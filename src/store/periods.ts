// UTC days and budget periods, shared by the store (spend per period, usage rows) and the routes (reset times).
import type { BudgetPeriod } from './types.ts'

const DAY_MS = 86_400_000

/** The UTC day of a time, as YYYY-MM-DD. */
export function utcDay (ms: number): string {
  // Every request asks for the day it is: the last day's string is kept with its bounds (a Date and an ISO string
  // per request otherwise).
  if (ms >= lastDay.start && ms < lastDay.start + DAY_MS) return lastDay.day
  const start = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS)
  const day = new Date(start).toISOString().slice(0, 10)
  lastDay = { start, day }
  return day
}
let lastDay = { start: NaN, day: '' }

/** Milliseconds at 00:00 UTC of a YYYY-MM-DD day. */
export function dayStart (day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`)
}

/**
 * The budget period holding `at`: its first instant and the first instant of the next one (ms, UTC). A day is the
 * calendar day, a week the ISO week (Monday 00:00 to Monday 00:00), a month the calendar month; `total` has no bounds.
 */
export function periodBounds (period: BudgetPeriod, at: number): { start: number, end: number } | null {
  const d = new Date(at)
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
  switch (period) {
    case 'day':
      return { start: midnight, end: midnight + DAY_MS }
    case 'week': {
      const sinceMonday = (d.getUTCDay() + 6) % 7
      const start = midnight - sinceMonday * DAY_MS
      return { start, end: start + 7 * DAY_MS }
    }
    case 'month':
      return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) }
    case 'total':
      return null
  }
}
