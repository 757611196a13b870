import { rpmScheme } from '../../../src/version/rpm.js'

/*
 * RPM EVRs for the law suite and the rpm oracle: epochs (with leading zeros, large), versions and releases of
 * digit and letter segments (upper and lower case) joined by `.`, `_`, `+` or nothing, with `~` and `^`, digit
 * runs with leading zeros and far past 2^64, and distro-style releases (`1.el9_2`, `0.rc1.fc39`).
 */

type Rng = () => number

const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T

const WORDS = ['a', 'b', 'z', 'A', 'Z', 'rc', 'beta', 'el', 'fc', 'git', 'post', 'p', 'GA', 'svn', 'xyz']
const RELEASES = ['1', '0', '1.el9', '1.el9_2', '0.rc1.fc39', '2.module+el8.9.0+123+abcdef', '3ubuntu1', '1~bootstrap']

function digits(r: Rng): string {
  const k = r()
  if (k < 0.55) return String(int(r, 0, 12))
  if (k < 0.75) return String(int(r, 0, 99999))
  if (k < 0.87) return '0'.repeat(int(r, 1, 4)) + String(int(r, 0, 99))
  let s = String(int(r, 1, 9))
  const n = int(r, 9, 40)
  for (let i = 0; i < n; i++) s += String(int(r, 0, 9))
  return s
}

function part(r: Rng): string {
  let s = r() < 0.85 ? digits(r) : pick(r, WORDS)
  let lastDigit = /[0-9]$/.test(s)
  const n = int(r, 0, 5)
  for (let i = 0; i < n; i++) {
    const sep = pick(r, ['.', '.', '.', '_', '+', '~', '^', ''])
    // With no separator, a digit run must follow letters and letters a digit run, or they would merge.
    const useDigits = sep === '' ? !lastDigit : r() < 0.6
    s += sep + (useDigits ? digits(r) : pick(r, WORDS))
    lastDigit = useDigits
  }
  if (r() < 0.06) s += pick(r, ['~', '^', '.', '+', '~~'])
  return s
}

/** One valid plain version (no epoch, no release): what rpmvercmp itself compares. */
export function plain(r: Rng): string {
  const s = part(r)
  return s.length <= 256 ? s : s.slice(0, 200)
}

/** One valid EVR. */
export function one(r: Rng): string {
  const k = r()
  const epoch = k < 0.6 ? '' : k < 0.8 ? `${int(r, 0, 9)}:` : k < 0.9 ? `0${int(r, 0, 3)}:` : `${digits(r)}:`
  const release = r() < 0.35 ? '' : `-${r() < 0.3 ? pick(r, RELEASES) : part(r)}`
  const s = `${epoch}${part(r)}${release}`
  return s.length <= 256 ? s : s.slice(0, 200).replace(/[-:]+$/, '')
}

const EDIT_ALPHABET = '0123456789azAZ._+~^'

/** A small edit that keeps the string a valid version (and, for plain ones, free of `:` and `-`). */
export function near(r: Rng, s: string, evr: boolean): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const k = r()
    const at = int(r, 0, s.length)
    let t: string
    if (k < 0.3) t = s.slice(0, at) + pick(r, [...EDIT_ALPHABET]) + s.slice(at)
    else if (k < 0.5) t = s.slice(0, at) + s.slice(at + 1)
    else if (k < 0.7) t = s.slice(0, at) + pick(r, [...EDIT_ALPHABET]) + s.slice(at + 1)
    else if (k < 0.8) t = s.replace(/(^|[^0-9])([0-9])/, `$1${'0'.repeat(int(r, 1, 3))}$2`)
    else if (k < 0.9) t = s + pick(r, ['~', '~1', '^1', '^', '.0', '0', 'a', '.a', '_1', '+'])
    else if (!evr) t = s.replace(/[._+]/, pick(r, ['.', '_', '+', '']))
    else if (k < 0.95) t = s.includes('-') ? s.replace(/-.*$/, '') : `${s}-${pick(r, RELEASES)}`
    else t = /^[0-9]+:/.test(s) ? s.replace(/^[0-9]+:/, r() < 0.5 ? '' : '0:') : `${int(r, 0, 2)}:${s}`
    if (t.length === 0 || t.length > 256) continue
    if (!evr && /[-:]/.test(t)) continue
    if (rpmScheme.parse(t).ok) return t
  }
  return s
}

export function samples(r: Rng, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(r() < 0.3 && out.length > 0 ? near(r, pick(r, out), true) : one(r))
  return out
}

/** Pairs for the oracle: independent, near variants of each other, and equal strings. */
export function pairs(r: Rng, n: number, evr: boolean): Array<[string, string]> {
  const gen = evr ? one : plain
  const out: Array<[string, string]> = []
  for (let i = 0; i < n; i++) {
    const a = gen(r)
    const k = r()
    let b: string
    if (k < 0.25) b = gen(r)
    else if (k < 0.3) b = a
    else {
      b = near(r, a, evr)
      if (r() < 0.4) b = near(r, b, evr)
    }
    out.push(r() < 0.5 ? [a, b] : [b, a])
  }
  return out
}
