import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import type { VulnerabilityRecord } from '../../../src/model/index.js'
import { satisfies } from '../../../src/version/index.js'
import type { FeedSource } from '../../../src/vulndb/feeds/feed.js'
import { osvDatabase, osvImporter, osvToRecord } from '../../../src/vulndb/feeds/osv/index.js'
import { concatSources, dirSource, zipSource } from '../../../src/vulndb/sources.js'
import { type Collect, memSource, runImporter } from './helpers.js'

const VULNDATA = join(import.meta.dirname, '../../fixtures/vulndata')
const GHSA = join(VULNDATA, 'ghsa')
const PYPI = join(VULNDATA, 'pypi/pypa-advisory-database')
const GO = join(VULNDATA, 'go/golang-vulndb')
const CRATES = join(VULNDATA, 'crates/rustsec-advisory-db-osv')
const DISTRO = join(VULNDATA, 'samples/osv-distro')
const DERIVED = join(VULNDATA, 'debian-bookworm-derived')

const run = (source: FeedSource) => runImporter(osvImporter, source)

const text = (path: string) => readFileSync(path, 'utf8')
const json = (path: string) => JSON.parse(text(path)) as Record<string, unknown>
const LODASH = join(
  GHSA,
  'github-advisory-database/advisories/github-reviewed/2021/05/GHSA-35jh-r3h4-6jhm/GHSA-35jh-r3h4-6jhm.json',
)
const REQUESTS = join(PYPI, 'vulns/requests/PYSEC-2023-74.yaml')

const tmp = mkdtempSync(join(tmpdir(), 'shipshape-osv-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('GHSA records (OSV JSON)', async () => {
  const ghsa = await run(dirSource(GHSA))

  test('19 records, nothing skipped', () => {
    expect(osvImporter.name).toBe('osv')
    expect(osvImporter.version).toBe(1)
    expect(ghsa.records).toHaveLength(19)
    expect(ghsa.skips).toEqual([])
  })

  test('lodash in npm → GHSA-35jh-r3h4-6jhm with its range, CVSS v3 vector and GHSA severity', () => {
    const r = ghsa.get('GHSA-35jh-r3h4-6jhm')
    expect(r.source).toBe('osv')
    expect(r.aliases).toEqual(['CVE-2021-23337'])
    expect(r.summary).toBe('Command Injection in lodash')
    expect(r.published).toBe('2021-05-06T16:05:51Z')
    expect(r.modified).toBe('2022-02-08T21:35:09Z')
    expect(r.withdrawn).toBeUndefined()
    expect(r.severity).toEqual({ value: 'HIGH', source: 'ghsa' })
    expect(r.cvss).toEqual([{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', source: 'ghsa' }])
    expect(r.cwes).toEqual(['CWE-77', 'CWE-94'])
    expect(r.references).toHaveLength(17)
    expect(r.references[0]).toEqual({ type: 'ADVISORY', url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-23337' })
    expect(r.affected).toEqual([
      {
        namespace: 'npm',
        package: 'lodash',
        ranges: '< 4.17.21',
        fixed: ['4.17.21'],
        status: 'affected',
        at: 'affected[0]',
      },
      {
        namespace: 'npm',
        package: 'lodash-es',
        ranges: '< 4.17.21',
        fixed: ['4.17.21'],
        status: 'affected',
        at: 'affected[1]',
      },
    ])
    expect(satisfies('npm', '4.17.20', r.affected[0]?.ranges ?? '')).toBe(true)
    expect(satisfies('npm', '4.17.21', r.affected[0]?.ranges ?? '')).toBe(false)
  })

  test('minimist GHSA-vh95-rmgr-6w4m: two ranges of one package are two alternatives of one entry', () => {
    const r = ghsa.get('GHSA-vh95-rmgr-6w4m')
    expect(r.aliases).toEqual(['CVE-2020-7598'])
    expect(r.severity).toEqual({ value: 'MODERATE', source: 'ghsa' })
    expect(r.affected).toEqual([
      {
        namespace: 'npm',
        package: 'minimist',
        ranges: '< 0.2.1 || >= 1.0.0, < 1.2.3',
        fixed: ['0.2.1', '1.2.3'],
        status: 'affected',
        at: 'affected[0], affected[1]',
      },
    ])
    const ranges = r.affected[0]?.ranges ?? ''
    expect(['0.2.0', '1.2.2'].map((v) => satisfies('npm', v, ranges))).toEqual([true, true])
    expect(['0.2.1', '0.9.0', '1.2.3'].map((v) => satisfies('npm', v, ranges))).toEqual([false, false, false])
    expect(ghsa.get('GHSA-xvch-5gv4-984h').affected[0]?.ranges).toBe('>= 1.0.0, < 1.2.6 || < 0.2.4')
  })

  test('log4j-core GHSA-jfh8-c2jp-5v3q: Maven group:artifact names, last_affected and versions-only entries', () => {
    const r = ghsa.get('GHSA-jfh8-c2jp-5v3q')
    expect(r.aliases).toEqual(['CVE-2021-44228'])
    expect(r.severity).toEqual({ value: 'CRITICAL', source: 'ghsa' })
    expect(r.cvss).toEqual([{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', source: 'ghsa' }])
    expect(r.cwes).toEqual(['CWE-20', 'CWE-400', 'CWE-502', 'CWE-917'])
    expect(r.affected.map((a) => [a.namespace, a.package, a.ranges, a.fixed])).toEqual([
      [
        'maven',
        'org.apache.logging.log4j:log4j-core',
        '>= 2.13.0, < 2.15.0 || >= 2.0-beta9, < 2.3.1 || >= 2.4, < 2.12.2',
        ['2.15.0', '2.3.1', '2.12.2'],
      ],
      ['maven', 'com.guicedee.services:log4j-core', '<= 1.2.1.2-jre17', []],
      ['maven', 'org.xbib.elasticsearch:log4j', '= 6.3.2.1', []],
      ['maven', 'uk.co.nichesolutions.logging.log4j:log4j-core', '= 2.6.3-CUSTOM', []],
    ])
    const core = r.affected[0]?.ranges ?? ''
    expect(['2.14.1', '2.3', '2.12.1', '2.0-beta9'].map((v) => satisfies('maven', v, core))).toEqual([
      true,
      true,
      true,
      true,
    ])
    expect(['2.15.0', '2.3.1', '2.12.2', '2.0-beta8'].map((v) => satisfies('maven', v, core))).toEqual([
      false,
      false,
      false,
      false,
    ])
  })

  test('pillow GHSA-hvr8-466p-75rh carries CVSS v3.0 and v4.0 vectors, both from ghsa', () => {
    const r = ghsa.get('GHSA-hvr8-466p-75rh')
    expect(r.cvss).toEqual([
      { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'ghsa' },
      { version: '4.0', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', source: 'ghsa' },
    ])
    expect(r.severity).toEqual({ value: 'CRITICAL', source: 'ghsa' })
    expect(r.affected).toEqual([
      {
        namespace: 'pypi',
        package: 'pillow',
        ranges: '< 3.1.1',
        fixed: ['3.1.1'],
        status: 'affected',
        at: 'affected[0]',
      },
    ])
  })

  test('every ecosystem of the vulnerablecode samples lands in its namespace', () => {
    const ns = (id: string) => [...new Set(ghsa.get(id).affected.map((a) => `${a.namespace} ${a.package}`))]
    expect(ns('GHSA-3fx5-fwvr-xrjg')).toEqual(['npm ms'])
    expect(ns('GHSA-3qr6-qrqm-8v86')).toEqual(['packagist microweber/microweber'])
    expect(ns('GHSA-24fg-p96v-hxh8')).toEqual(['rubygems rails'])
    expect(ns('GHSA-qc2g-gmh6-95p4')).toEqual(['go k8s.io/kubernetes'])
    expect(ns('GHSA-wjxc-pjx9-4wvm')).toEqual(['crates.io ckb'])
    expect(ns('GHSA-h7jm-g87p-5935')).toEqual([
      'nuget Microsoft.NETCore.App.Runtime.win-arm64',
      'nuget Microsoft.NETCore.App.Runtime.win-x64',
      'nuget Microsoft.NETCore.App.Runtime.win-x86',
    ])
    // No CVSS but a GHSA word: the severity stands alone.
    const rails = ghsa.get('GHSA-24fg-p96v-hxh8')
    expect(rails.cvss).toEqual([])
    expect(rails.severity).toEqual({ value: 'MODERATE', source: 'ghsa' })
    expect(rails.affected[0]?.ranges).toBe('>= 2.1.0, < 2.3.11 || >= 3.0.0, < 3.0.4')
  })
})

describe('PyPA records (OSV YAML)', async () => {
  const pypi = await run(dirSource(PYPI))

  test('332 records; 3 notes, each about versions that are not PEP 440 (paramiko)', () => {
    expect(pypi.records).toHaveLength(332)
    expect(pypi.skips).toHaveLength(3)
    expect(pypi.skips[0]).toBe(
      'vulns/paramiko/PYSEC-2008-8.yaml affected[0].versions: 8 of 24 versions do not parse as pep440 ("0.1-bulbasaur", "0.1-charmander", "0.9-doduo", …): left out',
    )
    for (const s of pypi.skips) expect(s).toMatch(/^vulns\/paramiko\/PYSEC-\d+-\d+\.yaml affected\[0\]\.versions: 8 of/)
    // The record itself is kept, its range from the ECOSYSTEM events.
    expect(pypi.get('PYSEC-2008-8').affected[0]?.ranges).toBe('< 1.7.2')
  })

  test('PYSEC-2023-74 (requests): no severity, the GHSA alias, GIT range and enumerated versions folded away', () => {
    const r = pypi.get('PYSEC-2023-74')
    expect(r.aliases).toEqual(['CVE-2023-32681', 'GHSA-j8r2-6x86-q33q'])
    expect(r.severity).toBeUndefined()
    expect(r.cvss).toEqual([])
    expect(r.published).toBe('2023-05-26T18:15:00Z')
    expect(r.modified).toBe('2023-06-05T01:13:00.534973Z')
    expect(r.details).toMatch(/^Requests is a HTTP library\./)
    // The GIT `fixed` is a commit, not a version: only 2.31.0 is a fixed version.
    expect(r.affected).toEqual([
      {
        namespace: 'pypi',
        package: 'requests',
        ranges: '>= 2.3.0, < 2.31.0',
        fixed: ['2.31.0'],
        status: 'affected',
        at: 'affected[0]',
      },
    ])
  })

  test('few PYSEC records carry a CVSS vector, all from osv:PYSEC (PyPA rarely scores)', () => {
    expect(pypi.records.filter((r) => r.severity || r.cvss.length).length).toBeLessThan(40)
    for (const r of pypi.records) for (const c of r.cvss) expect(c.source).toBe('osv:PYSEC')
  })
})

describe('Go vulndb', async () => {
  const go = await run(dirSource(GO))

  test('465 records, nothing skipped; stdlib and toolchain keep their names', () => {
    expect(go.records).toHaveLength(465)
    expect(go.skips).toEqual([])
    const packages = go.records.flatMap((r) => r.affected.map((a) => a.package))
    expect(packages.filter((p) => p === 'stdlib')).toHaveLength(167)
    expect(packages).toContain('toolchain')
    expect(new Set(go.records.flatMap((r) => r.affected.map((a) => a.namespace)))).toEqual(new Set(['go']))
  })

  test('GO-2021-0067: stdlib archive/zip, SEMVER range; the zero time is not a date', () => {
    const r = go.get('GO-2021-0067')
    expect(r.aliases).toEqual(['CVE-2021-27919'])
    expect(r.summary).toBe('Panic when opening archives in archive/zip')
    expect(r.modified).toBeUndefined() // "0001-01-01T00:00:00Z" in the file
    expect(r.published).toBe('2021-04-14T20:04:52Z')
    expect(r.severity).toBeUndefined()
    expect(r.affected).toEqual([
      {
        namespace: 'go',
        package: 'stdlib',
        ranges: '>= 1.16.0-0, < 1.16.1',
        fixed: ['1.16.1'],
        status: 'affected',
        at: 'affected[0]',
      },
    ])
    expect(satisfies('go', 'v1.16.0', r.affected[0]?.ranges ?? '')).toBe(true)
    expect(satisfies('go', 'v1.16.1', r.affected[0]?.ranges ?? '')).toBe(false)
  })

  test('GO-2021-0068 covers the Go toolchain', () => {
    expect(go.get('GO-2021-0068').affected.map((a) => a.package)).toContain('toolchain')
  })
})

describe('RustSec', async () => {
  const crates = await run(dirSource(CRATES))

  test('145 records, nothing skipped', () => {
    expect(crates.records).toHaveLength(145)
    expect(crates.skips).toEqual([])
  })

  test('RUSTSEC-2016-0001 (openssl): aliases, CVSS 3.0 from osv:RUSTSEC', () => {
    const r = crates.get('RUSTSEC-2016-0001')
    expect(r.aliases).toEqual(['CVE-2016-10931', 'GHSA-34p9-f4q3-c4r7'])
    expect(r.cvss).toEqual([
      { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'osv:RUSTSEC' },
    ])
    expect(r.severity).toBeUndefined()
    expect(r.affected).toEqual([
      {
        namespace: 'crates.io',
        package: 'openssl',
        ranges: '>= 0.0.0-0, < 0.9.0',
        fixed: ['0.9.0'],
        status: 'affected',
        at: 'affected[0]',
      },
    ])
  })

  test('informational advisories (unsound, unmaintained) are kept with severity "informational"', () => {
    const r = crates.get('RUSTSEC-2018-0018')
    expect(r.summary).toBe('smallvec creates uninitialized value of any type')
    expect(r.severity).toEqual({ value: 'informational', source: 'osv:RUSTSEC' })
    expect(r.affected[0]?.ranges).toBe('>= 0.0.0-0, < 0.6.13')
    const informational = crates.records.filter((x) => x.severity?.value === 'informational')
    // 28 affected entries say unsound or unmaintained; those without a CVSS vector read as informational.
    expect(informational.length).toBeGreaterThan(10)
    for (const x of informational) expect(x.cvss).toEqual([])
  })
})

describe('Debian and Ubuntu OSV', async () => {
  const distro = await run(dirSource(DISTRO))
  const derived = await run(dirSource(DERIVED))

  test('DSA-3029-1: debian:7 nginx, fixed with a range below the fix', () => {
    const r = distro.get('DSA-3029-1')
    expect(r.aliases).toEqual(['CVE-2014-3616'])
    expect(r.summary).toBe('nginx - security update')
    expect(r.affected).toEqual([
      {
        namespace: 'debian:7',
        package: 'nginx',
        ranges: '< 1.2.1-2.2+wheezy3',
        fixed: ['1.2.1-2.2+wheezy3'],
        status: 'fixed',
        at: 'affected[0]',
      },
    ])
  })

  test('DLA-3623-1: `upstream` CVEs are aliases; no affected packages, kept for the links', () => {
    const r = distro.get('DLA-3623-1')
    expect(r.aliases).toHaveLength(44)
    expect(r.aliases).toContain('CVE-2023-4921')
    expect(r.affected).toEqual([])
  })

  test('UBUNTU-CVE-2025-38094: Ubuntu Pro 14.04, unfixed (open, every version), Ubuntu priority as severity', () => {
    const r = distro.get('UBUNTU-CVE-2025-38094')
    expect(r.aliases).toEqual(['CVE-2025-38094'])
    expect(r.severity).toEqual({ value: 'medium', source: 'osv:UBUNTU' })
    expect(r.affected).toEqual([
      { namespace: 'ubuntu:14.04', package: 'linux', ranges: '*', fixed: [], status: 'open', at: 'affected[0]' },
    ])
    expect(distro.skips).toEqual([])
  })

  test('bookworm-derived: 3,038 records (2,961 + 77); the two derivation.json files are not records', () => {
    expect(derived.records).toHaveLength(3038)
    expect(derived.skips).toEqual([
      'derivation.json: not an OSV record: no "id"',
      'fixed-in-point-release/derivation.json: not an OSV record: no "id"',
    ])
    expect(derived.records.filter((r) => r.affected[0]?.package === 'linux')).toHaveLength(2578)
  })

  test('DEBIAN-DERIVED-CVE-2018-13410-zip: debian:12, source package, fixed, urgency', () => {
    const r = derived.get('DEBIAN-DERIVED-CVE-2018-13410-zip')
    expect(r.aliases).toEqual(['CVE-2018-13410'])
    expect(r.severity).toEqual({ value: 'high', source: 'osv:DEBIAN' })
    expect(r.references).toEqual([
      { type: 'ADVISORY', url: 'https://security-tracker.debian.org/tracker/CVE-2018-13410' },
    ])
    expect(r.affected).toEqual([
      {
        namespace: 'debian:12',
        package: 'zip',
        ranges: '< 3.0-13+deb12u1',
        fixed: ['3.0-13+deb12u1'],
        status: 'fixed',
        urgency: 'high',
        at: 'affected[0]',
      },
    ])
  })

  test('every ground-truth row is affected at its bookworm version; no point-release row is', () => {
    const byCve = new Map<string, VulnerabilityRecord[]>()
    for (const r of derived.records) {
      for (const a of r.aliases) byCve.set(a, [...(byCve.get(a) ?? []), r])
    }
    const check = (file: string, affected: boolean) => {
      const rows = text(join(DERIVED, file)).trim().split('\n').slice(1)
      expect(rows.length).toBeGreaterThan(100)
      for (const row of rows) {
        const [source, , bookworm, fixedVersion, cve, urgency] = row.split('\t')
        const entry = (byCve.get(cve ?? '') ?? [])
          .flatMap((r) => r.affected)
          .find((a) => a.namespace === 'debian:12' && a.package === source)
        expect(entry, row).toBeDefined()
        expect(entry?.fixed, row).toEqual([fixedVersion])
        expect(entry?.urgency, row).toBe(urgency)
        expect(satisfies('deb', bookworm ?? '', entry?.ranges ?? ''), row).toBe(affected)
      }
      return rows.length
    }
    expect(check('ground-truth.tsv', true)).toBe(3590)
    expect(check('fixed-in-point-release/ground-truth.tsv', false)).toBe(117)
  })
})

describe('the whole OSV fixture tree, from directories and from a zip', async () => {
  const trees = [GHSA, PYPI, GO, CRATES, DISTRO, DERIVED]
  const all = await run(concatSources('fixtures', trees.map(dirSource)))

  test('4,002 records and 5 skips, with their reasons', () => {
    expect(all.records).toHaveLength(19 + 332 + 465 + 145 + 3 + 3038)
    expect(all.skips).toHaveLength(5)
    expect(all.skips.filter((s) => s.includes('do not parse as pep440'))).toHaveLength(3)
    expect(all.skips.filter((s) => s.endsWith('not an OSV record: no "id"'))).toHaveLength(2)
    expect(new Set(all.records.map((r) => r.id)).size).toBe(all.records.length)
    const namespaces = new Set(all.records.flatMap((r) => r.affected.map((a) => a.namespace)))
    expect([...namespaces].sort()).toEqual([
      'crates.io',
      'debian:12',
      'debian:7',
      'go',
      'maven',
      'npm',
      'nuget',
      'packagist',
      'pypi',
      'rubygems',
      'ubuntu:14.04',
    ])
  })

  test('a zip made by the zip command reads the same as the directories (all.zip layout)', async () => {
    const zip = join(tmp, 'all.zip')
    execFileSync('zip', ['-q', '-r', zip, 'ghsa', 'pypi', 'go', 'crates', 'samples/osv-distro'], { cwd: VULNDATA })
    const fromZip = await run(zipSource(zip))
    const fromDirs = await run(concatSources('fixtures', [GHSA, PYPI, GO, CRATES, DISTRO].map(dirSource)))
    expect(fromZip.records).toHaveLength(964)
    const byId = (c: Collect) => new Map(c.records.map((r) => [r.id, r]))
    expect(byId(fromZip)).toEqual(byId(fromDirs))
    const strip = (skips: string[]) => skips.map((s) => s.replace(/^pypi\/pypa-advisory-database\//, '')).sort()
    expect(strip(fromZip.skips)).toEqual(strip(fromDirs.skips))
  })
})

describe('bad input: skipped and counted, the rest imported', () => {
  const lodash = json(LODASH)
  const good = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...lodash, id, ...extra })

  test('truncated JSON, malformed YAML, no id, wrong types, a non-object: each skipped with a reason', async () => {
    const requests = text(REQUESTS)
    const sink = await run(
      memSource([
        ['npm/GHSA-35jh-r3h4-6jhm.json', readFileSync(LODASH)],
        ['npm/truncated.json', readFileSync(LODASH).subarray(0, 700)],
        ['PyPI/PYSEC-2023-74.yaml', requests],
        ['PyPI/broken.yaml', requests.replace('affected:', 'affected: [\n')],
        ['PyPI/truncated.yaml', requests.slice(0, 400)],
        ['npm/no-id.json', JSON.stringify({ ...lodash, id: undefined })],
        ['npm/aliases-string.json', good('GHSA-aaaa-bbbb-cccc', { aliases: 'CVE-2021-23337' })],
        ['npm/affected-object.json', good('GHSA-dddd-eeee-ffff', { affected: { package: 'lodash' } })],
        ['npm/number.json', '42'],
        ['README.md', '# not a record'],
      ]),
    )
    expect(sink.records.map((r) => r.id)).toEqual(['GHSA-35jh-r3h4-6jhm', 'PYSEC-2023-74'])
    expect(sink.skips).toHaveLength(7)
    expect(sink.skips[0]).toMatch(/^npm\/truncated\.json: malformed JSON: /)
    expect(sink.skips[1]).toMatch(/^PyPI\/broken\.yaml: malformed YAML: Flow sequence in block collection/)
    expect(sink.skips.slice(2)).toEqual([
      // Cut inside a block scalar, the YAML still parses: the missing `modified` gives it away.
      'PyPI/truncated.yaml (PYSEC-2023-74): modified: Invalid input: expected string, received undefined',
      'npm/no-id.json: not an OSV record: no "id"',
      'npm/aliases-string.json (GHSA-aaaa-bbbb-cccc): aliases: Invalid input: expected array, received string',
      'npm/affected-object.json (GHSA-dddd-eeee-ffff): affected: Invalid input: expected array, received object',
      'npm/number.json: not an OSV record: not an object',
    ])
  })

  test('affected entries: unknown ecosystem and GIT-only dropped with a note, never "every version"', async () => {
    const [known] = lodash.affected as Record<string, unknown>[]
    const sink = await run(
      memSource([
        [
          'mixed.json',
          good('GHSA-mixd-0000-0000', {
            affected: [
              { package: { ecosystem: 'OSS-Fuzz', name: 'libfoo' }, ranges: [] },
              known,
              {
                package: { ecosystem: 'npm', name: 'gitonly' },
                ranges: [{ type: 'GIT', repo: 'x', events: [{ introduced: '0' }, { fixed: 'abc' }] }],
              },
              { package: { ecosystem: 'npm' } },
            ],
          }),
        ],
        [
          'unknown-only.json',
          good('OSV-2020-1', { affected: [{ package: { ecosystem: 'OSS-Fuzz', name: 'libfoo' }, versions: ['1'] }] }),
        ],
      ]),
    )
    expect(sink.records.map((r) => r.id)).toEqual(['GHSA-mixd-0000-0000'])
    expect(sink.get('GHSA-mixd-0000-0000').affected).toEqual([
      {
        namespace: 'npm',
        package: 'lodash',
        ranges: '< 4.17.21',
        fixed: ['4.17.21'],
        status: 'affected',
        at: 'affected[1]',
      },
    ])
    expect(sink.skips).toEqual([
      'mixed.json (GHSA-mixd-0000-0000) affected[0]: unknown ecosystem "OSS-Fuzz": entry dropped',
      'mixed.json (GHSA-mixd-0000-0000) affected[2]: GIT ranges only (commits, not versions): nothing to match, entry dropped',
      'mixed.json (GHSA-mixd-0000-0000) affected[3]: bad entry: package.name: Invalid input: expected string, received undefined',
      'unknown-only.json (OSV-2020-1) affected[0]: unknown ecosystem "OSS-Fuzz": entry dropped',
      'unknown-only.json (OSV-2020-1): no affected package in an ecosystem we know (unknown ecosystem "OSS-Fuzz": entry dropped)',
    ])
  })

  test('withdrawn records keep their ranges with status withdrawn; a record met twice is imported once', async () => {
    const sink = await run(
      memSource([
        ['a/GHSA-35jh-r3h4-6jhm.json', good('GHSA-35jh-r3h4-6jhm', { withdrawn: '2023-01-01T00:00:00Z' })],
        ['b/GHSA-35jh-r3h4-6jhm.json', good('GHSA-35jh-r3h4-6jhm', { modified: '2020-01-01T00:00:00Z' })],
      ]),
    )
    expect(sink.records).toHaveLength(1)
    const r = sink.get('GHSA-35jh-r3h4-6jhm')
    expect(r.withdrawn).toBe('2023-01-01T00:00:00Z')
    expect(r.affected.map((a) => [a.status, a.ranges])).toEqual([
      ['withdrawn', '< 4.17.21'],
      ['withdrawn', '< 4.17.21'],
    ])
  })

  test('CVSS: the version comes from the vector; a score that is not a vector is left out with a note', () => {
    const out = osvToRecord({
      id: 'PYSEC-0000-1',
      modified: '2024-01-01T00:00:00Z',
      severity: [
        { type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
        { type: 'CVSS_V3', score: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
        { type: 'CVSS_V3', score: '9.8' },
      ],
      affected: [],
    })
    expect(out.record?.cvss).toEqual([
      { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', source: 'osv:PYSEC' },
      { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'osv:PYSEC' },
    ])
    expect(out.notes).toEqual([{ at: 'severity[2]', reason: 'CVSS_V3 score is not a CVSS vector: 9.8' }])
    expect(['GHSA-x', 'GO-2021-1', 'RUSTSEC-2020-1', 'DSA-1-1', 'UBUNTU-CVE-1', 'weird'].map(osvDatabase)).toEqual([
      'ghsa',
      'osv:GO',
      'osv:RUSTSEC',
      'osv:DSA',
      'osv:UBUNTU',
      'osv',
    ])
  })

  test('YAML numbers stay as written: an unquoted 1.10 is version 1.10, not 1.1', async () => {
    const yaml = [
      'id: PYSEC-0000-2',
      'modified: "2024-01-01T00:00:00Z"',
      'affected:',
      '- package: {name: example, ecosystem: PyPI}',
      '  ranges:',
      '  - type: ECOSYSTEM',
      '    events:',
      '    - introduced: 1.10',
      '    - fixed: 1.20',
      '  versions: [1.10, 1.11]',
    ].join('\n')
    const sink = await run(memSource([['example/PYSEC-0000-2.yaml', yaml]]))
    expect(sink.get('PYSEC-0000-2').affected[0]?.ranges).toBe('>= 1.10, < 1.20')
  })

  test('a source with no OSV record at all is an unusable feed', async () => {
    await expect(run(memSource([['README.md', 'hello']]))).rejects.toMatchObject({ code: 'FEED' })
    await expect(run(memSource([['x.json', '{"not": "osv"}']]))).rejects.toThrow(/no OSV records: x\.json/)
  })
})
