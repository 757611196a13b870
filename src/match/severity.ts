import type { Cvss, SeverityLevel, SeverityView } from '../model/index.js'
import type { StoredVulnerability } from '../vulndb/index.js'
import { cvssRank, cvssScore, levelForScore } from './cvss.js'

/** A source's own severity word as a level; undefined for words that say nothing (`not yet assigned`). */
export function levelForWord(word: string): SeverityLevel | undefined {
  const w = word.toLowerCase().replace(/\*+$/, '').trim()
  switch (w) {
    case 'critical':
      return 'critical'
    case 'high':
    case 'important':
      return 'high'
    case 'medium':
    case 'moderate':
      return 'medium'
    case 'low':
    case 'negligible':
    case 'unimportant':
      return 'low'
    default:
      return undefined
  }
}

/** Sources whose CVSS is preferred as the "other source" beside an advisory's own word: NVD's own first. */
function otherSourceRank(source: string): number {
  if (source === 'nvd') return 0
  if (source.startsWith('cve5:') && source !== 'cve5:CISA-ADP') return 1
  if (source === 'ghsa') return 2
  if (source.startsWith('nvd:')) return 3
  return 4
}

export interface SeverityChoice {
  severity: SeverityView
  cvss?: Cvss & { score: number }
}

function scored(list: Cvss[]): (Cvss & { score: number })[] {
  const out: (Cvss & { score: number })[] = []
  for (const c of list) {
    const score = cvssScore(c)
    if (score !== undefined) out.push({ ...c, score })
  }
  return out
}

/**
 * Docker Scout's policy. The preferred advisory (the distro's for OS packages, GHSA or the ecosystem's own for
 * language packages) decides the severity when it states one; a CVSS score is shown beside it — its own, else the
 * best other source's (so LOW next to 9.8 can happen). Without a word from it, the severity comes from a CVSS
 * score (its own first, then others). Nothing anywhere: unspecified. The source is always named.
 */
export function chooseSeverity(
  preferred: StoredVulnerability | undefined,
  others: StoredVulnerability[],
): SeverityChoice {
  const own = scored(preferred?.cvss ?? []).sort((a, b) => cvssRank(a) - cvssRank(b))
  const rest = scored(others.flatMap((o) => o.cvss)).sort(
    (a, b) => otherSourceRank(a.source) - otherSourceRank(b.source) || cvssRank(a) - cvssRank(b),
  )
  const cvss = own[0] ?? rest[0]
  const word = preferred?.severity
  const level = word ? levelForWord(word.value) : undefined
  if (word && level) {
    const out: SeverityChoice = { severity: { level, source: word.source, raw: word.value, from: 'advisory' } }
    if (cvss) out.cvss = cvss
    return out
  }
  // No word from the preferred advisory: other advisories' words count before any score.
  if (!cvss) {
    for (const o of others) {
      const l = o.severity ? levelForWord(o.severity.value) : undefined
      if (o.severity && l)
        return { severity: { level: l, source: o.severity.source, raw: o.severity.value, from: 'advisory' } }
    }
    return { severity: { level: 'unspecified', from: 'none' } }
  }
  return {
    severity: { level: levelForScore(cvss.score), source: cvss.source, raw: `CVSS ${cvss.score}`, from: 'cvss' },
    cvss,
  }
}
