// Whether stored data was written under this APP_SECRET: a keyed check value kept with the data, or, for data from
// before it was kept, a few stored secrets that must decrypt. Every backend refuses to start on data that fails it.
import { sameDigest, type SecretBox } from './crypto.ts'
import { errors } from '../errors.ts'

// A fixed label: its digest under the lookup key says which secret wrote the data, and reveals nothing of it.
const CHECK_LABEL = 'puter-api-key-studio/app-secret-check/v1'
// Enough sealed values that one edited by hand does not stop the start; all of them fail under another secret.
const SAMPLE = 5

/** The check value of this secret, to keep with the data. */
export function secretCheckValue (box: SecretBox): string {
  return box.digest(CHECK_LABEL)
}

/**
 * Throws errors.StoreLoadFailed when the data (named by `where`, e.g. "The data file /data/api-store.json") was
 * written under another secret: its check value differs or, without one, none of the first sealed values decrypts.
 * Data holding neither (new, or with no user yet) passes.
 */
export function verifyAppSecret (box: SecretBox, where: string, stored: { check: string | undefined, sealed: Iterable<string> }): void {
  if (stored.check !== undefined) {
    if (!sameDigest(stored.check, secretCheckValue(box))) throw wrongSecret(where)
    return
  }
  let tried = 0
  for (const sealed of stored.sealed) {
    if (decrypts(box, sealed)) return
    if (++tried >= SAMPLE) break
  }
  if (tried > 0) throw wrongSecret(where)
}

function decrypts (box: SecretBox, sealed: string): boolean {
  try {
    box.decrypt(sealed)
    return true
  } catch {
    return false
  }
}

function wrongSecret (where: string) {
  return new errors.StoreLoadFailed(
    `${where} was written with a different APP_SECRET than the one this server has now; it was left untouched. ` +
    'Restore the APP_SECRET (or app-secret.key) it was written with, or move the file away to start empty; keys and ' +
    'sign-ins in it cannot be used without it.')
}
