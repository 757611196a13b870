import { createHash } from 'node:crypto'
import { levelForScore } from '../match/index.js'
import type { Finding, PackageKind, Report, SeverityLevel } from '../model/index.js'
import { cvssText, firstLine, fixText, severityText, truncate } from './common.js'

/**
 * SARIF 2.1.0 as GitHub code scanning ingests it: one run, one rule per vulnerability id, one result per finding.
 * Valid against the OASIS errata01 schema, the cs01 draft-07 schema and the schema GitHub's docs link to.
 */

/** The final OASIS standard schema (SARIF2008 asks for it in `$schema`). */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'

/**
 * `tool.driver.informationUri`. shipshape has no web address of its own yet, so this is under the reserved `.invalid`
 * TLD (RFC 2606), as the SPDX `documentNamespace` is; replace it when the project has a home page.
 */
export const SARIF_INFORMATION_URI = 'https://shipshape.invalid/'

/** `security-severity` when no CVSS score agrees with the severity shown (Trivy's band defaults). */
const BAND_DEFAULT: Record<Exclude<SeverityLevel, 'unspecified'>, number> = {
  critical: 9.5,
  high: 8.0,
  medium: 5.5,
  low: 2.0,
}

const LEVEL: Record<SeverityLevel, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  unspecified: 'note',
}

const RANK: Record<SeverityLevel, number> = { critical: 0, high: 1, medium: 2, low: 3, unspecified: 4 }

/** GitHub shows at most 1024 characters of a rule's short and full description. */
const DESCRIPTION_MAX = 1024
const HELP_REFERENCES_MAX = 10

interface SarifRule {
  id: string
  name: string
  shortDescription: { text: string }
  fullDescription: { text: string }
  helpUri?: string
  help: { text: string; markdown: string }
  defaultConfiguration: { level: 'error' | 'warning' | 'note' }
  properties: { 'security-severity': string; tags: string[] }
}

interface SarifResult {
  ruleId: string
  ruleIndex: number
  level: 'error' | 'warning' | 'note'
  message: { text: string }
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string }
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number }
    }
    message: { text: string }
  }[]
  partialFingerprints: Record<string, string>
  properties: Record<string, unknown>
}

function fixSentence(f: Finding): string {
  switch (f.fix.state) {
    case 'fixed':
      return `Fixed in ${f.fix.versions.join(', ')}.`
    case 'wont-fix':
      return `Will not be fixed (${f.fix.status ?? 'wont-fix'}).`
    case 'not-fixed':
      return f.fix.status ? `Not fixed yet (${f.fix.status}).` : 'Not fixed yet.'
    default:
      return 'Fix status unknown.'
  }
}

/**
 * The number GitHub turns into the alert's severity. A CVSS score when its band agrees with the severity shown
 * (Scout's policy may show a distro's LOW beside another source's 9.8: GitHub must not call that critical), else the
 * band's default; unspecified has no band, and 0.0 tells GitHub "no security severity".
 */
export function securitySeverity(f: Finding): number {
  const level = f.severity.level
  if (f.cvss && levelForScore(f.cvss.score) === level) return f.cvss.score
  return level === 'unspecified' ? 0 : BAND_DEFAULT[level]
}

/** A repository-relative URI reference for an image path: no leading `/`, percent-encoded where URIs need it. */
export function pathUri(path: string): string {
  const rel = path.replace(/^\/+/, '') || '.'
  return rel
    .split('/')
    .map((seg, i) => {
      const enc = encodeURI(seg).replace(/[?#]/g, (c) => encodeURIComponent(c))
      // A `:` in the first segment would read as a scheme.
      return i === 0 ? enc.replace(/:/g, '%3A') : enc
    })
    .join('/')
}

/** Stable per (package purl, vulnerability id), so an alert survives rescans of the same package. */
export function fingerprint(f: Finding): string {
  return createHash('sha256').update(`${f.package.purl}\n${f.id}`).digest('hex').slice(0, 32)
}

function isUrl(s: string): boolean {
  if (!/^https?:\/\/\S+$/i.test(s)) return false
  try {
    new URL(s)
    return true
  } catch {
    return false
  }
}

/** The findings' URLs, the first one that names the vulnerability (its advisory or tracker page) in front. */
function urlsOf(id: string, findings: readonly Finding[]): string[] {
  const urls = [...new Set(findings.flatMap((f) => f.urls).filter(isUrl))]
  const own = urls.find((u) => u.toLowerCase().includes(id.toLowerCase()))
  return own ? [own, ...urls.filter((u) => u !== own)] : urls
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

function mdCode(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|')}\``
}

function kevText(f: Finding): string | undefined {
  if (!f.kev) return undefined
  return `added ${f.kev.dateAdded}${f.kev.dueDate ? `, due ${f.kev.dueDate}` : ''}${
    f.kev.knownRansomware === 'Known' ? ', known ransomware use' : ''
  }`
}

function help(id: string, findings: readonly Finding[], urls: readonly string[]): { text: string; markdown: string } {
  const first = findings[0] as Finding
  const aliases = [...new Set(findings.flatMap((f) => f.aliases))]
  const summary = first.summary?.trim()
  const refs = urls.slice(0, HELP_REFERENCES_MAX)
  const more = urls.length - refs.length
  const kev = findings.map(kevText).find((k) => k !== undefined)
  const epss = findings.find((f) => f.epss)?.epss

  const text: string[] = [`Vulnerability ${id}${aliases.length ? ` (${aliases.join(', ')})` : ''}`]
  if (summary) text.push(summary)
  for (const f of findings) {
    text.push('')
    text.push(`Package: ${f.package.name} ${f.package.version} (${f.package.kind}, ${f.package.purl})`)
    text.push(`Location: ${f.package.location.path} (layer ${f.package.location.layerIndex})`)
    text.push(`Fixed in: ${fixText(f)}`)
    text.push(`Severity: ${severityText(f)}`)
    const cvss = cvssText(f)
    if (cvss) text.push(`CVSS: ${cvss}`)
  }
  if (kev || epss) text.push('')
  if (kev) text.push(`Known exploited (CISA KEV): ${kev}`)
  if (epss) text.push(`EPSS: ${epss.score} (percentile ${epss.percentile})`)
  if (refs.length) {
    text.push('', 'References:')
    for (const u of refs) text.push(`- ${u}`)
    if (more > 0) text.push(`- and ${more} more`)
  }

  const md: string[] = [`**${id}**${summary ? ` ${mdCell(firstLine(summary) ?? '')}` : ''}`, '']
  md.push('| Package | Installed | Fixed in | Severity (source) | CVSS |')
  md.push('| --- | --- | --- | --- | --- |')
  for (const f of findings) {
    const cvss = f.cvss ? `${f.cvss.score.toFixed(1)} ${mdCode(f.cvss.vector)} (${mdCell(f.cvss.source)})` : ''
    md.push(
      `| ${mdCode(f.package.name)} (${f.package.kind}) | ${mdCode(f.package.version)} | ${mdCell(fixText(f))} | ${mdCell(
        severityText(f),
      )} | ${cvss} |`,
    )
  }
  md.push('')
  if (summary && summary !== firstLine(summary)) md.push(summary, '')
  if (aliases.length) md.push(`Also known as: ${aliases.map(mdCode).join(', ')}`, '')
  if (kev) md.push(`**Known exploited** (CISA KEV): ${kev}`, '')
  if (epss) md.push(`EPSS: ${epss.score} (percentile ${epss.percentile})`, '')
  if (refs.length) {
    md.push('References:', '')
    for (const u of refs) md.push(`- <${u}>`)
    if (more > 0) md.push(`- and ${more} more`)
  }
  return { text: text.join('\n'), markdown: md.join('\n').trimEnd() }
}

function ruleName(findings: readonly Finding[]): string {
  const by = new Set(findings.map((f) => f.matchedBy))
  if (by.size > 1) return 'PackageVulnerability'
  return by.has('distro') ? 'OsPackageVulnerability' : 'LanguagePackageVulnerability'
}

function rule(id: string, findings: readonly Finding[]): SarifRule {
  const first = findings[0] as Finding
  const worst = findings.reduce((a, f) => (RANK[f.severity.level] < RANK[a.severity.level] ? f : a), first)
  const score = Math.max(...findings.map(securitySeverity))
  const names = [...new Set(findings.map((f) => f.package.name))].join(', ')
  const short = firstLine(first.summary) ?? `${id} in ${names}`
  const full = first.summary?.trim() || short
  const urls = urlsOf(id, findings)
  const kinds = [...new Set(findings.map((f) => f.package.kind))].sort() as PackageKind[]
  return {
    id,
    name: ruleName(findings),
    shortDescription: { text: truncate(short, DESCRIPTION_MAX) },
    fullDescription: { text: truncate(full, DESCRIPTION_MAX) },
    ...(urls[0] ? { helpUri: urls[0] } : {}),
    help: help(id, findings, urls),
    defaultConfiguration: { level: LEVEL[worst.severity.level] },
    properties: { 'security-severity': score.toFixed(1), tags: ['security', worst.severity.level, ...kinds] },
  }
}

function result(f: Finding, ruleIndex: number): SarifResult {
  const p = f.package
  const layer = `layer ${p.location.layerIndex}`
  return {
    ruleId: f.id,
    ruleIndex,
    level: LEVEL[f.severity.level],
    message: {
      text: `${p.name} ${p.version} is affected by ${f.id}, severity ${severityText(f)}. ${fixSentence(f)} Found in ${p.location.path} (${layer}).`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: pathUri(p.location.path) },
          region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
        },
        message: {
          text: `${p.name}@${p.version} in ${p.location.path}, ${layer}${p.location.layer ? ` (${p.location.layer})` : ''}`,
        },
      },
    ],
    // GitHub reads only `primaryLocationLineHash`; the package's file is not in the repository for it to hash, so
    // the key carries the package/vulnerability identity instead.
    partialFingerprints: { primaryLocationLineHash: fingerprint(f) },
    properties: {
      purl: p.purl,
      packageType: p.kind,
      installedVersion: p.version,
      fixState: f.fix.state,
      fixedVersions: f.fix.versions,
      severity: f.severity.level,
      ...(f.severity.source ? { severitySource: f.severity.source } : {}),
      ...(f.cvss ? { cvssScore: f.cvss.score, cvssVector: f.cvss.vector, cvssSource: f.cvss.source } : {}),
      ...(f.aliases.length ? { aliases: f.aliases } : {}),
      ...(f.kev ? { cisaKev: true } : {}),
      ...(f.epss ? { epssScore: f.epss.score, epssPercentile: f.epss.percentile } : {}),
      layerIndex: p.location.layerIndex,
      ...(p.location.layer ? { layer: p.location.layer } : {}),
    },
  }
}

/** The report as a SARIF 2.1.0 log (pretty JSON, one trailing newline). */
export function formatSarif(report: Report): string {
  const byId = new Map<string, Finding[]>()
  for (const f of report.findings) byId.set(f.id, [...(byId.get(f.id) ?? []), f])
  const ids = [...byId.keys()]
  const index = new Map(ids.map((id, i) => [id, i]))
  const t = report.sbom.target
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'shipshape',
            version: report.sbom.tool.version,
            informationUri: SARIF_INFORMATION_URI,
            rules: ids.map((id) => rule(id, byId.get(id) as Finding[])),
          },
        },
        results: report.findings.map((f) => result(f, index.get(f.id) as number)),
        columnKind: 'utf16CodeUnits',
        properties: {
          target: t.name ? `${t.name}${t.tags[0] ? `:${t.tags[0]}` : ''}` : t.ref,
          targetKind: t.kind,
          ref: t.ref,
          ...(t.manifestDigest ? { manifestDigest: t.manifestDigest } : {}),
          ...(t.configDigest ? { configDigest: t.configDigest } : {}),
          ...(t.platform ? { platform: t.platform } : {}),
          ...(report.sbom.distro
            ? {
                distro: `${report.sbom.distro.id}${report.sbom.distro.versionId ? ` ${report.sbom.distro.versionId}` : ''}`,
              }
            : {}),
          packages: report.summary.packages,
          dbBuiltAt: report.db.builtAt,
          ...(report.warnings.length ? { warnings: report.warnings } : {}),
        },
      },
    ],
  }
  return `${JSON.stringify(log, null, 2)}\n`
}
