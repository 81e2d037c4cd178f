// Logging: pino options that keep secrets out of every line, and a cheap check for the hot path's debug details.
import type { FastifyBaseLogger } from 'fastify'

const SK_PATTERN = /sk-[A-Za-z0-9_-]{8,}/g
/** `name=value` of a query parameter whose name looks like it holds a secret (token, api_key, password, session, code...). */
const SECRET_PARAM = /([?&;][^=&#;\s]*(?:token|key|secret|passw|pwd|session|auth|code|sig|credential)[^=&#;\s]*=)[^&#;\s]*/gi

/** Text (a URL, a log message) with sk- keys and the values of secret-looking query parameters replaced. */
export function scrubSecrets (text: string): string {
  return text.replace(SK_PATTERN, 'sk-[redacted]').replace(SECRET_PARAM, '$1[redacted]')
}

/** Fastify's request serializer, but the URL is scrubbed: clients put keys in URLs (`?api_key=`, a key as a path). */
function serializeRequest (req: { method?: string, url?: string, host?: string, ip?: string, socket?: { remotePort?: number } }) {
  return { method: req.method, url: scrubSecrets(req.url ?? ''), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }
}

/** pino options: every header and field that can hold a secret is redacted, and sk- keys are scrubbed from messages. */
export function loggerOptions (level: string) {
  return {
    level,
    serializers: { req: serializeRequest },
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]',
        'res.headers["set-cookie"]', 'token', '*.token', 'key', '*.key', 'authorization', '*.authorization'
      ],
      censor: '[redacted]'
    },
    hooks: {
      logMethod (this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => typeof a === 'string' ? scrubSecrets(a) : a))
      }
    }
  }
}

/**
 * Whether debug lines are written: the hot path builds its debug objects only then (pino skips the call when the level
 * is off, but the object passed to it would still be built on every request).
 */
export function debugEnabled (log: FastifyBaseLogger): boolean {
  return log.level === 'debug' || log.level === 'trace'
}
