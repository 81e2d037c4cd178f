// @ts-check
// API keys tab: create (the new key shown once, prominently), list, reveal, copy and revoke.
import { server, ApiError, describeError } from './api.js'
import { state, on, setKeys, addSecret, getSecret, setSelection, sessionLost } from './state.js'
import { $, h, icon, showAlert, busy, copyWithFeedback, confirmDialog, timeEl, toast } from './ui.js'

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

  return h('tr', { dataset: { keyId: key.id } },
    h('td', { 'data-label': 'Name' }, h('span', { class: 'key-name', title: label }, label)),
    h('td', { 'data-label': 'Key' },
      h('code', { class: `key-value${isShown ? ' is-shown' : ''}` }, isShown ? state.secrets.get(key.id) : key.preview),
      secretOnce ? h('span', { class: 'tag', title: NOT_REVEALABLE }, 'shown once') : null
    ),
    h('td', { 'data-label': 'Created' }, timeEl(key.createdAt, 'date')),
    h('td', { 'data-label': 'Last used' }, key.lastUsedAt ? timeEl(key.lastUsedAt) : h('span', { class: 'muted' }, 'Never')),
    h('td', { 'data-label': 'Requests', class: 'num' }, String(key.requestCount ?? 0)),
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
 * @param {KeySummary} key
 * @param {HTMLButtonElement} button
 */
async function revoke (key, button) {
  showAlert(errorEl(), '')
  const label = key.name || 'Untitled key'
  const ok = await confirmDialog({
    title: 'Revoke this key?',
    body: `“${label}” (${key.preview}) stops working immediately for every app that uses it. This cannot be undone.`,
    confirmLabel: 'Revoke key'
  })
  if (!ok) return
  await busy(button, async () => {
    try {
      await server.revokeKey(key.id)
    } catch (err) {
      if (sessionLost(err)) return
      if (!(err instanceof ApiError && err.status === 404)) {
        showAlert(errorEl(), `Could not revoke the key: ${describeError(err)}`)
        return
      }
    }
    shown.delete(key.id)
    if ($('new-key').dataset.keyId === key.id) hideNewKey()
    if (state.keyId === key.id) setSelection({ keyId: '' })
    setKeys((state.keys ?? []).filter((k) => k.id !== key.id))
    toast(`Revoked “${label}”`)
    const next = document.querySelector('#keys-body .row-actions button')
    ;(next instanceof window.HTMLElement ? next : $('key-name')).focus()
  })
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

/** Forgets what the table showed (on sign-out). */
function resetKeys () {
  shown.clear()
  hideNewKey()
  showAlert(errorEl(), '')
  render()
}

/** @param {{ goTo: Navigate }} deps */
export function initKeys ({ goTo }) {
  navigate = goTo
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
        const { key: _secret, ...summary } = created
        setKeys([{ ...summary, lastUsedAt: null, requestCount: 0 }, ...(state.keys ?? []).filter((k) => k.id !== created.id)])
        input.value = ''
        showNewKey(created)
        // The Playground and Templates follow the newest key until the user picks another.
        setSelection({ keyId: created.id })
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
