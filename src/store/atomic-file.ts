// Crash-safe file replacement: write a 0600 temp file in the same folder, fsync it, rename it over the target, fsync the folder.
import { open, rename, unlink, mkdir } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'

export type AtomicWriter = (file: string, data: string) => Promise<void>

export const writeFileAtomic: AtomicWriter = async (file, data) => {
  const dir = dirname(file)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(tmp, 'wx', 0o600)
    try {
      await handle.writeFile(data, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, file)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  // Make the rename itself durable; some file systems refuse fsync on a directory, which is harmless.
  const dirHandle = await open(dir, 'r')
  try {
    await dirHandle.sync().catch(() => {})
  } finally {
    await dirHandle.close()
  }
}
