// @ts-check
// The Usage tab's charts: Chart.js, loaded once from this server (/vendor/chart.umd.min.js, no CDN), drawing requests,
// tokens and estimated cost per day, stacked by key or by model. Draws what it is given; keeps no state of its own
// besides the charts on the page.
import { formatCount, formatCompact, formatUsd } from './ui.js'

/** @import { Usage, UsageCounters } from './api.js' */
/** @typedef {'key' | 'model'} StackBy */

const CHART_SRC = '/vendor/chart.umd.min.js'
/** Series drawn one by one; the rest are summed as "Other". */
const MAX_SERIES = 7
const OTHER = '__other__'
/** Colour-blind-friendly hues (Okabe–Ito, then two more), in the order series are ranked. */
const PALETTE = ['#4f46e5', '#e69f00', '#009e73', '#d55e00', '#56b4e9', '#cc79a7', '#0072b2', '#94a3b8']

/** @type {Promise<ChartConstructor> | null} */
let chartPromise = null

/**
 * Chart.js, loaded once as a classic script (its UMD build defines window.Chart).
 * @returns {Promise<ChartConstructor>}
 */
export function loadChartJs () {
  if (window.Chart) return Promise.resolve(window.Chart)
  chartPromise ??= new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = CHART_SRC
    script.async = true
    script.addEventListener('load', () => window.Chart ? resolve(window.Chart) : reject(new Error('Chart.js loaded but did not start.')))
    script.addEventListener('error', () => {
      chartPromise = null
      script.remove()
      reject(new Error('Could not load the chart library from this server. Reload the page to try again.'))
    })
    document.head.append(script)
  })
  return chartPromise
}

/**
 * @typedef {object} Metric
 * @property {string} canvasId
 * @property {string} title for the canvas's text alternative
 * @property {(c: UsageCounters) => number} value
 * @property {(n: number) => string} format for tooltips
 * @property {(n: number) => string} tick for the y axis
 */

/** @type {Metric[]} */
const METRICS = [
  { canvasId: 'chart-requests', title: 'Requests per day', value: (c) => c.requests, format: formatCount, tick: formatCompact },
  { canvasId: 'chart-tokens', title: 'Tokens per day (input and output)', value: (c) => c.inputTokens + c.outputTokens, format: formatCount, tick: formatCompact },
  { canvasId: 'chart-cost', title: 'Estimated cost per day, US dollars', value: (c) => c.costUsd, format: formatUsd, tick: formatUsd }
]

const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })
/** @param {string} day YYYY-MM-DD */
export const dayLabel = (day) => dayFmt.format(new Date(`${day}T00:00:00Z`))

/**
 * The series to stack: the keys (or models) of the range, most costly first, at most MAX_SERIES with the rest as one.
 * @param {Usage} usage
 * @param {StackBy} by
 * @returns {Array<{ id: string, label: string }>}
 */
export function seriesOf (usage, by) {
  /** @type {Map<string, { cost: number, requests: number }>} */
  const totals = new Map()
  for (const day of usage.data) {
    for (const [id, c] of Object.entries((by === 'key' ? day.byKey : day.byModel) ?? {})) {
      const t = totals.get(id) ?? { cost: 0, requests: 0 }
      t.cost += c.costUsd
      t.requests += c.requests
      totals.set(id, t)
    }
  }
  const ranked = [...totals].sort((a, b) => b[1].cost - a[1].cost || b[1].requests - a[1].requests || a[0].localeCompare(b[0])).map(([id]) => id)
  const named = (/** @type {string} */ id) => ({ id, label: by === 'key' ? usage.keys[id] ?? id : id })
  if (ranked.length <= MAX_SERIES + 1) return ranked.map(named)
  return [...ranked.slice(0, MAX_SERIES).map(named), { id: OTHER, label: `${ranked.length - MAX_SERIES} others` }]
}

/**
 * A metric of one day for one series (or all the series left out of the chart, for OTHER).
 * @param {Record<string, UsageCounters> | undefined} split
 * @param {string} id
 * @param {Set<string>} shown
 * @param {Metric} metric
 */
function valueOf (split, id, shown, metric) {
  if (!split) return 0
  if (id !== OTHER) return split[id] ? metric.value(split[id]) : 0
  return Object.entries(split).reduce((sum, [k, c]) => shown.has(k) ? sum : sum + metric.value(c), 0)
}

/** A CSS colour of the page's theme. */
const cssVar = (/** @type {string} */ name) => window.getComputedStyle(document.documentElement).getPropertyValue(name).trim()

/**
 * Draws (or redraws) the three charts for a range of days.
 * @param {Usage} usage group_by=day
 * @param {StackBy} by
 */
export async function drawCharts (usage, by) {
  const Chart = await loadChartJs()
  const series = seriesOf(usage, by)
  const shown = new Set(series.map((s) => s.id))
  const labels = usage.data.map((d) => dayLabel(d.day ?? ''))
  const text = cssVar('--muted')
  const grid = cssVar('--border')
  /** Font size for the chart's width, which follows the window's (so it is worked out at every resize). */
  const font = (/** @type {{ chart: { width: number } }} */ ctx) => ({ size: ctx.chart.width < 500 ? 10 : 11 })
  for (const metric of METRICS) {
    const canvas = document.getElementById(metric.canvasId)
    if (!(canvas instanceof window.HTMLCanvasElement)) continue
    Chart.getChart(canvas)?.destroy()
    const total = usage.data.reduce((sum, d) => sum + metric.value(d), 0)
    canvas.setAttribute('aria-label', `${metric.title}, ${dayLabel(usage.from)} to ${dayLabel(usage.to)}: ${metric.format(total)} in total, stacked by ${by}. The tables below list the same figures.`)
    // eslint-disable-next-line no-new
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: usage.data.map((d) => valueOf(by === 'key' ? d.byKey : d.byModel, s.id, shown, metric)),
          backgroundColor: PALETTE[s.id === OTHER ? PALETTE.length - 1 : i % PALETTE.length],
          borderRadius: 2,
          maxBarThickness: 28
        }))
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        // Drawn at once: no motion to sit through (or to wait for in tests).
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            stacked: true,
            grid: { display: false },
            ticks: {
              color: text,
              maxRotation: 0,
              autoSkip: false,
              font,
              // Every step-th day is labelled, counted back from the last, so that the newest bar always has its date;
              // the step follows the chart's width (about one label per 64 px).
              callback (_v, i) {
                const step = Math.max(1, Math.ceil(labels.length / Math.max(2, Math.floor((this.chart.width - 60) / 64))))
                return (labels.length - 1 - i) % step === 0 ? labels[i] : ''
              }
            }
          },
          y: { stacked: true, beginAtZero: true, grid: { color: grid }, border: { display: false }, ticks: { color: text, maxTicksLimit: 5, font, callback: (v) => metric.tick(Number(v)) } }
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: text, boxWidth: 10, boxHeight: 10, font: (ctx) => ({ size: ctx.chart.width < 500 ? 11 : 12 }) } },
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label}: ${metric.format(Number(item.raw))}`,
              footer: (items) => items.length > 1 ? `Total: ${metric.format(items.reduce((sum, i) => sum + Number(i.raw), 0))}` : ''
            }
          }
        }
      }
    })
  }
}

/** Removes the charts (signed out, or nothing to draw). */
export function clearCharts () {
  for (const metric of METRICS) {
    const canvas = document.getElementById(metric.canvasId)
    if (canvas instanceof window.HTMLCanvasElement) window.Chart?.getChart(canvas)?.destroy()
  }
}
