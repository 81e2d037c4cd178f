// A key's panel in headless Chromium: settings edited and still there after a reload, refused fields named beside
// them, disable and enable, rotation with a grace period, a refused request in the key's recent requests, revoking,
// and the Activity list. Screenshots at desktop and phone widths.
import t from 'tap'
import type { Page } from 'playwright-core'
import { browserMissing, launchBrowser, liveServer, openPage, screenshot } from './browser.ts'
import { createKey, signIn } from '../helper.ts'

const TOKEN = 'fake-token-grace'
const DAY_MS = 86_400_000

const text = (page: Page, selector: string) => page.locator(selector).innerText().then((s) => s.trim())
/** How far the page scrolls sideways (0 or less: it fits). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

t.test('a key\'s panel: settings, rotation, recent requests, revoking, activity', { skip: browserMissing() ?? false }, async (t) => {
  const { app, base } = await liveServer(t, { KEY_REVEAL: true })
  const cookie = await signIn(app, TOKEN)
  const laptop = await createKey(app, cookie, 'Laptop')
  const ci = await createKey(app, cookie, 'CI')
  /** The key as the API has it now. */
  const apiKey = async (id: string) => (await app.inject({ url: `/v1/keys/${id}`, headers: { cookie } })).json()
  /** A chat request with a key, over the wire, as any OpenAI client would make it. */
  const chat = async (key: string, model: string) => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] })
    })
    return { status: res.status, body: await res.json() as any }
  }

  const context = await launchBrowser(t, { width: 1280, height: 900 })
  const { page, problems, httpErrors } = await openPage(context)
  const patches: string[] = []
  page.on('request', (r) => { if (r.method() === 'PATCH') patches.push(r.postData() ?? '') })
  await page.goto(`${base}/`)
  await page.fill('#token-input', TOKEN)
  await page.click('#token-submit')
  await page.locator('#keys-body tr', { hasText: 'Laptop' }).waitFor()
  const row = (name: string | RegExp) => page.locator('#keys-body tr', { hasText: name })

  await t.test('the name opens the key\'s panel, which shows the key as it is', async (t) => {
    t.match(await row('Laptop').innerText(), /Laptop[\s\S]*Active[\s\S]*Never[\s\S]*0 requests[\s\S]*\$0\.00 in total/)
    await page.getByRole('button', { name: 'Manage key “Laptop”' }).click()
    await page.locator('#key-panel').waitFor()
    t.ok(await page.isHidden('#keys-list'), 'the list makes way for the panel')
    t.equal(await text(page, '#kp-title'), 'Laptop')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'kp-title', 'focus moves to the panel')
    t.equal(await text(page, '#kp-state'), 'Active')
    t.equal(await text(page, '#kp-preview'), laptop.preview)
    const facts = await text(page, '#kp-facts')
    t.match(facts, /Expires\s+Never/)
    t.match(facts, /Models\s+Every model/)
    t.match(facts, /Rate\s+No limit/)
    t.match(facts, /Budget\s+None/)
    await page.locator('#kp-requests-empty').waitFor()
    t.match(await text(page, '#kp-requests-empty'), /No requests with this key/)
    t.same(await page.locator('#kp-models li').allInnerTexts(), ['Every model (no restriction)'])
  })

  await t.test('editing a key: its settings are saved, and shown after a reload', async (t) => {
    await page.fill('#kp-name', 'Laptop (limited)')
    await page.selectOption('#kp-expiry', '7')
    t.match(await text(page, '#kp-expiry-help'), /stops working on .*\d{4}.*\((next week|in 7 days)\)/)
    // The catalogue comes from GET /account/models, with the session: no key is revealed or used for it.
    await page.waitForFunction(() => document.querySelectorAll('#kp-catalogue option').length > 0)
    const catalogue = await page.locator('#kp-catalogue option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    t.ok(catalogue.includes('gpt-4o-mini') && catalogue.includes('claude-sonnet-4-5-20250929'), `the picker offers the catalogue (${catalogue.length} models)`)
    t.match(await text(page, '#kp-models-help'), /Pick from \d+ models/)
    await page.fill('#kp-model-input', 'gpt-4o-mini')
    await page.press('#kp-model-input', 'Enter')
    await page.fill('#kp-model-input', 'claude-*, deepseek-*')
    await page.click('#kp-model-add')
    t.same(await page.locator('#kp-models code').allInnerTexts(), ['gpt-4o-mini', 'claude-*', 'deepseek-*'], 'a catalogue id and typed globs')
    await page.getByRole('button', { name: 'Remove deepseek-*' }).click()
    t.same(await page.locator('#kp-models code').allInnerTexts(), ['gpt-4o-mini', 'claude-*'])
    await page.fill('#kp-rpm', '30')
    await page.fill('#kp-concurrency', '2')
    await page.fill('#kp-budget-usd', '5')
    await page.selectOption('#kp-budget-period', 'week')
    await page.click('#kp-save')
    await page.locator('#toast.show', { hasText: 'Settings saved' }).waitFor()
    t.equal(patches.length, 1, 'one request')
    t.same(Object.keys(JSON.parse(patches[0])).sort(), ['allowedModels', 'budget', 'expiresAt', 'limits', 'name'], 'with only what changed')

    const saved = await apiKey(laptop.id)
    t.match(saved, {
      name: 'Laptop (limited)',
      allowedModels: ['gpt-4o-mini', 'claude-*'],
      limits: { rpm: 30, concurrency: 2 },
      budget: { usd: 5, period: 'week' },
      state: 'active'
    }, 'the server has the settings')
    const expires = Date.parse(saved.expiresAt) - Date.now()
    t.ok(expires > 7 * DAY_MS - 120_000 && expires <= 7 * DAY_MS, 'it expires in 7 days')
    t.equal(await text(page, '#kp-title'), 'Laptop (limited)', 'the panel follows')

    await page.reload()
    const limited = row('Laptop (limited)')
    await limited.waitFor()
    const shown = await limited.innerText()
    t.match(shown, /Active/)
    t.match(shown, /gpt-4o-mini, claude-\* · 30 \/ min · 2 at once · expires (next week|in 7 days)/, 'the limits in the table')
    t.match(shown, /\$0\.00 of \$5\.00 this week/, 'the budget')
    const bar = limited.getByRole('progressbar')
    t.equal(await bar.getAttribute('aria-valuemax'), '5')
    t.equal(await bar.getAttribute('aria-valuenow'), '0')

    await page.getByRole('button', { name: 'Manage key “Laptop (limited)”' }).click()
    t.equal(await page.inputValue('#kp-name'), 'Laptop (limited)')
    t.equal(await page.inputValue('#kp-rpm'), '30')
    t.equal(await page.inputValue('#kp-concurrency'), '2')
    t.equal(await page.inputValue('#kp-budget-usd'), '5')
    t.equal(await page.inputValue('#kp-budget-period'), 'week')
    t.equal(await page.inputValue('#kp-expiry'), 'keep')
    t.match(await page.locator('#kp-expiry-keep').innerText(), /No change \(.*\d{4}/)
    t.same(await page.locator('#kp-models code').allInnerTexts(), ['gpt-4o-mini', 'claude-*'])
    const facts = await text(page, '#kp-facts')
    t.match(facts, /Models\s+gpt-4o-mini, claude-\*/)
    t.match(facts, /Rate\s+30 requests per minute/)
    t.match(facts, /At once\s+2 requests/)
    t.match(facts, /Budget\s+\$5\.00 per week/)
    t.match(await text(page, '#kp-budget'), /\$0\.00 of \$5\.00 this week[\s\S]*Starts again from \$0 in \d+ days?/)

    await page.click('#kp-save')
    await page.locator('#toast.show', { hasText: 'Nothing to save' }).waitFor()
    t.equal(patches.length, 1, 'saving without a change asks nothing')
  })

  await t.test('a refused field is named beside it', async (t) => {
    await page.fill('#kp-rpm', '0')
    await page.click('#kp-save')
    await page.locator('#kp-rpm-error').waitFor()
    t.match(await text(page, '#kp-rpm-error'), /whole number from 1/)
    t.equal(await page.getAttribute('#kp-rpm', 'aria-invalid'), 'true')
    t.equal(patches.length, 1, 'checked before asking the server')

    // The server refuses a past expiry; its answer names expiresAt, shown beside the expiry.
    await page.fill('#kp-rpm', '30')
    await page.selectOption('#kp-expiry', 'date')
    await page.fill('#kp-expiry-date', '2001-01-01')
    await page.click('#kp-save')
    await page.locator('#kp-expiry-error').waitFor()
    t.match(await text(page, '#kp-expiry-error'), /^ExpiresAt must be in the future/)
    t.ok(await page.isHidden('#kp-rpm-error'), 'the earlier error is gone')
    t.ok(await page.isHidden('#kp-form-error'), 'nothing above the buttons: the field is named')
    t.equal(patches.length, 2)
    t.same(httpErrors.splice(0), [`400 /v1/keys/${laptop.id}`])
    t.ok((await apiKey(laptop.id)).expiresAt, 'nothing changed')
    await screenshot(page, 'key-panel-field-error')

    await page.selectOption('#kp-expiry', 'never')
    t.equal(await text(page, '#kp-expiry-help'), 'The key will never expire.')
    await page.click('#kp-save')
    await page.locator('#toast.show', { hasText: 'Settings saved' }).waitFor()
    t.equal((await apiKey(laptop.id)).expiresAt, null, 'never expires')
    t.match(await text(page, '#kp-facts'), /Expires\s+Never/)
    t.ok(await page.isHidden('#kp-expiry-error'))
  })

  await t.test('disable refuses the key at once; enable brings it back', async (t) => {
    t.equal(await text(page, '#kp-toggle'), 'Disable key')
    await page.click('#kp-toggle')
    await page.locator('#kp-state', { hasText: 'Disabled' }).waitFor()
    t.match(await text(page, '#kp-reason'), /disabled: requests are refused until you enable it/)
    const refused = await chat(laptop.key, 'gpt-4o-mini')
    t.equal(refused.status, 401)
    t.equal(refused.body.error.code, 'key_disabled')
    await page.click('#kp-back')
    await row('Laptop (limited)').filter({ hasText: /Disabled/ }).waitFor({ timeout: 5000 })
    t.match(await row('Laptop (limited)').innerText(), /Disabled/, 'the table shows it too')
    t.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Manage key “Laptop (limited)”', 'focus goes back to the key')
    await page.keyboard.press('Enter')
    await page.click('#kp-toggle')
    await page.locator('#kp-state', { hasText: 'Active' }).waitFor()
    t.ok(await page.isHidden('#kp-reason'))
    t.equal((await chat(laptop.key, 'gpt-4o-mini')).status, 200, 'the key works again')
  })

  let newKey = ''
  await t.test('rotating with a grace period shows the new secret once; the old one keeps working', async (t) => {
    await page.selectOption('#kp-grace', '3600')
    t.match(await text(page, '#kp-grace-note'), /both the old and the new secret work/)
    await page.click('#kp-rotate')
    await page.locator('#confirm-dialog').waitFor()
    t.match(await text(page, '#confirm-body'), /keeps working for 1 hour/)
    await page.click('#confirm-ok')
    await page.locator('#kp-rotated').waitFor()
    newKey = await text(page, '#kp-rotated-value')
    t.match(newKey, /^sk-/)
    t.not(newKey, laptop.key)
    t.match(await text(page, '#kp-rotated-note'), /old secret keeps working until/)
    await page.locator('#kp-facts', { hasText: 'Old secret' }).waitFor()
    t.match(await text(page, '#kp-facts'), /Old secret\s+works until/)
    t.not(await text(page, '#kp-preview'), laptop.preview, 'the preview is the new secret\'s')
    t.equal((await chat(laptop.key, 'gpt-4o-mini')).status, 200, 'the old secret works during the grace')
    await screenshot(page, 'key-panel-rotated')
    await page.click('#kp-rotated-done')
    t.ok(await page.isHidden('#kp-rotated'), 'shown once: gone when dismissed')
    t.notMatch(await page.content(), newKey, 'and no longer on the page')
  })

  await t.test('a refused request shows up in the key\'s recent requests, with the error count', async (t) => {
    const refused = await chat(newKey, 'deepseek-reasoner')
    t.equal(refused.status, 403)
    t.equal(refused.body.error.code, 'model_not_allowed')
    t.equal((await chat(newKey, 'claude-sonnet-4-5')).status, 200, 'a glob lets this one through (an alias of a claude-* model)')
    await page.click('#kp-requests-refresh')
    const refusedRow = page.locator('#kp-requests-body tr', { hasText: 'model_not_allowed' })
    await refusedRow.waitFor()
    const cell = (r: typeof refusedRow, label: string) => r.locator(`td[data-label="${label}"]`).innerText().then((s) => s.trim())
    t.equal(await refusedRow.locator('.route').innerText(), 'POST /v1/chat/completions')
    t.equal(await refusedRow.locator('.cell-model').innerText(), 'deepseek-reasoner')
    t.match(await cell(refusedRow, 'Result'), /^403\s*model_not_allowed$/)
    t.equal(await cell(refusedRow, 'Tokens in / out'), '0 / 0')
    t.equal(await cell(refusedRow, 'TTFB'), '–', 'Puter was not called')
    t.match(await cell(refusedRow, 'Duration'), /^\d+ ms$/)
    const rows = page.locator('#kp-requests-body tr')
    const first = rows.first()
    t.equal(await first.locator('.cell-model').innerText(), 'claude-sonnet-4-5-20250929', 'newest first, by its catalogue id')
    t.match(await cell(first, 'Result'), /^200$/)
    t.match(await cell(first, 'Tokens in / out'), /^[1-9]\d* \/ [1-9]\d*$/)
    t.match(await cell(first, 'Cost (est.)'), /^\$0\.\d+$/)
    t.match(await cell(first, 'TTFB'), /^\d+ ms$/)
    t.match(await rows.allInnerTexts(), [/./, /./, /./, /./], 'every request of the key is listed')

    const summary = await apiKey(laptop.id)
    t.ok(summary.errorCount >= 2, `the refused requests are counted (${summary.errorCount}: disabled, model not allowed)`)
    await page.locator('#kp-error-count', { hasText: `(${summary.errorCount} failed)` }).waitFor()
    const table = await page.locator('#kp-requests-table').boundingBox()
    const card = await page.locator('.kp-requests').boundingBox()
    t.ok(table && card && table.x + table.width <= card.x + card.width + 0.5, 'the requests table fits its card')
    await screenshot(page, 'key-panel-desktop')
    await page.setViewportSize({ width: 390, height: 844 })
    t.ok(await overflow(page) <= 0, 'the panel fits a phone')
    const box = await page.locator('#kp-requests-body tr').first().boundingBox()
    t.ok(box && box.x >= 0 && box.x + box.width <= 390, 'requests become cards that fit')
    await screenshot(page, 'key-panel-phone')
    await page.click('#kp-back')
    const counts = new RegExp(`${summary.requestCount} requests · ${summary.errorCount} failed`)
    await row('Laptop (limited)').filter({ hasText: counts }).waitFor({ timeout: 5000 })
    t.match(await row('Laptop (limited)').innerText(), counts)
    t.ok(await overflow(page) <= 0, 'the table fits a phone')
    await screenshot(page, 'keys-settings-phone')
    await page.setViewportSize({ width: 1280, height: 900 })
    const fits = await page.evaluate(() => {
      const table = document.getElementById('keys-table')!.getBoundingClientRect()
      const card = document.getElementById('keys-table')!.closest('.table-card')!.getBoundingClientRect()
      return table.right <= card.right + 0.5
    })
    t.ok(fits, 'at desktop width the table, limits and budget included, fits its card')
    await screenshot(page, 'keys-settings-desktop')
  })

  await t.test('revoking from the panel asks first', async (t) => {
    await page.getByRole('button', { name: 'Manage key “CI”' }).click()
    await page.click('#kp-revoke')
    t.match(await text(page, '#confirm-body'), /“CI” .* stops working immediately/)
    await page.click('#confirm-cancel')
    t.ok(await page.isVisible('#key-panel'), 'cancelled: nothing happens')
    t.equal((await chat(ci.key, 'gpt-4o-mini')).status, 200)
    await page.click('#kp-revoke')
    await page.click('#confirm-ok')
    await page.locator('#toast.show', { hasText: 'Revoked “CI”' }).waitFor()
    t.ok(await page.isHidden('#key-panel'), 'the panel closes')
    t.equal(await row('CI').count(), 0, 'the key is gone from the list')
    t.equal((await chat(ci.key, 'gpt-4o-mini')).status, 401)
  })

  await t.test('the Activity list says what was done, newest first, and loads more', async (t) => {
    const items = page.locator('#activity-list li')
    await page.locator('#activity-list li', { hasText: 'Revoked key “CI”' }).waitFor()
    const texts = (await items.allInnerTexts()).map((s) => s.split('\n')[0])
    t.match(texts[0], /^Revoked key “CI”/)
    t.ok(texts.some((s) => /^Rotated key “Laptop \(limited\)” \(the old secret kept for 1 hour\)/.test(s)), 'the rotation, with its grace')
    t.ok(texts.some((s) => /^Changed .*budget.* of key “Laptop \(limited\)”/.test(s)), 'the settings changed')
    t.notOk(texts.some((s) => /^Revealed key/.test(s)), 'the model picker revealed no key (it uses the session)')
    t.ok(texts.some((s) => /^Disabled key “Laptop \(limited\)”/.test(s)), 'disabling')
    t.ok(texts.some((s) => /^Enabled key “Laptop \(limited\)”/.test(s)), 'enabling')
    t.ok(texts.some((s) => /^Created key “CI”/.test(s)))
    t.match(await items.first().innerText(), /just now · 127\.0\.0\.1 · Chrome on Linux/, 'when, from where and with what')
    t.ok(await page.isHidden('#activity-more'), 'one page so far')

    // Sixty more entries: the list shows a page, then the rest on "Load more".
    for (let i = 0; i < 60; i++) {
      await app.inject({ method: 'PATCH', url: `/v1/keys/${laptop.id}`, headers: { cookie }, payload: { name: `Laptop ${i}` } })
    }
    await page.click('#activity-refresh')
    await page.locator('#activity-list li', { hasText: 'Laptop 59' }).first().waitFor()
    const firstPage = await items.count()
    t.ok(await page.isVisible('#activity-more'), `a first page of ${firstPage}, and more`)
    await page.click('#activity-more')
    await page.waitForFunction((n) => document.querySelectorAll('#activity-list li').length > n, firstPage)
    await page.locator('#activity-more').waitFor({ state: 'hidden' })
    const all = await items.evaluateAll((lis) => lis.map((li) => li.textContent))
    t.ok(all.length > firstPage, `${all.length} entries after loading more`)
    t.match(all.at(-1), /Signed in/, 'down to the oldest')
  })

  t.same(problems, [], 'no script errors or CSP violations')
  t.same(httpErrors, [], 'no other failed requests')
})
