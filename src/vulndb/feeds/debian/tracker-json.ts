import { ShipshapeError } from '../../../internal/index.js'
import type { AffectedPackage, AffectedStatus, Reference, VulnerabilityRecord } from '../../../model/index.js'
import type { ImportSink } from '../feed.js'
import {
  bareUrgency,
  fixedRange,
  isSeverityUrgency,
  namespaceForCodename,
  releaseRank,
  trackerUrl,
} from './releases.js'

/*
 * The Security Tracker's JSON (`/tracker/data/json`): `{ <source package>: { <CVE-… | TEMP-…>: { description,
 * scope, debianbug, releases: { <codename>: { status, repositories, fixed_version, urgency, nodsa, nodsa_reason } } } } }`.
 * One record per vulnerability id, gathering every (release, source package) it names.
 */

type Json = Record<string, unknown>

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

interface Pending {
  record: VulnerabilityRecord
  /** The urgency picked for the record's severity so far, with the rank of the release it came from. */
  severity?: { rank: number; value: string }
}

/** What a release that is not fixed is, by the tracker's urgency and no-DSA marks (first that applies). */
function unfixedStatus(rel: Json, urgency: string | undefined): AffectedStatus {
  const u = urgency === undefined ? '' : bareUrgency(urgency)
  if (u === 'end-of-life') return 'end-of-life'
  if (u === 'unimportant') return 'unimportant'
  const reason = typeof rel.nodsa_reason === 'string' ? rel.nodsa_reason.trim() : ''
  if (reason === 'ignored') return 'ignored'
  if (reason === 'postponed') return 'postponed'
  if (rel.nodsa !== undefined || reason !== '') return 'no-dsa'
  return 'open'
}

/**
 * One release of one (package, vulnerability): `fixed_version "0"` → not affected; resolved with a version →
 * fixed below it; open or undetermined → affected in every version, with the reason it is not fixed.
 */
function affectedFor(
  pkg: string,
  codename: string,
  rel: unknown,
  at: string,
): { entry: AffectedPackage } | { error: string } {
  const namespace = namespaceForCodename(codename)
  if (namespace === undefined) return { error: `unknown Debian release ${JSON.stringify(codename)}` }
  if (!isObject(rel)) return { error: 'release entry is not an object' }
  const urgency = typeof rel.urgency === 'string' && rel.urgency.trim() !== '' ? rel.urgency.trim() : undefined
  const fv = rel.fixed_version
  if (fv !== undefined && typeof fv !== 'string') return { error: 'fixed_version is not a string' }
  const base = { namespace, package: pkg, at, ...(urgency === undefined ? {} : { urgency }) }
  if (fv !== undefined && fv.trim() === '0') return { entry: { ...base, fixed: [], status: 'not-affected' } }
  const status = rel.status
  switch (status) {
    case 'resolved': {
      if (fv === undefined || fv.trim() === '') return { error: 'resolved without a fixed_version' }
      const r = fixedRange(fv.trim())
      if ('error' in r) return r
      return { entry: { ...base, ranges: r.ranges, fixed: [fv.trim()], status: 'fixed' } }
    }
    case 'open':
    case 'undetermined':
      return { entry: { ...base, fixed: [], status: unfixedStatus(rel, urgency) } }
    default:
      return { error: `unknown status ${JSON.stringify(status)}` }
  }
}

/**
 * Reads the parsed tracker document into records. Each package's subtree is deleted from `doc` once read, so
 * the parsed tree shrinks while the records grow and the feed is held about once.
 */
export function importTrackerJson(doc: unknown, file: string, sink: ImportSink): number {
  if (!isObject(doc)) {
    throw new ShipshapeError('FEED', 'the Debian tracker JSON is not an object of source packages', { where: file })
  }
  const byId = new Map<string, Pending>()
  for (const pkg of Object.keys(doc)) {
    const cves = doc[pkg]
    delete doc[pkg]
    if (pkg.trim() === '' || /\s/.test(pkg)) {
      sink.skip(`${file} ${JSON.stringify(pkg)}`, 'bad source package name')
      continue
    }
    if (!isObject(cves)) {
      sink.skip(`${file} ${pkg}`, 'package entry is not an object')
      continue
    }
    for (const [id, cve] of Object.entries(cves)) {
      const where = `${file} ${pkg}/${id}`
      if (id.trim() === '' || /\s/.test(id)) {
        sink.skip(where, 'bad vulnerability id')
        continue
      }
      if (!isObject(cve)) {
        sink.skip(where, 'vulnerability entry is not an object')
        continue
      }
      const releases = cve.releases
      if (releases !== undefined && !isObject(releases) && !(Array.isArray(releases) && releases.length === 0)) {
        sink.skip(where, 'releases is not an object')
        continue
      }
      let p = byId.get(id)
      if (!p) {
        p = { record: { id, source: 'debian', aliases: [], cvss: [], cwes: [], references: [], affected: [] } }
        p.record.references.push({ url: trackerUrl(id) })
        byId.set(id, p)
      }
      const rec = p.record
      if (rec.summary === undefined && typeof cve.description === 'string' && cve.description.trim() !== '') {
        rec.summary = cve.description.trim()
      }
      const bug = cve.debianbug
      if (
        (typeof bug === 'number' && Number.isInteger(bug) && bug > 0) ||
        (typeof bug === 'string' && /^\d+$/.test(bug))
      ) {
        const ref: Reference = { url: `https://bugs.debian.org/${bug}`, type: 'REPORT' }
        if (!rec.references.some((r) => r.url === ref.url)) rec.references.push(ref)
      }
      if (!isObject(releases)) continue
      for (const [codename, rel] of Object.entries(releases)) {
        const r = affectedFor(pkg, codename, rel, `${pkg}/${id}/releases.${codename}`)
        if ('error' in r) {
          sink.skip(`${where}/${codename}`, r.error)
          continue
        }
        rec.affected.push(r.entry)
        const u = r.entry.urgency
        if (u !== undefined && isSeverityUrgency(u)) {
          const rank = releaseRank(r.entry.namespace)
          if (!p.severity || rank > p.severity.rank) p.severity = { rank, value: bareUrgency(u) }
        }
      }
    }
  }
  for (const p of byId.values()) {
    if (p.severity) p.record.severity = { value: p.severity.value, source: 'debian' }
    sink.vulnerability(p.record)
  }
  return byId.size
}
