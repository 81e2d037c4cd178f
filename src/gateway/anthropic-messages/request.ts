// Anthropic Messages request body -> the `args` of Puter's `puter-chat-completion` driver call. Pure.
// Puter's own message form is Anthropic's content blocks (tool_use / tool_result), so blocks pass as such; what Puter
// cannot take (thinking history, server tools, unknown fields and blocks) is dropped, never forwarded.
import type { MessagesRequest } from './schema.ts'

type Obj = Record<string, unknown>

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => typeof value === 'string' ? value : undefined

/** Claude Code's per-request system block: it changes on every request and would defeat prompt caching. */
const BILLING_HEADER = /^\s*x-anthropic-billing-header:/i
/** Claude Code appends this to a model name to ask for the 1M context window; the catalogue does not know it. */
const ONE_MILLION_SUFFIX = /\[1m\]\s*$/i

/** Request fields this gateway reads; any other field (context_management, container, mcp_servers, …) is dropped. */
const READ_FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'max_tokens', 'temperature', 'top_p',
  'top_k', 'stop_sequences', 'stream', 'metadata', 'output_config'])

/** A model name as the catalogue knows it: Claude Code's trailing `[1m]` removed. */
export function stripContextSuffix (model: string): string {
  return model.replace(ONE_MILLION_SUFFIX, '').trim()
}

interface MapOptions {
  /** The model to call (the catalogue's id when it knows the name). */
  model: string
  /** Keep cache_control breakpoints (Claude models only: other providers may refuse the unknown key). */
  cacheControl: boolean
}

/** Fields and block types of the request that the call leaves out, by name only (for a debug line); undefined for none. */
export function droppedByTranslation (req: MessagesRequest): { fields: string[], blocks: string[], tools: string[] } | undefined {
  const fields = Object.keys(req).filter((name) => !READ_FIELDS.has(name))
  const blocks = new Set<string>()
  for (const m of req.messages) {
    if (!Array.isArray(m.content)) continue
    for (const b of m.content) if (!KEPT_BLOCKS.has(b.type)) blocks.add(b.type)
  }
  const tools = (req.tools ?? []).filter((t) => !isClientTool(t)).map((t) => t.type ?? t.name)
  return fields.length + blocks.size + tools.length > 0 ? { fields, blocks: [...blocks], tools } : undefined
}

const KEPT_BLOCKS = new Set(['text', 'image', 'tool_use', 'tool_result', 'document'])

/** Maps a Messages request onto Puter's `/drivers/call` `args`. */
export function toPuterArgs (req: MessagesRequest, opts: MapOptions): Obj {
  const messages: Obj[] = []
  const system = toSystemMessage(req.system, opts.cacheControl)
  if (system) messages.push(system)
  messages.push(...toPuterMessages(req.messages, opts.cacheControl))

  const args: Obj = { model: opts.model, messages }
  const tools = toPuterTools(req.tools)
  if (tools) {
    args.tools = tools
    const choice = req.tool_choice
    if (choice) {
      const mapped = toPuterToolChoice(choice)
      if (mapped !== undefined) args.tool_choice = mapped
      if (choice.disable_parallel_tool_use === true) args.parallel_tool_calls = false
    }
  }
  args.max_tokens = req.max_tokens
  if (typeof req.temperature === 'number') args.temperature = req.temperature
  if (typeof req.top_p === 'number') args.top_p = req.top_p
  if (typeof req.top_k === 'number') args.top_k = req.top_k
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) args.stop = req.stop_sequences
  const effort = reasoningEffort(req)
  if (effort !== undefined) args.reasoning_effort = effort
  args.stream = req.stream === true
  return args
}

/** The system prompt as one system message: a string, or its text blocks with their cache_control. */
function toSystemMessage (system: MessagesRequest['system'], cacheControl: boolean): Obj | undefined {
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system }
  if (!Array.isArray(system)) return undefined
  const blocks: Obj[] = []
  for (const block of system) {
    if (typeof block.text !== 'string' || block.text === '' || BILLING_HEADER.test(block.text)) continue
    blocks.push(textBlock(block.text, cacheControl ? block.cache_control : undefined))
  }
  return blocks.length > 0 ? { role: 'system', content: blocks } : undefined
}

function textBlock (text: string, cacheControl: unknown): Obj {
  const block: Obj = { type: 'text', text }
  if (isObj(cacheControl)) block.cache_control = cacheControl
  return block
}

/**
 * The conversation as Puter messages:
 * - thinking and redacted_thinking blocks are removed: Puter's stream never delivers their signatures, and sent back
 *   unsigned they fail the next turn with "Invalid signature in thinking block";
 * - an assistant turn's text goes in one message and its tool_use blocks in the next, as the chat completions mapping
 *   sends them (Anthropic merges consecutive assistant messages back into one turn);
 * - a system message inside the conversation (Claude Code's mid-conversation-system beta) becomes a
 *   <system-reminder> text of the user turn, and consecutive user messages are merged, so roles still alternate.
 */
function toPuterMessages (messages: MessagesRequest['messages'], cacheControl: boolean): Obj[] {
  const out: Obj[] = []
  const pushUser = (content: Obj[]) => {
    if (content.length === 0) return
    const last = out.at(-1)
    if (last?.role === 'user' && Array.isArray(last.content)) (last.content as Obj[]).push(...content)
    else if (last?.role === 'user' && typeof last.content === 'string') last.content = [{ type: 'text', text: last.content }, ...content]
    else out.push({ role: 'user', content })
  }

  for (const m of messages) {
    if (m.role === 'system') {
      const text = typeof m.content === 'string' ? m.content : m.content.map((b) => str(b.text) ?? '').filter(Boolean).join('\n')
      if (text !== '') pushUser([{ type: 'text', text: `<system-reminder>\n${text}\n</system-reminder>` }])
      continue
    }
    if (m.role === 'user') {
      if (typeof m.content === 'string') {
        if (m.content !== '') pushUser([{ type: 'text', text: m.content }])
        continue
      }
      // Anthropic wants a turn's tool results before anything else in it.
      const results: Obj[] = []
      const rest: Obj[] = []
      for (const block of m.content) {
        const mapped = toUserBlock(block, cacheControl)
        if (mapped) (mapped.type === 'tool_result' ? results : rest).push(mapped)
      }
      pushUser([...results, ...rest])
      continue
    }
    // assistant
    if (typeof m.content === 'string') {
      if (m.content !== '') out.push({ role: 'assistant', content: m.content })
      continue
    }
    const texts: Obj[] = []
    const calls: Obj[] = []
    for (const block of m.content) {
      const cc = cacheControl ? block.cache_control : undefined
      if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') texts.push(textBlock(block.text, cc))
      else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
        const call: Obj = { type: 'tool_use', id: block.id, name: block.name, input: isObj(block.input) ? block.input : {} }
        if (isObj(cc)) call.cache_control = cc
        calls.push(call)
      }
      // thinking, redacted_thinking, server tool blocks: removed.
    }
    if (texts.length > 0) out.push({ role: 'assistant', content: texts })
    if (calls.length > 0) out.push({ role: 'assistant', content: calls })
  }
  return out
}

type BlockParam = Extract<MessagesRequest['messages'][number]['content'], unknown[]>[number]

/** A user block as Puter takes it; undefined for what is dropped. */
function toUserBlock (block: BlockParam, cacheControl: boolean): Obj | undefined {
  const cc = cacheControl ? block.cache_control : undefined
  let out: Obj | undefined
  switch (block.type) {
    case 'text':
      if (typeof block.text === 'string' && block.text !== '') out = textBlock(block.text, undefined)
      break
    case 'image': {
      const url = imageUrl(block.source)
      if (url) out = { type: 'image_url', image_url: { url } }
      break
    }
    case 'document':
      // Text documents are read as text; PDFs and other files have no Puter equivalent here.
      if (isObj(block.source) && block.source.type === 'text' && typeof block.source.data === 'string') out = textBlock(block.source.data, undefined)
      break
    case 'tool_result': {
      if (typeof block.tool_use_id !== 'string') break
      out = { type: 'tool_result', tool_use_id: block.tool_use_id, content: toolResultContent(block.content) }
      if (block.is_error === true) out.is_error = true
      break
    }
  }
  if (out && isObj(cc)) out.cache_control = cc
  return out
}

/** An image source as a URL: data: for base64, the URL itself for url sources. */
function imageUrl (source: unknown): string | undefined {
  if (!isObj(source)) return undefined
  if (source.type === 'base64' && typeof source.data === 'string') return `data:${str(source.media_type) ?? 'image/png'};base64,${source.data}`
  if (source.type === 'url') return str(source.url)
  return undefined
}

/**
 * A tool result's content: text (parts joined) when it is only text, which every provider takes; with images, the
 * text and image blocks as they are (Claude reads them; Puter stringifies them for other providers).
 */
function toolResultContent (content: unknown): unknown {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return content === undefined || content === null ? '' : JSON.stringify(content)
  const blocks = content.filter((b): b is Obj => isObj(b) && (b.type === 'text' || b.type === 'image'))
  if (blocks.every((b) => b.type === 'text')) return blocks.map((b) => str(b.text) ?? '').join('\n')
  return blocks.map((b) => b.type === 'text' ? { type: 'text', text: str(b.text) ?? '' } : { type: 'image', source: b.source })
}

/** Client tools (no type, or custom) have an input schema; server and Anthropic-defined tools cannot run on Puter. */
function isClientTool (tool: NonNullable<MessagesRequest['tools']>[number]): boolean {
  return (tool.type === undefined || tool.type === 'custom') && isObj(tool.input_schema)
}

function toPuterTools (tools: MessagesRequest['tools']): Obj[] | undefined {
  if (!Array.isArray(tools)) return undefined
  const out: Obj[] = []
  for (const tool of tools) {
    if (!isClientTool(tool)) continue
    const fn: Obj = { name: tool.name, parameters: tool.input_schema }
    if (typeof tool.description === 'string') fn.description = tool.description
    out.push({ type: 'function', function: fn })
  }
  return out.length > 0 ? out : undefined
}

function toPuterToolChoice (choice: NonNullable<MessagesRequest['tool_choice']>): unknown {
  switch (choice.type) {
    case 'auto': return 'auto'
    case 'any': return 'required'
    case 'none': return 'none'
    case 'tool': return typeof choice.name === 'string' ? { type: 'function', function: { name: choice.name } } : undefined
    default: return undefined
  }
}

const EFFORTS = new Set(['low', 'medium', 'high'])

/**
 * Anthropic's thinking as Puter's reasoning_effort (Puter's Claude provider gives low, medium and high budgets of 1024,
 * 4096 and 8192 tokens, and adaptive thinking from 4.6 on). Left out in the middle of a tool loop (the last message
 * is a turn of tool results): Anthropic then wants the previous assistant turn's signed thinking block, which
 * Puter's stream never delivered and this mapper removed, and would refuse the call.
 */
export function reasoningEffort (req: Pick<MessagesRequest, 'thinking' | 'output_config' | 'messages'>): string | undefined {
  const thinking = req.thinking
  if (!thinking || (thinking.type !== 'enabled' && thinking.type !== 'adaptive')) return undefined
  if (inToolLoop(req.messages)) return undefined
  if (thinking.type === 'enabled') {
    const budget = typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 4096
    return budget < 4096 ? 'low' : budget < 8192 ? 'medium' : 'high'
  }
  const effort = str(req.output_config?.effort)?.toLowerCase()
  if (effort === 'max' || effort === 'xhigh') return 'high'
  return effort !== undefined && EFFORTS.has(effort) ? effort : 'medium'
}

function inToolLoop (messages: MessagesRequest['messages']): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]
    if (m.role === 'system') continue
    return m.role === 'user' && Array.isArray(m.content) && m.content.some((b) => b.type === 'tool_result')
  }
  return false
}
