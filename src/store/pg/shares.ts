// The ledger of shared limits in PostgreSQL (migration 0002): rows of units held per resource and instance, each a
// lease. A take reads the units live instances hold under an advisory lock on the resource, so two instances taking
// at once never both get the last units; a renewal is one statement for all of an instance's shares.
import type pg from 'pg'
import type { ShareBackend } from '../../gateway/shares.ts'
import { LOCK_CLASS } from './migrate.ts'
import { sendNotes } from './notes.ts'

/** How long a share lives unless renewed: an instance that died frees its units this long after its last renewal. */
export const LEASE_MS = 5000
/** Rows of dead instances are deleted this long after their lease ran out (they stopped counting at once). */
const SWEEP_AFTER_MS = 60_000

/**
 * The ledger on `pool`. With `channel`, a refused take can ask the other instances for units they hold unused
 * (`want`, a NOTIFY on the store's channel); `wanted` is then called with each resource they ask for.
 */
export function createShareLedger (pool: pg.Pool, instance: string, opts: { leaseMs?: number, channel?: string } = {}): ShareBackend & { wanted: (resource: string) => void } {
  const leaseMs = opts.leaseMs ?? LEASE_MS
  let onWanted: ((resource: string) => void) | undefined
  return {
    instance,
    leaseMs,
    want: opts.channel === undefined
      ? undefined
      : async (resource) => {
        for (const payload of sendNotes(instance, [{ t: 'shares-wanted', r: resource }])) await pool.query('SELECT pg_notify($1, $2)', [opts.channel, payload])
      },
    onWanted (listener) {
      onWanted = listener
    },
    wanted (resource) {
      onWanted?.(resource)
    },
    async take (resource, limit, want) {
      const client = await pool.connect()
      let broken = false
      try {
        await client.query('BEGIN')
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS.shares, resource])
        // What live instances hold but this one (its own row may have expired: then it holds nothing), and the units
        // free within the limit; this instance's row grows by what it gets.
        const { rows } = await client.query<{ granted: number }>(
          `WITH live AS (
             SELECT coalesce(sum(held) FILTER (WHERE instance <> $2), 0)::int AS others,
                    coalesce(sum(held) FILTER (WHERE instance = $2), 0)::int AS mine
             FROM limit_shares WHERE resource = $1 AND expires_at > now()
           ), free AS (
             SELECT greatest(0, least($4::int, $3::int - others - mine)) AS n FROM live
           ), taken AS (
             INSERT INTO limit_shares AS s (resource, instance, held, expires_at)
             SELECT $1, $2, n, now() + $5 * interval '1 millisecond' FROM free WHERE n > 0
             ON CONFLICT (resource, instance) DO UPDATE
               SET held = CASE WHEN s.expires_at > now() THEN s.held ELSE 0 END + excluded.held, expires_at = excluded.expires_at
             RETURNING 1
           )
           SELECT n AS granted FROM free`, [resource, instance, limit, want, leaseMs])
        await client.query('COMMIT')
        return rows[0].granted
      } catch (err) {
        await client.query('ROLLBACK').catch(() => { broken = true })
        throw err
      } finally {
        client.release(broken)
      }
    },
    async renew (giveBack) {
      const resources = [...giveBack.keys()]
      const units = resources.map((r) => giveBack.get(r)!)
      // One statement: this instance's rows lose what it gives back and live one lease longer; rows it emptied
      // before go, and so do those of instances dead for a minute (they stopped counting when their lease ran out).
      const { rows } = await pool.query<{ resource: string, held: number }>(
        `WITH back AS (
           SELECT * FROM unnest($2::text[], $3::int[]) AS b (resource, units)
         ), gone AS (
           DELETE FROM limit_shares
           WHERE (instance = $1 AND held = 0) OR expires_at < now() - $5 * interval '1 millisecond'
         )
         UPDATE limit_shares AS s
         SET held = greatest(0, s.held - coalesce((SELECT units FROM back WHERE back.resource = s.resource), 0)),
             expires_at = now() + $4 * interval '1 millisecond'
         WHERE s.instance = $1 AND s.held > 0 AND s.expires_at > now()
         RETURNING s.resource, s.held`, [instance, resources, units, leaseMs, SWEEP_AFTER_MS])
      return new Map(rows.filter((r) => r.held > 0).map((r) => [r.resource, r.held]))
    },
    async releaseAll () {
      await pool.query('DELETE FROM limit_shares WHERE instance = $1', [instance])
    }
  }
}
