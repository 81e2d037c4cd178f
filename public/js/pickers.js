// The key and model pickers shared by the Playground and Templates, and the model list behind them.
import { api, describeError } from './api.js'
import { state, on, emit, setSelection, selectedKey, selectedSecret, PASTE } from './state.js'
import { getSecret, canUseSecret } from './keys.js'
import { sessionLost } from './auth.js'

/** Why the selection has no usable secret, or '' when it has one. Shown by both tabs. */
export let secretProblem = ''
let revealing = null
let modelsFor = ''

/** The Playground or Templates is on screen: only they need the full key. */
const secretNeeded = () => !document.getElementById('panel-playground').hidden || !document.getElementById('panel-templates').hidden

/**
 * Works out whether the selected key's secret is usable and, while the Playground or Templates is on screen,
 * reveals it when the server can (so merely opening the dashboard reveals nothing). Emits 'secret'.
 */
export async function ensureSecret () {
  secretProblem = ''
  const key = selectedKey()
  if (state.keyId === PASTE) {
    if (!state.pastedKey.trim()) secretProblem = 'Paste the full key (sk-…) to use it here.'
  } else if (!state.keyId) {
    secretProblem = state.keys?.length ? 'Choose one of your keys.' : 'Create a key in the API keys tab first.'
  } else if (key && !state.secrets.has(key.id)) {
    if (!key.hasSecret) {
      secretProblem = 'This key was shown only once, when it was created (KEY_REVEAL is off): choose “Paste a key…” and paste it.'
    } else if (!secretNeeded()) {
      secretProblem = ''
    } else {
      revealing ??= getSecret(key.id).catch((err) => {
        if (!sessionLost(err)) secretProblem = `Could not reveal this key: ${describeError(err)}`
      }).finally(() => { revealing = null })
      await revealing
    }
  }
  emit('secret', state)
  // A pasted key is loaded when the field is left (change), not at every keystroke.
  if (state.keyId !== PASTE) loadModels()
}

/** Loads /v1/models with the selected key (once per key). */
export async function loadModels ({ force = false } = {}) {
  const secret = selectedSecret()
  if (!secret || (!force && modelsFor === secret && state.models)) return
  modelsFor = secret
  try {
    const res = await api('/v1/models', { key: secret })
    if (modelsFor !== secret) return
    state.models = res.data.slice().sort((a, b) => a.id.localeCompare(b.id))
    state.modelsError = ''
    const ids = new Set(state.models.map((m) => m.id))
    if (!ids.has(state.model) && !state.models.some((m) => m.aliases?.includes(state.model))) {
      setSelection({ model: ids.has('gpt-4o-mini') ? 'gpt-4o-mini' : state.models[0]?.id ?? state.model })
    }
  } catch (err) {
    modelsFor = ''
    state.modelsError = `Could not load the model list: ${describeError(err)}`
  }
  renderModelList()
  emit('models', state)
}

/** The model record for an id or alias. */
export function findModel (id) {
  return state.models?.find((m) => m.id === id || m.aliases?.includes(id)) ?? null
}

function renderModelList () {
  const list = document.getElementById('pg-models')
  list.replaceChildren(...(state.models ?? []).map((m) => {
    const opt = document.createElement('option')
    opt.value = m.id
    opt.label = [m.name, m.owned_by].filter(Boolean).join(' · ')
    return opt
  }))
}

function renderKeySelects () {
  const keys = state.keys ?? []
  for (const select of document.querySelectorAll('[data-key-select]')) {
    const options = []
    if (keys.length === 0) {
      options.push(new window.Option(state.user ? 'No keys yet: create one in API keys' : 'Sign in to use your keys', ''))
    } else {
      options.push(new window.Option('Choose a key…', ''))
      for (const k of keys) {
        const usable = canUseSecret(k)
        options.push(new window.Option(`${k.name || 'Untitled key'} (${k.preview})${usable ? '' : ' · paste needed'}`, k.id))
      }
    }
    options.push(new window.Option('Paste a key…', PASTE))
    select.replaceChildren(...options)
    select.value = state.keyId
    if (select.value !== state.keyId) select.value = ''
  }
}

function syncModelInputs () {
  for (const input of document.querySelectorAll('[data-model-input]')) {
    if (input.value !== state.model && document.activeElement !== input) input.value = state.model
  }
}

/** Picks the newest key this page can use when nothing is chosen yet. */
function autoSelect () {
  if (state.keyId === PASTE) return
  if (state.keyId && state.keys?.some((k) => k.id === state.keyId)) return
  const first = state.keys?.find(canUseSecret)
  setSelection({ keyId: first?.id ?? '' })
}

export function initPickers () {
  for (const select of document.querySelectorAll('[data-key-select]')) {
    select.addEventListener('change', () => setSelection({ keyId: select.value }))
  }
  for (const input of document.querySelectorAll('[data-model-input]')) {
    input.addEventListener('input', () => setSelection({ model: input.value.trim() }))
    input.addEventListener('change', () => setSelection({ model: input.value.trim() }))
  }
  on('keys', () => {
    autoSelect()
    renderKeySelects()
    ensureSecret()
  })
  on('auth', () => {
    modelsFor = ''
    renderKeySelects()
    if (!state.user) renderModelList()
  })
  let lastKey = null
  let lastPasted = null
  on('selection', () => {
    renderKeySelects()
    syncModelInputs()
    if (state.keyId !== lastKey || state.pastedKey !== lastPasted) {
      lastKey = state.keyId
      lastPasted = state.pastedKey
      ensureSecret()
    }
  })
  renderKeySelects()
  syncModelInputs()
}
