// @ts-check
// Code snippets for this server's image and audio routes (images.generate, audio.speech.create writing a file,
// audio.transcriptions.create and translations from a file) in curl, Python and Node, as plain strings (no DOM).
// Pure: no state; string helpers from snippets.js.
import { shQuote, jsQuote, pyQuote } from './snippets.js'

/**
 * What the media snippets are filled in with: the /v1 base URL, the full key (or a placeholder), and a model of
 * each kind.
 * @typedef {{ base: string, key: string, models: { image: string, speech: string, transcription: string } }} MediaSnippetContext
 */

/** @typedef {{ id: string, title: string, hint: string, code: string }} MediaSnippet */
/** @typedef {{ id: string, label: string, lang: string, hint: string, snippets: MediaSnippet[] }} MediaLanguage */

export const SAMPLE_IMAGE_PROMPT = 'A watercolour lighthouse at dawn, seen from the sea'
export const SAMPLE_SPEECH = 'Hello from Puter API Key Studio.'
export const SAMPLE_VOICE = 'alloy'
export const SAMPLE_SIZE = '1024x1024'
/** The one model OpenAI's translations take. */
export const TRANSLATION_MODEL = 'whisper-1'

/**
 * The curl command's body, as pretty JSON indented under -d.
 * @param {Record<string, unknown>} body
 */
const curlJson = (body) => shQuote(JSON.stringify(body, null, 2).replace(/\n/g, '\n  '))

/** @param {MediaSnippetContext} ctx @returns {MediaSnippet[]} */
function curlSnippets ({ base, key, models }) {
  const auth = `-H ${shQuote(`Authorization: Bearer ${key}`)}`
  return [
    {
      id: 'image',
      title: 'Generate an image',
      hint: 'Decodes the first image into image.png (needs jq).',
      code: [
        `curl -sS ${shQuote(`${base}/images/generations`)} \\`,
        '  -H "Content-Type: application/json" \\',
        `  ${auth} \\`,
        `  -d ${curlJson({ model: models.image, prompt: SAMPLE_IMAGE_PROMPT, size: SAMPLE_SIZE })} \\`,
        "  | jq -r '.data[0].b64_json' | base64 --decode > image.png"
      ].join('\n')
    },
    {
      id: 'speech',
      title: 'Text to speech',
      hint: 'Writes the audio to speech.mp3.',
      code: [
        `curl -sS ${shQuote(`${base}/audio/speech`)} \\`,
        '  -H "Content-Type: application/json" \\',
        `  ${auth} \\`,
        `  -d ${curlJson({ model: models.speech, input: SAMPLE_SPEECH, voice: SAMPLE_VOICE })} \\`,
        '  --output speech.mp3'
      ].join('\n')
    },
    {
      id: 'transcription',
      title: 'Transcribe, and translate to English',
      hint: 'Uploads speech.mp3 as multipart form data.',
      code: [
        `curl -sS ${shQuote(`${base}/audio/transcriptions`)} \\`,
        `  ${auth} \\`,
        '  -F file=@speech.mp3 \\',
        `  -F model=${models.transcription}`,
        '',
        `curl -sS ${shQuote(`${base}/audio/translations`)} \\`,
        `  ${auth} \\`,
        '  -F file=@speech.mp3 \\',
        `  -F model=${TRANSLATION_MODEL}`
      ].join('\n')
    }
  ]
}

/** @param {MediaSnippetContext} ctx @returns {MediaSnippet[]} */
function pythonSnippets ({ base, key, models }) {
  const client = ['client = OpenAI(', `    base_url=${pyQuote(base)},`, `    api_key=${pyQuote(key)},`, ')']
  return [
    {
      id: 'image',
      title: 'Generate an image',
      hint: 'Saves the first image as image.png.',
      code: [
        'import base64',
        'from openai import OpenAI',
        '',
        ...client,
        '',
        'result = client.images.generate(',
        `    model=${pyQuote(models.image)},`,
        `    prompt=${pyQuote(SAMPLE_IMAGE_PROMPT)},`,
        `    size=${pyQuote(SAMPLE_SIZE)},`,
        ')',
        'with open("image.png", "wb") as f:',
        '    f.write(base64.b64decode(result.data[0].b64_json))'
      ].join('\n')
    },
    {
      id: 'speech',
      title: 'Text to speech',
      hint: 'Streams the audio into speech.mp3.',
      code: [
        'from openai import OpenAI',
        '',
        ...client,
        '',
        'with client.audio.speech.with_streaming_response.create(',
        `    model=${pyQuote(models.speech)},`,
        `    voice=${pyQuote(SAMPLE_VOICE)},`,
        `    input=${pyQuote(SAMPLE_SPEECH)},`,
        ') as response:',
        '    response.stream_to_file("speech.mp3")'
      ].join('\n')
    },
    {
      id: 'transcription',
      title: 'Transcribe, and translate to English',
      hint: 'Reads speech.mp3 and prints its text, then the text in English.',
      code: [
        'from openai import OpenAI',
        '',
        ...client,
        '',
        'with open("speech.mp3", "rb") as audio:',
        `    transcript = client.audio.transcriptions.create(model=${pyQuote(models.transcription)}, file=audio)`,
        'print(transcript.text)',
        '',
        'with open("speech.mp3", "rb") as audio:',
        `    translation = client.audio.translations.create(model=${pyQuote(TRANSLATION_MODEL)}, file=audio)`,
        'print(translation.text)'
      ].join('\n')
    }
  ]
}

/** @param {MediaSnippetContext} ctx @returns {MediaSnippet[]} */
function nodeSnippets ({ base, key, models }) {
  const head = ["import fs from 'node:fs'", "import OpenAI from 'openai'", '', 'const client = new OpenAI({', `  baseURL: ${jsQuote(base)},`, `  apiKey: ${jsQuote(key)}`, '})', '']
  return [
    {
      id: 'image',
      title: 'Generate an image',
      hint: 'Saves the first image as image.png.',
      code: [
        ...head,
        'const result = await client.images.generate({',
        `  model: ${jsQuote(models.image)},`,
        `  prompt: ${jsQuote(SAMPLE_IMAGE_PROMPT)},`,
        `  size: ${jsQuote(SAMPLE_SIZE)}`,
        '})',
        "fs.writeFileSync('image.png', Buffer.from(result.data[0].b64_json, 'base64'))"
      ].join('\n')
    },
    {
      id: 'speech',
      title: 'Text to speech',
      hint: 'Writes the audio to speech.mp3.',
      code: [
        ...head,
        'const speech = await client.audio.speech.create({',
        `  model: ${jsQuote(models.speech)},`,
        `  voice: ${jsQuote(SAMPLE_VOICE)},`,
        `  input: ${jsQuote(SAMPLE_SPEECH)}`,
        '})',
        "fs.writeFileSync('speech.mp3', Buffer.from(await speech.arrayBuffer()))"
      ].join('\n')
    },
    {
      id: 'transcription',
      title: 'Transcribe, and translate to English',
      hint: 'Reads speech.mp3 and prints its text, then the text in English.',
      code: [
        ...head,
        'const transcript = await client.audio.transcriptions.create({',
        `  model: ${jsQuote(models.transcription)},`,
        "  file: fs.createReadStream('speech.mp3')",
        '})',
        'console.log(transcript.text)',
        '',
        'const translation = await client.audio.translations.create({',
        `  model: ${jsQuote(TRANSLATION_MODEL)},`,
        "  file: fs.createReadStream('speech.mp3')",
        '})',
        'console.log(translation.text)'
      ].join('\n')
    }
  ]
}

/**
 * The media snippets, by language, in the order of their tabs.
 * @param {MediaSnippetContext} ctx
 * @returns {MediaLanguage[]}
 */
export function buildMediaSnippets (ctx) {
  return [
    { id: 'bash', label: 'curl', lang: 'bash', hint: 'Bash, zsh or any POSIX shell, with curl.', snippets: curlSnippets(ctx) },
    { id: 'python', label: 'Python', lang: 'python', hint: 'The official SDK: pip install openai', snippets: pythonSnippets(ctx) },
    { id: 'node', label: 'Node.js', lang: 'javascript', hint: 'The official SDK: npm install openai, save as a .mjs file, run it with node', snippets: nodeSnippets(ctx) }
  ]
}
