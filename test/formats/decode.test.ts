import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSource, parseImageRef } from '../../src/image/index.js'
import { matchSbom, queryFor } from '../../src/match/index.js'
import type { Location, Package, PackageId, Sbom } from '../../src/model/index.js'
import { decodeCycloneDx, encodeCycloneDx } from '../../src/sbom/formats/cyclonedx-json/index.js'
import { decodeSbom, detectSbomFormat } from '../../src/sbom/formats/decode.js'
import { encodeNativeJson } from '../../src/sbom/formats/native-json/index.js'
import { decodeSpdx, encodeSpdx } from '../../src/sbom/formats/spdx-json/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { dbPath, IMPORTERS, loadDbConfig, namespaceForDistro, StoreReader, updateDb } from '../../src/vulndb/index.js'
import { FIXTURES, PREBUILT, readTsv } from '../helpers/images.js'
import { sampleSbom, withLanguagePackage } from './golden.js'
import { cycloneDxValidator, schemaErrors, spdxValidator } from './validators.js'

const FOREIGN = join(FIXTURES, 'formats', 'foreign')
const foreign = (path: string) => readFileSync(join(FOREIGN, path), 'utf8')

type Format = 'cyclonedx' | 'spdx'
const ENCODE: Record<Format, (s: Sbom) => string> = { cyclonedx: encodeCycloneDx, spdx: (s) => encodeSpdx(s) }

function decoded(text: string, ref = 'sbom://test.json'): Sbom {
  const r = decodeSbom(text, { ref })
  if (!r.ok) throw new Error(r.error)
  return r.sbom
}

const byLocation = (a: Location, b: Location) => a.layerIndex - b.layerIndex || (a.path < b.path ? -1 : 1)

/** What matching and the reports read of a package. */
function essentials(p: Package) {
  const m = p.metadata
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    version: p.version,
    purl: p.purl,
    source: p.source,
    foundBy: p.foundBy,
    introducedIn: p.introducedIn,
    lastChangedIn: p.lastChangedIn,
    locations: [...p.locations].sort(byLocation),
    metadata:
      m.kind === 'deb'
        ? { kind: m.kind, architecture: m.architecture, source: m.source, sourceVersion: m.sourceVersion }
        : m.kind === 'apk'
          ? { kind: m.kind, architecture: m.architecture, origin: m.origin }
          : m.kind === 'rpm'
            ? {
                kind: m.kind,
                architecture: m.architecture,
                epoch: m.epoch,
                upstreamVersion: m.upstreamVersion,
                release: m.release,
                sourceRpm: m.sourceRpm,
              }
            : { kind: m.kind, ownedBy: m.ownedBy },
  }
}

const sortById = (ps: Package[]) => [...ps].sort((a, b) => (a.id < b.id ? -1 : 1))

function expectRoundTrip(original: Sbom, format: Format): Sbom {
  const text = ENCODE[format](original)
  const r = decodeSbom(text, { ref: 'sbom://round-trip.json' })
  if (!r.ok) throw new Error(r.error)
  expect(r.format).toBe(format)
  const back = r.sbom
  expect(sortById(back.packages).map(essentials)).toEqual(sortById(original.packages).map(essentials))
  expect(back.distro).toEqual(original.distro)
  const ns = original.distro ? namespaceForDistro(original.distro.id, original.distro.versionId) : undefined
  const queries = (s: Sbom) => sortById(s.packages).map((p) => queryFor(p, ns))
  expect(queries(back)).toEqual(queries(original))
  // The target is now the SBOM file, still named and identified as the scanned image was.
  const t = original.target
  expect(back.target).toMatchObject({
    kind: 'sbom',
    ref: 'sbom://round-trip.json',
    name: t.name ?? t.ref,
    tags: t.tags,
    labels: t.labels,
    layers: t.layers.map((l) => ({ index: l.index, digest: l.digest, diffId: l.diffId, size: l.size })),
  })
  for (const k of ['manifestDigest', 'indexDigest', 'configDigest', 'platform', 'created'] as const)
    expect(back.target[k]).toEqual(t[k])
  const issueKey = (i: Sbom['issues'][number]) => JSON.stringify([i.source, i.kind, i.message, i.location])
  expect(back.issues.map(issueKey).sort()).toEqual(original.issues.map(issueKey).sort())
  expect(back.tool).toMatchObject({ name: original.tool.name, version: original.tool.version })
  return back
}

describe('round trip: shipshape SBOM → CycloneDX / SPDX → decode', () => {
  const sources: [string, () => Promise<Sbom>][] = [
    [
      'apk-synthetic (OCI layout)',
      async () => generateSbom(await openSource(parseImageRef(`oci-dir://${join(PREBUILT, 'oci', 'apk-synthetic')}`))),
    ],
    [
      'dpkg multiarch rootfs (fs://)',
      async () =>
        generateSbom(
          await openSource(parseImageRef(`fs://${join(FIXTURES, 'catalogers', 'dpkg', 'multiarch', 'rootfs')}`)),
        ),
    ],
    [
      'the formats sample (layers, issues, deb/rpm/apk, an owned npm package)',
      async () => withLanguagePackage(sampleSbom()).sbom,
    ],
  ]
  for (const [name, make] of sources) {
    for (const format of ['cyclonedx', 'spdx'] as const) {
      it(`${name} via ${format}`, async () => {
        const original = await make()
        expect(original.packages.length).toBeGreaterThan(2)
        const back = expectRoundTrip(original, format)
        expect(back.packages.length).toBe(original.packages.length)
      })
    }
  }

  it('keeps the OS packages of the real SBOMs matchable: source packages, origins, the distro release', async () => {
    const apk = await sources[0]?.[1]()
    const back = decoded(encodeSpdx(apk as Sbom))
    expect(back.distro).toMatchObject({ id: 'alpine', versionId: '3.18.4' })
    const ssl = back.packages.find((p) => p.name === 'libssl3')
    expect(ssl?.source).toEqual({ name: 'openssl', version: ssl?.version })
    const deb = decoded(encodeCycloneDx((await sources[1]?.[1]()) as Sbom))
    expect(deb.packages.find((p) => p.name === 'libgcc-s1')).toMatchObject({
      version: '12.2.0-14+deb12u1',
      source: { name: 'gcc-12', version: '12.2.0-14' },
      metadata: { kind: 'deb', architecture: 'amd64', source: 'gcc-12', sourceVersion: '12.2.0-14' },
    })
    expect(deb.packages.find((p) => p.name === 'zlib1g')?.version).toBe('1:1.2.13.dfsg-1')
  })
})

describe('the same findings from an SBOM read back as from the scan', () => {
  const V = join(FIXTURES, 'vulndata')
  const DERIVED = join(V, 'debian-bookworm-derived')
  let tmp: string
  let db: StoreReader

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'shipshape-decode-'))
    await updateDb({
      cacheDir: tmp,
      config: loadDbConfig({
        feedFlags: [`osv=${join(DERIVED, 'osv')}`, `osv=${join(V, 'ghsa')}`, `osv=${join(V, 'pypi')}`],
        env: {},
      }),
      importers: IMPORTERS,
      only: ['osv'],
    })
    db = new StoreReader(dbPath(tmp))
  }, 120_000)

  afterAll(() => {
    db?.close()
    rmSync(tmp, { recursive: true, force: true })
  })

  /** A bookworm rootfs with the vulnerable binaries of the derived set (source ≠ binary for many), plus npm/PyPI. */
  async function scanned(): Promise<Sbom> {
    const root = join(tmp, 'rootfs')
    mkdirSync(join(root, 'etc'), { recursive: true })
    mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true })
    writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n')
    const seen = new Set<string>()
    const paragraphs = readTsv(join(DERIVED, 'ground-truth.tsv'))
      .slice(1)
      .filter(([, binary]) => !seen.has(binary as string) && seen.add(binary as string))
      .map(
        ([source, binary, version]) =>
          `Package: ${binary}\nStatus: install ok installed\nArchitecture: amd64\nSource: ${source}\nVersion: ${version}\n`,
      )
    writeFileSync(join(root, 'var/lib/dpkg/status'), paragraphs.join('\n'))
    const sbom = await generateSbom(await openSource(parseImageRef(`fs://${root}`)))
    const lang = (kind: Package['kind'], name: string, version: string, purl: string, extra = {}): Package => {
      const loc = { path: `/app/${name}`, layerIndex: 0 }
      return {
        id: packageIdOf(`${kind}-${name}-${version}`),
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
    sbom.packages.push(
      lang('npm', 'lodash', '4.17.4', 'pkg:npm/lodash@4.17.4'),
      lang('npm', 'minimist', '0.0.8', 'pkg:npm/minimist@0.0.8'),
      lang('python', 'requests', '2.28.1', 'pkg:pypi/requests@2.28.1'),
      lang('python', 'urllib3', '1.26.12', 'pkg:pypi/urllib3@1.26.12', {
        ownedBy: { kind: 'deb', name: 'python3-urllib3' },
      }),
    )
    return sbom
  }

  const findingKeys = (s: Sbom) =>
    matchSbom(s, db)
      .findings.map((f) =>
        JSON.stringify([f.package.id, f.id, f.namespace, f.advisoryPackage, f.matchedBy, f.fix, f.affectedRange]),
      )
      .sort()

  for (const format of ['cyclonedx', 'spdx'] as const) {
    it(`via ${format}`, async () => {
      const original = await scanned()
      const want = findingKeys(original)
      expect(want.length).toBeGreaterThan(20)
      expect(want.some((k) => k.includes('"distro"'))).toBe(true)
      expect(want.some((k) => k.includes('"ecosystem"'))).toBe(true)
      expect(findingKeys(decoded(ENCODE[format](original)))).toEqual(want)
    })
  }
})

/** Ids as the catalogers make them: 16 hex digits. */
function packageIdOf(s: string): PackageId {
  return createHash('sha256').update(s).digest('hex').slice(0, 16) as PackageId
}

describe('SBOMs written by other tools', () => {
  const cases: {
    file: string
    format: Format
    packages: number
    issues: number
    distro?: { id: string; versionId?: string }
  }[] = [
    {
      file: 'trivy/centos-7-cyclonedx.json',
      format: 'cyclonedx',
      packages: 2,
      issues: 0,
      distro: { id: 'centos', versionId: '7.6.1810' },
    },
    {
      file: 'trivy/centos-7-spdx.json',
      format: 'spdx',
      packages: 2,
      issues: 0,
      distro: { id: 'centos', versionId: '7.6.1810' },
    },
    {
      file: 'trivy/fluentd-multiple-lockfiles-cyclonedx.json',
      format: 'cyclonedx',
      packages: 3,
      issues: 0,
      distro: { id: 'debian', versionId: '10.2' },
    },
    {
      file: 'trivy/fluentd-multiple-lockfiles-short.cdx.json',
      format: 'cyclonedx',
      packages: 3,
      issues: 0,
      distro: { id: 'debian', versionId: '10.2' },
    },
    {
      file: 'syft/TestCycloneDxImageEncoder.golden.json',
      format: 'cyclonedx',
      packages: 2,
      issues: 0,
      distro: { id: 'debian', versionId: '1.2.3' },
    },
    { file: 'syft/TestSPDXJSONImageEncoder.golden.json', format: 'spdx', packages: 1, issues: 1 },
    { file: 'syft/identify-1.4.json', format: 'cyclonedx', packages: 1, issues: 0 },
    { file: 'syft/alpine-3.10.vendor.spdx.json', format: 'spdx', packages: 0, issues: 2 },
  ]
  for (const c of cases) {
    it(`${c.file}: ${c.packages} packages, ${c.issues} unsupported`, () => {
      const r = decodeSbom(foreign(c.file), { ref: `sbom://${c.file}` })
      if (!r.ok) throw new Error(r.error)
      expect(r.format).toBe(c.format)
      expect(r.sbom.packages).toHaveLength(c.packages)
      expect(r.sbom.issues).toHaveLength(c.issues)
      for (const i of r.sbom.issues) expect(i.kind).toBe('unsupported-format')
      if (c.distro) expect(r.sbom.distro).toMatchObject(c.distro)
      else expect(r.sbom.distro).toBeUndefined()
      expect(r.sbom.target).toMatchObject({ kind: 'sbom', ref: `sbom://${c.file}` })
      expect(new Set(r.sbom.packages.map((p) => p.id)).size).toBe(c.packages)
      // The direct decoder of the format says the same.
      const direct = (c.format === 'cyclonedx' ? decodeCycloneDx : decodeSpdx)(foreign(c.file), {
        ref: `sbom://${c.file}`,
      })
      expect(direct).toEqual({ ok: r.ok, sbom: r.sbom })
    })
  }

  it('trivy CycloneDX: rpm epoch and source RPM from its properties, the image name', () => {
    const s = decoded(foreign('trivy/centos-7-cyclonedx.json'))
    expect(s.target.name).toBe('integration/testdata/fixtures/images/centos-7.tar.gz')
    expect(s.tool).toMatchObject({ name: 'trivy', version: 'dev' })
    const ssl = s.packages.find((p) => p.name === 'openssl-libs')
    expect(ssl).toMatchObject({
      kind: 'rpm',
      version: '1:1.0.2k-16.el7',
      purl: 'pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?arch=x86_64&epoch=1&distro=centos-7.6.1810',
      source: { name: 'openssl', version: '1:1.0.2k-16.el7' },
      licenses: ['OpenSSL+'],
      metadata: { kind: 'rpm', epoch: 1, upstreamVersion: '1.0.2k', release: '16.el7', architecture: 'x86_64' },
    })
    expect(queryFor(ssl as Package, 'centos:7')).toMatchObject({ name: 'openssl', version: '1:1.0.2k-16.el7' })
  })

  it('trivy SPDX 2.2: the purl wins over versionInfo, the OS package is the distro', () => {
    const s = decoded(foreign('trivy/centos-7-spdx.json'))
    expect(s.packages.map((p) => `${p.name} ${p.version}`).sort()).toEqual([
      'bash 4.2.46-31.el7',
      'openssl-libs 1:1.0.2k-16.el7',
    ])
    expect(s.packages.find((p) => p.name === 'bash')?.source).toEqual({ name: 'bash', version: '4.2.46-31.el7' })
    expect(s.createdAt).toBe('2022-09-13T13:27:55.874784Z')
  })

  it('trivy deb and gem: source packages, file paths', () => {
    const s = decoded(foreign('trivy/fluentd-multiple-lockfiles-short.cdx.json'))
    expect(s.packages.find((p) => p.name === 'libidn2-0')).toMatchObject({
      kind: 'deb',
      source: { name: 'libidn2', version: '2.0.5-1' },
      metadata: { kind: 'deb', source: 'libidn2', sourceVersion: '2.0.5-1' },
    })
    const gem = s.packages.find((p) => p.kind === 'gem')
    expect(gem).toMatchObject({ name: 'activesupport', version: '6.0.2.1', purl: 'pkg:gem/activesupport@6.0.2.1' })
    expect(gem?.locations).toEqual([
      { path: '/var/lib/gems/2.5.0/specifications/activesupport-6.0.2.1.gemspec', layerIndex: 0 },
    ])
    expect(queryFor(gem as Package, undefined)).toMatchObject({ namespace: 'rubygems', name: 'activesupport' })
  })

  it('syft CycloneDX: a component whose purl is not one is kept when syft says its type', () => {
    const s = decoded(foreign('syft/TestCycloneDxImageEncoder.golden.json'))
    expect(s.packages.find((p) => p.name === 'package-1')).toMatchObject({
      kind: 'python',
      purl: 'pkg:pypi/package-1@1.0.1',
      foundBy: 'the-cataloger-1',
      locations: [{ path: '/somefile-1.txt', layerIndex: 0 }],
    })
    expect(s.distro).toMatchObject({ id: 'debian', versionId: '1.2.3', idLike: ['like!'] })
    // `sha256:redacted` is no digest.
    expect(s.target.manifestDigest).toBeUndefined()
  })

  it('syft SPDX: the image digest from the described package purl; the bad purl is reported by SPDXID', () => {
    const s = decoded(foreign('syft/TestSPDXJSONImageEncoder.golden.json'))
    expect(s.target).toMatchObject({
      name: 'user-image-input',
      manifestDigest: 'sha256:2731251dc34951c0e50fcc643b4c5f74922dad1a5d98f302b504cf46cd5d9368',
    })
    expect(s.packages[0]).toMatchObject({ kind: 'deb', locations: [{ path: '/somefile-2.txt', layerIndex: 0 }] })
    expect(s.issues[0]?.message).toContain('SPDXRef-Package-python-package-1-6563dfaf7d374e95')
  })

  it('a document without purls: every package is reported, by SPDXID', () => {
    const s = decoded(foreign('syft/alpine-3.10.vendor.spdx.json'))
    expect(s.issues.map((i) => i.message)).toEqual([
      'SPDX package SPDXRef-busybox-1.30.1-r5 (busybox) has no purl',
      'SPDX package SPDXRef-ssl_client-1.30.1-r5 (ssl_client) has no purl',
    ])
    expect(s.target.name).toBe('alpine')
  })
})

describe('shapes of other writers (inline documents)', () => {
  it('Docker Scout SPDX: os_name/os_version qualifiers give the distro, GENERATED_FROM the source package', () => {
    // The purl and relationship shapes of `docker scout sbom --format spdx` (docker-scout 1.18.1): pkg:deb purls
    // with os_distro/os_name/os_version qualifiers, origin packages linked by GENERATED_FROM, a FILE document root.
    const doc = {
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'sbom',
      documentNamespace: 'https://docker.com/docker-scout/fs/sbom-1',
      creationInfo: {
        creators: ['Organization: Docker, Inc', 'Tool: docker-scout-1.18.1'],
        created: '2026-04-15T20:02:39Z',
      },
      packages: [
        {
          name: 'sbom',
          SPDXID: 'SPDXRef-DocumentRoot',
          downloadLocation: 'NOASSERTION',
          primaryPackagePurpose: 'FILE',
        },
        {
          name: 'libacl1',
          SPDXID: 'SPDXRef-Package-1',
          versionInfo: '2.3.2-1build1.1',
          supplier: 'Person: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>',
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator:
                'pkg:deb/ubuntu/libacl1@2.3.2-1build1.1?os_distro=noble&os_name=ubuntu&os_version=24.04',
            },
          ],
        },
        {
          name: 'acl',
          SPDXID: 'SPDXRef-Package-2',
          versionInfo: '2.3.2-1build1.1',
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: 'pkg:deb/ubuntu/acl@2.3.2-1build1.1?os_distro=noble&os_name=ubuntu&os_version=24.04',
            },
          ],
        },
      ],
      relationships: [
        {
          spdxElementId: 'SPDXRef-DOCUMENT',
          relationshipType: 'DESCRIBES',
          relatedSpdxElement: 'SPDXRef-DocumentRoot',
        },
        {
          spdxElementId: 'SPDXRef-Package-1',
          relationshipType: 'GENERATED_FROM',
          relatedSpdxElement: 'SPDXRef-Package-2',
        },
      ],
    }
    const s = decoded(JSON.stringify(doc))
    expect(s.tool).toMatchObject({ name: 'docker-scout', version: '1.18.1' })
    expect(s.distro).toMatchObject({ id: 'ubuntu', versionId: '24.04', versionCodename: 'noble' })
    expect(s.packages).toHaveLength(1)
    expect(s.packages[0]).toMatchObject({
      name: 'libacl1',
      source: { name: 'acl', version: '2.3.2-1build1.1' },
      metadata: { kind: 'deb', maintainer: 'Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>' },
    })
    // The same document as the payload of an in-toto attestation statement.
    const wrapped = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://spdx.dev/Document',
      subject: [],
      predicate: doc,
    }
    const w = decodeSbom(JSON.stringify(wrapped))
    expect(w.ok && w.sbom.packages.map((p) => p.name)).toEqual(['libacl1'])
  })

  it('cdxgen CycloneDX: npm scope in `group`, no bom-ref, maven `framework` components', () => {
    // Component shapes of cdxgen 9.x/10.x output (CycloneDX/cdxgen test/data/bom-postgen-test2.json and
    // pcbowers/cdxgen-example pnpm9/bom.json), trimmed to their identity fields.
    const doc = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      metadata: {
        tools: { components: [{ group: '@cyclonedx', name: 'cdxgen', version: '10.6.2', type: 'application' }] },
        component: { name: 'pnpm9', group: '', version: '1.0.0', purl: 'pkg:npm/pnpm9@1.0.0', type: 'application' },
      },
      components: [
        {
          group: '@babel',
          name: 'code-frame',
          version: '7.24.7',
          purl: 'pkg:npm/%40babel/code-frame@7.24.7',
          type: 'library',
          'bom-ref': 'pkg:npm/@babel/code-frame@7.24.7',
          properties: [{ name: 'SrcFile', value: '/src/pnpm9/pnpm-lock.yaml' }],
        },
        {
          group: 'org.springframework.boot',
          name: 'spring-boot',
          version: '1.5.1.RELEASE',
          purl: 'pkg:maven/org.springframework.boot/spring-boot@1.5.1.RELEASE?type=jar',
          type: 'framework',
        },
        { name: 'left-pad', version: '1.3.0', type: 'library' },
      ],
    }
    const s = decoded(JSON.stringify(doc))
    expect(s.target).toMatchObject({ kind: 'sbom', name: 'pnpm9' })
    expect(s.packages.map((p) => [p.kind, p.name, p.version])).toEqual([
      ['npm', '@babel/code-frame', '7.24.7'],
      ['java', 'spring-boot', '1.5.1.RELEASE'],
    ])
    expect(s.packages[0]?.locations).toEqual([{ path: '/src/pnpm9/pnpm-lock.yaml', layerIndex: 0 }])
    expect(queryFor(s.packages[1] as Package, undefined)).toMatchObject({
      namespace: 'maven',
      name: 'org.springframework.boot:spring-boot',
    })
    expect(s.issues).toEqual([
      {
        kind: 'unsupported-format',
        message: 'CycloneDX component components[2] (left-pad) has no purl',
        source: 'cyclonedx-json',
      },
    ])
  })

  it('unknown purl types are reported; OS, file and grouping components are not packages', () => {
    const doc: { bomFormat: string; specVersion: string; components: Record<string, unknown>[] } = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        { 'bom-ref': 'c1', type: 'library', name: 'numpy', version: '1.26.0', purl: 'pkg:conda/numpy@1.26.0' },
        { 'bom-ref': 'c2', type: 'file', name: '/etc/passwd' },
        { 'bom-ref': 'c3', type: 'operating-system', name: 'alpine', version: '3.19.1' },
        {
          'bom-ref': 'c4',
          type: 'application',
          name: 'app/package-lock.json',
          properties: [{ name: 'aquasecurity:trivy:Class', value: 'lang-pkgs' }],
          components: [{ 'bom-ref': 'c5', type: 'library', name: 'ms', version: '2.1.1', purl: 'pkg:npm/ms@2.1.1' }],
        },
        {
          'bom-ref': 'c6',
          type: 'library',
          name: 'musl',
          version: '1.2.4_git20230717-r4',
          purl: 'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&upstream=musl&distro=alpine-3.19.1',
        },
      ],
    }
    doc.components.push({
      'bom-ref': 'c7',
      type: 'library',
      name: 'x',
      version: '1',
      purl: 'pkg:constructor/x@1',
      properties: [{ name: 'syft:package:type', value: 'toString' }],
    })
    const s = decoded(JSON.stringify(doc))
    expect(s.packages.map((p) => p.name).sort()).toEqual(['ms', 'musl'])
    expect(s.issues.map((i) => i.message)).toEqual([
      'CycloneDX component c1 (numpy) has a purl of a type shipshape does not read (conda)',
      'CycloneDX component c7 (x) has a purl of a type shipshape does not read (constructor)',
    ])
    expect(s.distro).toMatchObject({ id: 'alpine', versionId: '3.19.1' })
  })

  it('without an operating-system element, the distro qualifier most OS purls carry gives the distro', () => {
    const purl = (n: string, d: string) => `pkg:deb/debian/${n}@1.0-1?arch=amd64&distro=${d}`
    const doc = {
      bomFormat: 'CycloneDX',
      specVersion: '1.4',
      components: [
        { type: 'library', name: 'a', purl: purl('a', 'debian-12') },
        { type: 'library', name: 'b', purl: purl('b', 'debian-12') },
        { type: 'library', name: 'c', purl: purl('c', 'debian-11') },
        { type: 'library', name: 'lodash', purl: 'pkg:npm/lodash@4.17.21' },
      ],
    }
    const s = decoded(JSON.stringify(doc))
    expect(s.distro).toEqual({ id: 'debian', versionId: '12', idLike: [], source: 'purl distro qualifier' })
    expect(namespaceForDistro(s.distro?.id as string, s.distro?.versionId)).toBe('debian:12')
  })
})

describe('bad input: a one-line error, never an exception', () => {
  const cdx = (extra: Record<string, unknown>) =>
    JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', ...extra })
  const spdx = (extra: Record<string, unknown>) =>
    JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', ...extra })
  const bad: [string, string, RegExp][] = [
    ['not JSON', 'this is { not json', /^not JSON: /],
    ['empty', '', /^not JSON: /],
    ['a JSON array', '[1, 2]', /not an SBOM shipshape reads: the JSON is an array/],
    ['JSON null', 'null', /not an SBOM shipshape reads: the JSON is null/],
    ['another JSON document', '{"name": "x", "version": "1"}', /^not an SBOM shipshape reads/],
    ['CycloneDX components not an array', cdx({ components: { a: 1 } }), /components is not an array/],
    ['CycloneDX 2.0', JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '2.0' }), /specVersion "2\.0"/],
    ['CycloneDX metadata not an object', cdx({ metadata: 'x' }), /metadata is not an object/],
    ['SPDX packages not an array', spdx({ packages: 'x' }), /packages is not an array/],
    ['SPDX relationships not an array', spdx({ relationships: 7 }), /relationships is not an array/],
    [
      'SPDX 3',
      JSON.stringify({ '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [] }),
      /SPDX 3/,
    ],
    ['SPDX 1.2', spdx({ spdxVersion: 'SPDX-1.2' }), /SPDX version SPDX-1\.2 is not supported/],
    [
      'a native SBOM without packages',
      JSON.stringify({ format: 'shipshape-sbom', schemaVersion: 1 }),
      /not a shipshape SBOM/,
    ],
  ]
  for (const [name, text, message] of bad) {
    it(name, () => {
      const r = decodeSbom(text)
      expect(r.ok).toBe(false)
      if (r.ok) return
      expect(r.error).toMatch(message)
      expect(r.error).not.toMatch(/\n/)
    })
  }

  it('each decoder refuses the other format', () => {
    const c = encodeCycloneDx(sampleSbom())
    const s = encodeSpdx(sampleSbom())
    expect(decodeSpdx(c)).toMatchObject({ ok: false, error: 'not an SPDX document: no "spdxVersion"' })
    expect(decodeCycloneDx(s)).toMatchObject({ ok: false, error: 'not a CycloneDX BOM: no "bomFormat": "CycloneDX"' })
    expect(detectSbomFormat(JSON.parse(encodeNativeJson(sampleSbom())))).toBe('native')
  })

  it('reads the native format too, unchanged', () => {
    const sbom = sampleSbom()
    const r = decodeSbom(encodeNativeJson(sbom), { ref: 'sbom://native.json' })
    expect(r).toEqual({ ok: true, sbom, format: 'native' })
  })

  it('survives any field of a real document replaced by a value of the wrong type', () => {
    const docs = [foreign('trivy/centos-7-cyclonedx.json'), foreign('trivy/centos-7-spdx.json')].map(
      (t) => JSON.parse(t) as unknown,
    )
    docs.push(JSON.parse(encodeCycloneDx(sampleSbom())), JSON.parse(encodeSpdx(sampleSbom())))
    const weird: unknown[] = [null, 42, 'x', [], {}, [null], true]
    let runs = 0
    for (const doc of docs) {
      const paths: (string | number)[][] = []
      const walk = (v: unknown, path: (string | number)[]) => {
        if (path.length) paths.push(path)
        if (Array.isArray(v)) {
          for (const [i, x] of v.entries()) walk(x, [...path, i])
        } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k])
      }
      walk(doc, [])
      for (const path of paths.filter((_, i) => i % 3 === 0)) {
        for (const w of weird) {
          const copy = structuredClone(doc) as Record<string | number, unknown>
          let at = copy
          for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>
          at[path[path.length - 1] as string | number] = w
          const text = JSON.stringify(copy)
          expect(() => decodeSbom(text)).not.toThrow()
          const r = decodeSbom(text)
          // A caught exception would read `CycloneDX: …` / `SPDX: …`: every field is checked before use instead.
          if (!r.ok) expect(r.error).not.toMatch(/\n|^(CycloneDX|SPDX): /)
          runs++
        }
      }
    }
    expect(runs).toBeGreaterThan(500)
  })
})

describe('provenance, repo digests and the SBOM source survive CycloneDX and SPDX', () => {
  const withProvenance = (): Sbom => {
    const s = sampleSbom()
    s.target.repoDigests = [`registry.example/shop/web@sha256:${'a'.repeat(64)}`]
    s.target.sbomSource = 'attestation'
    s.target.provenance = {
      predicateType: 'https://slsa.dev/provenance/v0.2',
      slsaVersion: 'v0.2',
      builderId: 'https://github.com/example/app/actions/runs/1',
      buildType: 'https://mobyproject.org/buildkit@v1',
      startedOn: '2024-01-01T00:00:00Z',
      materials: [
        { uri: 'pkg:docker/docker/dockerfile@1', digest: `sha256:${'b'.repeat(64)}` as never },
        {
          uri: 'pkg:docker/localhost:5000/fixtures/debian-base@bookworm?platform=linux%2Famd64',
          digest: `sha256:${'c'.repeat(64)}` as never,
        },
      ],
      baseImage: {
        name: 'localhost:5000/fixtures/debian-base',
        tag: 'bookworm',
        digest: `sha256:${'c'.repeat(64)}` as never,
        platform: 'linux/amd64',
      },
      source: {
        repository: 'https://github.com/example/app.git',
        revision: 'a9ba846486420e07d30db1107411ac3697ecab68',
        dockerfile: 'Dockerfile',
      },
    }
    return s
  }

  it.each(['cyclonedx', 'spdx'] as const)('%s', (format) => {
    const s = withProvenance()
    const text = ENCODE[format](s)
    const validate = format === 'cyclonedx' ? cycloneDxValidator() : spdxValidator()
    expect(schemaErrors(validate, JSON.parse(text))).toEqual([])
    const back = decoded(text).target
    expect(back.repoDigests).toEqual(s.target.repoDigests)
    expect(back.sbomSource).toBe('attestation')
    const { materials, ...rest } = back.provenance ?? ({} as never)
    const { materials: want, ...wantRest } = s.target.provenance as NonNullable<Sbom['target']['provenance']>
    expect(rest).toEqual(wantRest)
    expect(materials.map((m) => [m.uri, m.digest])).toEqual(want.map((m) => [m.uri, m.digest]))
    expect(materials[1]?.image).toEqual({
      name: 'localhost:5000/fixtures/debian-base',
      tag: 'bookworm',
      digest: `sha256:${'c'.repeat(64)}`,
      platform: 'linux/amd64',
    })
  })
})
