// Types for what the page finds on window: the puter.js global (the little of it the dashboard uses) and its start-up
// switches, and the Chart.js global (its UMD build, typed by the chart.js package itself).

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

/** Chart.js's constructor, as its UMD build (/vendor/chart.umd.min.js) defines it on window. */
type ChartConstructor = typeof import('chart.js').Chart

interface Window {
  puter?: Puter
  /** Chart.js, once usage.js has loaded /vendor/chart.umd.min.js (the Usage tab). */
  Chart?: ChartConstructor
  /** Read by puter.js when it starts: skip the console banner. */
  PUTER_QUIET?: boolean
  /** Read by puter.js when it starts: do not open the file-system socket. */
  puter_socket_enabled?: boolean
}
