// Schemas of OpenAI's Chat Completions API (/v1/chat/completions): requests, answers and stream chunks.
import type { TSchema } from '@sinclair/typebox'
import { Type, type Static, type ErrorResponse } from '../../schemas/common.ts'

// Every object here is open (`additionalProperties: true`): clients send fields we do not know
// (Roo's `cache_control`, `reasoning_details`, vendor extras) and OpenAI's own API ignores them too.
const OPEN = { additionalProperties: true } as const

/** `T | null`: OpenAI's API accepts an explicit null for most optional fields, and some clients send it. */
function Nullable<T extends TSchema> (schema: T, options: { description: string }) {
  return Type.Union([schema, Type.Null()], options)
}

// ---------------------------------------------------------------------------------------------------------------
// Request

const ImageUrlSchema = Type.Object({
  url: Type.String({ description: 'An http(s) URL or a data: URL (data:image/png;base64,...)' }),
  detail: Type.Optional(Type.String({ description: 'auto, low or high (not forwarded)' }))
}, { ...OPEN, description: 'An image reference' })

const ContentPartSchema = Type.Object({
  type: Type.String({ minLength: 1, description: 'text or image_url; input_audio, file and refusal are accepted and dropped (Puter has no equivalent); other types are refused' }),
  text: Type.Optional(Type.String({ description: 'The text of a text part' })),
  image_url: Type.Optional(Type.Union([ImageUrlSchema, Type.String()], { description: 'The image of an image_url part (an object; a bare URL string is tolerated)' }))
}, { ...OPEN, description: 'One part of a message content array; `cache_control` and other extras are ignored' })

const ToolCallSchema = Type.Object({
  id: Type.String({ description: 'The id the tool result refers back to (tool_call_id)' }),
  type: Type.Optional(Type.String({ description: 'Always function' })),
  function: Type.Object({
    name: Type.String({ description: 'Name of the called function' }),
    arguments: Type.Optional(Type.String({ description: 'The arguments, as a JSON text' }))
  }, { ...OPEN, description: 'The call' })
}, { ...OPEN, description: 'A tool call made by the assistant' })

export const ChatMessageSchema = Type.Object({
  role: Type.Union([
    Type.Literal('system'),
    Type.Literal('developer'),
    Type.Literal('user'),
    Type.Literal('assistant'),
    Type.Literal('tool'),
    Type.Literal('function')
  ], { description: 'Who wrote the message. developer is sent as system; function (legacy) as tool' }),
  content: Type.Optional(Type.Union([Type.String(), Type.Array(ContentPartSchema), Type.Null()], {
    description: 'Text or an array of parts (text, image_url). Required, except on an assistant turn with tool_calls or function_call (null or absent there), and on a legacy function result'
  })),
  name: Type.Optional(Type.String({ description: 'Participant name; for role function, the function name (not forwarded otherwise)' })),
  tool_calls: Type.Optional(Type.Array(ToolCallSchema, { description: 'Tool calls of an assistant turn' })),
  tool_call_id: Type.Optional(Type.String({ description: 'For role tool: the id of the call this message answers' })),
  function_call: Type.Optional(Nullable(Type.Object({
    name: Type.String({ description: 'Name of the called function' }),
    arguments: Type.Optional(Type.String({ description: 'The arguments, as a JSON text' }))
  }, OPEN), { description: 'Legacy single function call of an assistant turn (sent on as a tool call)' }))
}, { ...OPEN, description: 'One message of the conversation' })

const FunctionDefinitionSchema = Type.Object({
  name: Type.String({ minLength: 1, description: 'Function name the model calls it by' }),
  description: Type.Optional(Type.String({ description: 'What the function does' })),
  parameters: Type.Optional(Type.Object({}, { ...OPEN, description: 'JSON Schema of the arguments' })),
  strict: Type.Optional(Nullable(Type.Boolean(), { description: 'Structured-outputs strictness (passed on; providers may ignore it)' }))
}, { ...OPEN, description: 'A function the model may call' })

const ToolSchema = Type.Object({
  type: Type.String({ description: 'function (then `function` is required); tools of other types are dropped' }),
  function: Type.Optional(FunctionDefinitionSchema)
}, { ...OPEN, description: 'A tool the model may call' })

const ToolChoiceSchema = Type.Union([
  Type.String({ description: 'none, auto or required' }),
  Type.Object({
    type: Type.String({ description: 'function' }),
    function: Type.Optional(Type.Object({ name: Type.String({ description: 'The function to call' }) }, OPEN))
  }, { ...OPEN, description: 'Force one function' })
], { description: 'Whether and which tool the model must call' })

export const ChatCompletionRequestSchema = Type.Object({
  model: Type.String({ minLength: 1, description: 'Model id, as listed by GET /v1/models (ids may contain / and :)' }),
  messages: Type.Array(ChatMessageSchema, { minItems: 1, description: 'The conversation so far' }),
  tools: Type.Optional(Nullable(Type.Array(ToolSchema), { description: 'Functions the model may call' })),
  tool_choice: Type.Optional(Nullable(ToolChoiceSchema, { description: 'none, auto, required, or a named function' })),
  parallel_tool_calls: Type.Optional(Nullable(Type.Boolean(), { description: 'Allow several tool calls in one turn' })),
  functions: Type.Optional(Nullable(Type.Array(FunctionDefinitionSchema), { description: 'Legacy form of tools (used only when tools is absent)' })),
  function_call: Type.Optional(Nullable(Type.Union([Type.String(), Type.Object({ name: Type.String() }, OPEN)]), { description: 'Legacy form of tool_choice' })),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }), { description: 'Sampling temperature, 0 to 2' })),
  top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }), { description: 'Nucleus sampling mass, 0 to 1' })),
  max_tokens: Type.Optional(Nullable(Type.Integer(), { description: 'Cap on generated tokens (legacy name; values below 1 mean no cap)' })),
  max_completion_tokens: Type.Optional(Nullable(Type.Integer(), { description: 'Cap on generated tokens, reasoning included; wins over max_tokens' })),
  reasoning_effort: Type.Optional(Nullable(Type.String(), { description: 'none, minimal, low, medium, high or xhigh, for reasoning models' })),
  stop: Type.Optional(Nullable(Type.Union([Type.String(), Type.Array(Type.String())]), { description: 'Sequence(s) where generation stops' })),
  stream: Type.Optional(Nullable(Type.Boolean(), { description: 'Answer with server-sent events (chat.completion.chunk)' })),
  stream_options: Type.Optional(Nullable(Type.Object({
    include_usage: Type.Optional(Nullable(Type.Boolean(), { description: 'Send a usage chunk (no choices) before [DONE]; without it a stream carries no usage, as OpenAI\'s' }))
  }, OPEN), { description: 'Streaming options' })),
  n: Type.Optional(Nullable(Type.Integer({ minimum: 1 }), { description: 'Number of choices; only 1 is supported' })),
  user: Type.Optional(Nullable(Type.String(), { description: 'End-user id (not forwarded)' })),
  seed: Type.Optional(Nullable(Type.Integer(), { description: 'Sampling seed (not forwarded)' })),
  presence_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }), { description: '-2 to 2 (not forwarded)' })),
  frequency_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }), { description: '-2 to 2 (not forwarded)' })),
  response_format: Type.Optional(Nullable(Type.Object({
    type: Type.String({ description: 'text, json_object or json_schema' })
  }, OPEN), { description: 'Output format (not forwarded: Puter has no equivalent)' }))
}, { ...OPEN, description: 'An OpenAI chat completions request; unknown fields are accepted and ignored' })

// ---------------------------------------------------------------------------------------------------------------
// Responses

export const UsageSchema = Type.Object({
  prompt_tokens: Type.Integer({ description: 'Input tokens, cached ones included' }),
  completion_tokens: Type.Integer({ description: 'Generated tokens, reasoning included' }),
  total_tokens: Type.Integer({ description: 'prompt_tokens + completion_tokens' }),
  prompt_tokens_details: Type.Optional(Type.Object({
    cached_tokens: Type.Integer({ description: 'Input tokens read from the provider\'s prompt cache' })
  }, { ...OPEN, description: 'Breakdown of prompt_tokens, when known' }))
}, { ...OPEN, description: 'Token usage of the request' })

export const ResponseToolCallSchema = Type.Object({
  id: Type.String({ description: 'Tool call id; send it back as tool_call_id' }),
  type: Type.Literal('function', { description: 'Always function' }),
  function: Type.Object({
    name: Type.String({ description: 'Name of the function to call' }),
    arguments: Type.String({ description: 'The arguments, as a JSON text' })
  }, { ...OPEN, description: 'The call' })
}, { ...OPEN, description: 'A tool call the model made' })

export const FinishReasonSchema = Type.Union([
  Type.Literal('stop'),
  Type.Literal('length'),
  Type.Literal('tool_calls'),
  Type.Literal('content_filter')
], { description: 'stop (natural end), length (token cap), tool_calls, or content_filter' })

export const ChatCompletionSchema = Type.Object({
  id: Type.String({ description: 'Completion id (chatcmpl-...)' }),
  object: Type.Literal('chat.completion', { description: 'Always chat.completion' }),
  created: Type.Integer({ description: 'Unix time (seconds) of creation' }),
  model: Type.String({ description: 'The model id as requested' }),
  choices: Type.Array(Type.Object({
    index: Type.Integer({ description: 'Always 0' }),
    message: Type.Object({
      role: Type.Literal('assistant', { description: 'Always assistant' }),
      content: Type.Union([Type.String(), Type.Null()], { description: 'The answer text; null when the turn is only tool calls' }),
      tool_calls: Type.Optional(Type.Array(ResponseToolCallSchema, { description: 'Tools the model wants called' })),
      reasoning_content: Type.Optional(Type.String({ description: 'The model\'s reasoning, when the provider exposes it' }))
    }, { ...OPEN, description: 'The generated message' }),
    logprobs: Type.Null({ description: 'Always null' }),
    finish_reason: FinishReasonSchema
  }, { ...OPEN, description: 'A generated choice' }), { description: 'Exactly one choice' }),
  usage: UsageSchema
}, { ...OPEN, description: 'A chat completion (non-streaming answer)' })

export const ChatCompletionChunkSchema = Type.Object({
  id: Type.String({ description: 'The same id on every chunk of a stream' }),
  object: Type.Literal('chat.completion.chunk', { description: 'Always chat.completion.chunk' }),
  created: Type.Integer({ description: 'The same Unix time on every chunk' }),
  model: Type.String({ description: 'The model id as requested' }),
  choices: Type.Array(Type.Object({
    index: Type.Integer({ description: 'Always 0' }),
    delta: Type.Object({
      role: Type.Optional(Type.Literal('assistant', { description: 'Only on the first chunk' })),
      content: Type.Optional(Type.String({ description: 'Next piece of the answer text' })),
      reasoning_content: Type.Optional(Type.String({ description: 'Next piece of the reasoning' })),
      tool_calls: Type.Optional(Type.Array(Type.Object({
        index: Type.Integer({ description: 'Which tool call this delta belongs to (0, 1, ...)' }),
        id: Type.Optional(Type.String({ description: 'Tool call id (on the first delta of an index)' })),
        type: Type.Optional(Type.Literal('function', { description: 'Always function' })),
        function: Type.Object({
          name: Type.Optional(Type.String({ description: 'Function name (on the first delta of an index)' })),
          arguments: Type.Optional(Type.String({ description: 'Arguments JSON text (here always whole)' }))
        }, { ...OPEN, description: 'The call' })
      }, OPEN), { description: 'Tool call deltas' }))
    }, { ...OPEN, description: 'What this chunk adds' }),
    logprobs: Type.Null({ description: 'Always null' }),
    finish_reason: Type.Union([FinishReasonSchema, Type.Null()], { description: 'Set on the last content chunk only' })
  }, OPEN), { description: 'One choice, or none on the final usage chunk' }),
  usage: Type.Optional(UsageSchema)
}, {
  ...OPEN,
  description: 'One server-sent event of a streamed chat completion (`data: <chunk>`), ending with `data: [DONE]`. Documentation only: streams are not validated'
})

/** The one error shape of every route (defined with the shared atoms). */
export type OpenAIError = ErrorResponse
export type ChatMessage = Static<typeof ChatMessageSchema>
export type ChatCompletionRequest = Static<typeof ChatCompletionRequestSchema>
export type Usage = Static<typeof UsageSchema>
export type ResponseToolCall = Static<typeof ResponseToolCallSchema>
export type FinishReason = Static<typeof FinishReasonSchema>
export type ChatCompletion = Static<typeof ChatCompletionSchema>
