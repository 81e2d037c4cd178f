// The admin view and the account actions in headless Chromium: an administrator sees every user and disables one;
// someone else never meets the Admin tab; a user revokes all their keys and deletes their data. Screenshots at
// desktop and phone widths.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { browserMissing, launchBrowser, liveServer, openPage, screenshot, type Tap } from './browser.ts'
import { createKey, signIn } from '../helper.ts'

const missing = browserMissing()
if (missing) t.fail(missing)
const context = missing ? undefined : await launchBrowser(t)

async function freshPage (tt: Tap) {
  await context!.clearCookies()
  const opened = await openPage(context!)
  tt.teardown(() => opened.page.close())
  return opened
}

const text = (page: Page, selector: string) => page.locator(selector).innerText().then((s) => s.trim())

/** Signs in through the pasted-token form and waits for the keys tab. */
async function signInWithToken (page: Page, base: string, token: string) {
  await page.goto(`${base}/`)
  await page.fill('#token-input', token)
  await page.click('#token-submit')
  await page.locator('#panel-keys').waitFor()
}

/** How far the page scrolls sideways (0 or less: it fits). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

t.test('an administrator sees every user with their usage and disables one', { skip: Boolean(missing) }, async (t) => {
  const s = await liveServer(t, { ADMIN_PUTER_USERS: 'alice' })
  const bob = await signIn(s.app, 'fake-token-bob')
  const bobKey = await createKey(s.app, bob, 'bob laptop')
  await createKey(s.app, await signIn(s.app, 'fake-token-carol'), 'carol')
  const bobChat = () => s.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${bobKey.key}` }, payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } })
  t.equal((await bobChat()).statusCode, 200)

  const { page, problems, httpErrors } = await freshPage(t)
  await signInWithToken(page, s.base, 'fake-token-alice')
  t.ok(await page.isVisible('#tab-admin'), 'the Admin tab is shown to an administrator')
  t.equal(await page.getAttribute('#tab-admin', 'role'), 'tab')

  await page.click('#tab-admin')
  const bobRow = page.locator('#admin-body tr', { hasText: 'bob' })
  await bobRow.waitFor()
  t.same(await page.locator('#admin-body .admin-username').allInnerTexts(), ['alice (you)', 'bob', 'carol'])
  t.match(await bobRow.innerText(), /Active[\s\S]*1[\s\S]*1/, 'status, one key, one request')
  t.equal(await page.locator('#admin-body tr', { hasText: 'alice' }).getByRole('button').count(), 0, 'an admin cannot be disabled')
  t.notMatch(await page.content(), new RegExp(bobKey.key), 'no key on the page')
  t.equal(await page.evaluate(() => window.location.hash), '#admin')
  await screenshot(page, 'admin-users')

  await bobRow.getByRole('button', { name: 'Disable bob' }).click()
  t.match(await text(page, '#confirm-body'), /Their key stops working at once/)
  await page.click('#confirm-ok')
  await bobRow.getByRole('button', { name: 'Enable bob' }).waitFor()
  t.match(await bobRow.innerText(), /Disabled/)
  t.equal((await bobChat()).json().error.code, 'user_disabled', "bob's key is refused at once")
  t.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Enable bob', 'focus stays on the row')
  await screenshot(page, 'admin-users-disabled')

  await page.setViewportSize({ width: 390, height: 844 })
  t.ok(await overflow(page) <= 0, 'the users fit at phone width')
  await screenshot(page, 'admin-users-phone')
  await page.setViewportSize({ width: 1280, height: 860 })

  await bobRow.getByRole('button', { name: 'Enable bob' }).click()
  await bobRow.getByRole('button', { name: 'Disable bob' }).waitFor()
  t.equal((await bobChat()).statusCode, 200, 'enabled again')

  await page.reload()
  await page.locator('#admin-body tr', { hasText: 'carol' }).waitFor()
  t.equal(await page.getAttribute('#tab-admin', 'aria-selected'), 'true', 'a deep link to #admin opens it')
  t.same(problems, [], 'no script errors')
  t.same(httpErrors, [], 'no failed requests')
})

t.test('someone else never meets the Admin tab, and /admin refuses them', { skip: Boolean(missing) }, async (t) => {
  const s = await liveServer(t, { ADMIN_PUTER_USERS: 'alice' })
  const { page } = await freshPage(t)
  await signInWithToken(page, s.base, 'fake-token-dave')
  t.ok(await page.isHidden('#tab-admin'))
  t.same((await page.locator('#main-tabs [role=tab]').allTextContents()).map((l) => l.trim()), ['Auth', 'Keys', 'Usage', 'Playground', 'Templates'])
  await page.goto(`${s.base}/#admin`)
  await page.locator('#panel-keys').waitFor()
  t.ok(await page.isHidden('#panel-admin'), 'a deep link shows nothing')
  t.equal(await page.evaluate(() => fetch('/admin/users').then((r) => r.status)), 403)
})

t.test('a user revokes all their keys, then deletes their data after typing their username', { skip: Boolean(missing) }, async (t) => {
  const s = await liveServer(t)
  const { page, problems } = await freshPage(t)
  await signInWithToken(page, s.base, 'fake-token-carol')
  await page.click('#create-key')
  await page.locator('#new-key').waitFor()
  const key = await text(page, '#new-key-value')

  await page.click('#tab-account')
  t.ok(await page.isVisible('#signout-everywhere'), 'sign out everywhere')
  await screenshot(page, 'account-actions')
  await page.click('#revoke-all-keys')
  await page.click('#confirm-ok')
  await page.getByText('1 key revoked').waitFor()
  t.equal(await text(page, '#profile-keys'), '0')
  const refused = await s.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${key}` } })
  t.equal(refused.statusCode, 401, 'the key is refused')

  await page.click('#delete-account')
  t.equal(await text(page, '#delete-username'), 'carol')
  t.ok(await page.isDisabled('#delete-ok'), 'Delete waits for the username')
  await page.fill('#delete-confirm', 'carlo')
  t.ok(await page.isDisabled('#delete-ok'), 'a wrong name does not enable it')
  await page.fill('#delete-confirm', 'carol')
  t.ok(await page.isEnabled('#delete-ok'))
  await screenshot(page, 'account-delete-dialog')
  await page.setViewportSize({ width: 390, height: 844 })
  await screenshot(page, 'account-delete-dialog-phone')
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.click('#delete-ok')
  await page.locator('#signed-out').waitFor()
  t.match(await text(page, '#account-notice'), /Your data was deleted/)
  t.ok(await page.isHidden('#delete-dialog'), 'the dialog closed')
  const file = await readFile(s.config.DATA_FILE as string, 'utf8')
  t.notMatch(file, /"carol"/, 'the data file no longer names her')
  t.same(Object.keys(JSON.parse(file).users), [], 'no user left')
  t.same(problems, [])

  await page.setViewportSize({ width: 390, height: 844 })
  await signInWithToken(page, s.base, 'fake-token-carol')
  await page.click('#tab-account')
  t.ok(await overflow(page) <= 0, 'the account actions fit at phone width')
  await screenshot(page, 'account-actions-phone')
  await page.setViewportSize({ width: 1280, height: 860 })
})
