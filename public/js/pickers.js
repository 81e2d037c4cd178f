// @ts-check
// The key and model pickers the Playground and Templates share: they render from state and change it through actions.
// The shared model picker lists chat models only.
import { state, on, setSelection, ensureSecret, canUseSecret, PASTE } from './state.js'
import { $ } from './ui.js'
import { kindOf } from './media-apis.js'

/** The Playground or Templates is on screen: only they need the full key. */
const secretNeeded = () => !$('panel-playground').hidden || !$('panel-templates').hidden

/** Re-checks the selected key's secret, revealing it only while a tab that shows it is on screen. */
export const checkSecret = () => ensureSecret({ reveal: secretNeeded() })

/** @returns {HTMLSelectElement[]} */
const keySelects = () => [...document.querySelectorAll('[data-key-select]')].filter((el) => el instanceof window.HTMLSelectElement)
/** @returns {HTMLInputElement[]} */
const modelInputs = () => [...document.querySelectorAll('[data-model-input]')].filter((el) => el instanceof window.HTMLInputElement)

/** The chat models, for the Playground's chat mode and Templates (the media modes have pickers of their own). */
function renderModelList () {
  $('pg-models').replaceChildren(...(state.models ?? []).filter((m) => kindOf(m) === 'chat').map((m) => {
    const opt = document.createElement('option')
    opt.value = m.id
    opt.label = [m.name, m.owned_by].filter(Boolean).join(' · ')
    return opt
  }))
}

function renderKeySelects () {
  const keys = state.keys ?? []
  for (const select of keySelects()) {
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
  for (const input of modelInputs()) {
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
  for (const select of keySelects()) {
    select.addEventListener('change', () => setSelection({ keyId: select.value }))
  }
  for (const input of modelInputs()) {
    input.addEventListener('input', () => setSelection({ model: input.value.trim() }))
    input.addEventListener('change', () => setSelection({ model: input.value.trim() }))
  }
  on('keys', () => {
    autoSelect()
    renderKeySelects()
    checkSecret()
  })
  on('models', renderModelList)
  on('auth', () => {
    renderKeySelects()
    if (!state.user) renderModelList()
  })
  /** @type {string | null} */
  let lastKey = null
  /** @type {string | null} */
  let lastPasted = null
  on('selection', () => {
    renderKeySelects()
    syncModelInputs()
    if (state.keyId !== lastKey || state.pastedKey !== lastPasted) {
      lastKey = state.keyId
      lastPasted = state.pastedKey
      checkSecret()
    }
  })
  renderKeySelects()
  syncModelInputs()
}
