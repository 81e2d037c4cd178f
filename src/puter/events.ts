// The neutral form every Puter chat answer is read into, plain or streamed: what each client API's encoder is fed.
// Nothing here knows any client API.

/** Token usage as Puter reported it, in one shape for every provider family. */
export interface NeutralUsage {
  /** Every input token, cache reads and cache writes included (OpenAI's prompt_tokens). */
  inputTokens: number
  outputTokens: number
  /** Input tokens read from the provider's prompt cache, when the provider says (undefined: not reported). */
  cachedInputTokens?: number
  /** Input tokens written to the prompt cache (Anthropic's cache_creation), when reported. */
  cacheWriteTokens?: number
  /** Output tokens spent on reasoning, when reported. */
  reasoningTokens?: number
  /** Puter's own price of the call in US cents (`usd_cents`), when reported. */
  costUsdCents?: number
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter'

/** One complete tool call (Puter sends each call once, whole). `id` is null when Puter gave none. */
export interface NeutralToolCall {
  id: string | null
  name: string
  /** The arguments as a JSON text. */
  arguments: string
}

/** One step of an answer, in the order Puter produced it. */
export type PuterEvent =
  | { type: 'text', text: string }
  | { type: 'reasoning', text: string }
  | { type: 'tool_call', call: NeutralToolCall }
  /** `finish`: a finish signal Puter put on its usage line, meaning the same as a 'finish' event right after it. */
  | { type: 'usage', usage: NeutralUsage, finish?: 'length' | 'content_filter' }
  /** Puter signalled why it stopped (a token cap or a content filter); otherwise the finish is inferred at the end. */
  | { type: 'finish', reason: 'length' | 'content_filter' }
  /**
   * The answer failed after it started (Puter's error line, a broken connection, or the gateway ending it); the
   * message is safe to show (tokens redacted). `code` names why when the gateway knows (default upstream_error).
   */
  | { type: 'error', message: string, code?: string }

/** A whole answer: a plain (non-streamed) result, normalised. */
export interface PuterAnswer {
  text: string
  reasoning: string
  toolCalls: NeutralToolCall[]
  usage: NeutralUsage
  finish: FinishReason
}
