import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { expect, it } from 'vitest'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Sbom } from '../../src/model/index.js'
import type { Cataloger } from '../../src/sbom/index.js'
import { generateSbom } from '../../src/sbom/index.js'

/** A scan with one cataloger only, so a fixture's expected output does not change when others arrive. */
export function scanWith(cataloger: Cataloger): (ref: string) => Promise<Sbom> {
  return async (ref) => generateSbom(await openSource(parseImageRef(ref)), { catalogers: [cataloger] })
}

export const issuesOf = (s: Sbom) => s.issues.map((i) => ({ kind: i.kind, message: i.message, path: i.location?.path }))

/**
 * One test per rootfs-shaped fixture (`ROOT/<case>/rootfs` with `expected.json` beside it): the scan's issues must
 * equal the expected ones, and `check` compares the packages the way that ecosystem's test wants.
 */
export function fixtureCases(
  root: string,
  scan: (ref: string) => Promise<Sbom>,
  check: (expected: { packages: unknown[]; issues: unknown[] }, sbom: Sbom) => void,
): void {
  for (const c of readdirSync(root)) {
    const dir = join(root, c)
    if (!existsSync(join(dir, 'expected.json'))) continue
    it(c, async () => {
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))
      const sbom = await scan(`fs://${join(dir, 'rootfs')}`)
      check(expected, sbom)
      expect(issuesOf(sbom)).toEqual(expected.issues)
    })
  }
}

/** Writes a small directory tree under `root/name` (files made at test time) and returns its path. */
export function writeTree(root: string, name: string, files: Record<string, string | Buffer>): string {
  const dir = join(root, name)
  for (const [p, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true })
    writeFileSync(join(dir, p), data)
  }
  return dir
}
