// POST /v1/responses and GET /v1/responses/{id}: OpenAI Responses over the relay, plain or streamed, with the
// responses of `store: true` kept in memory per key owner for GET and previous_response_id.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { randomUUID } from 'node:crypto'
import { Type, errorResponses } from '../../schemas/common.ts'
import { ResponseObjectSchema, ResponseStreamEventSchema, ResponsesRequestSchema, type InputItem, type ResponsesRequest } from '../../gateway/openai-responses/schema.ts'
import { droppedTools, inputItems, requestProblem, toPuterRequest } from '../../gateway/openai-responses/request.ts'
import { createResponseStreamEncoder, encodeResponse, type ResponseMeta } from '../../gateway/openai-responses/encoder.ts'
import { createResponseStore } from '../../gateway/openai-responses/store.ts'
import { errors, withDetails } from '../../errors.ts'
import { debugEnabled } from '../../logging.ts'

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no'
}

/** Whose stored responses a caller sees: the key owner's; every fallback-mode key shares the operator's. */
const ownerOf = (caller: { userId: string | null }) => caller.userId ?? 'fallback'

/** The request fields a response object echoes, with OpenAI's defaults for the ones not sent. */
function echoOf (body: ResponsesRequest): Record<string, unknown> {
  return {
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: body.store !== false,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    user: body.user ?? null
  }
}

const responsesRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { relay } = fastify
  const store = createResponseStore()

  fastify.post('/responses', {
    schema: {
      tags: ['OpenAI'],
      security: [{ bearerAuth: [] }],
      summary: 'Create a model response',
      description: 'OpenAI Responses on Puter\'s AI, with the key owner\'s Puter account. Any chat model; function and freeform (custom) tools; hosted tools (web_search, file_search, mcp, ...) are left out, and forcing one is refused. `stream: true` answers server-sent events (`response.created` ... `response.completed`, each with `sequence_number`; no `[DONE]`). `store` (default true) keeps the response in memory for 24 h for `GET /v1/responses/{id}` and `previous_response_id`.',
      body: ResponsesRequestSchema,
      response: {
        200: {
          description: 'The response, or a stream of events when `stream` is true',
          content: {
            'application/json': { schema: ResponseObjectSchema },
            'text/event-stream': { schema: ResponseStreamEventSchema }
          }
        },
        ...errorResponses(400, 401, 402, 403, 404, 413, 429, 502, 504)
      }
    }
  }, async (request, reply) => {
    const body = request.body
    const problem = requestProblem(body)
    if (problem?.hostedTool !== undefined) throw withDetails(new errors.HostedToolForced(problem.hostedTool), { param: problem.param })
    if (problem) throw withDetails(new errors.InvalidRequest(problem.message), { param: problem.param })
    const caller = request.caller!
    const owner = ownerOf(caller)
    let history: InputItem[] = []
    if (typeof body.previous_response_id === 'string' && body.previous_response_id !== '') {
      const found = store.conversation(owner, body.previous_response_id)
      if (found === undefined) throw withDetails(new errors.PreviousResponseNotFound(body.previous_response_id), { param: 'previous_response_id' })
      history = found
    }
    if (debugEnabled(request.log)) {
      const hosted = droppedTools(body)
      if (hosted.length > 0) request.log.debug({ toolTypes: hosted }, 'responses request: left out tools Puter cannot run')
    }
    const token = fastify.puterTokenFor(caller)
    if (!token) throw new errors.NoPuterAccount()

    const { args, customTools } = toPuterRequest(body, history)
    const conversation = [...history, ...inputItems(body.input)]
    const summary = body.reasoning?.summary
    const meta: ResponseMeta = {
      id: `resp_${randomUUID().replaceAll('-', '')}`,
      createdAt: Math.floor(Date.now() / 1000),
      model: body.model,
      customTools,
      summaries: typeof summary === 'string' && summary !== '' && summary !== 'none',
      echo: echoOf(body),
      // store: false keeps nothing.
      onEnd: body.store === false ? undefined : (response) => store.save(owner, response, conversation)
    }
    return relay.run(request, reply, token, caller.keyId, {
      call: { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete', args },
      stream: body.stream === true,
      answer: (answer) => encodeResponse(answer, meta),
      encoder: () => createResponseStreamEncoder(meta),
      streamHeaders: SSE_HEADERS,
      keepAlive: ': keep-alive\n\n'
    }, request.aiOutcome)
  })

  fastify.get('/responses/:id', {
    schema: {
      tags: ['OpenAI'],
      security: [{ bearerAuth: [] }],
      summary: 'Get a stored response',
      description: 'A response created with `store` true (the default) by a key of the same owner, within 24 h; 404 for any other id.',
      params: Type.Object({ id: Type.String({ description: 'The response id (resp_...)' }) }),
      response: {
        200: ResponseObjectSchema,
        ...errorResponses(401, 404)
      }
    }
  }, async (request) => {
    const found = store.get(ownerOf(request.caller!), request.params.id)
    if (found === undefined) throw withDetails(new errors.ResponseNotFound(request.params.id), { param: 'id' })
    return found
  })
}

export default responsesRoutes
