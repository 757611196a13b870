import { debScheme } from '../../../src/version/deb.js'

/*
 * Debian versions for the law suite and the dpkg oracle: epochs (with leading zeros, up to INT_MAX), upstream
 * versions that start with a digit and mix digits, letters, `.`, `+`, `~`, `-` and (after an epoch) `:`,
 * revisions with and without a `-`, digit runs with leading zeros and runs far past 2^53 and 2^64.
 */

type Rng = () => number

const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T

const WORDS = [
  'a',
  'b',
  'z',
  'A',
  'Z',
  'rc',
  'beta',
  'dfsg',
  'svn',
  'git',
  'GA',
  'nmu',
  'deb',
  'ubuntu',
  'bpo',
  'really',
]

export interface DebGenOptions {
  /** Digit runs worth 2^64 or more (Dpkg::Version compares those as doubles; dpkg itself exactly). */
  huge?: boolean
}

function digits(r: Rng, opts: DebGenOptions): string {
  const k = r()
  if (k < 0.5) return String(int(r, 0, 12))
  if (k < 0.7) return String(int(r, 0, 99999))
  if (k < 0.82) return '0'.repeat(int(r, 1, 4)) + String(int(r, 0, 99))
  if (k < 0.94 || !opts.huge) {
    // 10 to 19 significant digits: past 2^53, still below 2^64.
    let s = String(int(r, 1, 9))
    const n = int(r, 9, 18)
    for (let i = 0; i < n; i++) s += String(int(r, 0, 9))
    return r() < 0.2 ? `00${s}` : s
  }
  let s = String(int(r, 1, 9))
  const n = int(r, 20, 40)
  for (let i = 0; i < n; i++) s += String(int(r, 0, 9))
  return s
}

function piece(r: Rng, opts: DebGenOptions, seps: readonly string[]): string {
  const sep = pick(r, seps)
  // Without a separator only a word may follow, or two digit runs would merge into one.
  const body = r() < 0.6 && sep !== '' ? digits(r, opts) : pick(r, WORDS)
  return sep + body
}

function upstream(r: Rng, opts: DebGenOptions, hyphen: boolean, colon: boolean): string {
  const seps = ['.', '.', '.', '+', '~', '', ...(hyphen ? ['-'] : []), ...(colon ? [':'] : [])]
  let s = digits(r, opts)
  const n = int(r, 0, 5)
  for (let i = 0; i < n; i++) s += piece(r, opts, seps)
  if (r() < 0.08) s += pick(r, ['~', '+', '.', '~~'])
  return s
}

function revision(r: Rng, opts: DebGenOptions): string {
  const k = r()
  if (k < 0.3) return String(int(r, 0, 12))
  if (k < 0.4) return pick(r, ['0ubuntu1', '1+deb12u1', '2~bpo11+1', '1build1', '0.1', '~', 'a', '1~', '00'])
  let s = r() < 0.7 ? digits(r, opts) : pick(r, WORDS)
  const n = int(r, 0, 3)
  for (let i = 0; i < n; i++) s += piece(r, opts, ['.', '+', '~', ''])
  return s
}

function epoch(r: Rng): string {
  const k = r()
  if (k < 0.65) return ''
  if (k < 0.85) return `${int(r, 0, 9)}:`
  if (k < 0.93) return `0${int(r, 0, 3)}:`
  return `${pick(r, [2147483647, 2147483646, 1000000, 65535])}:`
}

/** One valid Debian version. */
export function one(r: Rng, opts: DebGenOptions = { huge: true }): string {
  const e = epoch(r)
  const hasRev = r() < 0.6
  const u = upstream(r, opts, hasRev, e !== '')
  const s = hasRev ? `${e}${u}-${revision(r, opts)}` : `${e}${u}`
  return s.length <= 256 ? s : s.slice(0, 200).replace(/[^0-9]+$/, '')
}

const EDIT_ALPHABET = '0123456789abzAZ.+~-:'

const TWO_POW_64 = 2n ** 64n

/** Whether some digit run is worth 2^64 or more (leading zeros aside): past what Perl compares exactly. */
export function hasHugeNumber(s: string): boolean {
  for (const run of s.match(/[0-9]+/g) ?? []) {
    const sig = run.replace(/^0+/, '')
    if (sig.length > 20 || (sig.length === 20 && BigInt(sig) >= TWO_POW_64)) return true
  }
  return false
}

/** A small edit of a valid version that is still valid: the pairs that decide deep inside the string. */
export function near(r: Rng, s: string, opts: DebGenOptions = { huge: true }): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const k = r()
    let t: string
    const at = int(r, 0, s.length)
    if (k < 0.3) t = s.slice(0, at) + pick(r, [...EDIT_ALPHABET]) + s.slice(at)
    else if (k < 0.5) t = s.slice(0, at) + s.slice(at + 1)
    else if (k < 0.7) t = s.slice(0, at) + pick(r, [...EDIT_ALPHABET]) + s.slice(at + 1)
    else if (k < 0.8) t = s.replace(/(^|[^0-9])([0-9])/, `$1${'0'.repeat(int(r, 1, 3))}$2`)
    else if (k < 0.9) t = s + pick(r, ['~', '~1', '+1', '.0', '0', 'a', '-1', '-0', '~rc1'])
    else t = r() < 0.5 ? `0:${s.replace(/^[0-9]+:/, '')}` : s.replace(/^([0-9]+):/, '')
    if (t.length === 0 || t.length > 256 || (!opts.huge && hasHugeNumber(t))) continue
    if (debScheme.parse(t).ok) return t
  }
  return s
}

export function samples(r: Rng, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(r() < 0.3 && out.length > 0 ? near(r, pick(r, out)) : one(r))
  return out
}

/** Pairs for the oracle: independent versions, near variants of each other, and equal strings. */
export function pairs(r: Rng, n: number, opts: DebGenOptions): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (let i = 0; i < n; i++) {
    const a = one(r, opts)
    const k = r()
    let b: string
    if (k < 0.25) b = one(r, opts)
    else if (k < 0.3) b = a
    else {
      b = near(r, a, opts)
      if (r() < 0.4) b = near(r, b, opts)
    }
    out.push(r() < 0.5 ? [a, b] : [b, a])
  }
  return out
}
