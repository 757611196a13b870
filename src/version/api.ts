import { inRange, parseRange } from './range.js'
import { isSchemeName, SCHEMES } from './registry.js'
import type { Ordering, ParseResult, SchemeName, VersionParseError } from './scheme.js'

/** Thrown by `compareVersions` for input the scheme refuses; carries the typed parse error. */
export class InvalidVersionError extends Error {
  constructor(readonly detail: VersionParseError) {
    super(`invalid ${detail.scheme} version ${JSON.stringify(detail.input)}: ${detail.reason}`)
    this.name = 'InvalidVersionError'
  }
}

function scheme(name: SchemeName | string) {
  if (!isSchemeName(name)) throw new TypeError(`unknown version scheme ${JSON.stringify(name)}`)
  return SCHEMES[name]
}

/** −1, 0 or 1, as node-semver's `compare`; throws InvalidVersionError for versions the scheme refuses. */
export function compareVersions(schemeName: SchemeName, a: string, b: string): Ordering {
  const s = scheme(schemeName)
  const pa = s.parse(a)
  if (!pa.ok) throw new InvalidVersionError(pa.error)
  const pb = s.parse(b)
  if (!pb.ok) throw new InvalidVersionError(pb.error)
  return s.compare(pa.value, pb.value)
}

/**
 * Whether `version` is in `range`, with the typed error when either does not parse. The range is the shared
 * grammar (`>= 1.0, < 2.0 || = 3.1`) or, for schemes that have one, the ecosystem's own syntax (npm's `^1.2`).
 */
export function checkRange(schemeName: SchemeName, version: string, range: string): ParseResult<boolean> {
  const s = scheme(schemeName)
  const v = s.parse(version)
  if (!v.ok) return v
  const r = parseRange(range, schemeName)
  if (!r.ok) {
    const native = s.nativeSatisfies?.(v.value, range)
    return native === undefined ? r : { ok: true, value: native }
  }
  const shared = inRange(s, v.value, r.value)
  if (!shared.ok && s.nativeSatisfies) {
    const native = s.nativeSatisfies(v.value, range)
    if (native !== undefined) return { ok: true, value: native }
  }
  return shared
}

/** As node-semver's `satisfies`: true only when provably in range; false for anything that does not parse. */
export function satisfies(schemeName: SchemeName, version: string, range: string): boolean {
  const r = checkRange(schemeName, version, range)
  return r.ok && r.value
}
