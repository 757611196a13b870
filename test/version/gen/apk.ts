/*
 * Alpine versions for the law suite: digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}, with leading
 * zeros (which switch apk to string comparison), every suffix, commit hashes, revisions, and numbers past
 * 2^53 and 2^64 (which apk-tools wraps at 2^64).
 */

type Rng = () => number

const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T

const SUFFIXES = ['alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p']

function digits(r: Rng): string {
  const k = r()
  if (k < 0.6) return String(int(r, 0, 12))
  if (k < 0.78) return String(int(r, 0, 99999))
  if (k < 0.9) return '0'.repeat(int(r, 1, 3)) + String(int(r, 0, 99))
  if (k < 0.97) return String(int(r, 20000101, 20251231)) + String(int(r, 100000, 235959))
  let s = String(int(r, 1, 9))
  const n = int(r, 18, 30)
  for (let i = 0; i < n; i++) s += String(int(r, 0, 9))
  return s
}

export function one(r: Rng): string {
  let s = digits(r)
  const n = int(r, 0, 4)
  for (let i = 0; i < n; i++) s += `.${digits(r)}`
  if (r() < 0.2) s += String.fromCharCode(int(r, 97, 122))
  const suffixes = r() < 0.35 ? int(r, 1, 2) : 0
  for (let i = 0; i < suffixes; i++) s += `_${pick(r, SUFFIXES)}${r() < 0.6 ? digits(r) : ''}`
  if (r() < 0.1) {
    let h = ''
    const len = int(r, 1, 12)
    for (let i = 0; i < len; i++) h += pick(r, [...'0123456789abcdef'])
    s += `~${h}`
  }
  if (r() < 0.6) s += `-r${r() < 0.8 ? int(r, 0, 12) : digits(r)}`
  return s.length <= 256 ? s : one(r)
}

/** Small edits that keep apk's grammar: a different number, letter, suffix or revision at one place. */
function near(r: Rng, s: string): string {
  const k = r()
  if (k < 0.3) return s.replace(/[0-9]+/, (m) => String(Number(m.slice(0, 6)) + int(r, -1, 1)).replace('-', ''))
  if (k < 0.5) return s.replace(/-r[0-9]+$/, '') || s
  if (k < 0.7) return s.replace(/_(alpha|beta|pre|rc|cvs|svn|git|hg|p)/, `_${pick(r, SUFFIXES)}`)
  if (k < 0.85) return s.replace(/^([0-9]+)/, `$1.${pick(r, ['0', '00', '1', '01'])}`)
  return s.replace(/^([0-9]+)/, (m) => `0${m}`)
}

export function samples(r: Rng, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(r() < 0.3 && out.length > 0 ? near(r, pick(r, out)) : one(r))
  return out
}
