// The JSON backend's file: one document holding every record, loaded whole and refused (left untouched) when corrupt.
import { readFile, chmod } from 'node:fs/promises'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { KeyRecordSchema, SessionRecordSchema, UserRecordSchema } from '../records.ts'
import { errors } from '../../errors.ts'

export const StoreDocumentSchema = Type.Object({
  version: Type.Literal(1),
  secretCheck: Type.Optional(Type.String({ description: 'Digest of a fixed label under APP_SECRET: tells a start with another secret (see secret-check.ts); added by the first write' })),
  users: Type.Record(Type.String(), UserRecordSchema),
  sessions: Type.Record(Type.String({ description: 'Digest of the session cookie' }), SessionRecordSchema),
  keys: Type.Record(Type.String(), KeyRecordSchema)
})

export type StoreDocument = Static<typeof StoreDocumentSchema>

function emptyDocument (): StoreDocument {
  return { version: 1, users: {}, sessions: {}, keys: {} }
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
  fillUsageTotals(parsed)
  if (!Value.Check(StoreDocumentSchema, parsed)) {
    const first = Value.Errors(StoreDocumentSchema, parsed).First()
    throw new errors.StoreLoadFailed(`Data file ${file} does not have the expected structure (${first?.path || '/'}: ${first?.message}); it was left untouched`)
  }
  // Tighten permissions of files made by older versions or by hand.
  await chmod(file, 0o600).catch(() => {})
  return parsed
}

/** Keys written before errors and tokens were counted lack those totals: they load as 0 (the schema's defaults). */
function fillUsageTotals (parsed: unknown) {
  const keys = (parsed as { keys?: unknown } | null)?.keys
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return
  for (const key of Object.values(keys)) {
    if (typeof key === 'object' && key !== null) Value.Default(KeyRecordSchema, key)
  }
}

/** Key digest -> key id, for O(1) look-ups of presented keys. */
export function buildKeyIndex (doc: StoreDocument): Map<string, string> {
  const index = new Map<string, string>()
  for (const k of Object.values(doc.keys)) index.set(k.digest, k.id)
  return index
}
