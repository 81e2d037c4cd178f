// Shared schema atoms; Type and Static are imported from here across the app.
import { Type, type Static } from '@sinclair/typebox'

export { Type, type Static }

export const ErrorResponseSchema = Type.Object({
  error: Type.Object({
    message: Type.String({ description: 'Human-readable explanation' }),
    type: Type.String({ description: 'Error category, as in OpenAI\'s API (invalid_request_error, authentication_error, ...)' }),
    param: Type.Union([Type.String(), Type.Null()], { description: 'The request field at fault, if any' }),
    code: Type.Union([Type.String(), Type.Null()], { description: 'Machine-readable error code' })
  }, { description: 'Error details' })
}, { $id: 'ErrorResponse', description: "An error, in OpenAI's shape" })

/** The same error schema for each listed status, for a route's `response`. */
export function errorResponses (...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref(ErrorResponseSchema)]))
}

export const HealthSchema = Type.Object({
  status: Type.Literal('ok', { description: 'The store is loaded and the server accepts requests' })
})

export const ReadySchema = Type.Object({
  status: Type.Literal('ready', { description: 'Send requests here' }),
  store: Type.Literal('ok', { description: 'The store answered (with a database: a SELECT 1 through the pool)' })
}, { description: 'Ready for traffic' })

export const NotReadySchema = Type.Object({
  status: Type.Union([Type.Literal('unavailable'), Type.Literal('draining')], { description: 'unavailable: the store did not answer; draining: the server is shutting down' }),
  store: Type.Optional(Type.Union([Type.Literal('error'), Type.Literal('timeout')], { description: 'Why the store check failed (details are in the log)' }))
}, { description: 'Do not send requests here now' })

export type ErrorResponse = Static<typeof ErrorResponseSchema>
