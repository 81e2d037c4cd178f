// The PostgreSQL backend's key usage: counted in memory on every request (totals, day/model rows, spend, recent
// requests) and written in batches: one transaction of upserts that add (`x = usage.x + excluded.x`), so the usage of
// every instance adds up exactly. Spend includes what other instances wrote: their notes make it be read again.
import type pg from 'pg'
import { utcDay } from '../periods.ts'
import { createRecentRequests } from '../recent-requests.ts'
import { createSpendIndex } from '../spend.ts'
import { addCounters, byDayKeyModel, countRequest, createUsageBuffer, type PendingUsage } from '../usage.ts'
import type { Store, UsageCounters, UsageRow } from '../types.ts'
import type { Cache } from './cache.ts'
import { read } from './db.ts'
import { COUNTERS, COUNTER_COLUMNS, KEY_COLUMNS, keyFromRow, type KeyRow } from './rows.ts'
import type { Tx, createTxQueue } from './tx-queue.ts'

const DAY_MS = 86_400_000
export const DEFAULT_USAGE_RETENTION_DAYS = 400

interface UsageDeps {
  pool: pg.Pool
  queue: ReturnType<typeof createTxQueue>
  cache: Cache
  now: () => number
  retentionDays?: number
}

type UsageOps = Pick<Store, 'recordUsage' | 'spendOf' | 'usageRows' | 'recentRequests' | 'flushUsage'>

const counterColumns = COUNTERS.map((c) => COUNTER_COLUMNS[c])
// The key totals a flush adds, from the counters of its usage.
const KEY_UPDATE = `UPDATE keys k SET
  request_count = k.request_count + v.requests, error_count = k.error_count + v.errors,
  input_tokens = k.input_tokens + v.input_tokens, output_tokens = k.output_tokens + v.output_tokens,
  cost_micro_usd = k.cost_micro_usd + v.cost, last_used_at = GREATEST(k.last_used_at, v.last_used)
  FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::timestamptz[])
    AS v(vid, requests, errors, input_tokens, output_tokens, cost, last_used)
  WHERE k.id = v.vid RETURNING ${KEY_COLUMNS.split(', ').map((c) => `k.${c}`).join(', ')}`
const ROW_UPSERT = `INSERT INTO usage (key_id, user_id, day, model, ${counterColumns.join(', ')})
  SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], ${counterColumns.map((_, i) => `$${i + 5}::bigint[]`).join(', ')})
  ON CONFLICT (key_id, day, model) DO UPDATE SET ${counterColumns.map((c) => `${c} = usage.${c} + excluded.${c}`).join(', ')}`

/** Writes taken usage: the totals of keys still there (their rows, as now stored), rows from `firstKept` on. */
async function writeUsage (tx: Tx, taken: Map<string, PendingUsage>, firstKept: string): Promise<KeyRow[]> {
  const totals: unknown[][] = [[], [], [], [], [], [], []]
  const rows: unknown[][] = Array.from({ length: 4 + COUNTERS.length }, () => [])
  for (const [id, p] of taken) {
    const t = p.totals
    for (const [i, v] of [id, t.requests, t.errors, t.inputTokens, t.outputTokens, t.costMicroUsd, new Date(p.lastUsedMs).toISOString()].entries()) totals[i].push(v)
    for (const row of p.rows.values()) {
      if (row.day < firstKept) continue
      for (const [i, v] of [id, p.userId, row.day, row.model, ...COUNTERS.map((c) => row[c])].entries()) rows[i].push(v)
    }
  }
  if (rows[0].length > 0) await tx.write(ROW_UPSERT, rows)
  if (totals[0].length === 0) return []
  return (await tx.write<KeyRow>(KEY_UPDATE, totals)).rows
}

export function createUsageOps ({ pool, queue, cache, now, retentionDays = DEFAULT_USAGE_RETENTION_DAYS }: UsageDeps) {
  const buffer = createUsageBuffer()
  const spend = createSpendIndex()
  const recent = createRecentRequests()
  // The first day kept when usage was last pruned: pruning runs once a day (and at the first flush after a start).
  let prunedFrom: string | null = null
  const firstKeptDay = () => utcDay(now() - retentionDays * DAY_MS)

  /** A key's spend made again from what is stored (`days`: its cost per stored day) and what is not written yet. */
  function loadSpend (keyId: string, days: Iterable<[string, number]>) {
    spend.forget(keyId)
    const key = cache.keys.get(keyId)
    if (!key) return
    const local = buffer.get(keyId)
    const byDay = new Map(days)
    if (local) {
      for (const [id, row] of buffer.rows(key.userId)) if (id === keyId) byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.costMicroUsd)
    }
    spend.load(keyId, key.costMicroUsd + (local?.totals.costMicroUsd ?? 0), byDay)
  }

  /** Loads the spend of these keys (every key when undefined) from `days` rows read from the database. */
  function loadSpendOf (keyIds: Iterable<string>, days: Array<{ key_id: string, day: string, cost: number }>) {
    const byKey = new Map<string, Array<[string, number]>>()
    for (const d of days) {
      let list = byKey.get(d.key_id)
      if (!list) byKey.set(d.key_id, list = [])
      list.push([d.day, d.cost])
    }
    for (const id of keyIds) loadSpend(id, byKey.get(id) ?? [])
  }

  const ops: UsageOps = {
    recordUsage (keyId, outcome) {
      // A request that ends after its key was revoked has nothing left to count against.
      const key = cache.keys.get(keyId)
      if (key === undefined) return
      const req = countRequest(outcome, now)
      buffer.add(keyId, key.userId, req)
      spend.add(keyId, req.atMs, req.day, req.counters.costMicroUsd)
      recent.add(keyId, outcome, req)
    },

    spendOf (keyId, period, at) {
      return spend.of(keyId, period, at ?? now())
    },

    // On the serial chain: no flush of this instance commits between the read and adding what is not written yet.
    usageRows (userId, { from, to, keyId }) {
      return queue.serial(async () => {
        const stored = await read<{ key_id: string, day: string, model: string } & UsageCounters>(pool,
          `SELECT key_id, to_char(day, 'YYYY-MM-DD') AS day, model, ${COUNTERS.map((c) => `${COUNTER_COLUMNS[c]} AS "${c}"`).join(', ')}
           FROM usage WHERE user_id = $1 AND day >= $2::date AND day <= $3::date AND ($4::text IS NULL OR key_id = $4)`,
          [userId, from, to, keyId ?? null])
        const rows = new Map<string, UsageRow>()
        const add = (id: string, row: { day: string, model: string } & UsageCounters) => {
          if (row.day < from || row.day > to || (keyId !== undefined && id !== keyId)) return
          const k = `${row.day}|${id}|${row.model}`
          const seen = rows.get(k)
          if (seen) addCounters(seen, row)
          else {
            const counters = Object.fromEntries(COUNTERS.map((c) => [c, row[c]])) as unknown as UsageCounters
            rows.set(k, { day: row.day, keyId: id, userId, model: row.model, ...counters })
          }
        }
        for (const row of stored) add(row.key_id, row)
        for (const [id, row] of buffer.rows(userId)) add(id, row)
        return [...rows.values()].sort(byDayKeyModel)
      })
    },

    async recentRequests (userId, keyId) {
      const key = cache.keys.get(keyId)
      if (!key || key.userId !== userId) return undefined
      return recent.list(keyId)
    },

    async flushUsage () {
      if (buffer.size === 0) return
      const taken = buffer.take()
      const firstKept = firstKeptDay()
      const prune = prunedFrom !== firstKept
      await queue.run({
        run: async (tx) => {
          const written = await writeUsage(tx, taken, firstKept)
          if (prune) await tx.write('DELETE FROM usage WHERE day < $1::date', [firstKept])
          if (written.length > 0) tx.note({ t: 'usage', k: written.map((r) => r.id) })
          return written
        },
        committed: (written) => {
          // The totals as stored now (other instances' included) replace the cached ones as the usage stops being in flight.
          for (const row of written) cache.putKey(keyFromRow(row))
          buffer.settle(taken)
          if (prune) {
            prunedFrom = firstKept
            spend.prune(firstKept)
          }
        },
        // Put the usage back so the next flush retries it.
        failed: () => buffer.restore(taken)
      })
    }
  }

  return {
    ops,
    buffer,
    firstKeptDay,
    loadSpendOf,
    /** Forgets a revoked key's spend and recent requests (its rows stay: they are the user's history). */
    forgetKey (keyId: string) {
      spend.forget(keyId)
      recent.forget(keyId)
    }
  }
}
