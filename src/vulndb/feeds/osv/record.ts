import { z } from 'zod'
import type {
  AffectedPackage,
  AffectedStatus,
  Cvss,
  Reference,
  SourceSeverity,
  VulnerabilityRecord,
} from '../../../model/index.js'
import {
  type Constraint,
  convertOsvAffected,
  formatRange,
  inRange,
  type Range,
  SCHEMES,
  schemeForEcosystem,
  type VersionScheme,
} from '../../../version/index.js'
import { namespaceForEcosystem } from '../../namespace.js'

const looseRecord = z.record(z.string(), z.unknown())

const rangeSchema = z.looseObject({
  type: z.string().optional(),
  repo: z.string().optional(),
  events: z.array(looseRecord).optional(),
})

/** One `affected[]` entry; checked on its own so that one bad entry does not cost the record. */
const affectedSchema = z.looseObject({
  package: z.looseObject({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() }),
  ranges: z.array(rangeSchema).nullish(),
  versions: z.array(z.unknown()).nullish(),
  ecosystem_specific: looseRecord.nullish(),
  database_specific: looseRecord.nullish(),
})

/** The fields of an OSV record (schema 1.0–1.7) this importer needs; anything else is ignored. */
export const osvSchema = z.looseObject({
  id: z.string().min(1),
  aliases: z.array(z.string()).nullish(),
  upstream: z.array(z.string()).nullish(),
  summary: z.string().nullish(),
  details: z.string().nullish(),
  published: z.string().nullish(),
  // Required by the OSV schema; it also tells a YAML file cut short (which still parses) from a whole one.
  modified: z.string(),
  withdrawn: z.string().nullish(),
  severity: z.array(z.looseObject({ type: z.string(), score: z.string() })).nullish(),
  affected: z.array(z.unknown()).nullish(),
  references: z.array(z.looseObject({ type: z.string().nullish(), url: z.string() })).nullish(),
  database_specific: looseRecord.nullish(),
})
export type OsvRecord = z.infer<typeof osvSchema>

/** Something left out of a record that was otherwise imported: one affected entry, one CVSS vector. */
export interface OsvNote {
  at: string
  reason: string
}

export interface OsvResult {
  /** Undefined when the record is skipped as a whole (`reason` says why). */
  record?: VulnerabilityRecord
  reason?: string
  notes: OsvNote[]
}

/**
 * Who published a record, by its id's prefix: `ghsa` for GitHub's advisories (so their severity reads as the
 * GHSA view everywhere), `osv:<PREFIX>` for the others (`osv:PYSEC`, `osv:GO`, `osv:RUSTSEC`, `osv:DSA`,
 * `osv:UBUNTU`, …).
 */
export function osvDatabase(id: string): string {
  const prefix = /^([A-Za-z]+)[-:]/.exec(id)?.[1]?.toUpperCase()
  if (!prefix) return 'osv'
  return prefix === 'GHSA' ? 'ghsa' : `osv:${prefix}`
}

const DISTRO_SCHEMES = new Set(['deb', 'rpm', 'apk'])

interface Merged {
  namespace: string
  package: string
  alternatives: Range['alternatives']
  fixed: string[]
  status: AffectedStatus
  urgency: string | undefined
  at: string[]
  scheme: VersionScheme<unknown>
}

/**
 * PyPA and GHSA enumerate `versions` beside the ranges that already hold them: an `= v` alternative inside
 * another alternative says nothing more and is dropped (only when the scheme proves it). Every version (an
 * open `introduced: 0`) makes all the rest moot.
 */
function simplify(scheme: VersionScheme<unknown>, alternatives: Range['alternatives']): Range['alternatives'] {
  if (alternatives.some((alt) => alt.length === 0)) return [[]]
  const isExact = (alt: Constraint[]) => alt.length === 1 && alt[0]?.op === '='
  const spans = { alternatives: alternatives.filter((alt) => !isExact(alt)) }
  if (spans.alternatives.length === 0) return alternatives
  return alternatives.filter((alt) => {
    if (!isExact(alt)) return true
    const p = scheme.parse(alt[0]?.version ?? '')
    if (!p.ok) return true
    const inside = inRange(scheme, p.value, spans)
    return !(inside.ok && inside.value)
  })
}

function toAffected(m: Merged): AffectedPackage {
  const ranges = formatRange({ alternatives: simplify(m.scheme, m.alternatives) })
  const out: AffectedPackage = {
    namespace: m.namespace,
    package: m.package,
    ranges,
    fixed: m.fixed,
    status: m.status,
    at: m.at.join(', '),
  }
  if (m.urgency) out.urgency = m.urgency
  return out
}

/** `CVSS:3.1/…` → 3.1; a v2 vector has no prefix. */
function cvssVersion(type: string, vector: string): Cvss['version'] | undefined {
  const m = /^CVSS:(\d\.\d)\//.exec(vector)
  if (m) {
    const v = m[1]
    return v === '3.0' || v === '3.1' || v === '4.0' ? v : undefined
  }
  if (type === 'CVSS_V2' && /^\(?AV:[LAN]\//.test(vector)) return '2.0'
  return undefined
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}

/** A date, unless it is Go's zero time (`0001-01-01T00:00:00Z`), which some exports use for "not set". */
function date(v: unknown): string | undefined {
  const s = str(v)
  return s?.startsWith('0001-') ? undefined : s
}

function unique(items: Iterable<string>): string[] {
  return [...new Set(items)]
}

/** Why an affected entry converted to no versions at all, in a few words. */
function emptyReason(skipped: { at: string; reason: string }[], hasInput: boolean): string {
  if (!hasInput) return 'no ranges or versions'
  if (skipped.length > 0 && skipped.every((s) => s.reason.startsWith('GIT range'))) {
    return 'GIT ranges only (commits, not versions): nothing to match, entry dropped'
  }
  const first = skipped[0]
  return first ? `no usable versions (${first.at}: ${first.reason}): entry dropped` : 'no versions: entry dropped'
}

/**
 * One OSV record as a `VulnerabilityRecord` (source `osv`). Affected entries in ecosystems we do not know, or
 * whose ranges give no versions (GIT only, or unparseable), are left out with a note; a record that had affected
 * entries and keeps none in a known ecosystem is skipped. A record with an empty `affected` (Debian's DLA
 * alias carriers) is kept for its aliases.
 */
export function osvToRecord(doc: unknown): OsvResult {
  const notes: OsvNote[] = []
  const parsed = osvSchema.safeParse(doc)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    return { reason: i ? (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message) : 'invalid', notes }
  }
  const d = parsed.data
  const id = d.id.trim()
  const db = osvDatabase(id)
  const withdrawn = date(d.withdrawn)

  const affected: Merged[] = []
  const rawAffected = d.affected ?? []
  let known = 0
  let urgency: string | undefined
  let informational: string | undefined
  for (const [i, raw] of rawAffected.entries()) {
    const at = `affected[${i}]`
    const a = affectedSchema.safeParse(raw)
    if (!a.success) {
      const issue = a.error.issues[0]
      notes.push({ at, reason: `bad entry: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` })
      continue
    }
    const { ecosystem, name } = a.data.package
    const namespace = namespaceForEcosystem(ecosystem)
    if (!namespace) {
      notes.push({ at, reason: `unknown ecosystem ${JSON.stringify(ecosystem)}: entry dropped` })
      continue
    }
    known++
    const schemeName = schemeForEcosystem(ecosystem)
    const input = { ranges: a.data.ranges ?? [], versions: a.data.versions ?? [] }
    const conv = convertOsvAffected(SCHEMES[schemeName], input)
    // Unparseable enumerated versions (PyPI's `0.1-bulbasaur`) are one note per entry, with examples.
    const badVersions: string[] = []
    for (const s of conv.skipped) {
      const v = /^versions\[(\d+)\]$/.exec(s.at)
      if (v) badVersions.push(JSON.stringify(input.versions[Number(v[1])]))
      else if (!s.reason.startsWith('GIT range')) notes.push({ at: `${at}.${s.at}`, reason: s.reason })
    }
    if (badVersions.length) {
      const shown = badVersions.slice(0, 3).join(', ') + (badVersions.length > 3 ? ', …' : '')
      notes.push({
        at: `${at}.versions`,
        reason: `${badVersions.length} of ${input.versions.length} versions do not parse as ${schemeName} (${shown}): left out`,
      })
    }
    if (!conv.range) {
      notes.push({ at, reason: emptyReason(conv.skipped, input.ranges.length + input.versions.length > 0) })
      continue
    }
    // Every version (an open `introduced: 0`) makes any enumerated versions beside it moot.
    const fixed = unique(
      input.ranges
        .filter((r) => r.type !== 'GIT')
        .flatMap((r) => r.events ?? [])
        .map((e) => str(e.fixed))
        .filter((v): v is string => v !== undefined),
    )
    const entryUrgency = str(a.data.ecosystem_specific?.urgency)
    urgency ??= entryUrgency
    informational ??= str(a.data.database_specific?.informational)
    const distro = DISTRO_SCHEMES.has(schemeName)
    const status: AffectedStatus = withdrawn ? 'withdrawn' : distro ? (fixed.length ? 'fixed' : 'open') : 'affected'
    // GHSA lists one entry per range of a package (minimist: `< 0.2.1` and `>= 1.0.0, < 1.2.3`): one package,
    // one entry, its ranges the alternatives.
    const same = affected.find(
      (m) => m.namespace === namespace && m.package === name && m.status === status && m.urgency === entryUrgency,
    )
    if (same) {
      for (const alt of conv.range.alternatives) {
        const key = JSON.stringify(alt)
        if (!same.alternatives.some((x) => JSON.stringify(x) === key)) same.alternatives.push(alt)
      }
      for (const f of fixed) if (!same.fixed.includes(f)) same.fixed.push(f)
      same.at.push(at)
    } else {
      affected.push({
        namespace,
        package: name,
        alternatives: [...conv.range.alternatives],
        fixed,
        status,
        urgency: entryUrgency,
        at: [at],
        scheme: SCHEMES[schemeName],
      })
    }
  }
  if (rawAffected.length > 0 && known === 0) {
    const first = notes[0]
    return { reason: `no affected package in an ecosystem we know${first ? ` (${first.reason})` : ''}`, notes }
  }

  const cvss: Cvss[] = []
  let severity: SourceSeverity | undefined
  for (const [i, s] of (d.severity ?? []).entries()) {
    const vector = s.score.trim()
    switch (s.type) {
      case 'CVSS_V2':
      case 'CVSS_V3':
      case 'CVSS_V4': {
        const version = cvssVersion(s.type, vector)
        if (!version) notes.push({ at: `severity[${i}]`, reason: `${s.type} score is not a CVSS vector: ${vector}` })
        else if (!cvss.some((c) => c.vector === vector)) cvss.push({ version, vector, source: db })
        break
      }
      // Ubuntu's own priority word (`medium`); other types are future schema additions.
      default:
        if (s.type === 'Ubuntu' && vector) severity ??= { value: vector, source: db }
    }
  }
  const dbSpecific = d.database_specific ?? {}
  // GHSA's LOW/MODERATE/HIGH/CRITICAL outranks everything; then Ubuntu's priority, Debian's urgency.
  const dbSeverity = str(dbSpecific.severity)
  if (dbSeverity) severity = { value: dbSeverity, source: db }
  if (!severity && urgency) severity = { value: urgency, source: db }
  // RustSec advisories about unmaintained or unsound crates carry no CVSS: say so rather than "unknown".
  if (!severity && informational && cvss.length === 0) severity = { value: 'informational', source: db }

  const cweIds = Array.isArray(dbSpecific.cwe_ids) ? dbSpecific.cwe_ids : []
  const cwes = unique(cweIds.filter((c): c is string => typeof c === 'string' && /^CWE-\d+$/.test(c)))
  const references: Reference[] = []
  for (const r of d.references ?? []) {
    const url = r.url.trim()
    if (!url || references.some((x) => x.url === url)) continue
    const ref: Reference = { url }
    const type = str(r.type)
    if (type) ref.type = type
    references.push(ref)
  }

  const record: VulnerabilityRecord = {
    id,
    source: 'osv',
    // `related` names other vulnerabilities, not other names of this one: it is not an alias.
    aliases: unique([...(d.aliases ?? []), ...(d.upstream ?? [])].map((a) => a.trim()).filter((a) => a && a !== id)),
    cvss,
    cwes,
    references,
    affected: affected.map(toAffected),
  }
  const summary = str(d.summary)
  const details = d.details?.trim() ? d.details : undefined
  const published = date(d.published)
  const modified = date(d.modified)
  if (summary) record.summary = summary
  if (details) record.details = details
  if (published) record.published = published
  if (modified) record.modified = modified
  if (withdrawn) record.withdrawn = withdrawn
  if (severity) record.severity = severity
  return { record, notes }
}
