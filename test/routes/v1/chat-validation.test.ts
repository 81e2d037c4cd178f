// Chat requests OpenAI would refuse are refused with a 400 naming the field, before Puter is called; bodies that are
// not JSON get 415; the messages say what is wrong (a refused property, the allowed roles).
import t from 'tap'
import { setupWithKey } from '../../helper.ts'
import { chat, user, WEATHER_TOOL } from './chat-helpers.ts'

const CALL = { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }

t.test('requests OpenAI would refuse: 400 invalid_request naming the field, and Puter is never called', async (t) => {
  const s = await setupWithKey(t)
  const cases: Array<[string, unknown[], Record<string, unknown>, string, RegExp]> = [
    ['a function tool without function', [user('x')], { tools: [{ type: 'function' }] }, 'tools.0.function', /tools\.0\.function is required/],
    ['a second tool without function', [user('x')], { tools: [WEATHER_TOOL, { type: 'function', description: 'x' }] }, 'tools.1.function', /tools\.1\.function/],
    ['a user message with content null', [user(null)], {}, 'messages.0.content', /messages\.0\.content must be a string or an array .*user message needs content/],
    ['a user message without content', [{ role: 'user' }], {}, 'messages.0.content', /user message needs content/],
    ['a system message with content null', [{ role: 'system', content: null }, user('x')], {}, 'messages.0.content', /system message/],
    ['a tool result with content null', [user('x'), { role: 'assistant', content: null, tool_calls: [CALL] }, { role: 'tool', tool_call_id: 'c1', content: null }], {}, 'messages.2.content', /tool message/],
    ['an assistant message with content null and no tool calls', [user('x'), { role: 'assistant', content: null }, user('y')], {}, 'messages.1.content', /unless it has tool_calls/],
    ['a content part of an unknown type', [user([{ type: 'text', text: 'look' }, { type: 'video', video_url: 'https://x/v.mp4' }])], {}, 'messages.0.content.1.type', /messages\.0\.content\.1\.type must be one of text, image_url, input_audio, file, refusal/],
    ['a text part without text', [user([{ type: 'text' }])], {}, 'messages.0.content.0.text', /text is required/]
  ]
  for (const [name, messages, extra, param, message] of cases) {
    const res = await chat(s, s.key, { model: 'gpt-4o-mini', messages, ...extra })
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.match(res.json(), { error: { type: 'invalid_request_error', code: 'invalid_request', param, message } }, `${name}: names ${param}`)
  }
  t.equal(s.fake.calls.filter((c) => c.path === '/drivers/call').length, 0, 'no refused request reached Puter')
})

t.test('what OpenAI allows still passes: tool-call turns without content, legacy function results, dropped part and tool types', async (t) => {
  const s = await setupWithKey(t)
  const cases: Array<[string, unknown[], Record<string, unknown>]> = [
    ['assistant content null with tool_calls', [user('x'), { role: 'assistant', content: null, tool_calls: [CALL] }, { role: 'tool', tool_call_id: 'c1', content: 'sunny' }], {}],
    ['assistant without content, with a legacy function_call', [user('x'), { role: 'assistant', function_call: { name: 'f', arguments: '{}' } }, { role: 'function', name: 'f', content: null }], {}],
    ['OpenAI part types Puter lacks (dropped)', [user([{ type: 'text', text: 'hear' }, { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }])], {}],
    ['a tool of another type (dropped)', [user('x')], { tools: [WEATHER_TOOL, { type: 'web_search_preview' }] }]
  ]
  for (const [name, messages, extra] of cases) {
    const res = await chat(s, s.key, { model: 'gpt-4o-mini', messages, ...extra })
    t.equal(res.statusCode, 200, `${name}: 200 (${res.statusCode === 200 ? 'ok' : res.body})`)
  }
})

t.test('a bad role is one message listing the roles, not "must be equal to constant" six times', async (t) => {
  const s = await setupWithKey(t)
  for (const role of ['robot', 5]) {
    const err = (await chat(s, s.key, { model: 'gpt-4o-mini', messages: [{ role, content: 'x' }] })).json().error
    t.equal(err.message, 'Invalid request: messages.0.role must be one of system, developer, user, assistant, tool, function', `role ${JSON.stringify(role)}`)
    t.equal(err.param, 'messages.0.role')
  }
  const temperature = (await chat(s, s.key, { model: 'gpt-4o-mini', messages: [user('x')], temperature: 'hot' })).json().error
  t.equal(temperature.message, 'Invalid request: temperature must be number or null', 'a nullable field says both types once')
})

t.test('any body but JSON is 415 unsupported_media_type on the AI routes (text/plain too)', async (t) => {
  const s = await setupWithKey(t)
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [user('x')] })
  for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', undefined]) {
    const headers: Record<string, string> = { authorization: `Bearer ${s.key}` }
    if (type) headers['content-type'] = type
    const res = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: body })
    t.equal(res.statusCode, 415, `${type ?? 'no content type'}: 415`)
    t.match(res.json(), { error: { type: 'invalid_request_error', code: 'unsupported_media_type', param: null, message: 'Send the body as application/json' } }, `${type ?? 'no content type'}: says what to send`)
  }
  const json = await s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json; charset=utf-8' }, payload: body })
  t.equal(json.statusCode, 200, 'application/json with a charset is fine')
})

t.test('a JSON body with __proto__ (or constructor.prototype) is refused by name, not called unparsable', async (t) => {
  const s = await setupWithKey(t)
  const post = (payload: string) => s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' }, payload })
  const cases: Array<[string, string, string]> = [
    ['__proto__ at the top', '{"model":"gpt-4o-mini","__proto__":{"admin":true},"messages":[{"role":"user","content":"x"}]}', '__proto__'],
    ['__proto__ in a message', '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x","__proto__":{}}]}', '__proto__'],
    ['__proto__ written with escapes', '{"model":"gpt-4o-mini","\\u005f_proto__":{},"messages":[]}', '__proto__'],
    ['constructor.prototype', '{"model":"gpt-4o-mini","constructor":{"prototype":{"x":1}},"messages":[]}', 'constructor.prototype']
  ]
  for (const [name, payload, property] of cases) {
    const res = await post(payload)
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.match(res.json().error, { code: 'forbidden_json_property', type: 'invalid_request_error', message: `The JSON body contains a "${property}" property, which this server refuses` }, name)
  }
  t.equal((await post('{"model": "gpt-4o-mini",')).json().error.code, 'invalid_json', 'broken JSON is still invalid_json')
  t.equal((await post('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"__proto__"}]}')).statusCode, 200, '"__proto__" as a value is fine')
  t.equal(s.fake.calls.filter((c) => c.path === '/drivers/call').length, 1)
})
