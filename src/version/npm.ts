import semver from 'semver'
import { type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'
import { compareSemVer, formatSemVer, parseSemVerText, type SemVer } from './semver.js'

/**
 * npm package versions. npm normalises a package.json `version` with `semver.clean(v)` (non-loose;
 * normalize-package-data's fixer), so this accepts what `semver.clean` accepts: surrounding whitespace, any run of
 * leading `=` and `v` (`=v1.2.3`, `v=1.2.3`), then a strict SemVer 2.0.0 version. `format` is `semver.clean`'s
 * output, which drops build metadata, as npm does.
 *
 * The order is SemVer's (see semver.ts for the one place node-semver rounds numbers and this does not).
 * `nativeSatisfies` is node-semver's own range language (`^ ~ x X * || - >= <`, prereleases excluded unless a
 * comparator of the same `||` alternative names a prerelease of the same MAJOR.MINOR.PATCH), evaluated by
 * `semver.satisfies` itself, so npm ranges mean exactly what npm makes of them.
 */
export const npmScheme: VersionScheme<SemVer> = {
  name: 'npm',
  parse(input: string): ParseResult<SemVer> {
    const bad = precheck('npm', input)
    if (bad) return { ok: false, error: bad }
    // semver.clean: `version.trim().replace(/^[=v]+/, '')`, then `new SemVer` (which trims again and allows one `v`).
    const v = parseSemVerText(input.trim().replace(/^[=v]+/, ''))
    return typeof v === 'string' ? parseError('npm', input, v) : { ok: true, value: v }
  },
  compare: compareSemVer,
  format: formatSemVer,
  nativeSatisfies(version: SemVer, range: string): boolean | undefined {
    if (typeof range !== 'string') return undefined
    try {
      // A string node-semver cannot read as a range (e.g. the shared grammar's `>= 1.0, < 2.0`) is not npm syntax.
      if (semver.validRange(range) === null) return undefined
      return semver.satisfies(formatSemVer(version), range)
    } catch {
      return undefined
    }
  },
}
