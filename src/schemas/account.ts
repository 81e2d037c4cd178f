// Schemas of the signed-in user's own account actions: revoke every key, delete everything stored about them.
import { Type } from './common.ts'

export const RevokeAllKeysResponseSchema = Type.Object({
  revoked: Type.Integer({ minimum: 0, description: 'How many keys were revoked; each stopped at once, its open streams included' })
})

export const DeleteAccountBodySchema = Type.Object({
  confirm: Type.String({ maxLength: 200, description: 'Your Puter username, typed out to confirm' })
}, { description: 'Confirmation that the data is to be deleted' })

export const DeleteAccountResponseSchema = Type.Object({
  deleted: Type.Literal(true, { description: 'Your user record, stored Puter token, keys (with their usage) and sessions are gone; the cookie is cleared' })
})
