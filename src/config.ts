// Configuration: one TypeBox schema, validated by @fastify/env (env-schema) from process.env, .env or test data.
import { isIP } from 'node:net'
import envSchema, { type EnvSchemaOpt } from 'env-schema'
import { Type, type Static, type TSchema } from '@sinclair/typebox'

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to bind; 0.0.0.0 exposes the server on every interface' }),
  PUTER_API_ORIGIN: Type.String({ pattern: '^https?://[^/]+$', default: 'https://api.puter.com', description: "Origin of Puter's API (no trailing slash)" }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$', description: "The server's public origin as browsers reach it (e.g. https://ai.example.org). Dashboard sign-ins through puter.js are accepted only for the Puter app of this origin; when unset, the origin of the sign-in request itself" })),
  SESSION_TTL_HOURS: Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 24, description: 'Dashboard session lifetime in hours' }),
  DATA_FILE: Type.String({ minLength: 1, default: 'data/api-store.json', description: 'JSON file holding users, sessions and keys' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL connection URL (postgres://user:password@host:5432/db): the store is then the database, shared by any number of instances, instead of DATA_FILE. Unset: the JSON file' })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Most connections each instance opens to the database (one more is kept for LISTEN)' }),
  DATABASE_SSL: Type.Union(['off', 'require', 'verify-full'].map((l) => Type.Literal(l)), { default: 'off', description: "TLS to the database: off (as the URL's sslmode says), require (encrypted, certificate not checked), verify-full (encrypted, certificate and host name checked against Node's CAs and NODE_EXTRA_CA_CERTS)" }),
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
  PUTER_QUEUE_TIMEOUT_SECONDS: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 60, description: "Longest an AI request waits for a turn in its Puter account's queue (and retries Puter's own 429s) before it is answered 429 with Retry-After" }),
  PUTER_ACCOUNT_CONCURRENCY_MIN: Type.Integer({ minimum: 1, maximum: 100000, default: 1, description: "Lowest the adaptive limit of AI calls in flight per Puter account and driver method may shrink to on Puter's 429s. The limit starts at 3 (Puter's free tier) or this minimum when higher; equal MIN and MAX pin it" }),
  PUTER_ACCOUNT_CONCURRENCY_MAX: Type.Integer({ minimum: 1, maximum: 100000, default: 20, description: "Highest the adaptive limit of AI calls in flight per Puter account and driver method may grow to while Puter accepts them (20: Puter's paid plans); equal MIN and MAX pin it" }),
  PUTER_ACCOUNT_WINDOW_MIN: Type.Integer({ minimum: 1, maximum: 10000000, default: 10, description: "Lowest the adaptive limit of AI calls per 10 s (sliding window) per Puter account and driver method may shrink to on Puter's 429s. It starts at 30 (Puter's free tier) or this minimum when higher; equal MIN and MAX pin it" }),
  PUTER_ACCOUNT_WINDOW_MAX: Type.Integer({ minimum: 1, maximum: 10000000, default: 200, description: "Highest the adaptive limit of AI calls per 10 s per Puter account and driver method may grow to (200: Puter's paid plans); equal MIN and MAX pin it" }),
  KEY_MAX_CONCURRENCY: Type.Integer({ minimum: 1, default: 16, description: 'Requests one API key may have in flight at once (streams included); more get 429' }),
  AUTH_FAILURE_LIMIT: Type.Integer({ minimum: 1, default: 30, description: 'Failed API-key authentications per minute per client address before they are answered 429' }),
  STREAM_KEEPALIVE_SECONDS: Type.Number({ exclusiveMinimum: 0, default: 15, description: 'Seconds of stream silence before a keep-alive comment is sent' }),
  USAGE_FLUSH_SECONDS: Type.Number({ exclusiveMinimum: 0, default: 10, description: "How often keys' last-used times and counters are written to the store" }),
  USAGE_RETENTION_DAYS: Type.Integer({ minimum: 31, maximum: 3660, default: 400, description: 'Days of per-key, per-model usage kept (older days are pruned at the next flush); at least 31, so a monthly budget always sees its whole month' }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'Serves GET /metrics (Prometheus) on the main port to requests with Authorization: Bearer <this token>. Unset (and no METRICS_PORT): no /metrics at all' })),
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'Serves GET /metrics without a token on this port of METRICS_HOST, a second listener for a scraper on the same machine (0: any free port)' })),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address of the METRICS_PORT listener; keep it on loopback (it asks for no token), or firewall it' }),
  DRAIN_SECONDS: Type.Optional(Type.Number({ minimum: 0, maximum: 300, description: 'On SIGTERM/SIGINT, seconds GET /health/ready answers 503 while requests are still served, so a load balancer stops sending before the server closes. Unset: 5 when HOST is not a loopback address, 0 on loopback (development)' })),
  PUTER_AUTH_TOKEN: Type.Optional(Type.String({ minLength: 1, description: 'Fallback mode: server-wide Puter token used by APP_API_KEYS' })),
  APP_API_KEYS: Type.Optional(Type.String({ description: 'Fallback mode: comma-separated static API keys' })),
  ALLOWED_PUTER_USERS: Type.Optional(Type.String({ description: 'Comma-separated Puter usernames or uuids that may sign in and mint keys; unset lets anyone with a Puter account in (warned about when HOST is not loopback)' })),
  ADMIN_PUTER_USERS: Type.Optional(Type.String({ description: 'Comma-separated Puter usernames or uuids of administrators: always allowed, they see every user and can disable or re-enable them' }))
})

export type Config = Static<typeof ConfigSchema>

/** What TRUST_PROXY may be, as a start-up message says it. */
const TRUST_PROXY_FORMS = 'false, true, a hop count, or comma-separated proxy addresses/CIDRs (e.g. 1, or 10.0.0.1,192.168.0.0/16)'
const TRUST_PROXY_FORMAT = 'trust-proxy'
// Their values are secrets: a problem with one names it but never prints the value.
const SECRET_VARIABLES = new Set(['APP_SECRET', 'PUTER_AUTH_TOKEN', 'APP_API_KEYS', 'DATABASE_URL', 'METRICS_TOKEN'])

// ajv options over env-schema's defaults: `verbose` puts the refused value in each error, for the message.
// env-schema documents this object form of customOptions, but its types know only the function form.
const AJV_OPTIONS = { customOptions: { verbose: true, formats: { [TRUST_PROXY_FORMAT]: isTrustProxy } } } as unknown as EnvSchemaOpt['ajv']

/** The part of an ajv error used here (the value is there because of `verbose`). */
interface SchemaError { instancePath: string, message?: string, data?: unknown }

/**
 * Validates configuration with env-schema, the validator behind @fastify/env. It runs before Fastify is created
 * so that constructor options (log level, trustProxy, body limit) come from the same validated values.
 * `useEnv` reads process.env and .env (the server); tests pass values in `data` only. A bad value throws an Error
 * with one line per variable: `Invalid configuration: NAME=value is not allowed; use …`.
 */
export function loadConfig (data: Record<string, unknown> = {}, useEnv = false): Config {
  const schema = structuredClone(ConfigSchema)
  // TRUST_PROXY's form is checked here with the other values, so that every problem is listed at once. The format
  // is not in ConfigSchema itself because @fastify/env's own ajv (in buildApp) does not know it.
  schema.properties.TRUST_PROXY.format = TRUST_PROXY_FORMAT
  try {
    return envSchema<Config>({
      schema,
      data,
      env: useEnv,
      dotenv: useEnv,
      ajv: AJV_OPTIONS
    })
  } catch (err) {
    const errors = (err as { errors?: SchemaError[] }).errors
    if (!errors) throw err
    throw new Error(describeProblems(errors).map((line) => `Invalid configuration: ${line}`).join('\n'), { cause: err })
  }
}

/** One line per variable ajv refused (a union of literals yields an error per literal): its value and what it may be. */
function describeProblems (errors: SchemaError[]): string[] {
  const byName = new Map<string, SchemaError>()
  for (const error of errors) {
    const name = error.instancePath.replace(/^\//, '')
    if (!byName.has(name)) byName.set(name, error)
  }
  return [...byName].map(([name, error]) => {
    const schema: TSchema | undefined = (ConfigSchema.properties as Record<string, TSchema>)[name]
    if (!schema) return `${name || 'the configuration'} ${error.message ?? 'is not valid'}`
    return `${shownValue(name, error.data)} is not allowed; use ${allowedValues(name, schema)}`
  })
}

/** NAME=value for the message: quoted when empty or holding spaces, and never the value of a secret. */
function shownValue (name: string, value: unknown): string {
  const text = String(value)
  if (SECRET_VARIABLES.has(name)) return `${name} (${text.length} characters, not shown)`
  return `${name}=${text === '' || /[\s"]/.test(text) ? JSON.stringify(text) : text}`
}

/** What a variable may be, read from its schema so that the message and the check cannot disagree. */
function allowedValues (name: string, schema: TSchema): string {
  if (name === 'TRUST_PROXY') return TRUST_PROXY_FORMS
  if (Array.isArray(schema.anyOf)) return `one of ${schema.anyOf.map((s: TSchema) => s.const).join(', ')}`
  if (schema.type === 'boolean') return 'true or false'
  if (schema.type === 'integer') return `a whole number${bounds(schema)}`
  if (schema.type === 'number') return `a number${bounds(schema)}`
  if (schema.pattern) return `a value matching ${schema.pattern}`
  if (schema.minLength) return `at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'}`
  return `a ${schema.type}`
}

/** The range of a number for a message: ' from 0 to 65535', ' of at least 1', ' above 0 and at most 8760'. */
function bounds (schema: TSchema): string {
  const { minimum, exclusiveMinimum, maximum } = schema
  if (minimum !== undefined && maximum !== undefined) return ` from ${minimum} to ${maximum}`
  const parts = [
    minimum !== undefined ? `at least ${minimum}` : '',
    exclusiveMinimum !== undefined ? `above ${exclusiveMinimum}` : '',
    maximum !== undefined ? `at most ${maximum}` : ''
  ].filter(Boolean).join(' and ')
  return parts === '' ? '' : parts.startsWith('above') ? ` ${parts}` : ` of ${parts}`
}

// Names of address ranges @fastify/proxy-addr knows.
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** Whether TRUST_PROXY has a form Fastify's trustProxy takes: false, true, a hop count, or addresses/CIDRs. */
function isTrustProxy (value: string): boolean {
  const v = value.trim().toLowerCase()
  if (v === '' || v === 'false' || v === 'true' || /^\d+$/.test(v)) return true
  // Entries keep their case: proxy-addr knows its range names in lower case only.
  return value.split(',').every((entry) => isProxyAddress(entry.trim()))
}

/** An address, an address/prefix-length, or a range name: what @fastify/proxy-addr accepts (netmasks aside). */
function isProxyAddress (entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true
  const [address, prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  // proxy-addr refuses a prefix of 0 too.
  return /^\d+$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (family === 4 ? 32 : 128)
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
