// The JSON backend's keys: minted, listed, changed, rotated and revoked by their owner, and found on every request
// from memory by the digest of their current secret or, during a rotation's grace, of the one it replaced.
import type { SecretBox } from '../crypto.ts'
import type { createChangeEmitter } from '../changes.ts'
import { KEY_PREFIX, applyKeyPatch, mintKey, mintSecret, revealSecret } from '../records.ts'
import { keyView, type createUsageBuffer } from '../usage.ts'
import type { KeyRecord, Store } from '../types.ts'
import { errors } from '../../errors.ts'
import type { createCommitQueue } from './commit-queue.ts'
import type { KeyIndex, StoreDocument } from './document.ts'

interface KeyDeps {
  queue: ReturnType<typeof createCommitQueue<StoreDocument>>
  box: SecretBox
  changes: ReturnType<typeof createChangeEmitter>
  usage: Pick<ReturnType<typeof createUsageBuffer>, 'get'>
  /** Forgets what is kept in memory of a revoked key (spend, recent requests). */
  forgetKey: (keyId: string) => void
  /** The index of the committed document (rebuilt on each commit). */
  keyIndex: () => KeyIndex
  now: () => number
}

type KeyOps = Pick<Store, 'createKey' | 'listKeys' | 'getKey' | 'updateKey' | 'rotateKey' | 'revealKey' | 'deleteKey' | 'findKey' | 'keyById'>

export function createKeyOps ({ queue, box, changes, usage, forgetKey, keyIndex, now }: KeyDeps): KeyOps {
  const iso = (ms = now()) => new Date(ms).toISOString()
  const view = (k: KeyRecord) => keyView(k, usage.get(k.id), now())
  const ownKey = (userId: string, id: string): KeyRecord | undefined => {
    const k = Object.hasOwn(queue.doc.keys, id) ? queue.doc.keys[id] : undefined
    return k?.userId === userId ? k : undefined
  }

  /** Changes a key of the user's in one write, then emits key-updated; undefined when it is not theirs. */
  async function changeKey (userId: string, id: string, change: (key: KeyRecord) => void): Promise<KeyRecord | undefined> {
    if (!ownKey(userId, id)) return undefined
    const key = await queue.mutate((draft) => {
      const cur = draft.keys[id]
      if (!cur || cur.userId !== userId) return undefined
      change(cur)
      cur.updatedAt = iso()
      return cur
    })
    if (key) changes.emit({ type: 'key-updated', keyId: id, userId })
    return key
  }

  return {
    async createKey (userId, input) {
      const { key, record } = mintKey(box, userId, input, iso())
      await queue.mutate((draft) => {
        let count = 0
        for (const k of Object.values(draft.keys)) if (k.userId === userId) count++
        if (count >= input.maxKeys) throw new errors.KeyLimitReached(input.maxKeys)
        draft.keys[record.id] = record
      })
      changes.emit({ type: 'key-created', keyId: record.id, userId })
      return { ...view(record), key }
    },

    async listKeys (userId) {
      return Object.values(queue.doc.keys)
        .filter((k) => k.userId === userId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map(view)
    },

    async getKey (userId, id) {
      const k = ownKey(userId, id)
      return k && view(k)
    },

    async updateKey (userId, id, patch) {
      const key = await changeKey(userId, id, (cur) => applyKeyPatch(cur, patch))
      return key && view(key)
    },

    async rotateKey (userId, id, graceMs) {
      const current = ownKey(userId, id)
      if (!current) return undefined
      // The secret is kept (for KEY_REVEAL) only if the key kept its first one.
      const { key: plain, ...sealed } = mintSecret(box, current.secret !== undefined)
      const key = await changeKey(userId, id, (cur) => {
        const graceUntil = now() + (Number.isFinite(graceMs) ? graceMs : 0)
        if (graceMs > 0) cur.previous = { digest: cur.digest, expiresAt: iso(graceUntil) }
        else delete cur.previous
        delete cur.secret
        Object.assign(cur, sealed)
      })
      return key && { ...view(key), key: plain }
    },

    async revealKey (userId, id) {
      return revealSecret(box, id, ownKey(userId, id))
    },

    async deleteKey (userId, id) {
      if (!ownKey(userId, id)) return false
      const deleted = await queue.mutate((draft) => {
        const cur = draft.keys[id]
        if (!cur || cur.userId !== userId) return false
        delete draft.keys[id]
        return true
      })
      if (deleted) {
        forgetKey(id)
        changes.emit({ type: 'key-deleted', keyId: id, userId })
      }
      return deleted
    },

    findKey (plainKey) {
      if (!plainKey.startsWith(KEY_PREFIX)) return undefined
      const found = keyIndex().get(box.digest(plainKey))
      // A rotated-out secret's grace is checked here, by the store's clock: no timer has to remove it.
      if (found === undefined || (found.until !== Infinity && !(found.until > now()))) return undefined
      return queue.doc.keys[found.id]
    },

    keyById (id) {
      return Object.hasOwn(queue.doc.keys, id) ? queue.doc.keys[id] : undefined
    }
  }
}
