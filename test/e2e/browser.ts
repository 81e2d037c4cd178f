// Browser-test helpers: Debian's chromium driven by playwright-core (no browser download), a live server on
// the fake Puter, a stand-in for puter.js, and a record of console problems.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { setup, type Setup } from '../helper.ts'

export type Tap = Parameters<typeof setup>[0]

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync'
]

/** Screenshots and other artifacts (gitignored). */
export const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url))

/** Why browser tests cannot run here, or null. */
export function browserMissing (): string | null {
  return existsSync(CHROMIUM) ? null : `no chromium at ${CHROMIUM}: install it with apt-get install -y chromium (or set CHROMIUM_PATH)`
}

/** A fresh chromium profile (temp --user-data-dir), closed and deleted at teardown. */
export async function launchBrowser (t: Tap, opts: { width?: number, height?: number } = {}): Promise<BrowserContext> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'pks-chromium-'))
  // launchPersistentContext is how Playwright takes a --user-data-dir.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'UTC'
  })
  context.setDefaultTimeout(10_000)
  t.teardown(async () => {
    await context.close()
    await rm(userDataDir, { recursive: true, force: true })
  })
  return context
}

/** The app on the fake Puter, listening on a free loopback port. */
export async function liveServer (t: Tap, config: Record<string, unknown> = {}): Promise<Setup & { base: string }> {
  const s = await setup(t, { config })
  const base = await s.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...s, base }
}

/**
 * Stands in for puter.js (served at /vendor/puter.js): `auth.signIn()` resolves with `window.__signInToken`
 * (a fake-Puter token) or rejects with `{error: window.__signInError}`, and like puter.js it keeps the token
 * in localStorage until signOut().
 */
const PUTER_STANDIN = `
window.puter = {
  authToken: null,
  auth: {
    signIn () {
      if (!navigator.userActivation.isActive) return Promise.reject({ error: 'no_user_activation' })
      if (window.__signInError) return Promise.reject({ error: window.__signInError, msg: 'stand-in failure' })
      const token = window.__signInToken || 'fake-token-carol'
      window.puter.authToken = token
      localStorage.setItem('puter.auth.token.v2', token)
      return Promise.resolve({ success: true, token, username: token.replace('fake-token-', '') })
    },
    signOut () {
      window.puter.authToken = null
      localStorage.removeItem('puter.auth.token.v2')
    },
    isSignedIn () { return Boolean(window.puter.authToken) }
  }
}
`

interface ConsoleRecord {
  /** Uncaught exceptions and console errors that are not HTTP answers (CSP violations, script errors). */
  problems: string[]
  /** "Failed to load resource" errors: an HTTP error status the page received, with its URL. */
  httpErrors: string[]
}

/** A new page that records console problems; puter.js is replaced by the stand-in unless `realPuter`. */
export async function openPage (context: BrowserContext, { realPuter = false } = {}): Promise<{ page: Page } & ConsoleRecord> {
  const page = await context.newPage()
  const rec: ConsoleRecord = { problems: [], httpErrors: [] }
  page.on('pageerror', (err) => rec.problems.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const text = msg.text()
    const url = msg.location().url
    if (/^Failed to load resource: the server responded with a status of \d+/.test(text)) {
      rec.httpErrors.push(`${text.match(/status of (\d+)/)?.[1]} ${new URL(url).pathname}`)
    } else {
      rec.problems.push(`console: ${text} (${url})`)
    }
  })
  if (!realPuter) {
    await page.route('**/vendor/puter.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: PUTER_STANDIN }))
  }
  return { page, ...rec }
}

export async function screenshot (page: Page, name: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `${name}.png`)
  // Without a passing toast, which sits mid-page in a full-page capture.
  await page.evaluate(() => {
    document.getElementById('toast')?.classList.remove('show')
    window.scrollTo(0, 0)
  })
  await page.screenshot({ path, fullPage: true, animations: 'disabled' })
  return path
}

/** The clipboard's text, as the page sees it (needs clipboard permissions). */
export function readClipboard (page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText())
}
