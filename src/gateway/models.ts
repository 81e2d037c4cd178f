// The model catalogue: Puter's /puterai/chat/models/details mapped to OpenAI model objects, cached with a TTL,
// refreshed in the background and served stale while Puter is down.
import type { Model } from '../schemas/models.ts'
import { imageModelObject } from './media/catalog.ts'

type Details = Record<string, unknown>

interface ModelCatalogOptions {
  /** Puter's chat catalogue. */
  fetchDetails: () => Promise<Details[]>
  /** Puter's image catalogue; a failure leaves the image models out until the next refresh. */
  fetchImageDetails?: () => Promise<Details[]>
  /** Models listed by this server itself (speech and transcription: Puter has no public catalogue of them). */
  extra?: Model[]
  ttlMs: number
  onRefreshError?: (err: unknown) => void
  now?: () => number
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)
const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined)

/** USD per token as a decimal string, from Puter's US cents per `costs.tokens` tokens. */
function usdPerToken (costs: Record<string, unknown>, key: unknown): string | undefined {
  if (typeof key !== 'string') return undefined
  const cents = costs[key]
  const per = typeof costs.tokens === 'number' && costs.tokens > 0 ? costs.tokens : 1_000_000
  if (typeof cents !== 'number' || !Number.isFinite(cents)) return undefined
  return String(Number((cents / 100 / per).toPrecision(6)))
}

/** One Puter model description as an OpenAI model object, with context length, pricing and aliases riding along. */
function toOpenAIModel (d: Details): Model | undefined {
  const id = str(d.id) ?? str(d.puterId)
  if (!id) return undefined
  const released = str(d.release_date) ? Date.parse(String(d.release_date)) : NaN
  const aliases = [...new Set([str(d.puterId), ...(Array.isArray(d.aliases) ? d.aliases.filter((a): a is string => typeof a === 'string') : [])])]
    .filter((a): a is string => a !== undefined && a !== id)
  const costs = (typeof d.costs === 'object' && d.costs !== null ? d.costs : {}) as Record<string, unknown>
  const pricing = {
    prompt: usdPerToken(costs, d.input_cost_key),
    completion: usdPerToken(costs, d.output_cost_key),
    input_cache_read: usdPerToken(costs, 'cached_tokens') ?? usdPerToken(costs, 'cache_read_input_tokens')
  }
  const model: Model = {
    id,
    object: 'model',
    created: Number.isFinite(released) ? Math.floor(released / 1000) : 0,
    owned_by: str(d.provider) ?? 'puter',
    kind: 'chat'
  }
  if (str(d.name)) model.name = String(d.name)
  if (int(d.context) !== undefined) model.context_length = int(d.context)
  if (int(d.max_tokens) !== undefined) model.max_output_tokens = int(d.max_tokens)
  if (pricing.prompt || pricing.completion) {
    model.pricing = Object.fromEntries(Object.entries(pricing).filter(([, v]) => v !== undefined))
  }
  if (aliases.length > 0) model.aliases = aliases
  return model
}

const normalizeKey = (key: string) => key.trim().toLowerCase()

export function createModelCatalog (opts: ModelCatalogOptions) {
  const now = opts.now ?? Date.now
  let models: Model[] | null = null
  let byKey = new Map<string, Model>()
  let fetchedAt = 0
  let inflight: Promise<void> | null = null

  function imageDetails (): Promise<Details[]> {
    if (!opts.fetchImageDetails) return Promise.resolve([])
    return opts.fetchImageDetails().catch((err) => {
      opts.onRefreshError?.(err)
      return []
    })
  }

  function refresh (): Promise<void> {
    inflight ??= Promise.all([opts.fetchDetails(), imageDetails()])
      .then(([details, imageDetails]) => {
        const seen = new Set<string>()
        const list: Model[] = []
        const index = new Map<string, Model>()
        const add = (m: Model | undefined) => {
          if (!m || seen.has(m.id)) return
          seen.add(m.id)
          list.push(m)
          index.set(normalizeKey(m.id), m)
        }
        for (const d of details) add(toOpenAIModel(d))
        for (const d of imageDetails) add(imageModelObject(d))
        for (const m of opts.extra ?? []) add(m)
        // Aliases second, so an alias never shadows another model's real id.
        for (const m of list) {
          for (const a of m.aliases ?? []) if (!index.has(normalizeKey(a))) index.set(normalizeKey(a), m)
        }
        models = list
        byKey = index
        fetchedAt = now()
      })
      .finally(() => { inflight = null })
    return inflight
  }

  /** Fresh models, or stale ones (refreshing in the background); waits only when nothing was ever fetched. */
  async function ensure (): Promise<void> {
    if (models === null) return refresh()
    if (now() - fetchedAt >= opts.ttlMs && !inflight) refresh().catch((err) => opts.onRefreshError?.(err))
  }

  return {
    async list (): Promise<Model[]> {
      await ensure()
      return models ?? []
    },
    /** A model by id or alias from the catalogue as last fetched, without fetching (undefined before the first fetch). */
    peek (id: string): Model | undefined {
      return byKey.get(normalizeKey(id))
    },
    /** Finds a model by id or alias, case-insensitively, as Puter matches them. */
    async get (id: string): Promise<Model | undefined> {
      await ensure()
      return byKey.get(normalizeKey(id))
    }
  }
}
