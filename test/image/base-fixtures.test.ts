import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { Image } from '../../src/image/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Sbom } from '../../src/model/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { readTsv } from '../helpers/images.js'

/** The base-image fixtures (test/fixtures-build/base-images.sh), read with our own reader. */
const NAMES = ['debian-base-old', 'debian-base-new', 'debian-base-slim', 'app-old', 'app-new'] as const
type Name = (typeof NAMES)[number]

const dir = () => inject('baseImagesDir')
const refOf = (name: Name) => parseImageRef(`oci-dir://${join(dir(), 'oci', name)}`)

async function imageOf(name: Name): Promise<Image> {
  const s = await openSource(refOf(name))
  if (s.kind !== 'image') throw new Error(`${name} is not an image`)
  return s.image
}

const images = {} as Record<Name, Image>
beforeAll(async () => {
  for (const n of NAMES) images[n] = await imageOf(n)
})

const diffIds = (n: Name) => images[n].layers.map((l) => l.diffId)

describe('base-image fixtures', () => {
  it('are tagged and named as the catalogue expects', () => {
    const want: Record<Name, [string, string]> = {
      'debian-base-old': ['localhost/fixtures/debian-base', 'bookworm'],
      'debian-base-new': ['localhost/fixtures/debian-base', 'bookworm'],
      'debian-base-slim': ['localhost/fixtures/debian-base', 'bookworm-slim'],
      'app-old': ['localhost/fixtures/app', '1.0'],
      'app-new': ['localhost/fixtures/app', '1.0'],
    }
    for (const n of NAMES) expect([images[n].name, images[n].tags[0]], n).toEqual(want[n])
    expect(images['debian-base-old'].manifestDigest).not.toBe(images['debian-base-new'].manifestDigest)
  })

  it('bases have one layer; the apps are their base plus the same app layer', () => {
    for (const n of ['debian-base-old', 'debian-base-new', 'debian-base-slim'] as const)
      expect(diffIds(n)).toHaveLength(1)
    expect(diffIds('app-old')).toHaveLength(2)
    expect(diffIds('app-new')).toHaveLength(2)
    expect(diffIds('app-old')[0]).toBe(diffIds('debian-base-old')[0])
    expect(diffIds('app-new')[0]).toBe(diffIds('debian-base-new')[0])
    expect(diffIds('app-old')[0]).not.toBe(diffIds('app-new')[0])
    expect(diffIds('app-old')[1]).toBe(diffIds('app-new')[1])
    expect(images['app-old'].layers[1]?.digest).toBe(images['app-new'].layers[1]?.digest)
    expect(new Set(NAMES.slice(0, 3).map((n) => diffIds(n)[0])).size).toBe(3)
  })

  it('the old and new base layers are the derived images’ layers, unchanged', async () => {
    const derived = inject('derivedDir')
    for (const [base, src] of [
      ['debian-base-old', 'bookworm-plain'],
      ['debian-base-new', 'bookworm-security'],
    ] as const) {
      const s = await openSource(parseImageRef(`oci-dir://${join(derived, 'oci', src)}`))
      if (s.kind !== 'image') throw new Error(src)
      expect(diffIds(base)).toEqual(s.image.layers.map((l) => l.diffId))
    }
  })

  it('the apps carry no base-image label or annotation', () => {
    for (const n of ['app-old', 'app-new'] as const) {
      const keys = [...Object.keys(images[n].config.labels), ...Object.keys(images[n].annotations)]
      expect(keys.filter((k) => k.startsWith('org.opencontainers.image.base.'))).toEqual([])
      expect(images[n].config.labels['org.opencontainers.image.title']).toBe('fixture-app')
      expect(images[n].config.history.filter((h) => !h.emptyLayer)).toHaveLength(2)
    }
  })

  it('the slim base is smaller than the new one', () => {
    const size = (n: Name) => images[n].layers.reduce((a, l) => a + l.size, 0)
    expect(size('debian-base-slim')).toBeLessThan(size('debian-base-new') / 2)
  })

  describe('packages', () => {
    const sboms = {} as Record<Name, Sbom>
    beforeAll(async () => {
      for (const n of NAMES)
        sboms[n] = await generateSbom({ kind: 'image', image: images[n] }, { createdAt: '2024-01-01T00:00:00Z' })
    }, 300_000)
    const debs = (n: Name) => sboms[n].packages.filter((p) => p.kind === 'deb')
    const truth = (n: Name) => readTsv(join(dir(), 'truth', n, 'dpkg.tsv')).map((r) => `${r[0]} ${r[1]}`)

    it('dpkg packages equal the ground truth; slim has fewer than new, on the same OS', () => {
      for (const n of NAMES)
        expect(
          debs(n)
            .map((p) => `${p.name} ${p.version}`)
            .sort(),
          n,
        ).toEqual(truth(n).sort())
      expect(debs('debian-base-slim').length).toBeGreaterThan(50)
      expect(debs('debian-base-slim').length).toBeLessThan(debs('debian-base-new').length)
      expect(sboms['debian-base-slim'].distro).toEqual(sboms['debian-base-new'].distro)
      expect(sboms['debian-base-old'].distro).toEqual(sboms['debian-base-new'].distro)
    })

    it('old and new bases differ exactly by dpkg-changes-from-old.tsv', () => {
      const changes = readTsv(join(dir(), 'truth', 'debian-base-new', 'dpkg-changes-from-old.tsv'))
      expect(changes.length).toBeGreaterThan(0)
      const ver = (n: Name) => new Map(debs(n).map((p) => [p.name, p.version]))
      const [o, nw] = [ver('debian-base-old'), ver('debian-base-new')]
      const differ = [...new Set([...o.keys(), ...nw.keys()])].filter((k) => o.get(k) !== nw.get(k)).sort()
      expect(differ).toEqual(changes.map((r) => r[0]).sort())
      for (const [name, a, b] of changes) {
        expect(o.get(name as string) ?? '-').toBe(a)
        expect(nw.get(name as string) ?? '-').toBe(b)
      }
    })

    it('the app layer brings exactly lodash 4.17.4 and minimist 1.2.0 (the base has Debian’s node modules)', () => {
      for (const n of ['app-old', 'app-new'] as const) {
        const own = sboms[n].packages.filter((p) => p.introducedIn.layer === diffIds(n)[1])
        expect(own.map((p) => `${p.kind} ${p.name}@${p.version}`).sort(), n).toEqual([
          'npm lodash@4.17.4',
          'npm minimist@1.2.0',
        ])
        for (const p of debs(n)) expect(p.introducedIn.layerIndex).toBe(0)
      }
      const sum = JSON.parse(readFileSync(join(dir(), 'truth', 'app-old', 'summary.json'), 'utf8'))
      expect(sum.diff_ids).toEqual(diffIds('app-old'))
      expect(sum.manifest_digest).toBe(images['app-old'].manifestDigest)
    })
  })
})
