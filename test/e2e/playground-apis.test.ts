// The Playground holds a real conversation through each of the three client APIs (Chat Completions, Responses,
// Anthropic Messages) in headless Chromium against a live server and the fake Puter: two turns with their history,
// edit and resend, Clear, the raw request and response, reasoning, tool calls, Stop and errors; phone width too.
import t from 'tap'
import type { Page, Request } from 'playwright-core'
import { join } from 'node:path'
import { browserMissing, launchBrowser, liveServer, openPage, screenshot, RESULTS_DIR } from './browser.ts'

const missing = browserMissing()
if (missing) t.fail(missing)

const text = (page: Page, selector: string) => page.locator(selector).innerText().then((s) => s.trim())
const LAST = '#pg-transcript > .turn-assistant:last-child'

type ApiId = 'chat' | 'responses' | 'messages'
const PATHS: Record<ApiId, string> = { chat: '/v1/chat/completions', responses: '/v1/responses', messages: '/v1/messages' }

/** The history a request carries, as [role, text] pairs, whichever API's shape it is in. */
function historyOf (api: ApiId, body: any): Array<[string, string]> {
  if (api === 'chat') return body.messages.filter((m: any) => m.role !== 'system').map((m: any) => [m.role, m.content])
  if (api === 'responses') return body.input.map((i: any) => [i.role, typeof i.content === 'string' ? i.content : i.content.map((p: any) => p.text).join('')])
  return body.messages.map((m: any) => [m.role, m.content.map((b: any) => b.text).join('')])
}

/** The system prompt a request carries, where each API puts it. */
function systemOf (api: ApiId, body: any): string | undefined {
  if (api === 'chat') return body.messages.find((m: any) => m.role === 'system')?.content
  return api === 'responses' ? body.instructions : body.system
}

/** Sends the composer's message and waits for the reply to finish; returns the request the page sent. */
async function send (page: Page, api: ApiId, message: string): Promise<Request> {
  const count = await page.locator('#pg-transcript > li').count()
  await page.fill('#pg-message', message)
  const request = page.waitForRequest((r) => new URL(r.url()).pathname === PATHS[api] && r.method() === 'POST')
  await page.click('#pg-send')
  const sent = await request
  await page.locator(`#pg-transcript > li:nth-child(${count + 2}) .stats`).waitFor()
  return sent
}

t.test('a conversation through each API: history, edit and resend, Clear, raw view', { skip: Boolean(missing) }, async (t) => {
  const { base, fake } = await liveServer(t)
  const context = await launchBrowser(t)
  const { page, problems, httpErrors } = await openPage(context)
  await page.goto(`${base}/`)
  await page.fill('#token-input', 'fake-token-grace')
  await page.click('#token-submit')
  await page.locator('#keys-empty').waitFor()
  await page.fill('#key-name', 'Playground')
  await page.click('#create-key')
  await page.locator('#new-key').waitFor()
  const key = (await page.locator('#new-key-value').innerText()).trim()
  await page.click('#tab-playground')
  await page.waitForFunction(() => document.querySelectorAll('#pg-models option').length > 0)
  await page.fill('#pg-system', 'Be brief.')

  const cases: Array<{ api: ApiId, model: string, endEvent: RegExp }> = [
    { api: 'chat', model: 'gpt-4o-mini', endEvent: /data: \[DONE\]\s*$/ },
    { api: 'responses', model: 'gpt-4o-mini', endEvent: /event: response\.completed\ndata: \{[^\n]*"sequence_number"/ },
    { api: 'messages', model: 'claude-sonnet-4-6', endEvent: /event: message_start[\s\S]*event: content_block_delta[\s\S]*event: message_stop\n/ }
  ]
  for (const { api, model, endEvent } of cases) {
    await t.test(`${api}: two turns, then edit and resend, then Clear`, async (t) => {
      await page.check(`#pg-api-${api}`)
      t.equal(await text(page, '#pg-send-via'), `POST ${PATHS[api]}`, 'the composer names the route')
      await page.fill('#pg-model', model)

      const first = await send(page, api, 'First question here')
      t.equal(await text(page, `${LAST} .reply`), 'Echo: First question here')
      t.equal(await text(page, `${LAST} .api-badge`), { chat: 'Chat Completions', responses: 'Responses', messages: 'Messages' }[api])
      const h1 = first.headers()
      if (api === 'messages') {
        t.equal(h1['x-api-key'], key, 'Messages sends the key as x-api-key')
        t.equal(h1['anthropic-version'], '2023-06-01')
        t.equal(first.postDataJSON().max_tokens, 4096, 'and the max_tokens it requires')
      } else {
        t.equal(h1.authorization, `Bearer ${key}`)
      }
      t.same(historyOf(api, first.postDataJSON()), [['user', 'First question here']])
      t.equal(systemOf(api, first.postDataJSON()), 'Be brief.', 'the system prompt where the API wants it')

      const second = await send(page, api, 'Second question now')
      t.equal(await text(page, `${LAST} .reply`), 'Echo: Second question now')
      t.same(historyOf(api, second.postDataJSON()), [['user', 'First question here'], ['assistant', 'Echo: First question here'], ['user', 'Second question now']], 'the whole history is sent')
      const toPuter = fake.calls.filter((c) => c.path === '/drivers/call').at(-1)!
      t.match(JSON.stringify(toPuter.body), 'Echo: First question here', 'and reaches Puter')
      t.equal(await page.locator('#pg-transcript > li').count(), 4)

      // The raw view: the body exactly as sent (the key masked in the headers), and the stream as received.
      await page.click(`${LAST} .raw summary`)
      const [rawRequest, rawResponse] = await page.locator(`${LAST} .raw-text`).allTextContents()
      t.match(rawRequest, new RegExp(`^POST ${PATHS[api]}\\n`))
      t.equal(rawRequest.slice(rawRequest.indexOf('\n\n') + 2), second.postData(), 'the request body as sent')
      t.notMatch(rawRequest, key, 'the full key is not shown')
      t.match(rawRequest, api === 'messages' ? /x-api-key: sk-.{4}…/ : /authorization: Bearer sk-.{4}…/)
      t.match(await text(page, `${LAST} .raw-status`), /HTTP 200 · text\/event-stream/)
      t.match(rawResponse, endEvent, 'the SSE text as received')
      t.match(rawResponse, 'question now')

      // Edit the first message: it is replaced and what followed it is dropped.
      await page.click('#pg-transcript > li[data-index="0"] .turn-edit')
      const box = page.locator('#pg-transcript .turn-edit-input')
      t.equal(await box.inputValue(), 'First question here')
      await box.fill('Edited first question')
      const request = page.waitForRequest((r) => new URL(r.url()).pathname === PATHS[api])
      await page.click('#pg-transcript .turn-resend')
      const edited = await request
      t.same(historyOf(api, edited.postDataJSON()), [['user', 'Edited first question']], 'only the edited message is sent')
      await page.locator(`${LAST} .stats`).waitFor()
      t.equal(await page.locator('#pg-transcript > li').count(), 2, 'the later turns are gone')
      t.equal(await text(page, '#pg-transcript > li:first-child .turn-text'), 'Edited first question')
      t.equal(await text(page, `${LAST} .reply`), 'Echo: Edited first question')

      // Editing can be cancelled.
      await page.click('#pg-transcript > li[data-index="0"] .turn-edit')
      await page.press('#pg-transcript .turn-edit-input', 'Escape')
      t.equal(await page.locator('#pg-transcript .turn-edit-input').count(), 0)
      t.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Edit message 1', 'focus goes back to Edit')

      if (api === 'messages') await screenshot(page, 'playground-messages')
      await page.click('#pg-clear')
      t.equal(await page.locator('#pg-transcript > li').count(), 0, 'Clear empties the conversation')
      t.ok(await page.isVisible('#pg-placeholder'))
      t.ok(await page.isDisabled('#pg-clear'))
      const fresh = await send(page, api, 'After the clear')
      t.same(historyOf(api, fresh.postDataJSON()), [['user', 'After the clear']], 'a new conversation starts from nothing')
      await page.click('#pg-clear')
    })
  }

  await t.test('not streamed: the raw response is the JSON answer', async (t) => {
    await page.uncheck('#pg-stream')
    for (const api of ['chat', 'responses', 'messages'] as const) {
      await page.check(`#pg-api-${api}`)
      const sent = await send(page, api, `Plain ${api} answer`)
      t.equal(sent.postDataJSON().stream, false)
      t.equal(await text(page, `${LAST} .reply`), `Echo: Plain ${api} answer`, `${api}: the reply`)
      await page.click(`${LAST} .raw summary`)
      t.match(await text(page, `${LAST} .raw-status`), /HTTP 200 · application\/json/)
      const raw = JSON.parse((await page.locator(`${LAST} .raw-text`).nth(1).textContent())!)
      t.equal(raw.object ?? raw.type, { chat: 'chat.completion', responses: 'response', messages: 'message' }[api], `${api}: the answer's own shape`)
    }
    await page.check('#pg-stream')
    await page.click('#pg-clear')
  })

  await t.test('reasoning and tool calls come back through Responses and Messages', async (t) => {
    await page.check('#pg-api-responses')
    await page.fill('#pg-model', 'deepseek-reasoner')
    const r = await send(page, 'responses', 'Why is the sea salty?')
    t.match(r.postDataJSON().reasoning, { summary: 'auto' })
    t.equal(await text(page, `${LAST} .reasoning-text`), 'Thinking about: Why is the sea salty?')
    t.equal(await text(page, `${LAST} .reply`), 'Echo: Why is the sea salty?')

    await page.check('#pg-api-messages')
    await page.fill('#pg-model', 'claude-sonnet-4-6')
    await page.click('.advanced summary')
    await page.selectOption('#pg-effort', 'low')
    const m = await send(page, 'messages', 'Why is the sky blue?')
    t.same(m.postDataJSON().thinking, { type: 'enabled', budget_tokens: 1024 })
    t.ok(m.postDataJSON().max_tokens > 1024, 'max_tokens above the thinking budget')
    t.equal(await text(page, `${LAST} .reasoning-text`), 'Thinking about: Why is the sky blue?')
    t.equal(await text(page, `${LAST} .reply`), 'Echo: Why is the sky blue?')
    await page.selectOption('#pg-effort', '')

    // Tools written in Chat Completions' shape go out in each API's own.
    await page.fill('#pg-tools', JSON.stringify([{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }]))
    for (const api of ['responses', 'messages'] as const) {
      await page.click('#pg-clear')
      await page.check(`#pg-api-${api}`)
      await page.fill('#pg-model', api === 'messages' ? 'claude-sonnet-4-6' : 'gpt-4o-mini')
      const sent = await send(page, api, 'Paris')
      const tool = sent.postDataJSON().tools[0]
      t.same(tool, api === 'responses'
        ? { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }
        : { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }, `${api}: the tool in its shape`)
      t.equal(await text(page, `${LAST} .tool-name`), 'get_weather', `${api}: the call is listed`)
      t.same(JSON.parse(await text(page, `${LAST} .tool-args`)), { city: 'Paris' })
      t.match(await text(page, `${LAST} .stats`), api === 'messages' ? /Finish\s*tool_use/i : /Finish\s*completed/i)
    }
    await page.fill('#pg-tools', '')
    await page.click('.advanced summary')
    await screenshot(page, 'playground-reasoning-tools')
    await page.click('#pg-clear')
  })

  await t.test('Stop and errors through Messages', async (t) => {
    await page.check('#pg-api-messages')
    await page.fill('#pg-model', 'claude-sonnet-4-6')
    fake.enqueue({ kind: 'stream', delayMs: 5000, lines: [{ type: 'text', text: 'Echo: slow' }, { type: 'text', text: ' never finished' }, { type: 'usage', usage: {} }] })
    await page.fill('#pg-message', 'Take your time')
    await page.click('#pg-send')
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Echo: slow', `${LAST} .reply`)
    const aborted = fake.waitForAbort()
    await page.click('#pg-stop')
    await aborted
    await page.waitForFunction(() => document.getElementById('pg-status')!.textContent === 'Stopped')
    t.equal(await text(page, `${LAST} .reply`), 'Echo: slow', 'the partial reply stays')
    t.ok(await page.isHidden('#pg-stop'))

    // The stopped reply is part of the history.
    const next = await send(page, 'messages', 'Go on then')
    t.same(historyOf('messages', next.postDataJSON()).map(([role]) => role), ['user', 'assistant', 'user'])

    await page.fill('#pg-model', 'no-such-model')
    await page.fill('#pg-message', 'Which model is this?')
    await page.click('#pg-send')
    await page.locator(`${LAST} .turn-error`).waitFor()
    t.match(await text(page, `${LAST} .turn-error`), /no-such-model[\s\S]*does not exist[\s\S]*Pick a model from the list/)
    t.equal(await text(page, '#pg-status'), 'Failed')
    await page.click(`${LAST} .raw summary`)
    t.match(await text(page, `${LAST} .raw-status`), /HTTP 404/)
    t.match(JSON.parse((await page.locator(`${LAST} .raw-text`).nth(1).textContent())!), { type: 'error', error: { type: 'not_found_error' } }, 'the error body in Anthropic\'s shape')
    t.same(httpErrors.splice(0), ['404 /v1/messages'])

    // The failed turn is not sent as history; editing the message resends it.
    await page.fill('#pg-model', 'claude-sonnet-4-6')
    const index = await page.locator('#pg-transcript > li').count() - 2
    await page.click(`#pg-transcript > li[data-index="${index}"] .turn-edit`)
    const request = page.waitForRequest((r) => new URL(r.url()).pathname === '/v1/messages')
    await page.click('#pg-transcript .turn-resend')
    t.equal(historyOf('messages', (await request).postDataJSON()).at(-1)![1], 'Which model is this?')
    await page.locator(`${LAST} .stats`).waitFor()
    t.equal(await text(page, `${LAST} .reply`), 'Echo: Which model is this?')
  })

  await t.test('a form problem is told before anything is sent', async (t) => {
    await page.fill('#pg-message', '')
    await page.click('#pg-send')
    t.match(await text(page, '#pg-error'), /Write a message first/)
    t.equal(await page.evaluate(() => document.activeElement?.id), 'pg-message')
  })

  await t.test('phone width: the conversation fits', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.click(`${LAST} .raw summary`)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    t.ok(overflow <= 0, `no sideways scrolling (overflow ${overflow})`)
    await screenshot(page, 'playground-phone')
    // The conversation alone, at a size that can be read.
    await page.locator('#pg-output').screenshot({ path: join(RESULTS_DIR, 'playground-phone-conversation.png'), animations: 'disabled' })
    await page.setViewportSize({ width: 1280, height: 860 })
  })

  t.same(problems, [], 'no script errors or CSP violations')
  t.same(httpErrors, [], 'no unexpected HTTP errors')
})
