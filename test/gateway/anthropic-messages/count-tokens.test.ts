// The local token count of count_tokens and message_start: the tokenizer once loaded, characters / 4 before.
import t from 'tap'
import { countInputTokens, loadTokenizer, tokenizerReady } from '../../../src/gateway/anthropic-messages/count-tokens.ts'

t.test('counts system, messages (text, tool_use, tool_result, images) and tools; thinking counts nothing', async (t) => {
  await loadTokenizer()
  t.ok(tokenizerReady())
  const one = countInputTokens({ messages: [{ role: 'user', content: 'Hello, world' }] })
  t.equal(one, 4 + 3, 'message framing + "Hello, world" (3 cl100k tokens)')
  const withSystem = countInputTokens({ system: [{ type: 'text', text: 'Hello, world' }], messages: [{ role: 'user', content: 'Hello, world' }] })
  t.equal(withSystem, one + 4 + 3)
  const image = countInputTokens({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] }] })
  t.equal(image, 4 + 1600)
  const thinking = countInputTokens({ messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'long thoughts '.repeat(100), signature: '' }] }] })
  t.equal(thinking, 4)
  const tools = countInputTokens({ messages: [], tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object' } }] })
  t.ok(tools > 8, 'tools count')
  const calls = countInputTokens({ messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'x', name: 'Bash', input: { command: 'ls -la' } }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'file.txt' }] }] })
  t.ok(calls > 8)
})

t.test('long texts are remembered: the same prompt counts the same', async (t) => {
  await loadTokenizer()
  const big = { system: 'You are an agent. '.repeat(500), messages: [{ role: 'user', content: 'go' }] }
  t.equal(countInputTokens(big), countInputTokens(structuredClone(big)))
})
