// @ts-check
// The Playground's conversation on screen: user turns (with Edit), assistant turns (reasoning, reply, tool calls,
// usage, and the raw request and response). Builds DOM from the turns it is given; keeps no state of its own.
import { h, icon, copyWithFeedback } from './ui.js'
import { APIS } from './chat-apis.js'

/** @import { ApiId, Reply, ToolCall } from './chat-apis.js' */

/** @typedef {{ role: 'user', text: string }} UserTurn */

/**
 * An exchange's answer: the reply so far, how the request went, and the raw traffic.
 * @typedef {object} AssistantTurn
 * @property {'assistant'} role
 * @property {ApiId} api
 * @property {Reply} reply
 * @property {'running' | 'done' | 'stopped' | 'failed'} status
 * @property {string} error why it failed, or ''
 * @property {number | null} ttft ms to the first token (streams only)
 * @property {number | null} total ms for the whole request
 * @property {{ request: string, status: string, response: string }} raw what was sent and received, as text
 */

/** @typedef {UserTurn | AssistantTurn} Turn */

/**
 * The parts of an assistant turn that change while it streams.
 * @typedef {object} AssistantView
 * @property {HTMLElement} el
 * @property {HTMLDetailsElement} reasoning
 * @property {HTMLElement} reasoningText
 * @property {HTMLElement} text
 * @property {HTMLElement} tools
 * @property {HTMLElement} toolList
 * @property {HTMLElement} stats
 * @property {HTMLElement} error
 * @property {HTMLElement} rawStatus
 * @property {HTMLElement} rawResponse
 * @property {number} rawShown how much of the raw response is on screen (a stream is appended to, not redrawn)
 */

/**
 * What the user can do on a user turn.
 * @typedef {object} UserActions
 * @property {(index: number) => void} edit
 * @property {(index: number, text: string) => void} resend
 * @property {() => void} cancel
 */

const fmtInt = new Intl.NumberFormat()
/** @param {number} ms */
const fmtMs = (ms) => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`

/**
 * @param {string} label
 * @param {() => string} getText
 * @param {string} what
 */
function copyButton (label, getText, what) {
  const button = h('button', { type: 'button', class: 'btn btn-ghost btn-sm copy-btn', 'aria-label': label }, icon('copy'), h('span', {}, 'Copy'))
  button.addEventListener('click', () => copyWithFeedback(button, getText(), what))
  return button
}

/**
 * A user turn; with `editing`, a text box to change it and resend.
 * @param {UserTurn} turn
 * @param {number} index
 * @param {{ editing: boolean, busy: boolean, actions: UserActions }} opts
 */
export function userTurnView (turn, index, { editing, busy, actions }) {
  const n = index + 1
  if (editing) {
    const box = h('textarea', { class: 'input turn-edit-input', rows: '3', 'aria-label': `Edit message ${n}` })
    box.value = turn.text
    const resend = h('button', { type: 'button', class: 'btn btn-primary btn-sm turn-resend', disabled: busy }, icon('send'), h('span', {}, 'Resend'))
    resend.addEventListener('click', () => actions.resend(index, box.value))
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary btn-sm turn-cancel' }, 'Cancel')
    cancel.addEventListener('click', () => actions.cancel())
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault()
        resend.click()
      } else if (e.key === 'Escape') {
        e.preventDefault()
        e.stopPropagation()
        actions.cancel()
      }
    })
    return h('li', { class: 'turn turn-user is-editing', dataset: { index: String(index) } },
      h('div', { class: 'turn-head' }, h('span', { class: 'turn-who' }, 'You')),
      box,
      h('p', { class: 'hint turn-edit-hint' }, 'Resending replaces this message and drops everything after it.'),
      h('div', { class: 'turn-edit-actions' }, cancel, resend))
  }
  const edit = h('button', { type: 'button', class: 'icon-btn turn-edit', 'aria-label': `Edit message ${n}`, title: 'Edit and resend', disabled: busy }, icon('edit'))
  edit.addEventListener('click', () => actions.edit(index))
  return h('li', { class: 'turn turn-user', dataset: { index: String(index) } },
    h('div', { class: 'turn-head' }, h('span', { class: 'turn-who' }, 'You'), edit),
    h('div', { class: 'turn-text' }, turn.text))
}

/**
 * An assistant turn, with handles on the parts that change while it streams.
 * @param {AssistantTurn} turn
 * @param {number} index
 * @returns {AssistantView}
 */
export function assistantTurnView (turn, index) {
  const api = APIS[turn.api]
  const reasoningText = h('div', { class: 'reasoning-text' })
  const reasoning = h('details', { class: 'reasoning', open: true, hidden: true }, h('summary', {}, 'Reasoning'), reasoningText)
  const text = h('div', { class: 'reply' })
  const toolList = h('ol', { class: 'tool-list' })
  const tools = h('div', { class: 'tool-calls', hidden: true }, h('h3', { class: 'subhead' }, icon('tool'), ' Tool calls'), toolList)
  const stats = h('dl', { class: 'stats', hidden: true })
  const error = h('div', { class: 'alert alert-error turn-error', role: 'alert', hidden: true })
  const rawRequest = h('pre', { class: 'raw-text', tabindex: '0' }, turn.raw.request)
  const rawStatus = h('span', { class: 'raw-status' })
  const rawResponse = h('pre', { class: 'raw-text', tabindex: '0' })
  const raw = h('details', { class: 'raw' },
    h('summary', {}, icon('code'), 'Raw request and response'),
    h('div', { class: 'raw-part' },
      h('div', { class: 'raw-head' }, h('span', { class: 'raw-label' }, 'Request'), copyButton(`Copy the raw request of reply ${index + 1}`, () => turn.raw.request, 'Request copied')),
      rawRequest),
    h('div', { class: 'raw-part' },
      h('div', { class: 'raw-head' }, h('span', { class: 'raw-label' }, 'Response ', rawStatus), copyButton(`Copy the raw response of reply ${index + 1}`, () => turn.raw.response, 'Response copied')),
      rawResponse))
  const el = h('li', { class: 'turn turn-assistant', dataset: { index: String(index), api: turn.api } },
    h('div', { class: 'turn-head' },
      h('span', { class: 'turn-who' }, 'Assistant'),
      h('span', { class: 'api-badge', title: `${api.vendor} ${api.label}: POST ${api.path}` }, api.label)),
    reasoning, text, tools, error, stats, raw)
  /** @type {AssistantView} */
  const view = { el, reasoning, reasoningText, text, tools, toolList, stats, error, rawStatus, rawResponse, rawShown: 0 }
  updateAssistant(view, turn)
  return view
}

/**
 * Brings an assistant turn's view up to date (cheap enough to call at every stream event).
 * @param {AssistantView} view
 * @param {AssistantTurn} turn
 */
export function updateAssistant (view, turn) {
  const { reply } = turn
  if (view.reasoningText.textContent !== reply.reasoning) view.reasoningText.textContent = reply.reasoning
  view.reasoning.hidden = reply.reasoning === ''
  const calls = reply.toolCalls.filter(Boolean)
  const running = turn.status === 'running'
  let shown = reply.text
  view.text.classList.remove('is-empty')
  if (!shown && calls.length === 0 && !running) {
    shown = turn.status === 'stopped' ? 'Stopped before any text arrived.' : turn.status === 'failed' ? '' : 'The model returned no text.'
    view.text.classList.add('is-empty')
  }
  if (view.text.textContent !== shown) view.text.textContent = shown
  view.text.hidden = shown === '' && !running
  renderToolCalls(view, calls)
  view.error.hidden = !turn.error
  if (turn.error && view.error.textContent !== turn.error) view.error.replaceChildren(icon('alert'), h('span', {}, turn.error))
  view.rawStatus.textContent = turn.raw.status ? `· ${turn.raw.status}` : ''
  if (view.rawShown !== turn.raw.response.length) {
    if (view.rawShown < turn.raw.response.length) view.rawResponse.append(turn.raw.response.slice(view.rawShown))
    else view.rawResponse.textContent = turn.raw.response
    view.rawShown = turn.raw.response.length
  }
  if (!running) renderStats(view.stats, turn)
}

/**
 * @param {AssistantView} view
 * @param {ToolCall[]} calls
 */
function renderToolCalls (view, calls) {
  view.tools.hidden = calls.length === 0
  if (calls.length === 0) return
  view.toolList.replaceChildren(...calls.map((c) => {
    let args = c.arguments
    try {
      args = JSON.stringify(JSON.parse(args), null, 2)
    } catch {
      // still streaming, or not JSON: show as is
    }
    return h('li', { class: 'tool-call' },
      h('div', { class: 'tool-call-head' },
        h('code', { class: 'tool-name' }, c.name || '(unnamed)'),
        c.id ? h('span', { class: 'muted mono' }, c.id) : null),
      h('pre', { class: 'tool-args' }, args))
  }))
}

/**
 * @param {HTMLElement} dl
 * @param {AssistantTurn} turn
 */
function renderStats (dl, turn) {
  const { reply } = turn
  /** @type {HTMLElement[]} */
  const rows = []
  /**
   * @param {string} label
   * @param {string | null | undefined} value
   */
  const add = (label, value) => { if (value !== undefined && value !== null && value !== '') rows.push(h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value))) }
  /** @param {number | null | undefined} n */
  const count = (n) => n === null || n === undefined ? null : fmtInt.format(n)
  add('Model', reply.model)
  add('Finish', turn.status === 'stopped' ? 'stopped' : reply.finish)
  const u = reply.usage
  if (u) {
    add('Input tokens', count(u.input))
    if (u.cached) add('Cached tokens', count(u.cached))
    add('Output tokens', count(u.output))
    if (u.reasoning) add('Reasoning tokens', count(u.reasoning))
    add('Total tokens', count(u.total ?? (u.input ?? 0) + (u.output ?? 0)))
  }
  if (turn.ttft !== null) add('First token', fmtMs(turn.ttft))
  if (turn.total !== null) add('Latency', fmtMs(turn.total))
  dl.replaceChildren(...rows)
  dl.hidden = rows.length === 0
}
