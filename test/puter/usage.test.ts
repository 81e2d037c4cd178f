// Puter usage objects of every provider family read into neutral usage.
import t from 'tap'
import { toNeutralUsage } from '../../src/puter/usage.ts'

t.test('toNeutralUsage', async (t) => {
  const cases: Array<[string, unknown, unknown]> = [
    ['nothing', undefined, { inputTokens: 0, outputTokens: 0 }],
    ['not an object', ['prompt_tokens', 3], { inputTokens: 0, outputTokens: 0 }],
    ['fake model usd_cents only (null: no cost data)', { usd_cents: null }, { inputTokens: 0, outputTokens: 0 }],
    ['Puter-metered OpenAI keys: top-level cached_tokens are added to the input', { prompt_tokens: 40, completion_tokens: 5, cached_tokens: 12, usd_cents: 0.001 },
      { inputTokens: 52, outputTokens: 5, cachedInputTokens: 12, costUsdCents: 0.001 }],
    ['OpenAI keys without any cache report leave cachedInputTokens undefined', { prompt_tokens: 3, completion_tokens: 4 }, { inputTokens: 3, outputTokens: 4 }],
    ['raw OpenAI usage: details already inside prompt_tokens; reasoning tokens carried',
      { prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 80 }, completion_tokens_details: { reasoning_tokens: 12 } },
      { inputTokens: 100, outputTokens: 20, cachedInputTokens: 80, reasoningTokens: 12 }],
    ['Puter-flattened Claude usage: reads, ephemeral writes, thinking tokens and price',
      { input_tokens: 50, ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 4, cache_read_input_tokens: 200, output_tokens: 30, thinking_tokens: 7, usd_cents: 0.06 },
      { inputTokens: 264, outputTokens: 30, cachedInputTokens: 200, cacheWriteTokens: 14, reasoningTokens: 7, costUsdCents: 0.06 }],
    ['raw Anthropic cache_creation_input_tokens', { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 20, output_tokens: 3 },
      { inputTokens: 35, outputTokens: 3, cachedInputTokens: 20, cacheWriteTokens: 5 }],
    ['Claude usage without cache keys', { input_tokens: 5, output_tokens: 9 }, { inputTokens: 5, outputTokens: 9 }],
    ['OpenRouter-style metering keys', { prompt: 7, completion: 2, request: 0, usd_cents: 0 }, { inputTokens: 7, outputTokens: 2, costUsdCents: 0 }],
    ['garbage values count as 0', { prompt_tokens: 'x', completion_tokens: -4, usd_cents: 'NaN' }, { inputTokens: 0, outputTokens: 0 }],
    ['fractional counts are rounded', { input_tokens: 2.6, output_tokens: 1.2 }, { inputTokens: 3, outputTokens: 1 }]
  ]
  for (const [name, usage, expected] of cases) t.strictSame(toNeutralUsage(usage), expected, name)
})
