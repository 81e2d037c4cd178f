// Puter chat results of every provider family, with the neutral answer each normalises to and the OpenAI
// chat.completion fields that answer encodes to: shared by test/puter/normalize.test.ts and the openai-chat encoder test.
import type { PuterAnswer } from '../../src/puter/events.ts'

interface ResultCase {
  name: string
  /** Puter's `result`, as the driver call returns it. */
  result: unknown
  /** What normalizeResult reads it as. */
  answer: PuterAnswer
  /** The chat.completion choice message, finish_reason and usage that answer encodes to. */
  message: Record<string, unknown>
  finish: string
  usage: Record<string, unknown>
}

/** A neutral answer: empty text, no calls, zero usage and a natural stop unless given. */
export function answer (parts: Partial<PuterAnswer>): PuterAnswer {
  return { text: '', reasoning: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, finish: 'stop', ...parts }
}

export const RESULT_CASES: ResultCase[] = [
  {
    name: 'OpenAI-wire text; Puter prompt_tokens exclude top-level cached_tokens',
    answer: answer({ text: 'Hello!', usage: { inputTokens: 52, outputTokens: 5, cachedInputTokens: 12, costUsdCents: 0.001 } }),
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
    answer: answer({ toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }], usage: { inputTokens: 52, outputTokens: 17, cachedInputTokens: 0, costUsdCents: 0.0018 }, finish: 'tool_calls' }),
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
    answer: answer({ text: 'Calling.', toolCalls: [{ id: 'call_r', name: 'f', arguments: '{}' }], usage: { inputTokens: 3, outputTokens: 4 }, finish: 'tool_calls' }),
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
    answer: answer({ text: '42', reasoning: 'Let me think.', usage: { inputTokens: 1, outputTokens: 2 } }),
    result: { message: { role: 'assistant', content: '42', reasoning: 'Let me think.' }, finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 2 } },
    message: { role: 'assistant', content: '42', reasoning_content: 'Let me think.' },
    finish: 'stop',
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }
  },
  {
    name: 'OpenAI-wire truncated at the token cap',
    answer: answer({ text: 'Once upon', usage: { inputTokens: 1, outputTokens: 2 }, finish: 'length' }),
    result: { message: { role: 'assistant', content: 'Once upon' }, finish_reason: 'length', usage: { prompt_tokens: 1, completion_tokens: 2 } },
    message: { role: 'assistant', content: 'Once upon' },
    finish: 'length',
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }
  },
  {
    name: 'raw OpenAI usage: prompt_tokens_details already inside prompt_tokens',
    answer: answer({ text: 'ok', usage: { inputTokens: 100, outputTokens: 2, cachedInputTokens: 80 } }),
    result: { message: { content: 'ok' }, finish_reason: 'stop', usage: { prompt_tokens: 100, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 80 } } },
    message: { role: 'assistant', content: 'ok' },
    finish: 'stop',
    usage: { prompt_tokens: 100, completion_tokens: 2, total_tokens: 102, prompt_tokens_details: { cached_tokens: 80 } }
  },
  {
    name: 'Claude raw message with text and tool_use: stop_reason wins over finish_reason "stop"',
    answer: answer({
      text: 'Let me check.',
      toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      usage: { inputTokens: 260, outputTokens: 30, cachedInputTokens: 200, cacheWriteTokens: 10, reasoningTokens: 0, costUsdCents: 0.06 },
      finish: 'tool_calls'
    }),
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
    answer: answer({ text: 'Partial', reasoning: 'Hmm.', usage: { inputTokens: 5, outputTokens: 9 }, finish: 'length' }),
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
    answer: answer({ text: 'Lorem ipsum', usage: { inputTokens: 0, outputTokens: 1 } }),
    result: { message: { id: '00000000', type: 'message', role: 'assistant', model: 'fake', content: [{ type: 'text', text: 'Lorem ipsum' }], stop_reason: 'end_turn', usage: { input_tokens: 0, output_tokens: 1 } }, finish_reason: 'stop' },
    message: { role: 'assistant', content: 'Lorem ipsum' },
    finish: 'stop',
    usage: { prompt_tokens: 0, completion_tokens: 1, total_tokens: 1 }
  },
  {
    name: 'Puter-normalized content blocks with reasoning and tool_use (input given as a string)',
    answer: answer({ text: 'Doing it.', reasoning: 'plan', toolCalls: [{ id: 't1', name: 'run', arguments: '{"cmd":"ls"}' }], usage: { inputTokens: 1, outputTokens: 1 }, finish: 'tool_calls' }),
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
    answer: answer({ reasoning: 'why', toolCalls: [{ id: 'toolu_9', name: 'f', arguments: '{"a":1}' }], usage: { inputTokens: 3, outputTokens: 4, cachedInputTokens: 0 }, finish: 'tool_calls' }),
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
    answer: answer({ text: 'Just text' }),
    result: 'Just text',
    message: { role: 'assistant', content: 'Just text' },
    finish: 'stop',
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  },
  {
    name: 'message.content as an array of text parts',
    answer: answer({ text: 'ab' }),
    result: { message: { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, finish_reason: 'stop' },
    message: { role: 'assistant', content: 'ab' },
    finish: 'stop',
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  },
  {
    name: 'whole {success, result} envelope is unwrapped',
    answer: answer({ text: 'wrapped' }),
    result: { success: true, result: { message: { content: 'wrapped' }, finish_reason: 'stop' }, service: { name: 'ai-chat' } },
    message: { role: 'assistant', content: 'wrapped' },
    finish: 'stop',
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  },
  {
    name: 'refusal with no content becomes the content, content_filter',
    answer: answer({ text: 'I cannot help with that.', finish: 'content_filter' }),
    result: { message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' },
    message: { role: 'assistant', content: 'I cannot help with that.' },
    finish: 'content_filter',
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  },
  {
    name: 'tool call without id gets one; "tool_calls" finish with no calls would be "stop"',
    answer: answer({ toolCalls: [{ id: null, name: 'f', arguments: '{"a":1}' }], finish: 'tool_calls' }),
    result: { message: { content: [{ type: 'tool_use', name: 'f', input: { a: 1 } }] }, finish_reason: 'stop' },
    message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc_0', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
    finish: 'tool_calls',
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  },
  {
    name: 'finish_reason tool_calls without any tool call becomes stop',
    answer: answer({ text: 'no tools here' }),
    result: { message: { content: 'no tools here' }, finish_reason: 'tool_calls' },
    message: { role: 'assistant', content: 'no tools here' },
    finish: 'stop',
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  },
  {
    name: 'unknown result shape yields an empty answer, not a throw',
    answer: answer({}),
    result: { weird: true },
    message: { role: 'assistant', content: '' },
    finish: 'stop',
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  }
]
