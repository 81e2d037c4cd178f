// The benchmark's floor: the least a gateway must do. node:http in front of an undici Pool; it checks
// `Authorization: Bearer <key>` against a Map, makes the same upstream call as the gateway (POST /drivers/call,
// interface puter-chat-completion, method complete, args {model, messages, stream}) and pipes Puter's raw bytes
// back without translating them.
// Env: FLOOR_UPSTREAM (origin, required), FLOOR_KEYS (comma-separated keys, required), FLOOR_PUTER_TOKEN
// (default fake-token-alice), FLOOR_PORT (default 0 = any free port). Prints `BENCH_READY <url>` once listening.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { Pool } from 'undici'

const upstream = process.env.FLOOR_UPSTREAM
const keyList = (process.env.FLOOR_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean)
if (!upstream || keyList.length === 0) {
  console.error('FLOOR_UPSTREAM and FLOOR_KEYS are required')
  process.exit(1)
}
const puterToken = process.env.FLOOR_PUTER_TOKEN ?? 'fake-token-alice'
// key -> the Puter token to call with
const keys = new Map(keyList.map((k) => [k, puterToken]))

const pool = new Pool(upstream, {
  connect: { timeout: 10_000 },
  headersTimeout: 300_000,
  bodyTimeout: 300_000,
  keepAliveTimeout: 30_000,
  pipelining: 1
})

function sendJson (res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return sendJson(res, 404, { error: 'not found' })
  const auth = req.headers.authorization
  const token = auth !== undefined && auth.startsWith('Bearer ') ? keys.get(auth.slice(7).trim()) : undefined
  if (token === undefined) return sendJson(res, 401, { error: 'invalid key' })

  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    let body: { model?: unknown, messages?: unknown, stream?: unknown }
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return sendJson(res, 400, { error: 'invalid json' })
    }
    const call = JSON.stringify({
      interface: 'puter-chat-completion',
      driver: 'ai-chat',
      method: 'complete',
      args: { model: body.model, messages: body.messages, stream: body.stream === true }
    })
    const upstreamAbort = new AbortController()
    res.once('close', () => { if (!res.writableFinished) upstreamAbort.abort() })
    pool.request({
      method: 'POST',
      path: '/drivers/call',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: call,
      signal: upstreamAbort.signal
    }).then((up) => {
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/octet-stream') })
      pipeline(up.body, res).catch(() => { res.destroy() })
    }, () => {
      if (res.headersSent || res.destroyed) res.destroy()
      else sendJson(res, 502, { error: 'upstream unreachable' })
    })
  })
})

server.listen(Number(process.env.FLOOR_PORT ?? 0), '127.0.0.1', () => {
  console.log(`BENCH_READY http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})

let stopping = false
function stop (): void {
  if (stopping) return
  stopping = true
  server.close()
  server.closeAllConnections()
  pool.destroy().then(() => process.exit(0), () => process.exit(1))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
