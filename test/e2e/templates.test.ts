// The Templates tab's snippets run as shown: the Bash (curl) and Node (openai SDK) snippets, and Claude Code's bash
// lines (with a curl to /v1/messages in place of `claude`), are copied from the page in Chromium and run against the
// live server; the others (Codex's config.toml among them) are checked for URL, key and syntax details.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import type { Page } from 'playwright-core'
import { browserMissing, launchBrowser, liveServer, openPage, readClipboard, RESULTS_DIR } from './browser.ts'

const run = promisify(execFile)
const missing = browserMissing()
if (missing) t.fail(missing)

const REPLY = 'Echo: Say hello in five words.'

async function signInAndCreateKey (page: Page, base: string): Promise<string> {
  await page.goto(`${base}/`)
  await page.fill('#token-input', 'fake-token-frank')
  await page.click('#token-submit')
  await page.locator('#keys-empty').waitFor()
  await page.fill('#key-name', 'Snippets')
  await page.click('#create-key')
  await page.locator('#new-key').waitFor()
  return (await page.locator('#new-key-value').innerText()).trim()
}

const snippet = async (page: Page, id: string) => (await page.locator(`#snippet-${id}`).textContent()) ?? ''

t.test('snippets from the rendered Templates tab run against the live server', { skip: Boolean(missing) }, async (t) => {
  const { base, fake } = await liveServer(t)
  const context = await launchBrowser(t)
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
  const { page, problems } = await openPage(context)
  const key = await signInAndCreateKey(page, base)
  await page.click('#tab-templates')
  await page.locator('#snippet-bash').waitFor()
  await page.waitForFunction((k) => document.getElementById('snippet-bash')!.textContent!.includes(k), key)

  await t.test('Bash: curl prints the completion', async (t) => {
    const code = await snippet(page, 'bash')
    t.match(code, `${base}/v1/chat/completions`)
    // What the Copy button copies is what is shown.
    await page.getByRole('button', { name: 'Copy the curl snippet' }).click()
    t.equal(await readClipboard(page), code)
    const before = fake.calls.length
    const { stdout } = await run('bash', ['-c', code], { timeout: 20_000 })
    const completion = JSON.parse(stdout)
    t.equal(completion.object, 'chat.completion')
    t.equal(completion.model, 'gpt-4o-mini')
    t.equal(completion.choices[0].message.content, REPLY)
    t.ok(fake.calls.slice(before).some((c) => c.path === '/drivers/call'), 'it went through to Puter')
  })

  await t.test('Node: the openai SDK snippet prints the reply', async (t) => {
    const code = await snippet(page, 'node')
    t.match(code, "import OpenAI from 'openai'")
    t.match(code, `baseURL: '${base}/v1'`)
    t.match(code, `apiKey: '${key}'`)
    // Inside the repo, so `import OpenAI from 'openai'` resolves to the devDependency.
    await mkdir(RESULTS_DIR, { recursive: true })
    const file = join(RESULTS_DIR, `snippet-${randomBytes(4).toString('hex')}.mjs`)
    await writeFile(file, code)
    t.teardown(() => rm(file, { force: true }))
    const { stdout } = await run(process.execPath, [file], { timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } })
    t.equal(stdout.trim(), REPLY)
  })

  await t.test('Python: the openai SDK snippet, run when the package is installed', async (t) => {
    const code = await snippet(page, 'python')
    t.match(code, `base_url="${base}/v1"`)
    t.match(code, `api_key="${key}"`)
    const hasSdk = await run('python3', ['-c', 'import openai'], { timeout: 10_000 }).then(() => true, () => false)
    if (!hasSdk) {
      t.comment('python3 with the openai package is not installed here: checked the text only')
      return
    }
    const { stdout } = await run('python3', ['-c', code], { timeout: 20_000 })
    t.equal(stdout.trim(), REPLY)
  })

  await t.test('PowerShell and Windows CMD hold the same request', async (t) => {
    const ps = await snippet(page, 'powershell')
    t.match(ps, `Invoke-RestMethod -Method Post -Uri '${base}/v1/chat/completions'`)
    t.match(ps, `Authorization = 'Bearer ${key}'`)
    t.match(ps, "model = 'gpt-4o-mini'")
    const cmd = await snippet(page, 'cmd')
    t.match(cmd, `curl.exe "${base}/v1/chat/completions" ^`)
    t.match(cmd, `-H "Authorization: Bearer ${key}" ^`)
    // The JSON body with its quotes escaped for curl.exe reads back as the same request.
    const arg = /-d "(.*)"$/.exec(cmd)![1]
    t.same(JSON.parse(arg.replace(/\\"/g, '"')), { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in five words.' }] })
  })

  await t.test('editor setups: Roo Code, Cline, Continue and Open WebUI', async (t) => {
    for (const id of ['roo', 'cline', 'openwebui']) {
      const card = await page.locator(`#setup-${id}`).innerText()
      t.match(card, `${base}/v1`, `${id}: base URL`)
    }
    t.match(await page.locator('#setup-roo').innerText(), /OpenAI Compatible[\s\S]*gpt-4o-mini/)
    const yaml = await page.locator('#config-continue').textContent()
    t.match(yaml, `apiBase: ${base}/v1`)
    t.match(yaml, `apiKey: ${key}`)
    t.match(yaml, 'provider: openai')
    // gpt-5 and o-series names go to /v1/responses, which this server serves: Continue needs no useResponsesApi.
    await page.fill('#tpl-model', 'o4-mini')
    t.match(await page.locator('#config-continue').textContent(), 'model: o4-mini')
    t.notMatch(await page.locator('#config-continue').textContent(), 'useResponsesApi')
    await page.fill('#tpl-model', 'gpt-4o-mini')
  })

  await t.test('Claude Code: the bash lines set up a shell whose curl to /v1/messages gets an answer', async (t) => {
    const card = page.locator('#setup-claude-code')
    const bash = (await page.locator('#config-claude-code-bash').textContent())!
    t.equal(bash, [
      `export ANTHROPIC_BASE_URL='${base}'`,
      `export ANTHROPIC_AUTH_TOKEN='${key}'`,
      "export ANTHROPIC_MODEL='claude-sonnet-4-6'",
      "export ANTHROPIC_DEFAULT_HAIKU_MODEL='claude-haiku-4-5-20251001'",
      'claude'
    ].join('\n'), 'the base URL without /v1, the key, the main and Haiku models')
    await card.getByRole('button', { name: 'Copy the Claude Code bash / zsh lines' }).click()
    t.equal(await readClipboard(page), bash)
    // The lines as copied, with the request Claude Code would make in place of `claude`.
    const script = bash.replace(/\nclaude$/, '') + `
curl -sS "$ANTHROPIC_BASE_URL/v1/messages?beta=true" \\
  -H "Authorization: Bearer $ANTHROPIC_AUTH_TOKEN" \\
  -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' \\
  -d "{\\"model\\":\\"$ANTHROPIC_MODEL\\",\\"max_tokens\\":64,\\"messages\\":[{\\"role\\":\\"user\\",\\"content\\":\\"Hello from Claude Code\\"}]}"`
    const { stdout } = await run('bash', ['-c', script], { timeout: 20_000 })
    const message = JSON.parse(stdout)
    t.equal(message.type, 'message')
    t.equal(message.model, 'claude-sonnet-4-6')
    t.same(message.content, [{ type: 'text', text: 'Echo: Hello from Claude Code' }])

    // PowerShell and CMD set the same four variables.
    await card.getByRole('tab', { name: 'PowerShell' }).click()
    const ps = (await page.locator('#config-claude-code-powershell').textContent())!
    t.ok(await page.isVisible('#config-claude-code-powershell'))
    t.match(ps, `$env:ANTHROPIC_BASE_URL = '${base}'\n$env:ANTHROPIC_AUTH_TOKEN = '${key}'\n$env:ANTHROPIC_MODEL = 'claude-sonnet-4-6'\n$env:ANTHROPIC_DEFAULT_HAIKU_MODEL = 'claude-haiku-4-5-20251001'\nclaude`)
    const cmd = (await page.locator('#config-claude-code-cmd').textContent())!
    t.equal(cmd, `set "ANTHROPIC_BASE_URL=${base}"\nset "ANTHROPIC_AUTH_TOKEN=${key}"\nset "ANTHROPIC_MODEL=claude-sonnet-4-6"\nset "ANTHROPIC_DEFAULT_HAIKU_MODEL=claude-haiku-4-5-20251001"\nclaude`)
    t.notMatch(bash + ps + cmd, `${base}/v1`, 'no /v1 in any of them')
    // A Claude model chosen above becomes ANTHROPIC_MODEL.
    await page.fill('#tpl-model', 'claude-opus-4-8')
    t.match(await page.locator('#config-claude-code-powershell').textContent(), "$env:ANTHROPIC_MODEL = 'claude-opus-4-8'")
    t.ok(await page.isVisible('#config-claude-code-powershell'), 'the chosen shell stays chosen')
    await page.fill('#tpl-model', 'gpt-4o-mini')
    await card.getByRole('tab', { name: 'bash / zsh' }).click()
  })

  await t.test('Codex CLI: a config.toml provider on the Responses API', async (t) => {
    const toml = (await page.locator('#config-codex').textContent())!
    t.equal(toml, [
      'model = "gpt-4o-mini"',
      'model_provider = "puter-studio"',
      '',
      '[model_providers.puter-studio]',
      'name = "Puter API Key Studio"',
      `base_url = "${base}/v1"`,
      'env_key = "PUTER_STUDIO_API_KEY"',
      'wire_api = "responses"',
      'supports_websockets = false'
    ].join('\n'))
    t.match(await page.locator('#setup-codex').innerText(), '~/.codex/config.toml')
    t.equal(await page.locator('#config-codex-bash').textContent(), `export PUTER_STUDIO_API_KEY='${key}'\ncodex`)
    t.equal(await page.locator('#config-codex-cmd').textContent(), `set "PUTER_STUDIO_API_KEY=${key}"\ncodex`)
    // What Codex does with it: POST base_url + /responses with the key from env_key.
    const res = await fetch(`${base}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hello from Codex', store: false }) })
    t.equal(res.status, 200)
    t.match(await res.json(), { object: 'response', status: 'completed', output: [{ type: 'message', content: [{ text: 'Echo: Hello from Codex' }] }] })
  })

  t.same(problems, [], 'no script errors')
})
