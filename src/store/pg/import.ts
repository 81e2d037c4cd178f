// `npm run store:import -- data/api-store.json`: copies a JSON store into the empty database of DATABASE_URL, with the
// APP_SECRET it was written with (APP_SECRET, or the app-secret.key beside the file, as the server finds it).
import { readFile, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { loadConfig } from '../../config.ts'
import { createSecretBox } from '../crypto.ts'
import { loadDocument } from '../json/document.ts'
import { lockDataFile } from '../json/lock.ts'
import { verifyAppSecret } from '../secret-check.ts'
import { createPool, describeDatabase } from './db.ts'
import { importJsonStore } from './import-json.ts'

/** APP_SECRET, or the secret the server generated beside the data file when it was unset; never a new one. */
async function appSecret (configured: string | undefined, file: string): Promise<string> {
  if (configured) return configured
  const beside = join(dirname(resolve(file)), 'app-secret.key')
  try {
    return (await readFile(beside, 'utf8')).trim()
  } catch {
    throw new Error(`APP_SECRET is not set and there is no ${beside}: set APP_SECRET to the secret ${file} was written with`)
  }
}

async function main (args: string[]): Promise<number> {
  const [file] = args
  if (!file || args.length > 1) {
    console.error('Usage: npm run store:import -- <path to the JSON data file, e.g. data/api-store.json>')
    return 2
  }
  const config = loadConfig({}, true)
  if (!config.DATABASE_URL) {
    console.error('DATABASE_URL is not set: set it to the (empty) PostgreSQL database to import into')
    return 2
  }
  await stat(file).catch(() => { throw new Error(`No such data file: ${file}`) })
  const box = createSecretBox(await appSecret(config.APP_SECRET, file))
  // The file's lock: a server still running on it would keep writing after the copy.
  const unlock = await lockDataFile(file, { onCompromised: () => {} })
  const where = describeDatabase(config.DATABASE_URL)
  const ssl = config.DATABASE_SSL === 'off' ? undefined : { rejectUnauthorized: config.DATABASE_SSL === 'verify-full' }
  const pool = createPool({ connectionString: config.DATABASE_URL, poolMax: 1, ssl, queryTimeoutMs: 600_000 })
  try {
    const doc = await loadDocument(file)
    verifyAppSecret(box, `The data file ${file}`, {
      check: doc.secretCheck,
      sealed: [...Object.values(doc.users).map((u) => u.token), ...Object.values(doc.keys).flatMap((k) => k.secret ?? [])]
    })
    const result = await importJsonStore(pool, doc, box, where)
    if (result.status === 'already-imported') {
      console.log(`${where} already holds this import of ${file}: nothing was changed.`)
    } else {
      const { users, sessions, keys, usageRows, auditEntries } = result
      console.log(`Imported ${file} into ${where}: ${users} users, ${keys} keys, ${sessions} sessions, ${usageRows} usage rows, ${auditEntries} audit entries.`)
    }
    return 0
  } finally {
    await pool.end().catch(() => {})
    await unlock().catch(() => {})
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err) => {
  console.error(`Import failed, nothing was imported: ${err?.message ?? err}`)
  process.exitCode = 1
})
