import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../src/internal/index.js'
import { IMPORTERS, loadDbConfig, updateDb } from '../../src/vulndb/index.js'
import { cli } from '../helpers/cli.js'
import { FIXTURES } from '../helpers/images.js'

const V = join(FIXTURES, 'vulndata')
let tmp: string
let cache: string
let root: string

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-cves-'))
  cache = join(tmp, 'cache')
  await updateDb({
    cacheDir: cache,
    config: loadDbConfig({
      feedFlags: [`osv=${join(V, 'debian-bookworm-derived/osv')}`, `nvd=${join(V, 'nvd')}`, `epss=${join(V, 'epss')}`],
      env: {},
    }),
    importers: IMPORTERS,
    only: ['osv', 'nvd', 'epss'],
  })
  // A Debian 12 root with zip and memcached at their plain-bookworm versions (real versions from ground-truth.tsv).
  root = join(tmp, 'rootfs')
  mkdirSync(join(root, 'etc'), { recursive: true })
  mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true })
  writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n')
  writeFileSync(
    join(root, 'var/lib/dpkg/status'),
    [
      'Package: zip\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0-13\n',
      'Package: memcached\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.6.18-1\n',
      'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u15\n',
    ].join('\n'),
  )
}, 120_000)

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('shipshape cves', () => {
  it('packages format: overview, then each vulnerable package with range, fix, severity and its source', () => {
    const r = cli(['cves', `fs://${root}`, '--cache-dir', cache])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^ {2}packages: 3$/m)
    expect(r.stdout).toMatch(/^## .* {2}zip 3\.0-13$/m)
    expect(r.stdout).toMatch(/✗ \w+ CVE-2018-13410/)
    expect(r.stdout).toMatch(/Affected range : < 3\.0-13\+deb12u1/)
    expect(r.stdout).toMatch(/Fixed version {2}: 3\.0-13\+deb12u1/)
    expect(r.stdout).toMatch(/Severity {7}: \S+ \(osv:DEBIAN\)/)
  })

  it('json lists every finding with package, purl, location, severity source, fix state, aliases', () => {
    const r = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    const zip = doc.findings.find((f: { id: string }) => f.id === 'CVE-2018-13410')
    expect(zip.package).toMatchObject({
      name: 'zip',
      version: '3.0-13',
      kind: 'deb',
      location: { path: '/var/lib/dpkg/status' },
    })
    expect(zip.package.purl).toMatch(/^pkg:deb\/debian\/zip@3\.0-13\?arch=amd64&distro=debian-12$/)
    expect(zip.fix).toEqual({ state: 'fixed', versions: ['3.0-13+deb12u1'] })
    expect(zip.severity.source).toBe('osv:DEBIAN')
    expect(zip.aliases).toContain('DEBIAN-DERIVED-CVE-2018-13410-zip')
    expect(doc.summary.packages).toBe(3)
    expect(doc.findings.every((f: { package: { name: string } }) => f.package.name !== 'base-files')).toBe(true)
  })

  it('filters, and --exit-code returns 2 only while findings remain', () => {
    const all = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json', '-e'])
    expect(all.code).toBe(2)
    const none = cli([
      'cves',
      `fs://${root}`,
      '--cache-dir',
      cache,
      '--format',
      'json',
      '-e',
      '--only-package',
      '^base-files$',
    ])
    expect(none.code, none.stderr).toBe(0)
    expect(JSON.parse(none.stdout).findings).toEqual([])
    const one = cli([
      'cves',
      `fs://${root}`,
      '--cache-dir',
      cache,
      '--format',
      'json',
      '--only-cve-id',
      'CVE-2018-13410',
    ])
    expect(JSON.parse(one.stdout).findings.map((f: { id: string }) => f.id)).toEqual(['CVE-2018-13410'])
    const unfixed = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json', '--only-unfixed'])
    expect(JSON.parse(unfixed.stdout).findings).toEqual([])
    const bad = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--only-severity', 'x'])
    expect(bad.code).toBe(ERROR_CODES.USAGE)
  })

  it('only-packages table and quickview', () => {
    const t = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'only-packages'])
    expect(t.stdout).toMatch(/^Name\s+Version\s+Type\s+Vulnerabilities$/m)
    expect(t.stdout).toMatch(/^base-files\s+12\.4\+deb12u15\s+deb$/m)
    const q = cli(['qv', `fs://${root}`, '--cache-dir', cache])
    expect(q.code, q.stderr).toBe(0)
    expect(q.stdout).toMatch(/^ {2}Target\s+│\s+\S+rootfs\s+│\s+\d+C\s+\d+H\s+\d+M\s+\d+L\s+\d+\?$/m)
  })

  it('an SBOM is an input too (sbom://FILE, native JSON)', () => {
    const out = join(tmp, 'sbom.json')
    expect(cli(['sbom', `fs://${root}`, '--format', 'json', '-o', out]).code).toBe(0)
    const a = JSON.parse(cli(['cves', `sbom://${out}`, '--cache-dir', cache, '--format', 'json']).stdout)
    const b = JSON.parse(cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json']).stdout)
    expect(a.findings).toEqual(b.findings)
    expect(readFileSync(out, 'utf8')).toMatch(/"format": "shipshape-sbom"/)
  })

  it('no DB: one line and its own exit code', () => {
    const r = cli(['cves', `fs://${root}`, '--cache-dir', join(tmp, 'nothing')])
    expect(r.code).toBe(ERROR_CODES.DB_MISSING)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('shipshape cves: report formats for machines', () => {
  it('writes sarif, markdown and gitlab in one run', () => {
    const base = join(tmp, 'report')
    const r = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'sarif,markdown,gitlab', '-o', base])
    expect(r.code, r.stderr).toBe(0)
    const sarif = JSON.parse(readFileSync(`${base}.sarif.json`, 'utf8'))
    expect(sarif.version).toBe('2.1.0')
    expect(sarif.runs[0].results.some((x: { ruleId: string }) => x.ruleId === 'CVE-2018-13410')).toBe(true)
    expect(readFileSync(`${base}.md`, 'utf8')).toMatch(/CVE-2018-13410/)
    expect(JSON.parse(readFileSync(`${base}.gitlab.json`, 'utf8')).scan.type).toBe('dependency_scanning')
  })
})

describe('shipshape cves: more of Scout filters', () => {
  it('--only-vuln-packages, --locations, --epss and the EPSS thresholds', () => {
    const t = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'only-packages', '--only-vuln-packages'])
    expect(t.stdout).not.toMatch(/^base-files/m)
    expect(t.stdout).toMatch(/^zip\s/m)
    const loc = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--locations', '--only-package', '^zip$'])
    expect(loc.stdout).toMatch(/^ {6}\/var\/lib\/dpkg\/status$/m)
    const json = JSON.parse(cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json']).stdout)
    const scores = json.findings.map((f: { epss?: { score: number } }) => f.epss?.score ?? -1)
    // Findings without an EPSS score never pass a threshold.
    const cut = Math.max(0, ...scores)
    const high = JSON.parse(
      cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json', '--epss-score', String(cut)]).stdout,
    )
    expect(high.findings.length).toBe(scores.filter((s: number) => s >= cut).length)
    if (high.findings.length > 0) {
      const text = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--epss', '--epss-score', String(cut)])
      expect(text.stdout).toMatch(/EPSS Score {5}: [\d.e-]+ \(percentile [\d.]+\)/)
    }
    expect(cli(['cves', `fs://${root}`, '--cache-dir', cache, '--epss-percentile', '7']).code).toBe(ERROR_CODES.USAGE)
  })
})

describe('SBOM cache', () => {
  it('a second run on the same image reads no layer; cache df and prune', () => {
    const layout = join(tmp, 'layout-copy')
    cpSync(join(FIXTURES, 'prebuilt', 'oci', 'apk-synthetic'), layout, { recursive: true })
    const first = cli(['cves', `oci-dir://${layout}`, '--cache-dir', cache, '--format', 'json'])
    expect(first.code, first.stderr).toBe(0)
    // Overwrite every layer blob with zeros: reading one now fails its digest, so only the cache can answer.
    const manifest = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0].digest.slice(7)
    for (const l of JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', manifest), 'utf8')).layers) {
      writeFileSync(join(layout, 'blobs', 'sha256', l.digest.slice(7)), Buffer.alloc(l.size))
    }
    const second = cli(['cves', `oci-dir://${layout}`, '--cache-dir', cache, '--format', 'json'])
    expect(second.code, second.stderr).toBe(0)
    expect(JSON.parse(second.stdout).packages).toBe(JSON.parse(first.stdout).packages)
    const noCache = cli(['cves', `oci-dir://${layout}`, '--cache-dir', cache, '--no-cache'])
    expect(noCache.code).toBe(ERROR_CODES.DIGEST_MISMATCH)
    const df = JSON.parse(cli(['cache', 'df', '--cache-dir', cache, '--format', 'json']).stdout)
    expect(df.entries).toBeGreaterThanOrEqual(1)
    expect(cli(['cache', 'prune', '--cache-dir', cache]).code).toBe(0)
    expect(JSON.parse(cli(['cache', 'df', '--cache-dir', cache, '--format', 'json']).stdout).entries).toBe(0)
    expect(cli(['cves', `oci-dir://${layout}`, '--cache-dir', cache]).code).toBe(ERROR_CODES.DIGEST_MISMATCH)
  })
})

describe('exceptions: a policy file and OpenVEX', () => {
  it('suppressed findings are marked and not counted; expired entries are reported; --ignore-suppressed hides them', () => {
    const policy = join(tmp, 'policy.yaml')
    writeFileSync(
      policy,
      [
        'ignore:',
        '  - id: CVE-2018-13410',
        '    package: zip',
        '    reason: zip is never run on untrusted archives here',
        '    expires: 2999-01-01',
        '  - id: CVE-2023-46852',
        '    reason: an old exception',
        '    expires: 2001-01-01',
        '',
      ].join('\n'),
    )
    const vex = join(tmp, 'memcached.openvex.json')
    writeFileSync(
      vex,
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': 'https://example.org/vex/1',
        author: 'test',
        timestamp: '2024-01-01T00:00:00Z',
        version: 1,
        statements: [
          {
            vulnerability: { name: 'CVE-2023-46853' },
            products: [{ '@id': 'pkg:deb/debian/memcached' }],
            status: 'not_affected',
            justification: 'vulnerable_code_not_in_execute_path',
          },
        ],
      }),
    )
    const all = JSON.parse(cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json']).stdout)
    const r = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json', '--policy', policy, '--vex', vex])
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    const zip = doc.findings.find((f: { id: string }) => f.id === 'CVE-2018-13410')
    expect(zip.suppressed).toMatchObject({ by: 'policy', reason: 'zip is never run on untrusted archives here' })
    const mc = doc.findings.find((f: { id: string }) => f.id === 'CVE-2023-46853')
    expect(mc.suppressed).toMatchObject({
      by: 'vex',
      reason: expect.stringMatching(/not_affected \(vulnerable_code_not_in_execute_path\)/),
    })
    expect(doc.findings.find((f: { id: string }) => f.id === 'CVE-2023-46852').suppressed).toBeUndefined()
    expect(doc.warnings.join('\n')).toMatch(/expired exception for CVE-2023-46852 \(2001-01-01/)
    const total = (s: Record<string, number>) => s.critical + s.high + s.medium + s.low + s.unspecified
    expect(total(doc.summary)).toBe(total(all.summary) - 2)
    const hidden = JSON.parse(
      cli([
        'cves',
        `fs://${root}`,
        '--cache-dir',
        cache,
        '--format',
        'json',
        '--policy',
        policy,
        '--vex',
        vex,
        '--ignore-suppressed',
      ]).stdout,
    )
    expect(hidden.findings.length).toBe(all.findings.length - 2)
    const text = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--policy', policy])
    expect(text.stdout).toMatch(
      /○ HIGH CVE-2018-13410\n {6}Suppressed {5}: zip is never run on untrusted archives here/,
    )
    const bad = join(tmp, 'bad.yaml')
    writeFileSync(bad, 'ignore:\n  - id: CVE-1\n')
    const b = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--policy', bad])
    expect(b.code).toBe(ERROR_CODES.USAGE)
    expect(b.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('SBOM input in every format', () => {
  it('cves on a CycloneDX or SPDX SBOM finds what the scan found', () => {
    const base = join(tmp, 'in')
    expect(cli(['sbom', `fs://${root}`, '--format', 'cyclonedx,spdx', '-o', base]).code).toBe(0)
    const direct = JSON.parse(cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'json']).stdout)
    const ids = (d: { findings: { id: string; package: { name: string } }[] }) =>
      d.findings.map((f) => `${f.package.name} ${f.id}`).sort()
    for (const file of [`${base}.cdx.json`, `${base}.spdx.json`]) {
      const r = cli(['cves', `sbom://${file}`, '--cache-dir', cache, '--format', 'json'])
      expect(r.code, r.stderr).toBe(0)
      expect(ids(JSON.parse(r.stdout))).toEqual(ids(direct))
    }
    const junk = join(tmp, 'junk.json')
    writeFileSync(junk, '{"hello": "world"}')
    const bad = cli(['cves', `sbom://${junk}`, '--cache-dir', cache])
    expect(bad.code).toBe(ERROR_CODES.NOT_AN_IMAGE)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('cves --output DIR and --help', () => {
  it('several formats into a directory; the exit codes are in --help', () => {
    const dir = join(tmp, 'reports/')
    const r = cli(['cves', `fs://${root}`, '--cache-dir', cache, '--format', 'sarif,json', '--output', dir])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, 'cves.sarif.json'), 'utf8')).version).toBe('2.1.0')
    expect(JSON.parse(readFileSync(join(dir, 'cves.json'), 'utf8')).format).toBe('shipshape-report')
    const help = cli(['--help'])
    for (const [name, code] of Object.entries(ERROR_CODES)) expect(help.stdout, name).toMatch(new RegExp(`\\b${code} `))
  })
})
