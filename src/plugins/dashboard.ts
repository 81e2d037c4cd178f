// The browser dashboard: static files from public/ at /, and puter.js served from its npm package at /vendor/puter.js.
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url))

/** The puter.js browser bundle: the package's dist/puter.cjs is the webpack IIFE, only renamed (puter-api.md §6). */
export const PUTER_JS_PATH = createRequire(import.meta.url).resolve('@heyputer/puter.js/dist/puter.cjs')

export default fp(async function dashboardPlugin (fastify) {
  // Read once: 400 kB that never changes while the server runs; the ETag lets browsers revalidate cheaply.
  const puterJs = await readFile(PUTER_JS_PATH)
  const puterEtag = `"${createHash('sha256').update(puterJs).digest('base64url').slice(0, 27)}"`

  // Serves puter.js from this server rather than a CDN, so the page loads no third-party script.
  fastify.get('/vendor/puter.js', {
    schema: {
      tags: ['Dashboard'],
      summary: 'The puter.js browser bundle',
      description: 'The `@heyputer/puter.js` package\'s browser build, served by this server so the dashboard loads no script from a CDN. Cached for an hour, then revalidated with its ETag.',
      response: {
        200: { description: 'The script', content: { 'text/javascript': { schema: { type: 'string' } } } },
        304: { description: 'Not modified (If-None-Match matched the ETag)', type: 'null' }
      }
    }
  }, async (request, reply) => {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600, must-revalidate')
      .header('etag', puterEtag)
    if (request.headers['if-none-match'] === puterEtag) return reply.code(304).send()
    return reply.send(puterJs)
  })

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
