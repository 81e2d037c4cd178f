// @ts-check
// Account tab: sign in with puter.js (popup) or a pasted token, show the session, sign out (account.js has the rest).
import { server, ApiError, describeError, messageOf } from './api.js'
import { state, on, setUser, clearUser } from './state.js'
import { $, busy, showAlert, formatDateTime, relativeTime, initials } from './ui.js'

/** @import { Navigate } from './ui.js' */

const PUTER_SRC = '/vendor/puter.js'
const SESSION_ENDED = 'Your session has ended. Sign in again to continue.'
// What puter.js keeps in localStorage (puter-api.md §6); cleared once the server holds the token.
const PUTER_STORAGE_KEYS = ['puter.auth.token.v2', 'puter.auth.token.origin.v2', 'puter.auth.token']

/** @type {Navigate} */
let navigate = () => {}
/** @type {ReturnType<typeof setTimeout> | undefined} */
let expiryTimer

/** @type {Promise<Puter> | null} */
let puterPromise = null
/**
 * puter.js, loaded from this server once. Only its sign-in is used, so it is told (before it starts) not to
 * open its file-system socket or record visits, and to skip its console banner: the page then talks to
 * Puter only when the user signs in.
 * @returns {Promise<Puter>}
 */
function loadPuter () {
  if (window.puter?.auth) return Promise.resolve(window.puter)
  puterPromise ??= new Promise((resolve, reject) => {
    window.PUTER_QUIET = true
    window.puter_socket_enabled = false
    const script = document.createElement('script')
    script.src = PUTER_SRC
    script.async = true
    script.addEventListener('load', () => window.puter?.auth ? resolve(window.puter) : reject(new Error('puter.js loaded but did not start.')))
    script.addEventListener('error', () => {
      puterPromise = null
      script.remove()
      reject(new Error('Could not load puter.js from this server. Reload the page and try again.'))
    })
    document.head.append(script)
  })
  return puterPromise
}

/**
 * What to tell the user when puter.auth.signIn() rejects: with `{ error, msg }`, or an Error of ours.
 * @param {unknown} err
 */
function describePuterError (err) {
  /** @type {{ error?: unknown, msg?: unknown }} */
  const rejection = typeof err === 'object' && err !== null ? err : {}
  switch (rejection.error) {
    case 'popup_blocked':
      return 'Your browser blocked the Puter sign-in window. Allow pop-ups for this site, then click “Sign in with Puter” again.'
    case 'auth_window_closed':
      return 'The Puter window was closed before sign-in finished. Click “Sign in with Puter” to try again.'
    default:
      if (err instanceof ApiError) return describeError(err, 'signin')
      return (typeof rejection.msg === 'string' && rejection.msg) || messageOf(err) || 'Sign-in with Puter did not finish. Try again, or paste a token instead.'
  }
}

/** puter.js keeps its token in localStorage; once the server has it (encrypted), the page forgets it. */
function forgetPuterToken () {
  try {
    window.puter?.auth?.signOut?.()
  } catch {
    // puter.js may refuse in odd environments; the keys below are what matters
  }
  try {
    for (const k of PUTER_STORAGE_KEYS) localStorage.removeItem(k)
  } catch {
    // storage unavailable (privacy mode): nothing stored either
  }
}

/**
 * Exchanges a Puter token for a session. Either way, the browser keeps no copy of the token.
 * @param {string} token
 */
async function exchange (token) {
  let res
  try {
    res = await server.signIn(token)
  } finally {
    forgetPuterToken()
  }
  setUser(res.user, res.expiresAt, res.isAdmin)
  showNotice('')
  navigate('keys', { focusPanel: true })
}

function scheduleExpiry () {
  clearTimeout(expiryTimer)
  if (!state.expiresAt) return
  const ms = new Date(state.expiresAt).getTime() - Date.now()
  // setTimeout holds at most ~24.8 days; longer sessions are re-checked on the next page load.
  if (ms > 0 && ms < 2 ** 31 - 1) expiryTimer = setTimeout(() => checkSession(), ms + 1000)
}

/** Asks the server who is signed in; updates the page. */
export async function checkSession () {
  // The server sets a readable pks_signed_in cookie beside the HttpOnly session: without it there is no
  // session to ask about, and a signed-out visit makes no failing request.
  if (!document.cookie.split('; ').some((c) => c.startsWith('pks_signed_in='))) {
    const hadUser = Boolean(state.user)
    clearUser()
    if (hadUser) showNotice(SESSION_ENDED)
    return
  }
  try {
    const me = await server.me()
    setUser(me.user, me.expiresAt, me.isAdmin)
  } catch (err) {
    const hadUser = Boolean(state.user)
    clearUser()
    if (err instanceof ApiError && err.status === 401) {
      if (hadUser) showNotice(SESSION_ENDED)
    } else {
      showNotice(describeError(err))
    }
  }
}

/** @param {string} message '' hides the notice */
function showNotice (message) {
  const el = $('account-notice')
  el.textContent = message
  el.hidden = !message
}

function render () {
  const user = state.user
  const signedIn = Boolean(user)
  $('auth-loading').hidden = true
  $('signed-out').hidden = signedIn
  $('signed-in').hidden = !signedIn
  $('user-chip').hidden = !signedIn
  document.body.classList.toggle('is-signed-in', signedIn)
  for (const el of document.querySelectorAll('[data-needs]')) {
    if (el instanceof window.HTMLElement) el.hidden = (el.dataset.needs === 'signed-in') !== signedIn
  }
  renderKeyCount()
  if (!user) {
    // Load puter.js ahead of the click: signIn() must run inside the click's user activation to open its popup.
    loadPuter().catch(() => {})
    return
  }
  const { username, uuid } = user
  const expiresAt = state.expiresAt ?? ''
  $('user-chip-name').textContent = username
  $('user-chip-avatar').textContent = initials(username)
  $('profile-avatar').textContent = initials(username)
  $('profile-name').textContent = username
  $('profile-uuid').textContent = uuid
  const ends = $('session-ends')
  ends.replaceChildren()
  const time = document.createElement('time')
  time.dateTime = expiresAt
  time.textContent = formatDateTime(expiresAt)
  ends.append(time, document.createElement('br'), Object.assign(document.createElement('span'), { className: 'muted', textContent: relativeTime(expiresAt) }))
}

function renderKeyCount () {
  $('profile-keys').textContent = state.keys ? String(state.keys.length) : '–'
}

/** @param {{ goTo: Navigate }} deps */
export function initAuth ({ goTo }) {
  navigate = goTo
  on('auth', () => {
    render()
    scheduleExpiry()
  })
  on('keys', renderKeyCount)
  on('session-lost', () => {
    showNotice(SESSION_ENDED)
    navigate('account')
  })
  const errorEl = $('auth-error')

  // puter.js's sign-in needs a secure context (crypto.randomUUID, postMessage checks): https or localhost.
  if (!window.isSecureContext) {
    $('puter-signin-hint').textContent = `Puter's sign-in window needs https or localhost. Open ${window.location.protocol}//localhost:${window.location.port || 80}/ on the server's machine, put the server behind https, or paste a token.`
    $('puter-signin-hint').classList.add('hint-warning')
  }

  // Sign in with Puter: signIn() is called straight from the click so the popup is allowed.
  const puterButton = $('puter-signin', window.HTMLButtonElement)
  puterButton.addEventListener('click', () => {
    showAlert(errorEl, '')
    if (!window.isSecureContext) {
      showAlert(errorEl, 'Signing in with Puter needs this page on https or localhost. Paste a Puter token instead, or open the dashboard through localhost or https.')
      return
    }
    let started
    try {
      started = window.puter?.auth ? Promise.resolve(window.puter.auth.signIn()) : loadPuter().then((p) => p.auth.signIn())
    } catch (err) {
      started = Promise.reject(err)
    }
    busy(puterButton, async () => {
      try {
        const result = await started
        const token = result?.token || window.puter?.authToken
        if (!token) throw new Error('Puter did not hand over a token. Try again, or paste a token instead.')
        await exchange(token)
      } catch (err) {
        showAlert(errorEl, describePuterError(err))
      }
    })
  })

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const input = $('token-input', window.HTMLInputElement)
    const token = input.value.trim()
    showAlert(errorEl, '')
    if (!token) {
      showAlert(errorEl, 'Paste a Puter token first.')
      input.focus()
      return
    }
    busy($('token-submit', window.HTMLButtonElement), async () => {
      try {
        await exchange(token)
        input.value = ''
      } catch (err) {
        showAlert(errorEl, describeError(err, 'signin'))
        input.focus()
        input.select()
      }
    })
  })

  const signout = $('signout', window.HTMLButtonElement)
  signout.addEventListener('click', () => {
    const signoutError = $('signout-error')
    showAlert(signoutError, '')
    busy(signout, async () => {
      try {
        await server.signOut()
      } catch (err) {
        showAlert(signoutError, `Could not sign out: ${describeError(err)}`)
        return
      }
      signedOut('You are signed out. Keys you created keep working until you revoke them.')
    })
  })
}

/**
 * Forgets the user once the server has ended their session (sign-out, sign-out everywhere, deleted data), and says so.
 * @param {string} message
 */
export function signedOut (message) {
  forgetPuterToken()
  clearUser()
  showNotice(message)
  navigate('account', { focusPanel: true })
}
