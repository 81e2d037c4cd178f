// The OpenAI-compatible API: /v1/models and /v1/chat/completions, authenticated with an sk- key, open to any origin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import cors from '@fastify/cors'
import type { OutgoingHttpHeaders } from 'node:http'
import { randomUUID } from 'node:crypto'
import { Type, errorResponses } from '../schemas/common.ts'
import { ChatCompletionRequestSchema, ChatCompletionSchema, ChatCompletionChunkSchema, ModelListSchema, ModelSchema } from '../schemas/openai.ts'
import { createModelCatalog } from '../gateway/models.ts'
import { createNdjsonSplitter, createStreamTranslator, fromPuterResult, isPuterFailure, puterErrorToOpenAI, toPuterArgs } from '../gateway/translate.ts'
import { PuterNetworkError } from '../puter/client.ts'
import { errors, withDetails } from '../errors.ts'
import type { ChatCompletion } from '../schemas/openai.ts'

interface OpenStream {
  lastWrite: number
  write: (s: string) => boolean
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no'
}

/** A network failure reaching Puter, as the gateway answers it. */
function networkError (err: unknown): Error {
  return err instanceof PuterNetworkError && err.timedOut ? new errors.UpstreamTimeout() : new errors.UpstreamUnreachable()
}

/** A complete answer replayed as a stream, for when Puter answers a streaming request with a plain result. */
function completionAsSse (c: ChatCompletion, includeUsage: boolean): string {
  const t = createStreamTranslator({ id: c.id, created: c.created, model: c.model, includeUsage })
  const msg = c.choices[0].message
  let out = t.start()
  if (msg.reasoning_content) out += t.push({ type: 'reasoning', reasoning: msg.reasoning_content })
  if (msg.content) out += t.push({ type: 'text', text: msg.content })
  for (const call of msg.tool_calls ?? []) out += t.push({ type: 'tool_use', id: call.id, name: call.function.name, input: call.function.arguments })
  out += t.push({ type: 'usage', usage: c.usage })
  if (c.choices[0].finish_reason === 'length') out += t.push({ type: 'finish', finish_reason: 'length' })
  return out + t.finish()
}

const openaiRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { puter, config } = fastify
  const security = [{ bearerAuth: [] }]
  const tags = ['OpenAI']
  const keepAliveMs = config.STREAM_KEEPALIVE_SECONDS * 1000
  // One timer for all open streams: a keep-alive comment goes to each that has been silent for keepAliveMs.
  const openStreams = new Set<OpenStream>()
  const keepAlive = setInterval(() => {
    const now = Date.now()
    for (const s of openStreams) if (now - s.lastWrite >= keepAliveMs) s.write(': keep-alive\n\n')
  }, Math.max(100, keepAliveMs / 4))
  keepAlive.unref()
  fastify.addHook('onClose', async () => clearInterval(keepAlive))

  // Any origin, no credentials; preflights reflect the requested headers (Authorization, x-stainless-*).
  // @fastify/cors answers preflights through one catch-all OPTIONS route, so the path decides here: the
  // cookie-authenticated routes (/auth, /v1/keys) stay same-origin.
  const openCors = { origin: '*', credentials: false, methods: ['GET', 'POST', 'OPTIONS'], maxAge: 86400, exposedHeaders: ['x-request-id', 'retry-after', 'x-should-retry'] }
  const noCors = { origin: false }
  await fastify.register(cors, () => (req: { url?: string }, cb: (err: Error | null, opts: object) => void) => {
    const url = req.url ?? ''
    cb(null, !url.startsWith('/v1/') || url.startsWith('/v1/keys') ? noCors : openCors)
  })

  const catalog = createModelCatalog({
    fetchDetails: () => puter.modelDetails(),
    ttlMs: config.MODELS_CACHE_TTL_SECONDS * 1000,
    onRefreshError: (err) => fastify.log.warn({ err }, 'model list refresh failed; serving the cached list')
  })

  async function loadModels () {
    try {
      return await catalog.list()
    } catch (err) {
      fastify.log.warn({ err }, 'could not fetch the model list from Puter')
      throw err instanceof PuterNetworkError ? networkError(err) : new errors.UpstreamFailed('Puter did not return its model list; try again later.')
    }
  }

  fastify.get('/models', {
    onRequest: fastify.requireApiKey,
    schema: {
      tags,
      security,
      summary: 'List models',
      description: "Puter's chat models, cached; each may carry context_length, max_output_tokens, pricing and aliases.",
      response: { 200: ModelListSchema, ...errorResponses(401, 502, 504) }
    }
  }, async () => ({ object: 'list' as const, data: await loadModels() }))

  fastify.get('/models/*', {
    onRequest: fastify.requireApiKey,
    schema: {
      tags,
      security,
      summary: 'Retrieve a model',
      description: 'Matches model ids and aliases, including ids with `/` and `:` (e.g. `openrouter:meta-llama/llama-3.3-70b-instruct`).',
      params: Type.Object({ '*': Type.String({ description: 'The model id or an alias' }) }),
      response: { 200: ModelSchema, ...errorResponses(401, 404, 502, 504) }
    }
  }, async (request) => {
    const id = request.params['*']
    await loadModels()
    const model = await catalog.get(id)
    if (!model) throw withDetails(new errors.ModelNotFound(id), { param: 'model' })
    return model
  })

  fastify.post('/chat/completions', {
    onRequest: fastify.requireApiKey,
    schema: {
      tags,
      security,
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
    const token = fastify.puterTokenFor(request.caller!)
    if (!token) throw new errors.NoPuterAccount()
    const meta = { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model: body.model }
    const includeUsage = body.stream_options?.include_usage === true

    // When the client goes away, tear down the upstream request at once.
    const upstream = new AbortController()
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) upstream.abort() })

    let res
    try {
      res = await puter.driverCall(token, { interface: 'puter-chat-completion', driver: 'ai-chat', method: 'complete', args: toPuterArgs(body) }, upstream.signal)
    } catch (err) {
      if (upstream.signal.aborted) return reply.hijack()
      request.log.warn({ err }, 'Puter chat call failed')
      throw networkError(err)
    }

    const isNdjson = String(res.headers['content-type'] ?? '').includes('ndjson')
    if (res.statusCode !== 200 || !isNdjson) {
      let json: unknown
      try {
        json = await puter.readJson(res)
      } catch (err) {
        if (upstream.signal.aborted) return reply.hijack()
        throw networkError(err)
      }
      if (res.statusCode !== 200 || isPuterFailure(json)) {
        const mapped = puterErrorToOpenAI(res.statusCode, json, res.headers)
        request.log.info({ upstreamStatus: res.statusCode, status: mapped.status, code: mapped.error.code }, 'Puter refused the chat call')
        throw Object.assign(new Error(mapped.error.message), { statusCode: mapped.status, code: mapped.error.code, type: mapped.error.type, param: mapped.error.param, headers: mapped.headers, expose: true })
      }
      const result = (json as { result?: unknown } | null)?.result
      if (result === undefined) throw new errors.UpstreamFailed('Puter answered without a result.')
      const completion = fromPuterResult(result, meta)
      if (!body.stream) return completion
      return reply.headers(SSE_HEADERS).send(completionAsSse(completion, includeUsage) as never)
    }

    if (!body.stream) {
      // Puter streamed although we did not ask: drain and fail clearly rather than guess.
      res.body.destroy()
      throw new errors.UpstreamFailed('Puter answered with a stream to a non-streaming request.')
    }

    // Streaming: each upstream chunk's NDJSON lines are translated as they arrive and written at once, straight to
    // the socket. (Through a PassThrough and Fastify's stream piping the same stream cost ~40% more CPU in the bench.)
    reply.hijack()
    const raw = reply.raw
    // Headers set so far (CORS, nosniff) go out with the SSE ones.
    raw.writeHead(200, { ...reply.getHeaders(), ...SSE_HEADERS } as OutgoingHttpHeaders)
    const translator = createStreamTranslator({ ...meta, includeUsage })
    const splitter = createNdjsonSplitter()
    const stream: OpenStream = {
      lastWrite: Date.now(),
      write (s: string) {
        if (s === '' || raw.destroyed) return true
        stream.lastWrite = Date.now()
        return raw.write(s)
      }
    }
    const { write } = stream
    openStreams.add(stream)
    // The role chunk goes out with the first upstream chunk when that is already here (one write, not two, per
    // stream: on loopback the write syscalls are the largest cost), or on its own right after.
    let role = translator.start()
    const takeRole = () => {
      const r = role
      role = ''
      return r
    }
    const roleTimer = setImmediate(() => write(takeRole()))

    // Plain 'data' events rather than an async iterator: this runs once per upstream chunk of every stream.
    const upstreamBody = res.body
    await new Promise<void>((resolve) => {
      let ended = false
      const done = () => {
        if (ended) return
        ended = true
        clearImmediate(roleTimer)
        openStreams.delete(stream)
        upstreamBody.destroy()
        raw.end()
        resolve()
      }
      upstreamBody.on('data', (chunk: Buffer) => {
        let events = takeRole()
        for (const line of splitter.feed(chunk)) events += translator.push(line)
        if (!write(events) && !raw.destroyed) {
          upstreamBody.pause()
          raw.once('drain', () => upstreamBody.resume())
        }
        if (translator.finished) done()
      })
      upstreamBody.once('end', () => {
        let rest = takeRole()
        for (const line of splitter.end()) rest += translator.push(line)
        write(rest + translator.finish())
        done()
      })
      upstreamBody.once('error', (err: Error) => {
        if (!upstream.signal.aborted) {
          request.log.warn({ err }, 'Puter stream broke off')
          write(takeRole() + translator.push({ type: 'error', message: 'The connection to Puter broke off mid-stream.' }))
        }
        done()
      })
    })
  })
}

export default openaiRoutes
