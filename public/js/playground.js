// @ts-check
// Playground tab: a conversation with a model through one of this server's three APIs (Chat Completions, Responses,
// Anthropic Messages), streamed or not, with Stop, edit and resend, Clear, and each exchange's raw request and response.
// Besides state, api and ui it uses chat-apis.js and sse.js (pure: no state) and transcript.js (the turns' DOM).
// The conversation lives here, not in state.js: no other tab reads it, and it is forgotten on sign-out.
import { ApiError, networkError, isAbort, messageOf } from './api.js'
import { state, on, setSelection, selectedSecret, findModel, loadModels, PASTE } from './state.js'
import { $, showAlert } from './ui.js'
import { readSse } from './sse.js'
import { APIS, isApiId, buildCall, emptyReply, applyEvent, applyJson } from './chat-apis.js'
import { userTurnView, assistantTurnView, updateAssistant } from './transcript.js'
import { kindOf } from './media-apis.js'

/** @import { Model } from './api.js' */
/** @import { ApiId, CallOptions, Call, HistoryTurn } from './chat-apis.js' */
/** @import { Turn, AssistantTurn, AssistantView } from './transcript.js' */

/** A problem with the form, with the id of the field to focus. */
class FormError extends Error {
  /**
   * @param {string} message
   * @param {string} [focus]
   */
  constructor (message, focus) {
    super(message)
    this.focus = focus
  }
}

/** @type {AbortController | null} */
let controller = null
/** The conversation, oldest first. */
/** @type {Turn[]} */
let turns = []
/** The user turn being edited, or -1. */
let editing = -1
/** @type {WeakMap<AssistantTurn, AssistantView>} */
const views = new WeakMap()

/**
 * "$3.00 / $15.00 per 1M tokens" from OpenRouter-style per-token prices.
 * @param {Model['pricing']} pricing
 */
function priceText (pricing) {
  const p = Number(pricing?.prompt)
  const c = Number(pricing?.completion)
  if (!Number.isFinite(p) || !Number.isFinite(c)) return ''
  const usd = (/** @type {number} */ v) => `$${(v * 1e6).toFixed(v * 1e6 < 0.1 ? 3 : 2)}`
  return `${usd(p)} in / ${usd(c)} out per 1M tokens`
}

/** @param {number | undefined} n */
function contextText (n) {
  if (!n) return ''
  return n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M context` : `${Math.round(n / 1000)}K context`
}

function renderKeyNote () {
  const note = $('pg-key-note')
  note.textContent = state.secretProblem
  note.hidden = !state.secretProblem
  $('pg-paste').hidden = state.keyId !== PASTE
}

function renderModelInfo () {
  const info = $('pg-model-info')
  if (state.modelsError) {
    info.textContent = state.modelsError
    info.classList.add('hint-error')
    return
  }
  info.classList.remove('hint-error')
  const m = findModel(state.model)
  if (m) {
    info.textContent = [m.name && m.name !== m.id ? m.name : '', m.owned_by, contextText(m.context_length), priceText(m.pricing)].filter(Boolean).join(' · ')
  } else if (state.models) {
    const count = state.models.filter((x) => kindOf(x) === 'chat').length
    info.textContent = state.model ? `${count} chat models available. “${state.model}” is not one of their ids; Puter may still know it.` : `${count} chat models available: type to search.`
  } else {
    info.textContent = 'The model list loads once a key is chosen.'
  }
}

/** The API picked in the form. */
function selectedApi () {
  const v = document.querySelector('input[name="pg-api"]:checked')
  const id = v instanceof window.HTMLInputElement ? v.value : ''
  return /** @type {ApiId} */ (isApiId(id) ? id : 'chat')
}

/**
 * @param {string} text
 * @param {'' | 'busy' | 'ok' | 'warn' | 'error'} [kind]
 */
function setStatus (text, kind = '') {
  const el = $('pg-status')
  el.textContent = text
  el.dataset.kind = kind
}

/** Redraws the turns (assistant turns keep their elements, so an open raw view stays open). */
function renderTranscript () {
  const busy = controller !== null
  const actions = { edit: startEdit, resend, cancel: cancelEdit }
  const items = turns.map((turn, i) => {
    if (turn.role === 'user') return userTurnView(turn, i, { editing: editing === i, busy, actions })
    let view = views.get(turn)
    if (!view) {
      view = assistantTurnView(turn, i)
      views.set(turn, view)
    }
    return view.el
  })
  $('pg-transcript').replaceChildren(...items)
  $('pg-placeholder').hidden = turns.length > 0
  $('pg-clear', window.HTMLButtonElement).disabled = turns.length === 0
}

/** @param {boolean} running */
function setRunning (running) {
  $('pg-send', window.HTMLButtonElement).disabled = running
  $('pg-stop').hidden = !running
  $('pg-output').setAttribute('aria-busy', String(running))
}

/**
 * The value of a form field (input, textarea or select), trimmed.
 * @param {string} id
 */
function fieldValue (id) {
  const el = $(id)
  return el instanceof window.HTMLInputElement || el instanceof window.HTMLTextAreaElement || el instanceof window.HTMLSelectElement ? el.value.trim() : ''
}

/**
 * The settings from the form; throws FormError with a message for the user.
 * @returns {CallOptions}
 */
function readOptions () {
  const key = selectedSecret()
  if (!key) throw new FormError(state.secretProblem || 'Choose an API key first.')
  const model = state.model.trim()
  if (!model) throw new FormError('Choose a model.', 'pg-model')
  /** @type {number | null} */
  let maxTokens = null
  const maxText = fieldValue('pg-max-tokens')
  if (maxText) {
    maxTokens = Number(maxText)
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new FormError('Max tokens must be a whole number above 0.', 'pg-max-tokens')
  }
  /** @type {unknown[] | null} */
  let tools = null
  const toolsText = fieldValue('pg-tools')
  if (toolsText) {
    let parsed
    try {
      parsed = JSON.parse(toolsText)
    } catch (err) {
      throw new FormError(`Tools is not valid JSON: ${messageOf(err)}`, 'pg-tools')
    }
    if (!Array.isArray(parsed)) throw new FormError('Tools must be a JSON array of tool definitions.', 'pg-tools')
    tools = parsed
  }
  const effort = fieldValue('pg-effort')
  return {
    key,
    model,
    system: fieldValue('pg-system'),
    stream: $('pg-stream', window.HTMLInputElement).checked,
    maxTokens,
    tools,
    effort: effort === 'low' || effort === 'medium' || effort === 'high' ? effort : ''
  }
}

/** @param {unknown} err */
function showFormError (err) {
  showAlert($('pg-error'), messageOf(err))
  if (err instanceof FormError && err.focus) {
    const el = $(err.focus)
    const details = el.closest('details')
    if (details) details.open = true
    el.focus()
  }
}

/**
 * What is sent as history: the user's turns, and the replies that finished or were stopped with some text. Tool
 * calls are left out: the Playground has no way to answer them.
 * @returns {HistoryTurn[]}
 */
function history () {
  /** @type {HistoryTurn[]} */
  const out = []
  for (const t of turns) {
    if (t.role === 'user') out.push({ role: 'user', text: t.text })
    else if ((t.status === 'done' || t.status === 'stopped') && t.reply.text) out.push({ role: 'assistant', text: t.reply.text })
  }
  return out
}

/** A key as the raw view shows it: enough to tell which key, not enough to use it. */
const maskKey = (/** @type {string} */ key) => key.length < 16 ? key : `${key.slice(0, 7)}…${key.slice(-4)}`

/**
 * The request as text: method, path, headers (the key masked) and the body exactly as sent.
 * @param {Call} call
 * @param {string} body
 * @param {string} key
 */
function rawRequest (call, body, key) {
  const headers = Object.entries(call.headers).map(([k, v]) => `${k}: ${v.replace(key, maskKey(key))}`)
  return [`POST ${call.path}`, ...headers, '', body].join('\n')
}

/** Sends the composer's message as the next turn. */
function sendNew () {
  if (controller) return
  showAlert($('pg-error'), '')
  let options
  try {
    options = readOptions()
    if (!fieldValue('pg-message')) throw new FormError('Write a message first.', 'pg-message')
  } catch (err) {
    showFormError(err)
    return
  }
  const message = $('pg-message', window.HTMLTextAreaElement)
  turns.push({ role: 'user', text: message.value.trim() })
  message.value = ''
  editing = -1
  run(options)
}

/** @param {number} index */
function startEdit (index) {
  if (controller) return
  editing = index
  renderTranscript()
  const box = $('pg-transcript').querySelector('.turn-edit-input')
  if (box instanceof window.HTMLTextAreaElement) {
    box.focus()
    box.setSelectionRange(box.value.length, box.value.length)
  }
}

function cancelEdit () {
  const index = editing
  editing = -1
  renderTranscript()
  const button = $('pg-transcript').querySelector(`[data-index="${index}"] .turn-edit`)
  if (button instanceof window.HTMLElement) button.focus()
}

/**
 * Replaces a user turn, drops everything after it, and sends the conversation again.
 * @param {number} index
 * @param {string} text
 */
function resend (index, text) {
  if (controller) return
  showAlert($('pg-error'), '')
  let options
  try {
    options = readOptions()
    if (!text.trim()) throw new FormError('Write a message first.')
  } catch (err) {
    showFormError(err)
    return
  }
  turns = [...turns.slice(0, index), { role: 'user', text: text.trim() }]
  editing = -1
  run(options)
}

/** Empties the conversation (stopping a request on its way). */
function clearConversation () {
  controller?.abort()
  controller = null
  setRunning(false)
  turns = []
  editing = -1
  renderTranscript()
  setStatus('')
  showAlert($('pg-error'), '')
  $('pg-message').focus()
}

/**
 * Sends the conversation through the chosen API and shows the answer as the next assistant turn.
 * @param {CallOptions} options
 */
async function run (options) {
  const api = selectedApi()
  const call = buildCall(api, history(), options)
  const body = JSON.stringify(call.body, null, 2)
  /** @type {AssistantTurn} */
  const turn = {
    role: 'assistant',
    api,
    reply: { ...emptyReply(), model: options.model },
    status: 'running',
    error: '',
    ttft: null,
    total: null,
    raw: { request: rawRequest(call, body, options.key), status: '', response: '' }
  }
  turns.push(turn)
  controller = new AbortController()
  const { signal } = controller
  setRunning(true)
  renderTranscript()
  const view = /** @type {AssistantView} */ (views.get(turn))
  view.el.scrollIntoView({ block: 'nearest' })
  setStatus(options.stream ? 'Waiting for the first token…' : 'Waiting for the reply…', 'busy')
  const started = performance.now()
  const { reply } = turn

  try {
    let res
    try {
      res = await fetch(call.path, { method: 'POST', headers: call.headers, body, signal, cache: 'no-store' })
    } catch (err) {
      if (isAbort(err)) throw err
      throw networkError()
    }
    const type = res.headers.get('content-type') ?? ''
    turn.raw.status = `HTTP ${res.status}${type ? ` · ${type}` : ''}`
    if (!res.ok || !type.includes('text/event-stream')) {
      turn.raw.response = await res.text()
      updateAssistant(view, turn)
      /** @type {unknown} */
      let json = null
      try {
        json = JSON.parse(turn.raw.response)
      } catch {
        // not JSON: ApiError says so by status
      }
      if (!res.ok) throw new ApiError(res.status, json)
      applyJson(api, reply, json)
    } else {
      for await (const ev of readSse(/** @type {NonNullable<Response['body']>} */ (res.body), (text) => { turn.raw.response += text })) {
        const done = applyEvent(api, reply, ev)
        if (turn.ttft === null && (reply.text || reply.reasoning || reply.toolCalls.length)) {
          turn.ttft = performance.now() - started
          setStatus('Streaming…', 'busy')
        }
        updateAssistant(view, turn)
        if (done) break
      }
    }
    turn.status = 'done'
  } catch (err) {
    if (isAbort(err)) {
      turn.status = 'stopped'
    } else {
      turn.status = 'failed'
      turn.error = err instanceof ApiError ? playgroundError(err) : (messageOf(err) || 'The request failed.')
    }
  } finally {
    turn.total = performance.now() - started
    if (controller?.signal === signal) controller = null
    const stopHadFocus = document.activeElement === $('pg-stop')
    setRunning(controller !== null)
    updateAssistant(view, turn)
    // A request stopped by Clear is gone from the conversation: nothing more to show for it.
    if (turns.includes(turn)) {
      renderTranscript()
      if (stopHadFocus) $('pg-message').focus()
      const s = turn.status
      setStatus(s === 'stopped' ? 'Stopped' : s === 'failed' ? 'Failed' : 'Done', s === 'stopped' ? 'warn' : s === 'failed' ? 'error' : 'ok')
    }
  }
}

/** @param {ApiError} err */
function playgroundError (err) {
  if (err.code === 'invalid_api_key' || err.status === 401) return `${err.message} (The key may have been revoked.)`
  if (err.code === 'model_not_found' || (err.status === 404 && /model/i.test(err.message))) return `${err.message} Pick a model from the list.`
  return err.message
}

function renderApiInfo () {
  const api = APIS[selectedApi()]
  $('pg-send-via').textContent = `POST ${api.path}`
}

export function initPlayground () {
  const modifier = $('pg-shortcut').firstElementChild
  if (modifier && /Mac|iPhone|iPad/.test(navigator.platform)) modifier.textContent = '⌘'
  $('pg-form').addEventListener('submit', (e) => {
    e.preventDefault()
    sendNew()
  })
  $('pg-stop').addEventListener('click', () => controller?.abort())
  $('pg-clear').addEventListener('click', clearConversation)
  $('pg-message').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault()
      $('pg-form', window.HTMLFormElement).requestSubmit()
    }
  })
  $('panel-playground').addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && controller) {
      e.preventDefault()
      controller.abort()
    }
  })
  for (const radio of document.querySelectorAll('input[name="pg-api"]')) radio.addEventListener('change', renderApiInfo)
  const paste = $('pg-paste-input', window.HTMLInputElement)
  paste.addEventListener('input', () => setSelection({ pastedKey: paste.value }))
  paste.addEventListener('change', () => loadModels())

  on('secret', () => {
    renderKeyNote()
    renderModelInfo()
  })
  on('models', renderModelInfo)
  on('selection', () => {
    renderKeyNote()
    renderModelInfo()
  })
  on('auth', () => {
    if (!state.user) {
      controller?.abort()
      paste.value = ''
      turns = []
      editing = -1
      renderTranscript()
      setStatus('')
      showAlert($('pg-error'), '')
    }
    renderKeyNote()
    renderModelInfo()
  })
  renderKeyNote()
  renderModelInfo()
  renderApiInfo()
  renderTranscript()
}
