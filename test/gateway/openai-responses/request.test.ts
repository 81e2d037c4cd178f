// Responses request bodies mapped onto Puter's chat args: input items, instructions, tools (function, custom, hosted),
// tool_choice, reasoning effort, and what is refused.
import t from 'tap'
import { clampEffort, droppedTools, requestProblem, toPuterRequest } from '../../../src/gateway/openai-responses/request.ts'
import type { ResponsesRequest } from '../../../src/gateway/openai-responses/schema.ts'

const WEATHER = { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: null }
const APPLY_PATCH = { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } }
const map = (req: Partial<ResponsesRequest>, history?: any[]) => toPuterRequest({ model: 'gpt-5-nano', ...req } as ResponsesRequest, history)

t.test('a string input is one user message, after the instructions as a system message', async (t) => {
  const { args } = map({ input: 'hi', instructions: 'Be terse.' })
  t.same(args, { model: 'gpt-5-nano', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi' }], stream: false })
})

t.test('message items: roles, parts, and what is dropped', async (t) => {
  const { args } = map({
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'dev rules' }] },
      { type: 'message', role: 'system', content: 'sys' },
      { role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'data:image/png;base64,AA' }, { type: 'input_file', file_id: 'f' } as any] },
      { type: 'reasoning', summary: [], encrypted_content: 'opaque' } as any,
      { type: 'message', role: 'assistant', id: 'msg_0000', content: [{ type: 'output_text', text: 'seen' }] } as any,
      { type: 'message', role: 'user', content: '' },
      { type: 'item_reference', id: 'x' } as any,
      { type: 'web_search_call', id: 'ws_1' } as any
    ]
  })
  t.same(args.messages, [
    { role: 'system', content: 'dev rules' },
    { role: 'system', content: 'sys' },
    { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] },
    { role: 'assistant', content: 'seen' }
  ], 'developer -> system; reasoning, empty, item_reference and hosted-call items dropped; extras (id) never sent')
})

t.test('function and custom calls become tool_use blocks, consecutive ones in one assistant turn; outputs become tool messages', async (t) => {
  const { args } = map({
    input: [
      { role: 'user', content: 'go' },
      { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
      { type: 'custom_tool_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'done' }, { type: 'input_text', text: 'ok' }] },
      { type: 'function_call', call_id: 'c3', name: 'get_weather', arguments: 'not json' }
    ]
  })
  t.same(args.messages, [
    { role: 'user', content: 'go' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Paris' } }, { type: 'tool_use', id: 'c2', name: 'apply_patch', input: { input: '*** Begin Patch' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    { role: 'tool', tool_call_id: 'c2', content: 'done\nok' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'c3', name: 'get_weather', input: {} }] }
  ])
})

t.test('tools: functions as they are, custom as a one-string function with its grammar told, hosted ones left out', async (t) => {
  const { args, customTools } = map({
    input: 'x',
    tools: [WEATHER, APPLY_PATCH, { type: 'web_search' }, { type: 'namespace', name: 'multi_agent_v1', tools: [] }, { type: 'mcp', server_label: 's' }, { type: 'tool_search', execution: 'client' }, { type: 'file_search' }] as any,
    tool_choice: 'auto',
    parallel_tool_calls: false
  })
  const tools = args.tools as any[]
  t.equal(tools.length, 2)
  t.same(tools[0], { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: WEATHER.parameters } }, 'strict: null is not sent')
  t.equal(tools[1].function.name, 'apply_patch')
  t.same(tools[1].function.parameters, { type: 'object', properties: { input: { type: 'string', description: 'The raw input of the tool, as freeform text' } }, required: ['input'] })
  t.match(tools[1].function.description, /^Edit files\.\n\nThe "input" argument must follow this lark grammar:\nstart: "x"$/)
  t.same([...customTools], ['apply_patch'])
  t.equal(args.tool_choice, 'auto')
  t.equal(args.parallel_tool_calls, false)
  t.same(droppedTools({ model: 'm', tools: [WEATHER, { type: 'web_search' }, { type: 'web_search' }, { type: 'mcp' }] } as any), ['web_search', 'mcp'])
})

t.test('only hosted tools: no tools, tool_choice or parallel_tool_calls are sent', async (t) => {
  const { args } = map({ input: 'x', tools: [{ type: 'web_search' }] as any, tool_choice: 'required', parallel_tool_calls: true })
  t.notOk('tools' in args)
  t.notOk('tool_choice' in args)
  t.notOk('parallel_tool_calls' in args)
})

t.test('tool_choice forms', async (t) => {
  const cases: Array<[unknown, unknown]> = [
    ['none', 'none'],
    ['required', 'required'],
    [{ type: 'function', name: 'get_weather' }, { type: 'function', function: { name: 'get_weather' } }],
    [{ type: 'custom', name: 'apply_patch' }, { type: 'function', function: { name: 'apply_patch' } }],
    [{ type: 'allowed_tools', mode: 'required', tools: [] }, 'required'],
    [{ type: 'allowed_tools', mode: 'auto', tools: [] }, 'auto']
  ]
  for (const [choice, expected] of cases) {
    t.same(map({ input: 'x', tools: [WEATHER, APPLY_PATCH] as any, tool_choice: choice as any }).args.tool_choice, expected, JSON.stringify(choice))
  }
})

t.test('requestProblem: a forced hosted tool is named; calls need call_id and name; tools need names', async (t) => {
  const problem = (req: object) => requestProblem({ model: 'm', ...req } as ResponsesRequest)
  t.match(problem({ tool_choice: { type: 'web_search_preview' } }), { param: 'tool_choice', hostedTool: 'web_search_preview' })
  t.match(problem({ tool_choice: { type: 'mcp', server_label: 'deepwiki' } }), { hostedTool: 'mcp (deepwiki)' })
  t.match(problem({ tool_choice: { type: 'function' } }), { param: 'tool_choice.name' })
  t.match(problem({ tools: [{ type: 'function' }] }), { param: 'tools.0.name' })
  t.match(problem({ input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }), { param: 'input.0.call_id' })
  t.match(problem({ input: [{ type: 'function_call_output', output: 'x' }] }), { param: 'input.0.call_id' })
  t.match(problem({ input: [{ type: 'custom_tool_call', call_id: 'c' }] }), { param: 'input.0.name' })
  t.equal(problem({ input: 'x', tools: [{ type: 'web_search' }], tool_choice: 'auto' }), undefined, 'offering a hosted tool is fine')
  t.equal(problem({ tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [] } }), undefined)
})

t.test('sampling, caps and reasoning effort, clamped to what Puter takes', async (t) => {
  const { args } = map({ input: 'x', temperature: 0.2, top_p: 0.9, max_output_tokens: 100, reasoning: { effort: 'xhigh', summary: 'auto' }, stream: true, store: false, include: ['reasoning.encrypted_content'], metadata: { a: 'b' }, previous_response_id: null })
  t.same(args, { model: 'gpt-5-nano', messages: [{ role: 'user', content: 'x' }], temperature: 0.2, top_p: 0.9, max_tokens: 100, reasoning_effort: 'high', stream: true }, 'store, include, metadata never reach Puter')
  t.same(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'bogus', null].map(clampEffort), [undefined, 'low', 'low', 'medium', 'high', 'high', undefined, undefined])
  t.notOk('max_tokens' in map({ input: 'x', max_output_tokens: 0 }).args, 'a cap below 1 is no cap')
})

t.test('history of previous_response_id goes first; its instructions are not carried over', async (t) => {
  const history = [{ type: 'message', role: 'user', content: 'first' }, { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'answer', annotations: [] }] }]
  const { args } = map({ input: 'second', instructions: 'New rules' }, history)
  t.same(args.messages, [{ role: 'system', content: 'New rules' }, { role: 'user', content: 'first' }, { role: 'assistant', content: 'answer' }, { role: 'user', content: 'second' }])
})
