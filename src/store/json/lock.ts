// One process per data file: an exclusive lock taken at start, so two processes never overwrite each other's writes.
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import lockfile from 'proper-lockfile'
import { errors } from '../../errors.ts'

// Why proper-lockfile: its lock is a `<file>.lock` directory made with mkdir (atomic on every file system, NFS
// included) and kept fresh by touching its mtime; a lock not touched for `staleMs` belongs to a process that died
// (SIGKILL, OOM, power loss) and is taken over. A pid-file lock cannot tell that across containers sharing a volume
// (each has its own pid namespace, so a live owner looks dead), which is exactly the set-up this lock must catch.

// Short enough that waiting for a dead owner's lock (below) ends well within Fastify's 10 s plugin timeout; long
// enough that only a process stalled for 5 s (its refresh runs every 2.5 s) could lose its lock to a rival.
const DEFAULT_LOCK_STALE_MS = 5000
const RETRY_EVERY_MS = 500

interface LockOptions {
  /** How long an untouched lock is held to be a dead process's (proper-lockfile's minimum is 2 s). */
  staleMs?: number
  /** Called once when the lock is held at the first try, before waiting for it to go stale. */
  onBusy?: () => void
  /** The lock was lost while held (its directory removed, or not refreshed in time). */
  onCompromised: (err: Error) => void
}

/** Takes the lock on `file`, waiting until a dead owner's lock goes stale; resolves to the function that releases it. */
export async function lockDataFile (file: string, opts: LockOptions): Promise<() => Promise<void>> {
  const path = resolve(file)
  const staleMs = Math.max(opts.staleMs ?? DEFAULT_LOCK_STALE_MS, 2000)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const options = {
    // The data file need not exist yet, so its path is not resolved through the file system.
    realpath: false,
    stale: staleMs,
    onCompromised: opts.onCompromised
  }
  try {
    return await lockfile.lock(path, options)
  } catch (err: any) {
    if (err?.code !== 'ELOCKED') throw cannotLock(path, err)
  }
  opts.onBusy?.()
  try {
    // Retry long enough for the lock of a process killed just now to go stale: a restart by a supervisor waits
    // instead of failing (and being given up on); a live owner keeps its lock fresh, so its rival is refused.
    return await lockfile.lock(path, {
      ...options,
      retries: { retries: Math.ceil(staleMs / RETRY_EVERY_MS) + 2, factor: 1, minTimeout: RETRY_EVERY_MS, maxTimeout: RETRY_EVERY_MS }
    })
  } catch (err: any) {
    if (err?.code !== 'ELOCKED') throw cannotLock(path, err)
    throw new errors.StoreLoadFailed(
      `Data file ${path} is in use by another process (it holds ${path}.lock). The JSON store serves one process per ` +
      'data file: stop the other process or give this one its own DATA_FILE. To run several instances on the same ' +
      'data, use the PostgreSQL store (DATABASE_URL) once it is available.',
      { cause: err })
  }
}

function cannotLock (path: string, err: any) {
  return new errors.StoreLoadFailed(`Cannot lock data file ${path}: ${err?.code ?? err?.message}`, { cause: err })
}
