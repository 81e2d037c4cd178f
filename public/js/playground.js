// @ts-check
// Playground tab: one chat request through the real /v1/chat/completions, streamed or not, with Stop.
// Besides state, api and ui it uses sse.js, a pure reader of server-sent events with no state of its own.
import { ApiError, readJson, networkError, isAbort, messageOf } from './api.js'
import { state, on, setSelection, selectedSecret, findModel, loadModels, PASTE } from './state.js'
import { $, h, showAlert } from './ui.js'
import { readSse } from './sse.js'

/** @import { Model } from './api.js' */

/** @typedef {{ id: string, type: string, function: { name: string, arguments: string } }} ToolCall */
/** @typedef {{ index?: number, id?: string, function?: { name?: string, arguments?: string } }} ToolCallDelta a streamed piece of one */

/**
 * @typedef {object} Usage
 * @property {number} [prompt_tokens]
 * @property {number} [completion_tokens]
 * @property {number} [total_tokens]
 * @property {{ reasoning_tokens?: number }} [completion_tokens_details]
 */

/** @typedef {{ content?: string | null, reasoning_content?: string, reasoning?: string }} Text */

/**
 * A chat completion, or one streamed chunk of one (with deltas instead of messages).
 * @typedef {object} Completion
 * @property {string} [model]
 * @property {Usage | null} [usage]
 * @property {Array<{ message?: Text & { tool_calls?: ToolCall[] }, delta?: Text & { tool_calls?: ToolCallDelta[] }, finish_reason?: string | null }>} [choices]
 * @property {unknown} [error]
 */

/**
 * @typedef {object} ChatRequest
 * @property {string} model
 * @property {Array<{ role: string, content: string }>} messages
 * @property {boolean} stream
 * @property {{ include_usage: boolean }} [stream_options]
 * @property {number} [max_tokens]
 * @property {unknown[]} [tools]
 */

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

const fmtInt = new Intl.NumberFormat()
/** @param {number} ms */
const fmtMs = (ms) => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`

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
    info.textContent = state.model ? `${state.models.length} models available. “${state.model}” is not one of their ids; Puter may still know it.` : `${state.models.length} models available: type to search.`
  } else {
    info.textContent = 'The model list loads once a key is chosen.'
  }
}

/** Output area state for one request. */
function resetOutput () {
  $('pg-placeholder').hidden = true
  $('pg-reply').replaceChildren()
  $('pg-reply').classList.remove('is-empty')
  $('pg-reasoning').hidden = true
  $('pg-reasoning-text').replaceChildren()
  $('pg-tools-out').hidden = true
  $('pg-tool-list').replaceChildren()
  $('pg-usage').hidden = true
  $('pg-usage').replaceChildren()
  showAlert($('pg-error'), '')
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

/** @param {ToolCall[]} calls */
function renderToolCalls (calls) {
  const list = $('pg-tool-list')
  const items = calls.filter(Boolean).map((c) => {
    let args = c.function?.arguments ?? ''
    try {
      args = JSON.stringify(JSON.parse(args), null, 2)
    } catch {
      // still streaming, or not JSON: show as is
    }
    return h('li', { class: 'tool-call' },
      h('div', { class: 'tool-call-head' },
        h('code', { class: 'tool-name' }, c.function?.name || '(unnamed)'),
        c.id ? h('span', { class: 'muted mono' }, c.id) : null),
      h('pre', { class: 'tool-args' }, args))
  })
  list.replaceChildren(...items)
  $('pg-tools-out').hidden = items.length === 0
}

/**
 * @param {{ usage: Usage | null, model: string, finishReason: string | null, ttft: number | null, total: number, stopped: boolean }} run
 */
function renderUsage ({ usage, model, finishReason, ttft, total, stopped }) {
  const dl = $('pg-usage')
  /** @type {HTMLElement[]} */
  const rows = []
  /**
   * @param {string} label
   * @param {string | null | undefined} value
   */
  const add = (label, value) => { if (value !== undefined && value !== null && value !== '') rows.push(h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value))) }
  add('Model', model)
  add('Finish', stopped ? 'stopped' : finishReason)
  if (usage) {
    add('Prompt tokens', fmtInt.format(usage.prompt_tokens ?? 0))
    add('Completion tokens', fmtInt.format(usage.completion_tokens ?? 0))
    const reasoning = usage.completion_tokens_details?.reasoning_tokens
    if (reasoning) add('Reasoning tokens', fmtInt.format(reasoning))
    add('Total tokens', fmtInt.format(usage.total_tokens ?? ((usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0))))
  }
  if (ttft !== null && ttft !== undefined) add('First token', fmtMs(ttft))
  add('Latency', fmtMs(total))
  dl.replaceChildren(...rows)
  dl.hidden = rows.length === 0
}

/** @param {boolean} running */
function setRunning (running) {
  $('pg-send', window.HTMLButtonElement).disabled = running
  $('pg-stop').hidden = !running
  $('pg-output').setAttribute('aria-busy', String(running))
}

/**
 * The value of a form field (input or textarea), trimmed.
 * @param {string} id
 */
function fieldValue (id) {
  const el = $(id)
  return el instanceof window.HTMLInputElement || el instanceof window.HTMLTextAreaElement ? el.value.trim() : ''
}

/**
 * Builds the request from the form; throws FormError with a message for the user.
 * @returns {{ key: string, body: ChatRequest }}
 */
function buildRequest () {
  const key = selectedSecret()
  if (!key) throw new FormError(state.secretProblem || 'Choose an API key first.')
  const model = state.model.trim()
  if (!model) throw new FormError('Choose a model.', 'pg-model')
  const message = fieldValue('pg-message')
  if (!message) throw new FormError('Write a message first.', 'pg-message')
  const stream = $('pg-stream', window.HTMLInputElement).checked
  const system = fieldValue('pg-system')
  /** @type {ChatRequest} */
  const body = {
    model,
    messages: [...(system ? [{ role: 'system', content: system }] : []), { role: 'user', content: message }],
    stream
  }
  if (stream) body.stream_options = { include_usage: true }
  const maxTokens = fieldValue('pg-max-tokens')
  if (maxTokens) {
    const n = Number(maxTokens)
    if (!Number.isInteger(n) || n < 1) throw new FormError('Max tokens must be a whole number above 0.', 'pg-max-tokens')
    body.max_tokens = n
  }
  const toolsText = fieldValue('pg-tools')
  if (toolsText) {
    let tools
    try {
      tools = JSON.parse(toolsText)
    } catch (err) {
      throw new FormError(`Tools is not valid JSON: ${messageOf(err)}`, 'pg-tools')
    }
    if (!Array.isArray(tools)) throw new FormError('Tools must be a JSON array of tool definitions.', 'pg-tools')
    body.tools = tools
  }
  return { key, body }
}

async function send () {
  if (controller) return
  let req
  try {
    req = buildRequest()
  } catch (err) {
    showAlert($('pg-error'), messageOf(err))
    if (err instanceof FormError && err.focus) {
      const el = $(err.focus)
      const details = el.closest('details')
      if (details && (err.focus === 'pg-max-tokens' || err.focus === 'pg-tools')) details.open = true
      el.focus()
    }
    return
  }
  resetOutput()
  controller = new AbortController()
  setRunning(true)
  setStatus(req.body.stream ? 'Waiting for the first token…' : 'Waiting for the reply…', 'busy')

  const reply = $('pg-reply')
  const reasoningEl = $('pg-reasoning-text')
  /** @type {ToolCall[]} */
  const toolCalls = []
  const started = performance.now()
  /** @type {number | null} */
  let ttft = null
  /** @type {Usage | null} */
  let usage = null
  let model = req.body.model
  /** @type {string | null} */
  let finishReason = null
  let stopped = false
  let failed = false
  const firstToken = () => {
    if (ttft === null) {
      ttft = performance.now() - started
      setStatus('Streaming…', 'busy')
    }
  }

  try {
    let res
    try {
      res = await fetch('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${req.key}`, accept: req.body.stream ? 'text/event-stream' : 'application/json' },
        body: JSON.stringify(req.body),
        signal: controller.signal,
        cache: 'no-store'
      })
    } catch (err) {
      if (isAbort(err)) throw err
      throw networkError()
    }
    if (!res.ok) throw new ApiError(res.status, await readJson(res))

    if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      for await (const data of readSse(/** @type {NonNullable<Response['body']>} */ (res.body))) {
        if (data === '[DONE]') break
        /** @type {Completion} */
        let chunk
        try {
          chunk = JSON.parse(data)
        } catch {
          continue
        }
        if (chunk.error) throw new ApiError(502, chunk)
        if (chunk.model) model = chunk.model
        if (chunk.usage) usage = chunk.usage
        const choice = chunk.choices?.[0]
        if (!choice) continue
        const delta = choice.delta ?? {}
        const reasoning = delta.reasoning_content ?? delta.reasoning
        if (reasoning) {
          firstToken()
          $('pg-reasoning').hidden = false
          reasoningEl.append(reasoning)
        }
        if (delta.content) {
          firstToken()
          reply.append(delta.content)
        }
        if (Array.isArray(delta.tool_calls)) {
          firstToken()
          for (const tc of delta.tool_calls) {
            const i = tc.index ?? 0
            const cur = toolCalls[i] ??= { id: '', type: 'function', function: { name: '', arguments: '' } }
            if (tc.id) cur.id = tc.id
            if (tc.function?.name) cur.function.name += tc.function.name
            if (tc.function?.arguments) cur.function.arguments += tc.function.arguments
          }
          renderToolCalls(toolCalls)
        }
        if (choice.finish_reason) finishReason = choice.finish_reason
      }
    } else {
      /** @type {Completion} */
      const json = await res.json()
      ttft = null
      model = json.model ?? model
      usage = json.usage ?? null
      const choice = json.choices?.[0] ?? {}
      finishReason = choice.finish_reason ?? null
      const msg = choice.message ?? {}
      const reasoning = msg.reasoning_content ?? msg.reasoning
      if (reasoning) {
        $('pg-reasoning').hidden = false
        reasoningEl.append(reasoning)
      }
      if (msg.content) reply.append(msg.content)
      if (Array.isArray(msg.tool_calls)) {
        toolCalls.push(...msg.tool_calls)
        renderToolCalls(toolCalls)
      }
    }
  } catch (err) {
    if (isAbort(err)) {
      stopped = true
    } else {
      failed = true
      showAlert($('pg-error'), err instanceof ApiError ? playgroundError(err) : (messageOf(err) || 'The request failed.'))
    }
  } finally {
    const total = performance.now() - started
    controller = null
    const stopHadFocus = document.activeElement === $('pg-stop')
    setRunning(false)
    if (stopHadFocus) $('pg-message').focus()
    if (!reply.hasChildNodes() && toolCalls.length === 0 && !failed) {
      reply.classList.add('is-empty')
      reply.textContent = stopped ? 'Stopped before any text arrived.' : 'The model returned no text.'
    }
    setStatus(stopped ? 'Stopped' : failed ? 'Failed' : 'Done', stopped ? 'warn' : failed ? 'error' : 'ok')
    renderUsage({ usage, model, finishReason, ttft, total, stopped })
  }
}

/** @param {ApiError} err */
function playgroundError (err) {
  if (err.code === 'invalid_api_key') return `${err.message} (The key may have been revoked.)`
  if (err.code === 'model_not_found') return `${err.message} Pick a model from the list.`
  return err.message
}

export function initPlayground () {
  const modifier = $('pg-shortcut').firstElementChild
  if (modifier && /Mac|iPhone|iPad/.test(navigator.platform)) modifier.textContent = '⌘'
  $('pg-form').addEventListener('submit', (e) => {
    e.preventDefault()
    send()
  })
  $('pg-stop').addEventListener('click', () => controller?.abort())
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
      resetOutput()
      $('pg-placeholder').hidden = false
      setStatus('')
    }
    renderKeyNote()
    renderModelInfo()
  })
  renderKeyNote()
  renderModelInfo()
}
