// Schemas of the sign-in and session routes.
import { Type } from './common.ts'

export const SignInBodySchema = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 8192, description: 'A Puter auth token (from puter.auth.signIn() or a Puter API token)' })
}, { description: 'Puter token to exchange for a dashboard session' })

const UserSchema = Type.Object({
  uuid: Type.String({ description: "The Puter account's uuid" }),
  username: Type.String({ description: 'The Puter username' })
}, { description: 'The signed-in Puter user' })

const IsAdminSchema = Type.Boolean({ description: 'Whether ADMIN_PUTER_USERS names this user: the dashboard then shows the admin view' })

export const SignInResponseSchema = Type.Object({
  user: UserSchema,
  isAdmin: IsAdminSchema,
  expiresAt: Type.String({ format: 'date-time', description: 'When the new session ends' })
})

export const MeResponseSchema = Type.Object({
  user: UserSchema,
  isAdmin: IsAdminSchema,
  expiresAt: Type.String({ format: 'date-time', description: 'When the session ends' })
})

export const SignOutResponseSchema = Type.Object({
  signedOut: Type.Literal(true, { description: 'The session is deleted and the cookie cleared' })
})

export const SignOutEverywhereResponseSchema = Type.Object({
  signedOut: Type.Literal(true, { description: 'Every session of the user is deleted and this browser\'s cookie cleared' }),
  sessions: Type.Integer({ minimum: 0, description: 'How many sessions ended, this one included' })
})
