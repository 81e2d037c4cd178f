// @ts-check
// Usage tab: a date range (7, 30 or 90 days, or from/to), totals, charts of requests, tokens and estimated cost per
// day stacked by key or model (usage-charts.js), a table by key and by model, and the CSV download.
import { server, describeError } from './api.js'
import { state, on, setUsage, sessionLost } from './state.js'
import { $, h, showAlert, busy, toast, formatCount, formatUsd } from './ui.js'
import { drawCharts, clearCharts, dayLabel } from './usage-charts.js'

/** @import { Usage, UsageCounters } from './api.js' */
/** @import { StackBy } from './usage-charts.js' */

const DAY_MS = 86_400_000
/** Sequence of loads: an answer for a range no longer asked for is dropped. */
let loads = 0

/** @param {Date} d */
const utcDay = (d) => d.toISOString().slice(0, 10)

/** The radio button checked in a group, by name. */
const checked = (/** @type {string} */ name) => {
  const el = document.querySelector(`input[name="${name}"]:checked`)
  return el instanceof window.HTMLInputElement ? el.value : ''
}

/** @returns {StackBy} */
const stackBy = () => checked('usage-stack') === 'model' ? 'model' : 'key'

/**
 * The range asked for: the last N UTC days including today, or the custom from/to; a problem when it makes no sense.
 * @returns {{ from: string, to: string, problem?: string }}
 */
function range () {
  const choice = checked('usage-range')
  if (choice !== 'custom') {
    const days = Number(choice) || 30
    const now = Date.now()
    return { from: utcDay(new Date(now - (days - 1) * DAY_MS)), to: utcDay(new Date(now)) }
  }
  const from = $('usage-from', window.HTMLInputElement).value
  const to = $('usage-to', window.HTMLInputElement).value
  if (!from || !to) return { from, to, problem: 'Choose both a first and a last day.' }
  if (from > to) return { from, to, problem: 'The first day is after the last day.' }
  return { from, to }
}

/** Loads the usage of the chosen range; the view follows through the 'usage' event. */
export async function loadUsage () {
  if (!state.user) return
  const r = range()
  showAlert($('usage-error'), r.problem ?? '')
  if (r.problem) return
  const seq = ++loads
  const first = state.usage === null
  $('usage-loading').hidden = !first
  $('panel-usage').setAttribute('aria-busy', 'true')
  try {
    const usage = await server.usage(r)
    if (seq === loads) setUsage(usage)
  } catch (err) {
    if (seq === loads && !sessionLost(err)) showAlert($('usage-error'), `Could not load the usage: ${describeError(err)}`)
  } finally {
    if (seq === loads) {
      $('usage-loading').hidden = true
      $('panel-usage').removeAttribute('aria-busy')
    }
  }
}

/**
 * Sums the day rows' breakdowns into one row per key (or model), most costly first.
 * @param {Usage} usage
 * @param {'byKey' | 'byModel'} split
 */
function rowsBy (usage, split) {
  /** @type {Map<string, UsageCounters>} */
  const rows = new Map()
  for (const day of usage.data) {
    for (const [id, c] of Object.entries(day[split] ?? {})) {
      const row = rows.get(id) ?? { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedTokens: 0, costUsd: 0 }
      for (const k of /** @type {Array<keyof UsageCounters>} */ (Object.keys(row))) row[k] += c[k] ?? 0
      rows.set(id, row)
    }
  }
  return [...rows].sort((a, b) => b[1].costUsd - a[1].costUsd || b[1].requests - a[1].requests || a[0].localeCompare(b[0]))
}

/**
 * The cells of a table row after its name.
 * @param {UsageCounters} c
 */
const figures = (c) => [
  h('td', { 'data-label': 'Requests', class: 'num' }, formatCount(c.requests)),
  h('td', { 'data-label': 'Failed', class: 'num' }, c.errors ? formatCount(c.errors) : h('span', { class: 'muted' }, '0')),
  h('td', { 'data-label': 'Tokens in', class: 'num' }, formatCount(c.inputTokens)),
  h('td', { 'data-label': 'Tokens out', class: 'num' }, formatCount(c.outputTokens)),
  h('td', { 'data-label': 'Cost (est.)', class: 'num' }, formatUsd(c.costUsd))
]

/**
 * Fills one of the two tables, with a totals row.
 * @param {string} tableId
 * @param {Array<[string, UsageCounters]>} rows
 * @param {(id: string) => Node | string} name
 * @param {string} nameLabel
 * @param {UsageCounters} totals
 */
function fillTable (tableId, rows, name, nameLabel, totals) {
  const table = $(tableId, window.HTMLTableElement)
  table.tBodies[0].replaceChildren(...rows.map(([id, c]) => h('tr', { dataset: { id } }, h('th', { scope: 'row', 'data-label': nameLabel }, name(id)), ...figures(c))))
  table.tFoot?.remove()
  if (rows.length > 1) table.createTFoot().append(h('tr', {}, h('th', { scope: 'row', 'data-label': nameLabel }, 'Total'), ...figures(totals)))
}

function render () {
  const usage = state.usage
  const t = usage?.totals
  $('usage-total-requests').textContent = t ? formatCount(t.requests) : '–'
  $('usage-total-errors').textContent = t ? `${formatCount(t.errors)} failed` : ''
  $('usage-total-input').textContent = t ? formatCount(t.inputTokens) : '–'
  $('usage-total-cached').textContent = t ? `${formatCount(t.cachedTokens)} cached` : ''
  $('usage-total-output').textContent = t ? formatCount(t.outputTokens) : '–'
  $('usage-total-reasoning').textContent = t ? `${formatCount(t.reasoningTokens)} reasoning` : ''
  $('usage-total-cost').textContent = t ? formatUsd(t.costUsd) : '–'
  $('usage-range-text').textContent = usage ? `${dayLabel(usage.from)} – ${dayLabel(usage.to)} (UTC), ${usage.data.length} days` : ''

  const empty = !usage || usage.totals.requests === 0
  $('usage-empty').hidden = !usage || !empty
  $('usage-charts').hidden = empty
  $('usage-tables').hidden = empty
  if (!usage || empty) {
    clearCharts()
    return
  }
  fillTable('usage-by-key', rowsBy(usage, 'byKey'), (id) => {
    const known = state.keys?.some((k) => k.id === id)
    const label = usage.keys[id] ?? id
    return h('span', { class: `usage-name${known ? '' : ' muted'}`, title: label }, label)
  }, 'Key', usage.totals)
  fillTable('usage-by-model', rowsBy(usage, 'byModel'), (id) => h('code', { class: 'usage-name', title: id }, id), 'Model', usage.totals)
  drawCharts(usage, stackBy()).catch((err) => showAlert($('usage-error'), describeError(err)))
}

/** Downloads the range as CSV (GET /v1/usage?format=csv), through a link to the file in memory. */
async function downloadCsv () {
  const r = range()
  if (r.problem) {
    showAlert($('usage-error'), r.problem)
    return
  }
  showAlert($('usage-error'), '')
  await busy($('usage-csv', window.HTMLButtonElement), async () => {
    try {
      const { blob, filename } = await server.usageCsv(r)
      const url = URL.createObjectURL(blob)
      const a = h('a', { href: url, download: filename, hidden: true })
      document.body.append(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      toast(`Downloaded ${filename}`)
    } catch (err) {
      if (!sessionLost(err)) showAlert($('usage-error'), `Could not download the CSV: ${describeError(err)}`)
    }
  })
}

/** Shows the custom from/to fields, filled with the range shown so far. */
function syncCustom () {
  const custom = checked('usage-range') === 'custom'
  $('usage-custom').hidden = !custom
  if (custom) {
    const from = $('usage-from', window.HTMLInputElement)
    const to = $('usage-to', window.HTMLInputElement)
    const today = utcDay(new Date())
    if (!from.value) from.value = state.usage?.from ?? utcDay(new Date(Date.now() - 29 * DAY_MS))
    if (!to.value) to.value = state.usage?.to ?? today
    from.max = today
    to.max = today
  }
}

export function initUsage () {
  on('usage', render)
  on('auth', () => {
    // Signed out, or another user signed in: nothing of the previous user's stays on screen.
    if (!state.usage) {
      loads++
      render()
    }
    // Opened at #usage: the tab was on screen before the session was known.
    if (state.user && !$('panel-usage').hidden) loadUsage()
  })
  for (const input of document.querySelectorAll('input[name="usage-range"]')) {
    input.addEventListener('change', () => {
      syncCustom()
      if (checked('usage-range') !== 'custom') loadUsage()
      else $('usage-from').focus()
    })
  }
  for (const input of document.querySelectorAll('input[name="usage-stack"]')) {
    input.addEventListener('change', () => {
      if (state.usage && state.usage.totals.requests > 0) drawCharts(state.usage, stackBy()).catch((err) => showAlert($('usage-error'), describeError(err)))
    })
  }
  $('usage-form').addEventListener('submit', (e) => {
    e.preventDefault()
    loadUsage()
  })
  $('usage-csv').addEventListener('click', downloadCsv)
  render()
}
