import { describe, expect, it } from 'vitest'
import type { Sbom } from '../../src/model/index.js'
import { encodeCycloneDx } from '../../src/sbom/formats/cyclonedx-json/index.js'
import { golden, sampleSbom, shuffled, withLanguagePackage } from './golden.js'
import { cycloneDxValidator, schemaErrors } from './validators.js'

interface Cdx {
  $schema: string
  bomFormat: string
  specVersion: string
  serialNumber: string
  version: number
  metadata: {
    timestamp: string
    tools: { components: { type: string; name: string; version: string }[] }
    component: Component
    properties?: { name: string; value: string }[]
  }
  components: Component[]
  dependencies: { ref: string; dependsOn: string[] }[]
}
interface Component {
  'bom-ref': string
  type: string
  name: string
  version?: string
  purl?: string
  externalReferences?: { type: string; url: string }[]
  supplier?: { name: string; contact?: { email: string }[] }
  licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[]
  properties?: { name: string; value: string }[]
}

const parse = (s: string) => JSON.parse(s) as Cdx
const prop = (c: { properties?: { name: string; value: string }[] }, name: string) =>
  c.properties?.filter((p) => p.name === name).map((p) => p.value)

function expectValid(doc: unknown): void {
  const errors = schemaErrors(cycloneDxValidator(), doc)
  if (errors.length) console.error(`CycloneDX schema errors:\n${errors.join('\n')}`)
  expect(errors).toEqual([])
}

describe('CycloneDX 1.6 JSON encoder', () => {
  const sbom = sampleSbom()
  const out = encodeCycloneDx(sbom)
  const bom = parse(out)

  it('validates against the official CycloneDX 1.6 schema', () => {
    expectValid(bom)
  })

  it('is checked by a validator that does reject a bad license id', () => {
    const bad = structuredClone(bom)
    const tar = bad.components.find((c) => c.name === 'tar') as Component
    tar.licenses = [{ license: { id: 'GPLv3+' } }]
    expect(schemaErrors(cycloneDxValidator(), bad).length).toBeGreaterThan(0)
  })

  it('matches the golden file byte for byte (UPDATE_GOLDEN=1 to regenerate)', () => {
    expect(out).toBe(golden('sample.cdx.json', out))
  })

  it('is pretty-printed with two spaces and ends with a newline', () => {
    expect(out.endsWith('}\n')).toBe(true)
    expect(out.split('\n')[1]).toMatch(/^ {2}"\$schema"/)
  })

  it('is deterministic, whatever order packages, locations, layers and issues come in', () => {
    expect(encodeCycloneDx(sampleSbom())).toBe(out)
    expect(encodeCycloneDx(shuffled(sampleSbom()))).toBe(out)
  })

  it('derives the serial number from the content: a v5 UUID that changes with it', () => {
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const later = sampleSbom()
    later.createdAt = '2024-06-13T09:30:00Z'
    expect(parse(encodeCycloneDx(later)).serialNumber).not.toBe(bom.serialNumber)
  })

  it('has the header fields and the tool', () => {
    expect(bom.bomFormat).toBe('CycloneDX')
    expect(bom.specVersion).toBe('1.6')
    expect(bom.version).toBe(1)
    // createdAt's milliseconds are dropped so the SPDX and CycloneDX documents of one scan carry the same time.
    expect(bom.metadata.timestamp).toBe('2024-06-12T09:30:00Z')
    expect(bom.metadata.tools.components).toEqual([{ type: 'application', name: 'shipshape', version: '0.1.0' }])
  })

  it('describes the image as a container component with an OCI purl', () => {
    const c = bom.metadata.component
    expect(c.type).toBe('container')
    expect(c.name).toBe('registry.example.com/platform/toolbox')
    expect(c.version).toBe(sbom.target.manifestDigest)
    const purl =
      'pkg:oci/toolbox@sha256%3A3c01a7c668d71dfb9e4c0f71436429cf4bf1c6e474796bcd2791f26876fed9f4' +
      '?arch=amd64&repository_url=registry.example.com%2Fplatform%2Ftoolbox&tag=1.4.2'
    expect(c.purl).toBe(purl)
    expect(c['bom-ref']).toBe(purl)
    expect(prop(c, 'shipshape:image:layer:1:diffID')).toEqual([sbom.target.layers[1]?.diffId])
    expect(prop(c, 'shipshape:image:configDigest')).toEqual([sbom.target.configDigest])
    expect(prop(c, 'shipshape:image:label:org.opencontainers.image.base.name')).toEqual(['docker.io/library/debian:12'])
  })

  it('lists the distro as an operating-system component', () => {
    const os = bom.components.filter((c) => c.type === 'operating-system')
    expect(os).toHaveLength(1)
    expect(os[0]).toMatchObject({ name: 'debian', version: '12', description: 'Debian GNU/Linux 12 (bookworm)' })
  })

  it('has every package exactly once, as a library with its id as bom-ref and its purl', () => {
    const libs = bom.components.filter((c) => c.type === 'library')
    expect(libs).toHaveLength(sbom.packages.length)
    for (const p of sbom.packages) {
      const hits = libs.filter((c) => c['bom-ref'] === p.id)
      expect(hits, p.name).toHaveLength(1)
      expect(hits[0]).toMatchObject({ name: p.name, version: p.version, purl: p.purl })
    }
    const refs = bom.components.map((c) => c['bom-ref'])
    expect(new Set(refs).size).toBe(refs.length)
  })

  it('reports a package that came twice (same id) once', () => {
    const twice = sampleSbom()
    twice.packages.push(structuredClone(twice.packages[0]!))
    expect(encodeCycloneDx(twice)).toBe(out)
  })

  it('has a complete dependency graph: the image depends on everything, packages on nothing', () => {
    const image = bom.metadata.component['bom-ref']
    const refs = bom.components.map((c) => c['bom-ref'])
    const top = bom.dependencies.find((d) => d.ref === image)
    expect([...(top?.dependsOn ?? [])].sort()).toEqual([...refs].sort())
    for (const r of refs) expect(bom.dependencies.find((d) => d.ref === r)?.dependsOn, r).toEqual([])
    expect(bom.dependencies).toHaveLength(refs.length + 1)
  })

  it('records layers, locations, cataloger, source package, arch, rpm epoch and apk origin as properties', () => {
    const byName = (n: string) => bom.components.find((c) => c.name === n) as Component
    const login = byName('login')
    const [l0, l1] = sbom.target.layers.map((l) => l.diffId)
    expect(prop(login, 'shipshape:package:introducedIn:layerDiffID')).toEqual([l0])
    expect(prop(login, 'shipshape:package:lastChangedIn:layerDiffID')).toEqual([l1])
    expect(prop(login, 'shipshape:location:0:path')).toEqual(['/var/lib/dpkg/info/login.list'])
    expect(prop(login, 'shipshape:location:1:path')).toEqual(['/var/lib/dpkg/status'])
    expect(prop(login, 'shipshape:package:foundBy')).toEqual(['dpkg/1'])
    expect(prop(login, 'shipshape:package:sourceName')).toEqual(['shadow'])
    expect(prop(login, 'shipshape:package:sourceVersion')).toEqual(['1:4.13+dfsg1-1'])
    expect(prop(login, 'shipshape:package:arch')).toEqual(['amd64'])
    expect(prop(byName('tar'), 'shipshape:rpm:epoch')).toEqual(['2'])
    expect(prop(byName('tar'), 'shipshape:rpm:sourceRpm')).toEqual(['tar-1.26-35.el7.src.rpm'])
    expect(prop(byName('ssl_client'), 'shipshape:apk:origin')).toEqual(['busybox'])
  })

  it('names the supplier from the maintainer or vendor', () => {
    const libc = bom.components.find((c) => c.name === 'libc6')
    expect(libc?.supplier).toEqual({
      name: 'GNU Libc Maintainers',
      contact: [{ email: 'debian-glibc@lists.debian.org' }],
    })
    expect(bom.components.find((c) => c.name === 'tar')?.supplier).toEqual({ name: 'CentOS' })
  })

  it('links the apk upstream URL as the website', () => {
    expect(bom.components.find((c) => c.name === 'ssl_client')?.externalReferences).toEqual([
      { type: 'website', url: 'https://busybox.net/' },
    ])
  })

  it('maps licenses: SPDX ids as id, compound expressions as expression, the rest as name', () => {
    const lic = (n: string) => bom.components.find((c) => c.name === n)?.licenses
    expect(lic('ssl_client')).toEqual([{ license: { id: 'GPL-2.0-only', acknowledgement: 'declared' } }])
    expect(lic('tar')).toEqual([{ license: { name: 'GPLv3+', acknowledgement: 'declared' } }])
    expect(lic('libc6')).toEqual([
      { expression: 'LGPL-2.1-or-later AND (GPL-2.0-or-later WITH GCC-exception-3.1)', acknowledgement: 'declared' },
    ])
    expect(lic('libstdc++6')).toEqual([
      { expression: 'GPL-3.0-or-later WITH GCC-exception-3.1', acknowledgement: 'declared' },
    ])
    // Ids match case-insensitively and are written in the list's spelling; free text stays as a name.
    expect(lic('login')).toEqual([
      { license: { name: 'GPL-2+', acknowledgement: 'declared' } },
      { license: { id: 'BSD-3-Clause', acknowledgement: 'declared' } },
    ])
    expect(lic('base-files')).toBeUndefined()
  })

  it('keeps the scan issues as metadata properties', () => {
    expect(prop(bom.metadata, 'shipshape:issue:0:source')).toEqual(['dpkg'])
    expect(prop(bom.metadata, 'shipshape:issue:0:message')).toEqual([sbom.issues[0]?.message])
    expect(prop(bom.metadata, 'shipshape:issue:1:kind')).toEqual(['unreadable-file'])
  })

  it('encodes language packages too, with the OS package that owns them', () => {
    const { sbom: withNpm, npm } = withLanguagePackage(sampleSbom())
    const doc = parse(encodeCycloneDx(withNpm))
    expectValid(doc)
    const c = doc.components.find((x) => x['bom-ref'] === npm.id) as Component
    expect(c).toMatchObject({ type: 'library', name: '@types/semver', purl: npm.purl })
    expect(c.licenses).toEqual([{ license: { id: 'MIT', acknowledgement: 'declared' } }])
    expect(prop(c, 'shipshape:package:ownedBy')).toEqual(['deb:node-semver'])
    expect(prop(c, 'shipshape:package:arch')).toEqual([])
    expect(c.supplier).toBeUndefined()
  })

  it('encodes a minimal SBOM (no distro, no packages, no digest) validly', () => {
    const min: Sbom = {
      schemaVersion: 1,
      target: { kind: 'image', ref: 'archive://img.tar', tags: [], labels: {}, layers: [], size: 0 },
      packages: [],
      issues: [],
      tool: { name: 'shipshape', version: '0.1.0', catalogers: {} },
      createdAt: '2024-01-01T00:00:00Z',
    }
    const doc = parse(encodeCycloneDx(min))
    expectValid(doc)
    expect(doc.metadata.component).toMatchObject({ type: 'container', name: 'archive://img.tar' })
    expect(doc.metadata.component.purl).toBeUndefined()
    expect(doc.components).toEqual([])
    expect(doc.dependencies).toEqual([{ ref: doc.metadata.component['bom-ref'], dependsOn: [] }])
  })

  it('describes a filesystem target as a file component, without layer properties', () => {
    const fs = sampleSbom()
    fs.target = { kind: 'filesystem', ref: 'fs:///srv/rootfs', tags: [], labels: {}, layers: [], size: 0 }
    for (const p of fs.packages) {
      for (const l of [p.introducedIn, p.lastChangedIn, ...p.locations]) {
        delete l.layer
        l.layerIndex = 0
      }
    }
    const doc = parse(encodeCycloneDx(fs))
    expectValid(doc)
    expect(doc.metadata.component).toMatchObject({ type: 'file', name: 'fs:///srv/rootfs' })
    const login = doc.components.find((c) => c.name === 'login') as Component
    expect(prop(login, 'shipshape:package:introducedIn:layerDiffID')).toEqual([])
    expect(prop(login, 'shipshape:package:introducedIn:path')).toEqual(['/var/lib/dpkg/status'])
  })
})
