import { describe, expect, it } from 'vitest'
import { compareReports, omitUnchanged } from '../../src/analysis/index.js'
import type { Digest, Finding, Package, PackageId, Report } from '../../src/model/index.js'
import { formatCompareJson, formatCompareMarkdown, formatCompareText } from '../../src/output/index.js'
import { fixedReport, golden } from './report.js'

function setVersion(r: Report, name: string, path: string, version: string): void {
  const p = r.sbom.packages.find((x) => x.name === name && x.lastChangedIn.path === path)
  if (!p) throw new Error(`no package ${name} at ${path}`)
  p.version = version
  p.purl = p.purl.replace(/@[^?]*/, `@${version}`)
  for (const f of r.findings) if (f.package.id === p.id) Object.assign(f.package, { version, purl: p.purl })
}

function dropFindings(r: Report, name: string, path: string): void {
  r.findings = r.findings.filter((f) => !(f.package.name === name && f.package.location.path === path))
}

/**
 * The next build of the fixed report's image, made by deterministic edits: lodash, zip and the nested minimist
 * upgraded to fixed versions (their findings gone), base-files downgraded, yaml-rust removed, express added with
 * one new finding, one memcached finding named by its alias instead of its CVE (so it must not show as added and
 * removed), a new digest, tag and size.
 */
function nextReport(): Report {
  const r = fixedReport()
  const t = r.sbom.target
  t.ref = 'registry.example/shop/web:1.4.3'
  t.tags = ['1.4.3']
  t.manifestDigest = `sha256:${'2c'.repeat(32)}` as Digest
  t.size = 1_234_567
  setVersion(r, 'lodash', '/app/node_modules/lodash/package.json', '4.17.21')
  dropFindings(r, 'lodash', '/app/node_modules/lodash/package.json')
  setVersion(r, 'zip', '/var/lib/dpkg/status', '3.0-13+deb12u1')
  dropFindings(r, 'zip', '/var/lib/dpkg/status')
  const nested = '/app/node_modules/mkdirp/node_modules/minimist/package.json'
  setVersion(r, 'minimist', nested, '1.2.6')
  dropFindings(r, 'minimist', nested)
  setVersion(r, 'base-files', '/var/lib/dpkg/status', '12.4+deb12u14')
  r.sbom.packages = r.sbom.packages.filter((p) => p.name !== 'yaml-rust')
  r.findings = r.findings.filter((f) => f.package.name !== 'yaml-rust')
  const memcached = r.findings.find((f) => f.id === 'CVE-2023-46852') as Finding
  memcached.aliases = [memcached.id]
  memcached.id = 'DEBIAN-DERIVED-CVE-2023-46852-memcached'
  const lodash = r.sbom.packages.find((p) => p.name === 'lodash') as Package
  const path = '/app/node_modules/express/package.json'
  const loc = { ...lodash.lastChangedIn, path }
  const express: Package = {
    ...lodash,
    id: 'express0000000001' as PackageId,
    name: 'express',
    version: '4.17.1',
    purl: 'pkg:npm/express@4.17.1',
    introducedIn: loc,
    lastChangedIn: loc,
    locations: [loc],
  }
  r.sbom.packages.push(express)
  const template = fixedReport().findings.find((f) => f.id === 'CVE-2020-28500') as Finding
  r.findings.push({
    ...template,
    package: {
      id: express.id,
      name: 'express',
      version: '4.17.1',
      kind: 'npm',
      purl: express.purl,
      location: loc,
      introducedIn: loc,
    },
    id: 'CVE-2024-29041',
    aliases: ['GHSA-rv95-896h-c2vc'],
    advisoryPackage: 'express',
    advisories: ['osv:GHSA-rv95-896h-c2vc'],
    fix: { state: 'fixed', versions: ['4.19.2'] },
    summary: 'Express.js Open Redirect in malformed URLs',
  })
  return r
}

const comparison = () => compareReports(nextReport(), fixedReport())

describe('compare output on two fixed reports', () => {
  it.each([
    ['compare.txt', () => formatCompareText(comparison())],
    ['compare.md', () => formatCompareMarkdown(comparison())],
    ['compare.json', () => formatCompareJson(comparison())],
    ['compare.ignore-unchanged.txt', () => formatCompareText(omitUnchanged(comparison()))],
    ['compare.ignore-unchanged.md', () => formatCompareMarkdown(omitUnchanged(comparison()))],
  ])('%s', (name, make) => {
    const out = make()
    expect(out).toBe(golden(name, out))
  })

  it('the comparison the goldens show', () => {
    const c = comparison()
    expect(c.summary).toEqual({
      packages: { added: 1, removed: 1, upgraded: 3, downgraded: 1, changed: 0, unchanged: 4 },
      vulnerabilities: { added: 1, removed: 7 },
    })
    expect(c.delta).toEqual({
      vulnerabilities: { critical: -1, high: -3, medium: -1, low: 0, unspecified: -1 },
      size: 1_234_567 - 531,
      packages: 0,
    })
    expect(c.worse).toEqual({ vulnerability: true, package: true })
    const memcached = c.packages.find((p) => p.name === 'memcached')
    expect(memcached?.vulnerabilities).toMatchObject({ added: [], removed: [], unchanged: 4 })
    const minimist = c.packages.filter((p) => p.name === 'minimist').map((p) => [p.change, p.path])
    expect(minimist).toEqual([
      ['unchanged', '/app/node_modules/minimist/package.json'],
      ['upgraded', '/app/node_modules/mkdirp/node_modules/minimist/package.json'],
    ])
  })

  it('text: Scout’s overview (counts, a delta row with blank cells for no change) and the +/-/↑/↓ counts', () => {
    const lines = formatCompareText(comparison()).split('\n')
    const at = lines.findIndex((l) => /^ {4}vulnerabilities /.test(l))
    expect(lines[at]).toMatch(/│ {4}2C {5}0H {5}6M {5}1L {5}0\? +│ {4}3C {5}3H {5}7M {5}1L {5}1\?$/)
    // The delta row: -1 under C, -3 under H, -1 under M, nothing under L, -1 under ?.
    expect(lines[at + 1]).toMatch(/^ +│ {4}-1 {5}-3 {5}-1 {12}-1 {2}│$/)
    expect(lines).toContain('  +    1 packages added')
    expect(lines).toContain('  ↓    1 packages downgraded')
    expect(lines).toContain('       7 vulnerabilities removed')
    expect(lines.some((l) => /^ {2}↑ +lodash +npm +4\.17\.21 +4\.17\.15 +-2H -1M$/.test(l))).toBe(true)
    expect(lines.some((l) => /^ {8}\+ MEDIUM +CVE-2024-29041 {2}fixed in 4\.19\.2$/.test(l))).toBe(true)
  })

  it('--ignore-unchanged leaves unchanged rows out, keeps their count', () => {
    const c = omitUnchanged(comparison())
    expect(c.packages.map((p) => p.change).sort()).toEqual([
      'added',
      'downgraded',
      'removed',
      'upgraded',
      'upgraded',
      'upgraded',
    ])
    expect(c.summary.packages.unchanged).toBe(4)
    expect(formatCompareText(c)).not.toMatch(/log4j-core/)
  })

  it('json is the comparison with its schema version', () => {
    const doc = JSON.parse(formatCompareJson(comparison()))
    expect(doc).toMatchObject({ format: 'shipshape-comparison', schemaVersion: 1, kind: 'comparison' })
    expect(doc.packages).toHaveLength(10)
  })
})
