import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  adviseBase,
  BaseCatalogue,
  type CatalogueImage,
  detectBase,
  flavourOf,
  fromBase,
  runtimeChange,
  runtimesOf,
  splitImageName,
} from '../../src/analysis/index.js'
import type { Digest, Package, Sbom, SeverityCounts } from '../../src/model/index.js'

/** Detection order, layer-prefix rules and advice ranking on small hand-made SBOMs (the end-to-end run is base-images.test.ts). */

const d = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}` as Digest

function deb(name: string, version: string, layerIndex = 0): Package {
  return {
    id: `deb:${name}` as Package['id'],
    name,
    version,
    kind: 'deb',
    purl: `pkg:deb/debian/${name}@${version}`,
    introducedIn: { path: '/var/lib/dpkg/status', layerIndex },
    lastChangedIn: { path: '/var/lib/dpkg/status', layerIndex },
    locations: [],
    foundBy: 'test',
    metadata: { kind: 'deb' },
  } as unknown as Package
}

function sbom(o: {
  digest: string
  chain: string[]
  labels?: Record<string, string>
  packages?: Package[]
  size?: number
  distro?: string
  platform?: string
}): Sbom {
  const [os, architecture] = (o.platform ?? 'linux/amd64').split('/') as [string, string]
  return {
    schemaVersion: 1,
    target: {
      kind: 'image',
      ref: `oci-dir://x:${o.digest}`,
      tags: [],
      manifestDigest: d(o.digest),
      platform: { os, architecture },
      labels: o.labels ?? {},
      layers: o.chain.map((c, index) => ({ index, diffId: d(c), size: 1 })),
      size: o.size ?? 1000,
    },
    distro: { id: o.distro ?? 'debian', versionId: '12', idLike: [], source: '/etc/os-release' },
    packages: o.packages ?? [deb('dpkg', '1.21.22')],
    issues: [],
    tool: { name: 'shipshape', version: 'test', catalogers: {} },
    createdAt: '2026-01-01T00:00:00Z',
  } as Sbom
}

let dir = ''
let cat: BaseCatalogue
const t0 = new Date('2026-01-01T00:00:00Z')
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shipshape-cat-'))
  cat = new BaseCatalogue(join(dir, 'base-images.db'))
})
afterEach(() => {
  cat.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('detectBase', () => {
  it('the longest proper layer prefix wins; the image itself and equal chains are not its base', () => {
    cat.add(sbom({ digest: '1', chain: ['a'] }), 'reg/os', 'v1', t0)
    cat.add(sbom({ digest: '2', chain: ['a', 'b'] }), 'reg/runtime', 'v2', t0)
    cat.add(sbom({ digest: '3', chain: ['a', 'b', 'c'] }), 'reg/twin', 'v3', t0)
    cat.add(sbom({ digest: '4', chain: ['x', 'b'] }), 'reg/other', 'v4', t0)
    const b = detectBase(sbom({ digest: '9', chain: ['a', 'b', 'c'] }), cat)
    expect(b).toMatchObject({ foundBy: 'layers', repository: 'reg/runtime', tag: 'v2', digest: d('2'), layers: 2 })
    expect(detectBase(sbom({ digest: '2', chain: ['a', 'b'] }), cat)).toMatchObject({ repository: 'reg/os', layers: 1 })
    expect(detectBase(sbom({ digest: '8', chain: ['z'] }), cat)).toBeUndefined()
  })

  it('provenance first, then labels, then layers; the base layers come from the catalogued image', () => {
    cat.add(sbom({ digest: '1', chain: ['a'] }), 'reg/os', 'v1', t0)
    const img = sbom({
      digest: '9',
      chain: ['a', 'b'],
      labels: {
        'org.opencontainers.image.base.name': 'reg/labelled:1',
        'org.opencontainers.image.base.digest': d('5'),
      },
    })
    expect(detectBase(img, cat)).toMatchObject({
      foundBy: 'label',
      repository: 'reg/labelled',
      tag: '1',
      digest: d('5'),
    })
    // The label's digest is not catalogued and the prefix match is another repository: the base layers are unknown.
    expect(detectBase(img, cat)?.layers).toBeUndefined()
    img.target.provenance = {
      predicateType: 'https://slsa.dev/provenance/v1',
      slsaVersion: 'v1',
      materials: [],
      baseImage: { name: 'reg/os', tag: 'v1', digest: d('1') },
    }
    expect(detectBase(img, cat)).toMatchObject({ foundBy: 'provenance', repository: 'reg/os', tag: 'v1', layers: 1 })
  })

  it('a label naming the same repository on another host borrows the layer-prefix match', () => {
    cat.add(sbom({ digest: '1', chain: ['a'] }), '127.0.0.1:5000/fixtures/base', 'bookworm', t0)
    const img = sbom({
      digest: '9',
      chain: ['a', 'b'],
      labels: { 'org.opencontainers.image.base.name': 'localhost/fixtures/base:bookworm' },
    })
    expect(detectBase(img, cat)).toMatchObject({ foundBy: 'label', repository: 'localhost/fixtures/base', layers: 1 })
  })

  it('fromBase compares the introducing layer with the base layer count', () => {
    const base = { foundBy: 'layers' as const, repository: 'r', layers: 2 }
    expect(fromBase(deb('a', '1', 1), base)).toBe(true)
    expect(fromBase(deb('a', '1', 2), base)).toBe(false)
    expect(fromBase(deb('a', '1', 0), { foundBy: 'label', repository: 'r' })).toBeUndefined()
  })

  it.each([
    ['nginx', { repository: 'nginx' }],
    ['nginx:1.25', { repository: 'nginx', tag: '1.25' }],
    ['localhost:5000/a/b:t', { repository: 'localhost:5000/a/b', tag: 't' }],
    ['localhost:5000/a/b', { repository: 'localhost:5000/a/b' }],
    [`r/x:1@${d('e')}`, { repository: 'r/x', tag: '1', digest: d('e') }],
  ])('splitImageName(%s)', (s, want) => {
    expect(splitImageName(s)).toEqual(want)
  })
})

describe('adviseBase', () => {
  const counts = new Map<string, SeverityCounts>()
  const c = (critical: number, high: number, medium = 0, low = 0): SeverityCounts => ({
    critical,
    high,
    medium,
    low,
    unspecified: 0,
  })
  const countsOf = (i: CatalogueImage) => counts.get(i.digest) ?? c(0, 0)

  it('refresh = newest digest of the same tag; updates ranked same OS and flavour first, then vulnerabilities, size, packages', () => {
    const repo = 'reg/debian'
    cat.add(sbom({ digest: '1', chain: ['a'], size: 100 }), repo, 'bookworm', t0)
    cat.add(sbom({ digest: '2', chain: ['b'], size: 100 }), repo, 'bookworm', t0)
    cat.add(sbom({ digest: '3', chain: ['c'], size: 40, packages: [deb('dpkg', '1')] }), repo, 'bookworm-slim', t0)
    cat.add(sbom({ digest: '4', chain: ['d'], size: 90 }), repo, 'trixie', t0)
    cat.add(sbom({ digest: '5', chain: ['e'], size: 10, distro: 'alpine' }), repo, 'alpine', t0)
    cat.add(sbom({ digest: '6', chain: ['f'], size: 10, platform: 'linux/arm64' }), repo, 'arm', t0)
    counts.set(d('1'), c(1, 4))
    counts.set(d('2'), c(0, 2))
    counts.set(d('3'), c(0, 1))
    counts.set(d('4'), c(0, 3))
    counts.set(d('5'), c(0, 0))
    const base = detectBase(sbom({ digest: '9', chain: ['a', 'z'] }), cat)
    expect(base?.digest).toBe(d('1'))
    const a = adviseBase(base as NonNullable<typeof base>, cat, countsOf)
    expect(a.current?.counts).toEqual(c(1, 4))
    expect(a.refreshed).toMatchObject({ tag: 'bookworm', delta: c(-1, -2) })
    expect(a.refreshed?.benefits).toEqual(
      expect.arrayContaining([
        'Same OS detected',
        'Newer image for same tag',
        'Image introduces no new vulnerability but removes 3',
      ]),
    )
    // trixie (same OS, same flavour) before slim (another flavour), alpine last (another OS) although it has no
    // vulnerabilities; the arm64 image is another platform and never offered.
    expect(a.updated.map((o) => o.tag)).toEqual(['trixie', 'bookworm-slim', 'alpine'])
    const slim = a.updated.find((o) => o.tag === 'bookworm-slim')
    expect(slim?.benefits).toEqual(expect.arrayContaining(['Tag is using slim variant', 'Image is smaller by 60 B']))
    expect(
      adviseBase(base as NonNullable<typeof base>, cat, countsOf, { tag: /slim$/ }).updated.map((o) => o.tag),
    ).toEqual(['bookworm-slim'])
  })
})

describe('flavours and runtimes', () => {
  it.each([
    ['bookworm-slim', 'slim'],
    ['3.19-alpine', 'alpine'],
    ['nonroot-distroless', 'distroless'],
    ['bookworm', 'default'],
  ])('flavourOf(%s) = %s', (tag, want) => {
    expect(flavourOf(tag, sbom({ digest: '1', chain: ['a'] }))).toBe(want)
  })

  it('Debian packages without dpkg itself are a distroless-style image', () => {
    expect(flavourOf('latest', sbom({ digest: '1', chain: ['a'], packages: [deb('libc6', '2.36-9')] }))).toBe(
      'distroless',
    )
  })

  it('runtimes come from the OS packages that carry them, without packaging suffixes', () => {
    const s = sbom({
      digest: '1',
      chain: ['a'],
      packages: [
        deb('python3.11', '3.11.2-6+deb12u1'),
        deb('perl-base', '5.36.0-7+deb12u1'),
        deb('nodejs', '18.19.0+dfsg-6~deb12u2'),
        deb('openjdk-17-jre-headless', '17.0.13+11-2~deb12u1'),
      ],
    })
    expect(runtimesOf(s)).toEqual({ python: '3.11.2', perl: '5.36.0', node: '18.19.0', java: '17.0.13' })
    expect(runtimeChange('3.11.2', '3.12.1')).toBe('minor')
    expect(runtimeChange('3.11.2', '4.0')).toBe('major')
    expect(runtimeChange('3.11.2', '3.11.4')).toBe('patch')
  })
})
