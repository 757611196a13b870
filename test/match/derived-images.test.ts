import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openSource, parseImageRef } from '../../src/image/index.js'
import { matchSbom } from '../../src/match/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { dbPath, IMPORTERS, loadDbConfig, StoreReader, updateDb } from '../../src/vulndb/index.js'
import { FIXTURES, readTsv } from '../helpers/images.js'

const DERIVED = join(FIXTURES, 'vulndata', 'debian-bookworm-derived')
let tmp: string
let db: StoreReader

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-derived-'))
  await updateDb({
    cacheDir: tmp,
    config: loadDbConfig({ feedFlags: [`osv=${join(DERIVED, 'osv')}`], env: {} }),
    importers: IMPORTERS,
    only: ['osv'],
  })
  db = new StoreReader(dbPath(tmp))
}, 120_000)

afterAll(() => {
  db?.close()
  rmSync(tmp, { recursive: true, force: true })
})

async function pairsOf(image: string): Promise<string[]> {
  const sbom = await generateSbom(
    await openSource(parseImageRef(`oci-dir://${join(inject('derivedDir'), 'oci', image)}`)),
  )
  return [...new Set(matchSbom(sbom, db).findings.map((f) => `${f.advisoryPackage} ${f.id}`))].sort()
}

/** Real images built from Debian packages (test/fixtures-build/bookworm-derived-images.sh). */
describe('the bookworm-security changelog set on real images', () => {
  it('plain bookworm with install-list.txt yields exactly the (source package, CVE) pairs of ground-truth.tsv', async () => {
    const want = [
      ...new Set(
        readTsv(join(DERIVED, 'ground-truth.tsv'))
          .slice(1)
          .map((r) => `${r[0]} ${r[4]}`),
      ),
    ].sort()
    expect(await pairsOf('bookworm-plain')).toEqual(want)
  })

  it('the same packages from bookworm-security yield none of them', async () => {
    expect(await pairsOf('bookworm-security')).toEqual([])
  })
})
