// GET /v1/models and /v1/models/{model}: the catalogue of Puter's chat models.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, errorResponses } from '../../schemas/common.ts'
import { ModelListSchema, ModelSchema, type Model } from '../../schemas/models.ts'
import { errors, withDetails } from '../../errors.ts'
import { modelAllowed } from '../../gateway/key-policy.ts'

/** A model with Anthropic's fields too (type, display_name, created_at), so one list serves both kinds of client. */
function withAnthropicFields (m: Model): Model {
  return { ...m, type: 'model', display_name: m.name ?? m.id, created_at: new Date(m.created * 1000).toISOString().replace('.000Z', 'Z') }
}

const modelRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { models } = fastify
  const security = [{ bearerAuth: [] }]
  const tags = ['OpenAI']

  fastify.get('/models', {
    schema: {
      tags,
      security,
      summary: 'List models',
      description: "Puter's chat models, cached; each may carry context_length, max_output_tokens, pricing and aliases, and Anthropic's type, display_name and created_at. With an anthropic-version header the list also has Anthropic's first_id, last_id and has_more. A key with allowedModels lists only the models it may use.",
      response: { 200: ModelListSchema, ...errorResponses(401, 429, 502, 504) }
    }
  }, async (request) => {
    const key = request.caller?.key
    const all = await models.list()
    const data = (key ? all.filter((m) => modelAllowed(key, m.id, m)) : all).map(withAnthropicFields)
    // Anthropic's list fields for Anthropic clients (they send anthropic-version); one page holds every model.
    if (request.headers['anthropic-version'] === undefined) return { object: 'list' as const, data }
    return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false }
  })

  fastify.get('/models/*', {
    schema: {
      tags,
      security,
      summary: 'Retrieve a model',
      description: "Matches model ids and aliases, including ids with `/` and `:` (e.g. `openrouter:meta-llama/llama-3.3-70b-instruct`). 404 for a model outside the key's allowedModels.",
      params: Type.Object({ '*': Type.String({ description: 'The model id or an alias' }) }),
      response: { 200: ModelSchema, ...errorResponses(401, 404, 429, 502, 504) }
    }
  }, async (request) => {
    const id = request.params['*']
    const model = await models.get(id)
    const key = request.caller?.key
    // A model the key may not use is answered as OpenAI answers a model an account has no access to.
    if (!model || (key && !modelAllowed(key, id, model))) throw withDetails(new errors.ModelNotFound(id), { param: 'model' })
    return withAnthropicFields(model)
  })
}

export default modelRoutes
