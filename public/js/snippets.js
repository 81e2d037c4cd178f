// @ts-check
// Code snippets and editor setups for this server, as plain strings (no DOM), filled in with base URL, key and model. Pure: no state, no imports.

/**
 * What the snippets are filled in with: the /v1 base URL, the full key (or a placeholder), the model id and the
 * server origin.
 * @typedef {{ base: string, key: string, model: string, origin: string }} SnippetContext
 */

/** @typedef {{ id: string, label: string, lang: string, hint: string, code: string }} Snippet */

/**
 * A block of configuration or shell lines in a setup card; `id` names its code element (`config-<id>`).
 * @typedef {{ id: string, label: string, lang: string, code: string }} ConfigBlock
 */

/**
 * @typedef {object} Setup
 * @property {string} id
 * @property {string} title
 * @property {string} intro
 * @property {string[]} steps
 * @property {Array<{ label: string, value: string, secret?: boolean }>} fields
 * @property {ConfigBlock[]} [configs] shown one under the other
 * @property {{ intro: string, blocks: ConfigBlock[] }} [shells] the same lines for each shell, one tab each
 * @property {boolean} [wide] spans the whole grid
 * @property {string | null} [note]
 */

/** The model Claude Code gets when the chosen one is not a Claude model, and its background (Haiku) model. */
export const CLAUDE_CODE_MODEL = 'claude-sonnet-4-6'
export const CLAUDE_CODE_HAIKU_MODEL = 'claude-haiku-4-5-20251001'
/** The environment variable the Codex CLI provider reads the key from. */
export const CODEX_ENV_KEY = 'PUTER_STUDIO_API_KEY'

export const SAMPLE_PROMPT = 'Say hello in five words.'

/**
 * Bash single-quoted string.
 * @param {string} s
 */
export const shQuote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`

/**
 * PowerShell single-quoted (verbatim) string.
 * @param {string} s
 */
export const psQuote = (s) => `'${String(s).replace(/'/g, "''")}'`

/**
 * JavaScript single-quoted string.
 * @param {string} s
 */
export const jsQuote = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`

/**
 * A `set` line for cmd.exe: quoting the whole assignment keeps & | < > literal (values here never hold " or %).
 * @param {string} name
 * @param {string} value
 */
export const cmdSet = (name, value) => `set "${name}=${value}"`

/**
 * TOML basic string (JSON string syntax is valid TOML for these values).
 * @param {string} s
 */
export const tomlQuote = (s) => JSON.stringify(String(s))

/**
 * Python double-quoted string (JSON string syntax is valid Python for these values).
 * @param {string} s
 */
export const pyQuote = (s) => JSON.stringify(String(s))

/**
 * A double-quoted argument for curl.exe under cmd.exe. Quotes become \" (the C runtime's rule, doubling the
 * backslashes before them). cmd ignores the backslash and toggles its own quote state at every ", so the
 * metacharacters it would then see outside quotes are escaped with ^.
 * @param {string} s
 */
export function cmdQuote (s) {
  const arg = `"${String(s).replace(/(\\*)"/g, (_m, bs) => `${bs}${bs}\\"`).replace(/(\\+)$/, '$1$1')}"`
  let out = ''
  let quoted = false
  for (const c of arg) {
    if (c === '"') quoted = !quoted
    else if (!quoted && '^&|<>'.includes(c)) out += '^'
    out += c
  }
  return out
}

/**
 * The request body every snippet sends.
 * @param {string} model
 * @param {string} [prompt]
 */
export function requestBody (model, prompt = SAMPLE_PROMPT) {
  return { model, messages: [{ role: 'user', content: prompt }] }
}

/**
 * Every snippet, in the order of the language tabs.
 * @param {SnippetContext} ctx
 * @returns {Snippet[]}
 */
export function buildSnippets ({ base, key, model }) {
  const url = `${base}/chat/completions`
  const compact = JSON.stringify(requestBody(model))
  // Pretty, but with the message on one line as in OpenAI's own examples.
  const pretty = [
    '{',
    `  "model": ${JSON.stringify(model)},`,
    '  "messages": [',
    `    {"role": "user", "content": ${JSON.stringify(SAMPLE_PROMPT)}}`,
    '  ]',
    '}'
  ].join('\n')
  return [
    {
      id: 'bash',
      label: 'curl',
      lang: 'bash',
      hint: 'Bash, zsh or any POSIX shell, with curl.',
      code: [
        `curl ${shQuote(url)} \\`,
        '  -H "Content-Type: application/json" \\',
        `  -H ${shQuote(`Authorization: Bearer ${key}`)} \\`,
        `  -d ${shQuote(pretty.replace(/\n/g, '\n  '))}`
      ].join('\n')
    },
    {
      id: 'powershell',
      label: 'PowerShell',
      lang: 'powershell',
      hint: 'Windows PowerShell 5.1 or PowerShell 7.',
      code: [
        `$headers = @{ Authorization = ${psQuote(`Bearer ${key}`)} }`,
        '$body = @{',
        `  model = ${psQuote(model)}`,
        `  messages = @(@{ role = 'user'; content = ${psQuote(SAMPLE_PROMPT)} })`,
        '} | ConvertTo-Json -Depth 5',
        '',
        `$response = Invoke-RestMethod -Method Post -Uri ${psQuote(url)} \``,
        '  -Headers $headers -ContentType \'application/json; charset=utf-8\' `',
        '  -Body ([System.Text.Encoding]::UTF8.GetBytes($body))',
        '$response.choices[0].message.content'
      ].join('\n')
    },
    {
      id: 'cmd',
      label: 'Windows CMD',
      lang: 'bat',
      hint: 'Command Prompt, with the curl.exe that ships with Windows 10 and 11.',
      code: [
        `curl.exe ${cmdQuote(url)} ^`,
        '  -H "Content-Type: application/json" ^',
        `  -H ${cmdQuote(`Authorization: Bearer ${key}`)} ^`,
        `  -d ${cmdQuote(compact)}`
      ].join('\n')
    },
    {
      id: 'python',
      label: 'Python',
      lang: 'python',
      hint: 'The official SDK: pip install openai',
      code: [
        'from openai import OpenAI',
        '',
        'client = OpenAI(',
        `    base_url=${pyQuote(base)},`,
        `    api_key=${pyQuote(key)},`,
        ')',
        '',
        'completion = client.chat.completions.create(',
        `    model=${pyQuote(model)},`,
        `    messages=[{"role": "user", "content": ${pyQuote(SAMPLE_PROMPT)}}],`,
        ')',
        'print(completion.choices[0].message.content)'
      ].join('\n')
    },
    {
      id: 'node',
      label: 'Node.js',
      lang: 'javascript',
      hint: 'The official SDK: npm install openai, save as hello.mjs, run node hello.mjs',
      code: [
        "import OpenAI from 'openai'",
        '',
        'const client = new OpenAI({',
        `  baseURL: ${jsQuote(base)},`,
        `  apiKey: ${jsQuote(key)}`,
        '})',
        '',
        'const completion = await client.chat.completions.create({',
        `  model: ${jsQuote(model)},`,
        `  messages: [{ role: 'user', content: ${jsQuote(SAMPLE_PROMPT)} }]`,
        '})',
        'console.log(completion.choices[0].message.content)'
      ].join('\n')
    }
  ]
}

/**
 * Setup cards for editors and apps; `origin` gives the Docker hint.
 * @param {SnippetContext} ctx
 * @returns {Setup[]}
 */
export function buildSetups ({ base, key, model, origin }) {
  // Continue sends gpt-5 and o-series names to /v1/responses, which this server speaks too: no useResponsesApi needed.
  const continueModel = [
    `  - name: ${model} (Puter)`,
    '    provider: openai',
    `    model: ${model}`,
    `    apiBase: ${base}`,
    `    apiKey: ${key}`,
    '    roles:',
    '      - chat',
    '      - edit',
    '      - apply'
  ]
  const host = (() => {
    try {
      return new URL(origin).hostname
    } catch {
      return ''
    }
  })()
  const loopback = host === 'localhost' || host === '127.0.0.1' || host === '[::1]'
  const dockerBase = loopback ? base.replace(host, 'host.docker.internal') : base
  /**
   * A VS Code extension set up through its "OpenAI Compatible" provider.
   * @param {string} id
   * @param {string} title
   * @param {string} where the extension's settings page
   * @param {string} lastStep
   * @param {string} modelLabel what the extension calls the model field
   * @returns {Setup}
   */
  const openAiCompatible = (id, title, where, lastStep, modelLabel) => ({
    id,
    title,
    intro: `VS Code extension. ${where}.`,
    steps: ['API Provider: OpenAI Compatible', 'Fill in the fields below', lastStep],
    fields: [
      { label: 'API Provider', value: 'OpenAI Compatible' },
      { label: 'Base URL', value: base },
      { label: 'API Key', value: key, secret: true },
      { label: modelLabel, value: model }
    ]
  })
  const claudeModel = /claude/i.test(model) ? model : CLAUDE_CODE_MODEL
  // Claude Code adds /v1/messages to ANTHROPIC_BASE_URL itself.
  const anthropicBase = base.replace(/\/v1\/?$/, '')
  /** @type {Array<[string, string]>} */
  const claudeEnv = [
    ['ANTHROPIC_BASE_URL', anthropicBase],
    ['ANTHROPIC_AUTH_TOKEN', key],
    ['ANTHROPIC_MODEL', claudeModel],
    ['ANTHROPIC_DEFAULT_HAIKU_MODEL', CLAUDE_CODE_HAIKU_MODEL]
  ]
  const codexProvider = 'puter-studio'
  return [
    {
      id: 'claude-code',
      title: 'Claude Code',
      intro: 'Anthropic’s coding agent (npm install -g @anthropic-ai/claude-code) speaks the Messages API: set these in the shell you start claude from.',
      steps: [],
      fields: [],
      wide: true,
      shells: {
        intro: '',
        blocks: [
          { id: 'claude-code-bash', label: 'bash / zsh', lang: 'bash', code: [...claudeEnv.map(([k, v]) => `export ${k}=${shQuote(v)}`), 'claude'].join('\n') },
          { id: 'claude-code-powershell', label: 'PowerShell', lang: 'powershell', code: [...claudeEnv.map(([k, v]) => `$env:${k} = ${psQuote(v)}`), 'claude'].join('\n') },
          { id: 'claude-code-cmd', label: 'Windows CMD', lang: 'bat', code: [...claudeEnv.map(([k, v]) => cmdSet(k, v)), 'claude'].join('\n') }
        ]
      },
      note: `ANTHROPIC_BASE_URL is the server without /v1: Claude Code adds /v1/messages itself. ANTHROPIC_MODEL is the model chosen above when it is a Claude model, else ${CLAUDE_CODE_MODEL}; background tasks use ANTHROPIC_DEFAULT_HAIKU_MODEL.`
    },
    {
      id: 'codex',
      title: 'Codex CLI',
      intro: 'OpenAI’s coding agent (npm install -g @openai/codex) speaks the Responses API. Add this provider to ~/.codex/config.toml.',
      steps: [],
      fields: [],
      wide: true,
      configs: [{
        id: 'codex',
        label: '~/.codex/config.toml',
        lang: 'toml',
        code: [
          `model = ${tomlQuote(model)}`,
          `model_provider = ${tomlQuote(codexProvider)}`,
          '',
          `[model_providers.${codexProvider}]`,
          'name = "Puter API Key Studio"',
          `base_url = ${tomlQuote(base)}`,
          `env_key = ${tomlQuote(CODEX_ENV_KEY)}`,
          'wire_api = "responses"',
          'supports_websockets = false'
        ].join('\n')
      }],
      shells: {
        intro: `Then put the key in ${CODEX_ENV_KEY} in the shell you start codex from:`,
        blocks: [
          { id: 'codex-bash', label: 'bash / zsh', lang: 'bash', code: `export ${CODEX_ENV_KEY}=${shQuote(key)}\ncodex` },
          { id: 'codex-powershell', label: 'PowerShell', lang: 'powershell', code: `$env:${CODEX_ENV_KEY} = ${psQuote(key)}\ncodex` },
          { id: 'codex-cmd', label: 'Windows CMD', lang: 'bat', code: `${cmdSet(CODEX_ENV_KEY, key)}\ncodex` }
        ]
      },
      note: 'Codex adds /responses to base_url. wire_api = "responses" is the only wire it has; supports_websockets = false keeps it on plain HTTP streams, which is what this server serves.'
    },
    openAiCompatible('roo', 'Roo Code', 'Settings (gear icon) → Providers', 'Save, then start a task', 'Model'),
    openAiCompatible('cline', 'Cline', 'Settings → API Configuration', 'Done', 'Model ID'),
    {
      id: 'continue',
      title: 'Continue',
      intro: 'VS Code and JetBrains. Add this model to ~/.continue/config.yaml.',
      steps: [],
      fields: [],
      configs: [{ id: 'continue', label: 'config.yaml', lang: 'yaml', code: ['name: Puter API Key Studio', 'version: 1.0.0', 'schema: v1', 'models:', ...continueModel].join('\n') }],
      note: 'gpt-5 and o-series models go to /v1/responses, the others to /v1/chat/completions: this server answers both.'
    },
    {
      id: 'openwebui',
      title: 'Open WebUI',
      intro: 'Admin Panel → Settings → Connections → OpenAI API → Add connection (+).',
      steps: ['Fill in the fields below and save', 'Puter models appear in the model picker'],
      fields: [
        { label: 'URL', value: base },
        { label: 'Key', value: key, secret: true }
      ],
      note: loopback
        ? `Open WebUI in Docker cannot reach ${host} on your machine: use ${dockerBase} and start this server with HOST=0.0.0.0.`
        : null
    }
  ]
}
