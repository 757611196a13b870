import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Package, PackageId, Sbom } from '../../src/model/index.js'
import { fixtures } from './validators.js'

export const formatsDir = join(fixtures, 'formats')

/** A fresh copy of the hand-written native SBOM each time, so no test sees another's edits. */
export function sampleSbom(): Sbom {
  return JSON.parse(readFileSync(join(formatsDir, 'sample-sbom.json'), 'utf8')) as Sbom
}

/** The golden file's content; with UPDATE_GOLDEN=1 it is first rewritten from `actual`. */
export function golden(name: string, actual: string): string {
  const path = join(formatsDir, name)
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual)
  if (!existsSync(path)) throw new Error(`${path} is missing: run the tests once with UPDATE_GOLDEN=1`)
  return readFileSync(path, 'utf8')
}

/** The same SBOM with packages, locations and issues in reverse order (as concurrent catalogers might return them). */
export function shuffled(sbom: Sbom): Sbom {
  const copy = structuredClone(sbom)
  copy.packages.reverse()
  for (const p of copy.packages) p.locations.reverse()
  copy.issues.reverse()
  copy.target.layers.reverse()
  return copy
}

/** The sample plus an npm package owned by a deb, as language catalogers will report them. */
export function withLanguagePackage(sbom: Sbom): { sbom: Sbom; npm: Package } {
  const loc = { path: '/usr/share/nodejs/semver/package.json', layer: sbom.target.layers[1]?.diffId, layerIndex: 1 }
  const npm: Package = {
    id: '0f1e2d3c4b5a6978' as PackageId,
    name: '@types/semver',
    version: '7.5.8',
    kind: 'npm',
    purl: 'pkg:npm/%40types/semver@7.5.8',
    licenses: ['MIT'],
    introducedIn: loc,
    lastChangedIn: loc,
    locations: [loc],
    foundBy: 'npm/1',
    metadata: { kind: 'npm', ownedBy: { kind: 'deb', name: 'node-semver' } },
  }
  sbom.packages.push(npm)
  return { sbom, npm }
}
