import { z } from 'zod'
import type { Cvss, Reference, SourceSeverity, VulnerabilityRecord } from '../../../model/index.js'

const CVE_ID = /^CVE-\d{4}-\d{4,}$/

const cvssBlock = z.looseObject({
  vectorString: z.string().min(1),
  baseScore: z.number().optional(),
  baseSeverity: z.string().optional(),
})

const metricEntry = z.looseObject({
  cvssV4_0: cvssBlock.optional(),
  cvssV3_1: cvssBlock.optional(),
  cvssV3_0: cvssBlock.optional(),
  cvssV2_0: cvssBlock.optional(),
})

const langValue = z.looseObject({ lang: z.string(), value: z.string() })

const problemTypes = z.array(
  z.looseObject({
    descriptions: z
      .array(z.looseObject({ cweId: z.string().optional(), description: z.string().optional() }))
      .optional(),
  }),
)

const references = z.array(z.looseObject({ url: z.string().min(1), tags: z.array(z.string()).optional() }))

const provider = z.looseObject({ shortName: z.string().optional(), orgId: z.string().optional() })

const container = z.looseObject({
  providerMetadata: provider.optional(),
  descriptions: z.array(langValue).optional(),
  rejectedReasons: z.array(langValue).optional(),
  metrics: z.array(metricEntry).optional(),
  problemTypes: problemTypes.optional(),
  references: references.optional(),
})

/** The fields of a CVE JSON 5.x record (cvelistV5, vulnrichment) this importer needs; the rest is ignored. */
export const cve5Schema = z.looseObject({
  dataType: z.literal('CVE_RECORD'),
  cveMetadata: z.looseObject({
    cveId: z.string().regex(CVE_ID, 'not a CVE id'),
    state: z.enum(['PUBLISHED', 'REJECTED']),
    assignerShortName: z.string().optional(),
    datePublished: z.string().optional(),
    dateUpdated: z.string().optional(),
    dateRejected: z.string().optional(),
  }),
  containers: z.looseObject({ cna: container, adp: z.array(container).optional() }),
})
export type Cve5 = z.infer<typeof cve5Schema>
type Container = z.infer<typeof container>

/** Metric keys in the order a CNA's severity word is taken from them (v3.1, else v3.0, v4.0, v2.0). */
const METRIC_KEYS = [
  ['cvssV3_1', '3.1'],
  ['cvssV3_0', '3.0'],
  ['cvssV4_0', '4.0'],
  ['cvssV2_0', '2.0'],
] as const satisfies readonly (readonly [keyof z.infer<typeof metricEntry>, Cvss['version']])[]

function englishOf(items: readonly { lang: string; value: string }[] | undefined): string | undefined {
  if (!items) return undefined
  const en = items.find((d) => d.lang === 'en') ?? items.find((d) => d.lang.toLowerCase().startsWith('en'))
  const v = en?.value.trim()
  return v ? v : undefined
}

/** `cweId` when given, else a `CWE-79: …` / `CWE 79 …` description; free-text problem types give none. */
function cwesOf(containers: readonly Container[]): string[] {
  const out = new Set<string>()
  for (const c of containers) {
    for (const p of c.problemTypes ?? []) {
      for (const d of p.descriptions ?? []) {
        const m = /^CWE[- ]?(\d+)\b/i.exec((d.cweId ?? d.description ?? '').trim())
        if (m) out.add(`CWE-${m[1]}`)
      }
    }
  }
  return [...out]
}

function referencesOf(containers: readonly Container[]): Reference[] {
  const seen = new Set<string>()
  const out: Reference[] = []
  for (const c of containers) {
    for (const r of c.references ?? []) {
      if (seen.has(r.url)) continue
      seen.add(r.url)
      out.push(r.tags?.length ? { url: r.url, type: r.tags.join(', ') } : { url: r.url })
    }
  }
  return out
}

function metricsOf(c: Container, source: string): { cvss: Cvss[]; severity?: string } {
  const cvss: Cvss[] = []
  let severity: string | undefined
  for (const [key, version] of METRIC_KEYS) {
    for (const m of c.metrics ?? []) {
      const block = m[key]
      if (!block) continue
      cvss.push({
        version,
        vector: block.vectorString,
        ...(block.baseScore === undefined ? {} : { score: block.baseScore }),
        source,
      })
      severity ??= block.baseSeverity
    }
  }
  return severity ? { cvss, severity } : { cvss }
}

/** A CVE's source label: `cve5:<CNA or ADP short name>` (`cve5:GitHub_M`, `cve5:CISA-ADP`). */
function sourceName(c: Container, fallback: string | undefined): string {
  return `cve5:${c.providerMetadata?.shortName ?? fallback ?? c.providerMetadata?.orgId ?? 'unknown'}`
}

/**
 * One CVE JSON 5 record → one record (source `cve5`): CVSS from the CNA and from each ADP, each named; the CNA's
 * severity word; CWEs and references from every container. Returns a reason instead when a REJECTED record
 * states no date at all.
 */
export function cve5Record(r: Cve5): VulnerabilityRecord | string {
  const meta = r.cveMetadata
  const { cna } = r.containers
  const adp = r.containers.adp ?? []
  const cnaSource = sourceName(cna, meta.assignerShortName)
  const own = metricsOf(cna, cnaSource)
  const cvss = [...own.cvss, ...adp.flatMap((a) => metricsOf(a, sourceName(a, undefined)).cvss)]
  const severity: SourceSeverity | undefined = own.severity ? { value: own.severity, source: cnaSource } : undefined
  let withdrawn: string | undefined
  let summary: string | undefined
  switch (meta.state) {
    case 'PUBLISHED':
      summary = englishOf(cna.descriptions)
      break
    case 'REJECTED':
      withdrawn = meta.dateRejected ?? meta.dateUpdated ?? meta.datePublished
      if (!withdrawn) return 'REJECTED record states no date'
      summary = englishOf(cna.rejectedReasons) ?? englishOf(cna.descriptions)
      break
  }
  const containers = [cna, ...adp]
  return {
    id: meta.cveId,
    source: 'cve5',
    aliases: [],
    ...(summary ? { summary } : {}),
    ...(meta.datePublished ? { published: meta.datePublished } : {}),
    ...(meta.dateUpdated ? { modified: meta.dateUpdated } : {}),
    ...(withdrawn ? { withdrawn } : {}),
    ...(severity ? { severity } : {}),
    cvss,
    cwes: cwesOf(containers),
    references: referencesOf(containers),
    affected: [],
  }
}
