import { type Ordering, type ParseResult, parseError, precheck, sign, type VersionScheme } from './scheme.js'

/**
 * A Debian package version, `[epoch:]upstream_version[-debian_revision]` (Debian Policy 5.6.12), ordered as
 * dpkg orders it (`lib/dpkg/version.c`: `dpkg_version_compare` → `verrevcmp`).
 */
export interface DebVersion {
  /** 0 when the string had no epoch: dpkg treats `1.0` and `0:1.0` as the same version. */
  readonly epoch: number
  readonly upstream: string
  /** undefined for a native package (no `-`); compares as the empty revision, as dpkg does. */
  readonly revision: string | undefined
}

/** dpkg parses the epoch with strtol and refuses anything above INT_MAX ("epoch in version is too big"). */
const MAX_EPOCH = 2147483647

/** Every character either dpkg (C) or Dpkg::Version (Perl) allows anywhere in a version string. */
const ALLOWED = /^[A-Za-z0-9.+~:-]*$/

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}

/**
 * dpkg's `order()`: the weight of one character in a non-digit run. `~` weighs less than the end of the string
 * (so `1.0~rc1` < `1.0`), the end and digits weigh 0, letters weigh their ASCII code, and every other character
 * weighs ASCII + 256, so that letters sort before punctuation (`1.0a` < `1.0+`).
 */
function order(s: string, i: number): number {
  if (i >= s.length) return 0
  const c = s.charCodeAt(i)
  if (isDigit(c)) return 0
  if (isAlpha(c)) return c
  if (c === 126 /* ~ */) return -1
  return c + 256
}

/**
 * dpkg's `verrevcmp` (lib/dpkg/version.c), on an upstream version or a revision: alternating non-digit runs,
 * compared character by character with `order()`, and digit runs, compared as numbers of any length (leading
 * zeros skipped, then the longer run wins, then the first differing digit), so 2^64 and beyond compare exactly.
 * Returns a negative, zero or positive number.
 */
export function verrevcmp(a: string, b: string): number {
  let i = 0
  let j = 0
  const la = a.length
  const lb = b.length
  while (i < la || j < lb) {
    let firstDiff = 0
    while ((i < la && !isDigit(a.charCodeAt(i))) || (j < lb && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a, i)
      const bc = order(b, j)
      if (ac !== bc) return ac - bc
      i++
      j++
    }
    while (a.charCodeAt(i) === 48) i++
    while (b.charCodeAt(j) === 48) j++
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j)
      i++
      j++
    }
    if (isDigit(a.charCodeAt(i))) return 1
    if (isDigit(b.charCodeAt(j))) return -1
    if (firstDiff !== 0) return firstDiff
  }
  return 0
}

function parse(input: string): ParseResult<DebVersion> {
  const pre = precheck('deb', input)
  if (pre) return { ok: false, error: pre }
  const fail = (reason: string) => parseError('deb', input, reason)
  if (!ALLOWED.test(input)) {
    const bad = [...input].find((ch) => !ALLOWED.test(ch)) ?? '?'
    // Dpkg::Version refuses these outright; dpkg only warns, and whitespace inside is an error there too.
    return fail(`illegal character ${JSON.stringify(bad)} (allowed: letters, digits and . + ~ - :)`)
  }
  let epoch = 0
  let rest = input
  // The epoch ends at the FIRST colon (dpkg's strchr, Perl's /^([^:]*):(.+)$/); later colons belong to the
  // upstream version, which Policy allowed when an epoch is present.
  const colon = input.indexOf(':')
  if (colon >= 0) {
    const e = input.slice(0, colon)
    if (e === '') return fail('empty epoch before ":"')
    if (!/^[0-9]+$/.test(e)) return fail(`epoch ${JSON.stringify(e)} is not a number`)
    const n = Number(e)
    if (n > MAX_EPOCH) return fail(`epoch ${e} is too big (dpkg allows at most ${MAX_EPOCH})`)
    epoch = n
    rest = input.slice(colon + 1)
    // `1.0:` is refused by dpkg ("epoch in version is not number"); `1:` by both dpkg and Perl.
    if (rest === '') return fail('nothing after the epoch colon')
  }
  // The revision starts after the LAST hyphen (dpkg's strrchr), so upstream versions may contain hyphens.
  const hyphen = rest.lastIndexOf('-')
  let upstream = rest
  let revision: string | undefined
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen)
    revision = rest.slice(hyphen + 1)
    if (revision === '') return fail('empty revision after "-"')
    // dpkg: "invalid character in revision number" (a colon is allowed in the upstream part only).
    if (revision.includes(':')) return fail('colon in the revision')
  }
  if (upstream === '') return fail('empty upstream version')
  // Policy: "The upstream_version must start with a digit"; Dpkg::Version refuses, dpkg warns.
  if (!isDigit(upstream.charCodeAt(0))) return fail('upstream version does not start with a digit')
  return { ok: true, value: { epoch, upstream, revision } }
}

function compare(a: DebVersion, b: DebVersion): Ordering {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1
  const u = verrevcmp(a.upstream, b.upstream)
  if (u !== 0) return sign(u)
  // A missing revision is the empty string in dpkg (and "0" in Perl; verrevcmp makes them equal).
  return sign(verrevcmp(a.revision ?? '', b.revision ?? ''))
}

function format(v: DebVersion): string {
  // Epoch 0 is dropped (`0:1.0` is `1.0` to dpkg) unless the upstream version holds a colon, which needs an
  // explicit epoch to be read back the same way.
  const epoch = v.epoch !== 0 || v.upstream.includes(':') ? `${v.epoch}:` : ''
  return `${epoch}${v.upstream}${v.revision === undefined ? '' : `-${v.revision}`}`
}

type DebOp = '<<' | '<=' | '=' | '>=' | '>>'

/**
 * dpkg's own relation syntax, `<< 1.0`, `>> 1.0` (also inside `,` / `||` lists, as in `>= 1.0, << 2.0`).
 * Only ranges that use `<<` or `>>` are taken here; everything else is the shared grammar's. dpkg's obsolete
 * `<` and `>` (which mean `<=` and `>=` there) are not guessed at: such a range is left to the shared grammar.
 */
function nativeSatisfies(version: DebVersion, range: string): boolean | undefined {
  if (!range.includes('<<') && !range.includes('>>')) return undefined
  let any = false
  for (const alt of range.split('||')) {
    let all = true
    for (const part of alt.split(',')) {
      const m = /^\s*(<<|<=|=|>=|>>)\s*([^\s<>=]+)\s*$/.exec(part)
      if (!m) return undefined
      const p = parse(m[2] as string)
      if (!p.ok) return undefined
      const c = compare(version, p.value)
      const op = m[1] as DebOp
      switch (op) {
        case '<<':
          all &&= c < 0
          break
        case '<=':
          all &&= c <= 0
          break
        case '=':
          all &&= c === 0
          break
        case '>=':
          all &&= c >= 0
          break
        case '>>':
          all &&= c > 0
          break
        default: {
          const never: never = op
          return never
        }
      }
    }
    any ||= all
  }
  return any
}

export const debScheme: VersionScheme<DebVersion> = {
  name: 'deb',
  parse,
  compare,
  format,
  nativeSatisfies,
}
