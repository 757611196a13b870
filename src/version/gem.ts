import { type Ordering, type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'

/**
 * RubyGems' version order: `Gem::Version` (rubygems `lib/rubygems/version.rb`) and requirements as
 * `Gem::Requirement` (`lib/rubygems/requirement.rb`) evaluates them, including the pessimistic `~>` that rubysec's
 * `patched_versions` use. Checked against Ruby's own rubygems in the tests.
 */

type Segment = bigint | string

export interface GemVersion {
  /** The version with `-` spelled `.pre.`, as Gem::Version#initialize stores it. */
  version: string
  /** Gem::Version#segments: numeric runs as numbers, letter runs as strings. */
  segments: Segment[]
  /** Gem::Version#canonical_segments: the segments that decide equality. */
  canonical: Segment[]
}

// Gem::Version::VERSION_PATTERN, anchored. Ruby also strips surrounding whitespace and reads a blank string as "0";
// here whitespace is refused, since the shared range grammar would otherwise split on it.
const VERSION_PATTERN = '[0-9]+(?:\\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?'
const ANCHORED = new RegExp(`^${VERSION_PATTERN}$`)

function segmentsOf(version: string): Segment[] {
  // _segments: scan(/[0-9]+|[a-z]+/i); anything else (the dots) only separates.
  return (version.match(/[0-9]+|[a-z]+/gi) ?? []).map((s) => (/^[0-9]/.test(s) ? BigInt(s) : s))
}

function canonicalOf(segments: Segment[]): Segment[] {
  // _split_segments + canonical_segments: the numeric head and the part from the first string on each lose their
  // trailing zeros separately, so 1.0.0 == 1 and 1.0.a.0 == 1.a, but 1.a.0.1 keeps its inner zero.
  const firstString = segments.findIndex((s) => typeof s === 'string')
  const cut = firstString < 0 ? segments.length : firstString
  const trim = (xs: Segment[]): Segment[] => {
    let end = xs.length
    while (end > 0 && xs[end - 1] === 0n) end--
    return xs.slice(0, end)
  }
  return [...trim(segments.slice(0, cut)), ...trim(segments.slice(cut))]
}

function make(version: string): GemVersion {
  const segments = segmentsOf(version)
  return { version, segments, canonical: canonicalOf(segments) }
}

function parse(input: string): ParseResult<GemVersion> {
  const bad = precheck('gem', input)
  if (bad) return { ok: false, error: bad }
  if (/\s/.test(input)) return parseError('gem', input, 'whitespace in version')
  if (!ANCHORED.test(input)) return parseError('gem', input, 'malformed version number string')
  // A hyphen marks a prerelease: Gem::Version reads "1.0-rc1" as "1.0.pre.rc1".
  return { ok: true, value: make(input.replaceAll('-', '.pre.')) }
}

function cmpSegment(a: Segment, b: Segment): Ordering {
  if (typeof a === 'string') {
    // A letter segment is a prerelease marker and sorts below any number (1.0.a < 1.0 = 1.0.0).
    if (typeof b !== 'string') return -1
    // Ruby's String#<=>: bytewise, so case matters ("B" < "a").
    return a < b ? -1 : a > b ? 1 : 0
  }
  if (typeof b === 'string') return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Gem::Version#<=> on canonical segments, missing ones read as 0. */
function compare(a: GemVersion, b: GemVersion): Ordering {
  if (a.version === b.version) return 0
  const l = a.canonical
  const r = b.canonical
  const n = Math.max(l.length, r.length)
  for (let i = 0; i < n; i++) {
    const c = cmpSegment(l[i] ?? 0n, r[i] ?? 0n)
    if (c !== 0) return c
  }
  return 0
}

function format(v: GemVersion): string {
  // canonical_segments joined; a bare prerelease ("0.a" → ["a"]) keeps a leading 0 so it stays a version.
  const parts = v.canonical.map(String)
  if (parts.length === 0) return '0'
  return typeof v.canonical[0] === 'string' ? `0.${parts.join('.')}` : parts.join('.')
}

/** Gem::Version#release: the version without its prerelease segments (1.9.3.alpha.5 → 1.9.3). */
function release(v: GemVersion): GemVersion {
  if (!/[a-zA-Z]/.test(v.version)) return v
  const segs = [...v.segments]
  while (segs.some((s) => typeof s === 'string')) segs.pop()
  return make(segs.join('.'))
}

/** Gem::Version#bump: drop prerelease segments and the last segment, then increment (5.2.4 → 5.3, 5 → 6). */
function bump(v: GemVersion): GemVersion {
  const segs = [...v.segments]
  while (segs.some((s) => typeof s === 'string')) segs.pop()
  if (segs.length > 1) segs.pop()
  const last = segs[segs.length - 1]
  segs[segs.length - 1] = typeof last === 'bigint' ? last + 1n : 1n
  return make(segs.join('.'))
}

type GemOp = '=' | '!=' | '>' | '<' | '>=' | '<=' | '~>'

// Gem::Requirement::PATTERN, with the operators tried longest first.
const REQUIREMENT = new RegExp(`^\\s*(~>|!=|>=|<=|=|>|<)?\\s*(${VERSION_PATTERN})\\s*$`)

function holds(op: GemOp, v: GemVersion, r: GemVersion): boolean {
  const c = compare(v, r)
  switch (op) {
    case '=':
      return c === 0
    case '!=':
      return c !== 0
    case '>':
      return c > 0
    case '<':
      return c < 0
    case '>=':
      return c >= 0
    case '<=':
      return c <= 0
    case '~>':
      // "~> 1.2.3" means ">= 1.2.3, < 1.3"; a prerelease of the version above still counts as inside only if its
      // release is below the bump, which Gem::Requirement checks with v.release, not v.
      return c >= 0 && compare(release(v), bump(r)) < 0
    default: {
      const never: never = op
      throw new Error(`unknown operator ${never}`)
    }
  }
}

/**
 * Requirement strings as rubysec writes them: `~> 1.2.3`, `>= 1.0, < 2`, `!= 1.5`; comma-joined requirements
 * must all hold (Gem::Requirement.new(*parts)), and `||` joins alternatives (rubysec's list of patched versions).
 */
function nativeSatisfies(version: GemVersion, range: string): boolean | undefined {
  const alternatives: [GemOp, GemVersion][][] = []
  for (const alt of range.split('||')) {
    const reqs: [GemOp, GemVersion][] = []
    for (const part of alt.split(',')) {
      if (part.length > 512) return undefined
      const m = REQUIREMENT.exec(part)
      if (!m) return undefined
      const op = (m[1] ?? '=') as GemOp
      const r = parse(m[2] as string)
      if (!r.ok) return undefined
      reqs.push([op, r.value])
    }
    alternatives.push(reqs)
  }
  return alternatives.some((reqs) => reqs.every(([op, r]) => holds(op, version, r)))
}

export const gemScheme: VersionScheme<GemVersion> = {
  name: 'gem',
  parse,
  compare,
  format,
  nativeSatisfies,
}
