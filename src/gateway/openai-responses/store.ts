// Responses kept for `store: true` (the API's default), so GET /v1/responses/{id} and previous_response_id work: in
// memory, per key owner (one owner never reads another's), bounded in count, age and size, lost on restart.
import type { InputItem, ResponseObject } from './schema.ts'

/** The bounds, each with a default fit for a self-hosted gateway with no setting to learn. */
export interface ResponseStoreOptions {
  /** Responses kept in all (default 1,000); the oldest go first. */
  maxResponses?: number
  /** Responses kept per owner (default 250), so one busy owner cannot push out everyone else's. */
  maxPerOwner?: number
  /** How long a response is kept (default 24 h, OpenAI keeps them 30 days). */
  maxAgeMs?: number
  /** Total size of what is kept, in bytes of JSON (default 128 MiB); a larger single conversation is not kept. */
  maxBytes?: number
  now?: () => number
}

interface Entry {
  owner: string
  response: ResponseObject
  /** The conversation up to and including this response's output, as Responses items. */
  conversation: InputItem[]
  at: number
  bytes: number
}

export const RESPONSE_STORE_DEFAULTS = { maxResponses: 1000, maxPerOwner: 250, maxAgeMs: 24 * 60 * 60 * 1000, maxBytes: 128 * 1024 * 1024 }

export function createResponseStore (opts: ResponseStoreOptions = {}) {
  const { maxResponses, maxPerOwner, maxAgeMs, maxBytes } = { ...RESPONSE_STORE_DEFAULTS, ...opts }
  const now = opts.now ?? Date.now
  // Insertion order is age order: the first entries are the oldest.
  const entries = new Map<string, Entry>()
  const perOwner = new Map<string, number>()
  let bytes = 0

  function remove (id: string, entry: Entry): void {
    entries.delete(id)
    bytes -= entry.bytes
    const n = (perOwner.get(entry.owner) ?? 1) - 1
    if (n > 0) perOwner.set(entry.owner, n)
    else perOwner.delete(entry.owner)
  }

  function expire (): void {
    const cutoff = now() - maxAgeMs
    for (const [id, entry] of entries) {
      if (entry.at > cutoff) break
      remove(id, entry)
    }
  }

  /** The entry of `id` if `owner` stored it and it has not expired. */
  function find (owner: string, id: string): Entry | undefined {
    expire()
    const entry = entries.get(id)
    return entry !== undefined && entry.owner === owner ? entry : undefined
  }

  return {
    /** Keeps a finished response and the conversation it ended (history: the items before its output). */
    save (owner: string, response: ResponseObject, history: InputItem[]): void {
      const conversation = [...history, ...(response.output as InputItem[])]
      const size = JSON.stringify(response).length + JSON.stringify(history).length
      if (size > maxBytes) return
      expire()
      if ((perOwner.get(owner) ?? 0) >= maxPerOwner) {
        for (const [id, entry] of entries) {
          if (entry.owner === owner) {
            remove(id, entry)
            break
          }
        }
      }
      for (const [id, entry] of entries) {
        if (entries.size < maxResponses && bytes + size <= maxBytes) break
        remove(id, entry)
      }
      entries.set(response.id, { owner, response, conversation, at: now(), bytes: size })
      perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1)
      bytes += size
    },

    /** The stored response `id` of `owner`; undefined for an unknown, expired or someone else's id. */
    get (owner: string, id: string): ResponseObject | undefined {
      return find(owner, id)?.response
    },

    /** The conversation previous_response_id continues: its input items and output. */
    conversation (owner: string, id: string): InputItem[] | undefined {
      return find(owner, id)?.conversation
    },

    get size (): number {
      expire()
      return entries.size
    },

    get bytes (): number {
      return bytes
    }
  }
}

export type ResponseStore = ReturnType<typeof createResponseStore>
