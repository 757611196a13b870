import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Sbom } from '../../src/model/index.js'
import { encodeSpdx, parseExpression } from '../../src/sbom/formats/spdx-json/index.js'
import { golden, sampleSbom, shuffled, withLanguagePackage } from './golden.js'
import { fixtures, readJson, schemaErrors, spdxValidator } from './validators.js'

interface SpdxDoc {
  spdxVersion: string
  dataLicense: string
  SPDXID: string
  name: string
  documentNamespace: string
  creationInfo: { created: string; creators: string[]; licenseListVersion?: string }
  annotations?: Annotation[]
  packages: SpdxPackage[]
  hasExtractedLicensingInfos?: { licenseId: string; extractedText: string; name?: string }[]
  relationships: { spdxElementId: string; relatedSpdxElement: string; relationshipType: string }[]
}
interface SpdxPackage {
  name: string
  SPDXID: string
  versionInfo?: string
  supplier?: string
  originator?: string
  downloadLocation: string
  filesAnalyzed?: boolean
  homepage?: string
  sourceInfo?: string
  licenseConcluded?: string
  licenseDeclared?: string
  description?: string
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[]
  primaryPackagePurpose?: string
  annotations?: Annotation[]
}
interface Annotation {
  annotationDate: string
  annotationType: string
  annotator: string
  comment: string
}

const parse = (s: string) => JSON.parse(s) as SpdxDoc
const notes = (x: { annotations?: Annotation[] }, name: string) =>
  (x.annotations ?? []).filter((a) => a.comment.startsWith(`${name}: `)).map((a) => a.comment.slice(name.length + 2))

function expectValid(doc: unknown): void {
  const errors = schemaErrors(spdxValidator(), doc)
  if (errors.length) console.error(`SPDX schema errors:\n${errors.join('\n')}`)
  expect(errors).toEqual([])
}

describe('SPDX 2.3 schema (validator setup)', () => {
  it('accepts the official SPDX 2.3 example', () => {
    expectValid(readJson(join(fixtures, 'schemas', 'spdx-2.3', 'SPDXJSONExample-v2.3.spdx.json')))
  })

  it('rejects a document that misses required fields', () => {
    expect(schemaErrors(spdxValidator(), { spdxVersion: 'SPDX-2.3' }).length).toBeGreaterThan(0)
  })
})

describe('SPDX 2.3 JSON encoder', () => {
  const sbom = sampleSbom()
  const out = encodeSpdx(sbom)
  const doc = parse(out)
  const pkg = (name: string) => doc.packages.find((p) => p.name === name) as SpdxPackage

  it('validates against the official SPDX 2.3 schema', () => {
    expectValid(doc)
  })

  it('matches the golden file byte for byte (UPDATE_GOLDEN=1 to regenerate)', () => {
    expect(out).toBe(golden('sample.spdx.json', out))
  })

  it('is deterministic, whatever order packages, locations, layers and issues come in', () => {
    expect(encodeSpdx(sampleSbom())).toBe(out)
    expect(encodeSpdx(shuffled(sampleSbom()))).toBe(out)
    expect(out.endsWith('}\n')).toBe(true)
  })

  it('has the document header, with a namespace derived from the content', () => {
    expect(doc).toMatchObject({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'registry.example.com/platform/toolbox:1.4.2',
    })
    expect(doc.creationInfo).toEqual({
      licenseListVersion: '3.29',
      creators: ['Tool: shipshape-0.1.0'],
      created: '2024-06-12T09:30:00Z',
    })
    expect(doc.documentNamespace).toMatch(
      /^https:\/\/shipshape\.invalid\/spdxdocs\/image\/registry\.example\.com-platform-toolbox-1\.4\.2-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    const later = sampleSbom()
    later.createdAt = '2024-06-13T09:30:00Z'
    expect(parse(encodeSpdx(later)).documentNamespace).not.toBe(doc.documentNamespace)
    expect(parse(encodeSpdx(sbom, { namespacePrefix: 'https://sbom.example.org/' })).documentNamespace).toMatch(
      /^https:\/\/sbom\.example\.org\/image\/registry/,
    )
  })

  it('describes the image as a CONTAINER package with its OCI purl', () => {
    const image = doc.packages.filter((p) => p.primaryPackagePurpose === 'CONTAINER')
    expect(image).toHaveLength(1)
    expect(image[0]).toMatchObject({
      SPDXID: 'SPDXRef-ContainerImage',
      name: 'registry.example.com/platform/toolbox',
      versionInfo: sbom.target.manifestDigest,
      downloadLocation: 'NOASSERTION',
    })
    expect(image[0]?.externalRefs?.[0]?.referenceLocator).toMatch(/^pkg:oci\/toolbox@sha256%3A3c01a7c6/)
    expect(notes(image[0] as SpdxPackage, 'shipshape:image:layer:0:diffID')).toEqual([sbom.target.layers[0]?.diffId])
  })

  it('has the distro as an OPERATING_SYSTEM package', () => {
    expect(doc.packages.filter((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM')).toEqual([
      expect.objectContaining({ name: 'debian', versionInfo: '12', SPDXID: 'SPDXRef-OperatingSystem-debian-12' }),
    ])
  })

  it('has every package exactly once with its purl and a well-formed, unique SPDXID', () => {
    for (const p of sbom.packages) {
      const hits = doc.packages.filter((sp) => sp.externalRefs?.some((r) => r.referenceLocator === p.purl))
      expect(hits, p.name).toHaveLength(1)
      const sp = hits[0] as SpdxPackage
      expect(sp).toMatchObject({
        name: p.name,
        versionInfo: p.version,
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        licenseConcluded: 'NOASSERTION',
        primaryPackagePurpose: 'LIBRARY',
      })
      expect(sp.externalRefs).toEqual([
        { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl },
      ])
      expect(sp.SPDXID.endsWith(`-${p.id}`)).toBe(true)
    }
    expect(pkg('libstdc++6').SPDXID).toBe('SPDXRef-Package-deb-libstdc--6-786d9515d3b35c75')
    const ids = doc.packages.map((p) => p.SPDXID)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/)
    expect(doc.packages).toHaveLength(sbom.packages.length + 2)
  })

  it('reports a package that came twice (same id) once', () => {
    const twice = sampleSbom()
    twice.packages.push(structuredClone(twice.packages[0]!))
    expect(encodeSpdx(twice)).toBe(out)
  })

  it('relates DOCUMENT DESCRIBES image and image CONTAINS every other package', () => {
    const image = 'SPDXRef-ContainerImage'
    expect(doc.relationships[0]).toEqual({
      spdxElementId: 'SPDXRef-DOCUMENT',
      relatedSpdxElement: image,
      relationshipType: 'DESCRIBES',
    })
    const contained = doc.relationships
      .filter((r) => r.relationshipType === 'CONTAINS' && r.spdxElementId === image)
      .map((r) => r.relatedSpdxElement)
    const others = doc.packages.map((p) => p.SPDXID).filter((id) => id !== image)
    expect([...contained].sort()).toEqual([...others].sort())
    expect(doc.relationships).toHaveLength(others.length + 1)
  })

  it('gives supplier and originator as Organization agents', () => {
    expect(pkg('libc6').supplier).toBe('Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)')
    expect(pkg('libc6').originator).toBe(pkg('libc6').supplier)
    expect(pkg('tar').supplier).toBe('Organization: CentOS')
    expect(pkg('ssl_client').supplier).toBe('Organization: Sören Tempel (soeren+alpine@soeren-tempel.net)')
    expect(pkg('ssl_client').homepage).toBe('https://busybox.net/')
  })

  it('says in sourceInfo which source package, cataloger, files and layers the record came from', () => {
    const [l0, l1] = sbom.target.layers.map((l) => l.diffId)
    expect(pkg('login').sourceInfo).toBe(
      'built package from: shadow 1:4.13+dfsg1-1; ' +
        `found by dpkg/1 in /var/lib/dpkg/info/login.list (layer 1 ${l1}), /var/lib/dpkg/status (layer 1 ${l1}); ` +
        `introduced in layer 0 ${l0}, last changed in layer 1 ${l1}`,
    )
  })

  it('declares SPDX licenses as expressions and free text as defined LicenseRefs', () => {
    expect(pkg('ssl_client').licenseDeclared).toBe('GPL-2.0-only')
    expect(pkg('libc6').licenseDeclared).toBe('LGPL-2.1-or-later AND (GPL-2.0-or-later WITH GCC-exception-3.1)')
    expect(pkg('tar').licenseDeclared).toBe('LicenseRef-GPLv3-plus')
    expect(pkg('login').licenseDeclared).toBe('LicenseRef-GPL-2-plus AND BSD-3-Clause')
    expect(pkg('tzdata').licenseDeclared).toBe('LicenseRef-public-domain')
    expect(pkg('base-files').licenseDeclared).toBe('NOASSERTION')
    expect(doc.hasExtractedLicensingInfos).toEqual([
      { licenseId: 'LicenseRef-GPL-2-plus', extractedText: 'GPL-2+', name: 'GPL-2+' },
      { licenseId: 'LicenseRef-GPLv3-plus', extractedText: 'GPLv3+', name: 'GPLv3+' },
      { licenseId: 'LicenseRef-public-domain', extractedText: 'public-domain', name: 'public-domain' },
    ])
    // Every declared license is a valid expression whose LicenseRefs are all defined in the document.
    const defined = new Set(doc.hasExtractedLicensingInfos?.map((e) => e.licenseId))
    for (const p of doc.packages) {
      if (p.licenseDeclared === 'NOASSERTION') continue
      const parsed = parseExpression(p.licenseDeclared ?? '')
      expect(parsed, `${p.name}: ${p.licenseDeclared}`).toBeDefined()
      for (const r of parsed?.licenseRefs ?? []) expect(defined.has(r), r).toBe(true)
    }
  })

  it('annotates packages with the same shipshape properties as the CycloneDX encoder', () => {
    const tar = pkg('tar')
    expect(notes(tar, 'shipshape:rpm:epoch')).toEqual(['2'])
    expect(notes(tar, 'shipshape:package:introducedIn:layerDiffID')).toEqual([sbom.target.layers[1]?.diffId])
    expect(notes(pkg('ssl_client'), 'shipshape:apk:origin')).toEqual(['busybox'])
    for (const a of tar.annotations ?? []) {
      expect(a).toMatchObject({ annotationDate: '2024-06-12T09:30:00Z', annotationType: 'OTHER' })
      expect(a.annotator).toBe('Tool: shipshape-0.1.0')
    }
  })

  it('keeps the scan issues as document annotations', () => {
    expect(notes(doc, 'shipshape:issue:0:kind')).toEqual(['parse-error'])
    expect(notes(doc, 'shipshape:issue:1:path')).toEqual(['/usr/share/doc/tar/copyright'])
  })

  it('encodes language packages too', () => {
    const { sbom: withNpm, npm } = withLanguagePackage(sampleSbom())
    const d = parse(encodeSpdx(withNpm))
    expectValid(d)
    const p = d.packages.find((x) => x.SPDXID === `SPDXRef-Package-npm--types-semver-${npm.id}`)
    expect(p).toMatchObject({ name: '@types/semver', versionInfo: '7.5.8', licenseDeclared: 'MIT' })
    expect(p?.sourceInfo).toBe(
      `found by npm/1 in /usr/share/nodejs/semver/package.json (layer 1 ${npm.introducedIn.layer}); introduced in layer 1 ${npm.introducedIn.layer}, last changed in layer 1 ${npm.introducedIn.layer}`,
    )
  })

  it('encodes a minimal SBOM and a filesystem target validly', () => {
    const min: Sbom = {
      schemaVersion: 1,
      target: { kind: 'filesystem', ref: 'fs:///', tags: [], labels: {}, layers: [], size: 0 },
      packages: [],
      issues: [],
      tool: { name: 'shipshape', version: '0.1.0', catalogers: {} },
      createdAt: '2024-01-01T00:00:00Z',
    }
    const d = parse(encodeSpdx(min))
    expectValid(d)
    expect(d.packages).toEqual([
      expect.objectContaining({ SPDXID: 'SPDXRef-Filesystem', primaryPackagePurpose: 'FILE' }),
    ])
    expect(d.documentNamespace).toMatch(/\/dir\/fs-[0-9a-f]{8}-/)
    expect(d.hasExtractedLicensingInfos).toBeUndefined()
  })
})
