import { describe, expect, it } from 'vitest'
import { type Comparison, compareReports, type PackageDelta, placeOf } from '../../src/analysis/index.js'
import type { Digest, Finding, Package, PackageId, PackageKind, Report, SeverityLevel } from '../../src/model/index.js'

interface Pkg {
  name: string
  version: string
  kind?: PackageKind
  path?: string
  arch?: string
  /** Findings of this package: `ID` or `ID=ALIAS,ALIAS`, with an optional `:level` suffix (default high). */
  vulns?: string[]
}

const LAYER = `sha256:${'b'.repeat(64)}` as Digest

function pkg(p: Pkg, i: number): Package {
  const kind = p.kind ?? 'deb'
  const path = p.path ?? (kind === 'deb' ? '/var/lib/dpkg/status' : `/app/node_modules/${p.name}/package.json`)
  const loc = { path, layer: LAYER, layerIndex: 0 }
  return {
    id: `p${i}-${p.name}` as PackageId,
    name: p.name,
    version: p.version,
    kind,
    purl: `pkg:${kind}/${p.name}@${p.version}`,
    introducedIn: loc,
    lastChangedIn: loc,
    locations: [loc],
    foundBy: 'test',
    metadata:
      kind === 'deb'
        ? {
            kind: 'deb',
            architecture: p.arch ?? 'amd64',
            source: p.name,
            sourceVersion: p.version,
            files: [],
          }
        : { kind: kind as Exclude<PackageKind, 'deb' | 'apk' | 'rpm'> },
  }
}

function finding(p: Package, spec: string): Finding {
  const [ids, level = 'high'] = spec.split(':') as [string, string | undefined]
  const [id, aliases = ''] = ids.split('=') as [string, string | undefined]
  return {
    package: {
      id: p.id,
      name: p.name,
      version: p.version,
      kind: p.kind,
      purl: p.purl,
      location: p.lastChangedIn,
      introducedIn: p.introducedIn,
    },
    id,
    aliases: aliases ? aliases.split(',') : [],
    matchedBy: 'distro',
    namespace: 'debian:12',
    advisoryPackage: p.name,
    advisories: [`osv:${id}`],
    fix: { state: 'fixed', versions: ['99'] },
    severity: { level: level as SeverityLevel, from: 'advisory', source: 'osv:DEBIAN' },
    cvssAll: [],
    cwes: [],
    urls: [],
  }
}

function report(ref: string, pkgs: Pkg[], size = 1000): Report {
  const packages = pkgs.map(pkg)
  const findings = packages.flatMap((p, i) => (pkgs[i]?.vulns ?? []).map((v) => finding(p, v)))
  return {
    schemaVersion: 1,
    sbom: {
      schemaVersion: 1,
      target: { kind: 'image', ref, tags: ['1'], labels: {}, layers: [], size },
      packages,
      issues: [],
      tool: { name: 'shipshape', version: 'test', catalogers: {} },
      createdAt: '2024-01-01T00:00:00Z',
    },
    findings,
    summary: {
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      unspecified: 0,
      packages: packages.length,
      vulnerablePackages: 0,
    },
    db: { builtAt: '', feeds: [] },
    warnings: [],
  }
}

function rows(c: Comparison): string[] {
  return c.packages.map((p: PackageDelta) => {
    const v =
      p.change === 'added'
        ? p.version
        : p.change === 'removed'
          ? p.baselineVersion
          : `${p.baselineVersion}→${p.version}`
    const plus = p.vulnerabilities.added.map((x) => ` +${x.id}`).join('')
    const minus = p.vulnerabilities.removed.map((x) => ` -${x.id}`).join('')
    return `${p.change} ${p.kind}/${p.name} ${p.path} ${v}${plus}${minus}`
  })
}

describe('compareReports', () => {
  it.each<[string, Pkg[], Pkg[], string[]]>([
    [
      'same name at two paths is two packages',
      [
        { name: 'minimist', version: '1.2.6', kind: 'npm', path: '/app/node_modules/minimist/package.json' },
        {
          name: 'minimist',
          version: '0.0.8',
          kind: 'npm',
          path: '/app/node_modules/a/node_modules/minimist/package.json',
        },
      ],
      [
        { name: 'minimist', version: '1.2.0', kind: 'npm', path: '/app/node_modules/minimist/package.json' },
        {
          name: 'minimist',
          version: '0.0.8',
          kind: 'npm',
          path: '/app/node_modules/a/node_modules/minimist/package.json',
        },
      ],
      [
        'unchanged npm/minimist /app/node_modules/a/node_modules/minimist/package.json 0.0.8→0.0.8',
        'upgraded npm/minimist /app/node_modules/minimist/package.json 1.2.0→1.2.6',
      ],
    ],
    [
      'an epoch outranks any upstream version (deb)',
      [{ name: 'zlib', version: '1:1.2.13.dfsg-1' }],
      [{ name: 'zlib', version: '1.3-1' }],
      ['upgraded deb/zlib /var/lib/dpkg/status 1.3-1→1:1.2.13.dfsg-1'],
    ],
    [
      'the Debian revision orders, tilde sorts before anything (deb)',
      [
        { name: 'openssl', version: '3.0.11-1~deb12u2' },
        { name: 'perl', version: '5.36.0-7+deb12u1' },
        { name: 'curl', version: '7.88.1-10' },
      ],
      [
        { name: 'openssl', version: '3.0.11-1' },
        { name: 'perl', version: '5.36.0-7' },
        { name: 'curl', version: '7.88.1-9+deb12u1' },
      ],
      [
        'upgraded deb/curl /var/lib/dpkg/status 7.88.1-9+deb12u1→7.88.1-10',
        'downgraded deb/openssl /var/lib/dpkg/status 3.0.11-1→3.0.11-1~deb12u2',
        'upgraded deb/perl /var/lib/dpkg/status 5.36.0-7→5.36.0-7+deb12u1',
      ],
    ],
    [
      'semantic, not textual, order (npm: 1.10.0 > 1.9.0; pre-release below release)',
      [
        { name: 'a', version: '1.10.0', kind: 'npm' },
        { name: 'b', version: '2.0.0-rc.1', kind: 'npm' },
      ],
      [
        { name: 'a', version: '1.9.0', kind: 'npm' },
        { name: 'b', version: '2.0.0', kind: 'npm' },
      ],
      [
        'upgraded npm/a /app/node_modules/a/package.json 1.9.0→1.10.0',
        'downgraded npm/b /app/node_modules/b/package.json 2.0.0→2.0.0-rc.1',
      ],
    ],
    [
      'added, removed, and their vulnerabilities',
      [{ name: 'new', version: '1.0', vulns: ['CVE-1'] }],
      [{ name: 'old', version: '1.0', vulns: ['CVE-2', 'CVE-3'] }],
      ['added deb/new /var/lib/dpkg/status 1.0 +CVE-1', 'removed deb/old /var/lib/dpkg/status 1.0 -CVE-2 -CVE-3'],
    ],
    [
      'a vulnerability named by an alias on one side is not added and removed',
      [{ name: 'lodash', version: '4.17.20', kind: 'npm', vulns: ['CVE-2021-23337=GHSA-35jh-r3h4-6jhm', 'CVE-9'] }],
      [{ name: 'lodash', version: '4.17.15', kind: 'npm', vulns: ['GHSA-35jh-r3h4-6jhm', 'CVE-2020-8203'] }],
      ['upgraded npm/lodash /app/node_modules/lodash/package.json 4.17.15→4.17.20 +CVE-9 -CVE-2020-8203'],
    ],
    [
      'the same name and path in two architectures pairs by architecture',
      [
        { name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64' },
        { name: 'libc6', version: '2.36-9+deb12u4', arch: 'i386' },
      ],
      [
        { name: 'libc6', version: '2.36-9', arch: 'i386' },
        { name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64' },
      ],
      [
        'unchanged deb/libc6 /var/lib/dpkg/status 2.36-9+deb12u4→2.36-9+deb12u4',
        'upgraded deb/libc6 /var/lib/dpkg/status 2.36-9→2.36-9+deb12u4',
      ],
    ],
    [
      'a path that names the version is the same place after an upgrade',
      [{ name: 'Apache Tomcat', version: '10.1.60', kind: 'java', path: '/usr/share/java/tomcat10-api-10.1.60.jar' }],
      [{ name: 'Apache Tomcat', version: '10.1.55', kind: 'java', path: '/usr/share/java/tomcat10-api-10.1.55.jar' }],
      ['upgraded java/Apache Tomcat /usr/share/java/tomcat10-api-10.1.60.jar 10.1.55→10.1.60'],
    ],
  ])('%s', (_name, target, baseline, want) => {
    expect(rows(compareReports(report('t', target), report('b', baseline)))).toEqual(want)
  })

  it('an alias-merged vulnerability counts as neither added nor removed in the totals', () => {
    const c = compareReports(
      report('t', [{ name: 'x', version: '1', vulns: ['DSA-1=CVE-2024-1'] }]),
      report('b', [{ name: 'x', version: '1', vulns: ['CVE-2024-1=DSA-1'] }]),
    )
    expect(c.summary.vulnerabilities).toEqual({ added: 0, removed: 0 })
    expect(c.packages[0]?.vulnerabilities.unchanged).toBe(1)
    expect(c.worse).toEqual({ vulnerability: false, package: false })
  })

  it('counts Scout’s way (per package), deltas, and whether the target is worse', () => {
    const plain = report(
      'plain',
      [
        { name: 'apt', version: '2.6.1', vulns: ['CVE-1:medium'] },
        { name: 'libapt-pkg6.0', version: '2.6.1', vulns: ['CVE-1:medium'] },
        { name: 'perl', version: '5.36.0-7+deb12u3', vulns: ['CVE-2:high', 'CVE-3:critical'] },
        { name: 'zlib1g', version: '1:1.2.13.dfsg-1' },
      ],
      2_000,
    )
    const security = report(
      'security',
      [
        { name: 'apt', version: '2.6.2' },
        { name: 'libapt-pkg6.0', version: '2.6.2' },
        { name: 'perl', version: '5.36.0-7+deb12u4' },
        { name: 'zlib1g', version: '1:1.2.13.dfsg-1' },
      ],
      2_500,
    )
    const worse = compareReports(plain, security)
    expect(worse.target.vulnerabilities).toEqual({ critical: 1, high: 1, medium: 2, low: 0, unspecified: 0 })
    expect(worse.delta).toEqual({
      vulnerabilities: { critical: 1, high: 1, medium: 2, low: 0, unspecified: 0 },
      size: -500,
      packages: 0,
    })
    expect(worse.summary).toEqual({
      packages: { added: 0, removed: 0, upgraded: 0, downgraded: 3, changed: 0, unchanged: 1 },
      vulnerabilities: { added: 4, removed: 0 },
    })
    expect(worse.worse).toEqual({ vulnerability: true, package: true })
    const better = compareReports(security, plain)
    expect(better.summary.vulnerabilities).toEqual({ added: 0, removed: 4 })
    expect(better.summary.packages.upgraded).toBe(3)
    expect(better.worse).toEqual({ vulnerability: false, package: true })
    const same = compareReports(security, security)
    expect(same.worse).toEqual({ vulnerability: false, package: false })
  })

  it('suppressed findings are not counted', () => {
    const t = report('t', [{ name: 'x', version: '1', vulns: ['CVE-1'] }])
    const f = t.findings[0] as Finding
    f.suppressed = { by: 'vex', reason: 'not affected', source: 'vex.json' }
    const c = compareReports(t, report('b', [{ name: 'x', version: '1' }]))
    expect(c.summary.vulnerabilities.added).toBe(0)
    expect(c.worse.vulnerability).toBe(false)
  })
})

describe('placeOf', () => {
  it.each([
    ['/usr/share/java/tomcat10-api-10.1.55.jar', '10.1.55', '/usr/share/java/tomcat10-api-\u0000.jar'],
    [
      '/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
      '2.31.0',
      '/usr/lib/python3/dist-packages/requests-\u0000.dist-info/METADATA',
    ],
    ['/app/lib1/x-1.jar', '1', '/app/lib1/x-\u0000.jar'],
    ['/app/x-1.2.3.jar', '1.2', '/app/x-1.2.3.jar'],
    ['/var/lib/dpkg/status', '2.36-9', '/var/lib/dpkg/status'],
  ])('%s (%s)', (path, version, want) => {
    expect(placeOf(path, version)).toBe(want)
  })
})
