// Page state shared by the tabs, and change events. Secrets live in memory only, never in storage.

export const PASTE = '__paste__'

export const state = {
  /** The signed-in user ({uuid, username}) or null. */
  user: null,
  /** When the session ends (ISO string). */
  expiresAt: null,
  /** Key summaries from GET /v1/keys, newest first; null until loaded. */
  keys: null,
  /** Full keys known to this page (created here or revealed), by key id. Dropped on sign-out. */
  secrets: new Map(),
  /** The key the Playground and Templates use: a key id, PASTE, or ''. */
  keyId: '',
  /** A key pasted by the user (for keys that cannot be revealed). */
  pastedKey: '',
  /** The model the Playground and Templates use. */
  model: 'gpt-4o-mini',
  /** Models from GET /v1/models; null until loaded. */
  models: null
}

const events = new EventTarget()

/** Subscribes to a state change: 'auth', 'keys', 'selection', 'models'. */
export function on (type, fn) {
  events.addEventListener(type, (e) => fn(e.detail))
}

export function emit (type, detail) {
  events.dispatchEvent(new CustomEvent(type, { detail }))
}

/** The full key behind the current selection, when the page has it. */
export function selectedSecret () {
  if (state.keyId === PASTE) return state.pastedKey.trim() || ''
  return state.secrets.get(state.keyId) ?? ''
}

/** The summary of the selected key, if it is one of the user's keys. */
export function selectedKey () {
  return state.keys?.find((k) => k.id === state.keyId) ?? null
}

export function setSelection ({ keyId, model, pastedKey } = {}) {
  let changed = false
  if (keyId !== undefined && keyId !== state.keyId) { state.keyId = keyId; changed = true }
  if (pastedKey !== undefined && pastedKey !== state.pastedKey) { state.pastedKey = pastedKey; changed = true }
  if (model !== undefined && model !== state.model) { state.model = model; changed = true }
  if (changed) emit('selection', state)
}

/** Forgets everything that belongs to the signed-in user. */
export function clearUser () {
  state.user = null
  state.expiresAt = null
  state.keys = null
  state.secrets.clear()
  state.keyId = ''
  state.pastedKey = ''
  state.models = null
}
