import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  applySuppressions,
  imagePurlsOf,
  loadPolicy,
  loadVex,
  type SuppressedFinding,
} from '../../src/analysis/suppress.js'
import { isShipshapeError, type ShipshapeError } from '../../src/internal/index.js'
import type { Digest, Finding, PackageId, PackageKind, TargetSummary } from '../../src/model/index.js'
import { FIXTURES } from '../helpers/images.js'

const VEX = join(FIXTURES, 'vex')
const NOW = new Date('2025-06-15T12:00:00Z')
let tmp: string

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-suppress-'))
})
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

let fileCount = 0
/** Writes a file under the test's temp dir and returns its path. */
function write(name: string, content: string | object): string {
  const path = join(tmp, `${fileCount++}-${name}`)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return path
}

interface FindingSpec {
  id: string
  aliases?: string[]
  name: string
  version: string
  kind?: PackageKind
  purl: string
  path?: string
  matchedBy?: 'distro' | 'ecosystem'
  advisoryPackage?: string
}

/** A finding as the matcher makes them (src/model/report.ts), with only what suppression looks at varying. */
function finding(s: FindingSpec): Finding {
  const location = {
    path: s.path ?? '/lib/apk/db/installed',
    layerIndex: 0,
    layer: `sha256:${'a'.repeat(64)}` as Digest,
  }
  return {
    package: {
      id: `${s.name}-${s.version}` as PackageId,
      name: s.name,
      version: s.version,
      kind: s.kind ?? 'apk',
      purl: s.purl,
      location,
      introducedIn: location,
    },
    id: s.id,
    aliases: s.aliases ?? [],
    matchedBy: s.matchedBy ?? 'distro',
    namespace: 'alpine:3.18',
    advisoryPackage: s.advisoryPackage ?? s.name,
    advisories: [`alpine:${s.id}`],
    fix: { state: 'fixed', versions: [] },
    severity: { level: 'high', source: 'nvd', raw: 'HIGH', from: 'advisory' },
    cvssAll: [],
    cwes: [],
    urls: [],
  }
}

function catchError(fn: () => unknown): ShipshapeError {
  try {
    fn()
  } catch (e) {
    if (isShipshapeError(e)) return e
    throw e
  }
  throw new Error('expected a ShipshapeError')
}

function expectUsage(fn: () => unknown, file: string, ...parts: string[]): string {
  const e = catchError(fn)
  expect(e.code).toBe('USAGE')
  const line = e.oneLine()
  expect(line).not.toContain('\n')
  expect(line).toContain(file)
  for (const p of parts) expect(line).toContain(p)
  return line
}

function suppressedOf(findings: SuppressedFinding[]): string[] {
  return findings.filter((f) => f.suppressed).map((f) => `${f.id} ${f.package.purl}`)
}

// --- Fixtures: real OpenVEX documents -------------------------------------------------------------------------

const ALPINE_DIGEST = 'sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126' as Digest

function target(over: Partial<TargetSummary>): TargetSummary {
  return { kind: 'image', ref: 'img', tags: [], labels: {}, layers: [], size: 0, ...over }
}

const LIBSSL_308 = 'pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64&distro=alpine-3.18.2'
const LIBCRYPTO_308 = 'pkg:apk/alpine/libcrypto3@3.0.8-r3?arch=x86_64&distro=alpine-3.18.2'
const LIBSSL_309 = 'pkg:apk/alpine/libssl3@3.0.9-r0?arch=x86_64&distro=alpine-3.18.2'
const BUSYBOX = 'pkg:apk/alpine/busybox@1.36.1-r0?arch=x86_64&distro=alpine-3.18.2'
const SSL_CLIENT = 'pkg:apk/alpine/ssl_client@1.36.1-r0?arch=x86_64&distro=alpine-3.18.2'

describe('loadVex on real documents', () => {
  it('reads go-vex 0.2.0: image product, subcomponents, statuses, justification, impact statement', () => {
    const doc = loadVex(join(VEX, 'example-go-vex-v0.2.0.json'))
    expect(doc.specVersion).toBe('0.2.0')
    expect(doc.author).toBe('The OpenVEX Project <openvex@openssf.org>')
    expect(doc.version).toBe(1)
    expect(doc.statements).toHaveLength(5)
    const s = doc.statements[3]
    expect(s).toMatchObject({
      index: 3,
      vulnerability: { name: 'CVE-2023-3446', aliases: [] },
      status: 'not_affected',
      justification: 'vulnerable_code_not_present',
      impactStatement: 'affected functions were removed before packaging',
      // Inherited from the document.
      timestamp: '2023-07-17T18:28:47.696004345-06:00',
    })
    expect(s?.products[0]).toEqual({
      id: 'pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126',
      purl: 'pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126',
      subcomponents: [
        { id: 'pkg:apk/alpine/libssl3@3.0.8-r3', purl: 'pkg:apk/alpine/libssl3@3.0.8-r3' },
        { id: 'pkg:apk/alpine/libcrypto3@3.0.8-r3', purl: 'pkg:apk/alpine/libcrypto3@3.0.8-r3' },
      ],
    })
  })

  it('reads 0.0.1 documents: versioned and bare @context, string vulnerability and products', () => {
    for (const name of ['example-go-vex-v0.0.1.json', 'example-go-vex-v0.0.1-noversion.json']) {
      const doc = loadVex(join(VEX, name))
      expect(doc.specVersion).toBe('0.0.1')
      expect(doc.version).toBe(1)
      expect(doc.statements).toEqual([
        {
          index: 0,
          vulnerability: { name: 'CVE-2023-12345', aliases: [] },
          products: [
            {
              id: 'pkg:apk/wolfi/git@2.39.0-r1?arch=armv7',
              purl: 'pkg:apk/wolfi/git@2.39.0-r1?arch=armv7',
              subcomponents: [],
            },
            {
              id: 'pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64',
              purl: 'pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64',
              subcomponents: [],
            },
          ],
          status: 'fixed',
          timestamp: '2023-01-08T18:02:03.647787998-06:00',
        },
      ])
    }
  })
})

describe('VEX: image products and subcomponents (go-vex 0.2.0)', () => {
  const images = imagePurlsOf(
    target({
      name: 'docker.io/library/alpine',
      tags: ['3.18'],
      manifestDigest: ALPINE_DIGEST,
      platform: { os: 'linux', architecture: 'amd64' },
    }),
  )

  it('builds the image purl from the target', () => {
    expect(images).toEqual([
      'pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126?arch=amd64&repository_url=docker.io%2Flibrary%2Falpine&tag=3.18',
    ])
  })

  it('suppresses not_affected and fixed statements on the listed subcomponents only, with the reason shown', () => {
    const vex = [loadVex(join(VEX, 'example-go-vex-v0.2.0.json'))]
    const findings = [
      finding({ id: 'CVE-2023-3446', name: 'libssl3', version: '3.0.8-r3', purl: LIBSSL_308 }),
      finding({ id: 'CVE-2023-1255', name: 'libcrypto3', version: '3.0.8-r3', purl: LIBCRYPTO_308 }),
      // The subcomponent's purl has a version: another version is not covered.
      finding({ id: 'CVE-2023-3446', name: 'libssl3', version: '3.0.9-r0', purl: LIBSSL_309 }),
      // Not a subcomponent of the statement.
      finding({ id: 'CVE-2023-3446', name: 'busybox', version: '1.36.1-r0', purl: BUSYBOX }),
      // No statement for this vulnerability.
      finding({ id: 'CVE-2024-0727', name: 'libssl3', version: '3.0.8-r3', purl: LIBSSL_308 }),
    ]
    const r = applySuppressions(findings, { vex, now: NOW, imagePurls: images })
    expect(r.findings.map((f) => f.suppressed)).toEqual([
      {
        by: 'vex',
        reason: 'not_affected (vulnerable_code_not_present): affected functions were removed before packaging',
        source: `${join(VEX, 'example-go-vex-v0.2.0.json')}#statements[3]`,
      },
      { by: 'vex', reason: 'fixed', source: `${join(VEX, 'example-go-vex-v0.2.0.json')}#statements[0]` },
      undefined,
      undefined,
      undefined,
    ])
    expect(r.expired).toEqual([])
    // The input is not modified.
    expect(findings.some((f) => 'suppressed' in f)).toBe(false)
  })

  it('does not apply to another image, or when the image is not known', () => {
    const vex = [loadVex(join(VEX, 'example-go-vex-v0.2.0.json'))]
    const findings = [finding({ id: 'CVE-2023-3446', name: 'libssl3', version: '3.0.8-r3', purl: LIBSSL_308 })]
    const other = imagePurlsOf(
      target({ name: 'docker.io/library/alpine', manifestDigest: `sha256:${'b'.repeat(64)}` as Digest }),
    )
    expect(suppressedOf(applySuppressions(findings, { vex, now: NOW, imagePurls: other }).findings)).toEqual([])
    expect(suppressedOf(applySuppressions(findings, { vex, now: NOW }).findings)).toEqual([])
    // The index digest of a multi-platform image counts too.
    const viaIndex = imagePurlsOf(
      target({ name: 'alpine', manifestDigest: `sha256:${'c'.repeat(64)}` as Digest, indexDigest: ALPINE_DIGEST }),
    )
    expect(viaIndex).toHaveLength(2)
    expect(suppressedOf(applySuppressions(findings, { vex, now: NOW, imagePurls: viaIndex }).findings)).toHaveLength(1)
  })
})

describe('VEX: Trivy’s own document (unversioned image and subcomponents, three repositories)', () => {
  const vex = () => [loadVex(join(VEX, 'example-trivy-oci.openvex.json'))]
  const findings = [
    finding({ id: 'CVE-2023-42363', name: 'busybox', version: '1.36.1-r0', purl: BUSYBOX }),
    finding({ id: 'CVE-2024-6119', name: 'libssl3', version: '3.0.8-r3', purl: LIBSSL_308 }),
    // CVE-2024-6119's statement lists libcrypto3 and libssl3, not ssl_client.
    finding({ id: 'CVE-2024-6119', name: 'ssl_client', version: '1.36.1-r0', purl: SSL_CLIENT }),
    finding({ id: 'CVE-2024-4741', name: 'ssl_client', version: '1.36.1-r0', purl: SSL_CLIENT }),
  ]
  const trivyImage = (repository: string) =>
    imagePurlsOf(target({ name: repository, tags: ['0.53.0'], manifestDigest: `sha256:${'d'.repeat(64)}` as Digest }))

  it('matches any digest of the named repositories, any version of the subcomponents', () => {
    for (const repo of [
      'ghcr.io/aquasecurity/trivy',
      'aquasec/trivy',
      'docker.io/aquasec/trivy',
      'public.ecr.aws/aquasecurity/trivy',
    ]) {
      const r = applySuppressions(findings, { vex: vex(), now: NOW, imagePurls: trivyImage(repo) })
      expect(suppressedOf(r.findings), repo).toEqual([
        `CVE-2023-42363 ${BUSYBOX}`,
        `CVE-2024-6119 ${LIBSSL_308}`,
        `CVE-2024-4741 ${SSL_CLIENT}`,
      ])
      expect(r.findings[0]?.suppressed?.reason).toBe(
        'not_affected (vulnerable_code_cannot_be_controlled_by_adversary): awk is not used',
      )
    }
  })

  it('does not match an image of the same name from another repository', () => {
    const r = applySuppressions(findings, { vex: vex(), now: NOW, imagePurls: trivyImage('quay.io/someone/trivy') })
    expect(suppressedOf(r.findings)).toEqual([])
  })
})

describe('VEX: package products', () => {
  const git = (version: string, arch = 'x86_64') =>
    finding({
      id: 'CVE-2023-12345',
      name: 'git',
      version,
      purl: `pkg:apk/wolfi/git@${version}?arch=${arch}&distro=wolfi`,
    })

  it('matches the product purl ignoring qualifiers, and its version when it has one (0.0.1 documents)', () => {
    for (const name of ['example-go-vex-v0.0.1.json', 'example-go-vex-v0.0.1-noversion.json']) {
      const vex = [loadVex(join(VEX, name))]
      const r = applySuppressions([git('2.39.0-r1'), git('2.39.0-r1', 'aarch64'), git('2.40.0-r0')], { vex, now: NOW })
      expect(r.findings.map((f) => f.suppressed?.reason)).toEqual(['fixed', 'fixed', undefined])
    }
  })

  function doc(statements: object[], extra: object = {}): string {
    return write('doc.openvex.json', {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://openvex.dev/docs/example/vex-test',
      author: 'Test',
      timestamp: '2025-01-01T00:00:00Z',
      version: 1,
      statements,
      ...extra,
    })
  }

  const lodash = (version: string, id = 'CVE-2021-23337', aliases: string[] = ['GHSA-35jh-r3h4-6jhm']) =>
    finding({
      id,
      aliases,
      name: 'lodash',
      version,
      kind: 'npm',
      purl: `pkg:npm/lodash@${version}`,
      path: '/app/node_modules/lodash/package.json',
      matchedBy: 'ecosystem',
    })

  it('an unversioned product covers every version; a versioned one only its own', () => {
    const path = doc([
      {
        vulnerability: { name: 'CVE-2021-23337' },
        products: [{ '@id': 'pkg:npm/lodash' }],
        status: 'not_affected',
        justification: 'vulnerable_code_not_in_execute_path',
      },
      {
        vulnerability: { name: 'CVE-2020-8203' },
        products: [{ '@id': 'pkg:npm/lodash@4.17.15' }],
        status: 'fixed',
      },
    ])
    const vex = [loadVex(path)]
    const r = applySuppressions(
      [
        lodash('4.17.15'),
        lodash('4.17.20'),
        lodash('4.17.15', 'CVE-2020-8203', []),
        lodash('4.17.19', 'CVE-2020-8203', []),
      ],
      { vex, now: NOW },
    )
    expect(r.findings.map((f) => f.suppressed?.reason)).toEqual([
      'not_affected (vulnerable_code_not_in_execute_path)',
      'not_affected (vulnerable_code_not_in_execute_path)',
      'fixed',
      undefined,
    ])
  })

  it('matches through aliases both ways, an @id-only vulnerability, and identifiers.purl', () => {
    const path = doc([
      // The statement names the GHSA; the finding's id is the CVE with the GHSA as an alias.
      { vulnerability: { name: 'GHSA-35jh-r3h4-6jhm' }, products: [{ '@id': 'pkg:npm/lodash' }], status: 'fixed' },
      // The statement's alias is the finding's id.
      {
        vulnerability: { name: 'SNYK-JS-LODASH-567746', aliases: ['CVE-2020-8203'] },
        products: [{ identifiers: { purl: 'pkg:npm/lodash' } }],
        status: 'not_affected',
        impact_statement: 'zipObjectDeep is never called',
      },
      // Only an @id, an NVD URL.
      {
        vulnerability: { '@id': 'https://nvd.nist.gov/vuln/detail/CVE-2019-10744' },
        products: [{ '@id': 'pkg:npm/lodash' }],
        status: 'fixed',
        status_notes: 'patched in our fork',
      },
    ])
    const r = applySuppressions(
      [
        lodash('4.17.15'),
        lodash('4.17.15', 'CVE-2020-8203', []),
        lodash('4.17.15', 'CVE-2019-10744', []),
        lodash('4.17.15', 'CVE-2018-16487', []),
      ],
      { vex: [loadVex(path)], now: NOW },
    )
    expect(r.findings.map((f) => f.suppressed?.reason)).toEqual([
      'fixed',
      'not_affected: zipObjectDeep is never called',
      'fixed: patched in our fork',
      undefined,
    ])
  })

  it('affected and under_investigation do not suppress', () => {
    const path = doc([
      {
        vulnerability: { name: 'CVE-2021-23337' },
        products: [{ '@id': 'pkg:npm/lodash' }],
        status: 'affected',
        action_statement: 'upgrade to 4.17.21',
      },
      {
        vulnerability: { name: 'CVE-2020-8203' },
        products: [{ '@id': 'pkg:npm/lodash' }],
        status: 'under_investigation',
      },
    ])
    const r = applySuppressions([lodash('4.17.15'), lodash('4.17.15', 'CVE-2020-8203', [])], {
      vex: [loadVex(path)],
      now: NOW,
    })
    expect(suppressedOf(r.findings)).toEqual([])
  })

  it('an image product without subcomponents covers every package of the image', () => {
    const path = doc([
      {
        vulnerability: { name: 'CVE-2021-23337' },
        products: [{ '@id': 'pkg:oci/app?repository_url=registry.example.com/team/app' }],
        status: 'not_affected',
        justification: 'component_not_present',
      },
    ])
    const imagePurls = imagePurlsOf(
      target({ name: 'registry.example.com/team/app', manifestDigest: `sha256:${'e'.repeat(64)}` as Digest }),
    )
    const r = applySuppressions([lodash('4.17.15'), lodash('4.17.20')], { vex: [loadVex(path)], now: NOW, imagePurls })
    expect(suppressedOf(r.findings)).toHaveLength(2)
    // The image product never covers a package of another image.
    const other = imagePurlsOf(
      target({ name: 'registry.example.com/team/other', manifestDigest: `sha256:${'e'.repeat(64)}` as Digest }),
    )
    expect(
      suppressedOf(
        applySuppressions([lodash('4.17.15')], { vex: [loadVex(path)], now: NOW, imagePurls: other }).findings,
      ),
    ).toEqual([])
  })

  it('the latest statement for a vulnerability and product wins, by timestamp, across documents', () => {
    const notAffected = {
      vulnerability: { name: 'CVE-2021-23337' },
      products: [{ '@id': 'pkg:npm/lodash' }],
      status: 'not_affected',
      justification: 'vulnerable_code_not_present',
    }
    const affected = {
      vulnerability: { name: 'CVE-2021-23337' },
      products: [{ '@id': 'pkg:npm/lodash@4.17.15' }],
      status: 'affected',
      action_statement: 'upgrade',
    }
    const apply = (...paths: string[]) =>
      applySuppressions([lodash('4.17.15')], { vex: paths.map(loadVex), now: NOW }).findings[0]?.suppressed?.reason
    // Later in time, earlier in the file: the timestamp decides, not the order.
    expect(
      apply(
        doc([
          { ...affected, timestamp: '2025-03-01T00:00:00Z' },
          { ...notAffected, timestamp: '2025-02-01T00:00:00Z' },
        ]),
      ),
    ).toBeUndefined()
    expect(
      apply(
        doc([
          { ...notAffected, timestamp: '2025-03-01T00:00:00Z' },
          { ...affected, timestamp: '2025-02-01T00:00:00Z' },
        ]),
      ),
    ).toBe('not_affected (vulnerable_code_not_present)')
    // Nanoseconds count.
    expect(
      apply(
        doc([
          { ...notAffected, timestamp: '2025-03-01T00:00:00.000000002Z' },
          { ...affected, timestamp: '2025-03-01T00:00:00.000000001Z' },
        ]),
      ),
    ).toBe('not_affected (vulnerable_code_not_present)')
    // Statements without a timestamp take the document's; across documents the later one wins.
    const older = doc([affected], { timestamp: '2024-12-01T00:00:00-05:00' })
    const newer = doc([notAffected], { timestamp: '2024-12-01T06:00:00+00:00' })
    expect(apply(older, newer)).toBe('not_affected (vulnerable_code_not_present)')
    expect(apply(newer, older)).toBe('not_affected (vulnerable_code_not_present)')
    // The same time: the later one in the input wins.
    expect(apply(doc([notAffected, affected]))).toBeUndefined()
    expect(apply(doc([affected, notAffected]))).toBe('not_affected (vulnerable_code_not_present)')
  })
})

describe('loadVex errors', () => {
  const good = {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://openvex.dev/docs/example/vex-bad',
    author: 'Test',
    timestamp: '2025-01-01T00:00:00Z',
    version: 1,
  }
  const stmt = { vulnerability: { name: 'CVE-2021-23337' }, products: [{ '@id': 'pkg:npm/lodash' }], status: 'fixed' }

  it.each([
    ['not JSON', '{ "statements": [', 'not valid JSON'],
    ['a list', '[]', 'expected a JSON object'],
    ['no @context', { statements: [] }, 'no @context'],
    [
      'another @context',
      { ...good, '@context': 'https://cyclonedx.org/schema/bom-1.4.schema.json', statements: [] },
      '@context: not an OpenVEX context',
    ],
    ['no statements', good, 'statements: required'],
    [
      'a statement not an object',
      { ...good, statements: [stmt, 'CVE-1'] },
      'statements[1]: expected an object, got string',
    ],
    [
      'products not a list',
      { ...good, statements: [{ ...stmt, products: 'pkg:npm/lodash' }] },
      'statements[0].products: expected a list',
    ],
    ['a bad version', { ...good, version: 0, statements: [stmt] }, 'version: expected a positive integer'],
    [
      'a bad status',
      { ...good, statements: [stmt, { ...stmt, status: 'not_vulnerable' }] },
      'statements[1].status: expected one of',
    ],
    ['no status', { ...good, statements: [{ vulnerability: stmt.vulnerability }] }, 'statements[0].status: required'],
    [
      'not_affected without justification',
      { ...good, statements: [{ ...stmt, status: 'not_affected' }] },
      'statements[0].justification: a not_affected statement needs a justification or an impact_statement',
    ],
    [
      'an unknown justification',
      { ...good, statements: [{ ...stmt, status: 'not_affected', justification: 'trust_me' }] },
      'statements[0].justification: expected one of',
    ],
    [
      'a bad timestamp',
      { ...good, statements: [{ ...stmt, timestamp: 'yesterday' }] },
      'statements[0].timestamp: expected an RFC 3339 date-time',
    ],
    [
      'a bad document timestamp',
      { ...good, timestamp: '2025-01-01', statements: [stmt] },
      'timestamp: expected an RFC 3339',
    ],
    [
      'no vulnerability',
      { ...good, statements: [{ products: stmt.products, status: 'fixed' }] },
      'statements[0].vulnerability: required',
    ],
    [
      'a nameless vulnerability',
      { ...good, statements: [{ ...stmt, vulnerability: { aliases: ['CVE-1'] } }] },
      'statements[0].vulnerability: a vulnerability needs a name or an @id',
    ],
    [
      'a product without identity',
      { ...good, statements: [{ ...stmt, products: [{ hashes: { 'sha-256': 'ab' } }] }] },
      'statements[0].products[0]: a product needs an @id or identifiers',
    ],
  ])('%s → one-line USAGE error', (_name, content, message) => {
    const path = write('bad.openvex.json', content)
    expectUsage(() => loadVex(path), path, 'bad OpenVEX document', message)
  })

  it('a missing file is NOT_FOUND', () => {
    const e = catchError(() => loadVex(join(tmp, 'nope.json')))
    expect(e.code).toBe('NOT_FOUND')
    expect(e.oneLine()).toContain('nope.json')
  })
})

// --- Policy files ------------------------------------------------------------------------------------------

describe('policy files', () => {
  const deb = (id: string, name: string, opts: Partial<FindingSpec> = {}) =>
    finding({
      id,
      name,
      version: '3.0.11-1~deb12u2',
      kind: 'deb',
      purl: `pkg:deb/debian/${name}@3.0.11-1~deb12u2?arch=amd64&distro=debian-12`,
      path: '/var/lib/dpkg/status',
      advisoryPackage: 'openssl',
      ...opts,
    })
  const npm = (id: string, name: string, version: string, path: string, aliases: string[] = []) =>
    finding({
      id,
      aliases,
      name,
      version,
      kind: 'npm',
      purl: `pkg:npm/${name}@${version}`,
      path,
      matchedBy: 'ecosystem',
    })

  function policy(yaml: string) {
    const path = write('shipshape.yaml', yaml)
    return { path, policy: loadPolicy(path) }
  }

  it('parses the ignore list', () => {
    const { path, policy: p } = policy(`
ignore:
  - id: CVE-2023-5678
    reason: not reachable from our code
  - id: GHSA-35jh-r3h4-6jhm
    package: pkg:npm/lodash
    path: /app/**
    reason: template() is never used
    expires: 2025-07-01
`)
    expect(p).toEqual({
      source: path,
      ignore: [
        { index: 0, id: 'CVE-2023-5678', reason: 'not reachable from our code' },
        {
          index: 1,
          id: 'GHSA-35jh-r3h4-6jhm',
          package: 'pkg:npm/lodash',
          path: '/app/**',
          reason: 'template() is never used',
          expires: '2025-07-01',
        },
      ],
    })
    expect(loadPolicy(write('empty.yaml', '')).ignore).toEqual([])
    expect(loadPolicy(write('null-ignore.yaml', 'ignore:\n')).ignore).toEqual([])
  })

  it('matches the finding id or any alias, case-insensitively', () => {
    const { path, policy: p } = policy(`
ignore:
  - { id: CVE-2023-5678, reason: by id }
  - { id: ghsa-35jh-r3h4-6jhm, reason: by alias }
`)
    const r = applySuppressions(
      [
        deb('CVE-2023-5678', 'libssl3'),
        npm('CVE-2021-23337', 'lodash', '4.17.15', '/app/node_modules/lodash/package.json', ['GHSA-35jh-r3h4-6jhm']),
        deb('CVE-2024-0727', 'libssl3'),
      ],
      { policy: p, now: NOW },
    )
    expect(r.findings.map((f) => f.suppressed)).toEqual([
      { by: 'policy', reason: 'by id', source: `${path}#ignore[0]` },
      { by: 'policy', reason: 'by alias', source: `${path}#ignore[1]` },
      undefined,
    ])
  })

  it('package: a name (the package’s, or a distro source package) or a purl (versionless covers every version)', () => {
    const { policy: p } = policy(`
ignore:
  - { id: CVE-2023-5678, package: libssl3, reason: binary name }
  - { id: CVE-2023-0464, package: openssl, reason: source package }
  - { id: CVE-2021-23337, package: "pkg:npm/lodash", reason: any lodash }
  - { id: CVE-2020-8203, package: "pkg:npm/lodash@4.17.15", reason: one lodash }
  - { id: CVE-2022-0001, package: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2", reason: "deb purl, qualifiers ignored" }
`)
    const findings = [
      deb('CVE-2023-5678', 'libssl3'),
      deb('CVE-2023-5678', 'libcrypto3'),
      deb('CVE-2023-0464', 'libssl3'),
      deb('CVE-2023-0464', 'openssl'),
      npm('CVE-2021-23337', 'lodash', '4.17.15', '/app/node_modules/lodash/package.json'),
      npm('CVE-2021-23337', 'lodash', '4.17.20', '/srv/node_modules/lodash/package.json'),
      npm('CVE-2021-23337', 'lodash-es', '4.17.15', '/app/node_modules/lodash-es/package.json'),
      npm('CVE-2020-8203', 'lodash', '4.17.15', '/app/node_modules/lodash/package.json'),
      npm('CVE-2020-8203', 'lodash', '4.17.19', '/app/node_modules/lodash/package.json'),
      deb('CVE-2022-0001', 'libssl3'),
    ]
    const r = applySuppressions(findings, { policy: p, now: NOW })
    expect(r.findings.map((f) => f.suppressed?.reason ?? '-')).toEqual([
      'binary name',
      '-',
      'source package',
      'source package',
      'any lodash',
      'any lodash',
      '-',
      'one lodash',
      '-',
      'deb purl, qualifiers ignored',
    ])
  })

  it('path: globs on the package location, `*` inside one segment and `**` across', () => {
    const { policy: p } = policy(`
ignore:
  - { id: CVE-2021-44906, path: "/app/node_modules/*/node_modules/**", reason: nested copies only }
  - { id: CVE-2021-23337, path: "app/**/lodash/package.json", reason: relative globs start at / }
  - { id: CVE-2022-0002, path: "/opt/*.jar", reason: top-level jars }
`)
    const findings = [
      npm('CVE-2021-44906', 'minimist', '0.0.8', '/app/node_modules/mkdirp/node_modules/minimist/package.json'),
      npm('CVE-2021-44906', 'minimist', '1.2.0', '/app/node_modules/minimist/package.json'),
      npm('CVE-2021-23337', 'lodash', '4.17.15', '/app/node_modules/lodash/package.json'),
      npm('CVE-2021-23337', 'lodash', '4.17.15', '/srv/node_modules/lodash/package.json'),
      finding({
        id: 'CVE-2022-0002',
        name: 'a',
        version: '1',
        kind: 'java',
        purl: 'pkg:maven/x/a@1',
        path: '/opt/a.jar',
      }),
      finding({
        id: 'CVE-2022-0002',
        name: 'b',
        version: '1',
        kind: 'java',
        purl: 'pkg:maven/x/b@1',
        path: '/opt/lib/b.jar',
      }),
    ]
    const r = applySuppressions(findings, { policy: p, now: NOW })
    expect(r.findings.map((f) => f.suppressed?.reason ?? '-')).toEqual([
      'nested copies only',
      '-',
      'relative globs start at /',
      '-',
      'top-level jars',
      '-',
    ])
  })

  it('package and path together must both match', () => {
    const { policy: p } = policy(`
ignore:
  - { id: CVE-2021-44906, package: minimist, path: "/app/node_modules/minimist/**", reason: both }
`)
    const r = applySuppressions(
      [
        npm('CVE-2021-44906', 'minimist', '1.2.0', '/app/node_modules/minimist/package.json'),
        npm('CVE-2021-44906', 'minimist', '0.0.8', '/app/node_modules/mkdirp/node_modules/minimist/package.json'),
        npm('CVE-2021-44906', 'other', '1.0.0', '/app/node_modules/minimist/package.json'),
      ],
      { policy: p, now: NOW },
    )
    expect(r.findings.map((f) => f.suppressed?.reason ?? '-')).toEqual(['both', '-', '-'])
  })

  it('expires: applies before the date, stops at the start of that day (UTC), and the expired entry is reported', () => {
    const { path, policy: p } = policy(`
ignore:
  - { id: CVE-2023-5678, reason: waiting for the base image, expires: 2025-06-16 }
  - { id: CVE-2023-5678, reason: expired today, expires: 2025-06-15 }
  - { id: CVE-2024-0727, reason: long expired, expires: "2024-01-31" }
  - { id: CVE-2099-0001, reason: matches nothing, expires: 2025-01-01 }
`)
    const findings = [deb('CVE-2023-5678', 'libssl3'), deb('CVE-2024-0727', 'libssl3')]

    const before = applySuppressions(findings, { policy: p, now: new Date('2025-06-15T23:59:59Z') })
    expect(before.findings.map((f) => f.suppressed?.reason ?? '-')).toEqual(['waiting for the base image', '-'])
    expect(before.expired).toEqual([
      { id: 'CVE-2023-5678', reason: 'expired today', expires: '2025-06-15', source: `${path}#ignore[1]` },
      { id: 'CVE-2024-0727', reason: 'long expired', expires: '2024-01-31', source: `${path}#ignore[2]` },
      { id: 'CVE-2099-0001', reason: 'matches nothing', expires: '2025-01-01', source: `${path}#ignore[3]` },
    ])

    const after = applySuppressions(findings, { policy: p, now: new Date('2025-06-16T00:00:00Z') })
    expect(after.findings.map((f) => f.suppressed?.reason ?? '-')).toEqual(['-', '-'])
    expect(after.expired.map((e) => e.expires)).toEqual(['2025-06-16', '2025-06-15', '2024-01-31', '2025-01-01'])

    const early = applySuppressions(findings, { policy: p, now: new Date('2023-01-01T00:00:00Z') })
    expect(early.findings.map((f) => f.suppressed?.reason ?? '-')).toEqual([
      'waiting for the base image',
      'long expired',
    ])
    expect(early.expired).toEqual([])
  })

  it('the policy is consulted before VEX', () => {
    const { path, policy: p } = policy('ignore:\n  - { id: CVE-2023-3446, reason: ours }\n')
    const vex = [loadVex(join(VEX, 'example-go-vex-v0.2.0.json'))]
    const imagePurls = imagePurlsOf(target({ name: 'alpine', manifestDigest: ALPINE_DIGEST }))
    const f = [finding({ id: 'CVE-2023-3446', name: 'libssl3', version: '3.0.8-r3', purl: LIBSSL_308 })]
    expect(applySuppressions(f, { policy: p, vex, now: NOW, imagePurls }).findings[0]?.suppressed).toEqual({
      by: 'policy',
      reason: 'ours',
      source: `${path}#ignore[0]`,
    })
  })

  it.each([
    ['not YAML', 'ignore: [ { id: CVE-1', 'not valid YAML'],
    ['a list at the top', '- id: CVE-2023-5678\n', 'expected a mapping'],
    ['ignore not a list', 'ignore: CVE-2023-5678\n', 'ignore: expected a list'],
    [
      'no reason',
      'ignore:\n  - id: CVE-2023-5678\n  - id: CVE-2023-5679\n    package: x\n',
      'ignore[0].reason: required',
    ],
    ['an empty reason', 'ignore:\n  - { id: CVE-2023-5678, reason: "  " }\n', 'ignore[0].reason: empty'],
    ['no id', 'ignore:\n  - { id: CVE-1, reason: a }\n  - { package: lodash, reason: b }\n', 'ignore[1].id: required'],
    ['a numeric id', 'ignore:\n  - { id: 12, reason: a }\n', 'ignore[0].id: expected a string, got number'],
    [
      'a bad date',
      'ignore:\n  - { id: CVE-1, reason: a, expires: 2025-02-30 }\n',
      'ignore[0].expires: expected a YYYY-MM-DD date',
    ],
    ['a date-time', 'ignore:\n  - { id: CVE-1, reason: a, expires: "2025-02-01T00:00:00Z" }\n', 'ignore[0].expires'],
    [
      'a typo',
      'ignore:\n  - { id: CVE-1, reason: a }\n  - { id: CVE-2, reasn: b }\n',
      'ignore[1]: unknown field reasn',
    ],
    [
      'an entry not a mapping',
      'ignore:\n  - CVE-2023-5678\n',
      'ignore[0]: expected a mapping with id and reason, got string',
    ],
    [
      'a bad purl',
      'ignore:\n  - { id: CVE-1, reason: a, package: "pkg:npm" }\n',
      'ignore[0].package: not a valid purl',
    ],
    ['a bad glob', 'ignore:\n  - { id: CVE-1, reason: a, path: "/app/{a,b" }\n', 'ignore[0].path: not a valid glob'],
  ])('%s → one-line USAGE error naming the file and the entry', (_name, yaml, message) => {
    const path = write('bad.yaml', yaml)
    expectUsage(() => loadPolicy(path), path, 'bad policy', message)
  })

  it('a missing file is NOT_FOUND', () => {
    expect(catchError(() => loadPolicy(join(tmp, 'none.yaml'))).code).toBe('NOT_FOUND')
  })
})
