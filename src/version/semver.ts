import { type Ordering, type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'

/**
 * A SemVer 2.0.0 version. Numbers are kept as their decimal strings (no leading zeros), so no precision is lost
 * anywhere: SemVer puts no bound on a prerelease number.
 */
export interface SemVer {
  major: string
  minor: string
  patch: string
  /** Dot-separated prerelease identifiers; empty for a release. */
  prerelease: string[]
  /** Build metadata identifiers: kept, but never part of the order (SemVer 2.0.0 §10). */
  build: string[]
}

const NUM = '0|[1-9][0-9]*'
const PRE_ID = `(?:${NUM}|[0-9]*[a-zA-Z-][a-zA-Z0-9-]*)`
const BUILD_ID = '[a-zA-Z0-9-]+'
/**
 * node-semver's strict `FULL` regex (internal/re.js): an optional lowercase `v`, MAJOR.MINOR.PATCH without leading
 * zeros, an optional `-prerelease` whose numeric identifiers have no leading zeros, an optional `+build`.
 */
const FULL = new RegExp(
  `^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`,
)
const DIGITS = /^[0-9]+$/

/** node-semver refuses a major, minor or patch above Number.MAX_SAFE_INTEGER (classes/semver.js). */
const MAX_SAFE = String(Number.MAX_SAFE_INTEGER)

/** Orders two decimal strings without leading zeros by value, at any length. */
export function compareDecimal(a: string, b: string): Ordering {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Strips leading zeros ("007" → "7", "000" → "0"). */
export function trimZeros(digits: string): string {
  const t = digits.replace(/^0+/, '')
  return t === '' ? '0' : t
}

/**
 * SemVer 2.0.0 §11.4: numeric identifiers compare numerically and sort before alphanumeric ones, which compare
 * in ASCII order. Numeric identifiers never carry leading zeros here, so "by value" is "by length, then text".
 */
export function compareIdentifier(a: string, b: string): Ordering {
  const an = DIGITS.test(a)
  const bn = DIGITS.test(b)
  if (an && bn) return compareDecimal(a, b)
  if (an) return -1
  if (bn) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * §11.3 and §11.4: a version without prerelease is greater than one with; otherwise identifiers compare left to
 * right and a longer list wins when all shared identifiers are equal.
 */
export function comparePrerelease(a: readonly string[], b: readonly string[]): Ordering {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const c = compareIdentifier(a[i] as string, b[i] as string)
    if (c !== 0) return c
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

export function compareSemVer(a: SemVer, b: SemVer): Ordering {
  return (
    compareDecimal(a.major, b.major) ||
    compareDecimal(a.minor, b.minor) ||
    compareDecimal(a.patch, b.patch) ||
    comparePrerelease(a.prerelease, b.prerelease)
  )
}

/** The string `semver.valid()` returns: build metadata dropped, no `v`. */
export function formatSemVer(v: SemVer): string {
  const core = `${v.major}.${v.minor}.${v.patch}`
  return v.prerelease.length ? `${core}-${v.prerelease.join('.')}` : core
}

/**
 * Parses what node-semver's `new SemVer(s)` (non-loose) accepts: the string is trimmed first (String#trim, as
 * node-semver does), one lowercase `v` may lead, and MAJOR/MINOR/PATCH must not exceed 2^53-1. Returns the
 * reason as a string when refused.
 */
export function parseSemVerText(text: string): SemVer | string {
  const m = FULL.exec(text.trim())
  if (!m) return describeFailure(text.trim())
  const [, major = '', minor = '', patch = '', pre, build] = m
  for (const [name, n] of [
    ['major', major],
    ['minor', minor],
    ['patch', patch],
  ] as const) {
    if (compareDecimal(n, MAX_SAFE) > 0) return `${name} version ${n} is above ${MAX_SAFE} (node-semver's limit)`
  }
  return { major, minor, patch, prerelease: pre ? pre.split('.') : [], build: build ? build.split('.') : [] }
}

function describeFailure(s: string): string {
  if (/\s/.test(s)) return 'whitespace inside the version'
  const core = /^v?([^-+]*)/.exec(s)?.[1] ?? ''
  const parts = core.split('.')
  if (parts.length !== 3 || parts.some((p) => !DIGITS.test(p)))
    return 'not MAJOR.MINOR.PATCH (three dot-separated numbers)'
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return 'leading zero in MAJOR.MINOR.PATCH'
  const rest = s.slice(s.indexOf(core) + core.length)
  if (rest.startsWith('-')) {
    const pre = rest.slice(1).split('+')[0] ?? ''
    for (const id of pre.split('.')) {
      if (id === '') return 'empty prerelease identifier'
      if (!/^[0-9A-Za-z-]+$/.test(id))
        return `prerelease identifier ${JSON.stringify(id)} has characters outside [0-9A-Za-z-]`
      if (DIGITS.test(id) && id.length > 1 && id.startsWith('0'))
        return `numeric prerelease identifier ${id} has a leading zero`
    }
  }
  if (rest.includes('+')) return 'bad build metadata (dot-separated, non-empty [0-9A-Za-z-] identifiers)'
  return 'not a SemVer 2.0.0 version'
}

/**
 * SemVer 2.0.0 (semver.org), accepting exactly what node-semver's `semver.valid(v)` accepts. One deliberate
 * difference from node-semver's `compare`: it converts numeric prerelease identifiers to JS numbers
 * (internal/identifiers.js), so two different identifiers above 2^53 that round to the same double compare equal
 * there (and its order stops being transitive). SemVer bounds no identifier, so here they compare exactly; every
 * answer node-semver gives as -1 or 1 is the same here.
 */
export const semverScheme: VersionScheme<SemVer> = {
  name: 'semver',
  parse(input: string): ParseResult<SemVer> {
    const bad = precheck('semver', input)
    if (bad) return { ok: false, error: bad }
    const v = parseSemVerText(input)
    return typeof v === 'string' ? parseError('semver', input, v) : { ok: true, value: v }
  },
  compare: compareSemVer,
  format: formatSemVer,
}
