// Schemas of OpenAI's Responses API (/v1/responses): the request, the `response` object and its stream events.
import type { TSchema } from '@sinclair/typebox'
import { Type, type Static } from '../../schemas/common.ts'

// Every object is open: Codex, Continue and the SDK send fields we do not read (client_metadata, prompt_cache_key,
// ids on input items, `strict: null`), and OpenAI's own API ignores unknown ones too.
const OPEN = { additionalProperties: true } as const

function Nullable<T extends TSchema> (schema: T, options: { description: string }) {
  return Type.Union([schema, Type.Null()], options)
}

// ---------------------------------------------------------------------------------------------------------------
// Request

const InputPartSchema = Type.Object({
  type: Type.String({ description: 'input_text, output_text or input_image; input_file, refusal and others are accepted and dropped' }),
  text: Type.Optional(Type.String({ description: 'The text of an input_text or output_text part' })),
  image_url: Type.Optional(Nullable(Type.String(), { description: 'The image of an input_image part: an http(s) or data: URL' }))
}, { ...OPEN, description: 'One part of a message' })

const InputItemSchema = Type.Object({
  type: Type.Optional(Type.String({ description: 'message (the default when role is set), function_call, function_call_output, custom_tool_call, custom_tool_call_output; reasoning items and hosted-tool items are dropped' })),
  role: Type.Optional(Type.String({ description: 'For a message: user, assistant, system or developer (sent as system)' })),
  content: Type.Optional(Nullable(Type.Union([Type.String(), Type.Array(InputPartSchema)]), { description: 'For a message: text, or parts' })),
  call_id: Type.Optional(Type.String({ description: 'For a call or its output: the id tying them together' })),
  name: Type.Optional(Type.String({ description: 'For a call: the tool called' })),
  arguments: Type.Optional(Type.String({ description: 'For a function_call: the arguments, as a JSON text' })),
  input: Type.Optional(Type.String({ description: 'For a custom_tool_call: the freeform input' })),
  output: Type.Optional(Type.Unknown({ description: 'For a call output: a string, or parts whose text is joined' }))
}, { ...OPEN, description: 'One item of the conversation' })

const ToolSchema = Type.Object({
  type: Type.String({ description: 'function or custom are offered to the model; hosted tools (web_search, file_search, mcp, namespace, ...) are left out' }),
  name: Type.Optional(Type.String({ description: 'The name of a function or custom tool' })),
  description: Type.Optional(Nullable(Type.String(), { description: 'What the tool does' })),
  parameters: Type.Optional(Nullable(Type.Object({}, OPEN), { description: 'For a function: JSON Schema of its arguments' })),
  strict: Type.Optional(Nullable(Type.Boolean(), { description: 'For a function: structured-outputs strictness (passed on)' })),
  format: Type.Optional(Type.Unknown({ description: 'For a custom tool: its input grammar (described to the model, not enforced)' }))
}, { ...OPEN, description: 'A tool the model may use' })

export const ResponsesRequestSchema = Type.Object({
  model: Type.String({ minLength: 1, description: 'Any model id or alias of the chat catalogue (GET /v1/models)' }),
  input: Type.Optional(Type.Union([Type.String(), Type.Array(InputItemSchema)], { description: 'A user message as a string, or the conversation as items' })),
  instructions: Type.Optional(Nullable(Type.String(), { description: 'A system message put first (not carried over by previous_response_id)' })),
  previous_response_id: Type.Optional(Nullable(Type.String(), { description: 'Continue a stored response of the same key owner: its conversation goes before `input`' })),
  tools: Type.Optional(Nullable(Type.Array(ToolSchema), { description: 'Function and custom tools; hosted tools are accepted and left out' })),
  tool_choice: Type.Optional(Nullable(Type.Union([Type.String(), Type.Object({
    type: Type.String({ description: 'function, custom, allowed_tools, or a hosted tool type' }),
    name: Type.Optional(Type.String({ description: 'The function or custom tool to call' })),
    mode: Type.Optional(Type.String({ description: 'allowed_tools: auto or required' })),
    server_label: Type.Optional(Type.String({ description: 'mcp: the server' }))
  }, OPEN)]), {
    description: 'auto, none, required, {type:"function"|"custom",name}; forcing a hosted tool is refused (400)'
  })),
  parallel_tool_calls: Type.Optional(Nullable(Type.Boolean(), { description: 'Allow several tool calls in one turn' })),
  reasoning: Type.Optional(Nullable(Type.Object({
    effort: Type.Optional(Nullable(Type.String(), { description: 'none, minimal, low, medium, high or xhigh; sent to Puter as low, medium or high' })),
    summary: Type.Optional(Nullable(Type.String(), { description: 'auto, concise or detailed: reasoning is returned as summary text when the model gives any' }))
  }, OPEN), { description: 'Reasoning options' })),
  max_output_tokens: Type.Optional(Nullable(Type.Integer(), { description: 'Cap on generated tokens' })),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }), { description: 'Sampling temperature, 0 to 2' })),
  top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }), { description: 'Nucleus sampling mass, 0 to 1' })),
  stream: Type.Optional(Nullable(Type.Boolean(), { description: 'Answer with server-sent events (response.* events with sequence_number)' })),
  store: Type.Optional(Nullable(Type.Boolean(), { description: 'Keep the response for GET /v1/responses/{id} and previous_response_id (default true; kept in memory, 1,000 responses for 24 h at most)' })),
  include: Type.Optional(Nullable(Type.Array(Type.String()), { description: 'Extra output asked for; reasoning.encrypted_content gets null (Puter gives none)' })),
  metadata: Type.Optional(Nullable(Type.Record(Type.String(), Type.String()), { description: 'Echoed on the response' })),
  text: Type.Optional(Nullable(Type.Object({}, OPEN), { description: 'Output text options (not forwarded)' })),
  truncation: Type.Optional(Nullable(Type.String(), { description: 'Not forwarded' })),
  user: Type.Optional(Nullable(Type.String(), { description: 'Not forwarded' }))
}, { ...OPEN, description: 'An OpenAI Responses request; unknown fields are accepted and ignored' })

// ---------------------------------------------------------------------------------------------------------------
// Response

export const ResponseUsageSchema = Type.Object({
  input_tokens: Type.Integer({ description: 'Input tokens, cached ones included' }),
  input_tokens_details: Type.Object({ cached_tokens: Type.Integer({ description: 'Input tokens read from the prompt cache' }) }, { ...OPEN, description: 'Breakdown of input_tokens' }),
  output_tokens: Type.Integer({ description: 'Generated tokens, reasoning included' }),
  output_tokens_details: Type.Object({ reasoning_tokens: Type.Integer({ description: 'Tokens spent on reasoning' }) }, { ...OPEN, description: 'Breakdown of output_tokens' }),
  total_tokens: Type.Integer({ description: 'input_tokens + output_tokens' })
}, { ...OPEN, description: 'Token usage of the response' })

const OutputItemSchema = Type.Object({
  type: Type.String({ description: 'message, function_call, custom_tool_call or reasoning' }),
  id: Type.String({ description: 'Item id (msg_, fc_, ctc_ or rs_ ...)' }),
  status: Type.Optional(Type.String({ description: 'in_progress, completed or incomplete' })),
  role: Type.Optional(Type.String({ description: 'message: always assistant' })),
  content: Type.Optional(Type.Array(Type.Object({
    type: Type.String({ description: 'output_text' }),
    text: Type.String({ description: 'The text' }),
    annotations: Type.Array(Type.Unknown(), { description: 'Always empty' })
  }, OPEN), { description: 'message: its parts' })),
  call_id: Type.Optional(Type.String({ description: 'function_call / custom_tool_call: send it back with the output' })),
  name: Type.Optional(Type.String({ description: 'function_call / custom_tool_call: the tool' })),
  arguments: Type.Optional(Type.String({ description: 'function_call: the arguments, a JSON text' })),
  input: Type.Optional(Type.String({ description: 'custom_tool_call: the freeform input' })),
  summary: Type.Optional(Type.Array(Type.Object({ type: Type.String(), text: Type.String() }, OPEN), { description: 'reasoning: summary_text parts' })),
  encrypted_content: Type.Optional(Type.Null({ description: 'reasoning: always null (Puter gives none)' }))
}, { ...OPEN, description: 'One output item' })

export const ResponseObjectSchema = Type.Object({
  id: Type.String({ description: 'resp_...' }),
  object: Type.Literal('response', { description: 'Always response' }),
  created_at: Type.Integer({ description: 'Unix time (seconds)' }),
  status: Type.String({ description: 'in_progress, completed, incomplete or failed' }),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() }, OPEN), { description: 'Why it failed' }),
  incomplete_details: Nullable(Type.Object({ reason: Type.String() }, OPEN), { description: 'Why it is incomplete (max_output_tokens, content_filter)' }),
  model: Type.String({ description: 'The model as requested' }),
  output: Type.Array(OutputItemSchema, { description: 'Output items in order' }),
  usage: Nullable(ResponseUsageSchema, { description: 'Token usage (null until completed)' })
}, { ...OPEN, description: 'A response (non-streaming answer, and GET /v1/responses/{id})' })

export const ResponseStreamEventSchema = Type.Object({
  type: Type.String({ description: 'response.created, response.in_progress, response.output_item.added, ..., response.completed / response.failed / response.incomplete' }),
  sequence_number: Type.Integer({ description: '0, 1, 2 ... in order' })
}, { ...OPEN, description: 'One server-sent event (`event: <type>` then `data: <json>`); no [DONE], the stream ends after the final event. Documentation only: streams are not validated' })

export type ResponsesRequest = Static<typeof ResponsesRequestSchema>
export type InputItem = Static<typeof InputItemSchema>
export type ResponseUsage = Static<typeof ResponseUsageSchema>
export type OutputItem = Static<typeof OutputItemSchema>
export type ResponseObject = Static<typeof ResponseObjectSchema>
