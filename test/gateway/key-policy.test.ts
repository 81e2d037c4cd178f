// What a key's settings allow, as pure functions: model patterns and matching, the key's state, budget periods'
// reset times, the estimated cost of a request at the catalogue's list prices, and settings the schema cannot refuse.
import t from 'tap'
import {
  budgetMicroUsd, costMicroUsd, keyState, modelAllowed, modelPatternProblem, periodResetsAt, settingsProblem
} from '../../src/gateway/key-policy.ts'
import { createModelCatalog } from '../../src/gateway/models.ts'
import type { KeyRecord } from '../../src/store/types.ts'
import type { Model } from '../../src/schemas/models.ts'
import { PUBLIC_MODEL_DETAILS, resolveModel } from '../fake-puter/catalog.ts'

const AT = Date.parse('2025-01-15T10:00:00.000Z') // a Wednesday

function keyRecord (settings: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: 'key_test',
    userId: 'u',
    name: 'k',
    digest: 'd',
    preview: 'sk-…',
    createdAt: new Date(AT).toISOString(),
    expiresAt: null,
    disabled: false,
    allowedModels: [],
    limits: { rpm: null, concurrency: null },
    budget: null,
    lastUsedAt: null,
    requestCount: 0,
    errorCount: 0,
    inputTokens: 0,
    outputTokens: 0,
    costMicroUsd: 0,
    ...settings
  }
}

/** The fake Puter's public catalogue, through the gateway's own mapping to OpenAI model objects (pricing included). */
async function catalogModel (id: string): Promise<Model> {
  const catalog = createModelCatalog({ fetchDetails: async () => PUBLIC_MODEL_DETAILS as unknown as Record<string, unknown>[], ttlMs: 3_600_000 })
  const model = await catalog.get(id)
  if (!model) throw new Error(`no ${id} in the catalogue`)
  return model
}

/**
 * What a usage costs at a fake-catalogue model's list prices, in micro-dollars. Puter's `costs` are US cents per
 * `costs.tokens` tokens, so one token costs cents / tokens / 100 dollars = cents * 10^4 / tokens micro-dollars.
 */
function listPriceMicroUsd (id: string, u: { input: number, cached?: number, output: number }): number {
  const m = resolveModel(id)!
  const c = m.costs
  const inputRate = c[m.input_cost_key!]
  const cacheRate = c.cached_tokens ?? c.cache_read_input_tokens ?? inputRate
  const cached = u.cached ?? 0
  const cents = (u.input - cached) * inputRate + cached * cacheRate + u.output * c[m.output_cost_key!]
  return Math.round(cents * 10_000 / c.tokens)
}

t.test('modelPatternProblem: ids and globs pass; stray characters and unbalanced globs are named', async (t) => {
  for (const ok of ['gpt-4o-mini', 'claude-*', 'openrouter:meta-llama/llama-3.3-70b-instruct', 'gpt-?o-mini', '{gpt,claude}-*', '[a-c]*', '!gpt-*', 'x@y+z', '**']) {
    t.equal(modelPatternProblem(ok), undefined, `${ok}: accepted`)
  }
  const bad: Array<[string, RegExp]> = [
    ['', /is not a model id or glob pattern/],
    [' claude-*', /is not a model id or glob pattern/],
    ['claude *', /is not a model id or glob pattern/],
    ['gpt(4)', /is not a model id or glob pattern/],
    ['claude-[ab', /is not a valid glob pattern/],
    ['{gpt,claude-*', /is not a valid glob pattern/],
    ['gpt]', /is not a valid glob pattern/]
  ]
  for (const [pattern, reason] of bad) {
    const problem = modelPatternProblem(pattern)
    t.match(problem, reason, `${JSON.stringify(pattern)}: refused`)
    t.ok(problem?.includes(`"${pattern}"`), `${JSON.stringify(pattern)}: the message quotes the pattern`)
  }
})

t.test('modelAllowed: empty allows all; ids and globs match case-insensitively, by the id asked or the catalogue id and aliases', async (t) => {
  const claude = await catalogModel('claude-sonnet-4-5-20250929')
  const llama = await catalogModel('openrouter:meta-llama/llama-3.3-70b-instruct')
  const mini = await catalogModel('gpt-4o-mini')
  const cases: Array<[string, string[], string, Model | undefined, boolean]> = [
    ['empty list: any model', [], 'anything-at-all', undefined, true],
    ['exact id', ['gpt-4o-mini'], 'gpt-4o-mini', mini, true],
    ['exact id, other case', ['GPT-4o-Mini'], 'gpt-4o-mini', mini, true],
    ['another id', ['gpt-4o-mini'], 'gpt-5-nano', undefined, false],
    ['glob on the id asked', ['claude-*'], 'claude-sonnet-4-5-20250929', claude, true],
    ['glob on the catalogue id of an alias asked', ['claude-*'], 'anthropic/claude-sonnet-4-5', claude, true],
    ['glob on an alias of the id asked', ['anthropic/*'], 'claude-sonnet-4-5-20250929', claude, true],
    ['an alias outside the catalogue matches only itself', ['claude-*'], 'anthropic/claude-sonnet-4-5', undefined, false],
    ['* crosses slashes', ['openrouter:*'], 'openrouter:meta-llama/llama-3.3-70b-instruct', llama, true],
    ['? is one character', ['gpt-?o-mini'], 'gpt-4o-mini', mini, true],
    ['? is not two', ['gpt-?-mini'], 'gpt-4o-mini', mini, false],
    ['braces', ['{gemini,claude}-*'], 'gemini-2.5-flash', undefined, true],
    ['several patterns: any one', ['gpt-5-*', 'gemini-*', 'claude-*'], 'claude-sonnet-4-5', claude, true],
    ['a prefix is not a match', ['gpt-4o'], 'gpt-4o-mini', mini, false]
  ]
  for (const [name, allowedModels, asked, model, expected] of cases) {
    t.equal(modelAllowed(keyRecord({ allowedModels }), asked, model), expected, `${name}: ${expected ? 'allowed' : 'refused'}`)
  }
})

t.test('modelAllowed: a changed list applies at once; a pattern that does not compile (hand-edited file) matches nothing', async (t) => {
  const before = keyRecord({ allowedModels: ['gpt-*'] })
  t.ok(modelAllowed(before, 'gpt-4o-mini', undefined))
  // The store commits a new record on each change: the new one must not reuse the old record's matcher.
  const after = { ...before, allowedModels: ['claude-*'] }
  t.notOk(modelAllowed(after, 'gpt-4o-mini', undefined), 'the new list refuses what the old allowed')
  t.ok(modelAllowed(after, 'claude-x', undefined))
  const edited = keyRecord({ allowedModels: ['claude-[ab', 'gpt-*'] })
  t.notOk(modelAllowed(edited, 'claude-[ab', undefined), 'the broken pattern matches nothing, not even itself')
  t.ok(modelAllowed(edited, 'gpt-4o-mini', undefined), 'the other patterns still work')
})

t.test('keyState: disabled, then expired, then over budget, else active', async (t) => {
  const budget = { usd: 1, period: 'day' as const }
  const cases: Array<[string, Partial<KeyRecord>, number, number, string]> = [
    ['no settings', {}, 0, AT, 'active'],
    ['disabled', { disabled: true }, 0, AT, 'disabled'],
    ['disabled beats expired and over budget', { disabled: true, expiresAt: new Date(AT - 1).toISOString(), budget }, 2e6, AT, 'disabled'],
    ['expiry 1 ms ahead', { expiresAt: new Date(AT + 1).toISOString() }, 0, AT, 'active'],
    ['expiry reached exactly', { expiresAt: new Date(AT).toISOString() }, 0, AT, 'expired'],
    ['expired beats over budget', { expiresAt: new Date(AT - 1).toISOString(), budget }, 2e6, AT, 'expired'],
    ['spend 1 micro-dollar under the budget', { budget }, 999_999, AT, 'active'],
    ['spend equal to the budget', { budget }, 1_000_000, AT, 'over_budget'],
    ['spend without a budget', {}, 1e12, AT, 'active']
  ]
  for (const [name, settings, spent, at, expected] of cases) t.equal(keyState(keyRecord(settings), spent, at), expected, name)
})

t.test('budgetMicroUsd rounds dollars to whole micro-dollars (no float residue)', async (t) => {
  t.equal(budgetMicroUsd(0.1), 100_000)
  t.equal(budgetMicroUsd(0.3), 300_000)
  t.equal(budgetMicroUsd(1_000_000), 1e12)
  t.equal(budgetMicroUsd(0.0000005), 1)
})

t.test('periodResetsAt: next UTC midnight, next Monday, first of next month; never for total', async (t) => {
  const cases: Array<[string, 'day' | 'week' | 'month' | 'total', string, string | null]> = [
    ['day', 'day', '2025-01-15T10:00:00.000Z', '2025-01-16T00:00:00.000Z'],
    ['day, last millisecond', 'day', '2025-01-15T23:59:59.999Z', '2025-01-16T00:00:00.000Z'],
    ['day, midnight starts a new day', 'day', '2025-01-16T00:00:00.000Z', '2025-01-17T00:00:00.000Z'],
    ['week from a Wednesday', 'week', '2025-01-15T10:00:00.000Z', '2025-01-20T00:00:00.000Z'],
    ['week from a Sunday night (ISO weeks end on Sunday)', 'week', '2025-01-19T23:59:59.999Z', '2025-01-20T00:00:00.000Z'],
    ['week from a Monday midnight', 'week', '2025-01-20T00:00:00.000Z', '2025-01-27T00:00:00.000Z'],
    ['month', 'month', '2025-01-31T23:00:00.000Z', '2025-02-01T00:00:00.000Z'],
    ['month, leap February', 'month', '2024-02-29T12:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['month, December', 'month', '2025-12-15T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ['total', 'total', '2025-01-15T10:00:00.000Z', null]
  ]
  for (const [name, period, at, expected] of cases) t.equal(periodResetsAt(period, Date.parse(at)), expected, name)
})

t.test('costMicroUsd: the tokens Puter reported at the catalogue list prices, cached input at the cache-read price', async (t) => {
  const mini = await catalogModel('gpt-4o-mini')
  const claude = await catalogModel('claude-sonnet-4-5-20250929')
  const cases: Array<[string, Model, { inputTokens: number, outputTokens: number, cachedInputTokens?: number, costUsdCents?: number }, number]> = [
    ['gpt-4o-mini', mini, { inputTokens: 1234, outputTokens: 567 }, listPriceMicroUsd('gpt-4o-mini', { input: 1234, output: 567 })],
    ['gpt-4o-mini with cached input', mini, { inputTokens: 12_000, cachedInputTokens: 4000, outputTokens: 3000 }, listPriceMicroUsd('gpt-4o-mini', { input: 12_000, cached: 4000, output: 3000 })],
    ['claude with cache reads', claude, { inputTokens: 50_000, cachedInputTokens: 20_000, outputTokens: 7001 }, listPriceMicroUsd('claude-sonnet-4-5-20250929', { input: 50_000, cached: 20_000, output: 7001 })],
    ["Puter's own price is ignored when the catalogue has one", mini, { inputTokens: 1234, outputTokens: 567, costUsdCents: 99 }, listPriceMicroUsd('gpt-4o-mini', { input: 1234, output: 567 })],
    ['more cached than input counts as all cached', mini, { inputTokens: 100, cachedInputTokens: 500, outputTokens: 0 }, listPriceMicroUsd('gpt-4o-mini', { input: 100, cached: 100, output: 0 })]
  ]
  for (const [name, model, usage, expected] of cases) {
    t.ok(expected > 0, `${name}: a non-trivial expectation`)
    t.equal(costMicroUsd(usage, model), expected, name)
  }
  // 1M gpt-4o-mini input tokens cost the catalogue's 15 cents, i.e. 150,000 micro-dollars.
  t.equal(costMicroUsd({ inputTokens: 1_000_000, outputTokens: 0 }, mini), resolveModel('gpt-4o-mini')!.costs.prompt_tokens * 10_000)
})

t.test("costMicroUsd: without catalogue prices, Puter's usd_cents; without either, 0; never for no usage", async (t) => {
  const unpriced: Model = { id: 'mystery', object: 'model', created: 0, owned_by: 'x' }
  t.equal(costMicroUsd(null, await catalogModel('gpt-4o-mini')), 0, 'no usage: 0')
  t.equal(costMicroUsd({ inputTokens: 10, outputTokens: 10, costUsdCents: 0.0123 }, unpriced), 123, '0.0123 cents = 123 micro-dollars')
  t.equal(costMicroUsd({ inputTokens: 10, outputTokens: 10, costUsdCents: 0.0123 }, undefined), 123, 'a model unknown to the catalogue too')
  t.equal(costMicroUsd({ inputTokens: 10, outputTokens: 10 }, unpriced), 0)
  t.equal(costMicroUsd({ inputTokens: 0, outputTokens: 0 }, await catalogModel('gpt-4o-mini')), 0)
})

t.test('settingsProblem: an expiry not in the future and a bad pattern, each named by its field', async (t) => {
  t.equal(settingsProblem({}, AT), undefined, 'nothing given')
  t.equal(settingsProblem({ expiresAt: null, allowedModels: [] }, AT), undefined, 'null expiry, every model')
  t.equal(settingsProblem({ expiresAt: new Date(AT + 1000).toISOString(), allowedModels: ['claude-*'] }, AT), undefined, 'future expiry, good glob')
  t.match(settingsProblem({ expiresAt: new Date(AT - 1000).toISOString() }, AT), { param: 'expiresAt', message: /must be in the future/ })
  t.match(settingsProblem({ expiresAt: new Date(AT).toISOString() }, AT), { param: 'expiresAt' }, 'now is not in the future')
  t.match(settingsProblem({ allowedModels: ['gpt-4o-mini', 'claude-[ab'] }, AT), { param: 'allowedModels.1', message: /claude-\[ab/ }, 'the index of the bad pattern')
  t.match(settingsProblem({ expiresAt: new Date(AT - 1).toISOString(), allowedModels: ['a b'] }, AT), { param: 'expiresAt' }, 'the first problem is reported')
})
