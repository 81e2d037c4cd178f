// One driver call for a request, as every AI route makes it: a turn in the caller's Puter account queue (nothing is
// sent to Puter or to the client while it waits), the call with the caller's token, aborted when the client goes
// away, and Puter's own 429 too_many_requests retried with puter.js's backoff. The relay streams or answers what
// comes back; the image and audio routes read it themselves.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { PuterClient } from '../puter/client.ts'
import { accountLimitHit, isPuterFailure, networkFailure, puterFailure } from '../puter/failures.ts'
import { errors, withDetails } from '../errors.ts'
import type { PuterQueue, Slot } from './puter-queue.ts'
import { debugEnabled } from '../logging.ts'

export interface DriverCall {
  interface: string
  driver?: string
  method: string
  args: Record<string, unknown>
}

/** Puter's answer to a call sent for a request: the body is the caller's to read, pipe or destroy, then release the slot. */
export interface Sent {
  res: Awaited<ReturnType<PuterClient['driverCall']>>
  slot: Slot
  upstream: UpstreamAbort
  /** When the request's call began (queueing included). */
  started: number
}

/**
 * Aborts the call to Puter: an EventEmitter that undici takes as its `signal` ("AbortSignal | EventEmitter" in its
 * docs; `abort` is the event it listens for). Node's AbortController is an EventTarget: creating one and adding and
 * removing undici's listener took ~5 µs per request here, an emitter well under 1 µs. undici handles both alike (the
 * request fails with an abort error, a body under way is destroyed).
 */
export class UpstreamAbort extends EventEmitter {
  aborted = false

  abort (): void {
    if (this.aborted) return
    this.aborted = true
    this.emit('abort')
  }
}

/** puter.js's waits between its 9 attempts at a call Puter refused with 429 too_many_requests (networkUtils.js). */
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 2000, 2000, 2000, 2000]

/** Stands in for a queue's slot when the relay has no queue. */
const NO_SLOT = { accepted () {}, refused () {}, release () {} } as unknown as Slot

/** Resolves after `ms`, or false at once when the client goes away. */
function pause (ms: number, upstream: UpstreamAbort): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      upstream.removeListener('abort', onAbort)
      resolve(true)
    }, ms)
    upstream.once('abort', onAbort)
  })
}

// The last fallback-mode token and its digest: one token serves every request there, so it is hashed once.
let lastToken = ''
let lastTokenAccount = ''

/**
 * The Puter account a call counts against, as Puter's limits key it: the key owner's Puter uuid (the API-key guard
 * sets request.caller), else a digest of the token (fallback mode's single token is one account like any other).
 * No I/O, and no token kept in the queue's keys.
 */
function accountOf (request: FastifyRequest, token: string): string {
  const userId = (request as { caller?: { userId?: string | null } | null }).caller?.userId
  if (typeof userId === 'string') return userId
  if (token !== lastToken) {
    lastTokenAccount = `token:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`
    lastToken = token
  }
  return lastTokenAccount
}

/** The client went away before anything was sent: there is no one to answer. */
export function abandon (reply: FastifyReply): undefined {
  reply.hijack()
  return undefined
}

interface PuterCallerOptions {
  puter: PuterClient
  /** Queueing per Puter account and driver method; without it, calls go straight to Puter. */
  queue?: PuterQueue
  now: () => number
}

export function createPuterCaller (opts: PuterCallerOptions) {
  const { now, queue } = opts

  /**
   * Sends one driver call for a request: a turn in the caller's Puter account queue first (nothing is sent to Puter
   * or to the client while it waits), then the call with the caller's token, aborted when the client goes away, and
   * Puter's own 429s retried. Resolves with Puter's answer (any status), its body unread, and the queue slot it holds,
   * which the caller releases once the body is read or piped; undefined when the client went away.
   */
  async function send (request: FastifyRequest, reply: FastifyReply, token: string, call: DriverCall, outcome: { ttfbMs: number | null }, stream = false): Promise<Sent | undefined> {
    const upstream = new UpstreamAbort()
    const debug = debugEnabled(request.log)
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) upstream.abort() })
    const started = now()
    const account = queue === undefined ? '' : accountOf(request, token)
    let slot = queue === undefined ? NO_SLOT : queue.tryAcquire(account, call)
    if (slot === null) {
      try {
        slot = await queue!.acquire(account, call, upstream)
      } catch (err) {
        if (upstream.aborted) return abandon(reply)
        request.log.info({ method: call.method }, "the request's Puter account had no free slot before the queue's deadline")
        throw err
      }
      if (debug) request.log.debug({ waitedMs: slot.waitedMs }, "waited for a turn in the Puter account's queue")
    }
    if (debug) request.log.debug({ driver: call.driver, method: call.method, model: call.args.model, stream }, 'calling Puter')

    let res
    try {
      res = await opts.puter.driverCall(token, call, upstream)
    } catch (err) {
      slot.release()
      if (upstream.aborted) return abandon(reply)
      request.log.warn({ err }, 'Puter call failed')
      throw networkFailure(err)
    }
    if (res.statusCode === 429 && queue !== undefined) {
      const retried = await retryRefused(request, token, account, call, upstream, res, slot, started)
      if (retried === undefined) return abandon(reply)
      res = retried.res
      slot = retried.slot
    } else {
      slot.accepted()
    }
    outcome.ttfbMs = now() - started
    if (debug) request.log.debug({ upstreamStatus: res.statusCode, ttfbMs: outcome.ttfbMs, contentType: res.headers['content-type'] }, 'Puter answered')
    return { res, slot, upstream, started }
  }

  /**
   * The `result` of a JSON answer (its slot released once read): Puter's error statuses and legacy failure bodies
   * are thrown as named errors, as is an answer with no result. For routes whose answer is one JSON envelope.
   */
  async function resultOf (request: FastifyRequest, sent: Sent): Promise<unknown> {
    let json: unknown
    try {
      json = await opts.puter.readJson(sent.res)
    } catch (err) {
      if (sent.upstream.aborted) throw err
      throw networkFailure(err)
    } finally {
      sent.slot.release()
    }
    if (sent.res.statusCode !== 200 || isPuterFailure(json)) {
      const failure = puterFailure(sent.res.statusCode, json, sent.res.headers)
      request.log.info({ upstreamStatus: sent.res.statusCode, code: (failure as { code?: string }).code }, 'Puter refused the call')
      throw failure
    }
    const result = (json as { result?: unknown } | null)?.result
    if (result === undefined) throw new errors.UpstreamFailed('Puter answered without a result.')
    return result
  }

  /**
   * Puter answered 429. Its own limit (too_many_requests, refused before any work) is retried with puter.js's
   * backoff, each attempt taking a turn in the queue again (first in line), within the queue's deadline; when
   * attempts or time run out, a 429 with retry-after. Any other 429 (the vendor's upstream_rate_limited) is thrown at
   * once. Resolves with the answer that was not a refusal and its slot, or undefined when the client went away.
   */
  async function retryRefused (request: FastifyRequest, token: string, account: string, call: DriverCall, upstream: UpstreamAbort, res: Awaited<ReturnType<PuterClient['driverCall']>>, slot: Slot, started: number) {
    const deadline = started + (queue?.timeoutMs ?? 0)
    for (let attempt = 1; ; attempt++) {
      let json: unknown
      try {
        json = await opts.puter.readJson(res)
      } catch (err) {
        slot.release()
        if (upstream.aborted) return undefined
        throw networkFailure(err)
      }
      const kind = accountLimitHit(res.statusCode, json)
      if (kind === null) {
        slot.accepted()
        slot.release()
        const failure = puterFailure(res.statusCode, json, res.headers)
        request.log.info({ upstreamStatus: res.statusCode, code: (failure as { code?: string }).code }, 'Puter refused the call')
        throw failure
      }
      slot.refused(kind)
      const delay = RETRY_DELAYS_MS[attempt - 1]
      if (queue === undefined || delay === undefined || now() + delay >= deadline) {
        const retry = queue?.retryAfterSeconds(account, call) ?? 1
        request.log.info({ attempts: attempt, limit: kind }, "Puter kept refusing the call: the account's own limit")
        throw withDetails(new errors.PuterAccountThrottled(attempt, kind === 'concurrency' ? 'calls in flight at once' : 'calls per 10 s', retry), {
          headers: { 'retry-after': String(retry), 'x-should-retry': 'true' }
        })
      }
      request.log.info({ attempt, limit: kind, delayMs: delay }, "Puter refused the call (the account's own limit); trying again")
      if (!await pause(delay, upstream)) return undefined
      try {
        slot = await queue.acquire(account, call, upstream, { front: true, timeoutMs: deadline - now() })
      } catch (err) {
        if (upstream.aborted) return undefined
        throw err
      }
      try {
        res = await opts.puter.driverCall(token, call, upstream)
      } catch (err) {
        slot.release()
        if (upstream.aborted) return undefined
        request.log.warn({ err }, 'Puter call failed')
        throw networkFailure(err)
      }
      if (res.statusCode !== 429) {
        slot.accepted()
        return { res, slot }
      }
    }
  }

  return { send, resultOf }
}
