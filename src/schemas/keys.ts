// Schemas of the key management routes.
import { Type } from './common.ts'

export const KeyIdParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The key id (key_...)' })
})

export const CreateKeyBodySchema = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 100, description: 'A label to recognise the key by' }))
}, { additionalProperties: false, description: 'Options for the new key; an empty body (or none) is `{}`. Unknown fields are refused, so a misspelt option is not silently ignored' })

const KeyFields = {
  id: Type.String({ description: 'Key id, used in the URLs below' }),
  name: Type.String({ description: 'The label given at creation' }),
  preview: Type.String({ description: 'First and last characters of the key, e.g. sk-6fA2…9xQe' }),
  createdAt: Type.String({ format: 'date-time', description: 'When the key was created' })
}

export const CreatedKeySchema = Type.Object({
  ...KeyFields,
  key: Type.String({ description: 'The full secret key (sk-...). Shown here; again later only if revealable' }),
  hasSecret: Type.Boolean({ description: 'Whether the key can be revealed again later (KEY_REVEAL)' })
})

export const KeySummarySchema = Type.Object({
  ...KeyFields,
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Last time the key authenticated a request' }),
  requestCount: Type.Integer({ description: 'Requests authenticated with the key' }),
  hasSecret: Type.Boolean({ description: 'Whether the key can be revealed again' })
})

export const KeyListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(KeySummarySchema, { description: 'Your keys, newest first; never their secrets' })
})

export const RevealedKeySchema = Type.Object({
  id: Type.String({ description: 'Key id' }),
  key: Type.String({ description: 'The full secret key' })
})

export const DeletedKeySchema = Type.Object({
  id: Type.String({ description: 'Key id' }),
  deleted: Type.Literal(true, { description: 'The key no longer authenticates anything' })
})
