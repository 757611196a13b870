import { type Ordering, type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'

/**
 * An RPM EVR, `[epoch:]version[-release]`, ordered as rpm 4.18 orders it: `rpmverCmp` (rpmio/rpmver.c) over
 * `rpmvercmp` (rpmio/rpmvercmp.c) for each part.
 */
export interface RpmVersion {
  /** Digits without leading zeros; undefined when the string had none (rpm then compares it as "0"). */
  readonly epoch: string | undefined
  readonly version: string
  /** undefined when the string had no `-release`. */
  readonly release: string | undefined
}

const TILDE = 126
const CARET = 94

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}

/** rpmvercmp skips everything that is not an ASCII letter or digit, `~` or `^`: those only separate segments. */
function isSeparator(c: number): boolean {
  return !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET
}

/**
 * rpm's `rpmvercmp` on one part (epoch, version or release), character for character:
 * - segments are maximal runs of digits or of letters; every other character (`.`, `_`, `+`) only separates,
 *   so `2.0` == `2_0` and `1.0.` == `1.0`;
 * - `~` sorts before everything, even the end of the string: `1.0~rc1` < `1.0`;
 * - `^` sorts after the end of the string but before anything else: `1.0` < `1.0^git1` < `1.0.1`;
 * - a numeric segment is newer than an alphabetic one (bugzilla #50977), so `1.0` > `1.a`;
 * - numbers compare by value of any length (leading zeros dropped, then more digits wins, then strcmp);
 *   letters compare by strcmp, so `Z` < `a`;
 * - when all segments tie, whichever string still has characters left is newer: `1.0` < `1.0a`.
 */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0
  const la = a.length
  const lb = b.length
  let i = 0
  let j = 0
  while (i < la || j < lb) {
    while (i < la && isSeparator(a.charCodeAt(i))) i++
    while (j < lb && isSeparator(b.charCodeAt(j))) j++
    const ca = i < la ? a.charCodeAt(i) : 0
    const cb = j < lb ? b.charCodeAt(j) : 0
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1
      if (cb !== TILDE) return -1
      i++
      j++
      continue
    }
    if (ca === CARET || cb === CARET) {
      // The caret is a tilde that sorts after the base version: if one side has ended, the other is newer.
      if (i >= la) return -1
      if (j >= lb) return 1
      if (ca !== CARET) return 1
      if (cb !== CARET) return -1
      i++
      j++
      continue
    }
    if (i >= la || j >= lb) break
    let ei = i
    let ej = j
    const isnum = isDigit(ca)
    if (isnum) {
      while (ei < la && isDigit(a.charCodeAt(ei))) ei++
      while (ej < lb && isDigit(b.charCodeAt(ej))) ej++
    } else {
      while (ei < la && isAlpha(a.charCodeAt(ei))) ei++
      while (ej < lb && isAlpha(b.charCodeAt(ej))) ej++
    }
    // Segments of different kinds: the numeric one is newer.
    if (ej === j) return isnum ? 1 : -1
    let si = i
    let sj = j
    if (isnum) {
      while (si < ei && a.charCodeAt(si) === 48) si++
      while (sj < ej && b.charCodeAt(sj) === 48) sj++
      const la2 = ei - si
      const lb2 = ej - sj
      if (la2 !== lb2) return la2 > lb2 ? 1 : -1
    }
    const sa = a.slice(si, ei)
    const sb = b.slice(sj, ej)
    if (sa !== sb) return sa < sb ? -1 : 1
    i = ei
    j = ej
  }
  if (i >= la && j >= lb) return 0
  return i >= la ? -1 : 1
}

/** rpmver.c's compare_values: a missing part is older than any present one (`1.0` < `1.0-0` < `1.0-1`). */
function compareValues(a: string | undefined, b: string | undefined): Ordering {
  if (a === undefined) return b === undefined ? 0 : -1
  if (b === undefined) return 1
  return rpmvercmp(a, b)
}

/** What rpmbuild allows in Version and Release (WHITELIST_VERREL "._+%{}~^", less the macro characters). */
const PART = /^[A-Za-z0-9._+~^]+$/
const HAS_ALNUM = /[A-Za-z0-9]/

function parse(input: string): ParseResult<RpmVersion> {
  const pre = precheck('rpm', input)
  if (pre) return { ok: false, error: pre }
  const fail = (reason: string) => parseError('rpm', input, reason)
  let rest = input
  let epoch: string | undefined
  const colon = input.indexOf(':')
  if (colon >= 0) {
    // rpm's parseEVR: the epoch is the run of digits before the first colon.
    const e = input.slice(0, colon)
    if (e === '') return fail('empty epoch before ":"')
    if (!/^[0-9]+$/.test(e)) return fail(`epoch ${JSON.stringify(e)} is not a number`)
    epoch = e.replace(/^0+(?=.)/, '')
    rest = input.slice(colon + 1)
    if (rest === '') return fail('nothing after the epoch colon')
  }
  const parts = rest.split('-')
  // rpmbuild refuses '-' inside Version and Release, so there is at most one: the one before the release.
  if (parts.length > 2) return fail('more than one "-" (rpm versions and releases cannot contain "-")')
  const [version = '', release] = parts
  for (const [what, part] of [
    ['version', version],
    ['release', release],
  ] as const) {
    if (part === undefined) continue
    if (part === '') return fail(`empty ${what}`)
    if (!PART.test(part)) {
      const bad = [...part].find((ch) => !PART.test(ch)) ?? '?'
      return fail(`illegal character ${JSON.stringify(bad)} in the ${what} (allowed: letters, digits and . _ + ~ ^)`)
    }
    if (!HAS_ALNUM.test(part)) return fail(`${what} ${JSON.stringify(part)} has no letter or digit`)
  }
  return { ok: true, value: { epoch, version, release } }
}

/**
 * rpmverCmp: epochs (a missing one is "0", so `1.0` == `0:1.0`), then versions, then releases, each with
 * rpmvercmp; a version without a release sorts before the same version with any release.
 */
function compare(a: RpmVersion, b: RpmVersion): Ordering {
  const e = rpmvercmp(a.epoch ?? '0', b.epoch ?? '0')
  if (e !== 0) return e
  const v = rpmvercmp(a.version, b.version)
  if (v !== 0) return v
  return compareValues(a.release, b.release)
}

function format(v: RpmVersion): string {
  const epoch = v.epoch !== undefined && v.epoch !== '0' ? `${v.epoch}:` : ''
  return `${epoch}${v.version}${v.release === undefined ? '' : `-${v.release}`}`
}

export const rpmScheme: VersionScheme<RpmVersion> = {
  name: 'rpm',
  parse,
  compare,
  format,
}
