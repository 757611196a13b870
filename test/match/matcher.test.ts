import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReport } from '../../src/analysis/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import { matchSbom } from '../../src/match/index.js'
import type { Package, PackageId, Sbom } from '../../src/model/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { compareVersions } from '../../src/version/index.js'
import { dbPath, IMPORTERS, loadDbConfig, StoreReader, updateDb } from '../../src/vulndb/index.js'
import { FIXTURES, readTsv } from '../helpers/images.js'

const V = join(FIXTURES, 'vulndata')
const DERIVED = join(V, 'debian-bookworm-derived')
let tmp: string
let db: StoreReader

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-match-'))
  const feeds = [
    'osv=' + join(V, 'ghsa'),
    'osv=' + join(V, 'pypi'),
    'osv=' + join(V, 'go'),
    'osv=' + join(V, 'crates'),
    'osv=' + join(DERIVED, 'osv'),
    'rubysec=' + join(V, 'rubygems'),
    'nvd=' + join(V, 'nvd'),
    'cve5=' + join(V, 'cve5'),
    'kev=' + join(V, 'kev'),
    'epss=' + join(V, 'epss'),
  ]
  await updateDb({
    cacheDir: tmp,
    config: loadDbConfig({ feedFlags: feeds, env: {} }),
    importers: IMPORTERS,
    only: ['osv', 'rubysec', 'nvd', 'cve5', 'kev', 'epss'],
  })
  db = new StoreReader(dbPath(tmp))
}, 120_000)

afterAll(() => {
  db?.close()
  rmSync(tmp, { recursive: true, force: true })
})

/** A Debian 12 root filesystem whose dpkg status lists the given binaries. */
async function debianSbom(name: string, rows: { source: string; binary: string; version: string }[]): Promise<Sbom> {
  const root = join(tmp, name)
  mkdirSync(join(root, 'etc'), { recursive: true })
  mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true })
  writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n')
  const seen = new Set<string>()
  const paragraphs = rows
    .filter((r) => !seen.has(r.binary) && seen.add(r.binary))
    .map(
      (r) =>
        `Package: ${r.binary}\nStatus: install ok installed\nArchitecture: amd64\nSource: ${r.source}\nVersion: ${r.version}\n`,
    )
  writeFileSync(join(root, 'var/lib/dpkg/status'), paragraphs.join('\n'))
  return generateSbom(await openSource(parseImageRef(`fs://${root}`)))
}

function truth(file: string) {
  return readTsv(file)
    .slice(1)
    .map(([source, binary, bookworm, fixed, cve]) => ({
      source: source as string,
      binary: binary as string,
      bookworm: bookworm as string,
      fixed: fixed as string,
      cve: cve as string,
    }))
}

describe('distro matching against the bookworm-security changelog set', () => {
  it('plain bookworm versions yield exactly the (source package, CVE) pairs of ground-truth.tsv', async () => {
    const rows = truth(join(DERIVED, 'ground-truth.tsv'))
    const sbom = await debianSbom(
      'plain',
      rows.map((r) => ({ source: r.source, binary: r.binary, version: r.bookworm })),
    )
    const { findings, warnings } = matchSbom(sbom, db)
    expect(warnings).toEqual([])
    const got = new Set(findings.filter((f) => f.namespace === 'debian:12').map((f) => `${f.advisoryPackage} ${f.id}`))
    const want = new Set(rows.map((r) => `${r.source} ${r.cve}`))
    expect([...got].sort()).toEqual([...want].sort())
    const zip = findings.find((f) => f.package.name === 'zip' && f.id === 'CVE-2018-13410')
    expect(zip).toMatchObject({
      matchedBy: 'distro',
      fix: { state: 'fixed', versions: ['3.0-13+deb12u1'] },
      affectedRange: '< 3.0-13+deb12u1',
    })
    expect(zip?.severity.source).toMatch(/^osv:/)
  })

  it('the bookworm-security versions yield none of them', async () => {
    const rows = truth(join(DERIVED, 'ground-truth.tsv'))
    // The security suite's version of each binary is at least every fix its changelog names.
    const newest = new Map<string, { source: string; binary: string; version: string }>()
    for (const r of rows) {
      const cur = newest.get(r.binary)
      if (!cur || compareVersions('deb', r.fixed, cur.version) > 0)
        newest.set(r.binary, { source: r.source, binary: r.binary, version: r.fixed })
    }
    const sbom = await debianSbom('security', [...newest.values()])
    const pairs = new Set(rows.map((r) => `${r.source} ${r.cve}`))
    expect(matchSbom(sbom, db).findings.filter((f) => pairs.has(`${f.advisoryPackage} ${f.id}`))).toEqual([])
  })

  it('versions already fixed in a point release yield none', async () => {
    const rows = truth(join(DERIVED, 'fixed-in-point-release', 'ground-truth.tsv'))
    const sbom = await debianSbom(
      'point',
      rows.map((r) => ({ source: r.source, binary: r.binary, version: r.bookworm })),
    )
    expect(matchSbom(sbom, db).findings).toEqual([])
  })

  it('an unknown distro release is a warning, never a guessed match', async () => {
    const sbom = await debianSbom('plain2', [{ source: 'zip', binary: 'zip', version: '3.0-13' }])
    const odd: Sbom = { ...sbom, distro: { id: 'debian', versionId: '99', idLike: [], source: '/etc/os-release' } }
    const r = matchSbom(odd, db)
    expect(r.findings).toEqual([])
    expect(r.warnings).toEqual(['the DB holds no advisories for debian:99: its OS packages were not matched'])
  })
})

function langPackage(
  kind: Package['kind'],
  name: string,
  version: string,
  purl: string,
  extra: Record<string, unknown> = {},
): Package {
  const loc = { path: `/app/${name}`, layerIndex: 0 }
  return {
    id: `${kind}-${name}-${version}` as PackageId,
    name,
    version,
    kind,
    purl,
    introducedIn: loc,
    lastChangedIn: loc,
    locations: [loc],
    foundBy: 'test/1',
    metadata: { kind: kind as 'npm', ...extra },
  }
}

describe('ecosystem matching and Scout severity policy', () => {
  const sbom: Sbom = {
    schemaVersion: 1,
    target: { kind: 'sbom', ref: 'test', tags: [], labels: {}, layers: [], size: 0 },
    packages: [
      langPackage('npm', 'lodash', '4.17.4', 'pkg:npm/lodash@4.17.4'),
      langPackage('npm', 'minimist', '1.2.0', 'pkg:npm/minimist@1.2.0'),
      langPackage('npm', 'minimist', '0.0.8', 'pkg:npm/minimist@0.0.8'),
      langPackage('python', 'requests', '2.28.1', 'pkg:pypi/requests@2.28.1'),
      langPackage('python', 'urllib3', '1.26.12', 'pkg:pypi/urllib3@1.26.12', {
        ownedBy: { kind: 'deb', name: 'python3-urllib3' },
      }),
      langPackage('go-module', 'golang.org/x/net', 'v0.7.0', 'pkg:golang/golang.org/x/net@v0.7.0'),
    ],
    issues: [],
    tool: { name: 'shipshape', version: 'test', catalogers: {} },
    createdAt: '2024-01-01T00:00:00Z',
  }

  it('finds the advisories of lang-app named in shared/images/README.md', () => {
    const { findings } = matchSbom(sbom, db)
    const ids = (name: string, version: string) =>
      findings
        .filter((f) => f.package.name === name && f.package.version === version)
        .flatMap((f) => [f.id, ...f.aliases])
    expect(ids('lodash', '4.17.4')).toEqual(
      expect.arrayContaining(['CVE-2019-10744', 'CVE-2020-8203', 'CVE-2021-23337']),
    )
    expect(ids('minimist', '1.2.0')).toEqual(expect.arrayContaining(['CVE-2020-7598', 'CVE-2021-44906']))
    expect(ids('minimist', '0.0.8')).toEqual(expect.arrayContaining(['CVE-2020-7598', 'CVE-2021-44906']))
    expect(ids('golang.org/x/net', 'v0.7.0')).toEqual(expect.arrayContaining(['CVE-2023-39325', 'CVE-2023-3978']))
  })

  it('one finding per (package, vulnerability): CVE first, the GHSA as an alias', () => {
    const { findings } = matchSbom(sbom, db)
    const f = findings.filter(
      (x) => x.package.name === 'lodash' && (x.id === 'CVE-2021-23337' || x.aliases.includes('CVE-2021-23337')),
    )
    expect(f).toHaveLength(1)
    expect(f[0]?.id).toBe('CVE-2021-23337')
    expect(f[0]?.aliases).toContain('GHSA-35jh-r3h4-6jhm')
    expect(f[0]?.severity).toEqual({ level: 'high', source: 'ghsa', raw: 'HIGH', from: 'advisory' })
    expect(f[0]?.cvss).toMatchObject({ source: 'ghsa', version: '3.1', score: 7.2 })
  })

  it('PYSEC-2023-74 has no severity of its own: the NVD score decides, and says so', () => {
    const { findings } = matchSbom(sbom, db)
    const f = findings.find((x) => x.package.name === 'requests' && x.id === 'CVE-2023-32681')
    expect(f?.aliases).toEqual(expect.arrayContaining(['PYSEC-2023-74', 'GHSA-j8r2-6x86-q33q']))
    expect(f?.severity).toEqual({ level: 'medium', source: 'nvd', raw: 'CVSS 6.1', from: 'cvss' })
    expect(f?.fix).toEqual({ state: 'fixed', versions: ['2.31.0'] })
  })

  it("a Python package owned by a dpkg package is the distro's to report, not PyPI's", () => {
    const { findings } = matchSbom(sbom, db)
    expect(findings.filter((f) => f.package.name === 'urllib3')).toEqual([])
  })

  it('KEV and EPSS are attached; the report counts by severity', () => {
    const r = buildReport(sbom, db)
    expect(r.summary.critical + r.summary.high + r.summary.medium + r.summary.low + r.summary.unspecified).toBe(
      r.findings.length,
    )
    const withEpss = r.findings.filter((f) => f.epss)
    expect(withEpss.length).toBeGreaterThan(0)
    expect(r.db.builtAt).toMatch(/^\d{4}-/)
  })
})

it('ground truth files are present', () => {
  expect(readFileSync(join(DERIVED, 'ground-truth.tsv'), 'utf8').length).toBeGreaterThan(1000)
})

describe('lang-app from shared/images/build.sh against the fixture feeds', () => {
  it('reports the expected findings, and no PyPI findings for Debian-owned Python files', async () => {
    const { builtLayout } = await import('../helpers/images.js')
    const sbom = await generateSbom(await openSource(parseImageRef(`oci-dir://${builtLayout('lang-app')}`)))
    const { findings } = matchSbom(sbom, db)
    const has = (name: string, version: string, id: string) =>
      findings.some(
        (f) => f.package.name === name && f.package.version === version && (f.id === id || f.aliases.includes(id)),
      )
    expect(has('lodash', '4.17.4', 'CVE-2019-10744')).toBe(true)
    expect(has('lodash', '4.17.4', 'CVE-2020-8203')).toBe(true)
    expect(has('lodash', '4.17.4', 'CVE-2021-23337')).toBe(true)
    expect(has('minimist', '1.2.0', 'CVE-2021-44906')).toBe(true)
    expect(has('minimist', '0.0.8', 'CVE-2021-44906')).toBe(true)
    const nested = findings.find((f) => f.package.name === 'minimist' && f.package.version === '0.0.8')
    expect(nested?.package.location.path).toBe('/app/node_modules/mkdirp/node_modules/minimist/package.json')
    expect(has('golang.org/x/net', 'v0.7.0', 'CVE-2023-39325')).toBe(true)
    expect(findings.filter((f) => f.package.kind === 'python')).toEqual([])
    expect(findings.filter((f) => f.namespace === 'pypi')).toEqual([])
  })
})
