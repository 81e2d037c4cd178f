// @ts-check
// Page state shared by the tabs, and the small actions that change it, each emitting its own event. Secrets live in memory only, never in storage.
import { server, ApiError, SESSION_LOST, describeError } from './api.js'
import { kindOf } from './media-apis.js'

/** @import { User, KeySummary, Model, AdminUser, Usage, AuditEntry, KeyRequest } from './api.js' */

/** The key-picker value that means "a key pasted by the user". */
export const PASTE = '__paste__'
export const DEFAULT_MODEL = 'gpt-4o-mini'

/**
 * @typedef {object} State
 * @property {User | null} user the signed-in user, or null
 * @property {boolean} isAdmin whether the signed-in user is an administrator (the Admin tab is shown)
 * @property {AdminUser[] | null} users every user, for the Admin tab; null until loaded
 * @property {string | null} expiresAt when the session ends (ISO string)
 * @property {KeySummary[] | null} keys summaries from GET /v1/keys, newest first; null until loaded
 * @property {Map<string, string>} secrets full keys known to this page (created here or revealed), by key id; dropped on sign-out
 * @property {string} keyId the key the Playground and Templates use: a key id, PASTE, or ''
 * @property {string} pastedKey a key pasted by the user (for keys that cannot be revealed)
 * @property {string} secretProblem why the selection has no usable secret, or '' when it has one
 * @property {string} model the model the Playground and Templates use
 * @property {Model[] | null} models from GET /v1/models, sorted by id; null until loaded
 * @property {string} modelsError why the model list did not load, or ''
 * @property {Usage | null} usage the Usage tab's answer for its date range; null until loaded
 * @property {{ entries: AuditEntry[], nextBefore: string | null } | null} audit the Activity list so far, newest first; null until loaded
 * @property {Map<string, KeyRequest[]>} requests recent requests of the keys whose panel was opened, by key id
 * @property {Model[] | null} catalogue every model, for the allowed-models picker; null until loaded
 * @property {string} catalogueError why the catalogue did not load, or ''
 */

/** @type {State} */
const s = {
  user: null,
  isAdmin: false,
  users: null,
  expiresAt: null,
  keys: null,
  secrets: new Map(),
  keyId: '',
  pastedKey: '',
  secretProblem: '',
  model: DEFAULT_MODEL,
  models: null,
  modelsError: '',
  usage: null,
  audit: null,
  requests: new Map(),
  catalogue: null,
  catalogueError: ''
}

/**
 * The state, read-only outside this module: every change goes through an action below.
 * @type {Readonly<Omit<State, 'keys' | 'secrets' | 'models' | 'users' | 'requests' | 'catalogue'> & { keys: readonly KeySummary[] | null, secrets: ReadonlyMap<string, string>, models: readonly Model[] | null, catalogue: readonly Model[] | null, users: readonly AdminUser[] | null, requests: ReadonlyMap<string, readonly KeyRequest[]> }>}
 */
export const state = s

/**
 * 'auth': signed in, re-confirmed or signed out; 'session-lost': an answer said the session is gone (after 'auth');
 * 'keys': the key list changed; 'secrets': a full key became known; 'selection': key, pasted key or model changed;
 * 'secret': state.secretProblem was worked out again; 'models': the model list loaded, or failed to;
 * 'users': the admin's user list changed; 'usage': the Usage tab's data changed; 'audit': the Activity list changed;
 * 'requests': a key's recent requests loaded; 'catalogue': the whole model catalogue loaded, or failed to.
 * @typedef {'auth' | 'session-lost' | 'keys' | 'secrets' | 'selection' | 'secret' | 'models' | 'users' | 'usage' | 'audit' | 'requests' | 'catalogue'} StateEvent
 */

const events = new EventTarget()

/**
 * Subscribes to a state change; subscribers read `state`.
 * @param {StateEvent} type
 * @param {() => void} fn
 */
export function on (type, fn) {
  events.addEventListener(type, () => fn())
}

/** @param {StateEvent} type */
function emit (type) {
  events.dispatchEvent(new Event(type))
}

/** The secret the model list was last loaded with; '' forces a reload. */
let modelsFor = ''
/** @type {Promise<unknown> | null} */
let revealing = null
/** Whether the catalogue is being loaded. */
let cataloguing = false

// Queries.

/** The full key behind the current selection, when the page has it. */
export function selectedSecret () {
  if (s.keyId === PASTE) return s.pastedKey.trim() || ''
  return s.secrets.get(s.keyId) ?? ''
}

/** The summary of the selected key, if it is one of the user's keys. */
export function selectedKey () {
  return s.keys?.find((k) => k.id === s.keyId) ?? null
}

/**
 * Whether the page has, or can get, the full key.
 * @param {KeySummary} key
 */
export const canUseSecret = (key) => s.secrets.has(key.id) || key.hasSecret

/**
 * The model record for an id or alias.
 * @param {string} id
 */
export function findModel (id) {
  return s.models?.find((m) => m.id === id || m.aliases?.includes(id)) ?? null
}

// Actions.

function forgetUser () {
  s.user = null
  s.isAdmin = false
  s.users = null
  s.expiresAt = null
  s.keys = null
  s.secrets.clear()
  s.keyId = ''
  s.pastedKey = ''
  s.models = null
  s.usage = null
  s.audit = null
  s.requests.clear()
  s.catalogue = null
  s.catalogueError = ''
  modelsFor = ''
}

/**
 * Signs a user in, or re-confirms the one signed in; a different user starts from nothing. Emits 'auth'.
 * @param {User} user
 * @param {string} expiresAt
 * @param {boolean} isAdmin
 */
export function setUser (user, expiresAt, isAdmin) {
  if (s.user?.uuid !== user.uuid) forgetUser()
  s.user = user
  s.expiresAt = expiresAt
  s.isAdmin = isAdmin
  if (!isAdmin) s.users = null
  modelsFor = ''
  emit('auth')
}

/** Forgets everything that belongs to the signed-in user. Emits 'auth'. */
export function clearUser () {
  forgetUser()
  emit('auth')
}

/**
 * Signs out when an answer says the session is gone (emits 'auth', then 'session-lost'). Whether it did.
 * @param {unknown} err
 */
export function sessionLost (err) {
  if (!(err instanceof ApiError) || !err.code || !SESSION_LOST.has(err.code) || !s.user) return false
  clearUser()
  emit('session-lost')
  return true
}

/**
 * Replaces the key list; full keys of keys no longer in it are forgotten. Emits 'keys'.
 * @param {KeySummary[]} list
 */
export function setKeys (list) {
  s.keys = list
  for (const id of [...s.secrets.keys()]) {
    if (!list.some((k) => k.id === id)) s.secrets.delete(id)
  }
  for (const id of [...s.requests.keys()]) {
    if (!list.some((k) => k.id === id)) s.requests.delete(id)
  }
  emit('keys')
}

/**
 * Replaces one key in the list (after its settings changed, or it was rotated). Emits 'keys'.
 * @param {KeySummary} key
 */
export function setKey (key) {
  if (!s.keys) return
  s.keys = s.keys.map((k) => k.id === key.id ? key : k)
  emit('keys')
}

/**
 * Replaces the Usage tab's data. Emits 'usage'.
 * @param {Usage | null} usage
 */
export function setUsage (usage) {
  s.usage = usage
  emit('usage')
}

/**
 * Sets the Activity list to its first page, or (with `append`) adds the next page to it. Emits 'audit'.
 * @param {AuditEntry[]} entries
 * @param {string | null} nextBefore the cursor of the next page; null on the last
 * @param {{ append?: boolean }} [opts]
 */
export function setAudit (entries, nextBefore, { append = false } = {}) {
  const known = append ? s.audit?.entries ?? [] : []
  const ids = new Set(known.map((e) => e.id))
  s.audit = { entries: [...known, ...entries.filter((e) => !ids.has(e.id))], nextBefore }
  emit('audit')
}

/**
 * Sets a key's recent requests. Emits 'requests'.
 * @param {string} keyId
 * @param {KeyRequest[]} list
 */
export function setRequests (keyId, list) {
  s.requests.set(keyId, list)
  emit('requests')
}

/**
 * Replaces the admin's user list, or one user in it (after disabling or enabling them). Emits 'users'.
 * @param {AdminUser[] | AdminUser} change
 */
export function setUsers (change) {
  if (Array.isArray(change)) s.users = change
  else if (s.users) s.users = s.users.map((u) => u.uuid === change.uuid ? change : u)
  emit('users')
}

/**
 * Remembers a full key (created here or revealed), for this page only. Emits 'secrets'.
 * @param {string} id
 * @param {string} key
 */
export function addSecret (id, key) {
  s.secrets.set(id, key)
  emit('secrets')
}

/**
 * The full key of one of the user's keys: known to this page, or revealed by the server. Throws ApiError.
 * @param {string} id
 */
export async function getSecret (id) {
  const known = s.secrets.get(id)
  if (known) return known
  const { key } = await server.revealKey(id)
  addSecret(id, key)
  return key
}

/**
 * Changes what the Playground and Templates use. Emits 'selection' when something changed.
 * @param {{ keyId?: string, model?: string, pastedKey?: string }} change
 */
export function setSelection ({ keyId, model, pastedKey }) {
  let changed = false
  if (keyId !== undefined && keyId !== s.keyId) { s.keyId = keyId; changed = true }
  if (pastedKey !== undefined && pastedKey !== s.pastedKey) { s.pastedKey = pastedKey; changed = true }
  if (model !== undefined && model !== s.model) { s.model = model; changed = true }
  if (changed) emit('selection')
}

/**
 * Works out whether the selected key's secret is usable and, when `reveal` allows it (the Playground or Templates
 * is on screen, so merely opening the dashboard reveals nothing), reveals it when the server can. Emits 'secret',
 * then loads the models for the key.
 * @param {{ reveal: boolean }} opts
 */
export async function ensureSecret ({ reveal }) {
  s.secretProblem = ''
  const key = selectedKey()
  if (s.keyId === PASTE) {
    if (!s.pastedKey.trim()) s.secretProblem = 'Paste the full key (sk-…) to use it here.'
  } else if (!s.keyId) {
    s.secretProblem = s.keys?.length ? 'Choose one of your keys.' : 'Create a key in the API keys tab first.'
  } else if (key && !s.secrets.has(key.id)) {
    if (!key.hasSecret) {
      s.secretProblem = 'This key was shown only once, when it was created (KEY_REVEAL is off): choose “Paste a key…” and paste it.'
    } else if (reveal) {
      revealing ??= getSecret(key.id).catch((err) => {
        if (!sessionLost(err)) s.secretProblem = `Could not reveal this key: ${describeError(err)}`
      }).finally(() => { revealing = null })
      await revealing
    }
  }
  emit('secret')
  // A pasted key is loaded when the field is left (change), not at every keystroke.
  if (s.keyId !== PASTE) loadModels()
}

/**
 * Sets the model list, or (with `error`) says why it did not load. Emits 'models'.
 * @param {Model[] | null} list
 * @param {string} [error]
 */
export function setModels (list, error = '') {
  s.models = list
  s.modelsError = error
  emit('models')
}

/**
 * Loads the whole model catalogue for the allowed-models picker, once, with the session (GET /v1/models lists only
 * what the key it is called with may use). Emits 'catalogue'.
 */
export async function loadCatalogue () {
  if (s.catalogue || cataloguing) return
  cataloguing = true
  try {
    const res = await server.catalogue()
    setCatalogue(res.data)
  } catch (err) {
    if (!sessionLost(err)) setCatalogue(null, `Could not load the model list: ${describeError(err)}`)
  } finally {
    cataloguing = false
  }
}

/**
 * Sets the whole catalogue, sorted by id, or (with `error`) says why it did not load. Emits 'catalogue'.
 * @param {readonly Model[] | null} list
 * @param {string} [error]
 */
function setCatalogue (list, error = '') {
  s.catalogue = list ? list.slice().sort((a, b) => a.id.localeCompare(b.id)) : null
  s.catalogueError = error
  emit('catalogue')
}

/**
 * Loads /v1/models with the selected key (once per key); keeps the chosen model when the list has it, else picks
 * a chat model (state.model is the chat model: the media modes keep their own).
 */
export async function loadModels () {
  const secret = selectedSecret()
  if (!secret || (modelsFor === secret && s.models)) return
  modelsFor = secret
  try {
    const res = await server.listModels(secret)
    if (modelsFor !== secret) return
    const models = res.data.slice().sort((a, b) => a.id.localeCompare(b.id))
    setModels(models)
    const ids = new Set(models.map((m) => m.id))
    if (!ids.has(s.model) && !models.some((m) => m.aliases?.includes(s.model))) {
      setSelection({ model: ids.has(DEFAULT_MODEL) ? DEFAULT_MODEL : (models.find((m) => kindOf(m) === 'chat') ?? models[0])?.id ?? s.model })
    }
  } catch (err) {
    modelsFor = ''
    setModels(s.models, `Could not load the model list: ${describeError(err)}`)
  }
}
