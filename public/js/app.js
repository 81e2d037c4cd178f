// @ts-check
// Dashboard entry and composition root: tabs (with #hash deep links), then each tab's module, then the session check.
import { baseUrl } from './api.js'
import { state, on } from './state.js'
import { $, copyWithFeedback, setupTabs } from './ui.js'
import { initAuth, checkSession, signedOut } from './auth.js'
import { initAccount } from './account.js'
import { initAdmin, loadUsers } from './admin.js'
import { initKeys, loadKeys } from './keys.js'
import { initPickers, checkSecret } from './pickers.js'
import { initPlayground } from './playground.js'
import { initPlaygroundMedia } from './playground-media.js'
import { initTemplates } from './templates.js'
import { initUsage, loadUsage } from './usage.js'

/** @import { Navigate } from './ui.js' */

const tabs = setupTabs($('main-tabs'), {
  onChange (tab) {
    const hash = `#${tab.dataset.hash}`
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash)
    document.title = `${(tab.textContent ?? '').trim()} · Puter API Key Studio`
    if (tab.dataset.hash === 'keys' && state.user) loadKeys()
    if (tab.dataset.hash === 'usage' && state.user) loadUsage()
    if ((tab.dataset.hash === 'playground' || tab.dataset.hash === 'templates') && state.user) checkSecret()
    if (tab.dataset.hash === 'admin') loadUsers()
  }
})

/**
 * The Admin tab is a tab only for administrators: it joins the tablist (its role and keyboard order) when the user
 * is one, and leaves it otherwise, so that nobody else meets it, even with the keyboard or a screen reader.
 */
function syncAdminTab () {
  const tab = $('tab-admin')
  const listed = tabs.tabs.includes(tab)
  if (state.isAdmin === listed) return
  if (state.isAdmin) {
    tab.setAttribute('role', 'tab')
    tabs.tabs.push(tab)
  } else {
    if (tab.getAttribute('aria-selected') === 'true') tabs.select('account')
    tab.removeAttribute('role')
    tabs.tabs.splice(tabs.tabs.indexOf(tab), 1)
  }
  tab.hidden = !state.isAdmin
}

/**
 * Shows a tab; focusPanel moves focus to its heading (after actions that change the view).
 * @type {Navigate}
 */
function goTo (name, { focusPanel = false } = {}) {
  tabs.select(name)
  const title = focusPanel ? document.querySelector(`#panel-${name} .panel-title`) : null
  if (title instanceof window.HTMLElement) title.focus()
}

/** The tab the address names, if there is such a tab (now). */
function tabFromHash (name = window.location.hash.slice(1)) {
  return tabs.tabs.some((t) => t.dataset.hash === name) ? name : null
}
// The first tab shown replaces the address's hash; #admin becomes a tab only after the session check.
const linkedTab = window.location.hash.slice(1)

// Vertical tabs in the sidebar on wide screens, a horizontal strip on narrow ones.
const wide = window.matchMedia('(min-width: 900px)')
const orient = () => $('main-tabs').setAttribute('aria-orientation', wide.matches ? 'vertical' : 'horizontal')
wide.addEventListener('change', orient)
orient()

for (const el of document.querySelectorAll('[data-base-url]')) el.textContent = baseUrl()
$('base-url').textContent = baseUrl()
$('profile-base-url').textContent = baseUrl()
const baseUrlCopy = $('base-url-copy')
baseUrlCopy.addEventListener('click', () => copyWithFeedback(baseUrlCopy, baseUrl(), 'Base URL copied'))
document.addEventListener('click', (e) => {
  const target = e.target instanceof window.Element ? e.target.closest('[data-goto]') : null
  if (target instanceof window.HTMLElement && target.dataset.goto) goTo(target.dataset.goto, { focusPanel: true })
})
window.addEventListener('hashchange', () => {
  const name = tabFromHash()
  if (name) tabs.select(name)
})

initAuth({ goTo })
initAccount({ signedOut })
initAdmin()
initKeys({ goTo })
initUsage()
initPickers()
initPlayground()
initPlaygroundMedia()
initTemplates()

// Before the first-check handler below, so that a deep link to #admin finds the tab.
on('auth', syncAdminTab)

let firstCheck = true
on('auth', () => {
  if (firstCheck) {
    firstCheck = false
    // Deep link wins; otherwise signed-in users land on their keys, others on sign-in.
    tabs.select(tabFromHash(linkedTab) ?? tabFromHash() ?? (state.user ? 'keys' : 'account'))
  }
})

tabs.select(tabFromHash() ?? 'account')
checkSession()
