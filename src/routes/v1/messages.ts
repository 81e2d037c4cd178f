// POST /v1/messages and /v1/messages/count_tokens: Anthropic's Messages API over the relay, with Anthropic's error
// shape for every failure of these routes (the key guard's refusals included: this plugin has its own error handler).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { randomUUID } from 'node:crypto'
import { errors, toFault } from '../../errors.ts'
import { debugEnabled } from '../../logging.ts'
import {
  AnthropicErrorSchema, AnthropicHeadersSchema, AnthropicMessageSchema, AnthropicStreamEventSchema, CountTokensRequestSchema,
  CountTokensSchema, MessagesQuerySchema, MessagesRequestSchema
} from '../../gateway/anthropic-messages/schema.ts'
import { droppedByTranslation, stripContextSuffix, toPuterArgs } from '../../gateway/anthropic-messages/request.ts'
import { createMessageStreamEncoder, encodeMessage, PING } from '../../gateway/anthropic-messages/encoder.ts'
import { anthropicError } from '../../gateway/anthropic-messages/errors.ts'
import { countInputTokens, loadTokenizer } from '../../gateway/anthropic-messages/count-tokens.ts'

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no'
}

const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, AnthropicErrorSchema]))

/** Model names Puter routes to Anthropic (their prompt-cache breakpoints are kept). */
const CLAUDE_NAME = /^(anthropic[/:]+)*claude/i

const messagesRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { relay, models } = fastify
  // Anthropic clients send the key in x-api-key, others as a bearer token: both are declared.
  const security: Array<Record<string, string[]>> = [{ apiKeyHeader: [] }, { bearerAuth: [] }]
  const tags = ['Anthropic']

  // Every failure of these routes in Anthropic's shape. The SDKs read the request id from `request-id`.
  fastify.setErrorHandler((err, request, reply) => {
    const fault = toFault(err, { bodyLimit: request.routeOptions.bodyLimit })
    if (fault.internal) request.log.error({ err }, 'request failed')
    else request.log.info({ code: fault.code, status: fault.status }, fault.message)
    const answer = anthropicError(fault, request.id, fastify.now())
    return reply.code(answer.status).header('request-id', request.id).headers(answer.headers).send(answer.body)
  })

  // Claude Code asks for `claude-…[1m]` (the 1M-context window): strip it before the key's model check reads `model`.
  fastify.addHook('preValidation', async (request) => {
    const body = request.body as { model?: unknown } | undefined
    if (typeof body?.model === 'string') body.model = stripContextSuffix(body.model)
  })

  /** The catalogue's id for a name (ids and aliases, case-insensitively); the name itself when it is not known. */
  async function resolveModel (name: string): Promise<{ id: string, claude: boolean }> {
    const known = models.peek(name) ?? await models.get(name).catch(() => undefined)
    const id = known?.id ?? name
    return { id, claude: known?.owned_by === 'claude' || CLAUDE_NAME.test(id) }
  }

  fastify.post('/messages', {
    schema: {
      tags,
      security,
      summary: 'Create a message',
      description: 'Anthropic Messages on Puter\'s AI, with the key owner\'s Puter account (for Claude Code and the Anthropic SDKs: set the base URL without /v1). Auth by `x-api-key` or `Authorization: Bearer`; `anthropic-version`, `anthropic-beta` and `?beta=true` are accepted. `stream: true` answers server-sent events (message_start … message_stop, `ping` after 15 s of silence, `error` for a failure after the start). Thinking history blocks are removed; unknown fields are dropped.',
      headers: AnthropicHeadersSchema,
      querystring: MessagesQuerySchema,
      body: MessagesRequestSchema,
      response: {
        200: {
          description: 'The message, or a stream of events when `stream` is true',
          content: {
            'application/json': { schema: AnthropicMessageSchema },
            'text/event-stream': { schema: AnthropicStreamEventSchema }
          }
        },
        ...errorResponses(400, 401, 402, 403, 404, 413, 429, 500, 502, 504, 529)
      }
    }
  }, async (request, reply) => {
    const body = request.body
    warmTokenizer(request).catch(() => {})
    if (debugEnabled(request.log)) {
      const dropped = droppedByTranslation(body)
      if (dropped) request.log.debug(dropped, 'messages request: dropped what Puter has no equivalent for')
    }
    const caller = request.caller!
    const token = fastify.puterTokenFor(caller)
    if (!token) throw new errors.NoPuterAccount()
    const model = await resolveModel(body.model)
    const meta = { id: `msg_${randomUUID().replaceAll('-', '')}`, model: body.model, inputEstimate: countInputTokens(body) }
    reply.header('request-id', request.id)
    return relay.run(request, reply, token, caller.keyId, {
      call: { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete', args: toPuterArgs(body, { model: model.id, cacheControl: model.claude }) },
      stream: body.stream === true,
      answer: (answer) => encodeMessage(answer, meta),
      encoder: () => createMessageStreamEncoder(meta),
      streamHeaders: SSE_HEADERS,
      keepAlive: PING
    }, request.aiOutcome)
  })

  fastify.post('/messages/count_tokens', {
    schema: {
      tags,
      security,
      summary: 'Count the tokens of a message',
      description: 'Estimated input tokens of a Messages request, counted on this server (no Puter call, no cost): OpenAI\'s cl100k tokenizer over the system prompt, messages and tools, images at a flat 1,600 tokens. Claude\'s own tokenizer is not public, so counts differ from Anthropic\'s by a few percent to ~20%.',
      headers: AnthropicHeadersSchema,
      querystring: MessagesQuerySchema,
      body: CountTokensRequestSchema,
      response: { 200: CountTokensSchema, ...errorResponses(400, 401, 403, 413, 429) }
    }
  }, async (request, reply) => {
    await loadTokenizer()
    reply.header('request-id', request.id)
    return { input_tokens: countInputTokens(request.body) }
  })
}

/** Starts loading the tokenizer on the first messages request, so later estimates use it. */
async function warmTokenizer (request: FastifyRequest): Promise<void> {
  try {
    await loadTokenizer()
  } catch (err) {
    request.log.warn({ err }, 'token counter unavailable; estimating 4 characters a token')
  }
}

export default messagesRoutes
