// API keys tab: create (the new key shown once, prominently), list, reveal, copy and revoke.
import { api, describeError } from './api.js'
import { state, emit, setSelection } from './state.js'
import { $, h, icon, showAlert, busy, copyWithFeedback, confirmDialog, timeEl, toast } from './ui.js'
import { sessionLost, renderKeyCount } from './auth.js'

let navigate = () => {}
/** Ids of keys shown in full in the table. */
const shown = new Set()
let loading = null

const errorEl = () => $('keys-error')

/** Loads the key list (once at a time) and re-renders. */
export function loadKeys () {
  if (!state.user) return Promise.resolve()
  loading ??= (async () => {
    $('keys-loading').hidden = state.keys !== null
    try {
      const res = await api('/v1/keys')
      state.keys = res.data
      for (const id of [...state.secrets.keys()]) {
        if (!state.keys.some((k) => k.id === id)) state.secrets.delete(id)
      }
    } catch (err) {
      if (!sessionLost(err)) showAlert(errorEl(), `Could not load your keys: ${describeError(err)}`)
    } finally {
      $('keys-loading').hidden = true
      loading = null
    }
    render()
    emit('keys', state)
  })()
  return loading
}

/** The full key of one of the user's keys: known to this page, or revealed by the server. Throws ApiError. */
export async function getSecret (id) {
  const known = state.secrets.get(id)
  if (known) return known
  const res = await api(`/v1/keys/${encodeURIComponent(id)}/reveal`)
  state.secrets.set(id, res.key)
  return res.key
}

/** Whether the page has, or can get, the full key. */
export const canUseSecret = (key) => state.secrets.has(key.id) || key.hasSecret

const NOT_REVEALABLE = 'This key was shown only once, when it was created: the server runs with KEY_REVEAL off, so it keeps no copy to show again.'

function render () {
  const body = $('keys-body')
  const keys = state.keys ?? []
  body.replaceChildren(...keys.map(row))
  $('keys-empty').hidden = !(state.keys && keys.length === 0)
  $('keys-table').hidden = keys.length === 0
  renderKeyCount()
}

function row (key) {
  const isShown = shown.has(key.id) && state.secrets.has(key.id)
  const label = key.name || 'Untitled key'
  const revealBtn = h('button', {
    type: 'button',
    class: 'btn btn-ghost btn-sm',
    'aria-pressed': String(isShown),
    'aria-label': `${isShown ? 'Hide' : 'Reveal'} key “${label}”`,
    onclick: (e) => toggleReveal(key, e.currentTarget)
  }, icon(isShown ? 'eye-off' : 'eye'), h('span', {}, isShown ? 'Hide' : 'Reveal'))
  const copyBtn = h('button', {
    type: 'button',
    class: 'btn btn-ghost btn-sm',
    'aria-label': `Copy key “${label}”`,
    onclick: (e) => copyKey(key, e.currentTarget)
  }, icon('copy'), h('span', {}, 'Copy'))
  const revokeBtn = h('button', {
    type: 'button',
    class: 'btn btn-ghost btn-sm btn-danger-text',
    'aria-label': `Revoke key “${label}”`,
    onclick: (e) => revoke(key, e.currentTarget)
  }, icon('trash'), h('span', {}, 'Revoke'))
  const secretOnce = !key.hasSecret && !state.secrets.has(key.id)

  return h('tr', { dataset: { keyId: key.id } },
    h('td', { 'data-label': 'Name' }, h('span', { class: 'key-name' }, label)),
    h('td', { 'data-label': 'Key' },
      h('code', { class: `key-value${isShown ? ' is-shown' : ''}` }, isShown ? state.secrets.get(key.id) : key.preview),
      secretOnce ? h('span', { class: 'tag', title: NOT_REVEALABLE }, 'shown once') : null
    ),
    h('td', { 'data-label': 'Created' }, timeEl(key.createdAt, 'date')),
    h('td', { 'data-label': 'Last used' }, key.lastUsedAt ? timeEl(key.lastUsedAt) : h('span', { class: 'muted' }, 'Never')),
    h('td', { 'data-label': 'Requests', class: 'num' }, String(key.requestCount ?? 0)),
    h('td', { class: 'row-actions' }, h('div', { class: 'row-actions-inner' },
      secretOnce ? null : revealBtn,
      secretOnce ? null : copyBtn,
      revokeBtn
    ))
  )
}

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
      showAlert(errorEl(), err.code === 'key_not_revealable' ? NOT_REVEALABLE : `Could not reveal the key: ${describeError(err)}`)
    }
  })
  render()
  focusRowButton(key.id, 0)
}

async function copyKey (key, button) {
  showAlert(errorEl(), '')
  let secret
  await busy(button, async () => {
    try {
      secret = await getSecret(key.id)
    } catch (err) {
      if (sessionLost(err)) return
      showAlert(errorEl(), err.code === 'key_not_revealable' ? NOT_REVEALABLE : `Could not copy the key: ${describeError(err)}`)
    }
  })
  if (secret) await copyWithFeedback(button, secret, 'Key copied')
}

function focusRowButton (id, index) {
  const tr = document.querySelector(`tr[data-key-id="${window.CSS.escape(id)}"]`)
  tr?.querySelectorAll('.row-actions button')[index]?.focus()
}

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
      await api(`/v1/keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' })
    } catch (err) {
      if (sessionLost(err)) return
      if (err.status !== 404) {
        showAlert(errorEl(), `Could not revoke the key: ${describeError(err)}`)
        return
      }
    }
    state.secrets.delete(key.id)
    shown.delete(key.id)
    state.keys = (state.keys ?? []).filter((k) => k.id !== key.id)
    if ($('new-key').dataset.keyId === key.id) hideNewKey()
    if (state.keyId === key.id) setSelection({ keyId: '' })
    render()
    emit('keys', state)
    toast(`Revoked “${label}”`)
    ;(document.querySelector('#keys-body .row-actions button') ?? $('key-name')).focus()
  })
}

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

export function initKeys ({ goTo }) {
  navigate = goTo

  $('create-key-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const input = $('key-name')
    const name = input.value.trim()
    showAlert(errorEl(), '')
    busy($('create-key'), async () => {
      try {
        const created = await api('/v1/keys', { method: 'POST', body: name ? { name } : {} })
        state.secrets.set(created.id, created.key)
        const { key: _secret, ...summary } = created
        state.keys = [{ ...summary, lastUsedAt: null, requestCount: 0 }, ...(state.keys ?? []).filter((k) => k.id !== created.id)]
        input.value = ''
        render()
        showNewKey(created)
        // The Playground and Templates follow the newest key until the user picks another.
        setSelection({ keyId: created.id })
        emit('keys', state)
      } catch (err) {
        if (sessionLost(err)) return
        showAlert(errorEl(), `Could not create the key: ${describeError(err)}`)
      }
    })
  })

  $('new-key-copy').addEventListener('click', (e) => {
    copyWithFeedback(e.currentTarget, $('new-key-value').textContent, 'Key copied')
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

/** Forgets what the table showed (on sign-out). */
export function resetKeys () {
  shown.clear()
  hideNewKey()
  showAlert(errorEl(), '')
  render()
}
