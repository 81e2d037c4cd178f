// @ts-check
// A server-sent events reader for fetch() bodies: yields each event's name and data; skips comments (": keep-alive").
// Pure: no state, no imports.

/** @typedef {{ event: string, data: string }} SseEvent `event` is '' when the event has no `event:` line */

/**
 * Yields each event of an SSE byte stream: its `event:` name and its `data` (multi-line data joined with \n).
 * `onText`, when given, sees the decoded text as it arrives (for showing the raw stream).
 * @param {ReadableStream<BufferSource>} body
 * @param {(text: string) => void} [onText]
 * @returns {AsyncGenerator<SseEvent>}
 */
export async function * readSse (body, onText) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  let event = ''
  /** @type {string[]} */
  let data = []
  try {
    while (true) {
      const { value, done } = await reader.read()
      if (done) break
      onText?.(value)
      buffer += value
      let nl
      while ((nl = buffer.indexOf('\n')) !== -1) {
        let line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        if (line.endsWith('\r')) line = line.slice(0, -1)
        if (line === '') {
          if (data.length > 0) yield { event, data: data.join('\n') }
          data = []
          event = ''
          continue
        }
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon === -1 ? line : line.slice(0, colon)
        let val = colon === -1 ? '' : line.slice(colon + 1)
        if (val.startsWith(' ')) val = val.slice(1)
        if (field === 'data') data.push(val)
        else if (field === 'event') event = val
      }
    }
    if (data.length > 0) yield { event, data: data.join('\n') }
  } finally {
    reader.cancel().catch(() => {})
  }
}
