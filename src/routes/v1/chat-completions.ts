// POST /v1/chat/completions: OpenAI Chat Completions over the relay, plain or streamed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { randomUUID } from 'node:crypto'
import { errorResponses } from '../../schemas/common.ts'
import { ChatCompletionRequestSchema, ChatCompletionSchema, ChatCompletionChunkSchema } from '../../gateway/openai-chat/schema.ts'
import { droppedByTranslation, requestProblem, toPuterArgs } from '../../gateway/openai-chat/request.ts'
import { createChatStreamEncoder, encodeCompletion } from '../../gateway/openai-chat/encoder.ts'
import { errors, withDetails } from '../../errors.ts'
import { debugEnabled } from '../../logging.ts'

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no'
}

const chatCompletionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { relay } = fastify

  fastify.post('/chat/completions', {
    schema: {
      tags: ['OpenAI'],
      security: [{ bearerAuth: [] }],
      summary: 'Create a chat completion',
      description: 'OpenAI Chat Completions on Puter\'s AI, with the key owner\'s Puter account. `stream: true` answers server-sent events (`chat.completion.chunk` objects, then `data: [DONE]`).',
      body: ChatCompletionRequestSchema,
      response: {
        200: {
          description: 'The completion, or a stream of chunks when `stream` is true',
          content: {
            'application/json': { schema: ChatCompletionSchema },
            'text/event-stream': { schema: ChatCompletionChunkSchema }
          }
        },
        ...errorResponses(400, 401, 402, 403, 404, 413, 429, 502, 504)
      }
    }
  }, async (request, reply) => {
    const body = request.body
    // Puter returns one choice per call; say so rather than silently answering fewer than asked for.
    if (typeof body.n === 'number' && body.n > 1) throw withDetails(new errors.UnsupportedParameter('n > 1 is not supported by this gateway: Puter returns one choice per request.'), { param: 'n' })
    const problem = requestProblem(body)
    if (problem) throw withDetails(new errors.InvalidRequest(problem.message), { param: problem.param })
    if (debugEnabled(request.log)) {
      const dropped = droppedByTranslation(body)
      if (dropped) request.log.debug(dropped, 'chat request: dropped what Puter has no equivalent for')
    }
    const caller = request.caller!
    const token = fastify.puterTokenFor(caller)
    if (!token) throw new errors.NoPuterAccount()
    const meta = { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model: body.model }
    const stream = body.stream === true
    return relay.run(request, reply, token, caller.keyId, {
      call: { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete', args: toPuterArgs(body) },
      stream,
      // Methods rather than arrow properties: under tsx (esbuild keepNames) each arrow costs a defineProperty call.
      answer (answer) { return encodeCompletion(answer, meta) },
      encoder () { return createChatStreamEncoder({ ...meta, includeUsage: body.stream_options?.include_usage === true }) },
      streamHeaders: SSE_HEADERS,
      keepAlive: ': keep-alive\n\n'
    }, request.aiOutcome)
  })
}

export default chatCompletionRoutes
