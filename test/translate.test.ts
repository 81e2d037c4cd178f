// Unit tests of the OpenAI <-> Puter translation layer and the chat completion request schema.
import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { ChatCompletionRequestSchema, ChatCompletionSchema, type ChatCompletionRequest } from '../src/schemas/openai.ts'
import {
  createNdjsonSplitter,
  createStreamTranslator,
  fromPuterResult,
  isPuterFailure,
  puterErrorToOpenAI,
  toOpenAIUsage,
  toPuterArgs
} from '../src/gateway/translate.ts'

const META = { id: 'chatcmpl-abc', created: 1700000000, model: 'claude-sonnet-4-5' }

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

t.test('fromPuterResult', async (t) => {
  const cases: Array<{ name: string, result: unknown, message: Record<string, unknown>, finish: string, usage: Record<string, unknown> }> = [
    {
      name: 'OpenAI-wire text; Puter prompt_tokens exclude top-level cached_tokens',
      result: {
        index: 0,
        message: { role: 'assistant', content: 'Hello!', refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
        usage: { prompt_tokens: 40, completion_tokens: 5, cached_tokens: 12, usd_cents: 0.001 },
        via_ai_chat_service: true
      },
      message: { role: 'assistant', content: 'Hello!' },
      finish: 'stop',
      usage: { prompt_tokens: 52, completion_tokens: 5, total_tokens: 57, prompt_tokens_details: { cached_tokens: 12 } }
    },
    {
      name: 'OpenAI-wire tool call with content null',
      result: {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        finish_reason: 'tool_calls',
        usage: { prompt_tokens: 52, completion_tokens: 17, cached_tokens: 0, usd_cents: 0.0018 }
      },
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      finish: 'tool_calls',
      usage: { prompt_tokens: 52, completion_tokens: 17, total_tokens: 69, prompt_tokens_details: { cached_tokens: 0 } }
    },
    {
      name: 'Responses-API style: string content, reasoning null, tool call, finish stop -> tool_calls',
      result: {
        finish_reason: 'stop',
        index: 0,
        message: { content: 'Calling.', reasoning: null, refusal: null, role: 'assistant', tool_calls: [{ id: 'call_r', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        role: 'assistant',
        usage: { prompt_tokens: 3, completion_tokens: 4 }
      },
      message: { role: 'assistant', content: 'Calling.', tool_calls: [{ id: 'call_r', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      finish: 'tool_calls',
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }
    },
    {
      name: 'DeepSeek-style reasoning (renamed to message.reasoning) becomes reasoning_content',
      result: { message: { role: 'assistant', content: '42', reasoning: 'Let me think.' }, finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 2 } },
      message: { role: 'assistant', content: '42', reasoning_content: 'Let me think.' },
      finish: 'stop',
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }
    },
    {
      name: 'OpenAI-wire truncated at the token cap',
      result: { message: { role: 'assistant', content: 'Once upon' }, finish_reason: 'length', usage: { prompt_tokens: 1, completion_tokens: 2 } },
      message: { role: 'assistant', content: 'Once upon' },
      finish: 'length',
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }
    },
    {
      name: 'raw OpenAI usage: prompt_tokens_details already inside prompt_tokens',
      result: { message: { content: 'ok' }, finish_reason: 'stop', usage: { prompt_tokens: 100, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 80 } } },
      message: { role: 'assistant', content: 'ok' },
      finish: 'stop',
      usage: { prompt_tokens: 100, completion_tokens: 2, total_tokens: 102, prompt_tokens_details: { cached_tokens: 80 } }
    },
    {
      name: 'Claude raw message with text and tool_use: stop_reason wins over finish_reason "stop"',
      result: {
        message: {
          id: 'msg_01',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5-20250929',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }
          ],
          stop_reason: 'tool_use',
          stop_sequence: null,
          usage: { input_tokens: 50, output_tokens: 30 }
        },
        usage: { input_tokens: 50, ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 0, cache_read_input_tokens: 200, output_tokens: 30, thinking_tokens: 0, usd_cents: 0.06 },
        finish_reason: 'stop',
        via_ai_chat_service: true
      },
      message: {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]
      },
      finish: 'tool_calls',
      usage: { prompt_tokens: 260, completion_tokens: 30, total_tokens: 290, prompt_tokens_details: { cached_tokens: 200 } }
    },
    {
      name: 'Claude thinking and text stopped at max_tokens',
      result: {
        message: { type: 'message', role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm.', signature: 'sig' }, { type: 'text', text: 'Part' }, { type: 'text', text: 'ial' }], stop_reason: 'max_tokens' },
        usage: { input_tokens: 5, output_tokens: 9 },
        finish_reason: 'stop'
      },
      message: { role: 'assistant', content: 'Partial', reasoning_content: 'Hmm.' },
      finish: 'length',
      usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 }
    },
    {
      name: 'fake model (Claude-shaped, end_turn), usage from message when top-level lacks it',
      result: { message: { id: '00000000', type: 'message', role: 'assistant', model: 'fake', content: [{ type: 'text', text: 'Lorem ipsum' }], stop_reason: 'end_turn', usage: { input_tokens: 0, output_tokens: 1 } }, finish_reason: 'stop' },
      message: { role: 'assistant', content: 'Lorem ipsum' },
      finish: 'stop',
      usage: { prompt_tokens: 0, completion_tokens: 1, total_tokens: 1 }
    },
    {
      name: 'Puter-normalized content blocks with reasoning and tool_use (input given as a string)',
      result: {
        message: { role: 'assistant', content: [{ type: 'reasoning', reasoning: 'plan' }, { type: 'text', text: 'Doing it.' }, { type: 'tool_use', id: 't1', name: 'run', input: '{"cmd":"ls"}' }] },
        normalized: true,
        finish_reason: 'stop',
        usage: { input_tokens: 1, output_tokens: 1 }
      },
      message: { role: 'assistant', content: 'Doing it.', reasoning_content: 'plan', tool_calls: [{ id: 't1', type: 'function', function: { name: 'run', arguments: '{"cmd":"ls"}' } }] },
      finish: 'tool_calls',
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
    },
    {
      name: 'newer normalized OpenAI shape: reasoning_details dropped, refusal null ignored',
      result: {
        message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'toolu_9', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }], reasoning: 'why', reasoning_details: [{ type: 'thinking', thinking: 'why', signature: 's' }] },
        finish_reason: 'tool_calls',
        normalized: true,
        usage: { input_tokens: 3, cache_read_input_tokens: 0, output_tokens: 4 }
      },
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_9', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }], reasoning_content: 'why' },
      finish: 'tool_calls',
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 } }
    },
    {
      name: 'plain string result, no usage',
      result: 'Just text',
      message: { role: 'assistant', content: 'Just text' },
      finish: 'stop',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    },
    {
      name: 'message.content as an array of text parts',
      result: { message: { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, finish_reason: 'stop' },
      message: { role: 'assistant', content: 'ab' },
      finish: 'stop',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    },
    {
      name: 'whole {success, result} envelope is unwrapped',
      result: { success: true, result: { message: { content: 'wrapped' }, finish_reason: 'stop' }, service: { name: 'ai-chat' } },
      message: { role: 'assistant', content: 'wrapped' },
      finish: 'stop',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    },
    {
      name: 'refusal with no content becomes the content, content_filter',
      result: { message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' },
      message: { role: 'assistant', content: 'I cannot help with that.' },
      finish: 'content_filter',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    },
    {
      name: 'tool call without id gets one; "tool_calls" finish with no calls would be "stop"',
      result: { message: { content: [{ type: 'tool_use', name: 'f', input: { a: 1 } }] }, finish_reason: 'stop' },
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc_0', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      finish: 'tool_calls',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    },
    {
      name: 'finish_reason tool_calls without any tool call becomes stop',
      result: { message: { content: 'no tools here' }, finish_reason: 'tool_calls' },
      message: { role: 'assistant', content: 'no tools here' },
      finish: 'stop',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    },
    {
      name: 'unknown result shape yields an empty answer, not a throw',
      result: { weird: true },
      message: { role: 'assistant', content: '' },
      finish: 'stop',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    }
  ]
  for (const c of cases) {
    const completion = fromPuterResult(c.result, META)
    t.same(completion, {
      id: META.id,
      object: 'chat.completion',
      created: META.created,
      model: META.model,
      choices: [{ index: 0, message: c.message, logprobs: null, finish_reason: c.finish }],
      usage: c.usage
    }, c.name)
    t.ok(Value.Check(ChatCompletionSchema, completion), `${c.name}: matches ChatCompletionSchema`)
    t.strictSame(Object.keys(completion), ['id', 'object', 'created', 'model', 'choices', 'usage'], `${c.name}: no extra fields`)
  }
})

t.test('toOpenAIUsage', async (t) => {
  const cases: Array<[string, unknown, unknown]> = [
    ['nothing', undefined, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ['fake model usd_cents only', { usd_cents: null }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ['raw Anthropic cache_creation_input_tokens', { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 20, output_tokens: 3 },
      { prompt_tokens: 35, completion_tokens: 3, total_tokens: 38, prompt_tokens_details: { cached_tokens: 20 } }],
    ['OpenRouter-style metering keys', { prompt: 7, completion: 2, request: 0 }, { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }],
    ['garbage values count as 0', { prompt_tokens: 'x', completion_tokens: -4 }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }]
  ]
  for (const [name, usage, expected] of cases) t.same(toOpenAIUsage(usage), expected, name)
})

/** Parses emitted SSE text into its data payloads: objects, or the string '[DONE]'. Throws on any non-data line. */
function events (sse: string): unknown[] {
  return sse.split('\n\n').filter((e) => e !== '').map((e) => {
    if (!e.startsWith('data: ')) throw new Error(`not a data line: ${e}`)
    const data = e.slice(6)
    return data === '[DONE]' ? data : JSON.parse(data)
  })
}

t.test('createStreamTranslator', async (t) => {
  t.test('a full stream: role, reasoning, text, tool calls, finish_reason, usage chunk, [DONE]', async (t) => {
    const tr = createStreamTranslator({ ...META, includeUsage: true })
    const lines: unknown[] = [
      { type: 'reasoning', reasoning: 'Thinking…' },
      { type: 'text', text: 'Let me ' },
      { type: 'text', text: '' },
      { type: 'text', text: 'check "this".' },
      { type: 'extra_content', extra_content: { a: 1 } },
      { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Paris' }, text: '' },
      { type: 'tool_use', id: 'call_def', name: 'read_file', input: '{"path":"a"}', text: '' },
      { type: 'usage', usage: { input_tokens: 50, cache_read_input_tokens: 10, output_tokens: 17, usd_cents: 0.1 } }
    ]
    let sse = tr.start()
    for (const line of lines) sse += tr.push(line)
    sse += tr.finish()
    t.equal(tr.finish(), '', 'finish() twice emits nothing more')
    t.equal(tr.push({ type: 'text', text: 'late' }), '', 'pushes after finish emit nothing')
    t.ok(tr.finished)

    const evs = events(sse)
    t.equal(evs.at(-1), '[DONE]', 'ends with [DONE]')
    const chunks = evs.slice(0, -1) as Array<Record<string, any>>
    for (const c of chunks) {
      t.match(c, { id: META.id, object: 'chat.completion.chunk', created: META.created, model: META.model }, 'same envelope on every chunk')
    }
    const choices = chunks.map((c) => c.choices)
    t.same(choices, [
      [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { reasoning_content: 'Thinking…' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { content: 'Let me ' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { content: 'check "this".' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_def', type: 'function', function: { name: 'read_file', arguments: '{"path":"a"}' } }] }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }],
      []
    ], 'chunk sequence')
    t.same(chunks.at(-1)?.usage, { prompt_tokens: 60, completion_tokens: 17, total_tokens: 77, prompt_tokens_details: { cached_tokens: 10 } }, 'usage chunk')
    t.notOk('usage' in chunks[chunks.length - 2], 'finish chunk carries no usage when include_usage was asked')
    t.same(tr.usage(), { prompt_tokens: 60, completion_tokens: 17, total_tokens: 77, prompt_tokens_details: { cached_tokens: 10 } }, 'usage() exposes it')
  })

  t.test('without include_usage, usage rides on the finish chunk; zeros when Puter gave none', async (t) => {
    const tr = createStreamTranslator({ ...META, includeUsage: false })
    const evs = events(tr.start() + tr.push({ type: 'text', text: 'Lorem' }) + tr.push({ type: 'usage', usage: { usd_cents: null } }) + tr.finish())
    t.same(evs.at(-2), {
      id: META.id,
      object: 'chat.completion.chunk',
      created: META.created,
      model: META.model,
      choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    })
    t.equal(evs.length, 4, 'role, text, finish, [DONE]')
  })

  const finishCases: Array<[string, unknown[], string]> = [
    ['text only: stop', [{ type: 'text', text: 'hi' }], 'stop'],
    ['usage line with finish_reason length', [{ type: 'text', text: 'hi' }, { type: 'usage', usage: {}, finish_reason: 'length' }], 'length'],
    ['usage line with stopReason max_tokens', [{ type: 'usage', usage: {}, stopReason: 'max_tokens' }], 'length'],
    ['usage object with stop_reason max_tokens', [{ type: 'usage', usage: { stop_reason: 'max_tokens' } }], 'length'],
    ['tool call wins over length', [{ type: 'tool_use', id: 'c', name: 'f', input: {} }, { type: 'usage', usage: {}, finish_reason: 'length' }], 'tool_calls'],
    ['unknown line types ignored', [{ type: 'compaction', id: 'x' }, { type: 'image' }, 'garbage', null, { type: 'text', text: 'a' }], 'stop']
  ]
  for (const [name, lines, reason] of finishCases) {
    const tr = createStreamTranslator({ ...META, includeUsage: true })
    let sse = tr.start()
    for (const line of lines) sse += tr.push(line)
    const evs = events(sse + tr.finish()) as Array<Record<string, any>>
    t.equal(evs.at(-3)?.choices[0].finish_reason, reason, name)
  }

  t.test('a tool_use line without id still gets one in its first delta', async (t) => {
    const tr = createStreamTranslator({ ...META, includeUsage: true })
    const [chunk] = events(tr.push({ type: 'tool_use', name: 'f' })) as Array<Record<string, any>>
    t.same(chunk.choices[0].delta.tool_calls, [{ index: 0, id: 'call_abc_0', type: 'function', function: { name: 'f', arguments: '{}' } }])
  })

  t.test('mid-stream error: an error event, [DONE], then nothing', async (t) => {
    const tr = createStreamTranslator({ ...META, includeUsage: true })
    let sse = tr.start() + tr.push({ type: 'text', text: 'par' })
    const errorSse = tr.push({ type: 'error', message: 'Upstream exploded' })
    t.equal(errorSse, 'data: {"error":{"message":"Upstream exploded","type":"upstream_error","param":null,"code":"upstream_error"}}\n\ndata: [DONE]\n\n')
    sse += errorSse
    t.equal(tr.push({ type: 'text', text: 'more' }), '', 'later lines ignored')
    t.equal(tr.finish(), '', 'finish emits nothing after an error')
    const evs = events(sse)
    t.same(evs.slice(-2), [{ error: { message: 'Upstream exploded', type: 'upstream_error', param: null, code: 'upstream_error' } }, '[DONE]'])
    t.equal(evs.length, 4)
  })

  t.test('error line without a message gets a generic one', async (t) => {
    const tr = createStreamTranslator({ ...META, includeUsage: true })
    const [err] = events(tr.push({ type: 'error' })) as Array<Record<string, any>>
    t.ok(typeof err.error.message === 'string' && err.error.message.length > 0, 'non-empty message')
  })
})

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

  t.test('splitter output drives the translator', async (t) => {
    const s = createNdjsonSplitter()
    const tr = createStreamTranslator({ ...META, includeUsage: true })
    let sse = tr.start()
    for (const line of s.feed('{"type":"text","text":"Hi"}\n{"type":"usage","usage":{"prompt_tokens":2,"completion_tokens":1}}\n')) sse += tr.push(line)
    for (const line of s.end()) sse += tr.push(line)
    sse += tr.finish()
    const evs = events(sse) as Array<Record<string, any>>
    t.equal(evs[1].choices[0].delta.content, 'Hi')
    t.same(evs.at(-2)?.usage, { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 })
  })
})

t.test('puterErrorToOpenAI', async (t) => {
  const v2 = (message: string, code: string, extra: Record<string, unknown> = {}) => ({ error: message, message, code, ...extra })
  const cases: Array<{
    name: string
    status: number
    body: unknown
    headers?: Record<string, string | string[] | undefined>
    expect: { status: number, type: string, code: string | null, param?: string | null, headers?: Record<string, string> }
    message?: RegExp
    notMessage?: RegExp
  }> = [
    {
      name: '401 token_missing',
      status: 401,
      body: v2('Missing authentication token', 'token_missing'),
      expect: { status: 401, type: 'authentication_error', code: 'puter_token_invalid' },
      message: /sign in to the dashboard/i
    },
    {
      name: '401 reauth_required never echoes reauth_token',
      status: 401,
      body: v2('Re-authentication required', 'reauth_required', { reason: 'session_expired', reauth_token: 'eyJsecret.abc.def' }),
      expect: { status: 401, type: 'authentication_error', code: 'puter_token_invalid' },
      notMessage: /eyJ|secret/
    },
    {
      name: 'legacy token_auth_failed in an HTTP-200 envelope',
      status: 200,
      body: { success: false, error: { code: 'token_auth_failed', message: 'Authentication failed' } },
      expect: { status: 401, type: 'authentication_error', code: 'puter_token_invalid' }
    },
    {
      name: '402 insufficient_funds',
      status: 402,
      body: v2('No usage left for request.', 'insufficient_funds'),
      expect: { status: 402, type: 'insufficient_quota', code: 'insufficient_quota', headers: { 'x-should-retry': 'false' } },
      message: /No usage left for request/
    },
    {
      name: 'legacy insufficient_funds (HTTP 200, status 402 inside)',
      status: 200,
      body: { success: false, error: { code: 'insufficient_funds', message: 'Available funding is insufficient for this request.', status: 402, $: 'heyputer:api/APIError' } },
      expect: { status: 402, type: 'insufficient_quota', code: 'insufficient_quota', headers: { 'x-should-retry': 'false' } },
      message: /Available funding is insufficient/
    },
    {
      name: '402 subscription_required',
      status: 402,
      body: v2('A subscription is required for this action', 'subscription_required', { subscription: 'user_free' }),
      expect: { status: 402, type: 'insufficient_quota', code: 'insufficient_quota', headers: { 'x-should-retry': 'false' } },
      message: /paid Puter plan/
    },
    {
      name: '403 permission_denied (subscriber-only model)',
      status: 403,
      body: v2('The model X is only available to subscribers', 'permission_denied'),
      expect: { status: 403, type: 'permission_error', code: 'permission_denied' },
      message: /only available to subscribers/
    },
    {
      name: '403 forbidden',
      status: 403,
      body: v2('Account suspended', 'forbidden'),
      expect: { status: 403, type: 'permission_error', code: 'forbidden' }
    },
    {
      name: '403 email_confirmation_required',
      status: 403,
      body: v2('Confirm your email', 'email_confirmation_required'),
      expect: { status: 403, type: 'permission_error', code: 'email_confirmation_required' }
    },
    {
      name: '400 Model not found -> 404 model_not_found',
      status: 400,
      body: v2('Model not found: foo/bar', 'bad_request'),
      expect: { status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model' },
      message: /`foo\/bar`/
    },
    {
      name: '429 too_many_requests with retry-after passed on',
      status: 429,
      body: v2('Too many requests.', 'too_many_requests'),
      headers: { 'Retry-After': '7', 'content-type': 'application/json' },
      expect: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', headers: { 'retry-after': '7' } },
      message: /Too many requests/
    },
    {
      name: '429 upstream_rate_limited without retry-after',
      status: 429,
      body: v2('All routes rate limited', 'upstream_rate_limited', { attempts: [] }),
      expect: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', headers: {} }
    },
    {
      name: '400 upstream_provider_unavailable -> 502',
      status: 400,
      body: v2('AI provider unavailable', 'upstream_provider_unavailable'),
      expect: { status: 502, type: 'api_error', code: 'upstream_error' }
    },
    {
      name: '400 upstream_failed -> 502',
      status: 400,
      body: v2('Mixed failures', 'upstream_failed'),
      expect: { status: 502, type: 'api_error', code: 'upstream_error' }
    },
    {
      name: '500 upstream_auth_failed -> 502 without Puter\'s text',
      status: 500,
      body: v2('OpenAI key sk-live-123 revoked', 'upstream_auth_failed'),
      expect: { status: 502, type: 'api_error', code: 'upstream_error' },
      notMessage: /sk-live|revoked/
    },
    {
      name: '500 internal_error -> 502 generic',
      status: 500,
      body: { error: 'Internal Server Error', message: 'Internal Server Error', code: 'internal_error' },
      expect: { status: 502, type: 'api_error', code: 'upstream_error' },
      notMessage: /Internal Server Error/
    },
    {
      name: '400 upstream_bad_request -> 400',
      status: 400,
      body: v2('Provider said: messages.1: bad', 'upstream_bad_request'),
      expect: { status: 400, type: 'invalid_request_error', code: 'upstream_bad_request' },
      message: /messages\.1: bad/
    },
    {
      name: '400 bad_request (message shape)',
      status: 400,
      body: v2("each message must have a 'content' property", 'bad_request'),
      expect: { status: 400, type: 'invalid_request_error', code: 'bad_request' },
      message: /content' property/
    },
    {
      name: '400 moderation_flagged (errorCode)',
      status: 400,
      body: { error: 'Flagged', message: 'Flagged', code: 'bad_request', errorCode: 'moderation_flagged' },
      expect: { status: 400, type: 'invalid_request_error', code: 'moderation_flagged' }
    },
    {
      name: '400 field_invalid names the param',
      status: 400,
      body: v2('Invalid voice', 'field_invalid', { key: 'voice', expected: 'string', got: 'number' }),
      expect: { status: 400, type: 'invalid_request_error', code: 'field_invalid', param: 'voice' }
    },
    {
      name: '404 not_found (unknown driver) -> 502, a gateway misconfiguration',
      status: 404,
      body: v2('Driver not found: puter-chat-completion:x', 'not_found'),
      expect: { status: 502, type: 'api_error', code: 'upstream_not_found' }
    },
    {
      name: '413 payload too large stays a client error',
      status: 413,
      body: v2('Payload too large', 'payload_too_large'),
      expect: { status: 413, type: 'invalid_request_error', code: 'request_too_large' }
    },
    {
      name: '503 with an HTML body -> 502 generic',
      status: 503,
      body: '<html>Service Unavailable</html>',
      expect: { status: 502, type: 'api_error', code: 'upstream_error' },
      notMessage: /html/
    },
    {
      name: 'legacy envelope with an unknown code -> 502',
      status: 200,
      body: { success: false, error: { code: 'weird', message: 'Something odd' } },
      expect: { status: 502, type: 'api_error', code: 'upstream_error' }
    },
    {
      name: 'a token inside a passed-on message is redacted',
      status: 400,
      body: v2('Bad token eyJhbGciOi.eyJzdWIi.c2ln in body', 'bad_request'),
      expect: { status: 400, type: 'invalid_request_error', code: 'bad_request' },
      notMessage: /eyJ/
    }
  ]
  for (const c of cases) {
    const mapped = puterErrorToOpenAI(c.status, c.body, c.headers)
    t.equal(mapped.status, c.expect.status, `${c.name}: status`)
    t.equal(mapped.error.type, c.expect.type, `${c.name}: type`)
    t.equal(mapped.error.code, c.expect.code, `${c.name}: code`)
    t.equal(mapped.error.param, c.expect.param ?? null, `${c.name}: param`)
    t.same(mapped.headers, c.expect.headers ?? {}, `${c.name}: headers`)
    t.ok(typeof mapped.error.message === 'string' && mapped.error.message.length > 0, `${c.name}: has a message`)
    if (c.message) t.match(mapped.error.message, c.message, `${c.name}: message`)
    if (c.notMessage) t.notMatch(mapped.error.message, c.notMessage, `${c.name}: message hides upstream details`)
  }
})

t.test('isPuterFailure', async (t) => {
  t.equal(isPuterFailure({ success: false, error: { code: 'x' } }), true, 'legacy failure envelope')
  t.equal(isPuterFailure({ success: true, result: {} }), false, 'success envelope')
  t.equal(isPuterFailure({ error: 'x', code: 'y' }), false, 'v2 error body (has its own status)')
  t.equal(isPuterFailure(null), false, 'null')
  t.equal(isPuterFailure('x'), false, 'string')
})
