// @ts-check
// One key's panel on the Keys tab: its state, limits and spend; enable or disable; settings (key-settings.js); rotate
// with a grace period, the new secret shown once; revoke; and its recent requests.
import { server, describeError } from './api.js'
import { state, on, setKey, setRequests, addSecret, sessionLost } from './state.js'
import { $, h, icon, showAlert, busy, confirmDialog, copyWithFeedback, toast, timeEl, formatCount, formatUsd, formatMs, formatDateTime, relativeTime } from './ui.js'
import { stateBadge, stateReason, spendView, PER_PERIOD } from './key-view.js'
import { initKeySettings, fillSettings } from './key-settings.js'
import { loadActivity } from './activity.js'

/** @import { KeySummary, KeyRequest } from './api.js' */

/** The key whose panel is open, or ''. */
let openId = ''
/** @type {(key: KeySummary, button: HTMLButtonElement, fail: (message: string) => void) => Promise<boolean>} */
let revokeKey = async () => false

const errorEl = () => $('kp-error')
const openKey = () => state.keys?.find((k) => k.id === openId) ?? null

/** Human names of the grace choices, by seconds. */
const GRACE = new Map([[0, 'stops at once'], [3600, 'keeps working for 1 hour'], [86400, 'keeps working for 24 hours'], [604800, 'keeps working for 7 days']])

/**
 * Opens a key's panel in place of the list, and loads its latest summary and recent requests.
 * @param {string} id
 */
export function openKeyPanel (id) {
  const key = state.keys?.find((k) => k.id === id)
  if (!key) return
  const switched = openId !== id
  openId = id
  if (switched) {
    hideRotated()
    showAlert(errorEl(), '')
    fillSettings(key)
  }
  $('keys-list').hidden = true
  $('key-panel').hidden = false
  render()
  renderRequests()
  $('kp-title').focus()
  window.scrollTo(0, 0)
  refresh()
}

/** Closes the panel (back to the list), focusing the key's name (which opened it) when it is still there. */
export function closeKeyPanel () {
  if (!openId) return
  const id = openId
  openId = ''
  hideRotated()
  $('key-panel').hidden = true
  $('keys-list').hidden = false
  const manage = document.querySelector(`#keys-body tr[data-key-id="${window.CSS.escape(id)}"] .key-name-link`)
  if (manage instanceof window.HTMLElement && !$('panel-keys').hidden) manage.focus()
}

/** Loads the open key's summary and recent requests again. */
async function refresh () {
  const id = openId
  if (!id) return
  await Promise.all([
    server.getKey(id).then(setKey, (err) => { if (!sessionLost(err)) showAlert(errorEl(), `Could not load the key: ${describeError(err)}`) }),
    loadRequests()
  ])
}

/** Loads the open key's recent requests; the table follows through the 'requests' event. */
async function loadRequests () {
  const id = openId
  if (!id) return
  $('kp-requests-loading').hidden = state.requests.has(id)
  try {
    setRequests(id, (await server.keyRequests(id)).data)
  } catch (err) {
    if (!sessionLost(err)) showAlert(errorEl(), `Could not load the recent requests: ${describeError(err)}`)
  } finally {
    $('kp-requests-loading').hidden = true
  }
}

/**
 * A fact of the key: a term and its value.
 * @param {string} term
 * @param {...(Node | string | null)} value
 */
const fact = (term, ...value) => h('div', {}, h('dt', {}, term), h('dd', {}, ...value))

/** The head of the panel: name, state, facts, spend, and the enable or disable button. */
function render () {
  if (!openId) return
  const key = openKey()
  if (!key) {
    // Revoked (here, in another tab, or by "revoke all"): back to the list.
    closeKeyPanel()
    return
  }
  const label = key.name || 'Untitled key'
  $('kp-title').textContent = label
  $('kp-title').title = label
  $('kp-state').replaceWith(Object.assign(stateBadge(key.state), { id: 'kp-state' }))
  $('kp-preview').textContent = key.preview
  const reason = stateReason(key.state)
  $('kp-reason').replaceChildren(icon('alert'), h('span', {}, reason))
  $('kp-reason').hidden = !reason
  $('kp-facts').replaceChildren(
    fact('Created', timeEl(key.createdAt, 'date')),
    fact('Last used', key.lastUsedAt ? timeEl(key.lastUsedAt) : h('span', { class: 'muted' }, 'Never')),
    fact('Requests', formatCount(key.requestCount), key.errorCount ? h('span', { class: 'key-errors', id: 'kp-error-count' }, ` (${formatCount(key.errorCount)} failed)`) : null),
    fact('Expires', key.expiresAt ? h('time', { datetime: key.expiresAt, title: formatDateTime(key.expiresAt) }, `${formatDateTime(key.expiresAt)} (${relativeTime(key.expiresAt)})`) : 'Never'),
    fact('Models', key.allowedModels.length ? key.allowedModels.join(', ') : 'Every model'),
    fact('Rate', key.limits.rpm ? `${formatCount(key.limits.rpm)} requests per minute` : 'No limit'),
    fact('At once', key.limits.concurrency ? `${formatCount(key.limits.concurrency)} requests` : 'The server\'s limit'),
    fact('Budget', key.budget ? `${formatUsd(key.budget.usd)} ${PER_PERIOD[key.budget.period]}` : 'None'),
    ...(key.rotatedSecretExpiresAt ? [fact('Old secret', `works until ${formatDateTime(key.rotatedSecretExpiresAt)}`)] : [])
  )
  $('kp-budget').replaceChildren(h('p', { class: 'label' }, 'Spend ', h('span', { class: 'optional' }, '(estimated)')), spendView(key, { detail: true }))
  const toggle = $('kp-toggle', window.HTMLButtonElement)
  toggle.replaceChildren(icon(key.disabled ? 'check' : 'ban'), h('span', {}, key.disabled ? 'Enable key' : 'Disable key'))
  toggle.className = `btn ${key.disabled ? 'btn-primary' : 'btn-secondary'}`
}

/** @param {KeyRequest} r */
function requestRow (r) {
  const failed = r.errorCode !== null || r.status >= 400
  return h('tr', { class: failed ? 'is-failed' : '' },
    h('td', { 'data-label': 'Time' }, timeEl(r.at)),
    h('td', { 'data-label': 'Request' }, h('div', { class: 'request-cell' },
      h('span', { class: 'mono cell-model', title: r.model }, r.model),
      h('code', { class: 'route' }, r.route))),
    h('td', { 'data-label': 'Result' }, h('span', { class: `result ${failed ? 'result-error' : 'result-ok'}` },
      h('span', { class: 'result-status' }, String(r.status)),
      r.errorCode ? h('code', { class: 'result-code' }, r.errorCode) : null)),
    h('td', { 'data-label': 'Tokens in / out', class: 'num' }, `${formatCount(r.inputTokens)} / ${formatCount(r.outputTokens)}`),
    h('td', { 'data-label': 'Cost (est.)', class: 'num' }, formatUsd(r.costUsd)),
    h('td', { 'data-label': 'TTFB', class: 'num' }, r.ttfbMs === null ? h('span', { class: 'muted', title: 'Puter was not called' }, '–') : formatMs(r.ttfbMs)),
    h('td', { 'data-label': 'Duration', class: 'num' }, formatMs(r.durationMs))
  )
}

function renderRequests () {
  if (!openId) return
  const list = state.requests.get(openId)
  $('kp-requests-body').replaceChildren(...(list ?? []).map(requestRow))
  $('kp-requests-table').hidden = !list?.length
  $('kp-requests-empty').hidden = !list || list.length > 0
}

/** Enables or disables the open key at once. */
async function toggleDisabled () {
  const key = openKey()
  if (!key) return
  showAlert(errorEl(), '')
  await busy($('kp-toggle', window.HTMLButtonElement), async () => {
    try {
      setKey(await server.updateKey(key.id, { disabled: !key.disabled }))
      toast(`${key.disabled ? 'Enabled' : 'Disabled'} “${key.name || 'Untitled key'}”`)
      loadActivity()
      loadRequests()
    } catch (err) {
      if (!sessionLost(err)) showAlert(errorEl(), `Could not ${key.disabled ? 'enable' : 'disable'} the key: ${describeError(err)}`)
    }
  })
}

/** Rotates the open key's secret after asking, and shows the new one. */
async function rotate () {
  const key = openKey()
  if (!key) return
  const grace = Number($('kp-grace', window.HTMLSelectElement).value)
  const label = key.name || 'Untitled key'
  const ok = await confirmDialog({
    title: 'Rotate this key?',
    body: `“${label}” gets a new secret, shown once. The current one (${key.preview}) ${GRACE.get(grace) ?? `keeps working for ${grace} seconds`}; apps using it must switch to the new one.`,
    confirmLabel: 'Rotate key'
  })
  if (!ok) return
  showAlert(errorEl(), '')
  await busy($('kp-rotate', window.HTMLButtonElement), async () => {
    try {
      const rotated = await server.rotateKey(key.id, grace)
      addSecret(rotated.id, rotated.key)
      showRotated(rotated.key, rotated.hasSecret, rotated.rotatedSecretExpiresAt)
      loadActivity()
      await refresh()
    } catch (err) {
      if (!sessionLost(err)) showAlert(errorEl(), `Could not rotate the key: ${describeError(err)}`)
    }
  })
}

/**
 * @param {string} secret
 * @param {boolean} revealable
 * @param {string | null} oldUntil
 */
function showRotated (secret, revealable, oldUntil) {
  $('kp-rotated-value').textContent = secret
  $('kp-rotated-note').replaceChildren(
    icon(revealable ? 'info' : 'alert'),
    h('span', {},
      oldUntil ? `The old secret keeps working until ${formatDateTime(oldUntil)}. ` : 'The old secret no longer works. ',
      revealable ? 'Copy the new one now; you can reveal it again from the key list.' : 'Copy the new one now: this is the only time it is shown.')
  )
  $('kp-rotated-note').classList.toggle('note-warning', !revealable)
  $('kp-rotated').hidden = false
  $('kp-rotated-title').focus()
}

function hideRotated () {
  $('kp-rotated').hidden = true
  $('kp-rotated-value').textContent = ''
}

/** @param {{ revoke: typeof revokeKey }} deps how keys.js revokes a key (asking first) */
export function initKeyPanel ({ revoke }) {
  revokeKey = revoke
  initKeySettings({ openKey })
  on('keys', render)
  on('requests', renderRequests)
  // Signed out, or another user signed in: the key is not theirs.
  on('auth', () => { if (!state.user || !openKey()) closeKeyPanel() })
  $('kp-back').addEventListener('click', closeKeyPanel)
  $('kp-toggle').addEventListener('click', toggleDisabled)
  $('kp-rotate').addEventListener('click', rotate)
  $('kp-requests-refresh').addEventListener('click', () => busy($('kp-requests-refresh', window.HTMLButtonElement), refresh))
  $('kp-revoke').addEventListener('click', () => {
    const key = openKey()
    if (key) revokeKey(key, $('kp-revoke', window.HTMLButtonElement), (message) => showAlert(errorEl(), message))
  })
  const copy = $('kp-rotated-copy')
  copy.addEventListener('click', () => copyWithFeedback(copy, $('kp-rotated-value').textContent ?? '', 'New key copied'))
  $('kp-rotated-done').addEventListener('click', () => {
    hideRotated()
    $('kp-rotate').focus()
  })
  const grace = $('kp-grace', window.HTMLSelectElement)
  grace.addEventListener('change', () => {
    const note = $('kp-grace-note')
    const seconds = Number(grace.value)
    note.textContent = seconds ? `Until ${formatDateTime(new Date(Date.now() + seconds * 1000).toISOString())}, both the old and the new secret work.` : ''
    note.hidden = !seconds
  })
  // Escape goes back to the list, unless a dialog or a field is taking it.
  $('key-panel').addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !(e.target instanceof window.HTMLInputElement || e.target instanceof window.HTMLSelectElement)) closeKeyPanel()
  })
}
