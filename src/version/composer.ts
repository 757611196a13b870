import { type Ordering, type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'

/**
 * Composer's version order: a version is first normalised by composer/semver's `VersionParser::normalize`
 * (composer/semver `src/VersionParser.php`, commit 0b08db530b6f52b206075e6798fb3969ef4b1968, with the 3.4 date
 * rule that lets CalVer like `20230131.0.0` through), then two normalised versions are ordered by PHP's
 * `version_compare` (php/php-src `ext/standard/versioning.c`, commit e4ca0ed09f035b362f48f30b8a2c0fcf47764801),
 * which is what composer/semver's `Constraint` does. Branches (`dev-master`, `dev-feature/x`) have no order in
 * Composer: they only ever equal themselves, so `comparable` says so and no range matches through them.
 */
export interface ComposerVersion {
  /** VersionParser::normalize's output: `1.2.0.0-beta2`, `2010.01.02`, `1.9999999.9999999.9999999-dev`, `dev-master`. */
  normalized: string
  /** A `dev-` branch: equal only to itself, never ordered. */
  branch: boolean
  /** Normalised through the date(time) rule, so its numbers are printed back with `-` (see format). */
  date: boolean
}

// VersionParser::$modifierRegex. `((?:[.-]?\d+)*+)` is written without the possessive quantifier as the same
// language, `(?:[.-]?\d+(?:[.-]\d+)*)?`, so that a long run of digits cannot make the match backtrack for ever.
const MODIFIER = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\\d+(?:[.-]\\d+)*)?))?([.-]?dev)?'
const CLASSICAL = new RegExp(`^v?(\\d{1,5})(\\.\\d+)?(\\.\\d+)?(\\.\\d+)?${MODIFIER}$`, 'i')
// composer/semver 3.4 allows two short trailing numbers after a date (`20100102.0.3`); 3.3 allowed one.
const DATE = new RegExp(`^v?(\\d{4}(?:[.:-]?\\d{2}){1,6}(?:[.:-]?\\d{1,3}){0,2})${MODIFIER}$`, 'i')
const BRANCH_NUMBERS = /^v?(\d+)(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?$/i

function expandStability(s: string): string {
  const l = s.toLowerCase()
  switch (l) {
    case 'a':
      return 'alpha'
    case 'b':
      return 'beta'
    case 'p':
    case 'pl':
      return 'patch'
    case 'rc':
      return 'RC'
    default:
      return l
  }
}

/** VersionParser::normalizeBranch for the numeric case: `1.x` → `1.9999999.9999999.9999999-dev`. */
function normalizeNumericBranch(name: string): string | undefined {
  const m = BRANCH_NUMBERS.exec(name)
  if (!m) return undefined
  let version = ''
  for (let i = 1; i < 5; i++) version += m[i] === undefined ? '.x' : (m[i] as string).replace(/[*X]/g, 'x')
  return `${version.replaceAll('x', '9999999')}-dev`
}

type Normalized = { ok: true; value: ComposerVersion } | { ok: false; reason: string }

function normalize(input: string): Normalized {
  let version = input
  // A trailing @stability flag is a constraint hint, and normalize drops it.
  version = version.replace(/@(?:stable|RC|beta|alpha|dev)$/i, '')
  if (version === 'master' || version === 'trunk' || version === 'default') version = `dev-${version}`
  if (/^dev-/i.test(version)) {
    if (version.length === 4) return { ok: false, reason: 'empty branch name' }
    return { ok: true, value: { normalized: `dev-${version.slice(4)}`, branch: true, date: false } }
  }
  const meta = /^([^,\s+]+)\+\S+$/.exec(version)
  if (meta) version = meta[1] as string

  let head: string | undefined
  let mod: (string | undefined)[] = []
  let date = false
  const c = CLASSICAL.exec(version)
  if (c) {
    // Missing numbers become .0; the ones written keep their leading zeros ("1.01" → "1.01.0.0").
    head = `${c[1]}${c[2] || '.0'}${c[3] || '.0'}${c[4] || '.0'}`
    mod = [c[5], c[6], c[7]]
  } else {
    const d = DATE.exec(version)
    if (d) {
      head = (d[1] as string).replace(/\D/g, '.')
      mod = [d[2], d[3], d[4]]
      date = true
    }
  }
  if (head !== undefined) {
    const [word, numbers, dev] = mod
    let normalized = head
    if (word) {
      // Only a lower-case "stable" ends the version; "1.0-STABLE" would normalise to "1.0.0.0-stable", an
      // unknown word that version_compare sorts below -dev. We refuse it rather than keep that order.
      if (word === 'stable') return { ok: true, value: { normalized: head, branch: false, date } }
      if (word.toLowerCase() === 'stable') return { ok: false, reason: `"${word}" is only understood in lower case` }
      normalized += `-${expandStability(word)}${numbers ? numbers.replace(/^[.-]+/, '') : ''}`
    }
    if (dev) normalized += '-dev'
    return { ok: true, value: { normalized, branch: false, date } }
  }

  // "1.x-dev", "2.1.*-dev": numeric branches, which Composer orders like versions.
  const devSuffix = /^(.*?)[.-]?dev$/i.exec(version)
  if (devSuffix) {
    const b = normalizeNumericBranch(devSuffix[1] as string)
    if (b) return { ok: true, value: { normalized: b, branch: false, date: false } }
  }
  return { ok: false, reason: 'invalid version string' }
}

function parse(input: string): ParseResult<ComposerVersion> {
  const bad = precheck('composer', input)
  if (bad) return { ok: false, error: bad }
  // normalize trims and reads "1.0 as 2.0" as an alias; both are constraint-level spellings, refused here.
  if (/\s/.test(input)) return parseError('composer', input, 'whitespace in version')
  const n = normalize(input)
  return n.ok ? n : parseError('composer', input, n.reason)
}

// ---- PHP's version_compare ----

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c)

/** php_canonicalize_version: `-_+` and any other non-alphanumeric become `.`, and digit/letter switches get one. */
function canonicalize(version: string): string {
  if (version.length === 0) return ''
  let out = version[0] as string
  let lp = out
  for (let i = 1; i < version.length; i++) {
    const p = version[i] as string
    const lq = out[out.length - 1]
    const digit = (x: string) => isDigit(x) && x !== '.'
    const notDigit = (x: string) => !isDigit(x) && x !== '.'
    if (p === '-' || p === '_' || p === '+') {
      if (lq !== '.') out += '.'
    } else if ((notDigit(lp) && digit(p)) || (digit(lp) && notDigit(p))) {
      if (lq !== '.') out += '.'
      out += p
    } else if (!isAlnum(p)) {
      if (lq !== '.') out += '.'
    } else {
      out += p
    }
    lp = p
  }
  return out
}

// compare_special_version_forms: prefix matches, first hit wins; anything else is -1, below "dev".
const SPECIAL_FORMS: [string, number][] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
]

function specialForm(form: string): number {
  for (const [name, order] of SPECIAL_FORMS) if (form.startsWith(name)) return order
  return -1
}

function compareSpecial(a: string, b: string): Ordering {
  const x = specialForm(a)
  const y = specialForm(b)
  return x < y ? -1 : x > y ? 1 : 0
}

const LONG_MAX = 9223372036854775807n

/** strtol on a run of digits: saturates at LONG_MAX, so two huge numbers compare equal, as in PHP. */
function strtol(s: string): bigint {
  const m = /^[0-9]+/.exec(s)
  if (!m) return 0n
  const n = BigInt(m[0])
  return n > LONG_MAX ? LONG_MAX : n
}

/** php_version_compare. */
export function phpVersionCompare(orig1: string, orig2: string): Ordering {
  if (orig1 === '' || orig2 === '') {
    if (orig1 === '' && orig2 === '') return 0
    return orig1 !== '' ? 1 : -1
  }
  const v1 = orig1[0] === '#' ? orig1 : canonicalize(orig1)
  const v2 = orig2[0] === '#' ? orig2 : canonicalize(orig2)
  let p1 = 0
  let p2 = 0
  let n1: number | null = 0
  let n2: number | null = 0
  let compare: Ordering = 0
  while (p1 < v1.length && p2 < v2.length && n1 !== null && n2 !== null) {
    const d1 = v1.indexOf('.', p1)
    const d2 = v2.indexOf('.', p2)
    n1 = d1 < 0 ? null : d1
    n2 = d2 < 0 ? null : d2
    const part1 = v1.slice(p1, n1 ?? v1.length)
    const part2 = v2.slice(p2, n2 ?? v2.length)
    if (isDigit(part1[0]) && isDigit(part2[0])) {
      const l1 = strtol(part1)
      const l2 = strtol(part2)
      compare = l1 < l2 ? -1 : l1 > l2 ? 1 : 0
    } else if (!isDigit(part1[0]) && !isDigit(part2[0])) {
      compare = compareSpecial(part1, part2)
    } else if (isDigit(part1[0])) {
      // A number against a word ranks as "#": above alpha/beta/RC, below patch.
      compare = compareSpecial('#N#', part2)
    } else {
      compare = compareSpecial(part1, '#N#')
    }
    if (compare !== 0) break
    if (n1 !== null) p1 = n1 + 1
    if (n2 !== null) p2 = n2 + 1
  }
  if (compare === 0) {
    // One side has parts left: a number makes it greater (1.0.0.1 > 1.0.0), a word is ranked against "#"
    // (1.0.0-beta < 1.0.0 but 1.0.0-patch1 > 1.0.0).
    if (n1 !== null) compare = isDigit(v1[p1]) ? 1 : phpVersionCompare(v1.slice(p1), '#N#')
    else if (n2 !== null) compare = isDigit(v2[p2]) ? -1 : phpVersionCompare('#N#', v2.slice(p2))
  }
  return compare
}

function compare(a: ComposerVersion, b: ComposerVersion): Ordering {
  if (!a.branch && !b.branch) return phpVersionCompare(a.normalized, b.normalized)
  // Branches are outside Composer's order; any fixed total order will do, since comparable() keeps ranges off.
  if (a.branch !== b.branch) return a.branch ? 1 : -1
  return a.normalized < b.normalized ? -1 : a.normalized > b.normalized ? 1 : 0
}

function format(v: ComposerVersion): string {
  if (!v.date) return v.normalized
  // A date normalised to "2010.01.02" would come back through the classical rule as "2010.01.02.0", which
  // version_compare puts above it; printed with dashes it can only match the date rule again.
  const dash = v.normalized.indexOf('-')
  const head = dash < 0 ? v.normalized : v.normalized.slice(0, dash)
  const rest = dash < 0 ? '' : v.normalized.slice(dash)
  return head.replaceAll('.', '-') + rest
}

export const composerScheme: VersionScheme<ComposerVersion> = {
  name: 'composer',
  parse,
  compare,
  format,
  comparable: (a, b) => (!a.branch && !b.branch) || (a.branch && b.branch && a.normalized === b.normalized),
}
