// Coalesced, serialised writes of one in-memory document: the changes queued in a tick share one write, and the
// document in memory is replaced only once its successor is on disk, so memory and file never disagree.
import { errors } from '../../errors.ts'

type Mutation<D> = { apply: (draft: D) => unknown, committed?: (v: any) => void, resolve: (v: any) => void, reject: (e: unknown) => void }
type Result = { ok: true, value: unknown } | { ok: false, error: unknown }

interface CommitQueueOptions<D> {
  initial: D
  /** Persists a whole document; a throw fails every change of the batch with errors.StoreWriteFailed. */
  write: (doc: D) => Promise<void>
  /** Called with the new document once it is written and in place. */
  onCommit?: (doc: D) => void
}

export function createCommitQueue<D> (opts: CommitQueueOptions<D>) {
  let doc = opts.initial
  let pending: Mutation<D>[] = []
  let flushing: Promise<void> | null = null
  let closed = false

  async function runFlushes () {
    try {
      while (pending.length > 0) {
        // Let changes that arrive in the same tick join this write.
        await new Promise((resolve) => setImmediate(resolve))
        const batch = pending
        pending = []
        const draft = structuredClone(doc)
        const results: Result[] = batch.map((m) => {
          try {
            return { ok: true, value: m.apply(draft) }
          } catch (error) {
            // Mutators validate before they change anything, so a throw leaves the draft as it was.
            return { ok: false, error }
          }
        })
        let failure: unknown = null
        if (results.some((r) => r.ok)) {
          try {
            await opts.write(draft)
          } catch (cause) {
            failure = new errors.StoreWriteFailed({ cause })
          }
          if (!failure) {
            doc = draft
            opts.onCommit?.(doc)
            batch.forEach((m, i) => {
              const r = results[i]
              if (r.ok) m.committed?.(r.value)
            })
          }
        }
        batch.forEach((m, i) => {
          const r = results[i]
          if (!r.ok) m.reject(r.error)
          else if (failure) m.reject(failure)
          else m.resolve(r.value)
        })
      }
    } finally {
      flushing = null
    }
  }

  return {
    /** The committed document: read it, never change it. */
    get doc (): D {
      return doc
    },
    /**
     * Applies `apply` to a copy of the committed document and commits it; resolves to what `apply` returned.
     * `committed` runs in the same turn as the new document takes over, before anyone can read it: for state kept
     * beside the document that must change exactly then (usage in flight becoming written usage).
     */
    mutate<T> (apply: (draft: D) => T, committed?: (value: T) => void): Promise<T> {
      if (closed) return Promise.reject(new Error('Store is closed'))
      return new Promise<T>((resolve, reject) => {
        pending.push({ apply, committed, resolve, reject })
        if (!flushing) flushing = runFlushes()
      })
    },
    /** Waits for every queued change; with `close`, refuses later ones. */
    async drain (close = false) {
      for (let running = flushing; running; running = flushing) await running
      if (close) closed = true
    }
  }
}
