import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Package, Sbom } from '../../src/model/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { builtLayout, readTsv, truthFile } from '../helpers/images.js'

let sbom: Sbom
beforeAll(async () => {
  sbom = await generateSbom(await openSource(parseImageRef(`oci-dir://${builtLayout('lang-app')}`)))
})

const of = (kind: Package['kind']) => sbom.packages.filter((p) => p.kind === kind)

describe('lang-app: language packages equal the truth files', () => {
  it('npm: all packages of npm.tsv with their paths and prod/dev scope', () => {
    const got = of('npm')
      .map((p) => {
        const m = p.metadata as { path?: string; dev?: boolean }
        return [
          p.name,
          p.version,
          m.path ?? p.locations[0]?.path.replace(/\/package\.json$/, ''),
          m.dev ? 'dev' : 'prod',
        ].join('\t')
      })
      .sort()
    expect(got).toEqual(
      readTsv(truthFile('lang-app', 'npm.tsv'))
        .map((r) => r.join('\t'))
        .sort(),
    )
  })

  it('python: every dist-info/egg-info of python.tsv, each owned by its Debian package', () => {
    const got = of('python')
      .map((p) => [p.name, p.version].join('\t'))
      .sort()
    expect(got).toEqual(
      readTsv(truthFile('lang-app', 'python.tsv'))
        .map((r) => `${r[0]}\t${r[1]}`)
        .sort(),
    )
    for (const p of of('python'))
      expect((p.metadata as { ownedBy?: { kind: string } }).ownedBy?.kind, p.name).toBe('deb')
    const requests = of('python').find((p) => p.name === 'requests') as Package
    expect((requests.metadata as { ownedBy?: { name: string } }).ownedBy?.name).toBe('python3-requests')
  })

  it('java: the jars of java.tsv, nested ones included, and the manifest-only log4j', () => {
    const got = of('java')
      .map((p) => {
        const m = p.metadata as { path?: string; identity?: string }
        return [m.path, m.identity === 'pom.properties' ? 'pom.properties' : 'MANIFEST.MF', p.name, p.version].join(
          '\t',
        )
      })
      .sort()
    expect(got).toEqual(
      readTsv(truthFile('lang-app', 'java.tsv'))
        .map((r) => r.join('\t'))
        .sort(),
    )
  })

  it('go: shfmt with its go1.19.8 stdlib, and goapp with its 4 deps', () => {
    const text = readFileSync(truthFile('lang-app', 'go-version-m.txt'), 'utf8')
    const deps = [...text.matchAll(/^\tdep\t(\S+)\t(\S+)/gm)].map((m) => `${m[1]}@${m[2]}`)
    expect(deps).toHaveLength(4)
    const mods = of('go-module').map((p) => `${p.name}@${p.version}`)
    for (const d of deps) expect(mods).toContain(d)
    expect(mods.filter((m) => m.startsWith('stdlib@'))).toHaveLength(2)
    expect(mods).toEqual(
      expect.arrayContaining(['mvdan.cc/sh/v3/cmd/shfmt@(devel)', 'example.com/scan-fixture/goapp@(devel)']),
    )
  })

  it('every package has a purl, a layer and its cataloger', () => {
    for (const p of sbom.packages) {
      expect(p.purl, p.name).toMatch(/^pkg:/)
      expect(p.introducedIn.layer, p.name).toMatch(/^sha256:/)
      expect(p.foundBy, p.name).toMatch(/^[\w-]+\/\d+$/)
    }
    expect(sbom.issues).toEqual([])
  })
})
