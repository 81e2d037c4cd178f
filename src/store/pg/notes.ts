// What one instance tells the others through NOTIFY once a change is committed: ids and change types, never a secret.
// A payload is JSON {"o": origin, "c": [notes]}, cut into several when it would exceed NOTIFY's 8000 bytes.

export type Note =
  | { t: 'key-created' | 'key-updated' | 'key-deleted', k: string, u: string }
  | { t: 'user-updated' | 'user-deleted', u: string }
  | { t: 'session-deleted' }
  /** Usage written for these keys: their totals and spend are read again. */
  | { t: 'usage', k: string[] }
  /** Everything may have changed (an import): every cache is loaded again. */
  | { t: 'reload' }
  /** Another instance needs units of this shared limit: an instance holding some it does not use gives them back. */
  | { t: 'shares-wanted', r: string }

const MAX_PAYLOAD = 7000

/** The payloads that carry `notes`, each under NOTIFY's limit (a long list of usage keys is cut into several notes). */
export function sendNotes (origin: string, notes: Note[]): string[] {
  const payloads: string[] = []
  let current: string[] = []
  let size = 0
  const head = JSON.stringify({ o: origin, c: [] }).length
  const push = (text: string) => {
    if (current.length > 0 && head + size + text.length + 1 > MAX_PAYLOAD) {
      payloads.push(`{"o":${JSON.stringify(origin)},"c":[${current.join(',')}]}`)
      current = []
      size = 0
    }
    current.push(text)
    size += text.length + 1
  }
  for (const note of notes) {
    if (note.t === 'usage') {
      // About 25 bytes a key: a few hundred keys per note.
      for (let i = 0; i < note.k.length; i += 200) push(JSON.stringify({ t: 'usage', k: note.k.slice(i, i + 200) }))
    } else {
      push(JSON.stringify(note))
    }
  }
  if (current.length > 0) payloads.push(`{"o":${JSON.stringify(origin)},"c":[${current.join(',')}]}`)
  return payloads
}

/** The notes of a payload and who sent them; null for a payload this version cannot read (it is ignored). */
export function readNotes (payload: string): { origin: string, notes: Note[] } | null {
  try {
    const parsed = JSON.parse(payload)
    if (typeof parsed?.o !== 'string' || !Array.isArray(parsed.c)) return null
    return { origin: parsed.o, notes: parsed.c.filter((n: any) => typeof n?.t === 'string') }
  } catch {
    return null
  }
}
