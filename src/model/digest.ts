import { createHash } from 'node:crypto'

/** A content digest `algorithm:hex`. Only `parseDigest` and `sha256Digest` make one. */
export type Digest = string & { readonly __brand: 'Digest' }

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s)
}

/** Returns the digest, or undefined when `s` is not a well-formed sha256/sha512 digest. */
export function parseDigest(s: unknown): Digest | undefined {
  return typeof s === 'string' && DIGEST_RE.test(s) ? (s as Digest) : undefined
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest
}

export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1)
}

export function digestAlgorithm(d: Digest): 'sha256' | 'sha512' {
  return d.startsWith('sha512:') ? 'sha512' : 'sha256'
}

export function shortDigest(d: Digest, n = 12): string {
  return digestHex(d).slice(0, n)
}
