// Security headers (helmet's, computed once) with a Content-Security-Policy that allows no inline script; nosniff only on API routes.
import fp from 'fastify-plugin'
import helmet from 'helmet'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Where puter.js talks to: its API (HTTP and socket) and the GUI origin that hosts the sign-in popup. */
const PUTER_API = 'https://api.puter.com'
const PUTER_GUI = 'https://puter.com'

/**
 * The policy of every answer, the dashboard's included. Swagger UI at /docs sends its own
 * (@fastify/swagger-ui with `staticCSP: true` overwrites this header on its routes in an onSend hook,
 * which runs after helmet's onRequest); it too allows scripts from 'self' only.
 */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  // Our own CSS is a file; puter.js renders its dialogs in shadow DOM with <style> elements.
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  // The Playground's speech player plays the answer from a blob: URL of the fetched bytes.
  mediaSrc: ["'self'", 'blob:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'", PUTER_API, PUTER_API.replace('https://', 'wss://')],
  frameSrc: [PUTER_GUI],
  workerSrc: ["'self'"],
  manifestSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
  objectSrc: ["'none'"],
  // Not upgrade-insecure-requests (a helmet default): a self-hosted server is often reached over
  // plain http on a LAN address, where upgrading its own assets to https would break the page.
  upgradeInsecureRequests: null
}

/** Hosts browsers treat as secure contexts over plain http. */
const LOOPBACK_HOST = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Which security headers a route answers with: 'page' (default: helmet's full set, the CSP above) or 'api'
     * (machine-to-machine JSON and event streams, never rendered as pages: nosniff only).
     */
    securityHeaders?: 'page' | 'api'
  }
}

/** helmet's answer headers for our options, computed once: they never vary per request (no CSP nonces). */
function helmetHeaders (): Record<string, string> {
  const headers: Record<string, string> = {}
  const res = {
    setHeader (name: string, value: string | number | string[]) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // All three set in pageHeaders, only where browsers honour them.
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    strictTransportSecurity: false,
    // Puter's sign-in popup reads the opener's origin from document.referrer to bind the app token to it;
    // only the origin is sent cross-site, never a path.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' }
  })({} as IncomingMessage, res as unknown as ServerResponse, () => {})
  return headers
}

export default fp(async function securityHeadersPlugin (fastify) {
  // helmet's headers are computed once and set from that object. (@fastify/helmet runs helmet(options) and two hooks
  // on every request, the hot API routes included: a measurable share of their CPU in the bench.)
  const pageSet = helmetHeaders()

  // In onRequest, so that answers refused by a route's own guards (registered later) carry the headers too.
  fastify.addHook('onRequest', function securityHeaders (request, reply, done) {
    if (request.routeOptions.config.securityHeaders === 'api') {
      reply.header('x-content-type-options', 'nosniff')
    } else {
      reply.headers(pageSet)
      pageHeaders(request, reply)
    }
    done()
  })
}, { name: 'security-headers' })

/** helmet's default HSTS: a year, subdomains included. */
const HSTS = 'max-age=31536000; includeSubDomains'

/**
 * COOP is 'same-origin-allow-popups' because the Puter sign-in popup posts the token back to
 * window.opener, which 'same-origin' would sever. Browsers ignore COOP and Origin-Agent-Cluster on
 * untrustworthy origins (plain http on a LAN address) and log console noise for them, so both are sent
 * only over https and on loopback hosts. HSTS only over https (directly, or a trusted proxy's
 * X-Forwarded-Proto): browsers ignore it over http, and it means nothing there.
 */
function pageHeaders (request: FastifyRequest, reply: FastifyReply) {
  if (request.protocol === 'https') reply.header('strict-transport-security', HSTS)
  if (request.protocol === 'https' || LOOPBACK_HOST.test(request.hostname)) {
    reply.header('cross-origin-opener-policy', 'same-origin-allow-popups')
    reply.header('origin-agent-cluster', '?1')
  }
}
