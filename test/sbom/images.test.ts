import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Package, Platform, Sbom } from '../../src/model/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { builtArchive, builtLayout, PREBUILT, readTsv, truthFile } from '../helpers/images.js'

async function sbomOf(ref: string, platform?: Platform): Promise<Sbom> {
  return generateSbom(await openSource(parseImageRef(ref), platform ? { platform } : {}), {
    createdAt: '2024-01-01T00:00:00Z',
  })
}

function debRows(sbom: Sbom): string[] {
  return sbom.packages
    .filter((p) => p.kind === 'deb')
    .map((p) => {
      const m = p.metadata as { architecture: string; source: string; sourceVersion: string }
      return [p.name, p.version, m.architecture, m.source, m.sourceVersion].join('\t')
    })
    .sort()
}

/** dpkg-query's view: name, version, arch, source, source version (the status column says all are `ii`). */
function dpkgTruth(image: string, file = 'dpkg.tsv'): string[] {
  return readTsv(truthFile(image, file))
    .map((r) => r.slice(0, 5).join('\t'))
    .sort()
}

const LAYOUTS = ['oci', 'docker', 'docker-v25'] as const

function refsFor(image: string): string[] {
  return [`oci-dir://${builtLayout(image)}`, ...LAYOUTS.map((l) => `archive://${builtArchive(image, l)}`)]
}

describe('dpkg images: package lists equal dpkg-query on the unpacked image', () => {
  for (const image of ['debian-base', 'debian-min', 'lang-app']) {
    for (const [i, kind] of ['oci-dir', ...LAYOUTS].entries()) {
      it(`${image} as ${kind}`, async () => {
        const ref = refsFor(image)[i] as string
        const sbom = await sbomOf(ref)
        expect(debRows(sbom)).toEqual(dpkgTruth(image))
        expect(sbom.distro).toMatchObject({ id: 'debian', versionId: '12' })
        expect(sbom.issues).toEqual([])
        const summary = JSON.parse(
          await import('node:fs').then((fs) => fs.readFileSync(truthFile(image, 'summary.json'), 'utf8')),
        )
        expect(sbom.target.layers).toHaveLength(summary.layers)
        // Docker archives re-encode the manifest (uncompressed layers), so only the OCI forms keep its digest.
        if (kind === 'oci' || kind === 'oci-dir') expect(sbom.target.manifestDigest).toBe(summary.manifest_digest)
        const diffIds = readTsv(truthFile(image, 'layers.tsv')).map((r) => r[2])
        expect(sbom.target.layers.map((l) => l.diffId)).toEqual(diffIds)
      })
    }
  }
})

describe('debian-min: layers, whiteouts and dating', () => {
  it('tzdata is gone, /etc/issue.net deleted, the six added packages date from layer 1', async () => {
    const sbom = await sbomOf(`oci-dir://${builtLayout('debian-min')}`)
    const names = sbom.packages.map((p) => p.name)
    expect(names).not.toContain('tzdata')
    const diff = readTsv(truthFile('debian-min', 'dpkg-layer2-diff.tsv'))
    const added = diff.filter((r) => r[0] === 'added').map((r) => r[1] as string)
    expect(added.length).toBeGreaterThan(0)
    for (const name of added) {
      const p = sbom.packages.find((x) => x.name === name) as Package
      expect(p, name).toBeDefined()
      expect(p.introducedIn.layerIndex, name).toBe(1)
      expect(p.introducedIn.layer).toBe(sbom.target.layers[1]?.diffId)
    }
    const base = sbom.packages.find((p) => p.name === 'base-files') as Package
    expect(base.introducedIn.layerIndex).toBe(0)
    const src = await openSource(parseImageRef(`oci-dir://${builtLayout('debian-min')}`))
    const { buildFileTree } = await import('../../src/filetree/index.js')
    const { tree } = await buildFileTree(src, { requests: [] })
    expect(tree.stat('/etc/issue.net')).toBeUndefined()
    expect(tree.stat('/etc/issue')).toBeDefined()
    expect(tree.glob('/usr/share/zoneinfo/**')).toEqual([])
    for (const w of readTsv(truthFile('debian-min', 'whiteouts-layer2.txt')).map((r) => r[0] as string)) {
      const path = `/${w.replace(/^\.?\//, '').replace(/\.wh\.([^/]+)$/, '$1')}`
      if (!w.includes('.wh..wh..opq')) expect(tree.stat(path, { noFollow: true }), path).toBeUndefined()
    }
  })

  it('the zstd variant gives the same SBOM as the gzip one', async () => {
    const gz = await sbomOf(`oci-dir://${builtLayout('debian-min')}`)
    const zs = await sbomOf(`oci-dir://${builtLayout('debian-min-zstd')}`)
    expect(zs.target.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+zstd',
      'application/vnd.oci.image.layer.v1.tar+zstd',
    ])
    expect(zs.target.layers.map((l) => l.diffId)).toEqual(gz.target.layers.map((l) => l.diffId))
    expect(zs.packages).toEqual(gz.packages)
    const zsArchive = await sbomOf(`archive://${builtArchive('debian-min-zstd', 'oci')}`)
    expect(zsArchive.packages).toEqual(gz.packages)
  })
})

describe('distroless: status.d and platform choice', () => {
  it.each(['amd64', 'arm64'])('%s archives equal dpkg-status.d.tsv', async (arch) => {
    for (const layout of LAYOUTS) {
      const sbom = await sbomOf(`archive://${builtArchive(`distroless-${arch}`, layout)}`)
      expect(debRows(sbom)).toEqual(dpkgTruth(`distroless-${arch}`, 'dpkg-status.d.tsv'))
      expect(sbom.packages.every((p) => (p.metadata as { architecture: string }).architecture !== '')).toBe(true)
    }
  })

  it('the multi-arch index picks amd64 by default and arm64 with --platform linux/arm64', async () => {
    const index = `archive://${builtArchive('distroless', 'oci')}`
    const amd = await sbomOf(index)
    expect(amd.target.platform).toEqual({ os: 'linux', architecture: 'amd64' })
    expect(amd.target.indexDigest).toMatch(/^sha256:/)
    expect(debRows(amd)).toEqual(dpkgTruth('distroless-amd64', 'dpkg-status.d.tsv'))
    const arm = await sbomOf(index, { os: 'linux', architecture: 'arm64' })
    expect(arm.target.platform).toMatchObject({ os: 'linux', architecture: 'arm64' })
    expect(debRows(arm)).toEqual(dpkgTruth('distroless-arm64', 'dpkg-status.d.tsv'))
    const dir = await sbomOf(`oci-dir://${builtLayout('distroless')}:latest`, {
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    })
    expect(debRows(dir)).toEqual(dpkgTruth('distroless-arm64', 'dpkg-status.d.tsv'))
  })

  it('owned files come from the md5sums beside each control file', async () => {
    const sbom = await sbomOf(`archive://${builtArchive('distroless-amd64', 'oci')}`)
    const libc = sbom.packages.find((p) => p.name === 'libc6') as Package
    expect((libc.metadata as { files: string[] }).files).toContain('/lib/x86_64-linux-gnu/libc.so.6')
  })
})

describe('apk (prebuilt)', () => {
  it.each(['oci', 'docker', 'docker-v25'])('apk-synthetic %s equals apk.tsv', async (layout) => {
    const sbom = await sbomOf(`archive://${join(PREBUILT, 'archives', `apk-synthetic.${layout}.tar`)}`)
    const rows = sbom.packages.map((p) => {
      const m = p.metadata as { architecture: string; origin: string }
      return [p.name, p.version, m.architecture, m.origin].join('\t')
    })
    const truth = readTsv(join(PREBUILT, 'truth', 'apk-synthetic', 'apk.tsv')).map((r) => r.slice(0, 4).join('\t'))
    expect(rows.sort()).toEqual(truth.sort())
    expect(sbom.distro).toMatchObject({ id: 'alpine', versionId: '3.18.4' })
    expect(sbom.packages[0]?.purl).toMatch(/^pkg:apk\/alpine\/.+\?arch=x86_64.*distro=alpine-3\.18\.4/)
  })
})

describe('rpm (prebuilt)', () => {
  for (const image of ['rpm-sqlite', 'rpm-bdb']) {
    for (const layout of ['oci', 'docker', 'docker-v25']) {
      it(`${image} ${layout} equals rpm.tsv (name, epoch, version, release, arch, source rpm, vendor, license)`, async () => {
        const sbom = await sbomOf(`archive://${join(PREBUILT, 'archives', `${image}.${layout}.tar`)}`)
        const rows = sbom.packages.map((p) => {
          const m = p.metadata as {
            epoch?: number
            upstreamVersion: string
            release: string
            architecture: string
            sourceRpm?: string
            vendor?: string
            license?: string
          }
          return [
            p.name,
            String(m.epoch ?? 0),
            m.upstreamVersion,
            m.release,
            m.architecture,
            m.sourceRpm,
            m.vendor,
            m.license,
          ].join('\t')
        })
        const truth = readTsv(join(PREBUILT, 'truth', image, 'rpm.tsv')).map((r) => r.join('\t'))
        expect(rows.sort()).toEqual(truth.sort())
        expect(sbom.issues).toEqual([])
        expect(sbom.distro?.id).toBe(image === 'rpm-sqlite' ? 'rocky' : 'centos')
      })
    }
  }
})
