// @ts-check
// The settings form of a key's panel: name, expiry (presets or a date), allowed models (picked from the catalogue or
// typed as globs), rate and concurrency limits, budget. It sends only what changed; a refused field is named beside it.
import { server, ApiError, describeError } from './api.js'
import { state, on, setKey, sessionLost, loadCatalogue } from './state.js'
import { $, h, icon, showAlert, busy, toast, formatDateTime, relativeTime } from './ui.js'
import { loadActivity } from './activity.js'
import { kindOf, KIND_LABELS } from './media-apis.js'

/** @import { KeySummary, KeyUpdate, BudgetPeriod } from './api.js' */

const DAY_MS = 86_400_000

/** The allowed models being edited (the chips). */
let models = /** @type {string[]} */ ([])
/** @type {() => KeySummary | null} */
let currentKey = () => null

const input = (/** @type {string} */ id) => $(id, window.HTMLInputElement)
const select = (/** @type {string} */ id) => $(id, window.HTMLSelectElement)

/**
 * Fills the form with a key's settings (on opening its panel, after saving, on "Undo changes").
 * @param {KeySummary} key
 */
export function fillSettings (key) {
  clearErrors()
  input('kp-name').value = key.name
  const keep = $('kp-expiry-keep', window.HTMLOptionElement)
  keep.textContent = key.expiresAt ? `No change (${formatDateTime(key.expiresAt)})` : 'No change (never expires)'
  select('kp-expiry').value = 'keep'
  input('kp-expiry-date').value = ''
  models = [...key.allowedModels]
  input('kp-model-input').value = ''
  input('kp-rpm').value = key.limits.rpm === null ? '' : String(key.limits.rpm)
  input('kp-concurrency').value = key.limits.concurrency === null ? '' : String(key.limits.concurrency)
  input('kp-budget-usd').value = key.budget ? String(key.budget.usd) : ''
  select('kp-budget-period').value = key.budget?.period ?? 'month'
  renderExpiry()
  renderModels()
  renderCatalogue()
  loadCatalogue()
}

/** Shows the date field for "On a date…", and when the chosen expiry falls. */
function renderExpiry () {
  const choice = select('kp-expiry').value
  const date = input('kp-expiry-date')
  date.hidden = choice !== 'date'
  if (choice === 'date' && !date.min) date.min = localDay(new Date())
  const at = expiryChoice().value
  const help = $('kp-expiry-help')
  help.textContent = at === undefined
    ? ''
    : at === null ? 'The key will never expire.' : `The key stops working on ${formatDateTime(at)} (${relativeTime(at)}).`
}

/**
 * YYYY-MM-DD of a date, in the browser's time zone (what <input type=date> takes).
 * @param {Date} d
 */
const localDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`

/**
 * The expiry the form asks for: undefined for no change (or no date picked yet), null for never, or an ISO time.
 * A date means the end of that day in the browser's time zone.
 * @returns {{ value: string | null | undefined, problem?: string }}
 */
function expiryChoice () {
  const choice = select('kp-expiry').value
  if (choice === 'keep') return { value: undefined }
  if (choice === 'never') return { value: null }
  if (choice === 'date') {
    const day = input('kp-expiry-date').value
    if (!day) return { value: undefined, problem: 'Choose a date.' }
    const [y, m, d] = day.split('-').map(Number)
    return { value: new Date(y, m - 1, d, 23, 59, 59).toISOString() }
  }
  return { value: new Date(Date.now() + Number(choice) * DAY_MS).toISOString() }
}

function renderModels () {
  const list = $('kp-models')
  list.replaceChildren(...(models.length
    ? models.map((m) => h('li', { class: 'chip' },
      h('code', {}, m),
      h('button', { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${m}`, onclick: () => removeModel(m) }, icon('x'))))
    : [h('li', { class: 'chip-empty' }, 'Every model (no restriction)')]))
}

/** The order of the kinds in the picker: a datalist has no groups, so each kind's models follow one another. */
const KIND_ORDER = Object.keys(KIND_LABELS)

/** The catalogue in the picker, every kind, each model labelled with its kind; and a hint on patterns (or how to load the catalogue). */
function renderCatalogue () {
  const models = (state.catalogue ?? []).slice().sort((a, b) => KIND_ORDER.indexOf(kindOf(a)) - KIND_ORDER.indexOf(kindOf(b)) || a.id.localeCompare(b.id))
  $('kp-catalogue').replaceChildren(...models.map((m) => {
    const opt = document.createElement('option')
    opt.value = m.id
    opt.label = [KIND_LABELS[kindOf(m)], m.name, m.owned_by].filter(Boolean).join(' · ')
    return opt
  }))
  const help = $('kp-models-help')
  const patterns = 'Patterns: * any text, ? one character (e.g. claude-*). None: every model.'
  if (state.catalogue) {
    const counts = KIND_ORDER.map((k) => [k, models.filter((m) => kindOf(m) === k).length]).filter(([, n]) => n).map(([k, n]) => `${n} ${KIND_LABELS[/** @type {keyof typeof KIND_LABELS} */ (k)].toLowerCase()}`)
    help.replaceChildren(`Pick from ${state.catalogue.length} models in Puter's catalogue${counts.length > 1 ? ` (${counts.join(', ')})` : ''}, or type an id or pattern. ${patterns}`)
  } else {
    help.replaceChildren(`Type model ids or patterns. ${patterns}`)
  }
  if (state.catalogueError) help.append(h('span', { class: 'hint-error' }, ` ${state.catalogueError}`))
}

/** Adds what the model field holds (one or more ids or patterns, comma- or space-separated) to the chips. */
function addModels () {
  const field = input('kp-model-input')
  const added = field.value.split(/[\s,]+/).map((m) => m.trim()).filter(Boolean)
  for (const m of added) {
    if (!models.some((known) => known.toLowerCase() === m.toLowerCase())) models.push(m)
  }
  field.value = ''
  renderModels()
  return added.length
}

/** @param {string} model */
function removeModel (model) {
  models = models.filter((m) => m !== model)
  renderModels()
  input('kp-model-input').focus()
}

/**
 * A number field: null when empty, NaN when the browser could not read it.
 * @param {string} id
 */
function numberOf (id) {
  const el = input(id)
  if (el.validity.badInput) return NaN
  return el.value.trim() === '' ? null : Number(el.value)
}

/**
 * What the form changes about the key, and problems found before asking the server (by field).
 * @param {KeySummary} key
 * @returns {{ change: KeyUpdate, problems: Array<[string, string]> }}
 */
function readForm (key) {
  /** @type {KeyUpdate} */
  const change = {}
  /** @type {Array<[string, string]>} */
  const problems = []

  const name = input('kp-name').value.trim()
  if (name !== key.name) change.name = name

  const expiry = expiryChoice()
  if (expiry.problem) problems.push(['expiresAt', expiry.problem])
  else if (expiry.value !== undefined && expiry.value !== key.expiresAt) change.expiresAt = expiry.value

  if (models.join('\n') !== key.allowedModels.join('\n')) change.allowedModels = [...models]

  /** @type {{ rpm?: number | null, concurrency?: number | null }} */
  const limits = {}
  for (const [field, id] of /** @type {const} */ ([['rpm', 'kp-rpm'], ['concurrency', 'kp-concurrency']])) {
    const value = numberOf(id)
    if (value !== null && !(Number.isInteger(value) && value >= 1)) problems.push([`limits.${field}`, 'Enter a whole number from 1 up, or leave it empty for no limit.'])
    else if (value !== key.limits[field]) limits[field] = value
  }
  if (Object.keys(limits).length) change.limits = limits

  const usd = numberOf('kp-budget-usd')
  const period = /** @type {BudgetPeriod} */ (select('kp-budget-period').value)
  if (usd !== null && !(usd > 0)) {
    problems.push(['budget', 'Enter an amount in US dollars above 0, or leave it empty for no budget.'])
  } else if (usd === null) {
    if (key.budget) change.budget = null
  } else if (!key.budget || key.budget.usd !== usd || key.budget.period !== period) {
    change.budget = { usd, period }
  }
  return { change, problems }
}

/** The error line of the field a server's `param` (e.g. limits.rpm, allowedModels.2, budget.usd) names, if any. */
function fieldError (/** @type {string} */ param) {
  let best = /** @type {HTMLElement | null} */ (null)
  for (const el of document.querySelectorAll('#kp-form [data-field-error]')) {
    const name = el instanceof window.HTMLElement ? el.dataset.fieldError ?? '' : ''
    const matches = param === name || param.startsWith(`${name}.`)
    if (matches && el instanceof window.HTMLElement && (!best || name.length > (best.dataset.fieldError ?? '').length)) best = el
  }
  return best
}

/**
 * Shows a message beside the field it is about, or above the buttons when no field is named.
 * @param {string | null} param
 * @param {string} message
 */
function showError (param, message) {
  const el = param ? fieldError(param) : null
  if (!el) {
    showAlert($('kp-form-error'), message)
    return
  }
  el.textContent = message
  el.hidden = false
  const field = el.closest('.field')?.querySelector('input:not([hidden]), select')
  if (field instanceof window.HTMLElement) {
    field.setAttribute('aria-invalid', 'true')
    field.focus()
  }
}

function clearErrors () {
  for (const el of document.querySelectorAll('#kp-form [data-field-error]')) {
    if (el instanceof window.HTMLElement) {
      el.hidden = true
      el.textContent = ''
    }
  }
  for (const el of document.querySelectorAll('#kp-form [aria-invalid]')) el.removeAttribute('aria-invalid')
  showAlert($('kp-form-error'), '')
}

async function save () {
  const key = currentKey()
  if (!key) return
  clearErrors()
  // A model typed but not added yet is what the user meant to add.
  if (input('kp-model-input').value.trim()) addModels()
  const { change, problems } = readForm(key)
  if (problems.length) {
    for (const [param, message] of problems.reverse()) showError(param, message)
    return
  }
  if (Object.keys(change).length === 0) {
    toast('Nothing to save: the settings are as they were')
    return
  }
  await busy($('kp-save', window.HTMLButtonElement), async () => {
    try {
      const updated = await server.updateKey(key.id, change)
      setKey(updated)
      fillSettings(updated)
      toast('Settings saved')
      loadActivity()
    } catch (err) {
      if (sessionLost(err)) return
      const message = err instanceof ApiError ? err.message.replace(/^Invalid request: /, '') : ''
      showError(err instanceof ApiError ? err.param : null, message ? `${message.charAt(0).toUpperCase()}${message.slice(1)}` : `Could not save the settings: ${describeError(err)}`)
    }
  })
}

/** @param {{ openKey: () => KeySummary | null }} deps the key whose panel is open */
export function initKeySettings ({ openKey }) {
  currentKey = openKey
  $('kp-form').addEventListener('submit', (e) => {
    e.preventDefault()
    save()
  })
  $('kp-reset').addEventListener('click', () => {
    const key = currentKey()
    if (key) fillSettings(key)
  })
  select('kp-expiry').addEventListener('change', () => {
    renderExpiry()
    if (select('kp-expiry').value === 'date') input('kp-expiry-date').focus()
  })
  input('kp-expiry-date').addEventListener('input', renderExpiry)
  $('kp-model-add').addEventListener('click', () => {
    addModels()
    input('kp-model-input').focus()
  })
  input('kp-model-input').addEventListener('keydown', (e) => {
    // Enter adds the model rather than saving the form.
    if (e.key === 'Enter' && input('kp-model-input').value.trim()) {
      e.preventDefault()
      addModels()
    }
  })
  on('catalogue', renderCatalogue)
  on('keys', () => { if (currentKey()) renderCatalogue() })
}
