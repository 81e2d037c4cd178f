// The Playground's Image, Speech and Transcribe modes and the Templates' image and audio snippets, in headless
// Chromium against a live server and the fake Puter: images drawn and downloaded, the server's error for a size the
// model cannot draw, speech played from a blob: URL with the chosen voice, a WAV transcribed and translated, the
// snippets run as shown; desktop and phone widths. Chat stays the default mode.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Download, Page } from 'playwright-core'
import { browserMissing, launchBrowser, liveServer, openPage, screenshot, RESULTS_DIR } from './browser.ts'
import { makeWav, isPng, wavDurationSeconds } from '../fixtures/media.ts'

const run = promisify(execFile)
const missing = browserMissing()
if (missing) t.fail(missing)

const text = (page: Page, selector: string) => page.locator(selector).innerText().then((s) => s.trim())
const RESULT = '#pgm-result .media-result'

async function downloaded (download: Download): Promise<Buffer> {
  const stream = await download.createReadStream()
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Waits for the current mode's request to end, and returns its status. */
async function settled (page: Page): Promise<string> {
  await page.waitForFunction((sel) => {
    const r = document.querySelector(sel)
    return r instanceof HTMLElement && r.dataset.status !== 'running'
  }, RESULT)
  return page.locator(RESULT).getAttribute('data-status').then((s) => s ?? '')
}

/** No sideways scrolling at the current width. */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

t.test('the Playground makes images, speech and transcripts; Templates show the snippets', { skip: Boolean(missing) }, async (t) => {
  const { base } = await liveServer(t)
  const context = await launchBrowser(t)
  const { page, problems, httpErrors } = await openPage(context)
  await page.goto(`${base}/`)
  await page.fill('#token-input', 'fake-token-heidi')
  await page.click('#token-submit')
  await page.locator('#keys-empty').waitFor()
  await page.fill('#key-name', 'Media')
  await page.click('#create-key')
  await page.locator('#new-key').waitFor()
  const key = (await page.locator('#new-key-value').innerText()).trim()
  await page.click('#tab-playground')
  await page.waitForFunction(() => document.querySelectorAll('#pg-models option').length > 0)
  // What the server says of its models, to compare the pickers with.
  const models: Array<{ id: string, kind?: string, sizes?: string[], voices?: string[] }> = (await (await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()).data
  const ofKind = (kind: string) => models.filter((m) => m.kind === kind)

  await t.test('Chat is the default mode, and its model picker lists chat models only', async (t) => {
    t.ok(await page.isChecked('#pg-mode-chat'))
    t.ok(await page.isVisible('#pg-form'))
    t.ok(await page.isHidden('#pgm-form'))
    const listed = await page.locator('#pg-models option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    t.ok(ofKind('image').length > 0 && ofKind('speech').length > 0 && ofKind('transcription').length > 0, 'the server lists every kind')
    t.same(listed.filter((id) => models.find((m) => m.id === id)?.kind !== 'chat'), [], 'no image, speech or transcription model in the chat picker')
    t.equal(await page.inputValue('#pg-model'), 'gpt-4o-mini')
  })

  await t.test('Image: two images drawn, each downloadable; the raw view shows the request and a shortened answer', async (t) => {
    await page.check('#pg-mode-image')
    t.ok(await page.isHidden('#pg-form'), 'the chat form is put away')
    t.equal(await text(page, '#pgm-send-via'), 'POST /v1/images/generations')
    const options = await page.locator('#pgm-model option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    t.same(options.sort(), ofKind('image').map((m) => m.id).sort(), 'the image models, and only them')
    t.equal(await page.inputValue('#pgm-model'), 'gpt-image-1-mini', 'the default image model is chosen')
    const sizes = await page.locator('#pgm-size option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    t.same(sizes.filter((s) => s !== '__other__'), models.find((m) => m.id === 'gpt-image-1-mini')?.sizes, 'the sizes the model lists')

    await page.fill('#pgm-prompt', 'A red square on white')
    await page.selectOption('#pgm-size', '1536x1024')
    await page.fill('#pgm-n', '2')
    const request = page.waitForRequest((r) => new URL(r.url()).pathname === '/v1/images/generations')
    await page.click('#pgm-send')
    const sent = await request
    t.equal(sent.headers().authorization, `Bearer ${key}`)
    t.match(sent.postDataJSON(), { model: 'gpt-image-1-mini', prompt: 'A red square on white', n: 2, size: '1536x1024', response_format: 'b64_json' })
    t.equal(await settled(page), 'done')
    const imgs = page.locator(`${RESULT} .media-image img`)
    t.equal(await imgs.count(), 2)
    await page.waitForFunction((sel) => Array.from(document.querySelectorAll(sel)).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0), `${RESULT} .media-image img`)
    t.match(await imgs.first().getAttribute('src'), /^data:image\/png;base64,/, 'drawn from a data: URL')
    t.match(await page.locator(`${RESULT} .media-image figcaption`).first().innerText(), /\d+ × \d+ · PNG/)

    const links = page.locator(`${RESULT} .media-download`)
    t.equal(await links.count(), 2)
    const [download] = await Promise.all([page.waitForEvent('download'), links.nth(1).click()])
    t.equal(download.suggestedFilename(), 'image-2.png')
    t.ok(isPng(await downloaded(download)), 'the download is a PNG')

    await page.click(`${RESULT} .raw summary`)
    const [rawRequest, rawResponse] = await page.locator(`${RESULT} .raw-text`).allTextContents()
    t.match(rawRequest, /^POST \/v1\/images\/generations\n/)
    t.match(rawRequest, /authorization: Bearer sk-.{4}…/)
    t.notMatch(rawRequest, key, 'the full key is not shown')
    t.equal(rawRequest.slice(rawRequest.indexOf('\n\n') + 2), sent.postData(), 'the body as sent')
    t.match(await text(page, `${RESULT} .raw-status`), /HTTP 200 · application\/json/)
    t.match(rawResponse, /"b64_json": ?"iVBOR[^"]*…" \([\d,]+ base64 characters\)/, 'the image bytes are cut short')
    t.match(await text(page, `${RESULT} .stats`), /Images\s*2/i)
    t.equal(await text(page, '#pgm-status'), 'Done')
    await screenshot(page, 'playground-image')
  })

  await t.test('Image: a size the model cannot draw shows the server\'s error', async (t) => {
    await page.selectOption('#pgm-size', '__other__')
    t.ok(await page.isVisible('#pgm-size-custom'))
    await page.fill('#pgm-size-custom', '333x333')
    await page.fill('#pgm-n', '1')
    await page.click('#pgm-send')
    t.equal(await settled(page), 'failed')
    const error = await text(page, `${RESULT} .turn-error`)
    t.match(error, /333x333/, 'it names the size')
    t.match(error, /1024x1024/, 'and the sizes the model can draw')
    t.equal(await text(page, '#pgm-status'), 'Failed')
    await page.click(`${RESULT} .raw summary`)
    t.match(await text(page, `${RESULT} .raw-status`), /HTTP 400/)
    t.match(JSON.parse((await page.locator(`${RESULT} .raw-text`).nth(1).textContent())!), { error: { message: String } }, 'OpenAI\'s error shape')
    t.same(httpErrors.splice(0), ['400 /v1/images/generations'])
    await page.fill('#pgm-size-custom', 'big')
    await page.click('#pgm-send')
    t.match(await text(page, '#pgm-error'), /WIDTHxHEIGHT/, 'a size that is not WxH is told before anything is sent')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'pgm-size-custom')
    await page.selectOption('#pgm-size', '1024x1024')
  })

  await t.test('Image: a model that answers with a link (FLUX) still comes back drawn, with its own sizes', async (t) => {
    const flux = ofKind('image').find((m) => /flux/i.test(m.id))
    if (!flux) throw new Error('the fake Puter lists no FLUX model')
    await page.selectOption('#pgm-model', flux.id)
    const sizes = await page.locator('#pgm-size option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    if (flux.sizes) t.same(sizes.filter((s) => s !== '__other__'), flux.sizes, 'the sizes it lists')
    await page.click('#pgm-send')
    t.equal(await settled(page), 'done')
    await page.waitForFunction((sel) => ((document.querySelector(sel) as HTMLImageElement | null)?.naturalWidth ?? 0) > 0, `${RESULT} .media-image img`)
    t.match(await page.locator(`${RESULT} .media-image img`).getAttribute('src'), /^data:image\//, 'the server fetched the bytes (b64_json)')
    await page.selectOption('#pgm-model', 'gpt-image-1-mini')
  })

  await t.test('Speech: the chosen voice is sent and the WAV plays from a blob: URL', async (t) => {
    await page.check('#pg-mode-speech')
    t.equal(await text(page, '#pgm-send-via'), 'POST /v1/audio/speech')
    t.ok(await page.isHidden('#pgm-prompt'), 'the image fields are put away')
    const options = await page.locator('#pgm-model option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    t.same(options.sort(), ofKind('speech').map((m) => m.id).sort(), 'the speech models, and only them')
    await page.selectOption('#pgm-model', 'tts-1')
    const voices = await page.locator('#pgm-voice option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    const listed = models.find((m) => m.id === 'tts-1')?.voices
    if (listed) t.same(voices, listed, 'the voices the model lists')
    t.ok(voices.includes('nova'))
    await page.selectOption('#pgm-voice', 'nova')
    await page.selectOption('#pgm-speech-format', 'wav')
    await page.fill('#pgm-input', 'Hello there, this is a test of the speech mode.')
    t.equal(await text(page, '#pgm-count'), '47 / 4,096')
    const request = page.waitForRequest((r) => new URL(r.url()).pathname === '/v1/audio/speech')
    await page.click('#pgm-send')
    t.match((await request).postDataJSON(), { model: 'tts-1', voice: 'nova', response_format: 'wav', input: 'Hello there, this is a test of the speech mode.' })
    t.equal(await settled(page), 'done')
    const audio = page.locator(`${RESULT} audio`)
    t.match(await audio.getAttribute('src'), /^blob:/)
    await page.waitForFunction((sel) => {
      const a = document.querySelector(sel)
      return a instanceof HTMLAudioElement && Number.isFinite(a.duration) && a.duration > 0
    }, `${RESULT} audio`)
    t.ok(await audio.evaluate((a) => (a as HTMLAudioElement).duration) > 0, 'the player knows its length')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${RESULT} .media-download`)])
    t.equal(download.suggestedFilename(), 'speech.wav')
    t.ok((wavDurationSeconds(await downloaded(download)) ?? 0) > 0, 'the download is the WAV')
    await page.click(`${RESULT} .raw summary`)
    const rawResponse = (await page.locator(`${RESULT} .raw-text`).nth(1).textContent())!
    t.match(rawResponse, /content-type: audio\/wav/i, 'the headers')
    t.match(rawResponse, /\([\d.]+ KB of audio\/wav, not shown\)/, 'and the size, not the bytes')
    t.match(await text(page, `${RESULT} .stats`), /Voice\s*nova/i)
    await screenshot(page, 'playground-speech')
  })

  await t.test('Transcribe: an uploaded WAV comes back as text; Translate goes to /translations; srt from whisper-1', async (t) => {
    await page.check('#pg-mode-transcribe')
    t.equal(await text(page, '#pgm-send-via'), 'POST /v1/audio/transcriptions')
    const options = await page.locator('#pgm-model option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    t.same(options.sort(), ofKind('transcription').map((m) => m.id).sort(), 'the transcription models, and only them')
    await page.click('#pgm-send')
    t.match(await text(page, '#pgm-error'), /Choose an audio file/)
    await page.setInputFiles('#pgm-file', { name: 'tone.wav', mimeType: 'audio/wav', buffer: makeWav({ seconds: 2 }) })
    t.match(await text(page, '#pgm-file-info'), /tone\.wav · audio\/wav · 62\.5 KB/)
    const request = page.waitForRequest((r) => new URL(r.url()).pathname === '/v1/audio/transcriptions')
    await page.click('#pgm-send')
    const sent = await request
    t.match(sent.headers()['content-type'], /^multipart\/form-data; boundary=/)
    t.match(sent.postDataBuffer()?.toString('latin1'), /name="model"\r\n\r\ngpt-4o-mini-transcribe\r\n/)
    t.equal(await settled(page), 'done')
    t.equal(await text(page, `${RESULT} .media-text`), 'Fake transcript of 2 seconds of audio/wav.')
    await page.click(`${RESULT} .raw summary`)
    const rawRequest = (await page.locator(`${RESULT} .raw-text`).first().textContent())!
    t.match(rawRequest, /file: tone\.wav \(audio\/wav, 62\.5 KB\)/, 'the file by name, type and size')
    await screenshot(page, 'playground-transcribe')

    await page.check('#pgm-translate')
    t.equal(await text(page, '#pgm-send-via'), 'POST /v1/audio/translations')
    t.ok(await page.isDisabled('#pgm-language'), 'translations take no language')
    t.same(await page.locator('#pgm-model option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), ['whisper-1'], 'and whisper-1 only')
    const translated = page.waitForRequest((r) => new URL(r.url()).pathname === '/v1/audio/translations')
    await page.click('#pgm-send')
    t.match((await translated).postDataBuffer()?.toString('latin1'), /name="model"\r\n\r\nwhisper-1\r\n/)
    t.equal(await settled(page), 'done')
    t.equal(await text(page, `${RESULT} .media-text`), 'Fake translation of 2 seconds of audio/wav.')
    await page.uncheck('#pgm-translate')
    t.equal(await page.inputValue('#pgm-model'), 'gpt-4o-mini-transcribe', 'the transcription model comes back')

    // srt is whisper-1's: the other models do not offer it, and say where it is.
    const formats = await page.locator('#pgm-transcript-format option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    t.notOk(formats.includes('srt'), `${formats.join(', ')}: no srt`)
    t.match(await text(page, '#pgm-format-hint'), /srt[\s\S]*whisper-1/)
    await page.selectOption('#pgm-model', 'whisper-1')
    await page.selectOption('#pgm-transcript-format', 'srt')
    await page.click('#pgm-send')
    t.equal(await settled(page), 'done')
    t.match(await text(page, `${RESULT} .media-text`), /^1\n00:00:00,000 --> 00:00:02,000\nFake transcript of 2 seconds of audio\/wav\./)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${RESULT} .media-download`)])
    t.equal(download.suggestedFilename(), 'transcript.srt')
    await page.selectOption('#pgm-transcript-format', 'json')
  })

  await t.test('phone width: each mode fits', async (t) => {
    await page.setViewportSize({ width: 360, height: 780 })
    for (const mode of ['image', 'speech', 'transcribe']) {
      await page.check(`#pg-mode-${mode}`)
      const o = await overflow(page)
      t.ok(o <= 0, `${mode}: no sideways scrolling (overflow ${o})`)
      await screenshot(page, `playground-${mode}-phone`)
    }
    await page.setViewportSize({ width: 1280, height: 860 })
    await page.check('#pg-mode-chat')
    t.ok(await page.isVisible('#pg-form'), 'back to Chat')
  })

  await t.test('Templates: image, speech and transcription snippets, run as shown', async (t) => {
    await page.click('#tab-templates')
    await page.waitForFunction((k) => document.getElementById('msnippet-bash-image')?.textContent?.includes(k), key)
    for (const lang of ['bash', 'python', 'node']) {
      for (const route of ['image', 'speech', 'transcription']) {
        const code = (await page.locator(`#msnippet-${lang}-${route}`).textContent())!
        t.match(code, lang === 'bash' ? `${base}/v1/` : `${base}/v1`, `${lang} ${route}: the base URL`)
        t.match(code, key, `${lang} ${route}: the key`)
      }
    }
    t.match(await page.locator('#msnippet-python-image').textContent(), 'client.images.generate(')
    t.match(await page.locator('#msnippet-python-speech').textContent(), 'client.audio.speech.with_streaming_response.create(')
    t.match(await page.locator('#msnippet-python-transcription').textContent(), /audio\.transcriptions\.create[\s\S]*audio\.translations\.create/)

    // The curl and Node snippets, in a scratch directory inside the repo (so `import OpenAI from 'openai'` resolves).
    await mkdir(RESULTS_DIR, { recursive: true })
    const dir = await mkdtemp(join(RESULTS_DIR, 'media-snippets-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const curl = async (route: string) => run('bash', ['-c', (await page.locator(`#msnippet-bash-${route}`).textContent())!], { cwd: dir, timeout: 20_000 })
    await curl('image')
    t.ok(isPng(await readFile(join(dir, 'image.png'))), 'curl: image.png is a PNG')
    await curl('speech')
    t.ok((await readFile(join(dir, 'speech.mp3'))).length > 0, 'curl: speech.mp3 written')
    const { stdout: curlText } = await curl('transcription')
    t.match(curlText, /Fake transcript of [\s\S]*Fake translation of /, 'curl: the transcript, then the translation')

    const node = async (route: string) => {
      const file = join(dir, `${route}.mjs`)
      await writeFile(file, (await page.locator(`#msnippet-node-${route}`).textContent())!)
      return run(process.execPath, [file], { cwd: dir, timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } })
    }
    await rm(join(dir, 'image.png'))
    await node('image')
    t.ok(isPng(await readFile(join(dir, 'image.png'))), 'Node: image.png is a PNG')
    await node('speech')
    t.ok((await readFile(join(dir, 'speech.mp3'))).length > 0, 'Node: speech.mp3 written')
    const { stdout: nodeText } = await node('transcription')
    t.match(nodeText, /^Fake transcript of .*\nFake translation of .*\n$/, 'Node: the transcript, then the translation')

    await page.click('#mtab-node')
    t.ok(await page.isVisible('#msnippet-node-speech'), 'the Node.js tab shows its snippets')
    t.ok(await page.isHidden('#msnippet-bash-speech'))
    await screenshot(page, 'templates-media')
    await page.setViewportSize({ width: 360, height: 780 })
    const o = await overflow(page)
    t.ok(o <= 0, `phone: no sideways scrolling (overflow ${o})`)
    await screenshot(page, 'templates-media-phone')
    await page.setViewportSize({ width: 1280, height: 860 })
  })

  t.same(problems, [], 'no script errors or CSP violations')
  t.same(httpErrors, [], 'no unexpected HTTP errors')
})
