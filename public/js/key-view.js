// @ts-check
// How a key's state, limits and spend read, as DOM pieces the key table and the key panel share; pure: no state of
// their own, nothing but the key summary they are given.
import { h, formatUsd, relativeTime, formatDateTime } from './ui.js'

/** @import { KeySummary, KeyState, BudgetPeriod } from './api.js' */

/** @type {Record<KeyState, { label: string, why: string }>} */
const STATES = {
  active: { label: 'Active', why: 'Requests with this key are served.' },
  expired: { label: 'Expired', why: 'The key passed its expiry date: requests are refused. Set a new expiry to use it again.' },
  disabled: { label: 'Disabled', why: 'The key is disabled: requests are refused until you enable it.' },
  over_budget: { label: 'Over budget', why: 'The key spent its budget for this period: requests are refused until the period ends or the budget is raised.' }
}

/**
 * A badge naming what a request with the key gets now.
 * @param {KeyState} state
 */
export function stateBadge (state) {
  const s = STATES[state] ?? { label: state, why: '' }
  return h('span', { class: `state-badge state-${state}`, title: s.why, dataset: { state } }, s.label)
}

/**
 * Why the key is refused, in a sentence; '' when it is active.
 * @param {KeyState} state
 */
export const stateReason = (state) => state === 'active' ? '' : STATES[state]?.why ?? ''

/** @type {Record<BudgetPeriod, string>} */
const PERIOD = { day: 'today', week: 'this week', month: 'this month', total: 'in total' }
/** @type {Record<BudgetPeriod, string>} */
export const PER_PERIOD = { day: 'per day', week: 'per week', month: 'per month', total: 'in total' }

/**
 * "today", "this week", "this month", "in total".
 * @param {BudgetPeriod} period
 */
export const periodLabel = (period) => PERIOD[period] ?? period

/**
 * The key's estimated spend: with a budget, a bar (spent / budget this period); without, the amount alone.
 * @param {KeySummary} key
 * @param {{ detail?: boolean }} [opts] detail: say when the period starts again
 */
export function spendView (key, { detail = false } = {}) {
  const spent = key.spend?.usd ?? 0
  if (!key.budget) {
    return h('div', { class: 'spend' },
      h('span', { class: 'spend-text' }, formatUsd(spent), h('span', { class: 'muted' }, ` ${periodLabel(key.spend?.period ?? 'total')}`)),
      detail ? h('span', { class: 'spend-sub muted' }, 'No budget') : null)
  }
  const { usd, period } = key.budget
  const ratio = usd > 0 ? spent / usd : 1
  const pct = Math.min(100, Math.max(0, ratio * 100))
  const level = ratio >= 1 ? 'over' : ratio >= 0.8 ? 'near' : 'ok'
  const text = `${formatUsd(spent)} of ${formatUsd(usd)} ${periodLabel(period)}`
  const fill = h('span', { class: 'budget-fill' })
  // Through the CSSOM, which the CSP allows whatever its style-src.
  fill.style.width = `${pct.toFixed(1)}%`
  return h('div', { class: `spend spend-${level}` },
    h('span', { class: 'spend-text' }, text),
    h('span', {
      class: 'budget-bar',
      role: 'progressbar',
      'aria-label': `Budget used ${periodLabel(period)}`,
      'aria-valuemin': '0',
      'aria-valuemax': String(usd),
      'aria-valuenow': String(Math.min(spent, usd)),
      'aria-valuetext': text
    }, fill),
    detail && key.spend?.resetsAt
      ? h('span', { class: 'spend-sub muted', title: formatDateTime(key.spend.resetsAt) }, `Starts again from $0 ${relativeTime(key.spend.resetsAt)}`)
      : null)
}

/**
 * The key's limits in short phrases: models, rate, concurrency, expiry ("gpt-4o*, claude-*", "60 / min"…).
 * @param {KeySummary} key
 * @returns {string[]}
 */
export function limitPhrases (key) {
  const out = []
  const models = key.allowedModels ?? []
  if (models.length > 0) out.push(models.length <= 2 ? models.join(', ') : `${models.slice(0, 2).join(', ')} +${models.length - 2}`)
  if (key.limits?.rpm) out.push(`${key.limits.rpm} / min`)
  if (key.limits?.concurrency) out.push(`${key.limits.concurrency} at once`)
  if (key.expiresAt) out.push(key.state === 'expired' ? `expired ${relativeTime(key.expiresAt)}` : `expires ${relativeTime(key.expiresAt)}`)
  return out
}

/**
 * A muted line of the key's limits, or null when it has none.
 * @param {KeySummary} key
 */
export function limitsLine (key) {
  const phrases = limitPhrases(key)
  return phrases.length ? h('span', { class: 'key-limits', title: phrases.join(' · ') }, phrases.join(' · ')) : null
}
