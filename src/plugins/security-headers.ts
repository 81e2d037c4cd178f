// Security headers (@fastify/helmet) with a Content-Security-Policy that allows no inline script.
import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

/** Where puter.js talks to: its API (HTTP and socket) and the GUI origin that hosts the sign-in popup. */
export const PUTER_API = 'https://api.puter.com'
export const PUTER_GUI = 'https://puter.com'

/**
 * The dashboard's policy. Swagger UI at /docs sends its own, stricter-for-its-needs policy
 * (@fastify/swagger-ui `staticCSP: true` overwrites this header on its routes in an onSend hook);
 * both allow scripts from 'self' only.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  // Our own CSS is a file; puter.js renders its dialogs in shadow DOM with <style> elements.
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'", PUTER_API, 'wss://api.puter.com'],
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

export default fp(async function securityHeadersPlugin (fastify) {
  await fastify.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // The Puter sign-in popup posts the token back to window.opener, which 'same-origin' would sever.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    // The OpenAI routes are called from other origins (with CORS); keep their answers readable there.
    crossOriginResourcePolicy: { policy: 'same-site' },
    referrerPolicy: { policy: 'no-referrer' }
  })
}, { name: 'security-headers' })
