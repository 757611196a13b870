import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Finding, Report } from '../../src/model/index.js'
import { formatGitlab, GITLAB_SCHEMA_VERSION, vulnerabilityId } from '../../src/output/gitlab.js'
import { emptyReport, findingOf, fixedReport, golden } from './report.js'
import { gitlabValidator, readJson, SCHEMAS, schemaErrors } from './validators.js'

interface Vulnerability {
  id: string
  name?: string
  description?: string
  severity?: string
  solution?: string
  identifiers: { type: string; name: string; value: string; url?: string }[]
  cvss_vectors?: { vendor: string; vector: string }[]
  links?: { url: string }[]
  details?: Record<string, { name: string; type: string; value: unknown }>
  location: { file: string; dependency: { package: { name: string }; version: string } }
}
interface Doc {
  version: string
  scan: {
    analyzer: { id: string; name: string; version: string; vendor: { name: string } }
    scanner: { id: string; name: string; version: string; vendor: { name: string } }
    type: string
    start_time: string
    end_time: string
    status: string
    messages?: { level: string; value: string }[]
  }
  vulnerabilities: Vulnerability[]
  dependency_files: { path: string; package_manager: string; dependencies: { package: { name: string } }[] }[]
}

const parse = (s: string) => JSON.parse(s) as Doc

function expectValid(doc: unknown): void {
  const errors = schemaErrors(gitlabValidator(), doc)
  if (errors.length) console.error(`GitLab schema errors:\n${errors.join('\n')}`)
  expect(errors).toEqual([])
}

function vulnOf(r: Report, id: string, pkg: string, version?: string): Vulnerability {
  const f = findingOf(r, id, pkg, version)
  const v = parse(formatGitlab(r)).vulnerabilities.find((x) => x.id === vulnerabilityId(f))
  if (!v) throw new Error(`no vulnerability ${id} in ${pkg}`)
  return v
}

afterEach(() => {
  vi.useRealTimers()
})

describe('GitLab dependency-scanning schema 15.x (validator setup)', () => {
  it('is the version the output claims, and rejects a report without scan', () => {
    const schema = readJson(join(SCHEMAS, 'gitlab-15.x', 'dependency-scanning-report-format.json')) as {
      self: { version: string }
    }
    expect(schema.self.version).toBe(GITLAB_SCHEMA_VERSION)
    expect(schemaErrors(gitlabValidator(), { version: '15.1.5', vulnerabilities: [] }).length).toBeGreaterThan(0)
    const doc = parse(formatGitlab(fixedReport()))
    ;(doc.vulnerabilities[0] as Vulnerability).severity = 'Severe'
    expect(schemaErrors(gitlabValidator(), doc).length).toBeGreaterThan(0)
  })
})

describe('formatGitlab', () => {
  it('matches the golden file byte for byte', () => {
    const out = formatGitlab(fixedReport())
    expect(out).toBe(golden('report.gitlab.json', out))
  })

  it('is valid against the dependency-scanning schema, with findings and without', () => {
    expectValid(parse(formatGitlab(fixedReport())))
    expectValid(parse(formatGitlab(emptyReport())))
  })

  it('is deterministic and reads no clock: scan times come from the SBOM', () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    const a = formatGitlab(fixedReport())
    vi.setSystemTime(new Date('1999-06-15T12:00:00Z'))
    expect(formatGitlab(fixedReport())).toBe(a)
    const scan = parse(a).scan
    expect(scan).toMatchObject({
      type: 'dependency_scanning',
      status: 'success',
      start_time: '2026-11-22T09:30:00',
      end_time: '2026-11-22T09:30:00',
    })
    expect(scan.analyzer).toEqual({
      id: 'shipshape',
      name: 'shipshape',
      version: '0.1.0',
      vendor: { name: 'shipshape' },
    })
    expect(scan.scanner.id).toBe('shipshape')
  })

  it('one vulnerability per finding, with a stable UUID id', () => {
    const r = fixedReport()
    const doc = parse(formatGitlab(r))
    expect(doc.version).toBe(GITLAB_SCHEMA_VERSION)
    expect(doc.vulnerabilities).toHaveLength(r.findings.length)
    const ids = doc.vulnerabilities.map((v) => v.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    // The id depends on the package, the vulnerability and the path only.
    const changed = fixedReport()
    for (const f of changed.findings) {
      f.summary = 'edited'
      f.severity = { level: 'low', source: 'x', from: 'advisory' }
    }
    expect(parse(formatGitlab(changed)).vulnerabilities.map((v) => v.id)).toEqual(ids)
  })

  it('severity: Critical, High, Medium, Low, and Unknown for unspecified', () => {
    const r = fixedReport()
    const want = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', unspecified: 'Unknown' } as const
    const doc = parse(formatGitlab(r))
    r.findings.forEach((f: Finding, i) => {
      expect(doc.vulnerabilities[i]?.severity).toBe(want[f.severity.level])
    })
  })

  it('identifiers: the preferred id first, then its aliases, with their pages', () => {
    const r = fixedReport()
    expect(vulnOf(r, 'CVE-2021-44228', 'log4j-core').identifiers).toEqual([
      {
        type: 'cve',
        name: 'CVE-2021-44228',
        value: 'CVE-2021-44228',
        url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
      },
      {
        type: 'ghsa',
        name: 'GHSA-jfh8-c2jp-5v3q',
        value: 'GHSA-jfh8-c2jp-5v3q',
        url: 'https://github.com/advisories/GHSA-jfh8-c2jp-5v3q',
      },
    ])
    expect(vulnOf(r, 'RUSTSEC-2024-0320', 'yaml-rust').identifiers).toEqual([
      {
        type: 'rustsec',
        name: 'RUSTSEC-2024-0320',
        value: 'RUSTSEC-2024-0320',
        url: 'https://osv.dev/vulnerability/RUSTSEC-2024-0320',
      },
    ])
    // An id with no known page has none rather than a guessed one.
    const zip = vulnOf(r, 'CVE-2018-13410', 'zip').identifiers[1]
    expect(zip).toEqual({
      type: 'debian',
      name: 'DEBIAN-DERIVED-CVE-2018-13410-zip',
      value: 'DEBIAN-DERIVED-CVE-2018-13410-zip',
    })
  })

  it('location: the file without its leading slash, the package name and version', () => {
    const r = fixedReport()
    expect(vulnOf(r, 'CVE-2021-44906', 'minimist', '0.0.8').location).toEqual({
      file: 'app/node_modules/mkdirp/node_modules/minimist/package.json',
      dependency: { package: { name: 'minimist' }, version: '0.0.8' },
    })
    expect(vulnOf(r, 'CVE-2018-13410', 'zip').location.file).toBe('var/lib/dpkg/status')
  })

  it('name, description, solution, CVSS, links and details', () => {
    const r = fixedReport()
    const log4j = vulnOf(r, 'CVE-2021-44228', 'log4j-core')
    expect(log4j.name).toBe('Remote code injection in Log4j')
    expect(log4j.solution).toBe('Upgrade log4j-core to 2.15.0.')
    expect(log4j.cvss_vectors).toEqual([{ vendor: 'ghsa', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }])
    expect(log4j.links?.[0]).toEqual({ url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228' })
    expect(log4j.details?.cisa_kev?.value).toBe('added 2021-12-10, due 2021-12-24')
    expect(log4j.details?.epss_score).toEqual({ name: 'EPSS score', type: 'value', value: 0.99999 })
    expect(log4j.details?.severity_source?.value).toBe('ghsa (CRITICAL)')
    expect(log4j.description).toContain('Found in: /app/lib/log4j-core-2.14.1.jar (layer 1)')
    expect(vulnOf(r, 'CVE-2021-44906', 'minimist', '0.0.8').solution).toBe('Upgrade minimist to one of 0.2.4, 1.2.6.')
    expect(vulnOf(r, 'RUSTSEC-2024-0320', 'yaml-rust').solution).toBe('No fixed version of yaml-rust yet.')
    const zip = vulnOf(r, 'CVE-2018-13410', 'zip')
    expect(zip.name).toBe('CVE-2018-13410')
    expect(zip.cvss_vectors).toBeUndefined()
  })

  it('CVSS vectors the schema cannot hold (v4.0) are left out, and the report stays valid', () => {
    const r = fixedReport()
    const f = findingOf(r, 'CVE-2021-44228', 'log4j-core')
    const v4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H'
    const v2 = 'AV:N/AC:M/Au:N/C:C/I:C/A:C'
    f.cvssAll.push({ version: '4.0', vector: v4, source: 'cve5:apache' }, { version: '2.0', vector: v2, source: 'nvd' })
    f.urls.push('not a url', 'mailto:security@example.org')
    const doc = parse(formatGitlab(r))
    expectValid(doc)
    const v = doc.vulnerabilities.find((x) => x.id === vulnerabilityId(f)) as Vulnerability
    expect(v.cvss_vectors?.map((c) => c.vector)).toEqual(['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', v2])
    expect(v.links?.some((l) => !/^https?:\/\//.test(l.url))).toBe(false)
  })

  it('dependency_files list every package by the file it was read from; warnings become scan messages', () => {
    const r = fixedReport()
    r.warnings = ['no advisories for debian:13']
    const doc = parse(formatGitlab(r))
    expectValid(doc)
    expect(doc.dependency_files.flatMap((d) => d.dependencies)).toHaveLength(r.sbom.packages.length)
    expect(doc.dependency_files[0]).toMatchObject({ path: 'var/lib/dpkg/status', package_manager: 'dpkg' })
    expect(doc.dependency_files[0]?.dependencies.map((d) => d.package.name)).toEqual(['base-files', 'memcached', 'zip'])
    expect(doc.scan.messages).toEqual([{ level: 'warn', value: 'no advisories for debian:13' }])
  })
})
