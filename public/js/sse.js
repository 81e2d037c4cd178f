// @ts-check
// A server-sent events reader for fetch() bodies: yields each event's data; skips comments (": keep-alive"). Pure: no state, no imports.

/**
 * Yields the `data` of each event in an SSE byte stream, as a string (multi-line data joined with \n).
 * @param {ReadableStream<BufferSource>} body
 * @returns {AsyncGenerator<string>}
 */
export async function * readSse (body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  /** @type {string[]} */
  let data = []
  try {
    while (true) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += value
      let nl
      while ((nl = buffer.indexOf('\n')) !== -1) {
        let line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        if (line.endsWith('\r')) line = line.slice(0, -1)
        if (line === '') {
          if (data.length > 0) yield data.join('\n')
          data = []
          continue
        }
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon === -1 ? line : line.slice(0, colon)
        let val = colon === -1 ? '' : line.slice(colon + 1)
        if (val.startsWith(' ')) val = val.slice(1)
        if (field === 'data') data.push(val)
      }
    }
    if (data.length > 0) yield data.join('\n')
  } finally {
    reader.cancel().catch(() => {})
  }
}
