// A deterministic fake of Puter's HTTP API (/work/shared/puter-api.md) for tests, benchmarks
// and offline use. Plain node:http with precomputed static bodies, because the benchmark
// uses it as the upstream and must measure the gateway, not the fake.

import { createHash } from 'node:crypto'
import http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  ALL_MODEL_DETAILS,
  ALL_MODEL_NAMES,
  PROVIDER_DEFAULT_MODELS,
  PUBLIC_MODEL_DETAILS,
  PUBLIC_MODEL_NAMES,
  REASONING_MODEL_IDS,
  resolveModel,
  resultFamily
} from './catalog.ts'
import type { ChatModelDetails } from './catalog.ts'
import { createAccountLimits, type AccountLimits } from './account-limits.ts'
import { IMAGE_MODELS_DETAILS_JSON, IMAGE_MODELS_LIST_JSON, MEDIA_DRIVERS, PuterHttpError, createMediaDrivers } from './media.ts'

export interface FakeUser { uuid: string, username: string, email?: string, isTemp?: boolean }

/** What a token stands for: the person's own token, or an app-under-user token issued to one Puter app. */
interface TokenOwner { user: FakeUser, appUid?: string }

export interface FakePuterOptions {
  host?: string
  port?: number
  /** Delay between NDJSON stream lines (default 0). */
  streamDelayMs?: number
  /** How many text lines a normal streaming reply has (default 3). */
  streamTextLines?: number
  /** Record requests in `calls` (default true); long benchmarks turn it off to keep memory flat. */
  recordCalls?: boolean
}

export interface RecordedCall {
  path: string
  method: string
  headers: Record<string, string | string[] | undefined>
  /** The parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: any
}

export type Behaviour =
  | { kind: 'error', status: number, code: string, message: string, extra?: Record<string, unknown>, headers?: Record<string, string> }
  | { kind: 'legacy-error', code: string, message: string, status: number }
  | { kind: 'result', result: unknown }
  | { kind: 'stream', lines: unknown[], delayMs?: number }
  | { kind: 'stream-error', afterTextLines: number, message: string }
  | { kind: 'hang' }
  | { kind: 'delay', ms: number }
  | { kind: 'destroy' }
  /** A TTS answer that sends its headers and `afterBytes` bytes of audio, then destroys the socket. */
  | { kind: 'audio-break', afterBytes: number }

export interface FakePuter {
  url: string
  addUser(token: string, user: FakeUser): void
  /** The app uid Puter derives from a web origin (`POST /auth/app-uid-from-origin`). */
  appUidFor(origin: string): string
  /** An app-under-user token for `username`, issued to the app of `origin` (as puter.auth.signIn() on that page gets). */
  appToken(username: string, origin: string): string
  expireToken(token: string): void
  enqueue(b: Behaviour): void
  calls: RecordedCall[]
  aborts: number
  waitForAbort(): Promise<void>
  modelsRequests: number
  /** The most /drivers/call requests that were open at once since the start (or the last reset). */
  peakActive: number
  /** Puter's per-account limits (off unless a test sets them for an account) and each account's calls in flight. */
  accountLimits: AccountLimits
  setModelsDown(down: boolean): void
  reset(): void
  close(): Promise<void>
}

/** Users every fake knows from the start; any `fake-token-<name>` also works. */
const DEFAULT_USERS: Readonly<Record<string, FakeUser>> = {
  'fake-token-alice': { uuid: '11111111-1111-4111-8111-111111111111', username: 'alice' },
  'fake-token-bob': { uuid: '22222222-2222-4222-8222-222222222222', username: 'bob' }
}

type Json = Record<string, unknown>

interface ToolCall { id: string, name: string, input: Json }

/** The deterministic answer to one `complete` call, before it is shaped per provider. */
interface Reply {
  text: string // '' when the reply is only a tool call
  reasoning?: string
  toolCall?: ToolCall
  truncated: boolean
  promptTokens: number
}

interface Conversation { lastUserText: string, toolResult?: string, promptChars: number }

/** State of one /drivers/call exchange, for abort tracking and timer cleanup. */
interface CallContext {
  req: IncomingMessage
  res: ServerResponse
  timer?: NodeJS.Timeout
  done: boolean
  selfDestroyed: boolean
}

const JSON_TYPE = 'application/json; charset=utf-8'
const CHAT_INTERFACE = 'puter-chat-completion'
const CHAT_DRIVER = 'ai-chat'
const CHAT_METHODS = new Set(['complete', 'models', 'list'])
const FAKE_MESSAGE_ID = '00000000-0000-0000-0000-000000000000'
const NOTOOL = /\bnotool\b/i
const DYNAMIC_TOKEN = /^fake-token-([A-Za-z0-9_.-]{1,64})$/
/** `fake-app-token-<username>@<app uid>`: an app-under-user token of that user for that app. */
const DYNAMIC_APP_TOKEN = /^fake-app-token-([A-Za-z0-9_.-]{1,64})@(app-[0-9a-f-]{36})$/
const FILLER = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit']
const CREATED_TS = 1735689600

// Static bodies, serialized once.
const MODELS_LIST_JSON = JSON.stringify({ models: PUBLIC_MODEL_NAMES })
const MODELS_DETAILS_JSON = JSON.stringify({ models: PUBLIC_MODEL_DETAILS })
const MODELS_METHOD_JSON = JSON.stringify({ success: true, result: ALL_MODEL_DETAILS, service: { name: CHAT_DRIVER } })
const LIST_METHOD_JSON = JSON.stringify({ success: true, result: ALL_MODEL_NAMES, service: { name: CHAT_DRIVER } })

const badRequest = (message: string): PuterHttpError => new PuterHttpError(400, message, 'bad_request')

function isObject (v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A v4-shaped uuid derived from a seed, stable across runs. */
function stableUuid (seed: string): string {
  const h = createHash('sha1').update(`fake-puter:${seed}`).digest('hex')
  const variant = ((parseInt(h[16], 16) & 3) | 8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** Puter's appUidFromOrigin: a stable `app-<uuid>` per origin (scheme, host and port, lower-cased, no trailing slash). */
function appUidFor (origin: string): string {
  return `app-${stableUuid(`origin:${origin.trim().toLowerCase().replace(/\/+$/, '')}`)}`
}

function sendBody (res: ServerResponse, status: number, payload: string, headers?: Record<string, string>): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(payload), ...headers })
  res.end(payload)
}

function sendJson (res: ServerResponse, status: number, body: unknown): void {
  sendBody(res, status, JSON.stringify(body))
}

/** Puter's v2 envelope; `extra` cannot clobber the canonical slots; 402/413 add X-Needs-Upgrade. */
function sendError (res: ServerResponse, status: number, message: string, code: string, extra?: Json, headers?: Record<string, string>): void {
  const body: Json = { error: message, message, code }
  if (extra) {
    for (const [k, v] of Object.entries(extra)) {
      if (k !== 'error' && k !== 'message' && k !== 'code') body[k] = v
    }
  }
  const upgrade = status === 402 || status === 413 ? { 'x-needs-upgrade': 'true' } : undefined
  sendBody(res, status, JSON.stringify(body), { ...upgrade, ...headers })
}

function sendHttpError (res: ServerResponse, err: PuterHttpError): void {
  sendError(res, err.status, err.message, err.code, err.extra)
}

const ndjsonLine = (value: unknown): string => `${JSON.stringify(value)}\n`

/** Resolves with the body text, or null when the client went away before sending it all. */
function readBody (req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => resolve(null))
    req.on('close', () => { if (!req.complete) resolve(null) })
  })
}

type ParsedBody = { ok: true, body: unknown } | { ok: false }

/**
 * Like Puter's body parser: JSON for `application/json` and `text/plain;actually=json`,
 * strict (object or array only); other content types are left unparsed.
 */
function parseBody (req: IncomingMessage, raw: string): ParsedBody {
  if (raw.length === 0) return { ok: true, body: undefined }
  const type = req.headers['content-type']
  if (type === undefined || !type.includes('json')) return { ok: true, body: raw }
  try {
    const value: unknown = JSON.parse(raw)
    return value !== null && typeof value === 'object' ? { ok: true, body: value } : { ok: false }
  } catch {
    return { ok: false }
  }
}

/** Token lookup in Puter's authProbe order: body auth_token, Bearer, x-api-key, ?auth_token=. */
function findToken (req: IncomingMessage, body: unknown, query: string): string | undefined {
  if (isObject(body) && typeof body.auth_token === 'string' && body.auth_token !== '') return body.auth_token
  const authorization = req.headers.authorization
  if (authorization) {
    const m = /^Bearer\s+(\S+)/i.exec(authorization)
    if (m) return m[1]
  }
  const apiKey = req.headers['x-api-key']
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey
  if (query !== '') {
    const t = new URLSearchParams(query).get('auth_token')
    if (t) return t
  }
  return undefined
}

/** Text of a message's content as Puter's extract_text sees it (parts joined with a space). */
function contentText (content: unknown): string {
  if (typeof content === 'string') return content
  if (!content) return ''
  const items = Array.isArray(content) ? content : [content]
  const texts: string[] = []
  for (const item of items) {
    if (typeof item === 'string') {
      texts.push(item)
    } else if (isObject(item)) {
      if (typeof item.text === 'string' && (item.type === undefined || item.type === 'text')) texts.push(item.text)
    } else {
      throw badRequest('each message content item must be a string or object')
    }
  }
  return texts.join(' ')
}

/** What a tool result looks like to the model: Puter stringifies non-string tool content. */
function toolResultText (content: unknown): string {
  return typeof content === 'string' ? content : JSON.stringify(content ?? {})
}

/** An Anthropic-style tool_result block in a user message, if any. */
function anthropicToolResult (content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined
  const block = content.find((c) => isObject(c) && c.type === 'tool_result') as Json | undefined
  if (!block) return undefined
  return Array.isArray(block.content) ? contentText(block.content) : toolResultText(block.content)
}

/** Validates messages like Puter's normalize_messages and extracts what the fake replies to. */
function readConversation (messages: unknown): Conversation {
  const conv: Conversation = { lastUserText: '', promptChars: 0 }
  if (messages === undefined || messages === null) return conv
  if (!Array.isArray(messages)) throw badRequest('`messages` must be an array')
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i]
    const isLast = i === messages.length - 1
    if (typeof m === 'string') {
      conv.promptChars += m.length
      conv.lastUserText = m
      continue
    }
    if (!isObject(m)) throw badRequest('each message must be a string or object')
    const role = typeof m.role === 'string' && m.role !== '' ? m.role : 'user'
    if (!m.content && !m.tool_calls && role !== 'tool') throw badRequest("each message must have a 'content' property")
    if (role === 'tool') {
      const result = toolResultText(m.content)
      conv.promptChars += result.length
      if (isLast) conv.toolResult = result
      continue
    }
    const text = contentText(m.content)
    conv.promptChars += text.length
    if (Array.isArray(m.tool_calls)) {
      for (const tc of m.tool_calls) {
        const fn = isObject(tc) && isObject(tc.function) ? tc.function : undefined
        if (typeof fn?.name === 'string') conv.promptChars += fn.name.length
        if (typeof fn?.arguments === 'string') conv.promptChars += fn.arguments.length
      }
    }
    const toolResult = role === 'user' ? anthropicToolResult(m.content) : undefined
    if (toolResult !== undefined) {
      conv.promptChars += toolResult.length
      if (isLast) conv.toolResult = toolResult
    } else if (role === 'user') {
      conv.lastUserText = text
    }
  }
  return conv
}

/** `tool:<Name>` in the prompt asks the fake model to call that tool (when it is offered). */
const TOOL_REQUEST = /\btool:([A-Za-z0-9_-]+)/

/** The tool the model calls: the one `tool_choice` names, else one the prompt asks for (`tool:<Name>`), else the first (OpenAI or Anthropic format). */
function pickTool (tools: unknown, toolChoice: unknown, prompt = ''): { name: string, schema: unknown } | undefined {
  if (!Array.isArray(tools) || tools.length === 0 || toolChoice === 'none') return undefined
  const described = tools.map((t: unknown) => {
    if (!isObject(t)) return undefined
    const fn = isObject(t.function) ? t.function : t
    return typeof fn.name === 'string' ? { name: fn.name, schema: fn.parameters ?? fn.input_schema } : undefined
  })
  const wanted = isObject(toolChoice) && isObject(toolChoice.function) ? toolChoice.function.name : undefined
  const asked = TOOL_REQUEST.exec(prompt)?.[1]
  return described.find((d) => d !== undefined && d.name === wanted) ?? described.find((d) => d !== undefined && d.name === asked) ?? described[0]
}

/** A plausible value for a required property of a tool's JSON schema. */
function sampleValue (prop: unknown, text: string): unknown {
  if (!isObject(prop)) return text
  if (Array.isArray(prop.enum) && prop.enum.length > 0) return prop.enum[0]
  const type = Array.isArray(prop.type) ? prop.type.find((x) => x !== 'null') : prop.type
  switch (type) {
    case 'number': case 'integer': return 1
    case 'boolean': return true
    case 'array': return []
    case 'object': return {}
    default: return text
  }
}

/** `{echo: text}`, or each required property filled in when the schema has some. */
function toolArguments (schema: unknown, text: string): Json {
  const required = isObject(schema) && Array.isArray(schema.required)
    ? schema.required.filter((k): k is string => typeof k === 'string')
    : []
  if (required.length === 0) return { echo: text }
  const properties = isObject(schema) && isObject(schema.properties) ? schema.properties : {}
  const input: Json = {}
  for (const key of required) input[key] = sampleValue(properties[key], text)
  return input
}

function completionTokens (text: string, toolCall: ToolCall | undefined): number {
  const chars = text.length + (toolCall ? toolCall.name.length + JSON.stringify(toolCall.input).length : 0)
  return Math.max(1, Math.ceil(chars / 4))
}

/** Usage in the provider's own keys, without usd_cents. */
function providerUsage (model: ChatModelDetails, promptTokens: number, outputTokens: number): Record<string, number> {
  if (model.provider === 'fake-chat') {
    // FakeChatProvider: only `costly` counts tokens; the others report 0 in, 1 out.
    const costly = model.id === 'costly'
    return { input_tokens: costly ? promptTokens : 0, output_tokens: costly ? outputTokens : 1 }
  }
  if (model.provider === 'claude') {
    return {
      input_tokens: promptTokens,
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
      thinking_tokens: 0
    }
  }
  return { prompt_tokens: promptTokens, completion_tokens: outputTokens, cached_tokens: 0 }
}

const OUTPUT_USAGE_KEYS = new Set(['output_tokens', 'completion_tokens', 'thinking_tokens'])
const finiteOrUndefined = (v: unknown): number | undefined => typeof v === 'number' && Number.isFinite(v) ? v : undefined

/** The driver's #computeCost: every usage key times its rate (per 1M tokens, in cents); null without rates. */
function usdCents (usage: Record<string, number>, model: ChatModelDetails): number | null {
  const inputKey = model.input_cost_key ?? 'input_tokens'
  const outputKey = model.output_cost_key ?? 'output_tokens'
  const inputRate = finiteOrUndefined(model.costs[inputKey])
  const outputRate = finiteOrUndefined(model.costs[outputKey])
  let input = 0
  let output = 0
  let sawRate = false
  for (const [key, amount] of Object.entries(usage)) {
    const isOutput = key === outputKey || OUTPUT_USAGE_KEYS.has(key)
    const rate = finiteOrUndefined(model.costs[key]) ?? (isOutput ? outputRate : inputRate)
    if (rate === undefined) continue
    sawRate = true
    if (isOutput) output += amount * rate
    else input += amount * rate
  }
  return sawRate ? (Math.round(input) + Math.round(output)) / 1_000_000 : null
}

function usageWithCost (model: ChatModelDetails, promptTokens: number, outputTokens: number): Json {
  const usage = providerUsage(model, promptTokens, outputTokens)
  return { ...usage, usd_cents: usdCents(usage, model) }
}

/** The reply split into n roughly even word-aligned pieces; short replies are padded with filler words. */
function splitText (text: string, n: number, pad: boolean): string[] {
  const words: string[] = text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text])
  if (pad) {
    for (let i = 0; words.length < n; i++) {
      const last = words[words.length - 1] ?? ''
      words.push(`${last === '' || /\s$/.test(last) ? '' : ' '}${FILLER[i % FILLER.length]}`)
    }
  }
  const count = Math.min(n, words.length)
  const pieces: string[] = []
  for (let i = 0; i < count; i++) {
    pieces.push(words.slice(Math.floor(i * words.length / count), Math.floor((i + 1) * words.length / count)).join(''))
  }
  return pieces
}

function openAiToolCalls (toolCall: ToolCall): Json[] {
  return [{ id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: JSON.stringify(toolCall.input) } }]
}

/** (a) `completion.choices[0]` plus usage, as OpenAIUtil.handle_completion_output returns it. */
function openAiResult (reply: Reply, finishReason: string, usage: Json): Json {
  const message: Json = { role: 'assistant', content: reply.toolCall ? null : reply.text, refusal: null, annotations: [] }
  if (reply.reasoning !== undefined) message.reasoning = reply.reasoning
  if (reply.toolCall) message.tool_calls = openAiToolCalls(reply.toolCall)
  return { index: 0, message, logprobs: null, finish_reason: finishReason, usage }
}

/** Puter's normalize_single_message: string content and OpenAI tool_calls become content blocks. */
function normalizeSingleMessage (message: Json): Json {
  const out: Json = { ...message }
  if (!out.content && Array.isArray(out.tool_calls)) {
    // Puter copies `function.arguments` as-is, so `input` stays a JSON string here.
    out.content = (out.tool_calls as Json[]).map((tc) => {
      const fn = tc.function as Json
      return { type: 'tool_use', id: tc.id, name: fn.name, input: fn.arguments }
    })
    delete out.tool_calls
  }
  const content = Array.isArray(out.content) ? out.content : [out.content]
  out.content = content.map((c: unknown) => typeof c === 'string' ? { type: 'text', text: c } : c)
  return out
}

/** Puter content blocks with a parsed tool input, as the normalized-demo model answers. */
function contentBlocks (reply: Reply): Json[] {
  const blocks: Json[] = []
  if (reply.text !== '') blocks.push({ type: 'text', text: reply.text })
  if (reply.toolCall) blocks.push({ type: 'tool_use', id: reply.toolCall.id, name: reply.toolCall.name, input: reply.toolCall.input })
  return blocks
}

/**
 * ClaudeProvider turns thinking on only for `reasoning_effort` or `reasoning.effort` (api-surfaces.md §0); its stream
 * then carries `reasoning` lines, and its plain result a signed `thinking` block.
 */
function claudeThinks (model: ChatModelDetails, args: Json): boolean {
  if (model.provider !== 'claude') return false
  const effort = args.reasoning_effort ?? (isObject(args.reasoning) ? args.reasoning.effort : undefined)
  return typeof effort === 'string' && effort !== ''
}

/** Starts a fake Puter listening on host:port (default 127.0.0.1, a free port). */
export async function startFakePuter (options: FakePuterOptions = {}): Promise<FakePuter> {
  const host = options.host ?? '127.0.0.1'
  const streamDelayMs = Math.max(0, options.streamDelayMs ?? 0)
  const streamTextLines = Math.max(1, Math.floor(options.streamTextLines ?? 3))
  const recordCalls = options.recordCalls !== false
  const startedTs = Math.floor(Date.now() / 1000)

  const users = new Map<string, FakeUser>(Object.entries(DEFAULT_USERS))
  const expired = new Set<string>()
  const whoamiCache = new WeakMap<FakeUser, string>()
  const queue: Behaviour[] = []
  const calls: RecordedCall[] = []
  const active = new Set<CallContext>()
  const abortWaiters: Array<() => void> = []
  let aborts = 0
  let unobservedAborts = 0
  let modelsRequests = 0
  let peakActive = 0
  const accountLimits = createAccountLimits()
  let modelsDown = false
  let idCounter = 0 // tool call ids
  let messageCounter = 0 // Anthropic message ids
  let closing = false
  let closed: Promise<void> | undefined
  let url = ''
  const media = createMediaDrivers(() => url)

  function recordAbort (): void {
    aborts++
    if (abortWaiters.length === 0) {
      unobservedAborts++
      return
    }
    for (const resolve of abortWaiters.splice(0)) resolve()
  }

  function userNamed (name: string): FakeUser {
    for (const user of users.values()) if (user.username === name) return user
    const user = { uuid: stableUuid(`user:${name}`), username: name }
    users.set(`fake-token-${name}`, user)
    return user
  }

  function lookupToken (token: string): TokenOwner | undefined {
    const user = users.get(token)
    if (user) return { user }
    const m = DYNAMIC_TOKEN.exec(token)
    if (m) return { user: userNamed(m[1]) }
    const app = DYNAMIC_APP_TOKEN.exec(token)
    if (app) return { user: userNamed(app[1]), appUid: app[2] }
    return undefined
  }

  /** Puter's requireAuthGate. */
  function authenticate (token: string | undefined): TokenOwner {
    if (!token) throw new PuterHttpError(401, 'Missing authentication token', 'token_missing')
    if (expired.has(token)) {
      throw new PuterHttpError(401, 'Re-authentication required', 'reauth_required', {
        reason: 'session_expired',
        auth_id: stableUuid(`auth:${token}`),
        reauth_token: `fake-reauth-${stableUuid(`reauth:${token}`)}`
      })
    }
    const owner = lookupToken(token)
    if (!owner) throw new PuterHttpError(401, 'Authentication failed', 'token_auth_failed')
    return owner
  }

  /**
   * /whoami of an app-under-user token (extensions/whoami.ts): no email, desktop, created_ts, is_user_token,
   * metadata, referral_code, taskbar_items or directories; `app_name` is the app's uid.
   */
  function appWhoamiJson (user: FakeUser, appUid: string): string {
    return JSON.stringify({
      username: user.username,
      uuid: user.uuid,
      email_confirmed: user.isTemp !== true,
      requires_email_confirmation: false,
      requires_phone_verification: false,
      requires_card_verification: false,
      is_temp: user.isTemp === true,
      oidc_only: false,
      otp: false,
      feature_flags: { create_shortcut: true },
      hasDevAccountAccess: false,
      last_activity_ts: startedTs,
      app_name: appUid
    })
  }

  function whoamiJson (user: FakeUser): string {
    let cached = whoamiCache.get(user)
    if (cached === undefined) {
      const isTemp = user.isTemp === true
      const email = isTemp ? null : (user.email ?? `${user.username}@example.com`)
      const home = `/${user.username}`
      const directories: Record<string, string> = {}
      for (const dir of ['AppData', 'Desktop', 'Documents', 'Pictures', 'Public', 'Videos']) {
        directories[`${home}/${dir}`] = stableUuid(`dir:${user.uuid}:${dir}`)
      }
      cached = JSON.stringify({
        username: user.username,
        uuid: user.uuid,
        email,
        unconfirmed_email: email,
        email_confirmed: !isTemp,
        requires_email_confirmation: false,
        requires_phone_verification: false,
        requires_card_verification: false,
        desktop_bg_url: '/images/wallpaper.webp',
        desktop_bg_color: null,
        desktop_bg_fit: 'cover',
        is_temp: isTemp,
        is_user_token: true,
        referral_code: null,
        oidc_only: false,
        taskbar_items: [],
        otp: false,
        feature_flags: { create_shortcut: true },
        created_ts: CREATED_TS,
        human_readable_age: `${Math.max(1, Math.round((startedTs - CREATED_TS) / (30 * 86400)))} months ago`,
        metadata: {},
        hasDevAccountAccess: false,
        directories,
        last_activity_ts: startedTs
      })
      whoamiCache.set(user, cached)
    }
    return cached
  }

  /** The model `complete` runs on, as ChatCompletionDriver resolves it. */
  function pickModel (args: Json): ChatModelDetails {
    let name = args.model
    if (!name && typeof args.provider === 'string') name = PROVIDER_DEFAULT_MODELS[args.provider]
    const model = name ? resolveModel(name) : undefined
    if (!model) throw badRequest(`Model not found: ${String(args.model)}`)
    return model
  }

  function buildReply (model: ChatModelDetails, args: Json): Reply {
    const conv = readConversation(args.messages)
    const maxTokens = finiteOrUndefined(args.max_tokens)
    const truncated = maxTokens !== undefined && maxTokens < 3
    const tool = conv.toolResult === undefined && !truncated && model.provider !== 'fake-chat' && !NOTOOL.test(conv.lastUserText)
      ? pickTool(args.tools, args.tool_choice, conv.lastUserText)
      : undefined
    let text = conv.toolResult !== undefined ? `Tool said: ${conv.toolResult}` : `Echo: ${conv.lastUserText}`
    if (maxTokens !== undefined && truncated) text = text.slice(0, Math.max(1, Math.floor(maxTokens)) * 4)
    let toolCall: ToolCall | undefined
    if (tool) {
      const n = ++idCounter
      toolCall = { id: `${model.provider === 'claude' ? 'toolu' : 'call'}_${n}`, name: tool.name, input: toolArguments(tool.schema, conv.lastUserText) }
      text = ''
    }
    return {
      text,
      reasoning: REASONING_MODEL_IDS.has(model.id) || claudeThinks(model, args) ? `Thinking about: ${conv.lastUserText}` : undefined,
      toolCall,
      truncated,
      promptTokens: Math.max(1, Math.ceil(conv.promptChars / 4))
    }
  }

  /** The non-streaming `result`, shaped per provider family and normalize options (§2.3, §2.6). */
  function shapeResult (model: ChatModelDetails, args: Json, reply: Reply): Json {
    const finishReason = reply.toolCall ? 'tool_calls' : reply.truncated ? 'length' : 'stop'
    const usage = usageWithCost(model, reply.promptTokens, completionTokens(reply.text, reply.toolCall))
    if (args.normalize === true) {
      return { ...openAiResult(reply, finishReason, usage), normalized: true, via_ai_chat_service: true }
    }
    const family = resultFamily(model)
    if (family === 'normalized') {
      return { message: { role: 'assistant', content: contentBlocks(reply) }, usage, finish_reason: finishReason, normalized: true, via_ai_chat_service: true }
    }
    let result: Json
    if (family === 'anthropic') {
      const n = ++messageCounter
      result = {
        message: {
          id: model.provider === 'fake-chat' ? FAKE_MESSAGE_ID : `msg_fake${String(n).padStart(6, '0')}`,
          type: 'message',
          role: 'assistant',
          model: model.id,
          content: model.provider === 'claude' && reply.reasoning !== undefined
            ? [{ type: 'thinking', thinking: reply.reasoning, signature: `fake-signature-${n}` }, ...contentBlocks(reply)]
            : contentBlocks(reply),
          stop_reason: reply.toolCall ? 'tool_use' : reply.truncated ? 'max_tokens' : 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }
        },
        usage,
        finish_reason: 'stop'
      }
    } else {
      result = openAiResult(reply, finishReason, usage)
    }
    if (isObject(args.response) && args.response.normalize) {
      return { ...result, message: normalizeSingleMessage(result.message as Json), normalized: true, via_ai_chat_service: true }
    }
    return { ...result, via_ai_chat_service: true }
  }

  /** NDJSON lines of a streamed reply: reasoning, N text lines, tool_use, usage (§2.4). */
  function streamLines (model: ChatModelDetails, reply: Reply): string[] {
    const lines: string[] = []
    if (reply.reasoning !== undefined) lines.push(ndjsonLine({ type: 'reasoning', reasoning: reply.reasoning }))
    let streamed = ''
    if (reply.text !== '') {
      for (const piece of splitText(reply.text, streamTextLines, !reply.truncated)) {
        lines.push(ndjsonLine({ type: 'text', text: piece }))
        streamed += piece
      }
    }
    if (reply.toolCall) {
      const { id, name, input } = reply.toolCall
      lines.push(ndjsonLine({ type: 'tool_use', id, name, input, text: '' }))
    }
    // FakeChatProvider ends its stream with empty usage, which the driver decorates with usd_cents.
    const usage = model.provider === 'fake-chat'
      ? { usd_cents: null }
      : usageWithCost(model, reply.promptTokens, completionTokens(streamed, reply.toolCall))
    lines.push(ndjsonLine({ type: 'usage', usage }))
    return lines
  }

  /** Writes NDJSON lines one by one, `delayMs` apart, stopping if the client goes away. */
  function writeStream (ctx: CallContext, lines: string[], delayMs: number): void {
    const { res } = ctx
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' })
    if (delayMs <= 0) {
      for (const line of lines) res.write(line)
      res.end()
      return
    }
    let i = 0
    const next = (): void => {
      ctx.timer = undefined
      if (ctx.done) return
      res.write(lines[i++])
      if (i < lines.length) ctx.timer = setTimeout(next, delayMs)
      else res.end()
    }
    next()
  }

  /** The default (deterministic) driver behaviour. */
  function answer (ctx: CallContext, body: Json): void {
    if (body.interface !== CHAT_INTERFACE) {
      return media.answer(ctx.res, body.interface as string, body.method as string, isObject(body.args) ? body.args : {}, typeof body.driver === 'string' ? body.driver : undefined)
    }
    if (body.method === 'models') return sendBody(ctx.res, 200, MODELS_METHOD_JSON)
    if (body.method === 'list') return sendBody(ctx.res, 200, LIST_METHOD_JSON)
    const args = isObject(body.args) ? body.args : {}
    const model = pickModel(args)
    const reply = buildReply(model, args)
    if (args.stream) return writeStream(ctx, streamLines(model, reply), streamDelayMs)
    sendJson(ctx.res, 200, {
      success: true,
      result: shapeResult(model, args, reply),
      service: { name: CHAT_DRIVER },
      metadata: { service_used: model.provider, providerUsed: model.id }
    })
  }

  function applyBehaviour (ctx: CallContext, b: Behaviour, body: Json): void {
    const { res } = ctx
    switch (b.kind) {
      case 'error':
        return sendError(res, b.status, b.message, b.code, b.extra, b.headers)
      case 'legacy-error':
        return sendJson(res, 200, {
          success: false,
          error: { code: b.code, message: b.message, status: b.status, $: 'heyputer:api/APIError' }
        })
      case 'result': {
        const args = isObject(body.args) ? body.args : {}
        const model = body.method === 'complete' ? resolveModel(args.model) : undefined
        return sendJson(res, 200, {
          success: true,
          result: b.result,
          service: { name: MEDIA_DRIVERS[body.interface as string]?.name ?? CHAT_DRIVER },
          ...(model ? { metadata: { service_used: model.provider, providerUsed: model.id } } : {})
        })
      }
      case 'stream':
        return writeStream(ctx, b.lines.map(ndjsonLine), b.delayMs ?? streamDelayMs)
      case 'stream-error': {
        let text = 'Echo: '
        try {
          text += readConversation(isObject(body.args) ? body.args.messages : undefined).lastUserText
        } catch {
          // an invalid request still gets its error stream
        }
        const count = Math.max(0, Math.floor(b.afterTextLines))
        const lines = splitText(text, Math.max(streamTextLines, count), true)
          .slice(0, count)
          .map((piece) => ndjsonLine({ type: 'text', text: piece }))
        lines.push(ndjsonLine({ type: 'error', message: b.message }))
        return writeStream(ctx, lines, streamDelayMs)
      }
      case 'hang':
        return
      case 'delay':
        ctx.timer = setTimeout(() => {
          ctx.timer = undefined
          if (!ctx.done) guarded(ctx.res, () => answer(ctx, body))
        }, b.ms)
        return
      case 'destroy':
        ctx.selfDestroyed = true
        ctx.req.socket.destroy()
        return
      case 'audio-break':
        ctx.selfDestroyed = true
        return media.breakAudio(res, isObject(body.args) ? body.args : {}, b.afterBytes)
    }
  }

  /** Runs fn, turning thrown errors into Puter's error envelope. */
  function guarded (res: ServerResponse, fn: () => void | Promise<void>): void {
    const fail = (err: unknown): void => {
      if (res.headersSent || res.destroyed) {
        res.destroy()
      } else if (err instanceof PuterHttpError) {
        sendHttpError(res, err)
      } else {
        sendError(res, 500, 'Internal Server Error', 'internal_error')
      }
    }
    try {
      const p = fn()
      if (p) p.catch(fail)
    } catch (err) {
      fail(err)
    }
  }

  async function handleDriversCall (req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
    const ctx: CallContext = { req, res, done: false, selfDestroyed: false }
    active.add(ctx)
    peakActive = Math.max(peakActive, active.size)
    res.on('close', () => {
      active.delete(ctx)
      clearTimeout(ctx.timer)
      const abortedByClient = !res.writableFinished && !ctx.selfDestroyed && !closing
      ctx.done = true
      if (abortedByClient) recordAbort()
    })
    const raw = await readBody(req)
    if (raw === null || ctx.done) return
    const parsed = parseBody(req, raw)
    if (recordCalls) calls.push({ path: '/drivers/call', method: 'POST', headers: req.headers, body: parsed.ok ? parsed.body : raw })
    if (!parsed.ok) return sendError(res, 400, 'Malformed JSON in request body', 'client_bad_json')
    const body = isObject(parsed.body) ? parsed.body : {}
    const owner = authenticate(findToken(req, body, query))

    // DriverController.#handleCall
    const iface = body.interface
    if (!iface || typeof iface !== 'string') throw badRequest('Missing or invalid `interface`')
    const method = body.method
    if (!method || typeof method !== 'string') throw badRequest('Missing or invalid `method`')
    const driver = typeof body.driver === 'string' ? body.driver : undefined
    const known = iface === CHAT_INTERFACE ? { name: CHAT_DRIVER, aliases: [], methods: CHAT_METHODS } : MEDIA_DRIVERS[iface]
    if (!known || (driver !== undefined && driver !== known.name && !known.aliases.includes(driver))) {
      throw new PuterHttpError(404, `Driver not found: ${iface}:${driver ?? '(no default)'}`, 'not_found')
    }
    if (!known.methods.has(method)) {
      throw new PuterHttpError(404, `Method '${method}' not found on driver '${iface}'`, 'not_found')
    }

    const refusal = accountLimits.admit(owner.user.username, iface, method, res)
    if (refusal) return sendError(res, 429, refusal, 'too_many_requests')
    const behaviour = queue.shift()
    if (behaviour) applyBehaviour(ctx, behaviour, body)
    else answer(ctx, body)
  }

  async function handleWhoami (req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
    const raw = await readBody(req)
    if (raw === null) return
    const parsed = parseBody(req, raw)
    if (recordCalls) calls.push({ path: '/whoami', method: req.method ?? 'GET', headers: req.headers, body: parsed.ok ? parsed.body : raw })
    if (!parsed.ok) return sendError(res, 400, 'Malformed JSON in request body', 'client_bad_json')
    const owner = authenticate(findToken(req, parsed.body, query))
    sendBody(res, 200, owner.appUid ? appWhoamiJson(owner.user, owner.appUid) : whoamiJson(owner.user))
  }

  /** AuthController.handleAppUidFromOrigin: requireAuth, `origin` from the body or the query, `{uid}`. */
  async function handleAppUidFromOrigin (req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
    const raw = await readBody(req)
    if (raw === null) return
    const parsed = parseBody(req, raw)
    if (recordCalls) calls.push({ path: '/auth/app-uid-from-origin', method: req.method ?? 'POST', headers: req.headers, body: parsed.ok ? parsed.body : raw })
    if (!parsed.ok) return sendError(res, 400, 'Malformed JSON in request body', 'client_bad_json')
    authenticate(findToken(req, parsed.body, query))
    const origin = (isObject(parsed.body) ? parsed.body.origin : undefined) ?? new URLSearchParams(query).get('origin')
    if (typeof origin !== 'string' || origin === '') throw badRequest('Missing `origin`')
    sendJson(res, 200, { uid: appUidFor(origin) })
  }

  function handleModels (res: ServerResponse, details: boolean): void {
    modelsRequests++
    if (modelsDown) return sendError(res, 500, 'Internal Server Error', 'internal_error')
    sendBody(res, 200, details ? MODELS_DETAILS_JSON : MODELS_LIST_JSON)
  }

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    let path = q === -1 ? url : url.slice(0, q)
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
    const query = q === -1 ? '' : url.slice(q + 1)
    if (path === '/drivers/call' && req.method === 'POST') return guarded(res, () => handleDriversCall(req, res, query))
    if (path === '/whoami' && req.method === 'GET') return guarded(res, () => handleWhoami(req, res, query))
    if (path === '/auth/app-uid-from-origin' && req.method === 'POST') return guarded(res, () => handleAppUidFromOrigin(req, res, query))
    if (path === '/puterai/chat/models' && req.method === 'GET') return handleModels(res, false)
    if (path === '/puterai/chat/models/details' && req.method === 'GET') return handleModels(res, true)
    if (path === '/puterai/image/models' && req.method === 'GET') return sendBody(res, 200, IMAGE_MODELS_LIST_JSON)
    if (path === '/puterai/image/models/details' && req.method === 'GET') return sendBody(res, 200, IMAGE_MODELS_DETAILS_JSON)
    if (req.method === 'GET' && media.serveImage(res, path)) return
    sendError(res, 404, 'Not Found', 'not_found')
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  return {
    url,
    calls,
    get aborts () { return aborts },
    get modelsRequests () { return modelsRequests },
    get peakActive () { return peakActive },
    accountLimits,
    addUser (token, user) {
      users.set(token, user)
      expired.delete(token)
    },
    appUidFor,
    appToken (username, origin) {
      return `fake-app-token-${username}@${appUidFor(origin)}`
    },
    expireToken (token) {
      expired.add(token)
    },
    enqueue (b) {
      queue.push(b)
    },
    waitForAbort () {
      if (unobservedAborts > 0) {
        unobservedAborts--
        return Promise.resolve()
      }
      return new Promise<void>((resolve) => { abortWaiters.push(resolve) })
    },
    setModelsDown (down) {
      modelsDown = down
    },
    reset () {
      queue.length = 0
      calls.length = 0
      expired.clear()
      aborts = 0
      unobservedAborts = 0
      modelsRequests = 0
      peakActive = 0
      accountLimits.reset()
      modelsDown = false
      idCounter = 0
      messageCounter = 0
      media.reset()
    },
    close () {
      if (!closed) {
        closing = true
        for (const ctx of active) {
          clearTimeout(ctx.timer)
          ctx.done = true
        }
        closed = new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
      }
      return closed
    }
  }
}
