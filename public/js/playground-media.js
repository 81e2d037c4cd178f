// @ts-check
// The Playground's mode switch (Chat, Image, Speech, Transcribe) and its three media modes: generate images, speak a
// text, transcribe or translate an audio file, each with its answer and the raw request and response. Chat is
// playground.js's. Besides state, api and ui it uses media-apis.js (pure) and media-view.js (the results' DOM).
// Each mode's last result lives here, with the blob: URLs it holds; it is forgotten on sign-out.
import { ApiError, networkError, isAbort, messageOf } from './api.js'
import { state, on, setSelection, selectedSecret, loadModels, PASTE } from './state.js'
import { $, showAlert } from './ui.js'
import {
  MEDIA_MODES, TRANSLATIONS_PATH, KIND_LABELS, isMediaMode, kindOf, IMAGE_MAX_N, SPEECH_MAX_CHARS, TRANSCRIBE_MAX_BYTES, IMAGE_SIZES,
  IMAGE_QUALITIES, OPENAI_VOICES, SPEECH_FORMATS, TRANSCRIPT_FORMATS, TRANSLATION_MODEL, FORMAT_LABELS, imageCall, speechCall, transcriptionCall, readImages, extensionFor,
  unplayable, transcriptText, transcriptExtension, formatBytes, shortenBase64, formBodyText, isSize
} from './media-apis.js'
import { mediaResultView } from './media-view.js'

/** @import { Model } from './api.js' */
/** @import { MediaMode, JsonCall, FormCall } from './media-apis.js' */
/** @import { MediaResult, ShownImage } from './media-view.js' */

/** The size option that reveals a field for any WIDTHxHEIGHT. */
const OTHER_SIZE = '__other__'

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

/** @type {'chat' | MediaMode} */
let mode = 'chat'
/** Each mode's last result. */
/** @type {Map<MediaMode, MediaResult>} */
const results = new Map()
/** The request of each mode on its way. */
/** @type {Map<MediaMode, AbortController>} */
const controllers = new Map()
/** The blob: URLs each mode's result holds, revoked when it is replaced. */
/** @type {Map<MediaMode, string[]>} */
const blobUrls = new Map()
/**
 * The model picked in each mode, and for translations (the chat model, state.model, is the Playground's and
 * Templates').
 * @type {Map<MediaMode | 'translate', string>}
 */
const picked = new Map()

const media = () => /** @type {MediaMode} */ (mode === 'chat' ? 'image' : mode)

/** Placeholders of the result card, by mode. */
const PLACEHOLDERS = /** @type {const} */ ({
  image: 'Generated images appear here, each with a Download link.',
  speech: 'The spoken text appears here as a player, with a Download link.',
  transcribe: 'The text of the audio file appears here.'
})

const translating = () => mode === 'transcribe' && $('pgm-translate', window.HTMLInputElement).checked

/** Which pick the model picker shows: the mode's, or the translations' one. */
const pickKey = () => translating() ? 'translate' : media()

/**
 * The models of the list the current mode can use (for translations, whisper-1 when the list has it).
 * @returns {Model[]}
 */
function usableModels () {
  const kind = MEDIA_MODES[media()].kind
  const list = (state.models ?? []).filter((model) => kindOf(model) === kind)
  if (!translating()) return list
  const whisper = list.filter((model) => model.id === TRANSLATION_MODEL)
  return whisper.length ? whisper : list
}

/** The model record picked in the current mode, if the list has it. */
function currentModel () {
  const id = picked.get(pickKey())
  return usableModels().find((m) => m.id === id) ?? null
}

/**
 * Options for a select, labelled by FORMAT_LABELS.
 * @param {readonly string[]} formats
 * @returns {Array<[string, string]>}
 */
const formatOptions = (formats) => formats.map((f) => [f, FORMAT_LABELS[f] ?? f])

/**
 * The value of a form field (input, textarea or select), trimmed.
 * @param {string} id
 */
function fieldValue (id) {
  const el = $(id)
  return el instanceof window.HTMLInputElement || el instanceof window.HTMLTextAreaElement || el instanceof window.HTMLSelectElement ? el.value.trim() : ''
}

/**
 * Fills a select with options, keeping the chosen value when it is still offered, else `preferred`, else the first.
 * @param {string} id
 * @param {Array<[string, string]>} options value and label
 * @param {string} preferred
 */
function fillSelect (id, options, preferred) {
  const select = $(id, window.HTMLSelectElement)
  const before = select.value
  select.replaceChildren(...options.map(([value, label]) => new window.Option(label, value)))
  const values = options.map(([v]) => v)
  select.value = values.includes(before) ? before : values.includes(preferred) ? preferred : values[0] ?? ''
}

// Rendering.

/** Shows the chat form or the media form, and in it the fields of the mode. */
function renderMode () {
  $('pg-form').hidden = mode !== 'chat'
  const form = $('pgm-form')
  form.hidden = mode === 'chat'
  if (mode === 'chat') return
  form.dataset.mode = mode
  for (const el of form.querySelectorAll('[data-for]')) {
    if (el instanceof window.HTMLElement) el.hidden = el.dataset.for !== mode
  }
  const api = MEDIA_MODES[mode]
  $('pgm-output-title').textContent = api.label
  $('pgm-send-label').textContent = api.action
  renderSendVia()
  renderModels()
  renderResult()
}

function renderSendVia () {
  const path = translating() ? TRANSLATIONS_PATH : MEDIA_MODES[media()].path
  $('pgm-send-via').textContent = `POST ${path}`
}

function renderKeyNote () {
  const note = $('pgm-key-note')
  note.textContent = state.secretProblem
  note.hidden = !state.secretProblem
  $('pgm-paste').hidden = state.keyId !== PASTE
  const paste = $('pgm-paste-input', window.HTMLInputElement)
  if (paste.value !== state.pastedKey && document.activeElement !== paste) paste.value = state.pastedKey
}

/** The model picker of the mode (its kind of models only), then the options that depend on the model. */
function renderModels () {
  if (mode === 'chat') return
  const m = media()
  const list = usableModels()
  const select = $('pgm-model', window.HTMLSelectElement)
  const info = $('pgm-model-info')
  const kind = KIND_LABELS[MEDIA_MODES[m].kind].toLowerCase()
  info.classList.toggle('hint-error', Boolean(state.modelsError))
  if (list.length === 0) {
    select.replaceChildren(new window.Option(state.models ? `No ${kind} models` : 'Choose a key first', ''))
    select.disabled = true
    info.textContent = state.modelsError || (state.models ? `This key lists no ${kind} models: its allowed models may leave them out.` : 'The model list loads once a key is chosen.')
  } else {
    select.disabled = false
    const chosen = picked.get(pickKey())
    const id = list.some((x) => x.id === chosen) ? chosen : list.some((x) => x.id === MEDIA_MODES[m].defaultModel) ? MEDIA_MODES[m].defaultModel : list[0].id
    select.replaceChildren(...list.map((x) => new window.Option(x.name && x.name !== x.id ? `${x.id} · ${x.name}` : x.id, x.id)))
    select.value = id ?? ''
    picked.set(pickKey(), select.value)
    const record = list.find((x) => x.id === select.value)
    info.textContent = state.modelsError || [`${list.length} ${kind} ${list.length === 1 ? 'model' : 'models'}`, record?.owned_by].filter(Boolean).join(' · ')
  }
  renderModelOptions()
}

/**
 * Sizes, qualities, voices and formats, from what the chosen model lists (or the usual ones when it lists none).
 * A model without sizes takes any: its default, the usual ones, or one typed under Other.
 */
function renderModelOptions () {
  const model = currentModel()
  if (mode === 'image') {
    /** @type {Array<[string, string]>} */
    const sizes = (model?.sizes?.length ? model.sizes : ['', ...IMAGE_SIZES]).map((s) => [s, s === '' ? 'Model default' : s === 'auto' ? 'auto (the model chooses)' : s.replace('x', ' × ')])
    const values = sizes.map(([v]) => v)
    fillSelect('pgm-size', [...sizes, [OTHER_SIZE, 'Other…']], values.includes('1024x1024') ? '1024x1024' : values[0])
    renderCustomSize()
    const qualities = model?.qualities?.length ? model.qualities : IMAGE_QUALITIES
    fillSelect('pgm-quality', [['', 'Default'], ...qualities.map((q) => /** @type {[string, string]} */ ([q, q]))], '')
  } else if (mode === 'speech') {
    const voices = model?.voices?.length ? model.voices : OPENAI_VOICES
    fillSelect('pgm-voice', voices.map((v) => [v, v]), voices.includes('alloy') ? 'alloy' : voices[0])
    fillSelect('pgm-speech-format', formatOptions(model?.response_formats?.length ? model.response_formats : SPEECH_FORMATS), 'mp3')
  } else if (mode === 'transcribe') {
    const formats = model?.response_formats?.length ? model.response_formats : TRANSCRIPT_FORMATS
    fillSelect('pgm-transcript-format', formatOptions(formats), 'json')
    const missing = TRANSCRIPT_FORMATS.filter((f) => !formats.includes(f))
    $('pgm-format-hint').textContent = missing.length && model?.id !== TRANSLATION_MODEL ? `For ${missing.join(', ')}, choose ${TRANSLATION_MODEL}.` : ''
    $('pgm-format-hint').hidden = $('pgm-format-hint').textContent === ''
    $('pgm-language', window.HTMLInputElement).disabled = translating()
  }
}

function renderCustomSize () {
  const other = fieldValue('pgm-size') === OTHER_SIZE
  $('pgm-size-custom').hidden = !other
}

function renderCount () {
  const n = $('pgm-input', window.HTMLTextAreaElement).value.length
  const count = $('pgm-count')
  count.textContent = `${n.toLocaleString('en-US')} / ${SPEECH_MAX_CHARS.toLocaleString('en-US')}`
  count.classList.toggle('hint-warning', n >= SPEECH_MAX_CHARS * 0.9)
}

function renderFileInfo () {
  const file = $('pgm-file', window.HTMLInputElement).files?.[0]
  const info = $('pgm-file-info')
  info.textContent = file ? `${file.name} · ${file.type || 'unknown type'} · ${formatBytes(file.size)}` : 'mp3, mp4, m4a, wav, webm, ogg or flac, up to 25 MB.'
  info.classList.toggle('hint-error', Boolean(file && file.size > TRANSCRIBE_MAX_BYTES))
}

/**
 * @param {string} text
 * @param {'' | 'busy' | 'ok' | 'warn' | 'error'} [kind]
 */
function setStatus (text, kind = '') {
  const el = $('pgm-status')
  el.textContent = text
  el.dataset.kind = kind
}

/** The current mode's result, its status and whether it can be sent again. */
function renderResult () {
  if (mode === 'chat') return
  const r = results.get(mode)
  $('pgm-placeholder').textContent = PLACEHOLDERS[mode]
  $('pgm-placeholder').hidden = Boolean(r)
  $('pgm-result').replaceChildren(...(r ? [mediaResultView(r)] : []))
  const running = controllers.has(mode)
  $('pgm-send', window.HTMLButtonElement).disabled = running
  $('pgm-stop').hidden = !running
  $('pgm-output').setAttribute('aria-busy', String(running))
  if (!r) setStatus('')
  else if (r.status === 'running') setStatus('Waiting for the answer…', 'busy')
  else setStatus(r.status === 'stopped' ? 'Stopped' : r.status === 'failed' ? 'Failed' : 'Done', r.status === 'stopped' ? 'warn' : r.status === 'failed' ? 'error' : 'ok')
}

// Requests.

/** The key, or a FormError saying why there is none. */
function readKey () {
  const key = selectedSecret()
  if (!key) throw new FormError(state.secretProblem || 'Choose an API key first.', 'pgm-key')
  return key
}

function readModel () {
  const model = fieldValue('pgm-model')
  if (!model) throw new FormError(`Choose a ${KIND_LABELS[MEDIA_MODES[media()].kind].toLowerCase()} model.`, 'pgm-model')
  return model
}

/** @returns {JsonCall} */
function readImageCall () {
  const key = readKey()
  const model = readModel()
  const prompt = fieldValue('pgm-prompt')
  if (!prompt) throw new FormError('Describe the image first.', 'pgm-prompt')
  let size = fieldValue('pgm-size')
  if (size === OTHER_SIZE) {
    size = fieldValue('pgm-size-custom').toLowerCase().replace(/\s*[×*]\s*/, 'x')
    if (!isSize(size)) throw new FormError('Write the size as WIDTHxHEIGHT, e.g. 1024x1024.', 'pgm-size-custom')
  }
  const n = Number(fieldValue('pgm-n') || '1')
  if (!Number.isInteger(n) || n < 1 || n > IMAGE_MAX_N) throw new FormError(`Images must be a whole number from 1 to ${IMAGE_MAX_N}.`, 'pgm-n')
  return imageCall({ key, model, prompt, n, size, quality: fieldValue('pgm-quality'), outputFormat: fieldValue('pgm-image-format') })
}

/** @returns {JsonCall} */
function readSpeechCall () {
  const key = readKey()
  const model = readModel()
  const input = $('pgm-input', window.HTMLTextAreaElement).value
  if (!input.trim()) throw new FormError('Write the text to speak first.', 'pgm-input')
  if (input.length > SPEECH_MAX_CHARS) throw new FormError(`The text is ${input.length} characters: the most is ${SPEECH_MAX_CHARS}.`, 'pgm-input')
  return speechCall({ key, model, input, voice: fieldValue('pgm-voice'), format: fieldValue('pgm-speech-format') || 'mp3', instructions: fieldValue('pgm-instructions') })
}

/** @returns {{ call: FormCall, file: File }} */
function readTranscriptionCall () {
  const key = readKey()
  const model = readModel()
  const file = $('pgm-file', window.HTMLInputElement).files?.[0]
  if (!file) throw new FormError('Choose an audio file first.', 'pgm-file')
  if (file.size > TRANSCRIBE_MAX_BYTES) throw new FormError(`${file.name} is ${formatBytes(file.size)}: the most is 25 MB.`, 'pgm-file')
  const call = transcriptionCall({
    key,
    model,
    file: { name: file.name, type: file.type, size: file.size },
    translate: $('pgm-translate', window.HTMLInputElement).checked,
    format: fieldValue('pgm-transcript-format') || 'json',
    language: fieldValue('pgm-language'),
    prompt: fieldValue('pgm-stt-prompt'),
    temperature: null
  })
  return { call, file }
}

/** @param {unknown} err */
function showFormError (err) {
  showAlert($('pgm-error'), messageOf(err))
  if (err instanceof FormError && err.focus) $(err.focus).focus()
}

/** A key as the raw view shows it: enough to tell which key, not enough to use it. */
const maskKey = (/** @type {string} */ key) => key.length < 16 ? key : `${key.slice(0, 7)}…${key.slice(-4)}`

/**
 * The request as text: method, path, headers (the key masked) and the body as sent.
 * @param {{ path: string, headers: Record<string, string> }} call
 * @param {string} body
 * @param {string} key
 * @param {string[]} [extra] headers the browser adds
 */
function rawRequest (call, body, key, extra = []) {
  const headers = Object.entries(call.headers).map(([k, v]) => `${k}: ${v.replace(key, maskKey(key))}`)
  return [`POST ${call.path}`, ...headers, ...extra, '', body].join('\n')
}

/**
 * An answer's headers as text (for answers whose body is bytes, this is what the raw view shows of them).
 * @param {Response} res
 */
const headerText = (res) => [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')

/**
 * A blob: URL that belongs to a mode's result (revoked with it).
 * @param {MediaMode} m
 * @param {Blob} blob
 */
function blobUrl (m, blob) {
  const url = URL.createObjectURL(blob)
  blobUrls.get(m)?.push(url)
  return url
}

/** @param {MediaMode} m */
function forgetResult (m) {
  for (const url of blobUrls.get(m) ?? []) URL.revokeObjectURL(url)
  blobUrls.set(m, [])
  results.delete(m)
}

/**
 * Base64 to bytes (fetch() of a data: URL would need the CSP's connect-src to allow data:).
 * @param {string} b64
 * @param {string} type
 */
function base64Blob (b64, type) {
  const bin = atob(b64)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  return new window.Blob([bytes], { type })
}

/**
 * Throws the answer's error (OpenAI's shape) as an ApiError when it is not a success.
 * @param {Response} res
 * @param {string} text the body
 */
function checkAnswer (res, text) {
  if (res.ok) return
  /** @type {unknown} */
  let json = null
  try {
    json = JSON.parse(text)
  } catch {
    // not JSON: ApiError says so by status
  }
  throw new ApiError(res.status, json)
}

/** @param {ApiError} err */
function mediaError (err) {
  if (err.code === 'invalid_api_key' || err.status === 401) return `${err.message} (The key may have been revoked.)`
  if (err.code === 'model_not_found' || (err.status === 404 && /model/i.test(err.message))) return `${err.message} Pick a model from the list.`
  return err.message
}

/** Sends the current mode's request and shows its answer. */
async function run () {
  if (mode === 'chat') return
  const m = mode
  if (controllers.has(m)) return
  showAlert($('pgm-error'), '')
  /** @type {{ path: string, headers: Record<string, string> }} */
  let call
  /** @type {string | FormData} */
  let body
  let rawBody
  const extra = []
  try {
    if (m === 'transcribe') {
      const t = readTranscriptionCall()
      call = t.call
      const form = new window.FormData()
      for (const [k, v] of t.call.fields) form.append(k, v)
      form.append('file', t.file, t.file.name)
      body = form
      rawBody = formBodyText(t.call)
      extra.push('content-type: multipart/form-data (the browser adds the boundary)')
    } else {
      const c = m === 'image' ? readImageCall() : readSpeechCall()
      call = c
      body = JSON.stringify(c.body, null, 2)
      rawBody = body
    }
  } catch (err) {
    showFormError(err)
    return
  }
  const key = selectedSecret()
  forgetResult(m)
  /** @type {MediaResult} */
  const result = {
    mode: m,
    path: call.path,
    model: fieldValue('pgm-model'),
    status: 'running',
    error: '',
    total: null,
    raw: { request: rawRequest(call, rawBody, key, extra), status: '', response: '' },
    images: [],
    audio: null,
    transcript: null
  }
  results.set(m, result)
  const controller = new AbortController()
  controllers.set(m, controller)
  const { signal } = controller
  // What the answer is read with: the settings as they were when it was sent.
  const voice = fieldValue('pgm-voice')
  const speechFormat = fieldValue('pgm-speech-format') || 'mp3'
  const transcriptFormat = fieldValue('pgm-transcript-format') || 'json'
  renderResult()
  const started = performance.now()
  try {
    let res
    try {
      res = await fetch(call.path, { method: 'POST', headers: call.headers, body, signal, cache: 'no-store' })
    } catch (err) {
      if (isAbort(err)) throw err
      throw networkError()
    }
    const type = res.headers.get('content-type') ?? ''
    result.raw.status = `HTTP ${res.status}${type ? ` · ${type}` : ''}`
    if (m === 'speech' && res.ok) {
      const blob = await res.blob()
      result.raw.response = `${headerText(res)}\n\n(${formatBytes(blob.size)} of ${type || 'audio'}, not shown)`
      const ext = extensionFor(type, speechFormat)
      result.audio = { src: blobUrl(m, blob), name: `speech.${ext}`, type, bytes: blob.size, playable: !unplayable(speechFormat), voice }
    } else {
      const text = await res.text()
      result.raw.response = m === 'image' ? shortenBase64(text) : text
      checkAnswer(res, text)
      if (m === 'image') {
        let json = null
        try {
          json = JSON.parse(text)
        } catch {
          throw new Error('The answer was not JSON.')
        }
        result.images = readImages(json).map((img, i) => {
          if ('url' in img) return img
          const blob = base64Blob(img.b64, img.mime)
          /** @type {ShownImage} */
          const shown = { src: `data:${img.mime};base64,${img.b64}`, href: blobUrl(m, blob), name: `image-${i + 1}.${extensionFor(img.mime, 'png')}`, mime: img.mime, bytes: blob.size }
          return shown
        })
        if (result.images.length === 0) throw new Error('The answer held no images.')
      } else {
        const isJson = type.includes('json')
        const shown = transcriptText(text, isJson)
        const fileType = isJson ? 'application/json' : 'text/plain'
        const ext = transcriptExtension(transcriptFormat)
        result.transcript = { text: shown, format: transcriptFormat, href: blobUrl(m, new window.Blob([ext === 'json' ? text : shown], { type: fileType })), name: `${call.path.endsWith('translations') ? 'translation' : 'transcript'}.${ext}` }
      }
    }
    result.status = 'done'
  } catch (err) {
    if (isAbort(err)) {
      result.status = 'stopped'
    } else {
      result.status = 'failed'
      result.error = err instanceof ApiError ? mediaError(err) : (messageOf(err) || 'The request failed.')
    }
  } finally {
    result.total = performance.now() - started
    if (controllers.get(m) === controller) controllers.delete(m)
    // A result forgotten meanwhile (sign-out) stays forgotten.
    if (results.get(m) === result) {
      const stopHadFocus = document.activeElement === $('pgm-stop')
      renderResult()
      if (stopHadFocus) $('pgm-send').focus()
    }
  }
}

/** Stops every request and forgets every result (sign-out). */
function forgetAll () {
  for (const c of controllers.values()) c.abort()
  controllers.clear()
  for (const m of /** @type {MediaMode[]} */ (Object.keys(MEDIA_MODES))) forgetResult(m)
  $('pgm-file', window.HTMLInputElement).value = ''
  renderFileInfo()
  showAlert($('pgm-error'), '')
  renderResult()
}

export function initPlaygroundMedia () {
  for (const radio of document.querySelectorAll('input[name="pg-mode"]')) {
    radio.addEventListener('change', () => {
      if (!(radio instanceof window.HTMLInputElement) || !radio.checked) return
      mode = isMediaMode(radio.value) ? radio.value : 'chat'
      showAlert($('pgm-error'), '')
      renderMode()
    })
  }
  $('pgm-form').addEventListener('submit', (e) => {
    e.preventDefault()
    run()
  })
  $('pgm-stop').addEventListener('click', () => { if (mode !== 'chat') controllers.get(mode)?.abort() })
  $('panel-playground').addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && mode !== 'chat' && controllers.has(mode)) {
      e.preventDefault()
      controllers.get(mode)?.abort()
    }
  })
  for (const id of ['pgm-prompt', 'pgm-input']) {
    $(id).addEventListener('keydown', (e) => {
      if (e instanceof window.KeyboardEvent && e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault()
        $('pgm-form', window.HTMLFormElement).requestSubmit()
      }
    })
  }
  $('pgm-model').addEventListener('change', () => {
    picked.set(pickKey(), fieldValue('pgm-model'))
    renderModels()
  })
  $('pgm-size').addEventListener('change', () => {
    renderCustomSize()
    if (fieldValue('pgm-size') === OTHER_SIZE) $('pgm-size-custom').focus()
  })
  $('pgm-translate').addEventListener('change', () => {
    renderSendVia()
    renderModels()
  })
  $('pgm-input').addEventListener('input', renderCount)
  $('pgm-file').addEventListener('change', renderFileInfo)
  const paste = $('pgm-paste-input', window.HTMLInputElement)
  paste.addEventListener('input', () => setSelection({ pastedKey: paste.value }))
  paste.addEventListener('change', () => loadModels())

  on('secret', renderKeyNote)
  on('models', renderModels)
  on('selection', renderKeyNote)
  on('auth', () => {
    if (!state.user) forgetAll()
    renderKeyNote()
    renderModels()
  })
  renderKeyNote()
  renderCount()
  renderFileInfo()
  renderMode()
}
