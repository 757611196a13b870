import type { Sbom } from '../../../model/index.js'

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length)
}

/** A table for people: one package per line, sorted as the SBOM is. */
export function encodeList(sbom: Sbom): string {
  const rows = sbom.packages.map((p) => [p.name, p.version, p.kind, String(p.introducedIn.layerIndex)])
  const head = ['NAME', 'VERSION', 'TYPE', 'LAYER']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i] as number))).join('  ')
  const t = sbom.target
  const title = [
    `Target: ${t.name ? `${t.name}${t.tags[0] ? `:${t.tags[0]}` : ''}` : t.ref}`,
    t.manifestDigest ? `Digest: ${t.manifestDigest}` : undefined,
    t.platform
      ? `Platform: ${t.platform.os}/${t.platform.architecture}${t.platform.variant ? `/${t.platform.variant}` : ''}`
      : undefined,
    sbom.distro ? `Distro: ${sbom.distro.prettyName ?? `${sbom.distro.id} ${sbom.distro.versionId ?? ''}`}` : undefined,
    `Packages: ${sbom.packages.length}`,
  ].filter((x): x is string => x !== undefined)
  const out = [...title, '', line(head), ...rows.map(line)]
  if (sbom.issues.length > 0) {
    out.push('', `Issues (${sbom.issues.length}):`)
    for (const i of sbom.issues)
      out.push(
        `  ${i.source}: ${i.message}${i.location ? ` [${i.location.path}, layer ${i.location.layerIndex}]` : ''}`,
      )
  }
  return `${out.join('\n')}\n`
}
