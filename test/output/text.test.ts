import { describe, expect, it } from 'vitest'
import { buildQuickview } from '../../src/analysis/index.js'
import { formatJson, formatOnlyPackages, formatPackages, formatQuickviewText } from '../../src/output/index.js'
import { fixedReport, golden } from './report.js'

/** Golden files for the human and native formats of `cves` and for `quickview`, on the fixed report. */
describe('packages, only-packages, json and quickview on the fixed report', () => {
  it.each([
    ['report.packages.txt', () => formatPackages(fixedReport())],
    ['report.packages-locations.txt', () => formatPackages(fixedReport(), { locations: true, epss: true })],
    ['report.only-packages.txt', () => formatOnlyPackages(fixedReport())],
    ['report.cves.json', () => formatJson(fixedReport())],
    [
      'report.quickview.txt',
      () =>
        formatQuickviewText(
          buildQuickview(
            fixedReport(),
            { foundBy: 'label', repository: 'localhost/fixtures/debian-base', tag: 'bookworm' },
            undefined,
          ),
        ),
    ],
  ])('%s', (name, make) => {
    const out = make()
    expect(out).toBe(golden(name, out))
  })

  it('packages: every finding once, with its severity source, and the totals', () => {
    const r = fixedReport()
    const out = formatPackages(r)
    for (const f of r.findings) expect(out).toContain(` ${f.id}`)
    expect(out).toContain(`${r.findings.length} vulnerabilities found in ${r.summary.vulnerablePackages} packages`)
    expect(out).toMatch(/Severity {7}: \S+ \((ghsa|osv:\w+|nvd)\)/)
  })
})
