import { afterEach, describe, expect, it, vi } from 'vitest'
import { formatMarkdown } from '../../src/output/markdown.js'
import { emptyReport, findingOf, fixedReport, golden } from './report.js'

/** The rows of the findings table (the one whose header starts with `| Package |`), as split cells. */
function findingRows(md: string): string[][] {
  const lines = md.split('\n')
  const head = lines.findIndex((l) => l.startsWith('| Package | Version | Vulnerability |'))
  if (head < 0) return []
  const rows: string[][] = []
  for (const l of lines.slice(head + 2)) {
    if (!l.startsWith('|')) break
    // Split on pipes that are not escaped.
    rows.push(
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    )
  }
  return rows
}

afterEach(() => {
  vi.useRealTimers()
})

describe('formatMarkdown', () => {
  it('matches the golden file byte for byte', () => {
    const out = formatMarkdown(fixedReport())
    expect(out).toBe(golden('report.md', out))
  })

  it('is deterministic and reads no clock', () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    const a = formatMarkdown(fixedReport())
    vi.setSystemTime(new Date('1999-06-15T12:00:00Z'))
    expect(formatMarkdown(fixedReport())).toBe(a)
  })

  it('summary table: target, short digest, packages, and the counts per severity', () => {
    const md = formatMarkdown(fixedReport())
    expect(md).toContain('| Target | Digest | Packages | Critical | High | Medium | Low | Unspecified |')
    expect(md).toContain('| `registry.example/shop/web:1.4.2` | `sha256:1f8fbb950580` | 9 | 3 | 3 | 7 | 1 | 1 |')
    expect(md).toContain('15 vulnerabilities in 8 of 9 packages. Database built 2026-11-22T09:29:41.000Z.')
  })

  it('one row per finding, worst first, with severity and its source, fix and CVSS', () => {
    const r = fixedReport()
    const rows = findingRows(formatMarkdown(r))
    expect(rows).toHaveLength(r.findings.length)
    for (const row of rows) expect(row).toHaveLength(6)
    expect(rows[0]).toEqual([
      '`log4j-core` (java)',
      '`2.14.1`',
      '[CVE-2021-44228](<https://nvd.nist.gov/vuln/detail/CVE-2021-44228>) (CISA KEV)',
      'Critical (ghsa)',
      '`2.15.0`',
      '10.0 (ghsa)',
    ])
    const levels = rows.map((row) => row[3]?.split(' ')[0])
    const rank = ['Critical', 'High', 'Medium', 'Low', 'Unspecified']
    expect(levels.map((l) => rank.indexOf(l ?? ''))).toEqual([...levels.map((l) => rank.indexOf(l ?? ''))].sort())
    expect(rows.at(-1)).toEqual([
      '`yaml-rust` (rust-crate)',
      '`0.4.5`',
      '[RUSTSEC-2024-0320](<https://rustsec.org/advisories/RUSTSEC-2024-0320.html>)',
      'Unspecified',
      'not fixed',
      '',
    ])
    expect(rows.find((row) => row[0]?.startsWith('`zip`'))?.[3]).toBe('High (osv:DEBIAN)')
    expect(rows.find((row) => row[2]?.includes('CVE-2020-28500'))?.[3]).toBe('Medium (ghsa: MODERATE)')
  })

  it('tells apart one package name and version found at two paths', () => {
    const r = fixedReport()
    const lodash = findingOf(r, 'CVE-2020-8203', 'lodash')
    r.findings.push({
      ...structuredClone(lodash),
      package: {
        ...lodash.package,
        location: { ...lodash.package.location, path: '/app/node_modules/x/node_modules/lodash/package.json' },
      },
    })
    const rows = findingRows(formatMarkdown(r)).filter((row) => row[2]?.includes('CVE-2020-8203'))
    expect(rows.map((row) => row[0])).toEqual([
      '`lodash` (npm)<br>`/app/node_modules/lodash/package.json`',
      '`lodash` (npm)<br>`/app/node_modules/x/node_modules/lodash/package.json`',
    ])
    // Packages at one path each keep a plain cell.
    expect(findingRows(formatMarkdown(fixedReport())).every((row) => !row[0]?.includes('<br>'))).toBe(true)
  })

  it('cell text cannot break the table or inject markup', () => {
    const r = fixedReport()
    const zip = findingOf(r, 'CVE-2018-13410', 'zip')
    zip.package.name = 'zi|p'
    zip.package.version = '3.0`-13'
    zip.severity = { level: 'high', source: 'a|b', raw: '<b>x</b>\n**y**', from: 'advisory' }
    zip.fix = { state: 'not-fixed', versions: [], status: 'no|dsa' }
    const row = findingRows(formatMarkdown(r)).find((x) => x[2]?.includes('CVE-2018-13410'))
    expect(row).toHaveLength(6)
    expect(row?.[0]).toBe('`zi\\|p` (deb)')
    expect(row?.[1]).toBe("`3.0'-13`")
    expect(row?.[3]).toBe('High (a\\|b: \\<b\\>x\\</b\\> \\*\\*y\\*\\*)')
    expect(row?.[4]).toBe('not fixed (no\\|dsa)')
  })

  it('warnings are shown; a clean image says so', () => {
    const r = emptyReport()
    r.warnings = ['unknown distro release: rolling']
    const md = formatMarkdown(r)
    expect(md).toContain('No vulnerabilities found in 9 packages.')
    expect(md).toContain('> **Warning:** unknown distro release: rolling')
    expect(findingRows(md)).toEqual([])
  })
})
