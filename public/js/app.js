// Dashboard entry: tabs (with #hash deep links), then each tab's module, then the session check.
import { setupTabs } from './tabs.js'
import { $, copyWithFeedback } from './ui.js'
import { state, on } from './state.js'
import { initAuth, checkSession } from './auth.js'
import { initKeys, loadKeys, resetKeys } from './keys.js'
import { initPickers, ensureSecret } from './pickers.js'
import { initPlayground } from './playground.js'
import { initTemplates, baseUrl } from './templates.js'

const tabs = setupTabs($('main-tabs'), {
  onChange (tab) {
    const hash = `#${tab.dataset.hash}`
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash)
    document.title = `${tab.textContent.trim()} · Puter API Key Studio`
    if (tab.dataset.hash === 'keys' && state.user) loadKeys()
    if ((tab.dataset.hash === 'playground' || tab.dataset.hash === 'templates') && state.user) ensureSecret()
  }
})

/** Shows a tab; focusPanel moves focus to its heading (after actions that change the view). */
function goTo (name, { focusPanel = false } = {}) {
  tabs.select(name)
  if (focusPanel) document.querySelector(`#panel-${name} .panel-title`)?.focus()
}

function tabFromHash () {
  const name = window.location.hash.slice(1)
  return tabs.tabs.some((t) => t.dataset.hash === name) ? name : null
}

// Vertical tabs in the sidebar on wide screens, a horizontal strip on narrow ones.
const wide = window.matchMedia('(min-width: 900px)')
const orient = () => $('main-tabs').setAttribute('aria-orientation', wide.matches ? 'vertical' : 'horizontal')
wide.addEventListener('change', orient)
orient()

for (const el of document.querySelectorAll('[data-base-url]')) el.textContent = baseUrl()
$('base-url').textContent = baseUrl()
$('profile-base-url').textContent = baseUrl()
$('base-url-copy').addEventListener('click', (e) => copyWithFeedback(e.currentTarget, baseUrl(), 'Base URL copied'))
document.addEventListener('click', (e) => {
  const target = e.target.closest('[data-goto]')
  if (target) goTo(target.dataset.goto, { focusPanel: true })
})
window.addEventListener('hashchange', () => {
  const name = tabFromHash()
  if (name) tabs.select(name)
})

initAuth({ goTo })
initKeys({ goTo })
initPickers()
initPlayground()
initTemplates()

let firstCheck = true
on('auth', () => {
  if (state.user) {
    loadKeys()
  } else {
    resetKeys()
  }
  if (firstCheck) {
    firstCheck = false
    // Deep link wins; otherwise signed-in users land on their keys, others on sign-in.
    tabs.select(tabFromHash() ?? (state.user ? 'keys' : 'account'))
  }
})

tabs.select(tabFromHash() ?? 'account')
checkSession()
