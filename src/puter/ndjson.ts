// Puter's NDJSON stream body, split into parsed lines: bytes in, one object per line out; no meaning given to them.
import { StringDecoder } from 'node:string_decoder'

export const MALFORMED_LINE = 'Malformed line from Puter'

/**
 * One line into `out`. A whitespace-only line fails to parse like garbage and only then is told apart by trim(), so a
 * good line costs no trim (and an empty one, as at every stream's end, no exception). At module level, not in the
 * splitter: tsx (esbuild keepNames) would name an inner function on every call.
 */
function parse (line: string, out: unknown[]): void {
  if (line === '') return
  try {
    out.push(JSON.parse(line))
  } catch {
    if (line.trim() !== '') out.push({ type: 'error', message: MALFORMED_LINE })
  }
}

/**
 * Splits Puter's NDJSON byte stream into parsed objects. Partial lines are buffered, UTF-8 sequences split across
 * chunks are reassembled, blank lines skipped, and a line that is not JSON becomes `{type:'error'}` (never a throw).
 */
export function createNdjsonSplitter () {
  const decoder = new StringDecoder('utf8')
  let buffer = ''

  return {
    /** Parsed objects of every line completed by this chunk. */
    feed (chunk: Buffer | string): unknown[] {
      const out: unknown[] = []
      // The buffered tail holds no newline, so the search resumes where it ended (no rescans of long lines).
      let from = buffer.length
      buffer += typeof chunk === 'string' ? chunk : decoder.write(chunk)
      let start = 0
      let nl = buffer.indexOf('\n', from)
      while (nl !== -1) {
        parse(buffer.slice(start, nl), out)
        start = nl + 1
        from = start
        nl = buffer.indexOf('\n', from)
      }
      if (start > 0) buffer = buffer.slice(start)
      return out
    },

    /** The last line, if the stream did not end with a newline. */
    end (): unknown[] {
      const rest = buffer + decoder.end()
      buffer = ''
      const out: unknown[] = []
      parse(rest, out)
      return out
    }
  }
}
