import { type Ordering, type ParseResult, parseError, type SchemeName, type VersionScheme } from './scheme.js'

export type Op = '<' | '<=' | '>' | '>=' | '=' | '!='

export interface Constraint {
  op: Op
  version: string
}

/**
 * The one range grammar all schemes share (grype's): `>= 1.0, < 2.0 || >= 3.0, < 3.2`. Alternatives are
 * separated by `||`, constraints inside one by `,`; a bare version means `=`; `*` matches every version.
 */
export interface Range {
  /** An empty list of alternatives never matches; an alternative with no constraints always does. */
  alternatives: Constraint[][]
}

const OPS: Op[] = ['<=', '>=', '!=', '<', '>', '=']

export const MAX_RANGE_LENGTH = 64 * 1024

export function parseRange(input: string, scheme: SchemeName = 'unknown'): ParseResult<Range> {
  if (typeof input !== 'string' || input.trim() === '') return parseError(scheme, String(input), 'empty range')
  if (input.length > MAX_RANGE_LENGTH)
    return parseError(scheme, input, `range longer than ${MAX_RANGE_LENGTH} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(input)) return parseError(scheme, input, 'range contains control characters')
  const alternatives: Constraint[][] = []
  for (const alt of input.split('||')) {
    const text = alt.trim()
    if (text === '') return parseError(scheme, input, 'empty alternative around ||')
    if (text === '*') {
      alternatives.push([])
      continue
    }
    const constraints: Constraint[] = []
    for (const part of text.split(',')) {
      let t = part.trim()
      if (t === '') return parseError(scheme, input, 'empty constraint around ,')
      let op: Op = '='
      const found = t.startsWith('==') ? '==' : OPS.find((o) => t.startsWith(o))
      if (found) {
        op = found === '==' ? '=' : found
        t = t.slice(found.length).trim()
      }
      if (t === '' || /\s/.test(t)) return parseError(scheme, input, `bad constraint ${JSON.stringify(part.trim())}`)
      constraints.push({ op, version: t })
    }
    alternatives.push(constraints)
  }
  return { ok: true, value: { alternatives } }
}

export function formatRange(r: Range): string {
  return r.alternatives
    .map((alt) => (alt.length === 0 ? '*' : alt.map((c) => `${c.op} ${c.version}`).join(', ')))
    .join(' || ')
}

function holds(op: Op, c: Ordering): boolean {
  switch (op) {
    case '<':
      return c < 0
    case '<=':
      return c <= 0
    case '>':
      return c > 0
    case '>=':
      return c >= 0
    case '=':
      return c === 0
    case '!=':
      return c !== 0
    default: {
      const never: never = op
      throw new Error(`unknown operator ${never}`)
    }
  }
}

/**
 * Whether a parsed version lies in a range. A constraint whose version does not parse, or that the scheme
 * cannot compare with certainty, fails its alternative: no match is claimed without proof.
 */
export function inRange<V>(scheme: VersionScheme<V>, version: V, range: Range): ParseResult<boolean> {
  let firstError: ParseResult<boolean> | undefined
  for (const alt of range.alternatives) {
    let all = true
    for (const c of alt) {
      const p = scheme.parse(c.version)
      if (!p.ok) {
        firstError ??= { ok: false, error: p.error }
        all = false
        break
      }
      if (scheme.comparable && !scheme.comparable(version, p.value)) {
        all = false
        break
      }
      if (!holds(c.op, scheme.compare(version, p.value))) {
        all = false
        break
      }
    }
    if (all) return { ok: true, value: true }
  }
  return firstError ?? { ok: true, value: false }
}
