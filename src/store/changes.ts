// Change listeners of a store: called after each committed change; one that throws is reported, never breaks the store.
import type { StoreChange, StoreChangeListener } from './types.ts'

export function createChangeEmitter (onListenerError: (err: unknown) => void) {
  // One entry per subscription, so that subscribing the same function twice needs two unsubscriptions.
  const listeners = new Set<{ listener: StoreChangeListener }>()
  return {
    on (listener: StoreChangeListener): () => void {
      const entry = { listener }
      listeners.add(entry)
      return () => { listeners.delete(entry) }
    },
    emit (change: StoreChange) {
      for (const { listener } of listeners) {
        try {
          listener(change)
        } catch (err) {
          onListenerError(err)
        }
      }
    }
  }
}
