// Puter's NDJSON stream body split into parsed lines.
import t from 'tap'
import { createNdjsonSplitter } from '../../src/puter/ndjson.ts'

t.test('createNdjsonSplitter', async (t) => {
  t.test('lines split across chunks, several lines in one chunk, blank lines and CRLF', async (t) => {
    const s = createNdjsonSplitter()
    const out: unknown[] = []
    out.push(...s.feed('{"type":"te'))
    t.same(out, [], 'partial line buffered')
    out.push(...s.feed(Buffer.from('xt","text":"a"}\n\n{"type":"text","text":"b"}\r\n{"type":')))
    out.push(...s.feed('"usage","usage":{}}\n'))
    out.push(...s.end())
    t.same(out, [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'usage', usage: {} }])
  })

  t.test('a multi-byte UTF-8 character split across chunks', async (t) => {
    const bytes = Buffer.from('{"type":"text","text":"héllo 🌍"}\n', 'utf8')
    const cut1 = bytes.indexOf(0xc3) + 1 // inside é
    const cut2 = bytes.indexOf(0xf0) + 2 // inside 🌍
    const s = createNdjsonSplitter()
    const out = [...s.feed(bytes.subarray(0, cut1)), ...s.feed(bytes.subarray(cut1, cut2)), ...s.feed(bytes.subarray(cut2)), ...s.end()]
    t.same(out, [{ type: 'text', text: 'héllo 🌍' }])
  })

  t.test('one byte at a time', async (t) => {
    const bytes = Buffer.from('{"type":"text","text":"ü"}\n{"type":"text","text":"ß"}\n', 'utf8')
    const s = createNdjsonSplitter()
    const out: unknown[] = []
    for (let i = 0; i < bytes.length; i++) out.push(...s.feed(bytes.subarray(i, i + 1)))
    t.same(out, [{ type: 'text', text: 'ü' }, { type: 'text', text: 'ß' }])
  })

  t.test('end() flushes an unterminated last line; then nothing more', async (t) => {
    const s = createNdjsonSplitter()
    t.same(s.feed('{"type":"text","text":"a"}\n{"type":"error","message":"boom"}'), [{ type: 'text', text: 'a' }])
    t.same(s.end(), [{ type: 'error', message: 'boom' }])
    t.same(s.end(), [])
  })

  t.test('a malformed line becomes an error object instead of throwing', async (t) => {
    const s = createNdjsonSplitter()
    t.same(s.feed('{"type":"text","text":"a"}\nnot json\n{"type":"text","text":"b"}\n'), [
      { type: 'text', text: 'a' },
      { type: 'error', message: 'Malformed line from Puter' },
      { type: 'text', text: 'b' }
    ])
    t.same(s.feed('{"truncated'), [])
    t.same(s.end(), [{ type: 'error', message: 'Malformed line from Puter' }])
  })
})
