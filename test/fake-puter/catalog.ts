// Model catalogue of the fake Puter: the details objects of GET /puterai/chat/models/details
// (puter-api.md §3), plus the routing facts the fake needs to answer like each provider family.

export interface ChatModelDetails {
  id: string
  puterId?: string
  name?: string
  aliases: string[]
  modalities?: { input: string[], output: string[] }
  open_weights?: boolean
  tool_call?: boolean
  knowledge?: string
  release_date?: string
  context?: number
  max_tokens: number
  costs_currency: string
  input_cost_key?: string
  output_cost_key?: string
  costs: Record<string, number>
  provider: string
}

/** How a model's non-streaming `result` is shaped (puter-api.md §2.3). */
type ResultFamily = 'openai' | 'anthropic' | 'normalized'

// Hidden from /puterai/chat/models[/details] but resolvable (PuterAIController HIDDEN list).
const HIDDEN_MODEL_IDS: ReadonlySet<string> = new Set(['costly', 'fake', 'abuse', 'model-fallback-test-1'])

// Models whose replies carry reasoning (DeepSeek's reasoning_content, renamed `reasoning` by Puter).
export const REASONING_MODEL_IDS: ReadonlySet<string> = new Set(['deepseek-reasoner'])

// Providers whose result is the raw Anthropic Message (ClaudeProvider, FakeChatProvider).
const ANTHROPIC_SHAPE_PROVIDERS: ReadonlySet<string> = new Set(['claude', 'fake-chat'])

// Model answering in Puter's own content-block shape without being asked to.
const NORMALIZED_DEMO_MODEL_ID = 'puter-normalized-demo'

/** The model a provider falls back to when `args.model` is missing but `args.provider` is set. */
export const PROVIDER_DEFAULT_MODELS: Readonly<Record<string, string>> = {
  'openai-completion': 'gpt-5-nano',
  claude: 'claude-sonnet-4-5-20250929',
  gemini: 'gemini-2.5-flash',
  deepseek: 'deepseek-reasoner',
  'fake-chat': 'fake'
}

const OPENAI_KEYS = { costs_currency: 'usd-cents', input_cost_key: 'prompt_tokens', output_cost_key: 'completion_tokens' }

const CHAT_MODELS: readonly ChatModelDetails[] = [
  {
    puterId: 'openai:openai/gpt-4o-mini',
    id: 'gpt-4o-mini',
    modalities: { input: ['text', 'image'], output: ['text'] },
    open_weights: false,
    tool_call: true,
    knowledge: '2023-09',
    release_date: '2024-07-18',
    aliases: ['openai/gpt-4o-mini', 'openai:openai/gpt-4o-mini'],
    context: 128000,
    max_tokens: 16384,
    ...OPENAI_KEYS,
    costs: { tokens: 1000000, prompt_tokens: 15, cached_tokens: 8, completion_tokens: 60 },
    provider: 'openai-completion'
  },
  {
    puterId: 'openai:openai/gpt-5-nano',
    id: 'gpt-5-nano',
    modalities: { input: ['text', 'image'], output: ['text'] },
    open_weights: false,
    tool_call: true,
    knowledge: '2024-05-30',
    release_date: '2025-08-07',
    aliases: ['openai/gpt-5-nano', 'openai:openai/gpt-5-nano'],
    context: 400000,
    max_tokens: 128000,
    ...OPENAI_KEYS,
    costs: { tokens: 1000000, prompt_tokens: 5, cached_tokens: 0.5, completion_tokens: 40 },
    provider: 'openai-completion'
  },
  {
    puterId: 'anthropic:anthropic/claude-sonnet-4-5',
    id: 'claude-sonnet-4-5-20250929',
    name: 'Claude Sonnet 4.5',
    modalities: { input: ['text', 'image', 'pdf'], output: ['text'] },
    tool_call: true,
    release_date: '2025-09-29',
    aliases: ['claude-sonnet-4.5', 'claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5', 'anthropic:anthropic/claude-sonnet-4-5'],
    context: 200000,
    max_tokens: 64000,
    costs_currency: 'usd-cents',
    input_cost_key: 'input_tokens',
    output_cost_key: 'output_tokens',
    costs: {
      tokens: 1000000,
      input_tokens: 300,
      ephemeral_5m_input_tokens: 375,
      ephemeral_1h_input_tokens: 600,
      cache_read_input_tokens: 30,
      output_tokens: 1500
    },
    provider: 'claude'
  },
  // Claude Code's default names (claude/models.ts): its main model, and Haiku for background calls.
  {
    puterId: 'anthropic:anthropic/claude-sonnet-4-6',
    id: 'claude-sonnet-4-6',
    name: 'Claude Sonnet 4.6',
    modalities: { input: ['text', 'image', 'pdf'], output: ['text'] },
    tool_call: true,
    release_date: '2026-02-17',
    aliases: ['claude-sonnet-4.6', 'anthropic/claude-sonnet-4-6', 'anthropic:anthropic/claude-sonnet-4-6'],
    context: 200000,
    max_tokens: 64000,
    costs_currency: 'usd-cents',
    input_cost_key: 'input_tokens',
    output_cost_key: 'output_tokens',
    costs: {
      tokens: 1000000,
      input_tokens: 300,
      ephemeral_5m_input_tokens: 375,
      ephemeral_1h_input_tokens: 600,
      cache_read_input_tokens: 30,
      output_tokens: 1500
    },
    provider: 'claude'
  },
  {
    puterId: 'anthropic:anthropic/claude-opus-4-8',
    id: 'claude-opus-4-8',
    name: 'Claude Opus 4.8',
    modalities: { input: ['text', 'image', 'pdf'], output: ['text'] },
    tool_call: true,
    release_date: '2026-10-01',
    aliases: ['claude-opus-4.8', 'anthropic/claude-opus-4-8', 'anthropic:anthropic/claude-opus-4-8'],
    context: 200000,
    max_tokens: 64000,
    costs_currency: 'usd-cents',
    input_cost_key: 'input_tokens',
    output_cost_key: 'output_tokens',
    costs: {
      tokens: 1000000,
      input_tokens: 500,
      ephemeral_5m_input_tokens: 625,
      ephemeral_1h_input_tokens: 1000,
      cache_read_input_tokens: 50,
      output_tokens: 2500
    },
    provider: 'claude'
  },
  {
    puterId: 'anthropic:anthropic/claude-haiku-4-5',
    id: 'claude-haiku-4-5-20251001',
    name: 'Claude Haiku 4.5',
    modalities: { input: ['text', 'image', 'pdf'], output: ['text'] },
    tool_call: true,
    release_date: '2025-10-01',
    aliases: ['claude-haiku-4.5', 'claude-haiku-4-5', 'anthropic/claude-haiku-4-5', 'anthropic:anthropic/claude-haiku-4-5'],
    context: 200000,
    max_tokens: 64000,
    costs_currency: 'usd-cents',
    input_cost_key: 'input_tokens',
    output_cost_key: 'output_tokens',
    costs: {
      tokens: 1000000,
      input_tokens: 100,
      ephemeral_5m_input_tokens: 125,
      ephemeral_1h_input_tokens: 200,
      cache_read_input_tokens: 10,
      output_tokens: 500
    },
    provider: 'claude'
  },
  {
    puterId: 'deepseek:deepseek/deepseek-reasoner',
    id: 'deepseek-reasoner',
    name: 'DeepSeek Reasoner',
    modalities: { input: ['text'], output: ['text'] },
    open_weights: true,
    tool_call: true,
    release_date: '2025-01-20',
    aliases: ['deepseek/deepseek-reasoner', 'deepseek:deepseek/deepseek-reasoner'],
    context: 128000,
    max_tokens: 64000,
    ...OPENAI_KEYS,
    costs: { tokens: 1000000, prompt_tokens: 28, cached_tokens: 2.8, completion_tokens: 42 },
    provider: 'deepseek'
  },
  {
    id: 'openrouter:meta-llama/llama-3.3-70b-instruct',
    name: 'Meta: Llama 3.3 70B Instruct (OpenRouter)',
    aliases: [
      'meta-llama/llama-3.3-70b-instruct',
      'Meta: Llama 3.3 70B Instruct',
      'openrouter/meta-llama/llama-3.3-70b-instruct',
      'llama-3.3-70b-instruct'
    ],
    context: 131072,
    max_tokens: 16384,
    costs_currency: 'usd-cents',
    input_cost_key: 'prompt',
    output_cost_key: 'completion',
    costs: { tokens: 1000000, prompt: 10, completion: 32, request: 0 },
    provider: 'openrouter'
  },
  {
    puterId: 'google:google/gemini-2.5-flash',
    id: 'gemini-2.5-flash',
    name: 'Gemini 2.5 Flash',
    modalities: { input: ['text', 'image', 'audio', 'video', 'pdf'], output: ['text'] },
    open_weights: false,
    tool_call: true,
    knowledge: '2025-01',
    release_date: '2025-06-17',
    aliases: ['google/gemini-2.5-flash', 'google:google/gemini-2.5-flash'],
    context: 1048576,
    max_tokens: 65536,
    ...OPENAI_KEYS,
    costs: { tokens: 1000000, prompt_tokens: 30, cached_tokens: 3, completion_tokens: 250 },
    provider: 'gemini'
  },
  {
    id: NORMALIZED_DEMO_MODEL_ID,
    name: 'Puter normalized-shape demo (fake)',
    modalities: { input: ['text'], output: ['text'] },
    tool_call: true,
    release_date: '2026-09-01',
    aliases: ['puter/normalized-demo'],
    context: 32768,
    max_tokens: 8192,
    ...OPENAI_KEYS,
    costs: { tokens: 1000000, prompt_tokens: 10, completion_tokens: 40 },
    provider: 'openai-completion'
  },
  // FakeChatProvider's catalogue, verbatim (its hyphenated cost keys make usd_cents null).
  {
    id: 'fake',
    aliases: [],
    costs_currency: 'usd-cents',
    costs: { 'input-tokens': 0, 'output-tokens': 0 },
    max_tokens: 8192,
    provider: 'fake-chat'
  },
  {
    id: 'costly',
    aliases: [],
    costs_currency: 'usd-cents',
    costs: { 'input-tokens': 1000, 'output-tokens': 2000 },
    max_tokens: 8192,
    provider: 'fake-chat'
  },
  {
    id: 'abuse',
    aliases: [],
    costs_currency: 'usd-cents',
    costs: { 'input-tokens': 0, 'output-tokens': 0 },
    max_tokens: 8192,
    provider: 'fake-chat'
  }
]

/** Shape of the model's non-streaming result, before any `normalize` option. */
export function resultFamily (model: ChatModelDetails): ResultFamily {
  if (model.id === NORMALIZED_DEMO_MODEL_ID) return 'normalized'
  return ANTHROPIC_SHAPE_PROVIDERS.has(model.provider) ? 'anthropic' : 'openai'
}

const normalizeKey = (key: string): string => key.trim().toLowerCase()

// Every id, alias and puterId, matched like Puter's normalizeModelKey; the first registration wins.
const MODEL_INDEX = new Map<string, ChatModelDetails>()
for (const model of CHAT_MODELS) {
  for (const key of [model.id, ...model.aliases, ...(model.puterId ? [model.puterId] : [])]) {
    const k = normalizeKey(key)
    if (!MODEL_INDEX.has(k)) MODEL_INDEX.set(k, model)
  }
}

/** Find a model by id, alias or puterId (case-insensitive, trimmed), as `/drivers/call` does. */
export function resolveModel (name: unknown): ChatModelDetails | undefined {
  if (typeof name !== 'string') return undefined
  return MODEL_INDEX.get(normalizeKey(name))
}

const byProviderThenId = (a: ChatModelDetails, b: ChatModelDetails): number =>
  a.provider === b.provider ? a.id.localeCompare(b.id) : a.provider.localeCompare(b.provider)

/** What the `models` driver method returns: every model, fake ones included. */
export const ALL_MODEL_DETAILS: readonly ChatModelDetails[] = [...CHAT_MODELS].sort(byProviderThenId)

/** What the `list` driver method returns. */
export const ALL_MODEL_NAMES: readonly string[] = ALL_MODEL_DETAILS.map((m) => m.puterId || m.id).sort()

/** GET /puterai/chat/models/details: public models, sorted by provider then id. */
export const PUBLIC_MODEL_DETAILS: readonly ChatModelDetails[] = ALL_MODEL_DETAILS.filter((m) => !HIDDEN_MODEL_IDS.has(m.id))

/** GET /puterai/chat/models: sorted puterId-or-id of the public models. */
export const PUBLIC_MODEL_NAMES: readonly string[] = PUBLIC_MODEL_DETAILS.map((m) => m.puterId || m.id).sort()
