// GET /v1/models and /v1/models/{model}: the catalogue of Puter's chat models.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, errorResponses } from '../../schemas/common.ts'
import { ModelListSchema, ModelSchema } from '../../schemas/models.ts'
import { errors, withDetails } from '../../errors.ts'

const modelRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { models } = fastify
  const security = [{ bearerAuth: [] }]
  const tags = ['OpenAI']

  fastify.get('/models', {
    schema: {
      tags,
      security,
      summary: 'List models',
      description: "Puter's chat models, cached; each may carry context_length, max_output_tokens, pricing and aliases.",
      response: { 200: ModelListSchema, ...errorResponses(401, 429, 502, 504) }
    }
  }, async () => ({ object: 'list' as const, data: await models.list() }))

  fastify.get('/models/*', {
    schema: {
      tags,
      security,
      summary: 'Retrieve a model',
      description: 'Matches model ids and aliases, including ids with `/` and `:` (e.g. `openrouter:meta-llama/llama-3.3-70b-instruct`).',
      params: Type.Object({ '*': Type.String({ description: 'The model id or an alias' }) }),
      response: { 200: ModelSchema, ...errorResponses(401, 404, 429, 502, 504) }
    }
  }, async (request) => {
    const id = request.params['*']
    const model = await models.get(id)
    if (!model) throw withDetails(new errors.ModelNotFound(id), { param: 'model' })
    return model
  })
}

export default modelRoutes
