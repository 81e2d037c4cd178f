// Types for what the page finds on window: the puter.js global (the little of it the dashboard uses) and its start-up switches.

/** What puter.auth.signIn() resolves with. */
interface PuterSignInResult {
  success?: boolean
  token?: string
  username?: string
}

/** The puter.js global: only its sign-in is used. */
interface Puter {
  authToken?: string | null
  auth: {
    /** Opens Puter's sign-in popup; rejects with `{ error, msg }` (e.g. error 'popup_blocked'). */
    signIn(): Promise<PuterSignInResult>
    signOut?(): void
    isSignedIn?(): boolean
  }
}

interface Window {
  puter?: Puter
  /** Read by puter.js when it starts: skip the console banner. */
  PUTER_QUIET?: boolean
  /** Read by puter.js when it starts: do not open the file-system socket. */
  puter_socket_enabled?: boolean
}
