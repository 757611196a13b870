import { type Ordering, type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'
import { compareDecimal, trimZeros } from './semver.js'

/**
 * A PEP 440 version, normalised as pypa/packaging's `Version` normalises it. Numbers are decimal strings without
 * leading zeros: Python's ints have no bound, and neither have these.
 */
export interface Pep440Version {
  epoch: string
  release: string[]
  pre?: { label: 'a' | 'b' | 'rc'; n: string }
  post?: string
  dev?: string
  /** Lowercased parts of the local label; numeric parts normalised (`01` → `1`). */
  local?: string[]
}

/**
 * packaging's VERSION_PATTERN (src/packaging/version.py), compiled as packaging compiles it: case-insensitive,
 * anchored at both ends. JavaScript's `i` flag without `u` folds ASCII only, so `[a-z]` does not take a non-ASCII
 * letter such as U+0130 (packaging's test_invalid_versions has "1.0+\u0130").
 */
const VERSION = new RegExp(
  [
    '^v?',
    '(?:([0-9]+)!)?', // epoch
    '([0-9]+(?:\\.[0-9]+)*)', // release
    '(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?', // pre
    '(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?', // post: implicit `-N`, or a label
    '(?:[-_.]?(dev)[-_.]?([0-9]+)?)?', // dev
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$', // local
  ].join(''),
  'i',
)

/**
 * packaging matches `\s*` around the version, and Python's `\s` is str.isspace(): these, plus the ASCII controls
 * that precheck refuses before we get here (so "1.0\n", which packaging accepts, is refused by every scheme).
 */
const PY_SPACE = '[ \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]'
const TRIM = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g')

const PRE_LABEL: Record<string, 'a' | 'b' | 'rc'> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
}
const DIGITS = /^[0-9]+$/

export function parsePep440(input: string): Pep440Version | string {
  const s = input.replace(TRIM, '')
  const m = VERSION.exec(s)
  if (!m) return /\s/.test(s) ? 'whitespace inside the version' : 'not a PEP 440 version'
  const [, epoch, release = '', preL, preN, postN1, postL, postN2, devL, devN, local] = m
  const v: Pep440Version = { epoch: trimZeros(epoch ?? '0'), release: release.split('.').map(trimZeros) }
  // An absent number after a label is an implicit 0 ("1.0a" is 1.0a0, "1.0.post" is 1.0.post0).
  if (preL) v.pre = { label: PRE_LABEL[preL.toLowerCase()] ?? 'rc', n: trimZeros(preN ?? '0') }
  if (postN1 !== undefined) v.post = trimZeros(postN1)
  else if (postL) v.post = trimZeros(postN2 ?? '0')
  if (devL) v.dev = trimZeros(devN ?? '0')
  if (local) v.local = local.split(/[-_.]/).map((p) => (DIGITS.test(p) ? trimZeros(p) : p.toLowerCase()))
  return v
}

/** `str(Version(v))` in packaging. */
export function formatPep440(v: Pep440Version): string {
  let s = v.epoch === '0' ? v.release.join('.') : `${v.epoch}!${v.release.join('.')}`
  if (v.pre) s += `${v.pre.label}${v.pre.n}`
  if (v.post !== undefined) s += `.post${v.post}`
  if (v.dev !== undefined) s += `.dev${v.dev}`
  if (v.local) s += `+${v.local.join('.')}`
  return s
}

const cmpStr = (a: string, b: string): Ordering => (a < b ? -1 : a > b ? 1 : 0)

/** Release segments compare with trailing zeros removed (packaging `_strip_trailing_zeros`): 1.0 == 1.0.0. */
function compareRelease(a: string[], b: string[]): Ordering {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const c = compareDecimal(a[i] ?? '0', b[i] ?? '0')
    if (c !== 0) return c
  }
  return 0
}

/**
 * packaging `_cmpkey`'s pre component: a dev release with neither pre nor post sorts before every pre-release of
 * its release (1.0.dev0 < 1.0a0), a version with no pre-release after all of them; labels then compare as strings
 * (a < b < rc), then their numbers.
 */
function preRank(v: Pep440Version): number {
  if (v.pre) return 1
  return v.post === undefined && v.dev !== undefined ? 0 : 2
}

/**
 * Local labels (PEP 440 "Local version identifiers"): compared part by part, alphanumeric parts before numeric
 * ones, alphanumeric parts as strings, numeric parts by value; a label that is a prefix of another sorts first,
 * and no label sorts before any label.
 */
function compareLocal(a: string[] | undefined, b: string[] | undefined): Ordering {
  if (!a || !b) return a === b ? 0 : a ? 1 : -1
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] as string
    const y = b[i] as string
    const xn = DIGITS.test(x)
    const yn = DIGITS.test(y)
    const c = xn && yn ? compareDecimal(x, y) : xn ? 1 : yn ? -1 : cmpStr(x, y)
    if (c !== 0) return c
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

export function comparePep440(a: Pep440Version, b: Pep440Version): Ordering {
  let c = compareDecimal(a.epoch, b.epoch) || compareRelease(a.release, b.release)
  if (c !== 0) return c
  const ra = preRank(a)
  const rb = preRank(b)
  if (ra !== rb) return ra < rb ? -1 : 1
  if (a.pre && b.pre) {
    c = cmpStr(a.pre.label, b.pre.label) || compareDecimal(a.pre.n, b.pre.n)
    if (c !== 0) return c
  }
  // No post-release sorts before any post-release.
  if (a.post !== b.post) {
    if (a.post === undefined) return -1
    if (b.post === undefined) return 1
    c = compareDecimal(a.post, b.post)
    if (c !== 0) return c
  }
  // No dev-release sorts after any dev-release (1.0.post1.dev1 < 1.0.post1).
  if (a.dev !== b.dev) {
    if (a.dev === undefined) return 1
    if (b.dev === undefined) return -1
    c = compareDecimal(a.dev, b.dev)
    if (c !== 0) return c
  }
  return compareLocal(a.local, b.local)
}

/**
 * PEP 440 as pypa/packaging implements it (`packaging.version.Version`): epochs `N!`, release segments compared
 * without trailing zeros, pre-releases `a|b|rc` (spelt also `alpha beta c pre preview`, with optional `.`/`-`/`_`
 * separators and implicit 0), post-releases (`.postN`, `-N`, `rev`, `r`), dev releases, local labels `+abc.1`,
 * a leading `v`, any case, surrounding whitespace. `format` is packaging's normalised `str(Version(v))`.
 */
export const pep440Scheme: VersionScheme<Pep440Version> = {
  name: 'pep440',
  parse(input: string): ParseResult<Pep440Version> {
    const bad = precheck('pep440', input)
    if (bad) return { ok: false, error: bad }
    const v = parsePep440(input)
    return typeof v === 'string' ? parseError('pep440', input, v) : { ok: true, value: v }
  },
  compare: comparePep440,
  format: formatPep440,
}
