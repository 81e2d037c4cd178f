// Schemas of the admin view: every user with their activity, and disabling or re-enabling one. Never a token or key.
import { Type } from './common.ts'

export const UserUuidParamsSchema = Type.Object({
  uuid: Type.String({ minLength: 1, maxLength: 100, description: "The Puter account's uuid" })
})

const DateTime = (description: string) => Type.String({ format: 'date-time', description })
const NullableDateTime = (description: string) => Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description })
const Count = (description: string) => Type.Integer({ minimum: 0, description })

export const AdminUserSchema = Type.Object({
  uuid: Type.String({ description: "The Puter account's uuid" }),
  username: Type.String({ description: 'The Puter username at the last sign-in' }),
  isAdmin: Type.Boolean({ description: 'Named in ADMIN_PUTER_USERS (cannot be disabled)' }),
  disabledAt: NullableDateTime('When an administrator disabled the user; null while enabled'),
  createdAt: DateTime('First sign-in'),
  lastSignInAt: DateTime('Latest sign-in'),
  lastActiveAt: DateTime('Latest sign-in or key use'),
  lastUsedAt: NullableDateTime('When one of their keys last authenticated a request'),
  keyCount: Count('Keys the user holds'),
  sessionCount: Count('Dashboard sessions not yet expired'),
  requestCount: Count('Requests made with their keys, failed ones included'),
  errorCount: Count('Requests that failed'),
  inputTokens: Count('Input tokens Puter reported'),
  outputTokens: Count('Output tokens Puter reported')
}, { description: 'A user as administrators see them: activity and usage, never their Puter token or keys' })

export const AdminUserListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(AdminUserSchema, { description: 'Every user who signed in, by username' })
})
