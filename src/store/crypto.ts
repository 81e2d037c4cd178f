// Secrets at rest: AES-256-GCM for reversible secrets, HMAC-SHA256 digests for look-ups, both keyed from APP_SECRET.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

const VERSION = 'v1'

export interface SecretBox {
  /** Encrypts a UTF-8 string; the output is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  encrypt (plain: string): string
  /** Decrypts what encrypt() produced; throws when the data was tampered with or the secret changed. */
  decrypt (sealed: string): string
  /** Keyed digest used to find API keys and sessions without storing them. */
  digest (value: string): string
}

export function createSecretBox (appSecret: string): SecretBox {
  const ikm = Buffer.from(appSecret, 'utf8')
  const salt = Buffer.from('puter-api-key-studio', 'utf8')
  const encKey = Buffer.from(hkdfSync('sha256', ikm, salt, 'encryption/v1', 32))
  const macKey = Buffer.from(hkdfSync('sha256', ikm, salt, 'lookup-digest/v1', 32))

  return {
    encrypt (plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', encKey, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.')
    },
    decrypt (sealed) {
      const [version, iv, tag, body] = sealed.split('.')
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('Unrecognised encrypted value')
      const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
    },
    digest (value) {
      return createHmac('sha256', macKey).update(value, 'utf8').digest('base64url')
    }
  }
}

/** Constant-time comparison of two digests. */
export function sameDigest (a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

/** A random token over the URL-safe base64 alphabet with `bytes` bytes of entropy. */
export function randomToken (bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

/**
 * Decrypts a sealed value once and keeps the plaintext under a name (a user id) for reads on every request; a new
 * sealed value under the same name (a new sign-in) replaces it, and forget() drops it (a deleted user).
 */
export function createDecryptCache (box: SecretBox) {
  const cache = new Map<string, { sealed: string, plain: string }>()
  return {
    get (name: string, sealed: string): string {
      const cached = cache.get(name)
      if (cached?.sealed === sealed) return cached.plain
      const plain = box.decrypt(sealed)
      cache.set(name, { sealed, plain })
      return plain
    },
    forget (name: string) {
      cache.delete(name)
    }
  }
}
