// @ts-check
// Templates tab: code snippets (chat, then images and audio) and editor setups for this server, filled in with the
// chosen key and model. Besides state, api and ui it uses snippets.js, media-snippets.js and media-apis.js, pure
// helpers with no state of their own.
import { baseUrl } from './api.js'
import { state, on, selectedSecret, selectedKey, findModel, DEFAULT_MODEL } from './state.js'
import { $, h, icon, copyWithFeedback, setupTabs } from './ui.js'
import { buildSnippets, buildSetups } from './snippets.js'
import { buildMediaSnippets } from './media-snippets.js'
import { MEDIA_MODES, kindOf } from './media-apis.js'

/** @import { SnippetContext, Setup, ConfigBlock } from './snippets.js' */
/** @import { MediaSnippetContext } from './media-snippets.js' */
/** @import { StateEvent } from './state.js' */

const KEY_PLACEHOLDER = 'YOUR_API_KEY'

/** @type {Record<string, RegExp>} */
const KEYWORDS = {
  python: /^(from|import|print|None|True|False)$/,
  javascript: /^(import|from|const|await|new|console)$/,
  powershell: /^(\$\w+)$/,
  bash: /^(curl|export)$/,
  bat: /^(curl\.exe|set)$/,
  yaml: /^$/,
  toml: /^(true|false)$/
}

/**
 * Light syntax colouring: strings, comments, flags and a few keywords, as spans (textContent stays the code).
 * @param {string} code
 * @param {string} lang
 */
function highlight (code, lang) {
  const frag = document.createDocumentFragment()
  const re = /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\]|\\.|'\\'')*'|#[^\n]*|\/\/[^\n]*|(?<=\s)--?[A-Za-z][\w-]*|\$?[A-Za-z_][\w.-]*|(?<![\w.-])\d[\d.]*(?![\w-]))/g
  let last = 0
  for (const m of code.matchAll(re)) {
    const [tok] = m
    const index = m.index ?? 0
    let cls = ''
    if (tok.startsWith('"') || tok.startsWith("'")) cls = 'tok-str'
    else if (tok.startsWith('#') && lang !== 'javascript') cls = lang === 'bash' || lang === 'python' || lang === 'powershell' || lang === 'yaml' || lang === 'toml' ? 'tok-com' : ''
    else if (tok.startsWith('//') && lang === 'javascript') cls = 'tok-com'
    else if (tok.startsWith('-')) cls = 'tok-flag'
    else if (/^\d/.test(tok)) cls = 'tok-num'
    else if (KEYWORDS[lang]?.test(tok)) cls = 'tok-kw'
    else if (lang === 'yaml' && code[index + tok.length] === ':' && /(^|\n)[ -]*$/.test(code.slice(0, index))) cls = 'tok-key'
    else if (lang === 'toml' && /(^|\n)\[?$/.test(code.slice(0, index)) && /^(\s*=|\])/.test(code.slice(index + tok.length))) cls = 'tok-key'
    if (!cls) continue
    if (index > last) frag.append(code.slice(last, index))
    frag.append(h('span', { class: cls }, tok))
    last = index + tok.length
  }
  frag.append(code.slice(last))
  return frag
}

/**
 * @param {string} id
 * @param {string} code
 * @param {string} lang
 */
function codeBlock (id, code, lang) {
  return h('pre', { class: 'code', tabindex: '0', 'aria-label': `${lang} code` }, h('code', { id, 'data-lang': lang }, highlight(code, lang)))
}

/**
 * @param {string} label
 * @param {() => string} getText
 * @param {string} what
 */
function copyButton (label, getText, what) {
  const button = h('button', { type: 'button', class: 'btn btn-secondary btn-sm copy-btn', 'aria-label': label }, icon('copy'), h('span', {}, 'Copy'))
  button.addEventListener('click', () => copyWithFeedback(button, getText(), what))
  return button
}

/**
 * The text of an element, '' when it has none.
 * @param {string} id
 */
const textOf = (id) => $(id).textContent ?? ''

/**
 * Masks a key for display in setup cards (the copy button copies it whole).
 * @param {string} key
 */
function maskKey (key) {
  return key === KEY_PLACEHOLDER || key.length < 16 ? key : `${key.slice(0, 7)}…${key.slice(-4)}`
}

/** @returns {SnippetContext & { hasKey: boolean }} */
function context () {
  const secret = selectedSecret()
  return { base: baseUrl(), key: secret || KEY_PLACEHOLDER, model: state.model || DEFAULT_MODEL, origin: window.location.origin, hasKey: Boolean(secret) }
}

/** @param {{ hasKey: boolean }} ctx */
function renderNote (ctx) {
  const note = $('tpl-note')
  const key = selectedKey()
  let text = ''
  if (!ctx.hasKey) {
    text = !state.user
      ? `Sign in and create a key to fill in ${KEY_PLACEHOLDER}.`
      : (state.secretProblem || `Choose a key to fill in ${KEY_PLACEHOLDER}.`)
  } else if (key) {
    text = `Snippets contain the full key “${key.name || 'Untitled key'}”. Treat them like passwords.`
  } else {
    text = 'Snippets contain the key you pasted. Treat them like passwords.'
  }
  note.textContent = text
  note.hidden = !text
  note.classList.toggle('hint-warning', !ctx.hasKey)
}

/** @param {SnippetContext} ctx */
function renderSnippets (ctx) {
  const panels = $('code-panels')
  const selected = document.querySelector('#code-tabs [aria-selected="true"]')?.id ?? 'ctab-bash'
  const nodes = buildSnippets(ctx).map((s) => {
    const codeId = `snippet-${s.id}`
    return h('div', {
      role: 'tabpanel',
      id: `cpanel-${s.id}`,
      class: 'code-panel',
      'aria-labelledby': `ctab-${s.id}`,
      hidden: selected !== `ctab-${s.id}`,
      dataset: { snippet: s.id }
    },
    h('div', { class: 'code-toolbar' },
      h('span', { class: 'hint' }, s.hint),
      copyButton(`Copy the ${s.label} snippet`, () => textOf(codeId), `${s.label} snippet copied`)),
    codeBlock(codeId, s.code, s.lang))
  })
  panels.replaceChildren(...nodes)
}

/**
 * A model of each media kind for the snippets: the chosen model when it is of that kind, else the mode's default.
 * @returns {MediaSnippetContext['models']}
 */
function mediaModels () {
  const chosen = findModel(state.model)
  const kind = chosen ? kindOf(chosen) : 'chat'
  /** @param {'image' | 'speech' | 'transcribe'} mode */
  const pick = (mode) => chosen && kind === MEDIA_MODES[mode].kind ? chosen.id : MEDIA_MODES[mode].defaultModel
  return { image: pick('image'), speech: pick('speech'), transcription: pick('transcribe') }
}

/** @param {SnippetContext} ctx */
function renderMediaSnippets (ctx) {
  const selected = document.querySelector('#media-code-tabs [aria-selected="true"]')?.id ?? 'mtab-bash'
  const languages = buildMediaSnippets({ base: ctx.base, key: ctx.key, models: mediaModels() })
  $('media-code-panels').replaceChildren(...languages.map((l) => h('div', {
    role: 'tabpanel',
    id: `mpanel-${l.id}`,
    class: 'code-panel',
    'aria-labelledby': `mtab-${l.id}`,
    hidden: selected !== `mtab-${l.id}`,
    dataset: { snippet: l.id }
  },
  h('p', { class: 'hint media-code-hint' }, l.hint),
  l.snippets.map((s) => {
    const codeId = `msnippet-${l.id}-${s.id}`
    return h('div', { class: 'media-snippet', dataset: { route: s.id } },
      h('h3', { class: 'subhead' }, s.title),
      h('div', { class: 'code-toolbar' },
        h('span', { class: 'hint' }, s.hint),
        copyButton(`Copy the ${l.label} ${s.title.toLowerCase()} snippet`, () => textOf(codeId), `${l.label} snippet copied`)),
      codeBlock(codeId, s.code, l.lang))
  }))))
}

/** The shell tab chosen in each setup card that has them, kept across re-renders. */
/** @type {Map<string, string>} */
const shellTabs = new Map()

/**
 * A config block with its label and copy button.
 * @param {string} title the card's title
 * @param {ConfigBlock} block
 */
function configBlock (title, block) {
  return h('div', { class: 'config-block' },
    h('div', { class: 'code-toolbar' }, h('span', { class: 'hint mono' }, block.label), copyButton(`Copy the ${title} ${block.label}`, () => textOf(`config-${block.id}`), 'Copied')),
    codeBlock(`config-${block.id}`, block.code, block.lang))
}

/**
 * The same lines for each shell, as tabs.
 * @param {Setup} s
 * @param {NonNullable<Setup['shells']>} shells
 */
function shellTabsView (s, shells) {
  const selected = shellTabs.get(s.id) ?? shells.blocks[0]?.id
  const tablist = h('div', { class: 'code-tabs shell-tabs', role: 'tablist', 'aria-label': `${s.title}: shell` },
    shells.blocks.map((b) => h('button', {
      type: 'button',
      role: 'tab',
      id: `stab-${b.id}`,
      'aria-controls': `spanel-${b.id}`,
      'aria-selected': String(b.id === selected),
      tabindex: b.id === selected ? '0' : '-1'
    }, b.label)))
  return h('div', { class: 'shells' },
    shells.intro ? h('p', { class: 'muted' }, shells.intro) : null,
    tablist,
    shells.blocks.map((b) => h('div', { role: 'tabpanel', id: `spanel-${b.id}`, class: 'shell-panel', 'aria-labelledby': `stab-${b.id}`, hidden: b.id !== selected },
      h('div', { class: 'code-toolbar' }, h('span', { class: 'hint' }, `${s.title} in ${b.label}`), copyButton(`Copy the ${s.title} ${b.label} lines`, () => textOf(`config-${b.id}`), 'Copied')),
      codeBlock(`config-${b.id}`, b.code, b.lang))))
}

/** @param {SnippetContext} ctx */
function renderSetups (ctx) {
  const grid = $('setup-grid')
  const setups = buildSetups(ctx)
  grid.replaceChildren(...setups.map((s) => h('article', { class: `card setup-card${s.wide ? ' setup-card-wide' : ''}`, id: `setup-${s.id}`, 'aria-labelledby': `setup-${s.id}-title` },
    h('h3', { class: 'card-title', id: `setup-${s.id}-title` }, s.title),
    h('p', { class: 'muted' }, s.intro),
    s.steps.length ? h('ol', { class: 'steps' }, s.steps.map((step) => h('li', {}, step))) : null,
    s.fields.length
      ? h('dl', { class: 'setup-fields' }, s.fields.map((f) => h('div', { class: 'setup-field' },
        h('dt', {}, f.label),
        h('dd', {},
          h('code', { class: 'mono', title: f.secret ? 'Copy to get the full key' : f.value }, f.secret ? maskKey(f.value) : f.value),
          copyButton(`Copy ${s.title} ${f.label}`, () => f.value, `${f.label} copied`)))))
      : null,
    (s.configs ?? []).map((b) => configBlock(s.title, b)),
    s.shells ? shellTabsView(s, s.shells) : null,
    s.note ? h('p', { class: 'hint setup-note' }, s.note) : null
  )))
  // Tabs work on elements in the page, so they are wired once the cards are in.
  for (const s of setups) {
    const list = s.shells && grid.querySelector(`#setup-${s.id} .shell-tabs`)
    if (list instanceof window.HTMLElement) setupTabs(list, { onChange: (tab) => shellTabs.set(s.id, tab.id.replace(/^stab-/, '')) })
  }
}

function render () {
  const ctx = context()
  $('tpl-base-url').textContent = ctx.base
  renderNote(ctx)
  renderSnippets(ctx)
  renderMediaSnippets(ctx)
  renderSetups(ctx)
}

export function initTemplates () {
  setupTabs($('code-tabs'))
  setupTabs($('media-code-tabs'))
  for (const b of document.querySelectorAll('[data-copy-from]')) {
    if (b instanceof window.HTMLElement) b.addEventListener('click', () => copyWithFeedback(b, textOf(b.dataset.copyFrom ?? ''), 'Base URL copied'))
  }
  /** @type {StateEvent[]} */
  const changes = ['auth', 'keys', 'selection', 'secret', 'models']
  for (const type of changes) on(type, render)
  render()
}
