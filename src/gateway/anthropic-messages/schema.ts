// Schemas of Anthropic's Messages API (/v1/messages, /v1/messages/count_tokens): requests, answers, stream events, errors.
import { Type, type Static } from '../../schemas/common.ts'

// Open where Anthropic's objects are open: Claude Code sends fields and betas we do not know (context_management,
// output_config, mid-conversation system messages); they are accepted here and dropped by the request mapper.
const OPEN = { additionalProperties: true } as const

// ---------------------------------------------------------------------------------------------------------------
// Request

const CacheControlSchema = Type.Object({
  type: Type.String({ description: 'ephemeral' }),
  ttl: Type.Optional(Type.String({ description: '5m or 1h' }))
}, { ...OPEN, description: 'A prompt-cache breakpoint (kept for Claude models)' })

const ContentBlockParamSchema = Type.Object({
  type: Type.String({ minLength: 1, description: 'text, image, tool_use, tool_result or document; thinking and redacted_thinking are removed (Puter\'s stream has no signatures); other types are dropped' }),
  text: Type.Optional(Type.String({ description: 'The text of a text block' })),
  source: Type.Optional(Type.Object({}, { ...OPEN, description: 'The image or document: {type: base64, media_type, data}, {type: url, url} or {type: text, data}' })),
  id: Type.Optional(Type.String({ description: 'The id of a tool_use block' })),
  name: Type.Optional(Type.String({ description: 'The tool of a tool_use block' })),
  input: Type.Optional(Type.Unknown({ description: 'The arguments of a tool_use block' })),
  tool_use_id: Type.Optional(Type.String({ description: 'The tool_use a tool_result answers' })),
  content: Type.Optional(Type.Unknown({ description: 'The content of a tool_result: a string or text/image blocks' })),
  is_error: Type.Optional(Type.Boolean({ description: 'Whether the tool failed (tool_result)' })),
  cache_control: Type.Optional(Type.Union([CacheControlSchema, Type.Null()]))
}, { ...OPEN, description: 'One content block of a message' })

export const MessageParamSchema = Type.Object({
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')], {
    description: 'user or assistant; system (Claude Code\'s mid-conversation system beta) is sent on as a user system-reminder'
  }),
  content: Type.Union([Type.String(), Type.Array(ContentBlockParamSchema)], { description: 'A string or content blocks' })
}, { ...OPEN, description: 'One turn of the conversation' })

const SystemBlockSchema = Type.Object({
  type: Type.String({ description: 'text' }),
  text: Type.String({ description: 'The text' }),
  cache_control: Type.Optional(Type.Union([CacheControlSchema, Type.Null()]))
}, { ...OPEN, description: 'A system prompt block; Claude Code\'s per-request x-anthropic-billing-header block is dropped' })

const ToolSchema = Type.Object({
  name: Type.String({ minLength: 1, description: 'The tool name' }),
  type: Type.Optional(Type.String({ description: 'custom (or absent) for client tools; server tools (web_search_*, ...) are dropped' })),
  description: Type.Optional(Type.String({ description: 'What the tool does' })),
  input_schema: Type.Optional(Type.Object({}, { ...OPEN, description: 'JSON Schema of the input' }))
}, { ...OPEN, description: 'A tool the model may call' })

const ToolChoiceSchema = Type.Object({
  type: Type.String({ description: 'auto, any, tool or none' }),
  name: Type.Optional(Type.String({ description: 'The tool, for type tool' })),
  disable_parallel_tool_use: Type.Optional(Type.Boolean({ description: 'At most one tool call' }))
}, { ...OPEN, description: 'Whether and which tool the model must call' })

const ThinkingSchema = Type.Object({
  type: Type.String({ description: 'enabled, adaptive or disabled' }),
  budget_tokens: Type.Optional(Type.Integer({ description: 'For enabled: the thinking budget (mapped to Puter\'s reasoning effort)' }))
}, { ...OPEN, description: 'Extended thinking, mapped to Puter\'s reasoning_effort (low, medium, high)' })

const messageFields = {
  model: Type.String({ minLength: 1, description: 'A model id or alias of the catalogue (claude-sonnet-4-6, claude-haiku-4-5-20251001, …); a trailing [1m] is ignored' }),
  messages: Type.Array(MessageParamSchema, { minItems: 1, description: 'The conversation so far' }),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(SystemBlockSchema)], { description: 'The system prompt: a string or text blocks (cache_control kept)' })),
  tools: Type.Optional(Type.Array(ToolSchema, { description: 'Tools the model may call' })),
  tool_choice: Type.Optional(ToolChoiceSchema),
  thinking: Type.Optional(ThinkingSchema)
}

export const MessagesRequestSchema = Type.Object({
  ...messageFields,
  max_tokens: Type.Integer({ minimum: 1, description: 'The most tokens to generate' }),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2, description: 'Sampling temperature' })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Nucleus sampling' })),
  top_k: Type.Optional(Type.Integer({ minimum: 0, description: 'Top-k sampling' })),
  stop_sequences: Type.Optional(Type.Array(Type.String(), { description: 'Texts that end the answer' })),
  stream: Type.Optional(Type.Boolean({ description: 'Answer with server-sent events' })),
  metadata: Type.Optional(Type.Object({
    user_id: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'An opaque end-user id (not forwarded: Puter has no such field)' }))
  }, { ...OPEN, description: 'Request metadata' })),
  output_config: Type.Optional(Type.Object({
    effort: Type.Optional(Type.String({ description: 'low, medium, high or max: the reasoning effort with adaptive thinking' }))
  }, { ...OPEN, description: 'Output settings; only effort is read' }))
}, { ...OPEN, description: 'An Anthropic Messages request; unknown fields (context_management, …) are accepted and dropped' })

export const CountTokensRequestSchema = Type.Object(messageFields, {
  ...OPEN,
  description: 'The input of a Messages request whose tokens to count'
})

export const MessagesQuerySchema = Type.Object({
  beta: Type.Optional(Type.String({ description: 'The Anthropic SDK\'s beta client adds ?beta=true; accepted and ignored' }))
}, { ...OPEN })

export const AnthropicHeadersSchema = Type.Object({
  'anthropic-version': Type.Optional(Type.String({ description: 'Accepted (2023-06-01); not required' })),
  'anthropic-beta': Type.Optional(Type.String({ description: 'Comma-separated betas; unknown ones are ignored' }))
}, { ...OPEN })

// ---------------------------------------------------------------------------------------------------------------
// Answers

export const AnthropicUsageSchema = Type.Object({
  input_tokens: Type.Integer({ description: 'Input tokens not read from or written to the cache (an estimate when Puter reports none)' }),
  output_tokens: Type.Integer({ description: 'Generated tokens' }),
  cache_creation_input_tokens: Type.Integer({ description: 'Input tokens written to the prompt cache' }),
  cache_read_input_tokens: Type.Integer({ description: 'Input tokens read from the prompt cache' })
}, { ...OPEN, description: 'Token usage' })

const ContentBlockSchema = Type.Object({
  type: Type.String({ description: 'text, thinking or tool_use' }),
  text: Type.Optional(Type.String({ description: 'The text of a text block' })),
  thinking: Type.Optional(Type.String({ description: 'The reasoning of a thinking block (display only)' })),
  signature: Type.Optional(Type.String({ description: 'Always empty: Puter does not pass signatures on' })),
  id: Type.Optional(Type.String({ description: 'The tool_use id; send it back as tool_use_id' })),
  name: Type.Optional(Type.String({ description: 'The tool to call' })),
  input: Type.Optional(Type.Object({}, { ...OPEN, description: 'The tool arguments' }))
}, { ...OPEN, description: 'One content block of the answer' })

export const StopReasonSchema = Type.Union([
  Type.Literal('end_turn'),
  Type.Literal('max_tokens'),
  Type.Literal('stop_sequence'),
  Type.Literal('tool_use'),
  Type.Literal('refusal')
], { description: 'Why the model stopped' })

export const AnthropicMessageSchema = Type.Object({
  id: Type.String({ description: 'msg_…' }),
  type: Type.Literal('message'),
  role: Type.Literal('assistant'),
  content: Type.Array(ContentBlockSchema, { description: 'thinking, text and tool_use blocks' }),
  model: Type.String({ description: 'The model as requested' }),
  stop_reason: StopReasonSchema,
  stop_sequence: Type.Union([Type.String(), Type.Null()], { description: 'The stop sequence met, if known' }),
  usage: AnthropicUsageSchema
}, { ...OPEN, description: 'An Anthropic message (non-streaming answer)' })

export const AnthropicStreamEventSchema = Type.Object({
  type: Type.String({ description: 'message_start, content_block_start, content_block_delta, content_block_stop, message_delta, message_stop, ping or error' })
}, {
  ...OPEN,
  description: 'One server-sent event of a streamed message (`event: <type>` then `data: <json>`). Documentation only: streams are not validated'
})

export const CountTokensSchema = Type.Object({
  input_tokens: Type.Integer({ description: 'Estimated input tokens (a local count with the cl100k tokenizer; Claude\'s own tokenizer differs)' })
}, { description: 'The token count' })

export const AnthropicErrorSchema = Type.Object({
  type: Type.Literal('error'),
  error: Type.Object({
    type: Type.String({ description: 'invalid_request_error, authentication_error, billing_error, permission_error, not_found_error, request_too_large, rate_limit_error, api_error, timeout_error or overloaded_error' }),
    message: Type.String({ description: 'Human-readable explanation' })
  }),
  request_id: Type.Optional(Type.String({ description: 'The request id (also in x-request-id)' }))
}, { description: 'An error, in Anthropic\'s shape' })

export type MessagesRequest = Static<typeof MessagesRequestSchema>
export type CountTokensRequest = Static<typeof CountTokensRequestSchema>
export type MessageParam = Static<typeof MessageParamSchema>
export type AnthropicUsage = Static<typeof AnthropicUsageSchema>
export type AnthropicMessage = Static<typeof AnthropicMessageSchema>
export type StopReason = Static<typeof StopReasonSchema>
export type AnthropicError = Static<typeof AnthropicErrorSchema>
