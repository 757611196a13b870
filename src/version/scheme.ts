/** The version schemes shipshape knows, one file each. */
export type SchemeName =
  | 'deb'
  | 'rpm'
  | 'apk'
  | 'semver'
  | 'npm'
  | 'pep440'
  | 'maven'
  | 'gem'
  | 'go'
  | 'nuget'
  | 'composer'
  | 'unknown'

export type Ordering = -1 | 0 | 1

/** Why a version (or range) string was refused. Parsers return this; they never throw. */
export interface VersionParseError {
  kind: 'version-parse-error'
  scheme: SchemeName
  input: string
  reason: string
}

export type ParseResult<V> = { ok: true; value: V } | { ok: false; error: VersionParseError }

/**
 * One ecosystem's version rules. `compare` is a total order on what `parse` accepts; `format` gives the
 * canonical string, and parse(format(v)) compares equal to v.
 */
export interface VersionScheme<V = unknown> {
  readonly name: SchemeName
  parse(input: string): ParseResult<V>
  compare(a: V, b: V): Ordering
  format(v: V): string
  /**
   * The ecosystem's own range syntax, evaluated as its tool does (npm's `^1.2 || 2.x`, rubygems' `~> 1.2`).
   * Returns undefined when `range` is not in that syntax, so the shared grammar is tried instead.
   */
  nativeSatisfies?(version: V, range: string): boolean | undefined
  /**
   * For schemes that cannot always order two versions (the unknown scheme): false when `compare` would be a
   * guess. Ranges never match through a comparison that is not provable.
   */
  comparable?(a: V, b: V): boolean
}

/** Longest version string any scheme accepts; longer input is refused before parsing. */
export const MAX_VERSION_LENGTH = 256

/** Shared input checks every scheme applies first: empty, too long, control characters. */
export function precheck(scheme: SchemeName, input: unknown): VersionParseError | undefined {
  const fail = (reason: string): VersionParseError => ({
    kind: 'version-parse-error',
    scheme,
    input: typeof input === 'string' ? input.slice(0, 80) : String(input),
    reason,
  })
  if (typeof input !== 'string') return fail('not a string')
  if (input.length === 0) return fail('empty version')
  if (input.length > MAX_VERSION_LENGTH) return fail(`longer than ${MAX_VERSION_LENGTH} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(input)) return fail('contains control characters')
  return undefined
}

export function parseError(scheme: SchemeName, input: string, reason: string): { ok: false; error: VersionParseError } {
  return { ok: false, error: { kind: 'version-parse-error', scheme, input: input.slice(0, 80), reason } }
}

export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0
}
