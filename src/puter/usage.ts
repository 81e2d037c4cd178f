// Puter's usage objects, of every provider family, read into the neutral NeutralUsage.
import type { NeutralUsage } from './events.ts'

type Obj = Record<string, unknown>

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value)
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

/** A token count: garbage, negatives and NaN count as 0. */
function count (value: unknown): number {
  return isNumber(value) && value > 0 ? Math.round(value) : 0
}

/**
 * Puter usage (any family) as neutral usage. OpenAI-wire providers report Puter's metered keys, where
 * `prompt_tokens` excludes the top-level `cached_tokens` (they are billed apart), or raw OpenAI usage with
 * `prompt_tokens_details.cached_tokens` already inside `prompt_tokens`. Claude reports `input_tokens` without
 * cache reads and cache writes; inputTokens counts all of them. OpenRouter meters `prompt`/`completion`.
 * Optional fields stay undefined when the provider does not report them, so "0" always means "reported as 0".
 */
export function toNeutralUsage (usage: unknown): NeutralUsage {
  const out: NeutralUsage = { inputTokens: 0, outputTokens: 0 }
  if (!isObj(usage)) return out
  if ('prompt_tokens' in usage || 'completion_tokens' in usage) {
    const details = isObj(usage.prompt_tokens_details) ? usage.prompt_tokens_details.cached_tokens : undefined
    out.inputTokens = count(usage.prompt_tokens)
    if (typeof details === 'number') {
      out.cachedInputTokens = count(details)
    } else if (typeof usage.cached_tokens === 'number') {
      out.cachedInputTokens = count(usage.cached_tokens)
      out.inputTokens += out.cachedInputTokens
    }
    out.outputTokens = count(usage.completion_tokens)
    const reasoning = isObj(usage.completion_tokens_details) ? usage.completion_tokens_details.reasoning_tokens : undefined
    if (typeof reasoning === 'number') out.reasoningTokens = count(reasoning)
  } else if ('input_tokens' in usage || 'output_tokens' in usage) {
    // Puter flattens Anthropic's cache_creation into ephemeral_*; raw usage has cache_creation_input_tokens.
    if (typeof usage.ephemeral_5m_input_tokens === 'number' || typeof usage.ephemeral_1h_input_tokens === 'number') {
      out.cacheWriteTokens = count(usage.ephemeral_5m_input_tokens) + count(usage.ephemeral_1h_input_tokens)
    } else if (typeof usage.cache_creation_input_tokens === 'number') {
      out.cacheWriteTokens = count(usage.cache_creation_input_tokens)
    }
    if (typeof usage.cache_read_input_tokens === 'number') out.cachedInputTokens = count(usage.cache_read_input_tokens)
    out.inputTokens = count(usage.input_tokens) + (out.cachedInputTokens ?? 0) + (out.cacheWriteTokens ?? 0)
    out.outputTokens = count(usage.output_tokens)
    if (typeof usage.thinking_tokens === 'number') out.reasoningTokens = count(usage.thinking_tokens)
  } else {
    out.inputTokens = count(usage.prompt)
    out.outputTokens = count(usage.completion)
  }
  // Puter adds its price to every family's usage; null when the model has no cost data.
  if (isNumber(usage.usd_cents) && usage.usd_cents >= 0) out.costUsdCents = usage.usd_cents
  return out
}
