// The records every store backend keeps (users, sessions, keys), as TypeBox schemas, and how a new key is minted.
import { Type } from '@sinclair/typebox'
import { randomToken, type SecretBox } from './crypto.ts'

export const UserRecordSchema = Type.Object({
  uuid: Type.String(),
  username: Type.String(),
  token: Type.String({ description: 'Newest Puter token, encrypted' }),
  tokenKind: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('app')], { description: "The person's own token, or an app-under-user token of this server's Puter app; absent in files written before it was recorded" })),
  appUid: Type.Optional(Type.String({ description: 'For an app token: the Puter app it was issued to' })),
  disabledAt: Type.Optional(Type.String({ description: 'When an administrator disabled the user; absent while the user may sign in and use keys' })),
  createdAt: Type.String(),
  updatedAt: Type.String()
})

export const SessionRecordSchema = Type.Object({
  userId: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String()
})

// The `default`s are what records written before these totals existed load with (see json/document.ts).
const UsageTotalsFields = {
  lastUsedAt: Type.Union([Type.String(), Type.Null()], { description: 'When the key last authenticated a request' }),
  requestCount: Type.Integer({ minimum: 0, description: 'Requests made with the key, failed ones included' }),
  errorCount: Type.Integer({ minimum: 0, default: 0, description: 'Requests that failed' }),
  inputTokens: Type.Integer({ minimum: 0, default: 0, description: 'Input tokens Puter reported' }),
  outputTokens: Type.Integer({ minimum: 0, default: 0, description: 'Output tokens Puter reported' })
}

export const UsageTotalsSchema = Type.Object(UsageTotalsFields)

export const KeyRecordSchema = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  name: Type.String(),
  digest: Type.String({ description: 'Keyed digest of the full key, the only way keys are looked up' }),
  preview: Type.String(),
  secret: Type.Optional(Type.String({ description: 'The key, encrypted, kept only when KEY_REVEAL is on' })),
  createdAt: Type.String(),
  ...UsageTotalsFields
})

export const KEY_PREFIX = 'sk-'

/** First and last characters of a key, to recognise it by. */
function keyPreview (key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 4)}…${key.slice(-4)}`
}

/** A new random `sk-` key and its record; the plaintext leaves the store only in the answer to its creation. */
export function mintKey (box: SecretBox, userId: string, input: { name?: string, keepSecret: boolean }, createdAt: string) {
  const key = KEY_PREFIX + randomToken(36)
  const record = {
    id: 'key_' + randomToken(12),
    userId,
    name: input.name?.trim() || 'Untitled key',
    digest: box.digest(key),
    preview: keyPreview(key),
    ...(input.keepSecret ? { secret: box.encrypt(key) } : {}),
    createdAt,
    lastUsedAt: null,
    requestCount: 0,
    errorCount: 0,
    inputTokens: 0,
    outputTokens: 0
  }
  return { key, record }
}
