// Puter's HTTP API over one keep-alive undici pool: /whoami, the model catalogue and /drivers/call.
import type { EventEmitter } from 'node:events'
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici'

interface PuterClientOptions {
  origin: string
  connectTimeoutMs: number
  /** Timeout for response headers and between body bytes. */
  timeoutMs: number
  /** Most sockets open at once; calls beyond it wait in undici's queue. */
  maxConnections?: number
}

interface PuterUser {
  uuid: string
  username: string
  /** true for the person's own tokens (session, full-access API token); absent on app-under-user tokens. */
  is_user_token?: boolean
  /** The uid of the app an app-under-user token was issued to. */
  app_name?: string
  [k: string]: unknown
}

/** Puter answered with an error status or a legacy `{success:false}` envelope. */
export class PuterHttpError extends Error {
  readonly statusCode: number
  readonly body: unknown
  readonly headers: Record<string, string | string[] | undefined>
  constructor (statusCode: number, body: unknown, headers: Record<string, string | string[] | undefined> = {}) {
    super(`Puter answered ${statusCode}`)
    this.name = 'PuterHttpError'
    this.statusCode = statusCode
    this.body = body
    this.headers = headers
  }
}

/** Puter could not be reached, or the connection failed. */
export class PuterNetworkError extends Error {
  readonly timedOut: boolean
  constructor (timedOut: boolean, options?: { cause?: unknown }) {
    super(timedOut ? 'Puter did not answer in time' : 'Puter could not be reached', options)
    this.name = 'PuterNetworkError'
    this.timedOut = timedOut
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/** Turns undici/network failures into PuterNetworkError; abort errors pass through untouched. */
function wrapNetworkError (err: any): Error {
  if (err?.name === 'AbortError' || err instanceof undiciErrors.RequestAbortedError) return err
  if (err instanceof PuterHttpError || err instanceof PuterNetworkError) return err
  return new PuterNetworkError(TIMEOUT_CODES.has(err?.code), { cause: err })
}

export function createPuterClient (opts: PuterClientOptions) {
  const pool = new Pool(opts.origin, {
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 30_000,
    pipelining: 1,
    connections: opts.maxConnections ?? null
  })

  async function send (options: Omit<Dispatcher.RequestOptions, 'origin'>): Promise<Dispatcher.ResponseData> {
    try {
      return await pool.request(options)
    } catch (err) {
      throw wrapNetworkError(err)
    }
  }

  async function readJson (res: Dispatcher.ResponseData): Promise<unknown> {
    try {
      const text = await res.body.text()
      return text ? JSON.parse(text) : null
    } catch (err) {
      if (err instanceof SyntaxError) return null
      throw wrapNetworkError(err)
    }
  }

  return {
    origin: opts.origin,

    /** Validates a token and returns who it belongs to. */
    async whoami (token: string): Promise<PuterUser> {
      const res = await send({ method: 'GET', path: '/whoami', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
      const body = await readJson(res)
      if (res.statusCode !== 200) throw new PuterHttpError(res.statusCode, body, res.headers)
      const user = body as Partial<PuterUser> | null
      if (!user || typeof user.uuid !== 'string' || typeof user.username !== 'string') {
        throw new PuterHttpError(502, { error: 'Unexpected /whoami answer' })
      }
      return user as PuterUser
    },

    /** The uid of the Puter app that Puter derives from a web origin (the app puter.js sign-in issues tokens to there). */
    async appUidFromOrigin (token: string, origin: string): Promise<string> {
      const res = await send({
        method: 'POST',
        path: '/auth/app-uid-from-origin',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ origin })
      })
      const body = await readJson(res) as { uid?: unknown } | null
      if (res.statusCode !== 200) throw new PuterHttpError(res.statusCode, body, res.headers)
      if (typeof body?.uid !== 'string' || body.uid === '') throw new PuterHttpError(502, { error: 'Unexpected /auth/app-uid-from-origin answer' })
      return body.uid
    },

    /** A public model catalogue: `/puterai/chat/models/details`, or the image models' (`/puterai/image/models/details`). */
    async modelDetails (kind: 'chat' | 'image' = 'chat'): Promise<Array<Record<string, unknown>>> {
      const res = await send({ method: 'GET', path: `/puterai/${kind}/models/details`, headers: { accept: 'application/json' } })
      const body = await readJson(res) as { models?: unknown } | null
      if (res.statusCode !== 200 || !Array.isArray(body?.models)) throw new PuterHttpError(res.statusCode === 200 ? 502 : res.statusCode, body, res.headers)
      return body.models
    },

    /**
     * Calls `/drivers/call`. Resolves with the raw response once headers arrive, so that streams can be piped
     * as they come; the caller reads or discards the body. Aborting `signal` tears the upstream request down.
     */
    driverCall (token: string, call: { interface: string, driver?: string, method: string, args: unknown }, signal?: AbortSignal | EventEmitter) {
      return send({
        method: 'POST',
        path: '/drivers/call',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(call),
        signal
      })
    },

    readJson,

    close () {
      return pool.close()
    }
  }
}

export type PuterClient = ReturnType<typeof createPuterClient>
