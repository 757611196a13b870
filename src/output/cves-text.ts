import { type Finding, type Report, SEVERITY_LETTER, SEVERITY_ORDER, type SeverityCounts } from '../model/index.js'
import { fixText, targetName } from './common.js'

function counts(c: SeverityCounts): string {
  return SEVERITY_ORDER.map((l) => `${c[l]}${SEVERITY_LETTER[l]}`).join(' ')
}

/** Scout's `packages` layout: an overview, then each vulnerable package with its vulnerabilities. */
export function formatPackages(r: Report, opts: { locations?: boolean; epss?: boolean } = {}): string {
  const out: string[] = []
  const t = r.sbom.target
  out.push(`    Target: ${targetName(r)}`)
  if (t.manifestDigest) out.push(`    digest: ${t.manifestDigest.slice(7, 19)}`)
  out.push(`  packages: ${r.summary.packages}`)
  out.push(`  vulnerabilities: ${counts(r.summary)}`)
  out.push(`  vulnerable packages: ${r.summary.vulnerablePackages}`)
  out.push(`  database: built ${r.db.builtAt}`)
  if (r.base)
    out.push(
      `  base image: ${r.base.name} (${r.base.foundBy === 'layers' ? 'by its layers' : `by its ${r.base.foundBy}`}${r.base.layers !== undefined ? `, ${r.base.layers} layer${r.base.layers === 1 ? '' : 's'}` : ''})`,
    )
  if (t.sbomSource === 'attestation') out.push('  packages from: the SBOM attested to the image')
  const src = t.provenance?.source
  if (src?.repository || src?.revision)
    out.push(`  built from: ${src.repository ?? '?'}${src.revision ? ` at ${src.revision}` : ''} (provenance)`)
  for (const w of r.warnings) out.push(`  warning: ${w}`)
  out.push('')
  const byPkg = new Map<string, Finding[]>()
  for (const f of r.findings) {
    const k = f.package.id
    byPkg.set(k, [...(byPkg.get(k) ?? []), f])
  }
  for (const list of byPkg.values()) {
    const p = (list[0] as Finding).package
    const c: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0 }
    for (const f of list) c[f.severity.level]++
    out.push(`## ${counts(c)}  ${p.name} ${p.version}`)
    out.push(`pkg:${p.purl.slice(4)}`)
    const from = (list[0] as Finding).fromBase
    out.push(
      `    ${p.location.path} (layer ${p.introducedIn.layerIndex}${from === undefined ? '' : from ? ', base image' : ', own layers'})`,
    )
    if (opts.locations) {
      const pkg = r.sbom.packages.find((x) => x.id === p.id)
      for (const l of pkg?.locations ?? [])
        out.push(`      ${l.path}${l.layer ? `  ${l.layer.slice(7, 19)} (layer ${l.layerIndex})` : ''}`)
    }
    out.push('')
    for (const f of list) {
      const sev = f.severity.level.toUpperCase()
      out.push(`    ${f.suppressed ? '○' : '✗'} ${sev} ${f.id}${f.kev ? '  [CISA KEV]' : ''}`)
      if (f.suppressed) out.push(`      Suppressed     : ${f.suppressed.reason} (${f.suppressed.source})`)
      if (f.summary) out.push(`      ${f.summary.split('\n')[0]?.slice(0, 110)}`)
      if (f.affectedRange) out.push(`      Affected range : ${f.affectedRange}`)
      out.push(`      Fixed version  : ${fixText(f)}`)
      out.push(
        `      Severity       : ${f.severity.raw ?? 'unspecified'}${f.severity.source ? ` (${f.severity.source})` : ''}`,
      )
      if (f.cvss) out.push(`      CVSS Score     : ${f.cvss.score} (${f.cvss.source})`)
      if (f.cvss) out.push(`      CVSS Vector    : ${f.cvss.vector}`)
      if (f.epss && opts.epss !== false)
        out.push(`      EPSS Score     : ${f.epss.score} (percentile ${f.epss.percentile})`)
      if (f.aliases.length) out.push(`      Aliases        : ${f.aliases.join(', ')}`)
      out.push('')
    }
  }
  out.push(`${r.findings.length} vulnerabilities found in ${r.summary.vulnerablePackages} packages`)
  out.push(`  ${SEVERITY_ORDER.map((l) => `${l.toUpperCase()} ${r.summary[l]}`).join('  ')}`)
  return `${out.join('\n')}\n`
}

/** `only-packages`: Name Version Type Vulnerabilities. */
export function formatOnlyPackages(r: Report): string {
  const per = new Map<string, SeverityCounts>()
  for (const f of r.findings) {
    const c = per.get(f.package.id) ?? { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0 }
    c[f.severity.level]++
    per.set(f.package.id, c)
  }
  const rows = r.sbom.packages.map((p) => [
    p.name,
    p.version,
    p.kind,
    per.has(p.id) ? counts(per.get(p.id) as SeverityCounts) : '',
  ])
  const head = ['Name', 'Version', 'Type', 'Vulnerabilities']
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] as number)))
      .join('  ')
      .trimEnd()
  return `${[line(head), ...rows.map(line)].join('\n')}\n`
}

export function formatJson(r: Report): string {
  const { sbom, ...rest } = r
  return `${JSON.stringify({ format: 'shipshape-report', ...rest, target: sbom.target, distro: sbom.distro, packages: sbom.packages.length }, null, 2)}\n`
}
