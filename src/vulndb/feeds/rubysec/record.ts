import { z } from 'zod'
import type { AffectedPackage, Reference, SourceSeverity, VulnerabilityRecord } from '../../../model/index.js'
import { convertRubysec, formatRange, SCHEMES } from '../../../version/index.js'

/** A YAML scalar read as written (numbers too, see `parseYamlKeepingNumbers`), trimmed; empty means absent. */
const scalar = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : String(v).trim() || undefined))

const requirements = z.array(z.string()).nullish()

/** The fields of a ruby-advisory-db `gems/<gem>/<id>.yml` this importer needs; the rest is ignored. */
export const rubysecSchema = z.looseObject({
  gem: z.string().trim().min(1),
  cve: scalar,
  ghsa: scalar,
  osvdb: scalar,
  url: scalar,
  title: scalar,
  date: scalar,
  description: z.string().nullish(),
  cvss_v2: scalar,
  cvss_v3: scalar,
  cvss_v4: scalar,
  patched_versions: requirements,
  unaffected_versions: requirements,
  platform: scalar,
  related: z.looseObject({ url: z.array(z.string()).nullish() }).nullish(),
})
export type Rubysec = z.infer<typeof rubysecSchema>

export interface RubysecResult {
  /** Undefined when the file is skipped (`reason` says why). */
  record?: VulnerabilityRecord
  reason?: string
  /** What was left out of an imported record (a score that is not a number). */
  notes: string[]
}

function prefixed(prefix: 'CVE-' | 'GHSA-' | 'OSVDB-', v: string | undefined): string | undefined {
  if (!v) return undefined
  return v.toUpperCase().startsWith(prefix) ? `${prefix}${v.slice(prefix.length)}` : `${prefix}${v}`
}

/**
 * CVSS base score → word, by the bands of the CVSS version: v3.x and v4.0 NONE 0, LOW 0.1–3.9, MEDIUM 4.0–6.9,
 * HIGH 7.0–8.9, CRITICAL 9.0–10.0; v2 (NVD's bands) LOW 0–3.9, MEDIUM 4.0–6.9, HIGH 7.0–10.0.
 */
export function cvssScoreWord(score: number, version: 'v2' | 'v3' | 'v4'): string | undefined {
  if (!Number.isFinite(score) || score < 0 || score > 10) return undefined
  if (version === 'v2') return score < 4 ? 'LOW' : score < 7 ? 'MEDIUM' : 'HIGH'
  if (score === 0) return 'NONE'
  return score < 4 ? 'LOW' : score < 7 ? 'MEDIUM' : score < 9 ? 'HIGH' : 'CRITICAL'
}

/**
 * rubysec gives bare scores (`cvss_v3: 9.8`), never vectors, so they cannot be `Cvss` entries: the severity is
 * the v3 score's word (else v4's, else v2's) with source `rubysec`.
 */
function severityOf(a: Rubysec, notes: string[]): SourceSeverity | undefined {
  for (const [field, version] of [
    ['cvss_v3', 'v3'],
    ['cvss_v4', 'v4'],
    ['cvss_v2', 'v2'],
  ] as const) {
    const raw = a[field]
    if (raw === undefined) continue
    const word = /^\d+(\.\d+)?$/.test(raw) ? cvssScoreWord(Number(raw), version) : undefined
    if (word) return { value: word, source: 'rubysec' }
    notes.push(`${field}: not a CVSS score: ${JSON.stringify(raw)}`)
  }
  return undefined
}

/**
 * The first patched version of each `patched_versions` requirement: its greatest lower bound (`>=`, `~>`, `=`),
 * so `~> 7.0.8, >= 7.0.8.1` is fixed in 7.0.8.1.
 */
function fixedVersions(patched: string[]): string[] {
  const gem = SCHEMES.gem
  const out: string[] = []
  for (const req of patched) {
    let best: { text: string; v: unknown } | undefined
    for (const piece of req.split(',')) {
      const m = /^\s*(~>|>=|=)?\s*(\S+)\s*$/.exec(piece)
      if (!m?.[2] || (m[1] === undefined && /^[<>!]/.test(m[2]))) continue
      const p = gem.parse(m[2])
      if (!p.ok) continue
      if (!best || gem.compare(p.value, best.v) > 0) best = { text: m[2], v: p.value }
    }
    if (best && !out.includes(best.text)) out.push(best.text)
  }
  return out
}

/**
 * One advisory file as a record (source `rubysec`): the id is the CVE when there is one, else the GHSA, else
 * the file's base name (`OSVDB-62067`); the other ids are aliases. Affected versions are everything that
 * `patched_versions` and `unaffected_versions` leave out.
 */
export function rubysecToRecord(doc: unknown, file: string): RubysecResult {
  const parsed = rubysecSchema.safeParse(doc)
  const notes: string[] = []
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    return { reason: i ? (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message) : 'invalid', notes }
  }
  const a = parsed.data
  const base = (file.split('/').pop() ?? file).replace(/\.ya?ml$/i, '')
  const cve = prefixed('CVE-', a.cve)
  const ghsa = prefixed('GHSA-', a.ghsa)
  const osvdb = prefixed('OSVDB-', a.osvdb)
  const id = cve ?? ghsa ?? base
  const aliases = [...new Set([cve, ghsa, osvdb, base].filter((x): x is string => x !== undefined && x !== id))]
    // The base name is an id only when it looks like one (`CVE-…`, `GHSA-…`, `OSVDB-…`).
    .filter((x) => x !== base || /^(CVE|GHSA|OSVDB)-/.test(x))

  const patched = a.patched_versions ?? []
  const unaffected = a.unaffected_versions ?? []
  // A requirement that does not parse would widen the affected range if dropped: the record is refused.
  const conv = convertRubysec(SCHEMES.gem, patched, unaffected)
  const problem = conv.skipped[0]
  if (problem) return { reason: `${problem.at}: ${problem.reason}`, notes }
  const severity = severityOf(a, notes)

  const affected: AffectedPackage[] = []
  // A range of nothing (the safe lists cover every version) leaves no affected entry.
  if (conv.range) {
    const ranges = conv.range.alternatives.some((alt) => alt.length === 0) ? '*' : formatRange(conv.range)
    affected.push({
      namespace: 'rubygems',
      package: a.gem,
      ranges,
      fixed: fixedVersions(patched),
      status: 'affected',
      at: file,
    })
  }
  const references: Reference[] = []
  for (const url of [a.url, ...(a.related?.url ?? [])]) {
    const u = url?.trim()
    if (u && !references.some((r) => r.url === u)) references.push({ url: u })
  }
  const record: VulnerabilityRecord = {
    id,
    source: 'rubysec',
    aliases,
    cvss: [],
    cwes: [],
    references,
    affected,
  }
  if (a.title) record.summary = a.title
  if (a.description?.trim()) record.details = a.description
  if (a.date) record.published = a.date
  if (severity) record.severity = severity
  return { record, notes }
}
