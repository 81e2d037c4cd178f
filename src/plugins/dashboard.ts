// The browser dashboard: static files from public/ at /, and the browser bundles of puter.js and Chart.js served
// from their npm packages at /vendor/.
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url))

const require = createRequire(import.meta.url)

/** The puter.js browser bundle: the package's dist/puter.cjs is the webpack IIFE, only renamed (puter-api.md §6). */
export const PUTER_JS_PATH = require.resolve('@heyputer/puter.js/dist/puter.cjs')

/** Chart.js's UMD build (for the Usage tab's charts): as a classic script it defines window.Chart. */
export const CHART_JS_PATH = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js')

/** What /vendor/ serves: each file read once at start, from a package that does not change while the server runs. */
export const VENDOR_FILES: ReadonlyArray<{ url: string, path: string, type: string, summary: string, description: string }> = [
  {
    url: '/vendor/puter.js',
    path: PUTER_JS_PATH,
    type: 'text/javascript',
    summary: 'The puter.js browser bundle',
    description: 'The `@heyputer/puter.js` package\'s browser build, served by this server so the dashboard loads no script from a CDN.'
  },
  {
    url: '/vendor/chart.umd.min.js',
    path: CHART_JS_PATH,
    type: 'text/javascript',
    summary: 'The Chart.js browser bundle',
    description: 'The `chart.js` package\'s UMD build, for the dashboard\'s Usage charts, served by this server rather than a CDN.'
  },
  {
    url: '/vendor/chart.umd.min.js.map',
    path: `${CHART_JS_PATH}.map`,
    type: 'application/json',
    summary: 'The Chart.js source map',
    description: 'The source map the Chart.js bundle names, for browser developer tools.'
  }
]

export default fp(async function dashboardPlugin (fastify) {
  for (const file of VENDOR_FILES) {
    // Read once: files that never change while the server runs; the ETag lets browsers revalidate cheaply.
    const body = await readFile(file.path)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`

    fastify.get(file.url, {
      schema: {
        tags: ['Dashboard'],
        summary: file.summary,
        description: `${file.description} Cached for an hour, then revalidated with its ETag.`,
        response: {
          200: { description: 'The file', content: { [file.type]: { schema: { type: 'string' } } } },
          304: { description: 'Not modified (If-None-Match matched the ETag)', type: 'null' }
        }
      }
    }, async (request, reply) => {
      reply
        .header('content-type', `${file.type}; charset=utf-8`)
        .header('cache-control', 'public, max-age=3600, must-revalidate')
        .header('etag', etag)
      if (request.headers['if-none-match'] === etag) return reply.code(304).send()
      return reply.send(body)
    })
  }

  // index.html, CSS and ES modules. No build step, so files are not fingerprinted: browsers revalidate
  // (ETag / Last-Modified) on every load, which keeps an upgrade from mixing old and new modules.
  await fastify.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/',
    index: 'index.html',
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders (reply) {
      reply.header('cache-control', 'no-cache')
    }
  })
}, { name: 'dashboard' })
