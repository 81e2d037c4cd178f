// The signed-in user's usage (series and totals, JSON or CSV) and audit trail, under /v1 beside their keys.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, Type, type Static } from '../schemas/common.ts'
import { AuditListSchema, AuditQuerySchema, UsageCountersSchema, UsageQuerySchema, UsageResponseSchema } from '../schemas/usage.ts'
import type { UsageCounters, UsageRow } from '../store/types.ts'
import { dayStart, utcDay } from '../store/periods.ts'
import { addCounters, zeroCounters } from '../store/usage.ts'
import { errors, withDetails } from '../errors.ts'

type Counters = Static<typeof UsageCountersSchema>
type UsageResponse = Static<typeof UsageResponseSchema>

const DAY_MS = 86_400_000
const REVOKED = '(revoked key)'

/** Adds a row to running counters and returns them (for reduce). */
function add (to: UsageCounters, row: UsageCounters): UsageCounters {
  addCounters(to, row)
  return to
}

const zero = zeroCounters

/** Counters as the API shows them: the cost in US dollars. */
function shown ({ costMicroUsd, ...rest }: UsageCounters): Counters {
  return { ...rest, costUsd: costMicroUsd / 1_000_000 }
}

/** Sums rows by a property, in a plain object of counters. */
function sumBy (rows: UsageRow[], prop: 'keyId' | 'model'): Map<string, UsageCounters> {
  const out = new Map<string, UsageCounters>()
  for (const r of rows) {
    let c = out.get(r[prop])
    if (!c) out.set(r[prop], c = zero())
    add(c, r)
  }
  return out
}

/** The series of a range: every day (zeros included) with its breakdowns, or one row per model or key by cost. */
function series (rows: UsageRow[], query: { from: string, to: string, groupBy: 'day' | 'model' | 'key' }, names: Record<string, string>): UsageResponse['data'] {
  if (query.groupBy === 'day') {
    const byDay = new Map<string, UsageRow[]>()
    for (const r of rows) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r])
    const data: UsageResponse['data'] = []
    for (let ms = dayStart(query.from); ms <= dayStart(query.to); ms += DAY_MS) {
      const day = utcDay(ms)
      const dayRows = byDay.get(day) ?? []
      const mapOf = (prop: 'keyId' | 'model') => Object.fromEntries([...sumBy(dayRows, prop)].map(([k, c]) => [k, shown(c)]))
      data.push({ day, ...shown(dayRows.reduce(add, zero())), byKey: mapOf('keyId'), byModel: mapOf('model') })
    }
    return data
  }
  const prop = query.groupBy === 'model' ? 'model' : 'keyId'
  return [...sumBy(rows, prop)]
    .sort(([, a], [, b]) => b.costMicroUsd - a.costMicroUsd || b.requests - a.requests)
    .map(([id, c]) => (prop === 'model' ? { model: id, ...shown(c) } : { keyId: id, keyName: names[id] ?? REVOKED, ...shown(c) }))
}

/** One CSV cell: quoted when needed, and never read as a formula by a spreadsheet (key names are the user's text). */
function cell (value: string | number): string {
  let s = String(value)
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

const CSV_COUNTERS = ['requests', 'errors', 'input_tokens', 'output_tokens', 'reasoning_tokens', 'cached_tokens', 'images', 'speech_characters', 'audio_seconds', 'estimated_cost_usd']

function csvCounters (c: UsageCounters): (string | number)[] {
  return [c.requests, c.errors, c.inputTokens, c.outputTokens, c.reasoningTokens, c.cachedTokens, c.images, c.speechCharacters, c.audioSeconds, (c.costMicroUsd / 1_000_000).toFixed(6)]
}

/** CSV of the range: a line per day, key and model for group_by=day (the finest grain), else a line per model or key. */
function toCsv (rows: UsageRow[], groupBy: 'day' | 'model' | 'key', names: Record<string, string>): string {
  let lines: (string | number)[][]
  if (groupBy === 'day') {
    lines = [['day', 'key_id', 'key_name', 'model', ...CSV_COUNTERS], ...rows.map((r) => [r.day, r.keyId, names[r.keyId] ?? REVOKED, r.model, ...csvCounters(r)])]
  } else if (groupBy === 'model') {
    lines = [['model', ...CSV_COUNTERS], ...[...sumBy(rows, 'model')].map(([model, c]) => [model, ...csvCounters(c)])]
  } else {
    lines = [['key_id', 'key_name', ...CSV_COUNTERS], ...[...sumBy(rows, 'keyId')].map(([id, c]) => [id, names[id] ?? REVOKED, ...csvCounters(c)])]
  }
  return lines.map((line) => line.map(cell).join(',')).join('\r\n') + '\r\n'
}

const usageRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { store, config } = fastify
  const security = [{ sessionCookie: [] }]

  fastify.addHook('onRequest', fastify.requireSession)
  fastify.addHook('onRequest', fastify.requireSameOrigin)

  fastify.get('/usage', {
    schema: {
      tags: ['Usage'],
      security,
      summary: 'Your usage and estimated spend',
      description: "Requests, errors, tokens and estimated cost of your keys (revoked ones included) per UTC day, model or key, with totals. Costs are estimates: the tokens Puter reported at the model catalogue's list prices. `Accept: text/csv` or `format=csv` answers CSV.",
      querystring: UsageQuerySchema,
      response: {
        200: {
          description: 'The usage, as JSON or CSV',
          content: {
            'application/json': { schema: UsageResponseSchema },
            'text/csv': { schema: Type.String({ description: 'group_by=day: a line per day, key and model; model or key: a line per model or key' }) }
          }
        },
        ...errorResponses(400, 401, 403)
      }
    }
  }, async (request, reply) => {
    const q = request.query
    const to = q.to ?? utcDay(fastify.now())
    const from = q.from ?? utcDay(dayStart(to) - 29 * DAY_MS)
    for (const [param, day] of [['from', from], ['to', to]]) {
      if (Number.isNaN(dayStart(day)) || utcDay(dayStart(day)) !== day) throw withDetails(new errors.InvalidRequest(`${param} is not a calendar day (YYYY-MM-DD)`), { param })
    }
    if (from > to) throw withDetails(new errors.InvalidRequest(`from (${from}) is after to (${to})`), { param: 'from' })
    const days = (dayStart(to) - dayStart(from)) / DAY_MS + 1
    if (days > config.USAGE_RETENTION_DAYS + 1) throw withDetails(new errors.InvalidRequest(`the range spans ${days} days; usage is kept for ${config.USAGE_RETENTION_DAYS} (USAGE_RETENTION_DAYS)`), { param: 'from' })
    const userId = request.user!.uuid
    const groupBy = q.group_by ?? 'day'
    const rows = await store.usageRows(userId, { from, to, keyId: q.key_id })
    const names: Record<string, string> = {}
    for (const k of await store.listKeys(userId)) names[k.id] = k.name
    const keys: Record<string, string> = {}
    for (const r of rows) keys[r.keyId] = names[r.keyId] ?? REVOKED

    const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(request.headers.accept ?? ''))
    if (csv) {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="usage-${from}-to-${to}-by-${groupBy}.csv"`)
        .send(toCsv(rows, groupBy, names))
    }
    return {
      object: 'usage' as const,
      from,
      to,
      group_by: groupBy,
      estimated: true as const,
      totals: shown(rows.reduce(add, zero())),
      data: series(rows, { from, to, groupBy }, names),
      keys
    }
  })

  fastify.get('/audit', {
    schema: {
      tags: ['Usage'],
      security,
      summary: 'Your audit trail',
      description: 'What was done with your account and keys (signed in, key created, revealed, edited, rotated, revoked), with time, client address and user agent, newest first. Never a secret.',
      querystring: AuditQuerySchema,
      response: { 200: AuditListSchema, ...errorResponses(400, 401, 403) }
    },
    // A query string's values are text and the app's validator does not coerce: `limit` becomes a number here.
    preValidation: async (request) => {
      const query = request.query as { limit?: unknown }
      if (typeof query.limit === 'string' && /^\d{1,6}$/.test(query.limit)) query.limit = Number(query.limit)
    }
  }, async (request) => {
    const { entries, hasMore } = await store.listAudit(request.user!.uuid, { limit: request.query.limit ?? 50, before: request.query.before })
    return { object: 'list' as const, data: entries, has_more: hasMore, next_before: hasMore ? entries.at(-1)!.id : null }
  })
}

export default usageRoutes
