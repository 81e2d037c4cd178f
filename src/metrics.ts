// Metrics counted on the request path, for prom-client's registry (plugins/metrics.ts): plain maps and arrays, no label
// string built and nothing allocated per request (as prom-client's own counters would), turned into samples at scrape.
import type { Metric } from 'prom-client'

type MetricType = 'counter' | 'histogram'

/** A sample as prom-client's registry prints it. */
interface Sample { metricName?: string, labels: Record<string, string | number>, value: number }

/** What prom-client's registry needs of a metric: it calls get() at each scrape. */
interface ScrapedMetric {
  name: string
  help: string
  type: MetricType
  aggregator: 'sum'
  get (): Promise<{ name: string, help: string, type: MetricType, aggregator: 'sum', values: Sample[] }>
}

/** One route's requests: method -> status -> model -> count. */
export interface RouteCounts {
  route: string
  api: string
  /** The api's index in the histograms' label values. */
  apiIndex: number
  counts: Map<string, Map<number, Map<string, number>>>
}

/** Counts one request of a route. Four map lookups; a map is created only for a new method, status or model. */
export function countRequest (entry: RouteCounts, method: string, status: number, model: string): void {
  let byStatus = entry.counts.get(method)
  if (byStatus === undefined) {
    byStatus = new Map()
    entry.counts.set(method, byStatus)
  }
  let byModel = byStatus.get(status)
  if (byModel === undefined) {
    byModel = new Map()
    byStatus.set(status, byModel)
  }
  byModel.set(model, (byModel.get(model) ?? 0) + 1)
}

/** A counter of requests by method, route, status, api and model, read from every route's counts at scrape time. */
export function requestCounter (name: string, help: string, routes: () => Iterable<RouteCounts>): ScrapedMetric {
  return scraped(name, help, 'counter', () => {
    const values: Sample[] = []
    for (const { route, api, counts } of routes()) {
      for (const [method, byStatus] of counts) {
        for (const [status, byModel] of byStatus) {
          for (const [model, value] of byModel) values.push({ labels: { method, route, status, api, model }, value })
        }
      }
    }
    return values
  })
}

/** A histogram with one label whose values are all known up front: observe() takes the value's index. */
export function indexedHistogram (name: string, help: string, label: string, labelValues: readonly string[], buckets: readonly number[]) {
  const counts = labelValues.map(() => new Float64Array(buckets.length + 1))
  const sums = new Float64Array(labelValues.length)
  const metric = scraped(name, help, 'histogram', () => {
    const values: Sample[] = []
    labelValues.forEach((labelValue, i) => {
      const c = counts[i]
      const total = c.reduce((a, b) => a + b, 0)
      if (total === 0) return
      let cumulative = 0
      buckets.forEach((le, b) => {
        cumulative += c[b]
        values.push({ metricName: `${name}_bucket`, labels: { [label]: labelValue, le }, value: cumulative })
      })
      values.push({ metricName: `${name}_bucket`, labels: { [label]: labelValue, le: '+Inf' }, value: total })
      values.push({ metricName: `${name}_sum`, labels: { [label]: labelValue }, value: sums[i] })
      values.push({ metricName: `${name}_count`, labels: { [label]: labelValue }, value: total })
    })
    return values
  })
  return {
    metric,
    /** Counts `value` (seconds) for the label value at `index`: a scan of a dozen bounds, no allocation. */
    observe (index: number, value: number): void {
      let b = 0
      while (b < buckets.length && value > buckets[b]) b++
      counts[index][b]++
      sums[index] += value
    }
  }
}

function scraped (name: string, help: string, type: MetricType, values: () => Sample[]): ScrapedMetric {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    async get () {
      return { name, help, type, aggregator: 'sum', values: values() }
    }
  }
}

/** As prom-client's registerMetric() takes it. */
export const asMetric = (m: ScrapedMetric) => m as unknown as Metric
