// Small DOM helpers: element builder, icons, alerts, copy to clipboard, toasts, confirmation dialog, dates.

export const $ = (id) => document.getElementById(id)

/** h('button', { class: 'btn', onclick: fn, 'aria-label': 'x' }, 'text', child) */
export function h (tag, props = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.className = v
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k in el && typeof v !== 'string') el[k] = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false))
  return el
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** An icon from the sprite in index.html. */
export function icon (name, cls = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg')
  svg.setAttribute('class', cls)
  svg.setAttribute('aria-hidden', 'true')
  const use = document.createElementNS(SVG_NS, 'use')
  use.setAttribute('href', `#i-${name}`)
  svg.append(use)
  return svg
}

/** Shows a message in an alert element, or hides it when message is empty. */
export function showAlert (el, message) {
  el.replaceChildren()
  if (!message) {
    el.hidden = true
    return
  }
  el.append(icon('alert'), h('span', {}, message))
  el.hidden = false
}

/** Marks a button busy (disabled, aria-busy) while a promise runs. */
export async function busy (button, fn) {
  button.disabled = true
  button.setAttribute('aria-busy', 'true')
  try {
    return await fn()
  } finally {
    button.disabled = false
    button.removeAttribute('aria-busy')
  }
}

/**
 * Copies text. The async Clipboard API needs a secure context (https or localhost); a server reached over
 * plain http on a LAN address falls back to a hidden textarea and execCommand('copy').
 */
export async function copyText (text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text)
      return true
    } catch {
      // fall through to the legacy path (e.g. permission denied)
    }
  }
  const ta = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' })
  ta.value = text
  document.body.append(ta)
  ta.select()
  let ok = false
  try {
    ok = document.execCommand('copy')
  } catch {
    ok = false
  }
  ta.remove()
  return ok
}

/** Copies and gives feedback on the button and in a toast; says how to copy by hand when it fails. */
export async function copyWithFeedback (button, text, what = 'Copied') {
  const ok = await copyText(text)
  if (ok) {
    toast(`${what} to the clipboard`)
    const label = button.querySelector('span')
    const use = button.querySelector('use')
    const before = label?.textContent
    const iconBefore = use?.getAttribute('href')
    button.classList.add('copied')
    if (label) label.textContent = 'Copied'
    if (use) use.setAttribute('href', '#i-check')
    clearTimeout(button._copyTimer)
    button._copyTimer = setTimeout(() => {
      button.classList.remove('copied')
      if (label) label.textContent = before
      if (use) use.setAttribute('href', iconBefore)
    }, 1600)
  } else {
    toast('Copying was blocked by the browser: select the text and press Ctrl+C', 'error')
  }
  return ok
}

let toastTimer
/** A short status message at the bottom of the screen, announced politely. */
export function toast (message, kind = 'info') {
  const el = document.getElementById('toast')
  el.textContent = message
  el.dataset.kind = kind
  el.classList.add('show')
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => el.classList.remove('show'), kind === 'error' ? 5000 : 2200)
}

/** A modal confirmation (native <dialog>, so focus is trapped and Escape cancels). Resolves true on confirm. */
export function confirmDialog ({ title, body, confirmLabel }) {
  const dialog = document.getElementById('confirm-dialog')
  document.getElementById('confirm-title').textContent = title
  document.getElementById('confirm-body').textContent = body
  document.getElementById('confirm-ok').textContent = confirmLabel
  dialog.returnValue = ''
  const opener = document.activeElement
  dialog.showModal()
  document.getElementById('confirm-cancel').focus()
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (opener instanceof window.HTMLElement && opener.isConnected) opener.focus()
      resolve(dialog.returnValue === 'confirm')
    }, { once: true })
  })
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const relFmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })

export const formatDate = (iso) => dateFmt.format(new Date(iso))
export const formatDateTime = (iso) => dateTimeFmt.format(new Date(iso))

/** "3 minutes ago", "in 2 hours". */
export function relativeTime (iso, now = Date.now()) {
  const diff = (new Date(iso).getTime() - now) / 1000
  const abs = Math.abs(diff)
  const units = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]]
  for (const [unit, secs] of units) {
    if (abs >= secs) return relFmt.format(Math.round(diff / secs), unit)
  }
  return diff < 0 ? 'just now' : 'in less than a minute'
}

/** A <time> element showing relative time, with the exact date in its title. */
export function timeEl (iso, style = 'relative') {
  return h('time', { datetime: iso, title: formatDateTime(iso) }, style === 'date' ? formatDate(iso) : relativeTime(iso))
}

export function initials (name) {
  return (name || '?').trim().slice(0, 1).toUpperCase()
}
