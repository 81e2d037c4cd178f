// @ts-check
// Small DOM helpers: element lookup and builder, icons, alerts, copy to clipboard, toasts, confirmation dialog, tabs, dates and numbers.

/**
 * How a tab asks to show another tab; focusPanel moves focus to its heading.
 * @typedef {(tab: string, opts?: { focusPanel?: boolean }) => void} Navigate
 */

/**
 * The element with this id; with `type` (window.HTMLInputElement…), checked to be one.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {new () => T} [type]
 * @returns {T}
 */
export function $ (id, type) {
  const el = document.getElementById(id)
  if (!el || (type && !(el instanceof type))) throw new Error(`The page has no suitable #${id}.`)
  return /** @type {T} */ (el)
}

/** @typedef {Node | string | null | undefined | false} Child */

/**
 * h('button', { class: 'btn', onclick: fn, 'aria-label': 'x' }, 'text', child)
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h (tag, props = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), /** @type {EventListener} */ (v))
    else if (k === 'class') el.className = String(v)
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k in el && typeof v !== 'string') Reflect.set(el, k, v)
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false))
  return el
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/**
 * An icon from the sprite in index.html.
 * @param {string} name
 * @param {string} [cls]
 */
export function icon (name, cls = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg')
  svg.setAttribute('class', cls)
  svg.setAttribute('aria-hidden', 'true')
  const use = document.createElementNS(SVG_NS, 'use')
  use.setAttribute('href', `#i-${name}`)
  svg.append(use)
  return svg
}

/**
 * Shows a message in an alert element, or hides it when message is empty.
 * @param {HTMLElement} el
 * @param {string} message
 */
export function showAlert (el, message) {
  el.replaceChildren()
  if (!message) {
    el.hidden = true
    return
  }
  el.append(icon('alert'), h('span', {}, message))
  el.hidden = false
}

/**
 * Marks a button busy (disabled, aria-busy) while a promise runs.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
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
/** @param {string} text */
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

/** @type {WeakMap<HTMLElement, ReturnType<typeof setTimeout>>} */
const copyTimers = new WeakMap()

/**
 * Copies and gives feedback on the button and in a toast; says how to copy by hand when it fails.
 * @param {HTMLElement} button
 * @param {string} text
 * @param {string} [what]
 */
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
    clearTimeout(copyTimers.get(button))
    copyTimers.set(button, setTimeout(() => {
      button.classList.remove('copied')
      if (label) label.textContent = before ?? null
      if (use && iconBefore !== null && iconBefore !== undefined) use.setAttribute('href', iconBefore)
    }, 1600))
  } else {
    toast('Copying was blocked by the browser: select the text and press Ctrl+C', 'error')
  }
  return ok
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer
/**
 * A short status message at the bottom of the screen, announced politely.
 * @param {string} message
 * @param {'info' | 'error'} [kind]
 */
export function toast (message, kind = 'info') {
  const el = $('toast')
  el.textContent = message
  el.dataset.kind = kind
  el.classList.add('show')
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => el.classList.remove('show'), kind === 'error' ? 5000 : 2200)
}

/**
 * A modal confirmation (native <dialog>, so focus is trapped and Escape cancels). Resolves true on confirm.
 * @param {{ title: string, body: string, confirmLabel: string }} text
 * @returns {Promise<boolean>}
 */
export function confirmDialog ({ title, body, confirmLabel }) {
  const dialog = $('confirm-dialog', window.HTMLDialogElement)
  $('confirm-title').textContent = title
  $('confirm-body').textContent = body
  $('confirm-ok').textContent = confirmLabel
  dialog.returnValue = ''
  const opener = document.activeElement
  dialog.showModal()
  $('confirm-cancel').focus()
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (opener instanceof window.HTMLElement && opener.isConnected) opener.focus()
      resolve(dialog.returnValue === 'confirm')
    }, { once: true })
  })
}

/**
 * The WAI-ARIA tabs pattern: wires a [role=tablist] (roving tabindex; arrow keys, Home and End move and activate;
 * panels follow). Each [role=tab] names its panel in aria-controls. onChange(tab, panel) runs after every change
 * of selection.
 * @param {HTMLElement} tablist
 * @param {{ onChange?: (tab: HTMLElement, panel: HTMLElement) => void }} [opts]
 */
export function setupTabs (tablist, { onChange } = {}) {
  const tabs = [...tablist.querySelectorAll('[role="tab"]')].filter((t) => t instanceof window.HTMLElement)
  /** @param {HTMLElement} tab */
  const panelOf = (tab) => $(tab.getAttribute('aria-controls') ?? '')
  let started = false

  /**
   * Selects a tab (the element, its id or its data-hash).
   * @param {HTMLElement | string} target
   * @param {{ focus?: boolean }} [opts]
   */
  function select (target, { focus = false } = {}) {
    const tab = typeof target === 'string' ? tabs.find((t) => t.id === target || t.dataset.hash === target) : target
    if (!tab) return
    const changed = tab.getAttribute('aria-selected') !== 'true'
    for (const t of tabs) {
      const selected = t === tab
      t.setAttribute('aria-selected', String(selected))
      t.tabIndex = selected ? 0 : -1
      panelOf(t).hidden = !selected
    }
    if (focus) tab.focus()
    if (changed || !started) onChange?.(tab, panelOf(tab))
    started = true
  }

  tablist.addEventListener('click', (e) => {
    const tab = closestTab(e.target)
    if (tab && tabs.includes(tab)) select(tab)
  })

  tablist.addEventListener('keydown', (e) => {
    const tab = closestTab(e.target)
    const i = tab ? tabs.indexOf(tab) : -1
    if (i === -1) return
    /** @type {Record<string, number>} */
    const keys = {
      ArrowRight: i + 1,
      ArrowDown: i + 1,
      ArrowLeft: i - 1,
      ArrowUp: i - 1,
      Home: 0,
      End: tabs.length - 1
    }
    if (!(e.key in keys) || e.altKey || e.ctrlKey || e.metaKey) return
    e.preventDefault()
    const next = tabs[(keys[e.key] + tabs.length) % tabs.length]
    select(next, { focus: true })
  })

  return { select, tabs, selected: () => tabs.find((t) => t.getAttribute('aria-selected') === 'true') }
}

/**
 * The [role=tab] an event happened in, if any.
 * @param {EventTarget | null} target
 * @returns {HTMLElement | null}
 */
function closestTab (target) {
  const tab = target instanceof window.Element ? target.closest('[role="tab"]') : null
  return tab instanceof window.HTMLElement ? tab : null
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const relFmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })

/** @param {string} iso */
export const formatDate = (iso) => dateFmt.format(new Date(iso))
/** @param {string} iso */
export const formatDateTime = (iso) => dateTimeFmt.format(new Date(iso))

/**
 * "3 minutes ago", "in 2 hours".
 * @param {string} iso
 * @param {number} [now]
 */
export function relativeTime (iso, now = Date.now()) {
  const diff = (new Date(iso).getTime() - now) / 1000
  const abs = Math.abs(diff)
  /** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
  const units = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]]
  for (const [unit, secs] of units) {
    if (abs >= secs) return relFmt.format(Math.round(diff / secs), unit)
  }
  return diff < 0 ? 'just now' : 'in less than a minute'
}

/**
 * A <time> element showing relative time, with the exact date in its title.
 * @param {string} iso
 * @param {'relative' | 'date'} [style]
 */
export function timeEl (iso, style = 'relative') {
  return h('time', { datetime: iso, title: formatDateTime(iso) }, style === 'date' ? formatDate(iso) : relativeTime(iso))
}

/** @param {string} name */
export function initials (name) {
  return (name || '?').trim().slice(0, 1).toUpperCase()
}

const countFmt = new Intl.NumberFormat()
const compactFmt = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 })

/**
 * 12,345.
 * @param {number} n
 */
export const formatCount = (n) => countFmt.format(n)

/**
 * 12.3K, for chart axes.
 * @param {number} n
 */
export const formatCompact = (n) => compactFmt.format(n)

/** @type {Map<number, Intl.NumberFormat>} */
const usdFmts = new Map()

/**
 * US dollars, with enough decimals to show small estimates ($0.000042) and cents for large ones ($12.30).
 * @param {number} usd
 */
export function formatUsd (usd) {
  const abs = Math.abs(usd)
  if (abs > 0 && abs < 0.000001) return '< $0.000001'
  const digits = abs === 0 || abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6
  let fmt = usdFmts.get(digits)
  if (!fmt) {
    fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: digits })
    usdFmts.set(digits, fmt)
  }
  return fmt.format(usd)
}

/**
 * 850 ms, 12.4 s.
 * @param {number} ms
 */
export const formatMs = (ms) => ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
