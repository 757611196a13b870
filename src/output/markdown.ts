import type { Finding, Report, SeverityLevel } from '../model/index.js'
import { fixText, mdCell, mdCode, severityText, targetName, titleCase } from './common.js'

/**
 * GitHub-flavoured Markdown for a pull-request comment: a summary table (target, digest, counts), then one table
 * of findings, worst first.
 */

const ORDER: readonly SeverityLevel[] = ['critical', 'high', 'medium', 'low', 'unspecified']
const RANK: Record<SeverityLevel, number> = { critical: 0, high: 1, medium: 2, low: 3, unspecified: 4 }

const cell = mdCell
const code = mdCode

/** Fixed versions as code, the reasons there is no fix as escaped text. */
function fixCell(f: Finding): string {
  return f.fix.state === 'fixed' ? f.fix.versions.map(code).join(', ') : cell(fixText(f))
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

/** The page to link a vulnerability id to: the first URL that names it (its advisory), else the first URL. */
function urlFor(f: Finding): string | undefined {
  const urls = f.urls.filter(isUrl)
  return urls.find((u) => u.toLowerCase().includes(f.id.toLowerCase())) ?? urls[0]
}

/** The URL as a Markdown link destination (`<…>` form, so parentheses and spaces cannot end it early). */
function link(text: string, url: string | undefined): string {
  if (!url) return cell(text)
  return `[${cell(text)}](<${url.replace(/[<>\s]/g, (c) => encodeURIComponent(c))}>)`
}

function byWorstFirst(a: Finding, b: Finding): number {
  return (
    RANK[a.severity.level] - RANK[b.severity.level] ||
    (b.cvss?.score ?? -1) - (a.cvss?.score ?? -1) ||
    a.package.name.localeCompare(b.package.name) ||
    a.package.version.localeCompare(b.package.version) ||
    a.id.localeCompare(b.id) ||
    a.package.location.path.localeCompare(b.package.location.path)
  )
}

/** The report as Markdown (one trailing newline). */
export function formatMarkdown(report: Report): string {
  const t = report.sbom.target
  const s = report.summary
  const out: string[] = []
  out.push(`### shipshape: vulnerabilities in ${code(targetName(report))}`, '')
  out.push(`| Target | Digest | Packages | ${ORDER.map(titleCase).join(' | ')} |`)
  out.push(`| --- | --- | ---: | ${ORDER.map(() => '---:').join(' | ')} |`)
  const digest = t.manifestDigest ? code(t.manifestDigest.slice(0, 19)) : '—'
  out.push(`| ${code(targetName(report))} | ${digest} | ${s.packages} | ${ORDER.map((l) => s[l]).join(' | ')} |`)
  out.push('')
  const n = report.findings.length
  const summary =
    n === 0
      ? `No vulnerabilities found in ${s.packages} packages.`
      : `${n} ${n === 1 ? 'vulnerability' : 'vulnerabilities'} in ${s.vulnerablePackages} of ${s.packages} packages.`
  out.push(`${summary} Database built ${report.db.builtAt || 'at an unknown time'}.`)
  for (const w of report.warnings) out.push('', `> **Warning:** ${cell(w)}`)
  if (n > 0) {
    // A package name and version found at more than one path gets its path, so the rows tell them apart.
    const paths = new Map<string, Set<string>>()
    for (const f of report.findings) {
      const k = `${f.package.name}@${f.package.version}`
      paths.set(k, (paths.get(k) ?? new Set()).add(f.package.location.path))
    }
    out.push('')
    out.push('| Package | Version | Vulnerability | Severity (source) | Fixed in | CVSS |')
    out.push('| --- | --- | --- | --- | --- | --- |')
    for (const f of [...report.findings].sort(byWorstFirst)) {
      const p = f.package
      const where = (paths.get(`${p.name}@${p.version}`)?.size ?? 0) > 1 ? `<br>${code(p.location.path)}` : ''
      const vuln = `${link(f.id, urlFor(f))}${f.kev ? ' (CISA KEV)' : ''}`
      const cvss = f.cvss ? `${f.cvss.score.toFixed(1)} (${cell(f.cvss.source)})` : ''
      out.push(
        `| ${code(p.name)} (${p.kind})${where} | ${code(p.version)} | ${vuln} | ${cell(severityText(f))} | ${fixCell(f)} | ${cvss} |`,
      )
    }
  }
  out.push('')
  out.push(`<sub>shipshape ${cell(report.sbom.tool.version)} · SBOM of ${cell(report.sbom.createdAt)}</sub>`)
  return `${out.join('\n')}\n`
}
