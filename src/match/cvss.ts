// ae-cvss-calculator is CommonJS whose named exports Node's ESM loader cannot see: take them from the default.
import calculator from 'ae-cvss-calculator'
import type { Cvss, SeverityLevel } from '../model/index.js'

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = calculator

const computed = new Map<string, number | undefined>()

/** The base score of a vector (computed when the source gave none); undefined when the vector does not parse. */
export function cvssScore(c: Cvss): number | undefined {
  if (typeof c.score === 'number' && Number.isFinite(c.score)) return c.score
  const key = `${c.version} ${c.vector}`
  if (computed.has(key)) return computed.get(key)
  const s = compute(c)
  if (computed.size < 100_000) computed.set(key, s)
  return s
}

function compute(c: Cvss): number | undefined {
  try {
    const v =
      c.version === '4.0'
        ? new Cvss4P0(c.vector)
        : c.version === '3.1'
          ? new Cvss3P1(c.vector)
          : c.version === '3.0'
            ? new Cvss3P0(c.vector)
            : new Cvss2(c.vector)
    const s = v.calculateScores().base
    return typeof s === 'number' && Number.isFinite(s) ? s : undefined
  } catch {
    return undefined
  }
}

/** CVSS v3 qualitative bands (also used for v4 and, as Scout does, for v2 scores). */
export function levelForScore(score: number): SeverityLevel {
  if (score >= 9.0) return 'critical'
  if (score >= 7.0) return 'high'
  if (score >= 4.0) return 'medium'
  if (score > 0) return 'low'
  return 'unspecified'
}

/** Newest CVSS version first: 4.0, 3.1, 3.0, 2.0. */
export function cvssRank(c: Cvss): number {
  return { '4.0': 0, '3.1': 1, '3.0': 2, '2.0': 3 }[c.version] ?? 4
}
