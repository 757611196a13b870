import { IntervalSet } from './intervals.js'
import type { OsvConversion } from './osv.js'
import { parseRange, type Range } from './range.js'
import type { VersionScheme } from './scheme.js'

/**
 * rubygems' pessimistic `~> X.Y.Z` means `>= X.Y.Z, < X.(Y+1)`: Gem::Version#bump drops prerelease parts and
 * the last segment (unless it is the only one) and increments what is left.
 */
export function pessimisticBound(version: string): string | undefined {
  const segs = version.split(/\.|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/i).filter(Boolean)
  // Gem::Version#bump: `segments.pop while segments.any? { |s| String === s }`, i.e. up to and with the first letter.
  while (segs.some((x) => /[a-z]/i.test(x))) segs.pop()
  if (segs.length > 1) segs.pop()
  const last = segs[segs.length - 1]
  if (last === undefined || !/^\d+$/.test(last)) return undefined
  segs[segs.length - 1] = String(BigInt(last) + 1n)
  return segs.join('.')
}

/** One rubygems requirement string (`~> 1.2.3`, `>= 1.0, < 2`, `!= 1.5`) in the shared grammar. */
export function gemRequirementToRange(req: string): Range | string {
  const parts: string[] = []
  for (const piece of req.split(',')) {
    const m = /^\s*(~>|>=|<=|!=|>|<|=)?\s*(\S+)\s*$/.exec(piece)
    if (!m) return `bad requirement ${JSON.stringify(piece.trim())}`
    const op = m[1] ?? '='
    const v = m[2] as string
    if (op === '~>') {
      const up = pessimisticBound(v)
      if (!up) return `cannot bump ${JSON.stringify(v)} for ~>`
      parts.push(`>= ${v}`, `< ${up}`)
    } else parts.push(`${op} ${v}`)
  }
  const r = parseRange(parts.join(', '), 'gem')
  return r.ok ? r.value : r.error.reason
}

/**
 * rubysec lists what is safe (`patched_versions`, `unaffected_versions`); everything else is affected.
 * With neither list, every version is affected.
 */
export function convertRubysec<V>(scheme: VersionScheme<V>, patched: string[], unaffected: string[]): OsvConversion {
  const skipped: OsvConversion['skipped'] = []
  let safe: IntervalSet<V> | undefined
  for (const [field, list] of [
    ['patched_versions', patched],
    ['unaffected_versions', unaffected],
  ] as const) {
    for (const [i, req] of list.entries()) {
      const r = gemRequirementToRange(req)
      const set = typeof r === 'string' ? r : IntervalSet.fromRange(scheme, r)
      if (typeof set === 'string') {
        // Dropping a safe interval would widen the affected range: refuse the whole record instead.
        skipped.push({ at: `${field}[${i}]`, reason: set })
        return { range: undefined, skipped }
      }
      safe = safe ? safe.union(set) : set
    }
  }
  if (!safe) return { range: { alternatives: [[]] }, skipped }
  const affected = safe.complement()
  return { range: affected.size ? affected.toRange() : undefined, skipped }
}

/**
 * Alpine secdb `secfixes`: the key is the first fixed version, so earlier ones are affected; `0` means the
 * package was never affected in this release.
 */
export function convertAlpineSecfix<V>(scheme: VersionScheme<V>, fixed: string): OsvConversion {
  if (fixed === '0') return { range: undefined, skipped: [] }
  const p = scheme.parse(fixed)
  if (!p.ok) return { range: undefined, skipped: [{ at: fixed, reason: p.error.reason }] }
  return { range: { alternatives: [[{ op: '<', version: fixed }]] }, skipped: [] }
}
