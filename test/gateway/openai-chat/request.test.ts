// The OpenAI chat request: its schema, its mapping onto Puter's driver call args, what is refused and what is dropped.
import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { ChatCompletionRequestSchema, type ChatCompletionRequest } from '../../../src/gateway/openai-chat/schema.ts'
import { droppedByTranslation, requestProblem, toPuterArgs } from '../../../src/gateway/openai-chat/request.ts'

// Roo Code's request (clients.md), with the extras it really sends.
const ROO_REQUEST = {
  model: 'claude-sonnet-4-5',
  temperature: 0,
  messages: [
    { role: 'developer', content: 'You are Roo.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: '<task>read a</task>', cache_control: { type: 'ephemeral' } },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'auto' } }
      ]
    },
    {
      role: 'assistant',
      content: 'Reading it.',
      reasoning_details: [{ type: 'reasoning.text', text: 'hmm' }],
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a"}' } }]
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'file contents' },
    { role: 'user', content: [{ type: 'text', text: 'thanks', cache_control: { type: 'ephemeral' } }] }
  ],
  stream: true,
  stream_options: { include_usage: true },
  tools: [{
    type: 'function',
    function: {
      name: 'read_file',
      description: 'Read a file',
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
      strict: true
    }
  }],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  reasoning_effort: 'medium',
  max_completion_tokens: 8192
}

const req = (body: Record<string, unknown>) => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }) as ChatCompletionRequest

t.test('ChatCompletionRequestSchema', async (t) => {
  const valid: Array<[string, unknown]> = [
    ["Roo Code's request", ROO_REQUEST],
    ['a minimal request', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }],
    ['unknown top-level and message fields', { model: 'm', messages: [{ role: 'user', content: 'hi', cache_control: {} }], foo: 1, metadata: { a: 1 } }],
    ['explicit nulls', { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: null, max_tokens: null, stop: null, tools: null, stream_options: null, response_format: null }],
    ['assistant content null with tool calls', { model: 'm', messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }] }],
    ['legacy function role and functions', { model: 'm', messages: [{ role: 'function', name: 'f', content: 'r' }], functions: [{ name: 'f' }], function_call: 'auto' }],
    ['stop as array, tool_choice object', { model: 'm', messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b'], tool_choice: { type: 'function', function: { name: 'f' } } }],
    ['model id with slashes and colon', { model: 'openrouter:meta-llama/llama-3.3-70b-instruct', messages: [{ role: 'user', content: 'x' }] }],
    ['max_tokens -1 (LM Studio style)', { model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }]
  ]
  for (const [name, body] of valid) t.ok(Value.Check(ChatCompletionRequestSchema, body), `accepts ${name}`)

  const invalid: Array<[string, unknown]> = [
    ['missing model', { messages: [{ role: 'user', content: 'hi' }] }],
    ['empty model', { model: '', messages: [{ role: 'user', content: 'hi' }] }],
    ['messages not an array', { model: 'm', messages: 'hi' }],
    ['empty messages', { model: 'm', messages: [] }],
    ['bad role', { model: 'm', messages: [{ role: 'robot', content: 'hi' }] }],
    ['message without role', { model: 'm', messages: [{ content: 'hi' }] }],
    ['content a number', { model: 'm', messages: [{ role: 'user', content: 42 }] }],
    ['temperature above 2', { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 3 }],
    ['stream not a boolean', { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: 'yes' }]
  ]
  for (const [name, body] of invalid) t.notOk(Value.Check(ChatCompletionRequestSchema, body), `rejects ${name}`)
})

t.test('toPuterArgs', async (t) => {
  t.test("Roo Code's request", async (t) => {
    t.same(toPuterArgs(ROO_REQUEST as ChatCompletionRequest), {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'You are Roo.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: '<task>read a</task>' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }
          ]
        },
        { role: 'assistant', content: 'Reading it.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'read_file', input: { path: 'a' } }] },
        { role: 'tool', content: 'file contents', tool_call_id: 'call_1' },
        { role: 'user', content: [{ type: 'text', text: 'thanks' }] }
      ],
      // A function tool with only known fields goes through unchanged.
      tools: ROO_REQUEST.tools,
      tool_choice: 'auto',
      parallel_tool_calls: true,
      temperature: 0,
      max_tokens: 8192,
      reasoning_effort: 'medium',
      stream: true
    }, 'exact args, with no stream_options, cache_control, reasoning_details or detail')
  })

  const cases: Array<{ name: string, body: Record<string, unknown>, expect: Record<string, unknown> }> = [
    {
      name: 'minimal request: model, messages and stream:false only',
      body: {},
      expect: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: false }
    },
    {
      name: 'max_completion_tokens wins over max_tokens',
      body: { max_tokens: 100, max_completion_tokens: 200 },
      expect: { max_tokens: 200 }
    },
    { name: 'max_tokens alone', body: { max_tokens: 100 }, expect: { max_tokens: 100 } },
    { name: 'max_tokens used when max_completion_tokens is null', body: { max_tokens: 100, max_completion_tokens: null }, expect: { max_tokens: 100 } },
    { name: 'max_tokens -1 means no cap', body: { max_tokens: -1 }, expect: { max_tokens: undefined } },
    { name: 'temperature, top_p, stop string', body: { temperature: 0.2, top_p: 0.9, stop: 'END' }, expect: { temperature: 0.2, top_p: 0.9, stop: 'END' } },
    { name: 'stop array', body: { stop: ['a', 'b'] }, expect: { stop: ['a', 'b'] } },
    { name: 'empty stop array left out', body: { stop: [] }, expect: { stop: undefined } },
    {
      name: 'nulls left out',
      body: { temperature: null, top_p: null, max_tokens: null, reasoning_effort: null, stop: null, tools: null, tool_choice: null, stream: null },
      expect: { temperature: undefined, top_p: undefined, max_tokens: undefined, reasoning_effort: undefined, stop: undefined, tools: undefined, tool_choice: undefined, stream: false }
    },
    {
      name: 'unknown and unsupported fields never forwarded',
      body: { user: 'u', seed: 1, n: 1, presence_penalty: 0, frequency_penalty: 0, response_format: { type: 'json_object' }, stream_options: { include_usage: true }, metadata: {}, provider: 'claude' },
      expect: { user: undefined, seed: undefined, n: undefined, presence_penalty: undefined, frequency_penalty: undefined, response_format: undefined, stream_options: undefined, metadata: undefined, provider: undefined }
    },
    {
      name: 'tool_choice and parallel_tool_calls dropped without tools',
      body: { tool_choice: 'auto', parallel_tool_calls: false },
      expect: { tool_choice: undefined, parallel_tool_calls: undefined }
    },
    {
      name: 'tool_choice object kept with tools; non-function tools dropped',
      body: {
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, extra: 1 }, cache_control: {} }, { type: 'web_search_preview' }],
        tool_choice: { type: 'function', function: { name: 'f' } },
        parallel_tool_calls: false
      },
      expect: {
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'f' } },
        parallel_tool_calls: false
      }
    },
    {
      name: 'legacy functions and function_call become tools and tool_choice',
      body: { functions: [{ name: 'f', description: 'd' }], function_call: { name: 'f' } },
      expect: { tools: [{ type: 'function', function: { name: 'f', description: 'd' } }], tool_choice: { type: 'function', function: { name: 'f' } } }
    }
  ]
  for (const c of cases) {
    const args = toPuterArgs(req(c.body))
    for (const [key, value] of Object.entries(c.expect)) {
      if (value === undefined) t.notOk(key in args, `${c.name}: no ${key}`)
      else t.same(args[key], value, `${c.name}: ${key}`)
    }
  }

  const messageCases: Array<{ name: string, messages: unknown[], expect: unknown[] }> = [
    {
      name: 'developer role becomes system',
      messages: [{ role: 'developer', content: 'rules' }],
      expect: [{ role: 'system', content: 'rules' }]
    },
    {
      name: 'name and unknown message fields dropped',
      messages: [{ role: 'user', content: 'hi', name: 'bob', cache_control: { type: 'ephemeral' } }],
      expect: [{ role: 'user', content: 'hi' }]
    },
    {
      name: 'parts: cache_control and detail dropped, bare image_url string tolerated, unknown parts dropped',
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'a', cache_control: { type: 'ephemeral' } },
          { type: 'image_url', image_url: 'https://x/y.png' },
          { type: 'input_audio', input_audio: { data: 'x', format: 'wav' } },
          { type: 'text', text: '' }
        ]
      }],
      expect: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] }]
    },
    {
      name: 'assistant with content null and tool calls: one message of tool_use blocks, arguments parsed',
      messages: [{
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
          { id: 'c2', type: 'function', function: { name: 'b', arguments: '' } }
        ]
      }],
      expect: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'a', input: { x: 1 } }, { type: 'tool_use', id: 'c2', name: 'b', input: {} }] }]
    },
    {
      name: 'assistant with empty string content and tool calls',
      messages: [{ role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'a', arguments: 'not json' } }] }],
      expect: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'a', input: {} }] }]
    },
    {
      name: 'assistant text and tool calls: text message then tool_use message',
      messages: [{ role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }], tool_calls: [{ id: 'c1', type: 'function', function: { name: 'a', arguments: '{}' } }] }],
      expect: [
        { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'a', input: {} }] }
      ]
    },
    {
      name: 'empty assistant and user turns dropped (Puter rejects content-less messages)',
      messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '' }, { role: 'assistant', content: null }, { role: 'user', content: [] }],
      expect: [{ role: 'user', content: 'q' }]
    },
    {
      name: 'tool result parts joined into a string; null content becomes empty',
      messages: [
        { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'line 1' }, { type: 'text', text: 'line 2' }] },
        { role: 'tool', tool_call_id: 'c2', content: null }
      ],
      expect: [
        { role: 'tool', content: 'line 1\nline 2', tool_call_id: 'c1' },
        { role: 'tool', content: '', tool_call_id: 'c2' }
      ]
    },
    {
      name: 'legacy function_call and function role become a matched tool call and tool result',
      messages: [
        { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":"x"}' } },
        { role: 'function', name: 'lookup', content: 'found' }
      ],
      expect: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_legacy_0', name: 'lookup', input: { q: 'x' } }] },
        { role: 'tool', tool_call_id: 'call_legacy_0', content: 'found' }
      ]
    }
  ]
  for (const c of messageCases) {
    t.same(toPuterArgs(req({ messages: c.messages })).messages, c.expect, c.name)
  }
})

t.test('requestProblem: what OpenAI refuses although the open schema lets it through, naming the field', async (t) => {
  const call = { id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }
  const refused: Array<[string, Record<string, unknown>, string]> = [
    ['function tool without function', { tools: [{ type: 'function' }] }, 'tools.0.function'],
    ['user content null', { messages: [{ role: 'user', content: null }] }, 'messages.0.content'],
    ['developer content absent', { messages: [{ role: 'developer' }] }, 'messages.0.content'],
    ['tool content null', { messages: [{ role: 'tool', tool_call_id: 'c', content: null }] }, 'messages.0.content'],
    ['assistant content null, no tool calls', { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [] }] }, 'messages.1.content'],
    ['unknown part type', { messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'video' }] }] }, 'messages.0.content.1.type'],
    ['text part without text', { messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }, 'messages.0.content.0.text']
  ]
  for (const [name, body, param] of refused) t.match(requestProblem(req(body)), { param, message: new RegExp(`^${param.replaceAll('.', '\\.')} `) }, name)

  const accepted: Array<[string, Record<string, unknown>]> = [
    ["Roo Code's request", ROO_REQUEST],
    ['assistant content null with tool calls', { messages: [{ role: 'assistant', content: null, tool_calls: [call] }] }],
    ['assistant without content, with function_call', { messages: [{ role: 'assistant', function_call: { name: 'f' } }] }],
    ['function result with content null', { messages: [{ role: 'function', name: 'f', content: null }] }],
    ['OpenAI part types Puter lacks', { messages: [{ role: 'user', content: [{ type: 'input_audio' }, { type: 'file' }] }, { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] }] }],
    ['tools of other types', { tools: [{ type: 'web_search_preview' }, { type: 'custom', custom: { name: 'x' } }] }],
    ['tools null', { tools: null }]
  ]
  for (const [name, body] of accepted) t.equal(requestProblem(req(body)), undefined, name)
})

t.test('droppedByTranslation: the names of what Puter has no equivalent for, or undefined', async (t) => {
  t.equal(droppedByTranslation(ROO_REQUEST as ChatCompletionRequest), undefined, "Roo Code's request loses nothing")
  t.equal(droppedByTranslation(req({ user: null, seed: null, n: 1, stream_options: { include_usage: true } })), undefined, 'nulls, n and stream_options are not losses')
  t.same(droppedByTranslation(req({
    seed: 1,
    response_format: { type: 'json_object' },
    metadata: { a: 1 },
    tools: [{ type: 'function', function: { name: 'f' } }, { type: 'web_search_preview' }, { type: 'web_search_preview' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'input_audio' }, { type: 'file' }, { type: 'input_audio' }] }]
  })), { fields: ['seed', 'response_format', 'metadata'], toolTypes: ['web_search_preview'], partTypes: ['input_audio', 'file'] })
})
