// The Keys table stays usable whatever the key names: long unbroken names, URLs, paths, CJK and emoji, at desktop, tablet and phone widths.
import t from 'tap'
import type { Page } from 'playwright-core'
import { browserMissing, launchBrowser, liveServer, openPage, screenshot } from './browser.ts'
import { createKey, signIn } from '../helper.ts'

const TOKEN = 'fake-token-erin'
// Each at most 100 characters, the longest name the API takes.
const LONG = 'ci_runner_'.repeat(10)
const NAMES = [
  'Laptop',
  LONG,
  'https://example.org/a/very/long/path/that/keeps/on/going/without/spaces?query=1&other=2#section',
  '/home/someone/projects/a-very-long-project-name/sub/dir/another/config/keys.json',
  '東京の開発チーム用のとても長いキーの名前で空白がまったく含まれていないのでブラウザが折り返す位置を決めます東京の開発チーム',
  '🚀🔑✨🧪'.repeat(12)
]
const WIDTHS = [
  { label: 'desktop', width: 1280, height: 800 },
  // The sidebar is still there but the card is too narrow for six columns: rows become cards.
  { label: 'tablet', width: 1024, height: 768 },
  { label: 'phone', width: 390, height: 844 }
]

/** Where the card, the table, every row's cells and buttons are, and what each name element says. */
function measure (page: Page) {
  // No named helpers in here: tsx would wrap them in a __name() call the page does not have.
  return page.evaluate(() => {
    const card = document.querySelector('#keys-table')!.closest('.table-card')!
    return {
      viewport: window.innerWidth,
      pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
      card: card.getBoundingClientRect().toJSON(),
      table: document.querySelector('#keys-table')!.getBoundingClientRect().toJSON(),
      rows: Array.from(document.querySelectorAll('#keys-body tr')).map((tr) => {
        const name = tr.querySelector('.key-name')!
        return {
          name: name.textContent,
          title: name.getAttribute('title'),
          nameBox: name.getBoundingClientRect().toJSON(),
          cells: Array.from(tr.querySelectorAll('td[data-label]')).map((td) => ({ label: td.getAttribute('data-label'), ...td.getBoundingClientRect().toJSON() })),
          buttons: Array.from(tr.querySelectorAll('.row-actions button')).map((b) => ({ text: b.textContent!.trim(), ...b.getBoundingClientRect().toJSON() }))
        }
      })
    }
  })
}

t.test('long, unbroken and non-Latin key names keep every row usable', { skip: browserMissing() ?? false }, async (t) => {
  const { app, base } = await liveServer(t, { KEY_REVEAL: true })
  const cookie = await signIn(app, TOKEN)
  const [typed, ...others] = NAMES.filter((n) => n !== LONG)
  for (const name of others) await createKey(app, cookie, name)

  const context = await launchBrowser(t, { width: 1280, height: 800 })
  const { page, problems } = await openPage(context)
  await page.goto(`${base}/`)
  await page.fill('#token-input', TOKEN)
  await page.press('#token-input', 'Enter')
  await page.locator('#keys-body tr').nth(others.length - 1).waitFor()
  // The case through the form, last so that the new-key box above the table shows the long name too.
  for (const name of [typed, LONG]) {
    await page.fill('#key-name', name)
    await page.click('#create-key')
    await page.locator('#new-key-title', { hasText: name }).waitFor()
  }

  for (const { label, width, height } of WIDTHS) {
    await t.test(`${label} (${width}×${height})`, async (t) => {
      await page.setViewportSize({ width, height })
      const m = await measure(page)
      t.equal(m.rows.length, NAMES.length, 'one row per key')
      t.ok(m.pageOverflow <= 0, `no sideways scrolling (overflow ${m.pageOverflow} px)`)
      t.ok(m.table.right <= m.card.right + 0.5, `the table fits its card (table ${Math.round(m.table.width)} px, card ${Math.round(m.card.width)} px)`)
      for (const row of m.rows) {
        const which = `“${Array.from(row.name ?? '').slice(0, 24).join('')}…”`
        t.ok(NAMES.includes(row.name ?? ''), `${which}: the whole name is in the row`)
        t.equal(row.title, row.name, `${which}: and in its title, for when it is cut short`)
        t.ok(row.nameBox.width > 0 && row.nameBox.left < m.card.right && row.nameBox.right > m.card.left, `${which}: the name is shown`)
        t.same(row.cells.map((c) => c.label), ['Name', 'Key', 'Last used', 'Spend'])
        for (const cell of row.cells) {
          t.ok(cell.left >= m.card.left - 0.5 && cell.right <= m.card.right + 0.5, `${which}: the ${cell.label} cell is inside the card`)
        }
        t.same(row.buttons.map((b) => b.text), ['Reveal', 'Copy', 'Revoke'], `${which}: all three buttons`)
        for (const b of row.buttons) {
          const inside = b.width > 0 && b.left >= m.card.left - 0.5 && b.right <= m.card.right + 0.5 && b.left >= 0 && b.right <= m.viewport
          t.ok(inside, `${which}: ${b.text} is inside the card and the viewport (${Math.round(b.left)}–${Math.round(b.right)} of ${m.viewport})`)
        }
      }
      // Reveal on the long-named row works, and the full key it shows fits as well.
      const longRow = page.locator('#keys-body tr').filter({ hasText: LONG })
      await longRow.getByRole('button', { name: /^Reveal key/ }).click()
      // The key shows once the reveal answer's body is read.
      await longRow.locator('td[data-label="Key"] code', { hasText: /^sk-[A-Za-z0-9_-]{20,}$/ }).waitFor({ timeout: 5000 })
      await t.resolveMatch(longRow.locator('td[data-label="Key"] code').innerText(), /^sk-[A-Za-z0-9_-]{20,}$/, 'Reveal shows the key')
      const revealed = await measure(page)
      t.ok(revealed.table.right <= revealed.card.right + 0.5 && revealed.pageOverflow <= 0, 'a revealed key still fits')
      await screenshot(page, `keys-table-long-names-${label}`)
      await longRow.getByRole('button', { name: /^Hide key/ }).click()
      // The other tabs list the names in their key pickers.
      for (const tab of ['playground', 'templates']) {
        await page.click(`#tab-${tab}`)
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        t.ok(overflow <= 0, `${tab}: no sideways scrolling (overflow ${overflow} px)`)
      }
      await page.click('#tab-keys')
    })
  }

  await t.test('revoking the long-named key: the dialog and the toast fit the phone', async (t) => {
    const longRow = page.locator('#keys-body tr').filter({ hasText: LONG })
    await longRow.getByRole('button', { name: /^Revoke key/ }).click()
    await page.locator('#confirm-dialog').waitFor()
    t.match(await page.locator('#confirm-body').innerText(), LONG)
    const dialog = await page.locator('#confirm-dialog').boundingBox()
    t.ok(dialog && dialog.x >= 0 && dialog.x + dialog.width <= 390, 'the dialog is inside the viewport')
    await page.click('#confirm-ok')
    await page.locator('#toast.show', { hasText: LONG }).waitFor()
    const toast = await page.locator('#toast').boundingBox()
    t.ok(toast && toast.x >= 0 && toast.x + toast.width <= 390, 'the toast is inside the viewport')
    await longRow.waitFor({ state: 'detached' })
    t.equal(await page.locator('#keys-body tr').count(), NAMES.length - 1, 'the key is gone')
  })
  t.same(problems, [], 'no script errors')
})
