// Sends N chat completions (plain or streamed), four at a time, for bench/instructions.sh. Args: base URL, key, kind, N.
import { Agent, request } from 'undici'

const [base, key, kind, count] = process.argv.slice(2)
const dispatcher = new Agent({ connections: 4 })
const body = JSON.stringify({ model: 'gpt-4o-mini', stream: kind === 'stream', messages: [{ role: 'user', content: 'Say hello in a few words.' }] })
let ok = 0
async function one () {
  const res = await request(`${base}/v1/chat/completions`, { method: 'POST', dispatcher, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body })
  await res.body.text()
  if (res.statusCode === 200) ok++
}
for (let i = 0; i < Number(count); i += 4) await Promise.all([one(), one(), one(), one()])
await dispatcher.close()
if (ok !== Number(count)) {
  console.error(`${kind}: only ${ok} of ${count} answered 200`)
  process.exit(1)
}
