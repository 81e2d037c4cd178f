// Shared by the chat completions tests: a chat request over inject, an SSE body parsed, message and tool fixtures.
import type { Setup } from '../../helper.ts'

export function chat (s: Setup, key: string, payload: unknown, headers: Record<string, string> = {}) {
  return s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}`, ...headers }, payload: payload as object })
}

/** The JSON chunks of an SSE body, and whether it ended with [DONE]. */
export function sse (body: string) {
  const events = body.split('\n\n').filter((e) => e.trim() !== '')
  const data = events.filter((e) => e.startsWith('data: ')).map((e) => e.slice(6))
  const done = data.at(-1) === '[DONE]'
  return { chunks: data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)), done, comments: events.filter((e) => e.startsWith(':')) }
}

export const user = (content: unknown) => ({ role: 'user', content })
export const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }
