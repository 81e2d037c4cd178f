// The JSON backend's file: one document holding every record, loaded whole and refused (left untouched) when corrupt.
import { readFile, chmod } from 'node:fs/promises'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { KeyRecordSchema, SessionRecordSchema, UserRecordSchema } from '../records.ts'
import type { AuditAction } from '../types.ts'
import { errors } from '../../errors.ts'

const Count = (description: string) => Type.Integer({ minimum: 0, description })

const UsageRowSchema = Type.Object({
  day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day' }),
  model: Type.String({ description: "The model id the requests named ('unknown' when none)" }),
  requests: Count('Requests, failed ones included'),
  errors: Count('Requests that failed'),
  inputTokens: Count('Input tokens, cached ones included'),
  outputTokens: Count('Output tokens, reasoning included'),
  reasoningTokens: Count('Output tokens spent on reasoning'),
  cachedTokens: Count('Input tokens read from a prompt cache'),
  // Added with the image and audio routes: rows written before load as 0 (fillDefaults).
  images: Type.Integer({ minimum: 0, default: 0, description: 'Images generated' }),
  speechCharacters: Type.Integer({ minimum: 0, default: 0, description: 'Characters of text spoken' }),
  audioSeconds: Type.Integer({ minimum: 0, default: 0, description: 'Seconds of audio transcribed or translated' }),
  costMicroUsd: Count('Estimated cost, in millionths of a US dollar')
})

const KeyUsageSchema = Type.Object({
  userId: Type.String({ description: 'The owner: the rows outlive the key (they are the user\'s history) but not the user' }),
  rows: Type.Record(Type.String({ description: 'day|model' }), UsageRowSchema)
})

const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String(),
  userId: Type.String(),
  // Any string loads, so that an action added later does not make this version refuse the file.
  action: Type.Unsafe<AuditAction>(Type.String()),
  keyId: Type.Optional(Type.String()),
  keyName: Type.Optional(Type.String()),
  ip: Type.String(),
  userAgent: Type.String(),
  fields: Type.Optional(Type.Array(Type.String())),
  graceSeconds: Type.Optional(Type.Number())
})

export const StoreDocumentSchema = Type.Object({
  version: Type.Literal(1),
  secretCheck: Type.Optional(Type.String({ description: 'Digest of a fixed label under APP_SECRET: tells a start with another secret (see secret-check.ts); added by the first write' })),
  users: Type.Record(Type.String(), UserRecordSchema),
  sessions: Type.Record(Type.String({ description: 'Digest of the session cookie' }), SessionRecordSchema),
  keys: Type.Record(Type.String(), KeyRecordSchema),
  // The `default`s are what files written before these sections existed load with (see fillDefaults).
  usage: Type.Record(Type.String({ description: 'Key id, of keys revoked since too' }), KeyUsageSchema, { default: {}, description: 'Usage per key, UTC day and model, pruned to USAGE_RETENTION_DAYS' }),
  audit: Type.Record(Type.String({ description: 'User id' }), Type.Array(AuditEntrySchema, { description: 'Oldest first' }), { default: {}, description: "Each user's audit trail, bounded" })
})

export type StoreDocument = Static<typeof StoreDocumentSchema>
export type StoredUsageRow = Static<typeof UsageRowSchema>

function emptyDocument (): StoreDocument {
  return { version: 1, users: {}, sessions: {}, keys: {}, usage: {}, audit: {} }
}

/** The document in the file, an empty one when there is no file; rejects with errors.StoreLoadFailed otherwise. */
export async function loadDocument (file: string): Promise<StoreDocument> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return emptyDocument()
    throw new errors.StoreLoadFailed(`Cannot read data file ${file}: ${err?.code ?? err?.message}`, { cause: err })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new errors.StoreLoadFailed(`Data file ${file} is not valid JSON; it was left untouched. Restore it from a backup or move it away to start empty`, { cause: err })
  }
  fillDefaults(parsed)
  if (!Value.Check(StoreDocumentSchema, parsed)) {
    const first = Value.Errors(StoreDocumentSchema, parsed).First()
    throw new errors.StoreLoadFailed(`Data file ${file} does not have the expected structure (${first?.path || '/'}: ${first?.message}); it was left untouched`)
  }
  // Tighten permissions of files made by older versions or by hand.
  await chmod(file, 0o600).catch(() => {})
  return parsed
}

/**
 * What files from earlier versions lack loads as the schema's defaults: the sections added since (usage, audit) as
 * empty, in each key the totals and settings added since (0, no limits), and in each usage row the counters added
 * since (0). TypeBox does not fill values inside a
 * Record, hence the loop over the keys.
 */
function fillDefaults (parsed: unknown) {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return
  Value.Default(StoreDocumentSchema, parsed)
  const keys = (parsed as { keys?: unknown }).keys
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return
  for (const key of Object.values(keys)) {
    if (typeof key === 'object' && key !== null) Value.Default(KeyRecordSchema, key)
  }
  const usage = (parsed as { usage?: unknown }).usage
  if (typeof usage !== 'object' || usage === null) return
  for (const entry of Object.values(usage)) {
    const rows = (entry as { rows?: unknown } | null)?.rows
    if (typeof rows !== 'object' || rows === null) continue
    for (const row of Object.values(rows)) {
      if (typeof row === 'object' && row !== null) Value.Default(UsageRowSchema, row)
    }
  }
}

/** Where a presented key's digest leads: the key, and until when (a rotated-out secret's grace; Infinity for the current one). */
export type KeyIndex = Map<string, { id: string, until: number }>

/** Key digests (current and rotated-out) -> key id, for O(1) look-ups of presented keys. */
export function buildKeyIndex (doc: StoreDocument): KeyIndex {
  const index: KeyIndex = new Map()
  for (const k of Object.values(doc.keys)) {
    if (k.previous) index.set(k.previous.digest, { id: k.id, until: Date.parse(k.previous.expiresAt) })
  }
  // Current digests last: they win over any rotated-out one.
  for (const k of Object.values(doc.keys)) index.set(k.digest, { id: k.id, until: Infinity })
  return index
}
