import { type Ordering, type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'

/**
 * NuGet's version order: `NuGetVersion.TryParse` (NuGet/NuGet.Client
 * `src/NuGet.Core/NuGet.Versioning/NuGetVersionFactory.cs`, commit 7517d57a2b921c75b88f37e1c6eba0d0e88dc9ff, and
 * `SemanticVersionFactory.cs` for the label rules) and `VersionComparer.Default` (`VersionComparer.cs`, commit
 * 2fd0e43a538e6a2bd1caac01e7a9c3877ee9ecd2): SemVer 2 with an optional fourth number, leading zeros allowed in
 * the numbers, release labels compared case-insensitively, build metadata ignored.
 */
export interface NuGetVersion {
  /** Major, minor, patch, revision (missing parts are 0). */
  numbers: [number, number, number, number]
  /** Release labels as written (case kept for printing; compared ignoring case). */
  labels: string[]
  /** Build metadata; printed by nothing here and never compared. */
  metadata: string
}

const INT32_MAX = 2147483647

function isValidPart(s: string, allowLeadingZeros: boolean): boolean {
  // SemanticVersion.IsValidPart: non-empty, [0-9A-Za-z-], and no leading zero on an all-digit label.
  if (s.length === 0) return false
  if (!allowLeadingZeros && s.length > 1 && s[0] === '0' && /^[0-9]+$/.test(s)) return false
  return /^[0-9A-Za-z-]+$/.test(s)
}

function parse(input: string): ParseResult<NuGetVersion> {
  const bad = precheck('nuget', input)
  if (bad) return { ok: false, error: bad }
  // NuGet trims the input and drops inner spaces from OriginalVersion; a version with whitespace is refused here.
  if (/\s/.test(input)) return parseError('nuget', input, 'whitespace in version')
  // ParseSections: the version runs to the first '-' or '+'; labels to the first '+' after that; metadata after.
  const dash = input.search(/[-+]/)
  const versionString = dash < 0 ? input : input.slice(0, dash)
  let labelText: string | undefined
  let metadata: string | undefined
  if (dash >= 0) {
    if (input[dash] === '+') metadata = input.slice(dash + 1)
    else {
      const plus = input.indexOf('+', dash + 1)
      labelText = plus < 0 ? input.slice(dash + 1) : input.slice(dash + 1, plus)
      if (plus >= 0) metadata = input.slice(plus + 1)
    }
  }
  const parts = versionString.split('.')
  // TryGetNormalizedVersion: one to four dot-separated numbers. NuGet reads an empty part ("1..2", "1.") as 0 and
  // lets a number past Int32 wrap around; both are refused here rather than ordered by a value nobody wrote.
  if (parts.length > 4) return parseError('nuget', input, 'more than four version numbers')
  const numbers: [number, number, number, number] = [0, 0, 0, 0]
  for (const [i, p] of parts.entries()) {
    if (!/^[0-9]+$/.test(p)) return parseError('nuget', input, `version number ${i + 1} is not a number`)
    const n = Number(p)
    if (n > INT32_MAX) return parseError('nuget', input, `version number ${p} is larger than Int32`)
    numbers[i] = n
  }
  const labels = labelText === undefined ? [] : labelText.split('.')
  if (labelText !== undefined && !labels.every((l) => isValidPart(l, false)))
    return parseError('nuget', input, 'bad release label (letters, digits and - only, no empty or 0-led numbers)')
  if (metadata !== undefined && !metadata.split('.').every((m) => isValidPart(m, true)))
    return parseError('nuget', input, 'bad build metadata (letters, digits and - only, no empty parts)')
  return { ok: true, value: { numbers, labels, metadata: metadata ?? '' } }
}

/** int.TryParse on a label: an optional minus sign and digits that fit an Int32. Labels like "-5" are numbers. */
function numericLabel(s: string): number | undefined {
  if (!/^-?[0-9]+$/.test(s)) return undefined
  const n = Number(s)
  return n >= -INT32_MAX - 1 && n <= INT32_MAX ? n : undefined
}

/** StringComparer.OrdinalIgnoreCase: both sides upper-cased, then compared by UTF-16 code unit. */
function ordinalIgnoreCase(a: string, b: string): Ordering {
  const x = a.toUpperCase()
  const y = b.toUpperCase()
  return x < y ? -1 : x > y ? 1 : 0
}

/** VersionComparer.CompareRelease: numbers numerically, numbers before words, words ignoring case. */
function compareLabel(a: string, b: string): Ordering {
  const x = numericLabel(a)
  const y = numericLabel(b)
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0
  if (x !== undefined) return -1
  if (y !== undefined) return 1
  return ordinalIgnoreCase(a, b)
}

function compare(a: NuGetVersion, b: NuGetVersion): Ordering {
  for (let i = 0; i < 4; i++) {
    const x = a.numbers[i] as number
    const y = b.numbers[i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  // A version with release labels is a prerelease of the same numbers without them.
  const la = a.labels
  const lb = b.labels
  if (la.length > 0 && lb.length === 0) return -1
  if (la.length === 0 && lb.length > 0) return 1
  // CompareReleaseLabels: label by label; when one list runs out first, it is the smaller.
  const n = Math.max(la.length, lb.length)
  for (let i = 0; i < n; i++) {
    const x = la[i]
    const y = lb[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const c = compareLabel(x, y)
    if (c !== 0) return c
  }
  return 0
}

/** ToNormalizedString: three numbers, the fourth only when non-zero, then the labels; metadata left out. */
function format(v: NuGetVersion): string {
  const [major, minor, patch, revision] = v.numbers
  const base = revision > 0 ? `${major}.${minor}.${patch}.${revision}` : `${major}.${minor}.${patch}`
  return v.labels.length > 0 ? `${base}-${v.labels.join('.')}` : base
}

export const nugetScheme: VersionScheme<NuGetVersion> = {
  name: 'nuget',
  parse,
  compare,
  format,
}
