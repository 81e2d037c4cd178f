// One upstream call for every AI route (sent through puter-call.ts: the account's queue, the caller's token, abort
// when the client goes away, Puter's 429s retried), answered whole or streamed: backpressure, keep-alive, a cap on
// stream duration, and the outcome (status, Puter's usage, error code) when the call ends. It speaks to Puter through src/puter/ and to the client only through the encoder a route
// hands it.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { OutgoingHttpHeaders } from 'node:http'
import type { PuterClient } from '../puter/client.ts'
import type { NeutralUsage, PuterAnswer, PuterEvent } from '../puter/events.ts'
import { createNdjsonSplitter } from '../puter/ndjson.ts'
import { lineToEvent, normalizeResult, answerToEvents } from '../puter/normalize.ts'
import { isPuterFailure, networkFailure, puterFailure } from '../puter/failures.ts'
import { errors } from '../errors.ts'
import type { PuterQueue } from './puter-queue.ts'
import { abandon, createPuterCaller, type DriverCall, type UpstreamAbort } from './puter-call.ts'
import { debugEnabled } from '../logging.ts'

/** A client API's stream encoding over the neutral events. Each method returns the bytes to write now ('' for none). */
interface StreamEncoder {
  start (): string
  push (event: PuterEvent): string
  finish (): string
  readonly finished: boolean
}

interface RelaySpec<T> {
  call: DriverCall
  stream: boolean
  /** The client API's body for a whole (non-streamed) answer. */
  answer: (answer: PuterAnswer) => T
  /** The client API's stream encoder; asked for only when streaming. */
  encoder: () => StreamEncoder
  /** Headers of a stream answer (content type, no-cache). */
  streamHeaders: Record<string, string>
  /** Written after a silence of keepAliveMs (an SSE comment, Anthropic's ping event). */
  keepAlive: string
}

/** How one AI request went, for usage accounting and logs. */
export interface RelayOutcome {
  usage: NeutralUsage | null
  /** The code of a failure after the answer started (its status was already 200). */
  streamError: string | null
  /** Milliseconds from the start of the call to Puter's first byte. */
  ttfbMs: number | null
}

interface RelayOptions {
  puter: PuterClient
  keepAliveMs: number
  /** Streams open longer than this are ended with an error event. */
  maxStreamMs: number
  /** Queueing per Puter account and driver method; without it, calls go straight to Puter. */
  queue?: PuterQueue
  now?: () => number
}

interface OpenStream {
  keyId: string | null
  /** What to write after a silence. */
  keepAlive: string
  startedAt: number
  lastWrite: number
  write: (s: string) => boolean
  /** Ends the stream early with an error event carrying this message. */
  cut: (code: string, message: string) => void
}

export function createRelay (opts: RelayOptions) {
  const now = opts.now ?? Date.now
  const { queue } = opts
  const { send, resultOf } = createPuterCaller({ puter: opts.puter, queue, now })
  const open = new Set<OpenStream>()
  // One timer for every open stream: keep-alives after silence, and the duration cap.
  const timer = setInterval(() => {
    const at = now()
    for (const s of open) {
      if (at - s.startedAt >= opts.maxStreamMs) s.cut('stream_timeout', `The stream was open longer than the server's limit of ${Math.round(opts.maxStreamMs / 1000)} s and was ended.`)
      else if (at - s.lastWrite >= opts.keepAliveMs) s.write(s.keepAlive)
    }
  }, Math.max(100, Math.min(opts.keepAliveMs, opts.maxStreamMs) / 4))
  timer.unref()

  /**
   * Runs one call for a request and answers it: returns the body of a plain answer (the route returns it), or
   * sends or streams the answer itself and returns undefined. Failures before the first byte are thrown as named errors, so each client API's
   * error handler words them. `outcome` is filled in as the call goes.
   */
  async function run<T> (request: FastifyRequest, reply: FastifyReply, token: string, keyId: string | null, spec: RelaySpec<T>, outcome: RelayOutcome): Promise<T | undefined> {
    const sent = await send(request, reply, token, spec.call, outcome, spec.stream)
    if (sent === undefined) return undefined
    const { res, slot, upstream, started } = sent
    const debug = debugEnabled(request.log)
    const isNdjson = String(res.headers['content-type'] ?? '').includes('ndjson')
    if (res.statusCode !== 200 || !isNdjson) {
      let json: unknown
      try {
        json = await opts.puter.readJson(res)
      } catch (err) {
        if (upstream.aborted) return abandon(reply)
        throw networkFailure(err)
      } finally {
        slot.release()
      }
      if (res.statusCode !== 200 || isPuterFailure(json)) {
        const failure = puterFailure(res.statusCode, json, res.headers)
        request.log.info({ upstreamStatus: res.statusCode, code: (failure as { code?: string }).code }, 'Puter refused the call')
        throw failure
      }
      const result = (json as { result?: unknown } | null)?.result
      if (result === undefined) throw new errors.UpstreamFailed('Puter answered without a result.')
      const answer = normalizeResult(result)
      outcome.usage = answer.usage
      if (debug) request.log.debug({ durationMs: now() - started }, 'Puter answer read')
      if (!spec.stream) return spec.answer(answer)
      // Puter answered a streaming request whole: replay it as a stream, so the client reads what it asked for.
      request.log.debug('Puter answered a stream request with a plain result; replaying it as a stream')
      const encoder = spec.encoder()
      let out = encoder.start()
      for (const event of answerToEvents(answer)) out += encoder.push(event)
      reply.headers(spec.streamHeaders).send(out + encoder.finish())
      return undefined
    }

    if (!spec.stream) {
      res.body.destroy()
      slot.release()
      throw new errors.UpstreamFailed('Puter answered with a stream to a non-streaming request.')
    }
    // A stream holds its slot until it ends, as at Puter.
    try {
      await pipeStream(request, reply, res.body, upstream, keyId, spec, outcome)
    } finally {
      slot.release()
    }
    if (debug) request.log.debug({ durationMs: now() - started, streamError: outcome.streamError }, 'Puter stream ended')
    return undefined
  }

  /**
   * Streams Puter's NDJSON to the client through the encoder, written straight to the socket, at most once per turn
   * of the event loop (through a PassThrough and Fastify's stream piping the same stream cost ~40% more CPU in the
   * bench; a write per upstream chunk, one per line from undici, cost ~20% more than this).
   */
  async function pipeStream (request: FastifyRequest, reply: FastifyReply, body: NodeJS.ReadableStream & { destroy: () => void }, upstream: UpstreamAbort, keyId: string | null, spec: RelaySpec<unknown>, outcome: RelayOutcome): Promise<void> {
    reply.hijack()
    const raw = reply.raw
    // Headers set so far (CORS, nosniff, rate-limit headers) go out with the stream's own (getHeaders() is a copy).
    raw.writeHead(200, Object.assign(reply.getHeaders(), spec.streamHeaders) as OutgoingHttpHeaders)
    const encoder = spec.encoder()
    const splitter = createNdjsonSplitter()
    const at = now()
    let ended = false
    let resolveEnded: () => void
    // Sizes of the stream for a trace line at its end (bytes written are counted only when tracing).
    const tracing = request.log.level === 'trace'
    const totals = { upstreamChunks: 0, upstreamBytes: 0, events: 0, writes: 0, sentBytes: 0 }
    // What the encoder made is written once per turn of the event loop, not once per upstream chunk: the opening
    // event goes out with the first chunk's events, and a stream whose chunks and end arrive together is sent with
    // its end in one write (on loopback the write syscalls are the largest cost). `pending` holds it meanwhile.
    let pending = encoder.start()
    // The stream's helpers are methods of its record, not `const f = () => ...`: under tsx (esbuild keepNames) every
    // such closure costs a defineProperty call per stream.
    const stream: OpenStream & {
      flush (): void
      push (event: PuterEvent | undefined): string
      finish (last?: string): void
    } = {
      keyId,
      keepAlive: spec.keepAlive,
      startedAt: at,
      lastWrite: at,
      write (s: string) {
        const text = pending + s
        pending = ''
        if (text === '' || raw.destroyed) return true
        stream.lastWrite = now()
        totals.writes++
        if (tracing) totals.sentBytes += Buffer.byteLength(text)
        return raw.write(text)
      },
      /** Writes what is pending; pauses Puter's body while the client's socket is full. */
      flush () {
        flushTimer = undefined
        if (!stream.write('') && !raw.destroyed) {
          body.pause()
          raw.once('drain', () => body.resume())
        }
      },
      cut (code, message) {
        if (ended) return
        outcome.streamError = code
        request.log.info({ code }, 'stream ended early')
        upstream.abort()
        stream.finish(encoder.push({ type: 'error', message, code }))
      },
      push (event) {
        if (event === undefined) return ''
        totals.events++
        if (event.type === 'usage') outcome.usage = event.usage
        else if (event.type === 'error') outcome.streamError = event.code ?? 'upstream_error'
        return encoder.push(event)
      },
      /** Ends the stream, what is pending and `last` with the end (one write for all, where a write and an end would be two). */
      finish (last = '') {
        if (ended) return
        ended = true
        if (flushTimer !== undefined) clearImmediate(flushTimer)
        open.delete(stream)
        body.destroy()
        const text = pending + last
        pending = ''
        if (text !== '' && !raw.destroyed) {
          stream.lastWrite = now()
          totals.writes++
          if (tracing) totals.sentBytes += Buffer.byteLength(text)
          raw.end(text)
        } else {
          raw.end()
        }
        // After the last write, which it counts.
        request.log.trace(totals, 'stream totals')
        resolveEnded()
      }
    }
    open.add(stream)
    let flushTimer: NodeJS.Immediate | undefined = setImmediate(() => stream.flush())

    await new Promise<void>((resolve) => {
      resolveEnded = resolve
      body.on('data', (chunk: Buffer) => {
        totals.upstreamChunks++
        totals.upstreamBytes += chunk.length
        let out = ''
        for (const line of splitter.feed(chunk)) out += stream.push(lineToEvent(line))
        if (encoder.finished) {
          stream.finish(out)
          return
        }
        pending += out
        flushTimer ??= setImmediate(() => stream.flush())
      })
      body.once('end', () => {
        let rest = ''
        for (const line of splitter.end()) rest += stream.push(lineToEvent(line))
        stream.finish(rest + encoder.finish())
      })
      body.once('error', (err: Error & { code?: string }) => {
        let last = ''
        if (!upstream.aborted) {
          const timedOut = err.code === 'UND_ERR_BODY_TIMEOUT'
          request.log.warn({ err }, timedOut ? 'Puter stream stalled' : 'Puter stream broke off')
          last = stream.push({ type: 'error', code: timedOut ? 'upstream_timeout' : 'upstream_error', message: timedOut ? 'Puter stopped sending in the middle of the answer (timed out).' : 'The connection to Puter broke off mid-stream.' })
        }
        stream.finish(last)
      })
      raw.once('close', () => stream.finish())
    })
  }

  return {
    run,
    send,
    resultOf,

    /** Ends every open stream of a key (revoked, or its user disabled) with an error event carrying `code`. */
    closeStreamsOf (keyId: string, message: string, code = 'key_revoked'): number {
      let n = 0
      for (const s of open) {
        if (s.keyId === keyId) {
          s.cut(code, message)
          n++
        }
      }
      return n
    },

    get openStreams (): number {
      return open.size
    },

    /** The queue per Puter account (undefined when the relay has none). */
    queue,

    close () {
      clearInterval(timer)
    }
  }
}

export type Relay = ReturnType<typeof createRelay>
