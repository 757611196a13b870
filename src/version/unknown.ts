import { type Ordering, type ParseResult, precheck, type VersionScheme } from './scheme.js'

/**
 * Versions of an ecosystem whose rules shipshape does not know. Any printable string parses, and `compare` is a
 * fixed total order (numeric runs by value, then letter runs, then other characters, the raw string breaking
 * ties), but that order is only claimed where every common scheme agrees: `comparable` is true for two identical
 * strings, or for two plain dotted numbers (`1.10`, `2.0.3`) that differ in a position both have, or where the
 * longer one adds a non-zero part. Anything else (letters, suffixes, `1.0` against `1.0.0`, leading zeros) is a
 * guess, and ranges never match through a guess.
 */
type Token = { kind: 'num'; value: bigint } | { kind: 'alpha'; text: string } | { kind: 'other'; text: string }

export interface UnknownVersion {
  raw: string
  tokens: Token[]
  /** The numbers of a plain dotted-number version (`1.2.3`), else undefined. */
  numbers: bigint[] | undefined
  /** Whether a dotted number has a part with a leading zero (`1.05`). */
  leadingZero: boolean
}

function tokenize(s: string): Token[] {
  const tokens: Token[] = []
  for (const m of s.matchAll(/[0-9]+|[A-Za-z]+|[^0-9A-Za-z]/g)) {
    const t = m[0]
    if (/^[0-9]/.test(t)) tokens.push({ kind: 'num', value: BigInt(t) })
    else if (/^[A-Za-z]/.test(t)) tokens.push({ kind: 'alpha', text: t })
    else tokens.push({ kind: 'other', text: t })
  }
  return tokens
}

function parse(input: string): ParseResult<UnknownVersion> {
  const bad = precheck('unknown', input)
  if (bad) return { ok: false, error: bad }
  const plain = /^[0-9]+(?:\.[0-9]+)*$/.test(input)
  const parts = plain ? input.split('.') : []
  return {
    ok: true,
    value: {
      raw: input,
      tokens: tokenize(input),
      numbers: plain ? parts.map((p) => BigInt(p)) : undefined,
      leadingZero: parts.some((p) => p.length > 1 && p.startsWith('0')),
    },
  }
}

const KIND_RANK = { num: 0, alpha: 1, other: 2 } as const

function compareToken(a: Token, b: Token): Ordering {
  if (a.kind !== b.kind) return KIND_RANK[a.kind] < KIND_RANK[b.kind] ? -1 : 1
  if (a.kind === 'num' && b.kind === 'num') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0
  const x = a.kind === 'num' ? '' : a.text
  const y = b.kind === 'num' ? '' : b.text
  return x < y ? -1 : x > y ? 1 : 0
}

function compare(a: UnknownVersion, b: UnknownVersion): Ordering {
  const n = Math.min(a.tokens.length, b.tokens.length)
  for (let i = 0; i < n; i++) {
    const c = compareToken(a.tokens[i] as Token, b.tokens[i] as Token)
    if (c !== 0) return c
  }
  if (a.tokens.length !== b.tokens.length) return a.tokens.length < b.tokens.length ? -1 : 1
  // Only the same string is equal, so "= 1.01" never matches "1.1" by accident.
  return a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0
}

/**
 * Where every scheme we know orders two dotted numbers the same way: they differ in a shared position, or the
 * longer one goes on with a non-zero part. Not when the only difference is trailing zeros (dpkg and rpm put
 * 1.0.0 above 1.0; Maven, RubyGems, NuGet and PEP 440 call them equal), and not with leading zeros (apk reads
 * 1.05 as a fraction, below 1.1).
 */
function comparable(a: UnknownVersion, b: UnknownVersion): boolean {
  if (a.raw === b.raw) return true
  if (!a.numbers || !b.numbers || a.leadingZero || b.leadingZero) return false
  const n = Math.min(a.numbers.length, b.numbers.length)
  for (let i = 0; i < n; i++) if (a.numbers[i] !== b.numbers[i]) return true
  const longer = a.numbers.length > b.numbers.length ? a.numbers : b.numbers
  return longer.slice(n).some((x) => x !== 0n)
}

export const unknownScheme: VersionScheme<UnknownVersion> = {
  name: 'unknown',
  parse,
  compare,
  format: (v) => v.raw,
  comparable,
}
