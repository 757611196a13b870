import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Package } from '../../src/model/index.js'
import { type ComposerMetadata, composerCataloger } from '../../src/sbom/catalogers/composer/index.js'
import { FIXTURES } from '../helpers/images.js'
import { gzipLayer, makeTar, writeOciLayout } from '../helpers/make-image.js'
import { fixtureCases, issuesOf, scanWith, writeTree } from './harness.js'

const ROOT = join(FIXTURES, 'catalogers', 'composer')

const scan = scanWith(composerCataloger)

function project(p: Package) {
  const m = p.metadata as ComposerMetadata
  return {
    name: p.name,
    version: p.version,
    purl: p.purl,
    path: m.path,
    ...(m.installPath ? { installPath: m.installPath } : {}),
    ...(m.dev !== undefined ? { dev: m.dev } : {}),
    ...(m.type ? { type: m.type } : {}),
    ...(p.licenses ? { licenses: p.licenses } : {}),
    ...(m.source ? { source: m.source } : {}),
    ...(m.dist ? { dist: m.dist } : {}),
  }
}

const issues = issuesOf

describe('composer cataloger fixtures', () => {
  fixtureCases(ROOT, scan, (expected, sbom) => {
    expect(sbom.packages.map(project)).toEqual(expected.packages)
    for (const p of sbom.packages) {
      expect(p.kind).toBe('composer')
      expect(p.foundBy).toBe(`composer/${composerCataloger.version}`)
      expect(p.locations.map((l) => l.path)).toEqual([(p.metadata as ComposerMetadata).path])
    }
  })
})

describe('composer cataloger: images and bad input', () => {
  let tmp: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'shipshape-composer-'))
  })
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  const v2 = readFileSync(join(ROOT, 'installed-v2/rootfs/app/vendor/composer/installed.json'), 'utf8')
  const v1 = readFileSync(join(ROOT, 'installed-v1/rootfs/var/www/html/vendor/composer/installed.json'), 'utf8')
  const lock = readFileSync(join(ROOT, 'composer-lock/rootfs/srv/app/composer.lock'), 'utf8')

  const tree = (name: string, files: Record<string, string | Buffer>) => writeTree(tmp, name, files)

  it('in an image: installed.json read, composer.lock not', async () => {
    const dir = join(tmp, 'oci')
    writeOciLayout(dir, [
      gzipLayer(
        makeTar([
          { name: 'var/www/vendor/composer/installed.json', content: v2 },
          { name: 'var/www/composer.lock', content: lock },
        ]),
      ),
    ])
    const sbom = await scan(`oci-dir://${dir}`)
    expect(sbom.packages.map((p) => [p.name, p.version, (p.metadata as ComposerMetadata).installPath])).toEqual([
      ['asm89/stack-cors', '1.3.0', '/var/www/vendor/asm89/stack-cors'],
      ['behat/mink', 'v1.8.1', '/var/www/vendor/behat/mink'],
    ])
    expect(sbom.packages[0]?.introducedIn.layer).toMatch(/^sha256:/)
  })

  it('truncated JSON, an unknown shape and an entry without a version: located issues, the rest catalogued', async () => {
    const broken = JSON.parse(v2) as { packages: Record<string, unknown>[] }
    delete broken.packages[0]?.version
    const root = tree('bad', {
      'a/vendor/composer/installed.json': v2.slice(0, v2.length / 2),
      'b/vendor/composer/installed.json': '{"installed": []}',
      'c/vendor/composer/installed.json': JSON.stringify(broken),
      'd/vendor/composer/installed.json': v1,
      // A lockfile a package ships inside vendor/ is not the application's.
      'd/vendor/behat/mink/composer.lock': lock,
    })
    const sbom = await scan(`fs://${root}`)
    expect(sbom.packages.map((p) => [p.name, (p.metadata as ComposerMetadata).path])).toEqual([
      ['asm89/stack-cors', '/d/vendor/composer/installed.json'],
      ['behat/mink', '/c/vendor/composer/installed.json'],
      ['behat/mink', '/d/vendor/composer/installed.json'],
    ])
    const got = issues(sbom)
    expect(got.map((i) => [i.kind, i.path])).toEqual([
      ['parse-error', '/a/vendor/composer/installed.json'],
      ['unsupported-format', '/b/vendor/composer/installed.json'],
      ['parse-error', '/c/vendor/composer/installed.json'],
    ])
    expect(got[0]?.message).toMatch(/^\/a\/vendor\/composer\/installed\.json: not valid JSON \(.+\); file skipped$/)
    expect(got[2]?.message).toBe('/c/vendor/composer/installed.json: packages[0]: no version; entry skipped')
  })

  it('an installed.json over the size cap: a located issue', async () => {
    const root = tree('big', {
      'app/vendor/composer/installed.json': Buffer.concat([Buffer.from(v2), Buffer.alloc(33 * 1024 * 1024, 0x20)]),
      'lib/vendor/composer/installed.json': v1,
    })
    const sbom = await scan(`fs://${root}`)
    expect(sbom.packages.map((p) => (p.metadata as ComposerMetadata).path)).toEqual([
      '/lib/vendor/composer/installed.json',
      '/lib/vendor/composer/installed.json',
    ])
    expect(issues(sbom).filter((i) => i.kind !== 'truncated-content')).toEqual([
      {
        kind: 'unreadable-file',
        message: '/app/vendor/composer/installed.json: content not kept (over the size cap)',
        path: '/app/vendor/composer/installed.json',
      },
    ])
  })
})
