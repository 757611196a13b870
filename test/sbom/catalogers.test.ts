import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Package } from '../../src/model/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { FIXTURES } from '../helpers/images.js'

/** Rootfs-shaped fixtures: `test/fixtures/catalogers/<ecosystem>/<case>/rootfs` with `expected.json` beside it. */
const ECOSYSTEMS = ['dpkg', 'apk']

function project(p: Package) {
  const m = p.metadata as { architecture?: string; installedSize?: number; files?: string[] }
  return {
    name: p.name,
    version: p.version,
    purl: p.purl,
    source: p.source,
    architecture: m.architecture,
    ...(m.installedSize !== undefined ? { installedSize: m.installedSize } : {}),
    files: m.files,
  }
}

for (const eco of ECOSYSTEMS) {
  const root = join(FIXTURES, 'catalogers', eco)
  describe(`${eco} cataloger fixtures`, () => {
    for (const c of readdirSync(root)) {
      const dir = join(root, c)
      if (!existsSync(join(dir, 'expected.json'))) continue
      it(c, async () => {
        const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))
        const sbom = await generateSbom(await openSource(parseImageRef(`fs://${join(dir, 'rootfs')}`)))
        expect(sbom.distro).toMatchObject(expected.distro)
        expect(sbom.packages.map(project)).toEqual(expected.packages)
        expect(sbom.issues.map((i) => ({ kind: i.kind, message: i.message }))).toEqual(expected.issues)
        for (const p of sbom.packages) expect(p.foundBy).toMatch(new RegExp(`^${eco}/\\d+$`))
      })
    }
  })
}
