// The Usage tab in headless Chromium, on usage made by real chat requests through the server to the fake Puter:
// totals and tables match the API and the answers' own usage, the Chart.js charts (served by this server, under its
// CSP) draw the same figures stacked by key or model, ranges (presets, custom, empty), the CSV download, loading and
// empty states, and phone width. Screenshots at desktop and phone widths.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { browserMissing, launchBrowser, liveServer, openPage, screenshot } from './browser.ts'
import { createKey, signIn } from '../helper.ts'

const TOKEN = 'fake-token-ursula'
const DAY_MS = 86_400_000
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

const text = (page: Page, selector: string) => page.locator(selector).innerText().then((s) => s.trim())
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
/** A figure as the page prints it ("1,234", "$0.000051"), as a number. */
const figure = (s: string) => Number(s.replace(/[$,]/g, ''))

interface ChartData { labels: number, series: Array<{ label: string, sum: number }> }

/** What Chart.js holds for a canvas: its labels, and each series with the sum of its values. */
function chartData (page: Page, id: string): Promise<ChartData | null> {
  return page.evaluate((canvasId) => {
    const chart = (window as any).Chart?.getChart(canvasId)
    if (!chart) return null
    return {
      labels: chart.data.labels.length as number,
      series: chart.data.datasets.map((d: any) => ({ label: d.label as string, sum: (d.data as number[]).reduce((a, b) => a + b, 0) }))
    }
  }, id)
}

/** How many pixels of the canvas are painted in the first series' colour (#4f46e5): the bars were drawn. */
function barPixels (page: Page, id: string) {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)
    let n = 0
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - 79) < 12 && Math.abs(data[i + 1] - 70) < 12 && Math.abs(data[i + 2] - 229) < 12 && data[i + 3] > 200) n++
    }
    return { n, width: canvas.clientWidth, height: canvas.clientHeight }
  }, id)
}

t.test('the Usage tab draws real usage, matches the API, and downloads it as CSV', { skip: browserMissing() ?? false }, async (t) => {
  const { app, base } = await liveServer(t)
  const cookie = await signIn(app, TOKEN)
  const laptop = await createKey(app, cookie, 'Laptop')
  const ci = await createKey(app, cookie, 'CI')

  // Real requests, over the wire, as an OpenAI client makes them; the answers say what usage they had.
  const seen = { requests: 0, failed: 0, input: 0, output: 0 }
  const chat = async (key: string, model: string, content: string) => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] })
    })
    const body = await res.json() as any
    seen.requests++
    if (res.ok) {
      seen.input += body.usage.prompt_tokens
      seen.output += body.usage.completion_tokens
    } else {
      seen.failed++
    }
    return res.status
  }
  for (const words of ['one', 'two words', 'three words here']) t.equal(await chat(laptop.key, 'gpt-4o-mini', words), 200)
  t.equal(await chat(ci.key, 'claude-sonnet-4-5', 'a question for claude'), 200)
  t.equal(await chat(ci.key, 'claude-sonnet-4-5', 'another one'), 200)
  t.equal(await chat(ci.key, 'deepseek-reasoner', 'think about it'), 200)
  t.equal(await chat(ci.key, 'no-such-model', 'refused'), 404)

  const today = utcDay(Date.now())
  const from30 = utcDay(Date.now() - 29 * DAY_MS)
  const api = async (query: string) => (await app.inject({ url: `/v1/usage?${query}`, headers: { cookie } }))
  const usage = (await api(`from=${from30}&to=${today}`)).json()
  t.match(usage.totals, { requests: seen.requests, errors: seen.failed, inputTokens: seen.input, outputTokens: seen.output }, 'the API counted what the answers said')
  t.ok(usage.totals.costUsd > 0, 'with an estimated cost')
  const byKey = (await api(`from=${from30}&to=${today}&group_by=key`)).json().data
  const byModel = (await api(`from=${from30}&to=${today}&group_by=model`)).json().data

  const context = await launchBrowser(t, { width: 1280, height: 900 })
  const { page, problems, httpErrors } = await openPage(context)
  const chartScript = page.waitForResponse((r) => r.url() === `${base}/vendor/chart.umd.min.js`)
  await page.goto(`${base}/`)
  await page.fill('#token-input', TOKEN)
  await page.click('#token-submit')
  await page.locator('#keys-body tr', { hasText: 'Laptop' }).waitFor()

  await t.test('a loading state, then totals that match the API and the answers', async (t) => {
    // The first answer is held back, to see the loading state.
    let release = () => {}
    const held = new Promise<void>((resolve) => { release = resolve })
    await page.route('**/v1/usage?*', async (route) => { await held; await route.continue() })
    await page.click('#tab-usage')
    await page.locator('#usage-loading').waitFor()
    t.equal(await page.getAttribute('#panel-usage', 'aria-busy'), 'true')
    t.ok(await page.isHidden('#usage-charts'), 'no charts yet')
    await screenshot(page, 'usage-loading')
    release()
    await page.locator('#usage-charts').waitFor()
    await page.unroute('**/v1/usage?*')
    t.ok(await page.isHidden('#usage-loading'))
    t.equal(await page.evaluate(() => window.location.hash), '#usage')
    t.match((await chartScript).headers()['content-type'], /^text\/javascript/, 'Chart.js comes from this server')

    t.equal(figure(await text(page, '#usage-total-requests')), seen.requests)
    t.equal(await text(page, '#usage-total-errors'), `${seen.failed} failed`)
    t.equal(figure(await text(page, '#usage-total-input')), seen.input)
    t.equal(figure(await text(page, '#usage-total-output')), seen.output)
    t.ok(Math.abs(figure(await text(page, '#usage-total-cost')) - usage.totals.costUsd) < 0.0000006, `cost ${await text(page, '#usage-total-cost')} ≈ ${usage.totals.costUsd}`)
    t.match(await text(page, '#usage-totals'), /Cost \(estimated\)/, 'the cost is labelled an estimate')
    t.match(await text(page, '#usage-range-text'), /30 days/)
  })

  await t.test('the tables by key and by model list the API\'s figures', async (t) => {
    const rows = (table: string) => page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((c) => (c as HTMLElement).innerText.trim())))
    const keys = await rows('usage-by-key')
    t.same(keys.map((r) => r[0]).sort(), ['CI', 'Laptop'])
    for (const r of byKey) {
      const shown = keys.find((k) => k[0] === r.keyName)!
      t.same(shown.slice(1, 5).map(figure), [r.requests, r.errors, r.inputTokens, r.outputTokens], `${r.keyName}: requests, failed, tokens`)
      t.ok(Math.abs(figure(shown[5]) - r.costUsd) < 0.0000006, `${r.keyName}: cost`)
    }
    const models = await rows('usage-by-model')
    t.same(models.map((r) => r[0]).sort(), byModel.map((r: any) => r.model).sort(), `the models: ${models.map((r) => r[0]).join(', ')}`)
    for (const r of byModel) {
      const shown = models.find((m) => m[0] === r.model)!
      t.same(shown.slice(1, 5).map(figure), [r.requests, r.errors, r.inputTokens, r.outputTokens], `${r.model}: requests, failed, tokens`)
    }
    const foot = await page.locator('#usage-by-model tfoot tr').innerText()
    t.match(foot, new RegExp(`^Total\\s+${seen.requests}\\s+${seen.failed}`), 'and a total')
  })

  await t.test('the charts draw the same figures, stacked by key, then by model', async (t) => {
    const requests = await chartData(page, 'chart-requests')
    t.equal(requests?.labels, 30, 'a bar per day')
    t.same(requests?.series.map((s) => s.label).sort(), ['CI', 'Laptop'], 'a series per key')
    t.equal(requests?.series.reduce((a, s) => a + s.sum, 0), seen.requests)
    t.equal(requests?.series.find((s) => s.label === 'Laptop')?.sum, 3)
    const tokens = await chartData(page, 'chart-tokens')
    t.equal(tokens?.series.reduce((a, s) => a + s.sum, 0), seen.input + seen.output)
    const cost = await chartData(page, 'chart-cost')
    t.ok(Math.abs((cost?.series.reduce((a, s) => a + s.sum, 0) ?? 0) - usage.totals.costUsd) < 1e-9)
    for (const id of ['chart-requests', 'chart-tokens', 'chart-cost']) {
      const drawn = await barPixels(page, id)
      t.ok(drawn.n > 20 && drawn.width > 500 && drawn.height > 150, `${id}: ${drawn.n} px of bars on a ${drawn.width}×${drawn.height} canvas`)
    }
    t.match(await page.getAttribute('#chart-requests', 'aria-label'), new RegExp(`Requests per day, .*: ${seen.requests} in total, stacked by key`))
    await screenshot(page, 'usage-desktop')

    await page.click('label:has(input[name="usage-stack"][value="model"])')
    await page.waitForFunction(() => (window as any).Chart.getChart('chart-requests').data.datasets.some((d: any) => d.label === 'gpt-4o-mini'))
    const perModel = await chartData(page, 'chart-requests')
    t.same(perModel?.series.map((s) => s.label).sort(), byModel.map((r: any) => r.model).sort(), 'a series per model')
    t.equal(perModel?.series.reduce((a, s) => a + s.sum, 0), seen.requests)
    t.equal(perModel?.series.find((s) => s.label === 'gpt-4o-mini')?.sum, 3)
    await screenshot(page, 'usage-by-model-desktop')
  })

  await t.test('ranges: 7 days, and a custom range without use shows the empty state', async (t) => {
    const asked = page.waitForRequest((r) => r.url().includes('/v1/usage?'))
    await page.click('label:has(input[name="usage-range"][value="7"])')
    const url = new URL((await asked).url())
    t.equal(url.searchParams.get('from'), utcDay(Date.now() - 6 * DAY_MS))
    t.equal(url.searchParams.get('to'), today)
    await page.locator('#usage-range-text', { hasText: '7 days' }).waitFor()
    t.equal((await chartData(page, 'chart-requests'))?.labels, 7)
    t.equal(figure(await text(page, '#usage-total-requests')), seen.requests, 'today is in it')

    await page.click('label:has(input[name="usage-range"][value="custom"])')
    t.ok(await page.isVisible('#usage-from'), 'from and to fields')
    const lastWeek = utcDay(Date.now() - 7 * DAY_MS)
    await page.fill('#usage-from', utcDay(Date.now() - 10 * DAY_MS))
    await page.fill('#usage-to', lastWeek)
    await page.click('#usage-apply')
    await page.locator('#usage-empty').waitFor()
    t.match(await text(page, '#usage-empty'), /No requests in this period/)
    t.ok(await page.isHidden('#usage-charts') && await page.isHidden('#usage-tables'), 'no charts or tables')
    t.equal(await text(page, '#usage-total-requests'), '0')
    t.match(await text(page, '#usage-range-text'), /4 days/)
    await screenshot(page, 'usage-empty')

    await page.fill('#usage-from', today)
    await page.fill('#usage-to', lastWeek)
    await page.click('#usage-apply')
    t.match(await text(page, '#usage-error'), /first day is after the last day/)
  })

  await t.test('Download CSV saves the range as the API gives it', async (t) => {
    await page.click('label:has(input[name="usage-range"][value="30"])')
    await page.locator('#usage-charts').waitFor()
    t.ok(await page.isHidden('#usage-error'), 'the earlier problem is gone')
    const download = page.waitForEvent('download')
    await page.click('#usage-csv')
    const file = await download
    t.equal(file.suggestedFilename(), `usage-${from30}-to-${today}-by-day.csv`)
    const csv = await readFile((await file.path())!, 'utf8')
    const expected = await api(`format=csv&from=${from30}&to=${today}`)
    t.equal(expected.headers['content-type'], 'text/csv; charset=utf-8')
    t.equal(csv, expected.body, 'the file is the API\'s CSV')
    const lines = csv.trim().split('\n')
    t.match(lines[0], /^day,key_id,key_name,model,requests,errors,input_tokens,output_tokens/)
    t.equal(lines.length - 1, byModel.length, 'a line per key and model used today')
    t.ok(lines.slice(1).every((l) => l.startsWith(`${today},`)), 'all of today')
    const sum = (col: string) => lines.slice(1).reduce((a, l) => a + Number(l.split(',')[lines[0].split(',').indexOf(col)]), 0)
    t.equal(sum('requests'), seen.requests)
    t.equal(sum('input_tokens'), seen.input)
    await page.locator('#toast.show', { hasText: 'Downloaded' }).waitFor()
  })

  await t.test('phone width: readable, nothing sideways', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.waitForFunction(() => (document.getElementById('chart-requests') as HTMLCanvasElement).clientWidth < 390)
    t.ok(await overflow(page) <= 0, `fits in 390 px (overflow ${await overflow(page)})`)
    for (const id of ['chart-requests', 'chart-tokens', 'chart-cost']) {
      const box = await page.locator(`#${id}`).boundingBox()
      t.ok(box && box.x >= 0 && box.x + box.width <= 390, `${id} is inside the viewport`)
      t.ok((await barPixels(page, id)).n > 5, `${id} is drawn again at its new size`)
    }
    const cells = await page.locator('#usage-by-key tbody tr').first().boundingBox()
    t.ok(cells && cells.x + cells.width <= 390, 'the tables become cards')
    await screenshot(page, 'usage-phone')
    await page.click('label:has(input[name="usage-range"][value="custom"])')
    t.ok(await overflow(page) <= 0, 'with the custom range fields too')
    await page.setViewportSize({ width: 1280, height: 900 })
  })

  await t.test('signing out forgets the usage', async (t) => {
    await page.click('#tab-account')
    await page.click('#signout')
    await page.locator('#signed-out').waitFor()
    await page.click('#tab-usage')
    t.ok(await page.isVisible('#panel-usage .empty-state[data-needs="signed-out"]'))
    t.equal(await page.evaluate(() => (window as any).Chart.getChart('chart-requests')), undefined, 'the charts are gone')
    t.notMatch(await page.locator('#panel-usage').innerText(), /Laptop/)
  })

  t.same(problems, [], 'no script errors, no CSP violation (Chart.js styles through the CSSOM)')
  t.same(httpErrors, [], 'no failed requests')
})
