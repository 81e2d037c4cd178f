// @ts-check
// The Playground's media results on screen: images with Download links, an audio player, a transcript, each with
// its numbers and the raw request and response. Builds DOM from the result it is given; keeps no state of its own.
import { h, icon, copyWithFeedback } from './ui.js'
import { MEDIA_MODES, formatBytes } from './media-apis.js'

/** @import { MediaMode } from './media-apis.js' */

/**
 * An image of an answer: drawn from a data: URL (the CSP's img-src allows data:), saved from a blob: URL; or, when
 * the server answered with a link, only the link.
 * @typedef {{ src: string, href: string, name: string, mime: string, bytes: number } | { url: string }} ShownImage
 */

/**
 * A request of a media mode and what came of it.
 * @typedef {object} MediaResult
 * @property {MediaMode} mode
 * @property {string} path where it was sent
 * @property {string} model
 * @property {'running' | 'done' | 'stopped' | 'failed'} status
 * @property {string} error why it failed, or ''
 * @property {number | null} total ms for the whole request
 * @property {{ request: string, status: string, response: string }} raw what was sent and received, as text
 * @property {ShownImage[]} images
 * @property {{ src: string, name: string, type: string, bytes: number, playable: boolean, voice: string } | null} audio
 * @property {{ text: string, format: string, href: string, name: string } | null} transcript
 */

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
 * A Download link for a blob: URL.
 * @param {string} href
 * @param {string} name
 * @param {string} label for screen readers, when several links are on screen
 */
const downloadLink = (href, name, label) => h('a', { class: 'btn btn-secondary btn-sm media-download', href, download: name, 'aria-label': label }, icon('download'), h('span', {}, 'Download'))

/** @param {MediaResult} r */
function imagesView (r) {
  const many = r.images.length > 1
  return h('ul', { class: 'media-images', 'aria-label': 'Images' }, r.images.map((img, i) => {
    const n = i + 1
    if ('url' in img) {
      return h('li', { class: 'media-image is-link' },
        h('p', { class: 'muted' }, `Image ${n} came back as a link, not as bytes.`),
        h('a', { class: 'btn btn-secondary btn-sm', href: img.url, target: '_blank', rel: 'noopener noreferrer' }, icon('external'), h('span', {}, 'Open image')))
    }
    const caption = h('span', { class: 'media-caption muted' }, formatBytes(img.bytes))
    const el = h('img', { src: img.src, alt: many ? `Generated image ${n}` : 'Generated image', decoding: 'async' })
    el.addEventListener('load', () => { caption.textContent = `${el.naturalWidth} × ${el.naturalHeight} · ${img.mime.replace('image/', '').toUpperCase()} · ${formatBytes(img.bytes)}` })
    return h('li', { class: 'media-image' },
      h('figure', {},
        el,
        h('figcaption', {}, caption, downloadLink(img.href, img.name, many ? `Download image ${n}` : 'Download the image'))))
  }))
}

/** @param {NonNullable<MediaResult['audio']>} a */
function audioView (a) {
  return h('div', { class: 'media-audio' },
    a.playable
      ? h('audio', { controls: true, preload: 'metadata', src: a.src, 'aria-label': 'The spoken text' })
      : h('p', { class: 'hint' }, 'PCM is raw 24 kHz 16-bit mono samples with no header: browsers cannot play it. Download it, or choose another format.'),
    h('div', { class: 'media-audio-actions' },
      h('span', { class: 'muted' }, `${a.type || 'audio'} · ${formatBytes(a.bytes)}`),
      downloadLink(a.src, a.name, 'Download the audio')))
}

/** @param {NonNullable<MediaResult['transcript']>} tr */
function transcriptView (tr) {
  return h('div', { class: 'media-transcript' },
    h('pre', { class: 'media-text', tabindex: '0', 'aria-label': 'Transcript' }, tr.text || '(no text)'),
    h('div', { class: 'media-audio-actions' },
      copyButton('Copy the transcript', () => tr.text, 'Transcript copied'),
      downloadLink(tr.href, tr.name, 'Download the transcript')))
}

/** @param {MediaResult} r */
function statsView (r) {
  /** @type {HTMLElement[]} */
  const rows = []
  /**
   * @param {string} label
   * @param {string | null | undefined} value
   */
  const add = (label, value) => { if (value) rows.push(h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value))) }
  add('Model', r.model)
  if (r.mode === 'image' && r.images.length) add('Images', String(r.images.length))
  if (r.audio) {
    add('Voice', r.audio.voice)
    add('Size', formatBytes(r.audio.bytes))
  }
  if (r.transcript) add('Format', r.transcript.format)
  if (r.total !== null) add('Latency', fmtMs(r.total))
  return h('dl', { class: 'stats', hidden: rows.length === 0 }, rows)
}

/** @param {MediaResult} r */
function rawView (r) {
  return h('details', { class: 'raw' },
    h('summary', {}, icon('code'), 'Raw request and response'),
    h('div', { class: 'raw-part' },
      h('div', { class: 'raw-head' }, h('span', { class: 'raw-label' }, 'Request'), copyButton('Copy the raw request', () => r.raw.request, 'Request copied')),
      h('pre', { class: 'raw-text', tabindex: '0' }, r.raw.request)),
    h('div', { class: 'raw-part' },
      h('div', { class: 'raw-head' }, h('span', { class: 'raw-label' }, 'Response ', h('span', { class: 'raw-status' }, r.raw.status ? `· ${r.raw.status}` : '')), copyButton('Copy the raw response', () => r.raw.response, 'Response copied')),
      h('pre', { class: 'raw-text', tabindex: '0' }, r.raw.response)))
}

/** What a running request says while the answer is awaited. */
const WAITING = /** @type {const} */ ({ image: 'Generating…', speech: 'Synthesising speech…', transcribe: 'Transcribing…' })

/**
 * A result, whole (results change only when a request starts and ends).
 * @param {MediaResult} r
 */
export function mediaResultView (r) {
  const api = MEDIA_MODES[r.mode]
  return h('div', { class: 'media-result', dataset: { mode: r.mode, status: r.status } },
    h('div', { class: 'turn-head' },
      h('span', { class: 'api-badge', title: `POST ${r.path}` }, r.path.replace('/v1/', '')),
      r.status === 'running' ? h('span', { class: 'muted media-waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ` ${WAITING[r.mode]}`) : null),
    r.images.length ? imagesView(r) : null,
    r.audio ? audioView(r.audio) : null,
    r.transcript ? transcriptView(r.transcript) : null,
    r.status === 'stopped' ? h('p', { class: 'reply is-empty' }, `Stopped before the ${api.label.toLowerCase()} answer arrived.`) : null,
    r.error ? h('div', { class: 'alert alert-error turn-error', role: 'alert' }, icon('alert'), h('span', {}, r.error)) : null,
    r.status === 'running' ? null : statsView(r),
    rawView(r))
}
