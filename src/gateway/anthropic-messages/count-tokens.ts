// Input tokens of a Messages request, counted locally (no Puter call): /v1/messages/count_tokens and the estimate in
// message_start. An estimate: Claude's tokenizer is not public, so this counts with OpenAI's cl100k_base (gpt-tokenizer),
// which lands within a few percent to ~20% below Claude's counts on English and code; images count a flat 1,600 tokens
// (Anthropic's ceiling for a full-size image), and each message, tool and the system prompt a few tokens of framing.
type Obj = Record<string, unknown>

type Counter = (text: string) => number

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value)

const IMAGE_TOKENS = 1600
const MESSAGE_OVERHEAD = 4
const TOOL_OVERHEAD = 8
const SYSTEM_OVERHEAD = 4

// gpt-tokenizer's tables take ~0.5-1 s to load: loaded on first use, not with the app, so no other route pays. Until
// they are in, counts fall back to characters / 4.
let tokenizer: Counter | undefined
let loading: Promise<Counter> | undefined

/** Loads the tokenizer (once); resolves when counts use it. */
export function loadTokenizer (): Promise<Counter> {
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((m) => {
    tokenizer = (text: string) => m.countTokens(text)
    return tokenizer
  })
  return loading
}

/** Whether counts already use the tokenizer (else the characters / 4 fallback). */
export function tokenizerReady (): boolean {
  return tokenizer !== undefined
}

// Claude Code sends the same system prompt, tools and history on every turn: each text's count is kept, so a turn
// costs only its new parts. Bounded by total characters; the oldest entries go first.
const MEMO_MAX_CHARS = 16 * 1024 * 1024
const MEMO_MIN_LENGTH = 256
const memo = new Map<string, number>()
let memoChars = 0

function countText (text: string): number {
  if (text === '') return 0
  const count = tokenizer
  if (count === undefined) return Math.ceil(text.length / 4)
  if (text.length < MEMO_MIN_LENGTH) return count(text)
  const known = memo.get(text)
  if (known !== undefined) return known
  const n = count(text)
  memo.set(text, n)
  memoChars += text.length
  for (const key of memo.keys()) {
    if (memoChars <= MEMO_MAX_CHARS) break
    memo.delete(key)
    memoChars -= key.length
  }
  return n
}

/** Tokens of one content block; thinking blocks count 0 (they are removed before the call, as Anthropic does). */
function blockTokens (block: unknown): number {
  if (typeof block === 'string') return countText(block)
  if (!isObj(block)) return 0
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? countText(block.text) : 0
    case 'image':
      return IMAGE_TOKENS
    case 'document':
      return isObj(block.source) && typeof block.source.data === 'string' && block.source.type === 'text' ? countText(block.source.data) : IMAGE_TOKENS
    case 'tool_use':
      return countText(typeof block.name === 'string' ? block.name : '') + countText(JSON.stringify(block.input ?? {}))
    case 'tool_result':
      return contentTokens(block.content)
    default:
      return 0
  }
}

function contentTokens (content: unknown): number {
  if (typeof content === 'string') return countText(content)
  if (!Array.isArray(content)) return 0
  let n = 0
  for (const block of content) n += blockTokens(block)
  return n
}

/** The parts of a request that count: system, messages, tools. */
interface CountableRequest {
  system?: unknown
  messages?: unknown
  tools?: unknown
}

/** Estimated input tokens of a request (synchronous; characters / 4 until the tokenizer has loaded). */
export function countInputTokens (req: CountableRequest): number {
  let n = 0
  if (req.system !== undefined) n += SYSTEM_OVERHEAD + contentTokens(req.system)
  if (Array.isArray(req.messages)) {
    for (const m of req.messages) if (isObj(m)) n += MESSAGE_OVERHEAD + contentTokens(m.content)
  }
  if (Array.isArray(req.tools)) {
    for (const tool of req.tools) {
      if (!isObj(tool)) continue
      n += TOOL_OVERHEAD + countText(typeof tool.name === 'string' ? tool.name : '')
      if (typeof tool.description === 'string') n += countText(tool.description)
      if (tool.input_schema !== undefined) n += countText(JSON.stringify(tool.input_schema))
    }
  }
  return Math.max(1, n)
}
