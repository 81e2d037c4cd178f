// @ts-check
// The Activity list on the Keys tab: the user's audit trail (sign-ins, keys created, changed, rotated, revealed and
// revoked), newest first, a page (the server's default of 50) at a time.
import { server, describeError } from './api.js'
import { state, on, setAudit, sessionLost } from './state.js'
import { $, h, icon, showAlert, busy, timeEl } from './ui.js'

/** @import { AuditEntry } from './api.js' */

/** @type {Promise<void> | null} */
let loading = null

/** Field names of key.updated, as the user knows them. */
/** @type {Record<string, string>} */
const FIELDS = { name: 'name', expiresAt: 'expiry', disabled: 'enabled or disabled', allowedModels: 'allowed models', limits: 'limits', rpm: 'rate limit', concurrency: 'concurrency', budget: 'budget' }

/** @type {Record<number, string>} */
const GRACE = { 0: 'the old secret stopped at once', 3600: 'the old secret kept for 1 hour', 86400: 'the old secret kept for 24 hours', 604800: 'the old secret kept for 7 days' }

/**
 * What an entry says, and the icon beside it.
 * @param {AuditEntry} e
 * @returns {[string, Array<Node | string>]}
 */
function describe (e) {
  const key = () => h('strong', { class: 'activity-key', title: e.keyName ?? '' }, `“${e.keyName || 'Untitled key'}”`)
  switch (e.action) {
    case 'user.signed_in': return ['user', ['Signed in']]
    case 'user.signed_out_everywhere': return ['logout', ['Signed out everywhere']]
    case 'account.keys_revoked': return ['ban', ['Revoked all keys']]
    case 'key.created': return ['plus', ['Created key ', key()]]
    case 'key.revealed': return ['eye', ['Revealed key ', key()]]
    case 'key.revoked': return ['trash', ['Revoked key ', key()]]
    case 'key.disabled': return ['ban', ['Disabled key ', key()]]
    case 'key.enabled': return ['check', ['Enabled key ', key()]]
    case 'key.rotated': {
      const grace = e.graceSeconds === undefined ? '' : GRACE[e.graceSeconds] ?? `the old secret kept for ${e.graceSeconds} s`
      return ['refresh', ['Rotated key ', key(), grace ? ` (${grace})` : '']]
    }
    case 'key.updated': {
      const fields = (e.fields ?? []).map((f) => FIELDS[f] ?? f)
      return ['sliders', ['Changed ', fields.length ? fields.join(', ') : 'settings', ' of key ', key()]]
    }
    default: return ['info', [e.action, e.keyName ? ' ' : '', e.keyName ? key() : '']]
  }
}

/**
 * A short name of the browser from a User-Agent string ("Chrome on Linux"), or the string itself.
 * @param {string} ua
 */
function browserOf (ua) {
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : ''
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : ''
  return browser && os ? `${browser} on ${os}` : browser || os || ua.slice(0, 40) || 'unknown client'
}

/** @param {AuditEntry} e */
function item (e) {
  const [iconName, text] = describe(e)
  return h('li', { class: 'activity-item', dataset: { action: e.action } },
    h('span', { class: 'activity-icon' }, icon(iconName)),
    h('div', { class: 'activity-body' },
      h('p', { class: 'activity-text' }, ...text),
      h('p', { class: 'activity-meta' }, timeEl(e.at), ` · ${e.ip} · `, h('span', { title: e.userAgent }, browserOf(e.userAgent)))
    )
  )
}

function render () {
  const audit = state.audit
  $('activity-list').replaceChildren(...(audit?.entries ?? []).map(item))
  $('activity-empty').hidden = !audit || audit.entries.length > 0
  $('activity-more').hidden = !audit?.nextBefore
}

/**
 * Loads the first page of the Activity list again (after the user did something), or with `more` the next page.
 * @param {{ more?: boolean }} [opts]
 */
export function loadActivity ({ more = false } = {}) {
  if (!state.user) return Promise.resolve()
  const before = more ? state.audit?.nextBefore ?? null : null
  if (more && !before) return Promise.resolve()
  const run = async () => {
    $('activity-loading').hidden = state.audit !== null
    showAlert($('activity-error'), '')
    try {
      const page = await server.audit({ before })
      setAudit(page.data, page.has_more ? page.next_before : null, { append: more })
    } catch (err) {
      if (!sessionLost(err)) showAlert($('activity-error'), `Could not load the activity: ${describeError(err)}`)
    } finally {
      $('activity-loading').hidden = true
    }
  }
  // One at a time: a reload asked for while one runs follows it (it may be for a change the first did not see).
  const queued = (loading ?? Promise.resolve()).then(run)
  loading = queued
  queued.finally(() => { if (loading === queued) loading = null })
  return queued
}

export function initActivity () {
  on('audit', render)
  on('auth', () => { if (!state.user) render() })
  $('activity-more').addEventListener('click', () => busy($('activity-more', window.HTMLButtonElement), () => loadActivity({ more: true })))
  $('activity-refresh').addEventListener('click', () => busy($('activity-refresh', window.HTMLButtonElement), () => loadActivity()))
}
