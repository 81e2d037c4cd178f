// What a key's settings allow: its state (active, expired, disabled, over budget), the models it may use (ids and
// glob patterns), and the estimated cost of a request. Pure functions over a key record, O(1) per request.
import picomatch from 'picomatch'
import type { NeutralUsage } from '../puter/events.ts'
import type { Model } from '../schemas/models.ts'
import type { BudgetPeriod, KeyRecord } from '../store/types.ts'
import { periodBounds } from '../store/periods.ts'

export type KeyState = 'active' | 'expired' | 'disabled' | 'over_budget'

// `*` matches any text, slashes included (model ids such as openrouter:meta-llama/llama-3.3-70b); case as Puter: ignored.
const GLOB = { nocase: true, bash: true, dot: true, strictBrackets: true } as const
// What a model id or pattern may contain: ids are letters, digits and . _ - : / @ +, patterns add * ? [ ] { } , !.
const PATTERN_CHARS = /^[A-Za-z0-9._\-:/@+*?[\]{},!]+$/

/** Why a pattern in allowedModels cannot be used, or undefined when it can. */
export function modelPatternProblem (pattern: string): string | undefined {
  if (pattern.trim() !== pattern || !PATTERN_CHARS.test(pattern)) return `"${pattern}" is not a model id or glob pattern (letters, digits, . _ - : / @ + and the glob characters * ? [ ] { } , !)`
  try {
    picomatch.makeRe(pattern, GLOB)
  } catch (err) {
    return `"${pattern}" is not a valid glob pattern: ${(err as Error).message}`
  }
  return undefined
}

// Compiled matchers by key record: a committed record is never changed in place (a change commits a new one), so a
// record's matcher stays right for as long as the record is the key's.
const matchers = new WeakMap<KeyRecord, (id: string) => boolean>()

function matcherOf (key: KeyRecord): (id: string) => boolean {
  let m = matchers.get(key)
  if (!m) {
    // Patterns were checked when saved; one that does not compile (a hand-edited file) matches nothing.
    const each = key.allowedModels.flatMap((p) => {
      try {
        return [picomatch(p, GLOB)]
      } catch {
        return []
      }
    })
    m = (id: string) => each.some((test) => test(id))
    matchers.set(key, m)
  }
  return m
}

/**
 * Whether the key may use a model: every model when allowedModels is empty; otherwise the id asked for, or the
 * catalogue id and aliases of the model it stands for, must match one of the patterns.
 */
export function modelAllowed (key: KeyRecord, asked: string, model: Model | undefined): boolean {
  if (key.allowedModels.length === 0) return true
  const test = matcherOf(key)
  if (test(asked)) return true
  return model !== undefined && (test(model.id) || (model.aliases ?? []).some(test))
}

/** The state a key's requests meet now, given its spend in the current budget period (micro-dollars). */
export function keyState (key: KeyRecord, spentMicroUsd: number, at: number): KeyState {
  if (key.disabled) return 'disabled'
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= at) return 'expired'
  if (key.budget !== null && spentMicroUsd >= budgetMicroUsd(key.budget.usd)) return 'over_budget'
  return 'active'
}

export const budgetMicroUsd = (usd: number) => Math.round(usd * 1_000_000)

/** When the budget period holding `at` ends (ISO), or null for a total budget. */
export function periodResetsAt (period: BudgetPeriod, at: number): string | null {
  const bounds = periodBounds(period, at)
  return bounds === null ? null : new Date(bounds.end).toISOString()
}

/** USD per token from the catalogue's decimal strings; 0 when not priced. */
const perToken = (price: string | undefined) => {
  const n = price === undefined ? NaN : Number(price)
  return Number.isFinite(n) && n > 0 ? n : 0
}

/**
 * The estimated cost of a request in integer micro-dollars: the tokens Puter reported at the catalogue's list prices
 * (cached input tokens at the cache-read price when the model has one). A model without prices falls back on the
 * price Puter itself reported (`usd_cents`), else 0.
 */
export function costMicroUsd (usage: NeutralUsage | null, model: Model | undefined): number {
  if (usage === null) return 0
  const pricing = model?.pricing
  const prompt = perToken(pricing?.prompt)
  const completion = perToken(pricing?.completion)
  if (prompt === 0 && completion === 0) {
    return usage.costUsdCents !== undefined ? Math.round(usage.costUsdCents * 10_000) : 0
  }
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens)
  const cacheRead = pricing?.input_cache_read === undefined ? prompt : perToken(pricing.input_cache_read)
  const usd = (usage.inputTokens - cached) * prompt + cached * cacheRead + usage.outputTokens * completion
  return Math.max(0, Math.round(usd * 1_000_000))
}

/** A key's settings as a request gives them (any subset), to be checked beyond what the schema can say. */
interface SettingsInput {
  expiresAt?: string | null
  allowedModels?: string[]
}

/** The first setting the schema cannot refuse on its own (an expiry in the past, a bad pattern): field and reason. */
export function settingsProblem (input: SettingsInput, at: number): { param: string, message: string } | undefined {
  if (typeof input.expiresAt === 'string' && Date.parse(input.expiresAt) <= at) {
    return { param: 'expiresAt', message: `expiresAt must be in the future (it is ${input.expiresAt}; now is ${new Date(at).toISOString()}); null means never` }
  }
  for (const [i, pattern] of (input.allowedModels ?? []).entries()) {
    const problem = modelPatternProblem(pattern)
    if (problem) return { param: `allowedModels.${i}`, message: problem }
  }
  return undefined
}
