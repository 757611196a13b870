import { createHash } from 'node:crypto'
import type { Finding, PackageKind, Report, SeverityLevel } from '../model/index.js'
import { firstLine, truncate } from './common.js'

/**
 * GitLab's dependency-scanning report (security report schema 15.x), as the issue asks. Valid against
 * `dependency-scanning-report-format.json` 15.1.5. GitLab's container-scanning report would fit an image better (its
 * location is {dependency, operating_system, image} rather than a manifest file); this is the format to add next.
 */

/** The schema version the document claims, and is tested against. */
export const GITLAB_SCHEMA_VERSION = '15.1.5'

const SEVERITY: Record<SeverityLevel, 'Critical' | 'High' | 'Medium' | 'Low' | 'Unknown'> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  unspecified: 'Unknown',
}

/** `dependency_files[].package_manager`, by package kind (GitLab's names where it has one). */
const PACKAGE_MANAGER: Record<PackageKind, string> = {
  deb: 'dpkg',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  python: 'pip',
  java: 'maven',
  'go-module': 'go',
  'rust-crate': 'cargo',
  gem: 'bundler',
  composer: 'composer',
  nuget: 'nuget',
}

const NAME_MAX = 255
const SOLUTION_MAX = 7000
const CVSS_VECTORS_MAX = 10

// The schema's own patterns for CVSS v2 and v3.x vectors; others (v4.0) are left out rather than made invalid.
const V2_PART =
  '(AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))'
const V3_PART =
  '(AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])'
const V2_RE = new RegExp(`^(${V2_PART}/)*${V2_PART}$`)
const V3_RE = new RegExp(`^CVSS:3[.][01]/(${V3_PART}/)*${V3_PART}$`)

function validVector(v: string): boolean {
  if (v.length > 128) return false
  return (v.length >= 16 && V2_RE.test(v)) || (v.length >= 32 && V3_RE.test(v))
}

/** A UUID (version-5 layout) from the finding's identity: the same finding gets the same id in every report. */
export function vulnerabilityId(f: Finding): string {
  const h = createHash('sha256')
    .update(`shipshape:gitlab:${f.package.purl}\n${f.id}\n${f.package.location.path}`)
    .digest()
  h[6] = ((h[6] as number) & 0x0f) | 0x50
  h[8] = ((h[8] as number) & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

/** An image path as a report-relative file (GitLab's `location.file`): no leading `/`. */
function relFile(path: string): string {
  return path.replace(/^\/+/, '') || '.'
}

function identifierUrl(id: string): string | undefined {
  if (/^CVE-\d{4}-\d+$/.test(id)) return `https://nvd.nist.gov/vuln/detail/${id}`
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(id)) return `https://github.com/advisories/${id}`
  if (/^(PYSEC|GO|RUSTSEC)-\d{4}-\d+$/.test(id)) return `https://osv.dev/vulnerability/${id}`
  if (/^(DSA|DLA)-\d+(-\d+)?$/.test(id)) return `https://security-tracker.debian.org/tracker/${id}`
  return undefined
}

function identifier(id: string): { type: string; name: string; value: string; url?: string } {
  const type = /^([A-Za-z]+)[-:]/.exec(id)?.[1]?.toLowerCase() ?? 'other'
  const url = identifierUrl(id)
  return { type, name: id, value: id, ...(url ? { url } : {}) }
}

function isLink(s: string): boolean {
  if (!/^(https?|ftp):\/\/\S+$/i.test(s)) return false
  try {
    new URL(s)
    return true
  } catch {
    return false
  }
}

function solution(f: Finding): string {
  const p = f.package
  switch (f.fix.state) {
    case 'fixed':
      return `Upgrade ${p.name} to ${f.fix.versions.length > 1 ? `one of ${f.fix.versions.join(', ')}` : f.fix.versions[0]}.`
    case 'wont-fix':
      return `No fix: the advisory says it will not be fixed (${f.fix.status ?? 'wont-fix'}). Remove ${p.name} or accept the risk.`
    case 'not-fixed':
      return `No fixed version of ${p.name} yet${f.fix.status ? ` (${f.fix.status})` : ''}.`
    case 'unknown':
      return `No fix information for ${p.name}.`
    default: {
      const never: never = f.fix.state
      return String(never)
    }
  }
}

function description(f: Finding): string {
  const p = f.package
  const lines = [f.summary?.trim() || `${f.id} affects ${p.name}.`, '']
  lines.push(`Installed: ${p.name} ${p.version} (${p.kind}, ${p.purl})`)
  lines.push(`Found in: ${p.location.path} (layer ${p.location.layerIndex})`)
  if (f.affectedRange) lines.push(`Affected versions: ${f.affectedRange}`)
  return lines.join('\n')
}

type Detail = { name: string; type: 'text'; value: string } | { name: string; type: 'value'; value: number }

function details(f: Finding): Record<string, Detail> {
  const p = f.package
  const s = f.severity
  const out: Record<string, Detail> = {
    package_url: { name: 'Package URL', type: 'text', value: p.purl },
    layer: {
      name: 'Layer',
      type: 'text',
      value: `${p.location.layerIndex}${p.location.layer ? ` (${p.location.layer})` : ''}`,
    },
    severity_source: {
      name: 'Severity source',
      type: 'text',
      value: s.source ? `${s.source}${s.raw ? ` (${s.raw})` : ''}` : 'none: no severity and no CVSS anywhere',
    },
  }
  if (f.cvss)
    out.cvss = {
      name: 'CVSS',
      type: 'text',
      value: `${f.cvss.score.toFixed(1)} ${f.cvss.vector} (${f.cvss.source})`,
    }
  if (f.kev)
    out.cisa_kev = {
      name: 'CISA known exploited',
      type: 'text',
      value: `added ${f.kev.dateAdded}${f.kev.dueDate ? `, due ${f.kev.dueDate}` : ''}`,
    }
  if (f.epss) {
    out.epss_score = { name: 'EPSS score', type: 'value', value: f.epss.score }
    out.epss_percentile = { name: 'EPSS percentile', type: 'value', value: f.epss.percentile }
  }
  return out
}

function cvssVectors(f: Finding): { vendor: string; vector: string }[] {
  const all = [...(f.cvss ? [f.cvss] : []), ...f.cvssAll]
  const seen = new Set<string>()
  const out: { vendor: string; vector: string }[] = []
  for (const c of all) {
    const key = `${c.source}\n${c.vector}`
    if (seen.has(key) || !validVector(c.vector)) continue
    seen.add(key)
    out.push({ vendor: c.source || 'unknown', vector: c.vector })
  }
  return out.slice(0, CVSS_VECTORS_MAX)
}

function vulnerability(f: Finding): Record<string, unknown> {
  const vectors = cvssVectors(f)
  const links = [...new Set(f.urls.filter(isLink))].map((url) => ({ url }))
  const ids = [...new Set([f.id, ...f.aliases])]
  return {
    id: vulnerabilityId(f),
    name: truncate(firstLine(f.summary) ?? f.id, NAME_MAX),
    description: description(f),
    severity: SEVERITY[f.severity.level],
    solution: truncate(solution(f), SOLUTION_MAX),
    identifiers: ids.map(identifier),
    ...(vectors.length ? { cvss_vectors: vectors } : {}),
    ...(links.length ? { links } : {}),
    details: details(f),
    location: {
      file: relFile(f.package.location.path),
      dependency: { package: { name: f.package.name }, version: f.package.version },
    },
  }
}

/** `YYYY-MM-DDThh:mm:ss` in UTC, as the schema's `scan.*_time` pattern wants. */
function scanTime(...candidates: string[]): string {
  for (const c of candidates) {
    const d = new Date(c)
    if (c && !Number.isNaN(d.getTime())) return d.toISOString().slice(0, 19)
  }
  return '1970-01-01T00:00:00'
}

function dependencyFiles(report: Report): { path: string; package_manager: string; dependencies: unknown[] }[] {
  const files = new Map<string, { path: string; package_manager: string; dependencies: unknown[] }>()
  for (const p of report.sbom.packages) {
    const manager = PACKAGE_MANAGER[p.kind]
    const path = relFile(p.lastChangedIn.path)
    const key = `${path}\n${manager}`
    const file = files.get(key) ?? { path, package_manager: manager, dependencies: [] }
    file.dependencies.push({ package: { name: p.name }, version: p.version })
    files.set(key, file)
  }
  return [...files.values()]
}

/** The report as a GitLab dependency-scanning report (pretty JSON, one trailing newline). */
export function formatGitlab(report: Report): string {
  const tool = report.sbom.tool
  const component = { id: 'shipshape', name: 'shipshape', version: tool.version, vendor: { name: 'shipshape' } }
  const time = scanTime(report.sbom.createdAt, report.db.builtAt)
  const messages = [
    ...report.warnings.map((w) => ({ level: 'warn', value: w })),
    ...report.sbom.issues.map((i) => ({
      level: 'warn',
      value: `${i.message}${i.location ? ` (${i.location.path}, layer ${i.location.layerIndex})` : ''}`,
    })),
  ].filter((m) => m.value.trim() !== '')
  const doc = {
    version: GITLAB_SCHEMA_VERSION,
    scan: {
      analyzer: component,
      scanner: component,
      type: 'dependency_scanning',
      start_time: time,
      end_time: time,
      status: 'success',
      ...(messages.length ? { messages } : {}),
    },
    vulnerabilities: report.findings.map(vulnerability),
    // Not in the 15.x schema (GitLab 14.x read it for the dependency list); allowed, as the schema is open.
    dependency_files: dependencyFiles(report),
  }
  return `${JSON.stringify(doc, null, 2)}\n`
}
