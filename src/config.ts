// Configuration: one TypeBox schema, validated by @fastify/env (env-schema) from process.env, .env or test data.
import envSchema from 'env-schema'
import { Type, type Static } from '@sinclair/typebox'

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to bind; 0.0.0.0 exposes the server on every interface' }),
  PUTER_API_ORIGIN: Type.String({ pattern: '^https?://[^/]+$', default: 'https://api.puter.com', description: "Origin of Puter's API (no trailing slash)" }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$', description: "The server's public origin as browsers reach it (e.g. https://ai.example.org). Dashboard sign-ins through puter.js are accepted only for the Puter app of this origin; when unset, the origin of the sign-in request itself" })),
  SESSION_TTL_HOURS: Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 24, description: 'Dashboard session lifetime in hours' }),
  DATA_FILE: Type.String({ minLength: 1, default: 'data/api-store.json', description: 'JSON file holding users, sessions and keys' }),
  APP_SECRET: Type.Optional(Type.String({ minLength: 16, description: 'Secret that encrypts tokens and key secrets at rest; generated into a 0600 file beside DATA_FILE when unset' })),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', description: 'pino log level' }),
  TRUST_PROXY: Type.String({ default: 'false', description: "false, true, a hop count, or a comma-separated list of proxy addresses/CIDRs (Fastify's trustProxy)" }),
  KEY_REVEAL: Type.Boolean({ default: true, description: 'Keep an encrypted copy of each key so its owner can reveal it again; false shows a new key once' }),
  MAX_KEYS_PER_USER: Type.Integer({ minimum: 1, default: 1000, description: 'Generous cap on keys per user' }),
  SIGNIN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 20, description: 'Sign-in attempts per minute per client address' }),
  BODY_LIMIT_MB: Type.Number({ exclusiveMinimum: 0, default: 20, description: 'Largest accepted request body, in MiB' }),
  PUTER_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10000, description: 'Timeout to connect to Puter' }),
  PUTER_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 300000, description: "Timeout waiting for Puter's response headers and between streamed bytes" }),
  MODELS_CACHE_TTL_SECONDS: Type.Integer({ minimum: 0, default: 300, description: 'How long the model list is cached before a background refresh' }),
  PUTER_MAX_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 10000, default: 256, description: 'Most sockets open to Puter at once; further calls wait for one (keeps the process clear of its file-descriptor limit)' }),
  MAX_STREAM_SECONDS: Type.Integer({ minimum: 1, default: 3600, description: 'Longest a streamed answer may stay open; longer streams are ended with an error event' }),
  KEY_MAX_CONCURRENCY: Type.Integer({ minimum: 1, default: 16, description: 'Requests one API key may have in flight at once (streams included); more get 429' }),
  AUTH_FAILURE_LIMIT: Type.Integer({ minimum: 1, default: 30, description: 'Failed API-key authentications per minute per client address before they are answered 429' }),
  STREAM_KEEPALIVE_SECONDS: Type.Number({ exclusiveMinimum: 0, default: 15, description: 'Seconds of stream silence before a keep-alive comment is sent' }),
  USAGE_FLUSH_SECONDS: Type.Number({ exclusiveMinimum: 0, default: 10, description: "How often keys' last-used times and counters are written to the store" }),
  PUTER_AUTH_TOKEN: Type.Optional(Type.String({ minLength: 1, description: 'Fallback mode: server-wide Puter token used by APP_API_KEYS' })),
  APP_API_KEYS: Type.Optional(Type.String({ description: 'Fallback mode: comma-separated static API keys' }))
})

export type Config = Static<typeof ConfigSchema>

/**
 * Validates configuration with env-schema, the validator behind @fastify/env. It runs before Fastify is created
 * so that constructor options (log level, trustProxy, body limit) come from the same validated values.
 * `useEnv` reads process.env and .env (the server); tests pass values in `data` only.
 */
export function loadConfig (data: Record<string, unknown> = {}, useEnv = false): Config {
  try {
    return envSchema<Config>({ schema: structuredClone(ConfigSchema), data, env: useEnv, dotenv: useEnv })
  } catch (err) {
    throw new Error(`Invalid configuration: ${(err as Error).message}`, { cause: err })
  }
}

/** TRUST_PROXY as Fastify's trustProxy option: boolean, hop count, or address list. */
export function trustProxyOption (value: string): boolean | string | ((address: string, hop: number) => boolean) {
  const v = value.trim().toLowerCase()
  if (v === '' || v === 'false') return false
  if (v === 'true') return true
  if (/^\d+$/.test(v)) {
    const hops = Number(v)
    return (_address, hop) => hop < hops
  }
  return value
}
