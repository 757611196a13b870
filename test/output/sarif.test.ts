import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Finding, Report } from '../../src/model/index.js'
import { fingerprint, formatSarif, pathUri, SARIF_SCHEMA, securitySeverity } from '../../src/output/sarif.js'
import { emptyReport, findingOf, fixedReport, golden } from './report.js'
import { readJson, SARIF_SCHEMAS, type SarifSchema, SCHEMAS, sarifValidator, schemaErrors } from './validators.js'

interface Rule {
  id: string
  name?: string
  shortDescription: { text: string }
  fullDescription: { text: string }
  helpUri?: string
  help: { text: string; markdown?: string }
  defaultConfiguration?: { level: string }
  properties: { 'security-severity': string; tags: string[] }
}
interface Result {
  ruleId: string
  ruleIndex: number
  level: string
  message: { text: string }
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId?: string }
      region: { startLine: number; startColumn?: number; endLine?: number; endColumn?: number }
    }
  }[]
  codeFlows?: unknown[]
  partialFingerprints: Record<string, string>
  properties: Record<string, unknown>
}
interface Log {
  $schema: string
  version: string
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: Rule[] } }
    results: Result[]
    properties: Record<string, unknown>
  }[]
}

const parse = (s: string) => JSON.parse(s) as Log
const run = (r: Report) => parse(formatSarif(r)).runs[0] as Log['runs'][number]

function expectValid(doc: unknown, which: SarifSchema): void {
  const errors = schemaErrors(sarifValidator(which), doc)
  if (errors.length) console.error(`SARIF (${which}) schema errors:\n${errors.join('\n')}`)
  expect(errors).toEqual([])
}

/** The result of one finding (by vulnerability id and package), and its rule. */
function resultOf(r: Report, id: string, pkg: string, version?: string): { result: Result; rule: Rule } {
  const f = findingOf(r, id, pkg, version)
  const out = run(r)
  const result = out.results.find(
    (x) => x.ruleId === id && x.properties.purl === f.package.purl && x.message.text.includes(f.package.location.path),
  )
  if (!result) throw new Error(`no result for ${id} in ${pkg}`)
  return { result, rule: out.tool.driver.rules[result.ruleIndex] as Rule }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('SARIF 2.1.0 schemas (validator setup)', () => {
  it.each(SARIF_SCHEMAS)('%s accepts the real Trivy log and rejects a broken one', (which) => {
    expectValid(readJson(join(SCHEMAS, 'sarif-2.1.0', 'example-trivy-alpine-310.sarif.json')), which)
    expect(schemaErrors(sarifValidator(which), { version: '2.1.0', runs: [{ tool: {} }] }).length).toBeGreaterThan(0)
    expect(schemaErrors(sarifValidator(which), { version: '2.0.0', runs: [] }).length).toBeGreaterThan(0)
  })
})

describe('formatSarif', () => {
  it('matches the golden file byte for byte', () => {
    const out = formatSarif(fixedReport())
    expect(out).toBe(golden('report.sarif.json', out))
  })

  it.each(SARIF_SCHEMAS)('is valid against the %s schema, with findings and without', (which) => {
    expectValid(parse(formatSarif(fixedReport())), which)
    expectValid(parse(formatSarif(emptyReport())), which)
  })

  it('is deterministic and reads no clock', () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    const a = formatSarif(fixedReport())
    vi.setSystemTime(new Date('1999-06-15T12:00:00Z'))
    expect(formatSarif(fixedReport())).toBe(a)
  })

  it('one run; the driver names shipshape, its version, an information URI; $schema is the OASIS final schema', () => {
    const log = parse(formatSarif(fixedReport()))
    expect(log.version).toBe('2.1.0')
    expect(log.$schema).toBe(SARIF_SCHEMA)
    expect(log.runs).toHaveLength(1)
    const d = (log.runs[0] as Log['runs'][number]).tool.driver
    expect(d.name).toBe('shipshape')
    expect(d.version).toBe(fixedReport().sbom.tool.version)
    expect(d.informationUri).toMatch(/^https:\/\//)
    expect((log.runs[0] as Log['runs'][number]).properties).toMatchObject({
      manifestDigest: fixedReport().sbom.target.manifestDigest,
      target: 'registry.example/shop/web:1.4.2',
    })
  })

  it('one rule per vulnerability id; every result points at its rule by id and index', () => {
    const r = fixedReport()
    const out = run(r)
    const ids = [...new Set(r.findings.map((f) => f.id))]
    expect(out.tool.driver.rules.map((x) => x.id)).toEqual(ids)
    expect(out.results).toHaveLength(r.findings.length)
    for (const res of out.results) expect(out.tool.driver.rules[res.ruleIndex]?.id).toBe(res.ruleId)
    // CVE-2021-44906 is in minimist 1.2.0 and in the nested minimist 0.0.8: one rule, two results.
    expect(out.results.filter((x) => x.ruleId === 'CVE-2021-44906')).toHaveLength(2)
    const rule = out.tool.driver.rules.find((x) => x.id === 'CVE-2021-44906') as Rule
    expect(rule.help.text).toContain('Package: minimist 1.2.0')
    expect(rule.help.text).toContain('Package: minimist 0.0.8')
  })

  it('levels: critical and high are errors, medium a warning, low and unspecified notes', () => {
    const r = fixedReport()
    const want = { critical: 'error', high: 'error', medium: 'warning', low: 'note', unspecified: 'note' } as const
    const out = run(r)
    r.findings.forEach((f, i) => {
      expect(out.results[i]?.level, `${f.id} ${f.package.name}`).toBe(want[f.severity.level])
    })
    expect(new Set(r.findings.map((f) => f.severity.level))).toEqual(new Set(Object.keys(want)))
  })

  it('security-severity: the CVSS score, else the band default; 0.0 (none) for unspecified', () => {
    const r = fixedReport()
    expect(resultOf(r, 'CVE-2021-44228', 'log4j-core').rule.properties['security-severity']).toBe('10.0')
    expect(resultOf(r, 'CVE-2021-44906', 'minimist', '1.2.0').rule.properties['security-severity']).toBe('9.8')
    expect(resultOf(r, 'CVE-2020-28500', 'lodash').rule.properties['security-severity']).toBe('5.3')
    // Debian's word without a score: the band defaults.
    expect(resultOf(r, 'CVE-2018-13410', 'zip').rule.properties['security-severity']).toBe('8.0')
    expect(resultOf(r, 'CVE-2023-46852', 'memcached').rule.properties['security-severity']).toBe('5.5')
    expect(resultOf(r, 'GHSA-pffg-92cg-xf5c', 'github.com/consensys/gnark-crypto').rule.properties).toMatchObject({
      'security-severity': '2.0',
    })
    expect(resultOf(r, 'RUSTSEC-2024-0320', 'yaml-rust').rule.properties['security-severity']).toBe('0.0')
    for (const rule of run(r).tool.driver.rules)
      expect(rule.properties['security-severity'], rule.id).toMatch(/^(10|\d)\.\d$/)
  })

  it("Scout's LOW beside another source's 9.8 stays low for GitHub too (band default, note), the score in help", () => {
    const r = fixedReport()
    const zip = findingOf(r, 'CVE-2018-13410', 'zip')
    zip.severity = { level: 'low', source: 'osv:DEBIAN', raw: 'unimportant', from: 'advisory' }
    zip.cvss = {
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      score: 9.8,
      source: 'nvd',
    }
    expect(securitySeverity(zip)).toBe(2.0)
    const { result, rule } = resultOf(r, 'CVE-2018-13410', 'zip')
    expect(result.level).toBe('note')
    expect(rule.properties['security-severity']).toBe('2.0')
    expect(rule.help.text).toContain('Severity: Low (osv:DEBIAN: unimportant)')
    expect(rule.help.text).toContain('CVSS: 9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H (nvd)')
    // A score in the shown band is used as it is.
    zip.severity = { level: 'critical', source: 'nvd', raw: 'CVSS 9.8', from: 'cvss' }
    expect(securitySeverity(zip)).toBe(9.8)
  })

  it('a rule shared by packages of different severities takes the worst level and the highest score', () => {
    const r = fixedReport()
    const nested = findingOf(r, 'CVE-2021-44906', 'minimist', '0.0.8')
    nested.severity = { level: 'medium', source: 'ghsa', raw: 'MODERATE', from: 'advisory' }
    delete nested.cvss
    const { rule } = resultOf(r, 'CVE-2021-44906', 'minimist', '1.2.0')
    expect(rule.defaultConfiguration?.level).toBe('error')
    expect(rule.properties['security-severity']).toBe('9.8')
    expect(rule.properties.tags).toEqual(['security', 'critical', 'npm'])
    expect(resultOf(r, 'CVE-2021-44906', 'minimist', '0.0.8').result.level).toBe('warning')
  })

  it('rules carry what GitHub requires and shows: descriptions, help text and markdown, helpUri, tags', () => {
    const out = run(fixedReport())
    for (const rule of out.tool.driver.rules) {
      for (const text of [rule.shortDescription.text, rule.fullDescription.text]) {
        expect(text.trim(), rule.id).not.toBe('')
        expect(text.length, rule.id).toBeLessThanOrEqual(1024)
      }
      expect(rule.help.text.trim()).not.toBe('')
      expect(rule.help.markdown).toMatch(/^\*\*/)
      expect((rule.name ?? '').length).toBeLessThanOrEqual(255)
      expect(rule.properties.tags[0]).toBe('security')
    }
    const log4j = out.tool.driver.rules.find((x) => x.id === 'CVE-2021-44228') as Rule
    expect(log4j.shortDescription.text).toBe('Remote code injection in Log4j')
    expect(log4j.helpUri).toBe('https://nvd.nist.gov/vuln/detail/CVE-2021-44228')
    expect(log4j.properties.tags).toEqual(['security', 'critical', 'java'])
    expect(log4j.help.text).toContain(
      'Package: log4j-core 2.14.1 (java, pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1)',
    )
    expect(log4j.help.text).toContain('Fixed in: 2.15.0')
    expect(log4j.help.text).toContain('Severity: Critical (ghsa)')
    expect(log4j.help.text).toContain('CVSS: 10.0 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H (ghsa)')
    expect(log4j.help.text).toContain('Known exploited (CISA KEV): added 2021-12-10')
    expect(log4j.help.markdown).toContain(
      '| `log4j-core` (java) | `2.14.1` | 2.15.0 | Critical (ghsa) | 10.0 `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H` (ghsa) |',
    )
    // The advisory's own page is preferred over the first reference.
    const rust = out.tool.driver.rules.find((x) => x.id === 'RUSTSEC-2024-0320') as Rule
    expect(rust.helpUri).toBe('https://rustsec.org/advisories/RUSTSEC-2024-0320.html')
    // No summary: the id and the package.
    const zip = out.tool.driver.rules.find((x) => x.id === 'CVE-2018-13410') as Rule
    expect(zip.shortDescription.text).toBe('CVE-2018-13410 in zip')
    expect(zip.name).toBe('OsPackageVulnerability')
  })

  it('results name the package, its version and the fix', () => {
    const r = fixedReport()
    expect(resultOf(r, 'CVE-2021-44228', 'log4j-core').result.message.text).toBe(
      'log4j-core 2.14.1 is affected by CVE-2021-44228, severity Critical (ghsa). Fixed in 2.15.0. Found in /app/lib/log4j-core-2.14.1.jar (layer 1).',
    )
    expect(resultOf(r, 'RUSTSEC-2024-0320', 'yaml-rust').result.message.text).toContain('Not fixed yet.')
    const zip = findingOf(r, 'CVE-2018-13410', 'zip')
    zip.fix = { state: 'wont-fix', versions: [], status: 'ignored' }
    expect(resultOf(r, 'CVE-2018-13410', 'zip').result.message.text).toContain('Will not be fixed (ignored).')
  })

  it("locations: the package's path without its leading slash, line 1 (GH1001, GH1003, GH1005)", () => {
    const r = fixedReport()
    const out = run(r)
    out.results.forEach((res, i) => {
      const f = r.findings[i] as Finding
      expect(res.locations).toHaveLength(1)
      const loc = res.locations[0]?.physicalLocation
      expect(loc?.artifactLocation.uri).toBe(f.package.location.path.slice(1))
      expect(loc?.artifactLocation.uri).not.toMatch(/^\/|^[a-z][a-z0-9+.-]*:/i)
      expect(loc?.region.startLine).toBe(1)
      expect(res.codeFlows).toBeUndefined()
    })
    expect(resultOf(r, 'CVE-2018-13410', 'zip').result.locations[0]?.physicalLocation.artifactLocation.uri).toBe(
      'var/lib/dpkg/status',
    )
  })

  it('paths become URI references: spaces, %, ? and # encoded, a colon in the first segment too', () => {
    expect(pathUri('/usr/lib/node_modules/@types/semver/package.json')).toBe(
      'usr/lib/node_modules/@types/semver/package.json',
    )
    expect(pathUri('/opt/my app/100%/a?b#c/x.jar')).toBe('opt/my%20app/100%25/a%3Fb%23c/x.jar')
    expect(pathUri('/c:d/e:f')).toBe('c%3Ad/e:f')
    expect(pathUri('/var/lib/dpkg/info/libc6:amd64.list')).toBe('var/lib/dpkg/info/libc6:amd64.list')
    const r = fixedReport()
    const f = r.findings[0] as Finding
    f.package.location = { ...f.package.location, path: '/opt/my app/lib #1/x.jar' }
    for (const which of SARIF_SCHEMAS) expectValid(parse(formatSarif(r)), which)
  })

  it('partialFingerprints: stable per (package purl, vulnerability id), distinct otherwise', () => {
    const r = fixedReport()
    const prints = run(r).results.map((x) => x.partialFingerprints.primaryLocationLineHash)
    const keys = r.findings.map((f) => `${f.package.purl} ${f.id}`)
    expect(new Set(prints).size).toBe(new Set(keys).size)
    // Unchanged by anything but the package and the id: the summary, the severity, the fix, the layer.
    const changed = fixedReport()
    for (const f of changed.findings) {
      f.summary = 'edited'
      f.severity = { level: 'unspecified', from: 'none' }
      f.fix = { state: 'unknown', versions: [] }
      f.package.location = { ...f.package.location, layerIndex: 7 }
    }
    expect(run(changed).results.map((x) => x.partialFingerprints.primaryLocationLineHash)).toEqual(prints)
    const f = r.findings[0] as Finding
    expect(fingerprint({ ...f, id: 'CVE-0000-0001' })).not.toBe(fingerprint(f))
    expect(fingerprint({ ...f, package: { ...f.package, purl: `${f.package.purl}x` } })).not.toBe(fingerprint(f))
  })

  it('a clean image: a run with no rules and no results', () => {
    const out = run(emptyReport())
    expect(out.tool.driver.rules).toEqual([])
    expect(out.results).toEqual([])
  })
})
