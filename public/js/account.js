// @ts-check
// The Auth tab's account actions: sign out everywhere, revoke all keys, and delete all data (confirmed by typing
// the username in a dialog).
import { server, describeError } from './api.js'
import { state, setKeys, sessionLost } from './state.js'
import { $, busy, showAlert, confirmDialog, toast } from './ui.js'

/** @typedef {(message: string) => void} SignedOut */

/** @type {SignedOut} */
let signedOut = () => {}

const errorEl = () => $('account-actions-error')

/**
 * Asks first, then runs an account action from its button; a failure is shown under the actions (or signs out, if
 * the session is gone).
 * @param {string} buttonId
 * @param {{ title: string, body: string, confirmLabel: string }} question
 * @param {string} failure what could not be done, for the message
 * @param {() => Promise<void>} fn
 */
async function confirmedAction (buttonId, question, failure, fn) {
  if (!await confirmDialog(question)) return
  showAlert(errorEl(), '')
  await busy($(buttonId, window.HTMLButtonElement), async () => {
    try {
      await fn()
    } catch (err) {
      if (!sessionLost(err)) showAlert(errorEl(), `Could not ${failure}: ${describeError(err)}`)
    }
  })
}

const signOutEverywhere = () => confirmedAction('signout-everywhere', {
  title: 'Sign out everywhere?',
  body: 'Every dashboard session of yours ends, this one included. Your API keys keep working.',
  confirmLabel: 'Sign out everywhere'
}, 'sign out everywhere', async () => {
  const { sessions } = await server.signOutEverywhere()
  signedOut(`You are signed out everywhere (${sessions} ${sessions === 1 ? 'session' : 'sessions'} ended). Keys you created keep working until you revoke them.`)
})

const revokeAllKeys = () => confirmedAction('revoke-all-keys', {
  title: 'Revoke all your keys?',
  body: 'Every key of yours stops working at once, and answers streaming with them are cut off. Apps using them will need a new key.',
  confirmLabel: 'Revoke all keys'
}, 'revoke your keys', async () => {
  const { revoked } = await server.revokeAllKeys()
  setKeys([])
  toast(revoked === 0 ? 'You had no keys to revoke' : `${revoked} ${revoked === 1 ? 'key' : 'keys'} revoked`)
})

/** The delete dialog: its Delete button waits for the username; the request runs with the dialog open. */
function setupDeleteDialog () {
  const dialog = $('delete-dialog', window.HTMLDialogElement)
  const input = $('delete-confirm', window.HTMLInputElement)
  const ok = $('delete-ok', window.HTMLButtonElement)
  const dialogError = $('delete-error')
  const matches = () => Boolean(state.user) && input.value.trim() === state.user?.username
  const opener = $('delete-account', window.HTMLButtonElement)

  opener.addEventListener('click', () => {
    if (!state.user) return
    showAlert(errorEl(), '')
    showAlert(dialogError, '')
    $('delete-username').textContent = state.user.username
    input.value = ''
    ok.disabled = true
    dialog.showModal()
    input.focus()
  })
  input.addEventListener('input', () => { ok.disabled = !matches() })
  // Focus goes back to the button, unless the deletion signed the user out and hid it.
  dialog.addEventListener('close', () => { if (opener.offsetParent !== null) opener.focus() })

  $('delete-form').addEventListener('submit', (e) => {
    const submitter = e instanceof window.SubmitEvent ? e.submitter : null
    if (!(submitter instanceof window.HTMLButtonElement) || submitter.value !== 'confirm') return
    // Stays open while the server deletes: a failure is shown here, a success closes it.
    e.preventDefault()
    if (!matches()) return
    showAlert(dialogError, '')
    busy(ok, async () => {
      try {
        await server.deleteAccount(input.value.trim())
      } catch (err) {
        if (sessionLost(err)) dialog.close()
        else showAlert(dialogError, `Could not delete your data: ${describeError(err)}`)
        return
      }
      dialog.close()
      signedOut('Your data was deleted: your keys, their usage, your sessions and your Puter token are gone from this server.')
    }).finally(() => { ok.disabled = !matches() })
  })
}

/** @param {{ signedOut: SignedOut }} deps what to do once the server has ended the session */
export function initAccount (deps) {
  signedOut = deps.signedOut
  $('signout-everywhere').addEventListener('click', signOutEverywhere)
  $('revoke-all-keys').addEventListener('click', revokeAllKeys)
  setupDeleteDialog()
}
