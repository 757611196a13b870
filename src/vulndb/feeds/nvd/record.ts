import { z } from 'zod'
import type { Cvss, Reference, SourceSeverity, VulnerabilityRecord } from '../../../model/index.js'

/** NVD's own analyst: a `Primary` metric from this source is NVD's assessment; everything else is a CNA's. */
export const NVD_SOURCE = 'nvd@nist.gov'

const CVE_ID = /^CVE-\d{4}-\d{4,}$/

const cvssData = z.looseObject({
  version: z.string().optional(),
  vectorString: z.string().min(1),
  baseScore: z.number().optional(),
  baseSeverity: z.string().optional(),
})

const metric = z.looseObject({
  source: z.string().optional(),
  type: z.string().optional(),
  cvssData,
  /** CVSS v2 metrics carry their severity here, beside `cvssData`, not in it. */
  baseSeverity: z.string().optional(),
})

/** The fields of an NVD CVE API 2.0 `cve` object this importer needs; anything else is tolerated and ignored. */
export const nvdCve = z.looseObject({
  id: z.string().regex(CVE_ID, 'not a CVE id'),
  published: z.string().min(1),
  lastModified: z.string().min(1),
  vulnStatus: z.string().optional(),
  descriptions: z.array(z.looseObject({ lang: z.string(), value: z.string() })),
  metrics: z
    .looseObject({
      cvssMetricV40: z.array(metric).optional(),
      cvssMetricV31: z.array(metric).optional(),
      cvssMetricV30: z.array(metric).optional(),
      cvssMetricV2: z.array(metric).optional(),
    })
    .optional(),
  weaknesses: z
    .array(z.looseObject({ description: z.array(z.looseObject({ value: z.string() })).optional() }))
    .optional(),
  references: z.array(z.looseObject({ url: z.string().min(1), tags: z.array(z.string()).optional() })).optional(),
})
export type NvdCve = z.infer<typeof nvdCve>
type NvdMetric = z.infer<typeof metric>

/** The metric arrays, in the order severity is taken from them (v3.1, else v3.0, v4.0, v2). */
const METRIC_KEYS = [
  ['cvssMetricV31', '3.1'],
  ['cvssMetricV30', '3.0'],
  ['cvssMetricV40', '4.0'],
  ['cvssMetricV2', '2.0'],
] as const

type CvssVersion = Cvss['version']

/** The version a vector states (`CVSS:3.1/…`); v2 vectors state none, so the key's version stands. */
function versionOf(vector: string, fallback: CvssVersion): CvssVersion {
  const m = /^CVSS:(\d\.\d)\//.exec(vector)
  switch (m?.[1]) {
    case '3.0':
      return '3.0'
    case '3.1':
      return '3.1'
    case '4.0':
      return '4.0'
    default:
      return fallback
  }
}

/** `nvd` for NVD's own (Primary) assessment; `nvd:<source>` (the CNA as NVD names it) for the rest. */
export function metricSource(m: NvdMetric): string {
  const own = m.type !== 'Secondary' && (m.source === undefined || m.source === NVD_SOURCE)
  return own ? 'nvd' : `nvd:${m.source ?? 'unknown'}`
}

/** `CWE-79` kept; NVD's placeholders (`NVD-CWE-noinfo`, `NVD-CWE-Other`) dropped. */
function cwesOf(cve: NvdCve): string[] {
  const out = new Set<string>()
  for (const w of cve.weaknesses ?? []) {
    for (const d of w.description ?? []) {
      const m = /^CWE-(\d+)$/.exec(d.value.trim())
      if (m) out.add(`CWE-${m[1]}`)
    }
  }
  return [...out]
}

function referencesOf(cve: NvdCve): Reference[] {
  const seen = new Set<string>()
  const out: Reference[] = []
  for (const r of cve.references ?? []) {
    if (seen.has(r.url)) continue
    seen.add(r.url)
    out.push(r.tags?.length ? { url: r.url, type: r.tags.join(', ') } : { url: r.url })
  }
  return out
}

/** The `en` description (NVD always has one; `en-US` and the like count too). */
function englishOf(descriptions: NvdCve['descriptions']): string | undefined {
  const en =
    descriptions.find((d) => d.lang === 'en') ?? descriptions.find((d) => d.lang.toLowerCase().startsWith('en'))
  const v = en?.value.trim()
  return v ? v : undefined
}

/** One NVD `cve` object → one record (source `nvd`, no affected packages: CPE configurations are not kept yet). */
export function nvdRecord(cve: NvdCve): VulnerabilityRecord {
  const cvss: Cvss[] = []
  let severity: SourceSeverity | undefined
  for (const [key, version] of METRIC_KEYS) {
    for (const m of cve.metrics?.[key] ?? []) {
      const source = metricSource(m)
      const vector = m.cvssData.vectorString
      cvss.push({
        version: versionOf(vector, version),
        vector,
        ...(m.cvssData.baseScore === undefined ? {} : { score: m.cvssData.baseScore }),
        source,
      })
      const word = m.cvssData.baseSeverity ?? m.baseSeverity
      if (!severity && source === 'nvd' && word) severity = { value: word, source: 'nvd' }
    }
  }
  const summary = englishOf(cve.descriptions)
  return {
    id: cve.id,
    source: 'nvd',
    aliases: [],
    ...(summary ? { summary } : {}),
    published: cve.published,
    modified: cve.lastModified,
    ...(cve.vulnStatus === 'Rejected' ? { withdrawn: cve.lastModified } : {}),
    ...(severity ? { severity } : {}),
    cvss,
    cwes: cwesOf(cve),
    references: referencesOf(cve),
    affected: [],
  }
}
