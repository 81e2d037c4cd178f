// @ts-check
// Admin tab (administrators only): every user with their keys, usage and last activity; disable or enable one.
import { server, describeError } from './api.js'
import { state, on, setUsers, sessionLost } from './state.js'
import { $, h, icon, showAlert, busy, confirmDialog, timeEl, toast, formatDateTime } from './ui.js'

/** @import { AdminUser } from './api.js' */

/** @type {Promise<void> | null} */
let loading = null

const errorEl = () => $('admin-error')
const count = new Intl.NumberFormat()

/** Loads the user list (once at a time); the table follows through the 'users' event. */
export function loadUsers () {
  if (!state.isAdmin) return Promise.resolve()
  loading ??= (async () => {
    $('admin-loading').hidden = state.users !== null
    showAlert(errorEl(), '')
    try {
      setUsers((await server.listUsers()).data)
    } catch (err) {
      if (!sessionLost(err)) showAlert(errorEl(), `Could not load the users: ${describeError(err)}`)
    } finally {
      $('admin-loading').hidden = true
      loading = null
    }
  })()
  return loading
}

function render () {
  $('admin-body').replaceChildren(...(state.users ?? []).map(row))
}

/**
 * A small tag beside a name or in the status cell.
 * @param {string} text
 * @param {string} kind
 */
const tag = (text, kind) => h('span', { class: `admin-tag admin-tag-${kind}` }, text)

/** @param {AdminUser} user */
function row (user) {
  const disabled = user.disabledAt !== null
  const isSelf = user.uuid === state.user?.uuid
  return h('tr', { dataset: { uuid: user.uuid } },
    h('td', { 'data-label': 'User' },
      h('span', { class: 'admin-user' },
        h('strong', { class: 'admin-username' }, user.username, isSelf ? h('span', { class: 'muted' }, ' (you)') : null),
        h('code', { class: 'admin-uuid' }, user.uuid)
      )
    ),
    h('td', { 'data-label': 'Status' }, h('span', { class: 'admin-tags' },
      disabled
        ? h('span', { class: 'admin-tag admin-tag-disabled', title: `Disabled on ${formatDateTime(user.disabledAt ?? '')}` }, 'Disabled')
        : tag('Active', 'active'),
      user.isAdmin ? tag('Admin', 'admin') : null
    )),
    h('td', { 'data-label': 'Keys', class: 'num' }, String(user.keyCount)),
    h('td', { 'data-label': 'Requests', class: 'num' },
      count.format(user.requestCount),
      user.errorCount > 0 ? h('span', { class: 'muted' }, ` (${count.format(user.errorCount)} failed)`) : null
    ),
    h('td', { 'data-label': 'Tokens in / out', class: 'num' }, `${count.format(user.inputTokens)} / ${count.format(user.outputTokens)}`),
    h('td', { 'data-label': 'Last active' }, timeEl(user.lastActiveAt)),
    h('td', { class: 'row-actions' }, h('div', { class: 'row-actions-inner' },
      user.isAdmin ? null : toggleButton(user)
    ))
  )
}

/** @param {AdminUser} user */
function toggleButton (user) {
  const disabled = user.disabledAt !== null
  const button = h('button', {
    type: 'button',
    class: `btn btn-sm ${disabled ? 'btn-secondary' : 'btn-danger-outline'}`,
    'aria-label': `${disabled ? 'Enable' : 'Disable'} ${user.username}`
  }, icon(disabled ? 'check' : 'ban'), h('span', {}, disabled ? 'Enable' : 'Disable'))
  button.addEventListener('click', () => toggle(user, button))
  return button
}

/**
 * Disables (after asking) or enables a user.
 * @param {AdminUser} user
 * @param {HTMLButtonElement} button
 */
async function toggle (user, button) {
  const disable = user.disabledAt === null
  if (disable) {
    const ok = await confirmDialog({
      title: `Disable ${user.username}?`,
      body: `Their ${user.keyCount === 1 ? 'key stops' : `${user.keyCount} keys stop`} working at once (answers streaming now are cut off), their sessions end and they cannot sign in until you enable them again. Their data is kept.`,
      confirmLabel: 'Disable'
    })
    if (!ok) return
  }
  showAlert(errorEl(), '')
  await busy(button, async () => {
    try {
      setUsers(await server.setUserDisabled(user.uuid, disable))
      toast(`${user.username} ${disable ? 'disabled' : 'enabled'}`)
    } catch (err) {
      if (!sessionLost(err)) showAlert(errorEl(), `Could not ${disable ? 'disable' : 'enable'} ${user.username}: ${describeError(err)}`)
    }
  })
  // The row was rebuilt: keep the keyboard where it was.
  const again = document.querySelector(`#admin-body tr[data-uuid="${window.CSS.escape(user.uuid)}"] .row-actions button`)
  if (again instanceof window.HTMLElement) again.focus()
}

export function initAdmin () {
  on('users', render)
  on('auth', () => { if (!state.isAdmin) render() })
}
