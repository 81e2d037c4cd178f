// @ts-check
// API keys tab: create (the new key shown once, prominently), list with each key's state, limits and spend, reveal,
// copy and revoke; a key's name opens its panel (key-panel.js). key-view.js draws the state, limits and spend.
import { server, ApiError, describeError } from './api.js'
import { state, on, setKeys, addSecret, getSecret, setSelection, sessionLost } from './state.js'
import { $, h, icon, showAlert, busy, copyWithFeedback, confirmDialog, timeEl, toast, formatCount } from './ui.js'
import { stateBadge, limitsLine, spendView } from './key-view.js'
import { openKeyPanel, closeKeyPanel, initKeyPanel } from './key-panel.js'
import { initActivity, loadActivity } from './activity.js'

/** @import { KeySummary, CreatedKey } from './api.js' */
/** @import { Navigate } from './ui.js' */

/** @type {Navigate} */
let navigate = () => {}
/** Ids of keys shown in full in the table. */
const shown = new Set()
/** @type {Promise<void> | null} */
let loading = null

const errorEl = () => $('keys-error')

/** Loads the key list (once at a time); the table follows through the 'keys' event. */
export function loadKeys () {
  if (!state.user) return Promise.resolve()
  loadActivity()
  loading ??= (async () => {
    $('keys-loading').hidden = state.keys !== null
    try {
      setKeys((await server.listKeys()).data)
    } catch (err) {
      if (!sessionLost(err)) showAlert(errorEl(), `Could not load your keys: ${describeError(err)}`)
      render()
    } finally {
      $('keys-loading').hidden = true
      loading = null
    }
  })()
  return loading
}

const NOT_REVEALABLE = 'This key was shown only once, when it was created: the server runs with KEY_REVEAL off, so it keeps no copy to show again.'

function render () {
  const body = $('keys-body')
  const keys = state.keys ?? []
  body.replaceChildren(...keys.map(row))
  $('keys-empty').hidden = !(state.keys && keys.length === 0)
  $('keys-table').hidden = keys.length === 0
}

/**
 * A small button of a table row.
 * @param {string} iconName
 * @param {string} text
 * @param {(button: HTMLButtonElement) => void} onClick
 * @param {Record<string, unknown>} props
 */
function rowButton (iconName, text, onClick, props) {
  const button = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', ...props }, icon(iconName), h('span', {}, text))
  button.addEventListener('click', () => onClick(button))
  return button
}

/** @param {KeySummary} key */
function row (key) {
  const isShown = shown.has(key.id) && state.secrets.has(key.id)
  const label = key.name || 'Untitled key'
  const secretOnce = !key.hasSecret && !state.secrets.has(key.id)

  return h('tr', { dataset: { keyId: key.id, state: key.state } },
    h('td', { 'data-label': 'Name' }, h('div', { class: 'key-name-cell' },
      // The name opens the key's panel: its settings, rotation and recent requests.
      h('button', { type: 'button', class: 'key-name-link', 'aria-label': `Manage key “${label}”`, onclick: () => openKeyPanel(key.id) },
        h('span', { class: 'key-name', title: label }, label),
        icon('sliders', 'icon key-name-icon')),
      h('span', { class: 'key-meta' }, stateBadge(key.state), limitsLine(key))
    )),
    h('td', { 'data-label': 'Key' },
      h('code', { class: `key-value${isShown ? ' is-shown' : ''}` }, isShown ? state.secrets.get(key.id) : key.preview),
      secretOnce ? h('span', { class: 'tag', title: NOT_REVEALABLE }, 'shown once') : null
    ),
    h('td', { 'data-label': 'Last used' }, h('div', { class: 'key-use' },
      key.lastUsedAt ? timeEl(key.lastUsedAt) : h('span', { class: 'muted' }, 'Never'),
      h('span', { class: 'key-requests' },
        `${formatCount(key.requestCount ?? 0)} ${key.requestCount === 1 ? 'request' : 'requests'}`,
        key.errorCount ? h('span', { class: 'key-errors' }, ` · ${formatCount(key.errorCount)} failed`) : null)
    )),
    h('td', { 'data-label': 'Spend' }, spendView(key)),
    h('td', { class: 'row-actions' }, h('div', { class: 'row-actions-inner' },
      secretOnce
        ? null
        : rowButton(isShown ? 'eye-off' : 'eye', isShown ? 'Hide' : 'Reveal', (b) => toggleReveal(key, b), {
          'aria-pressed': String(isShown),
          'aria-label': `${isShown ? 'Hide' : 'Reveal'} key “${label}”`
        }),
      secretOnce ? null : rowButton('copy', 'Copy', (b) => copyKey(key, b), { 'aria-label': `Copy key “${label}”` }),
      rowButton('trash', 'Revoke', (b) => revoke(key, b), { class: 'btn btn-ghost btn-sm btn-danger-text', 'aria-label': `Revoke key “${label}”` })
    ))
  )
}

/**
 * Why a key could not be revealed or copied, for the alert above the table.
 * @param {unknown} err
 * @param {string} action 'reveal' or 'copy'
 */
function secretError (err, action) {
  return err instanceof ApiError && err.code === 'key_not_revealable' ? NOT_REVEALABLE : `Could not ${action} the key: ${describeError(err)}`
}

/**
 * @param {KeySummary} key
 * @param {HTMLButtonElement} button
 */
async function toggleReveal (key, button) {
  showAlert(errorEl(), '')
  if (shown.has(key.id)) {
    shown.delete(key.id)
    render()
    focusRowButton(key.id, 0)
    return
  }
  await busy(button, async () => {
    try {
      await getSecret(key.id)
      shown.add(key.id)
    } catch (err) {
      if (sessionLost(err)) return
      showAlert(errorEl(), secretError(err, 'reveal'))
    }
  })
  render()
  focusRowButton(key.id, 0)
}

/**
 * @param {KeySummary} key
 * @param {HTMLButtonElement} button
 */
async function copyKey (key, button) {
  showAlert(errorEl(), '')
  let secret
  await busy(button, async () => {
    try {
      secret = await getSecret(key.id)
    } catch (err) {
      if (sessionLost(err)) return
      showAlert(errorEl(), secretError(err, 'copy'))
    }
  })
  if (secret) await copyWithFeedback(button, secret, 'Key copied')
}

/**
 * @param {string} id
 * @param {number} index
 */
function focusRowButton (id, index) {
  const tr = document.querySelector(`tr[data-key-id="${window.CSS.escape(id)}"]`)
  const button = tr?.querySelectorAll('.row-actions button')[index]
  if (button instanceof window.HTMLElement) button.focus()
}

/**
 * Revokes a key after asking; from its row or its panel (which closes). Whether it was revoked.
 * @param {KeySummary} key
 * @param {HTMLButtonElement} button
 * @param {(message: string) => void} [fail] shows a failure (default: the alert above the table)
 * @returns {Promise<boolean>}
 */
async function revoke (key, button, fail = (message) => showAlert(errorEl(), message)) {
  fail('')
  const label = key.name || 'Untitled key'
  const ok = await confirmDialog({
    title: 'Revoke this key?',
    body: `“${label}” (${key.preview}) stops working immediately for every app that uses it. This cannot be undone.`,
    confirmLabel: 'Revoke key'
  })
  if (!ok) return false
  const done = await busy(button, async () => {
    try {
      await server.revokeKey(key.id)
    } catch (err) {
      if (sessionLost(err)) return false
      if (!(err instanceof ApiError && err.status === 404)) {
        fail(`Could not revoke the key: ${describeError(err)}`)
        return false
      }
    }
    return true
  })
  if (!done) return false
  shown.delete(key.id)
  if ($('new-key').dataset.keyId === key.id) hideNewKey()
  if (state.keyId === key.id) setSelection({ keyId: '' })
  closeKeyPanel()
  setKeys((state.keys ?? []).filter((k) => k.id !== key.id))
  loadActivity()
  toast(`Revoked “${label}”`)
  const next = document.querySelector('#keys-body .row-actions button')
  ;(next instanceof window.HTMLElement ? next : $('key-name')).focus()
  return true
}

/** @param {CreatedKey} created */
function showNewKey (created) {
  const box = $('new-key')
  box.dataset.keyId = created.id
  $('new-key-title').textContent = `Your new key “${created.name || 'Untitled key'}”`
  $('new-key-value').textContent = created.key
  $('new-key-note').replaceChildren(
    icon(created.hasSecret ? 'info' : 'alert'),
    h('span', {}, created.hasSecret
      ? 'Copy it now and store it somewhere safe. You can reveal it again later from the table below.'
      : 'Copy it now: this is the only time it is shown. The server runs with KEY_REVEAL off, so it keeps no copy to reveal later.')
  )
  $('new-key-note').classList.toggle('note-warning', !created.hasSecret)
  box.hidden = false
  $('new-key-title').focus()
}

function hideNewKey () {
  const box = $('new-key')
  box.hidden = true
  delete box.dataset.keyId
  $('new-key-value').textContent = ''
}

/**
 * A new key's row until the list is loaded again: no use yet, no limits.
 * @param {CreatedKey} created
 * @returns {KeySummary}
 */
function newSummary ({ key: _secret, ...created }) {
  return {
    lastUsedAt: null,
    requestCount: 0,
    errorCount: 0,
    state: 'active',
    expiresAt: null,
    disabled: false,
    allowedModels: [],
    limits: { rpm: null, concurrency: null },
    budget: null,
    spend: { usd: 0, period: 'total', periodStart: null, resetsAt: null },
    rotatedSecretExpiresAt: null,
    ...created
  }
}

/** Forgets what the table showed (on sign-out). */
function resetKeys () {
  shown.clear()
  closeKeyPanel()
  hideNewKey()
  showAlert(errorEl(), '')
  render()
}

/** @param {{ goTo: Navigate }} deps */
export function initKeys ({ goTo }) {
  navigate = goTo
  initKeyPanel({ revoke })
  initActivity()
  on('keys', render)
  on('auth', () => {
    if (state.user) loadKeys()
    else resetKeys()
  })

  $('create-key-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const input = $('key-name', window.HTMLInputElement)
    const name = input.value.trim()
    showAlert(errorEl(), '')
    busy($('create-key', window.HTMLButtonElement), async () => {
      try {
        const created = await server.createKey(name)
        addSecret(created.id, created.key)
        setKeys([newSummary(created), ...(state.keys ?? []).filter((k) => k.id !== created.id)])
        input.value = ''
        showNewKey(created)
        // The Playground and Templates follow the newest key until the user picks another.
        setSelection({ keyId: created.id })
        // The server's own view of it (state, spend period) and the activity entry.
        loadKeys()
      } catch (err) {
        if (sessionLost(err)) return
        showAlert(errorEl(), `Could not create the key: ${describeError(err)}`)
      }
    })
  })

  const copyNew = $('new-key-copy')
  copyNew.addEventListener('click', () => {
    copyWithFeedback(copyNew, $('new-key-value').textContent ?? '', 'Key copied')
  })
  $('new-key-done').addEventListener('click', () => {
    hideNewKey()
    $('key-name').focus()
  })
  $('new-key-try').addEventListener('click', () => {
    const id = $('new-key').dataset.keyId
    if (id) setSelection({ keyId: id })
    navigate('playground', { focusPanel: true })
  })
}
