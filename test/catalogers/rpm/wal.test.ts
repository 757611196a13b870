import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { applyWal, readRpmdb, rpmCataloger } from '../../../src/sbom/catalogers/rpm/index.js'
import { buildPackageHeader, diffId, MemoryResolver } from './helpers.js'

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3
const scratch = mkdtempSync(join(tmpdir(), 'shipshape-rpm-wal-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const pkg = (name: string) => buildPackageHeader({ name, version: '1.0', release: '1.el9', arch: 'x86_64' })

/**
 * A real WAL written by SQLite itself: `base` rows checkpointed into the main file, then each of `later`
 * committed as its own transaction into the WAL only. Both files are copied while the connection is open
 * (closing would checkpoint), as an image layer captures them when a build does not close the rpmdb.
 */
function walPair(base: string[], later: string[]): { db: Buffer; wal: Buffer } {
  const file = join(scratch, `${Math.random().toString(36).slice(2)}.sqlite`)
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('wal_autocheckpoint = 0')
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)')
  const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)')
  for (const n of base) ins.run(pkg(n))
  db.pragma('wal_checkpoint(TRUNCATE)')
  for (const n of later) ins.run(pkg(n))
  const out = { db: readFileSync(file), wal: readFileSync(`${file}-wal`) }
  db.close()
  return out
}

function flip(b: Buffer, i: number, mask = 0xff): void {
  b.writeUInt8(b.readUInt8(i) ^ mask, i)
}

describe('sqlite write-ahead log', () => {
  it('committed transactions in the WAL are read; without it they are missing', () => {
    const { db, wal } = walPair(['bash', 'zlib', 'glibc'], ['curl', 'jq'])
    expect(wal.length).toBeGreaterThan(32)
    expect(readRpmdb(db).packages.map((p) => p.name)).toEqual(['bash', 'zlib', 'glibc'])
    const withWal = readRpmdb(db, { wal })
    expect(withWal.errors).toEqual([])
    expect(withWal.packages.map((p) => p.name)).toEqual(['bash', 'zlib', 'glibc', 'curl', 'jq'])
    expect(withWal.walFrames).toBeGreaterThan(0)
  })

  it('a torn or corrupted last transaction is ignored, earlier commits still apply', () => {
    const { db, wal } = walPair(['bash'], ['curl', 'jq'])
    const frameSize = 24 + wal.readUInt32BE(8)
    const frames = (wal.length - 32) / frameSize
    expect(Number.isInteger(frames)).toBe(true)
    // the last frame belongs to the last commit (jq): flip a byte of its page data
    const bad = Buffer.from(wal)
    flip(bad, 32 + (frames - 1) * frameSize + 24 + 100)
    expect(readRpmdb(db, { wal: bad }).packages.map((p) => p.name)).toEqual(['bash', 'curl'])
    // the same, torn in the middle of the last frame
    const torn = wal.subarray(0, wal.length - 10)
    expect(readRpmdb(db, { wal: torn }).packages.map((p) => p.name)).toEqual(['bash', 'curl'])
  })

  it('an empty WAL, a WAL with a bad header, a WAL of another page size', () => {
    const { db, wal } = walPair(['bash'], ['curl'])
    expect(applyWal(db, Buffer.alloc(0))).toEqual({ image: db, frames: 0, errors: [] })
    const badMagic = Buffer.from(wal)
    badMagic.writeUInt32BE(0x12345678, 0)
    expect(readRpmdb(db, { wal: badMagic })).toMatchObject({ errors: ['WAL: bad magic; ignored'] })
    const badSum = Buffer.from(wal)
    flip(badSum, 12, 1) // checkpoint sequence, covered by the header checksum
    expect(readRpmdb(db, { wal: badSum }).errors).toEqual(['WAL: header checksum mismatch; ignored'])
    const otherSize = Buffer.from(wal)
    otherSize.writeUInt32BE(1024, 8)
    expect(readRpmdb(db, { wal: otherSize }).errors[0]).toMatch(/page size 1024/)
    expect(readRpmdb(db, { wal: badMagic }).packages.map((p) => p.name)).toEqual(['bash'])
  })

  it('the cataloger reads the WAL beside the database and dates its packages by the WAL layer', async () => {
    const { db, wal } = walPair(['bash', 'zlib'], ['curl'])
    const path = '/var/lib/rpm/rpmdb.sqlite'
    const files = new MemoryResolver(
      2,
      new Map([
        [path, [{ layerIndex: 0, content: db }]],
        [`${path}-wal`, [{ layerIndex: 1, content: wal }]],
      ]),
    )
    const r = await rpmCataloger.catalog({ files, distro: undefined })
    expect(r.issues).toEqual([])
    expect(r.packages.map((p) => p.name)).toEqual(['bash', 'zlib', 'curl'])
    const curl = r.packages.find((p) => p.name === 'curl')
    expect(curl?.introducedIn).toEqual({ path, layer: diffId(1), layerIndex: 1 })
    expect(r.packages.find((p) => p.name === 'bash')?.introducedIn.layerIndex).toBe(0)
    expect(curl?.locations).toEqual([
      { path, layer: diffId(0), layerIndex: 0 },
      { path: `${path}-wal`, layer: diffId(1), layerIndex: 1 },
    ])
    expect(rpmCataloger.wants[0]?.globs.some((g) => files.glob(g).some((f) => f.path === `${path}-wal`))).toBe(true)
  })
})
