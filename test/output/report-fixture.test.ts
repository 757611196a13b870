/**
 * Regenerates `test/fixtures/output/report.json`, the fixed report every output-format test reads, from the real
 * pipeline: an OCI image (Debian 12 dpkg status + a small Node app) read by `generateSbom`, language packages added
 * as their catalogers report them, matched by `buildReport` against a DB built with `updateDb` from the real fixture
 * feeds. Only runs with UPDATE_OUTPUT_REPORT=1; the clock-dependent fields are then pinned (see `pin`).
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildReport } from '../../src/analysis/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { LanguageMetadata, Location, Package, PackageId, Report, Sbom } from '../../src/model/index.js'
import { dpkgCataloger } from '../../src/sbom/catalogers/dpkg/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { dbPath, IMPORTERS, loadDbConfig, StoreReader, updateDb } from '../../src/vulndb/index.js'
import { FIXTURES } from '../helpers/images.js'
import { debianRoot, gzipLayer, makeTar, statusParagraph, writeOciLayout } from '../helpers/make-image.js'
import { REPORT_PATH } from './report.js'

const V = join(FIXTURES, 'vulndata')
type LanguageKind = LanguageMetadata['kind']

/** A language package in the app layer, shaped as its cataloger reports it. */
function lang(sbom: Sbom, kind: LanguageKind, name: string, version: string, purl: string, path: string): Package {
  const layer = sbom.target.layers[1]
  const loc: Location = { path, layerIndex: 1, ...(layer?.diffId ? { layer: layer.diffId } : {}) }
  return {
    id: createHash('sha256').update(`${purl}\n${path}`).digest('hex').slice(0, 16) as PackageId,
    name,
    version,
    kind,
    purl,
    introducedIn: loc,
    lastChangedIn: loc,
    locations: [loc],
    foundBy: `${kind}/1`,
    metadata: { kind },
  }
}

/**
 * Pins what depends on the clock or the temp dir, and names the image as if pulled from a registry; everything else
 * is the pipeline's output as is.
 */
function pin(r: Report): Report {
  r.sbom.createdAt = '2026-11-22T09:30:00.000Z'
  r.db.builtAt = '2026-11-22T09:29:41.000Z'
  r.sbom.target.ref = 'registry.example/shop/web:1.4.2'
  r.sbom.target.name = 'registry.example/shop/web'
  return r
}

describe.runIf(process.env.UPDATE_OUTPUT_REPORT === '1')('output report fixture', () => {
  it('regenerates test/fixtures/output/report.json from the real pipeline', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'shipshape-output-'))
    try {
      await updateDb({
        cacheDir: tmp,
        config: loadDbConfig({
          feedFlags: [
            `osv=${join(V, 'ghsa')}`,
            `osv=${join(V, 'debian-bookworm-derived/osv')}`,
            `osv=${join(V, 'crates')}`,
            `nvd=${join(V, 'nvd')}`,
            `cve5=${join(V, 'cve5')}`,
            `kev=${join(V, 'kev')}`,
            `epss=${join(V, 'epss')}`,
          ],
          env: {},
        }),
        importers: IMPORTERS,
        only: ['osv', 'nvd', 'cve5', 'kev', 'epss'],
      })
      const status = [
        statusParagraph('base-files', '12.4+deb12u15'),
        statusParagraph('zip', '3.0-13'),
        statusParagraph('memcached', '1.6.18-1'),
      ].join('\n')
      const app = makeTar([
        { name: 'app/', type: 'dir' },
        { name: 'app/package.json', content: '{"name":"shop","version":"1.4.2"}' },
      ])
      const dir = join(tmp, 'image')
      writeOciLayout(dir, [gzipLayer(makeTar(debianRoot(status))), gzipLayer(app)], { tag: '1.4.2' })
      // Only dpkg reads the image, so the fixture does not move as language catalogers arrive; their packages are added
      // below as those catalogers report them.
      const sbom = await generateSbom(await openSource(parseImageRef(`oci-dir://${dir}`)), {
        catalogers: [dpkgCataloger],
      })
      const nm = '/app/node_modules'
      sbom.packages.push(
        lang(sbom, 'npm', 'lodash', '4.17.15', 'pkg:npm/lodash@4.17.15', `${nm}/lodash/package.json`),
        lang(sbom, 'npm', 'minimist', '1.2.0', 'pkg:npm/minimist@1.2.0', `${nm}/minimist/package.json`),
        lang(
          sbom,
          'npm',
          'minimist',
          '0.0.8',
          'pkg:npm/minimist@0.0.8',
          `${nm}/mkdirp/node_modules/minimist/package.json`,
        ),
        lang(
          sbom,
          'java',
          'log4j-core',
          '2.14.1',
          'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
          '/app/lib/log4j-core-2.14.1.jar',
        ),
        lang(sbom, 'rust-crate', 'yaml-rust', '0.4.5', 'pkg:cargo/yaml-rust@0.4.5', '/usr/local/bin/indexer'),
        lang(
          sbom,
          'go-module',
          'github.com/consensys/gnark-crypto',
          'v0.12.0',
          'pkg:golang/github.com/consensys/gnark-crypto@v0.12.0',
          '/usr/local/bin/prover',
        ),
      )
      const db = new StoreReader(dbPath(tmp))
      let report: Report
      try {
        report = buildReport(sbom, db)
      } finally {
        db.close()
      }
      writeFileSync(REPORT_PATH, `${JSON.stringify(pin(report), null, 2)}\n`)
      expect(report.findings.length).toBeGreaterThan(0)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})
