// Secrets at rest without a store: encryption, tamper detection, keyed digests, random tokens, the decrypt cache.
import t from 'tap'
import { createDecryptCache, createSecretBox, randomToken, sameDigest } from '../../src/store/crypto.ts'

const box = createSecretBox('test-app-secret-0123456789abcdef')
const other = createSecretBox('another-secret-0123456789')

t.test('encrypt and decrypt round-trip, with a fresh IV each time', async (t) => {
  const sealed = box.encrypt('puter-token-SECRET')
  t.match(sealed, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'v1.<iv>.<tag>.<ciphertext>')
  t.notOk(sealed.includes('SECRET'))
  t.equal(box.decrypt(sealed), 'puter-token-SECRET')
  t.not(box.encrypt('puter-token-SECRET'), sealed, 'the same plaintext seals differently each time')
  t.equal(box.decrypt(box.encrypt('')), '', 'the empty string too')
})

t.test('tampered, foreign or malformed sealed values do not decrypt', async (t) => {
  const sealed = box.encrypt('puter-token-SECRET')
  const [v, iv, tag, body] = sealed.split('.')
  const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)
  const cases: Array<[string, () => string]> = [
    ['ciphertext changed', () => box.decrypt([v, iv, tag, flip(body)].join('.'))],
    ['tag changed', () => box.decrypt([v, iv, flip(tag), body].join('.'))],
    ['iv changed', () => box.decrypt([v, flip(iv), tag, body].join('.'))],
    ['another APP_SECRET', () => other.decrypt(sealed)],
    ['unknown version', () => box.decrypt(['v2', iv, tag, body].join('.'))],
    ['missing parts', () => box.decrypt('v1.abc')]
  ]
  for (const [name, run] of cases) t.throws(run, name)
})

t.test('digests are deterministic, keyed by APP_SECRET, and compared in constant time', async (t) => {
  t.equal(box.digest('sk-abc'), box.digest('sk-abc'))
  t.not(box.digest('sk-abc'), box.digest('sk-abd'))
  t.not(box.digest('sk-abc'), other.digest('sk-abc'), 'another secret gives another digest')
  t.match(box.digest('sk-abc'), /^[A-Za-z0-9_-]{43}$/, 'HMAC-SHA256 in base64url')
  t.ok(sameDigest(box.digest('x'), box.digest('x')))
  t.notOk(sameDigest(box.digest('x'), box.digest('y')))
  t.notOk(sameDigest('abc', 'abcd'), 'different lengths never match')
})

t.test('random tokens are URL-safe with the entropy asked for', async (t) => {
  t.match(randomToken(36), /^[A-Za-z0-9_-]{48}$/)
  t.not(randomToken(16), randomToken(16))
})

t.test('the decrypt cache decrypts once per sealed value, follows a new one and forgets on request', async (t) => {
  let decryptions = 0
  const counting = { ...box, decrypt: (s: string) => { decryptions++; return box.decrypt(s) } }
  const cached = createDecryptCache(counting)
  const first = box.encrypt('token-1')
  t.equal(cached.get('u-1', first), 'token-1')
  t.equal(cached.get('u-1', first), 'token-1')
  t.equal(decryptions, 1, 'decrypted once for two reads')
  t.equal(cached.get('u-1', box.encrypt('token-2')), 'token-2', 'a new sealed value under the same name is decrypted')
  t.equal(cached.get('u-2', first), 'token-1', 'names are separate')
  t.equal(decryptions, 3)
  cached.forget('u-2')
  t.equal(cached.get('u-2', first), 'token-1')
  t.equal(decryptions, 4, 'a forgotten name is decrypted again')
})
