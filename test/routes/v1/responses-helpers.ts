// Shared by the Responses tests: a request over inject, an SSE body parsed, and a stream read the way Codex reads it.
import type { Setup } from '../../helper.ts'

export function post (s: Setup, key: string, payload: object) {
  return s.app.inject({ method: 'POST', url: '/v1/responses', headers: { authorization: `Bearer ${key}` }, payload })
}

/** The events of a Responses SSE body (event name checked against data.type). */
export function events (body: string): any[] {
  return body.split('\n\n').filter((b) => b.trim() !== '' && !b.startsWith(':')).map((block) => {
    const lines = block.split('\n')
    const name = lines.find((l) => l.startsWith('event: '))!.slice(7)
    const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6))
    if (data.type !== name) throw new Error(`event ${name} carries ${data.type}`)
    return data
  })
}

/**
 * A Responses stream read as Codex does (openai/codex `codex-api/src/sse/responses.rs`): items only from
 * output_item.done, text deltas as they come, response.completed held until the end of the stream and acted on only
 * there, response.failed as an error with its code. Throws what Codex would report.
 */
export function readLikeCodex (body: string) {
  const items: any[] = []
  let text = ''
  let completed: any
  for (const e of events(body)) {
    if (completed !== undefined) throw new Error(`${e.type} after response.completed: Codex would still be waiting`)
    switch (e.type) {
      case 'response.output_item.done': items.push(e.item); break
      case 'response.output_text.delta': text += e.delta; break
      case 'response.failed': throw Object.assign(new Error(e.response.error.message), { code: e.response.error.code })
      case 'response.completed': completed = e.response; break
    }
  }
  if (completed === undefined) throw new Error('stream closed before response.completed')
  if (typeof completed.id !== 'string') throw new Error('response.completed without response.id')
  const u = completed.usage
  if (u && !(Number.isInteger(u.input_tokens) && Number.isInteger(u.output_tokens) && Number.isInteger(u.total_tokens) &&
    Number.isInteger(u.input_tokens_details?.cached_tokens) && Number.isInteger(u.output_tokens_details?.reasoning_tokens))) {
    throw new Error('usage Codex cannot parse')
  }
  return { items, text, completed }
}
