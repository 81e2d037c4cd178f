// The OpenAPI 3 document, built from every route's TypeBox schema, at /openapi.json; Swagger UI at /docs (served locally).
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { ErrorResponseSchema, Type } from '../schemas/common.ts'

export default fp(async function openapiPlugin (fastify) {
  fastify.addSchema(ErrorResponseSchema)

  await fastify.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Puter API Key Studio',
        description: "OpenAI- and Anthropic-compatible gateway to Puter's AI. Sign in with Puter, mint `sk-` keys, and use them with any OpenAI or Anthropic client at `/v1`.",
        version: '0.1.0'
      },
      tags: [
        { name: 'OpenAI', description: 'OpenAI-compatible API (Chat Completions, Responses, models), authenticated with an `sk-` key' },
        { name: 'Anthropic', description: "Anthropic's Messages API (Claude Code, the Anthropic SDKs), with an `sk-` key in `x-api-key` or `Authorization: Bearer`; errors in Anthropic's shape" },
        { name: 'Auth', description: 'Dashboard sign-in with a Puter token' },
        { name: 'Keys', description: 'Manage your API keys (dashboard session)' },
        { name: 'Usage', description: 'Your usage, estimated spend and audit trail (dashboard session)' },
        { name: 'Account', description: 'Leave the server: sign out everywhere, revoke all keys, delete your data (dashboard session)' },
        { name: 'Admin', description: 'Users of a shared server, for the accounts in ADMIN_PUTER_USERS (dashboard session)' },
        { name: 'Dashboard', description: 'Assets of the browser dashboard' },
        { name: 'Health', description: 'Service health' },
        { name: 'Docs', description: 'This API description' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (sk-...) from the dashboard' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key (sk-...) from the dashboard, as Anthropic clients send it' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'pks_session', description: 'Dashboard session, set by sign-in' }
        }
      }
    },
    // Wildcard routes (model ids contain slashes) are documented with a named parameter.
    transform: ({ schema, url }) => {
      if (!url.endsWith('/*')) return { schema, url }
      const params = (schema as any)?.params
      const renamed = params?.properties?.['*']
        ? { ...params, properties: { model: params.properties['*'] }, required: ['model'] }
        : params
      return { schema: { ...schema, params: renamed } as typeof schema, url: url.replace(/\*$/, ':model') }
    },
    // Name shared schemas after their $id instead of def-N.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) }
  })

  fastify.get('/openapi.json', {
    schema: {
      tags: ['Docs'],
      summary: 'This OpenAPI document',
      description: 'OpenAPI 3 description of every route, built from their TypeBox schemas. Swagger UI shows it at /docs.',
      response: { 200: Type.Object({}, { additionalProperties: true, description: 'An OpenAPI 3.0 document' }) }
    }
  }, async () => fastify.swagger())

  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { url: '/openapi.json', deepLinking: true },
    staticCSP: true,
    // swagger-ui's default policy upgrades its own assets to https (breaking /docs over plain http on a LAN
    // address) and blocks an inline style its bundle applies; scripts stay 'self' only.
    transformStaticCSP: (header) => header
      .replace(/\s*upgrade-insecure-requests;?/, '')
      .replace("style-src 'self' https:", "style-src 'self' https: 'unsafe-inline'")
  })
}, { name: 'openapi' })
