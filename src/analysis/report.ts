import { matchSbom } from '../match/index.js'
import type { Finding, Report, Sbom, SeverityCounts } from '../model/index.js'
import type { StoreReader } from '../vulndb/index.js'

export function severityCounts(findings: readonly Finding[]): SeverityCounts {
  const c: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0 }
  for (const f of findings) c[f.severity.level]++
  return c
}

/** SBOM + DB → report: the findings, their counts, and which DB answered. */
export function buildReport(sbom: Sbom, db: StoreReader): Report {
  const { findings, warnings } = matchSbom(sbom, db)
  const meta = db.meta()
  const counts = severityCounts(findings)
  return {
    schemaVersion: 1,
    sbom,
    findings,
    summary: {
      ...counts,
      packages: sbom.packages.length,
      vulnerablePackages: new Set(findings.map((f) => f.package.id)).size,
    },
    db: {
      builtAt: meta.built_at ?? '',
      feeds: db
        .feeds()
        .map((f) =>
          f.feedVersion
            ? { name: f.name, version: f.feedVersion, records: f.records }
            : { name: f.name, records: f.records },
        ),
    },
    warnings,
  }
}
