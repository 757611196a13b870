import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  detectRpmdbFormat,
  type RpmdbPackage,
  readBerkeleyDb,
  readNdb,
  readRpmdb,
  readSqliteRpmdb,
} from '../../../src/sbom/catalogers/rpm/index.js'
import { buildNdb, type Expected, fixtureFile, loadExpected } from './helpers.js'

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3

/** The Rocky 9 rpmdb as a writable in-memory database; rpm left it in WAL mode, which deserialize refuses. */
function openFixtureSqlite(): BetterSqlite3.Database {
  const buf = Buffer.from(fixtureFile('sqlite', 'var/lib/rpm/rpmdb.sqlite'))
  buf[18] = 1
  buf[19] = 1
  return new Database(buf)
}

const CASES = [
  { name: 'sqlite', path: 'var/lib/rpm/rpmdb.sqlite', format: 'sqlite' },
  { name: 'bdb', path: 'var/lib/rpm/Packages', format: 'bdb' },
  { name: 'bdb-be16k', path: 'var/lib/rpm/Packages', format: 'bdb' },
  { name: 'bdb-p512', path: 'var/lib/rpm/Packages', format: 'bdb' },
  { name: 'bdb-btree', path: 'var/lib/rpm/Packages', format: 'bdb' },
  { name: 'bdb-chksum', path: 'var/lib/rpm/Packages', format: 'bdb' },
] as const

/** The truth's columns, as rpm -qa --qf '%{NAME}\t%{EPOCHNUM}\t…' printed them. */
function asTruthRows(pkgs: RpmdbPackage[]) {
  return pkgs
    .map((p) => ({
      name: p.name,
      epochnum: p.epoch ?? 0,
      version: p.version,
      release: p.release,
      arch: p.arch ?? '',
      sourceRpm: p.sourceRpm ?? '',
      vendor: p.vendor ?? '',
      license: p.license ?? '',
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'))
}

function expectMatchesTruth(pkgs: RpmdbPackage[], expected: Expected): void {
  const want = [...expected.packages].sort((a, b) => a.name.localeCompare(b.name, 'en'))
  expect(asTruthRows(pkgs)).toEqual(want)
  const files = [...new Set(pkgs.flatMap((p) => p.files))].sort()
  expect(files).toEqual([...expected.files].sort())
}

describe('real rpm databases against rpm -qa ground truth', () => {
  for (const c of CASES) {
    it(`${c.name}: every package and file matches`, () => {
      const buf = fixtureFile(c.name, c.path)
      expect(detectRpmdbFormat(buf)).toBe(c.format)
      const db = readRpmdb(buf)
      expect(db.errors).toEqual([])
      expect(db.format).toBe(c.format)
      expectMatchesTruth(db.packages, loadExpected(c.name))
    })
  }

  it('keeps the epoch only where the header has an EPOCH tag', () => {
    for (const name of ['sqlite', 'bdb']) {
      const db = readRpmdb(fixtureFile(name, name === 'sqlite' ? 'var/lib/rpm/rpmdb.sqlite' : 'var/lib/rpm/Packages'))
      const withEpoch = db.packages.filter((p) => p.epoch !== undefined).map((p) => [p.name, p.epoch])
      expect(withEpoch).toEqual([['openssl-libs', 1]])
    }
  })

  it('reads per-package file lists (dirnames + basenames)', () => {
    const db = readRpmdb(fixtureFile('sqlite', 'var/lib/rpm/rpmdb.sqlite'))
    const rocky = db.packages.find((p) => p.name === 'rocky-release')
    expect(rocky?.files.sort()).toEqual(
      [
        '/etc/os-release',
        '/etc/redhat-release',
        '/etc/rocky-release',
        '/etc/system-release',
        '/usr/lib/os-release',
        '/usr/share/doc/rocky-release',
        '/usr/share/doc/rocky-release/README',
      ].sort(),
    )
  })

  it('does not modify the buffer it reads (WAL flag patched on a copy)', () => {
    const buf = fixtureFile('sqlite', 'var/lib/rpm/rpmdb.sqlite')
    const before = Buffer.from(buf)
    readSqliteRpmdb(buf)
    expect(buf.equals(before)).toBe(true)
  })
})

describe('damaged sqlite rpmdb', () => {
  const full = fixtureFile('sqlite', 'var/lib/rpm/rpmdb.sqlite')

  it('truncated near the end: the intact rows are kept and the damage is reported', () => {
    // 250000 of 262144 bytes: the last three 4 KiB pages (two package rows, sqlite_stat1) are gone.
    const db = readRpmdb(full.subarray(0, 250000))
    expect(db.errors.some((e) => e.includes('truncated'))).toBe(true)
    expect(db.packages.length).toBeGreaterThanOrEqual(8)
    expect(db.packages.length).toBeLessThan(11)
    const truth = loadExpected('sqlite').packages
    for (const p of db.packages) {
      const t = truth.find((x) => x.name === p.name)
      expect(t, p.name).toBeDefined()
      expect(`${p.version}-${p.release}`).toBe(`${t?.version}-${t?.release}`)
    }
  })

  it('truncated to the first pages (schema gone): an error, no throw', () => {
    const db = readRpmdb(full.subarray(0, 8192))
    expect(db.packages).toEqual([])
    expect(db.errors.length).toBeGreaterThan(0)
  })

  it('garbage after the sqlite magic: an error, no throw', () => {
    const junk = Buffer.alloc(4096, 0x5a)
    full.copy(junk, 0, 0, 16)
    const db = readRpmdb(junk)
    expect(db.packages).toEqual([])
    expect(db.errors.length).toBeGreaterThan(0)
  })

  it('a row whose blob is damaged loses only that package', () => {
    const mem = openFixtureSqlite()
    const blob = mem.prepare('SELECT blob FROM Packages WHERE hnum = 3').get() as { blob: Buffer }
    const bad = Buffer.from(blob.blob)
    bad.writeInt32BE(bad.readInt32BE(4) + 1000, 4) // dl claims more data than the blob holds
    mem.prepare('UPDATE Packages SET blob = ? WHERE hnum = 3').run(bad)
    mem.prepare('INSERT INTO Packages (hnum, blob) VALUES (99, ?)').run('not a blob')
    const image = mem.serialize()
    mem.close()
    const db = readRpmdb(image)
    expect(db.packages).toHaveLength(10)
    expect(db.errors).toHaveLength(2)
    expect(db.errors.find((e) => e.startsWith('record 3:'))).toMatch(/intro says/)
    expect(db.errors.find((e) => e.includes('99'))).toMatch(/blob is string/)
  })
})

describe('damaged Berkeley DB', () => {
  const full = fixtureFile('bdb', 'var/lib/rpm/Packages')
  const PAGE = 4096
  /** Page numbers of the overflow pages (type 7) in file order. */
  const overflowPages = (buf: Buffer) => {
    const out: number[] = []
    for (let p = 1; p * PAGE < buf.length; p++) if (buf[p * PAGE + 25] === 7) out.push(p)
    return out
  }

  it('finds overflow pages to damage', () => {
    expect(overflowPages(full).length).toBe(11)
  })

  it('an overflow page whose chain loops back to itself: that package is lost, the rest are read', () => {
    const buf = Buffer.from(full)
    const victim = overflowPages(buf)[4] as number
    buf.writeUInt32LE(victim, victim * PAGE + 16) // next_pgno = itself
    const db = readRpmdb(buf)
    expect(db.packages).toHaveLength(10)
    expect(db.errors).toHaveLength(1)
    expect(db.errors[0]).toMatch(/loops at page/)
  })

  it('an overflow chain pointing past the end of the file, and one into a non-overflow page', () => {
    const buf = Buffer.from(full)
    const [a, b] = overflowPages(buf) as [number, number]
    buf.writeUInt32LE(0xfffff, a * PAGE + 16)
    buf.writeUInt32LE(1, b * PAGE + 16) // page 1 is a hash page
    const db = readRpmdb(buf)
    expect(db.packages).toHaveLength(9)
    expect(db.errors).toHaveLength(2)
    expect(db.errors.join('\n')).toMatch(/past the end of the file/)
    expect(db.errors.join('\n')).toMatch(/reaches page 1 of type 13/)
  })

  it('an overflow page claiming more bytes than a page holds', () => {
    const buf = Buffer.from(full)
    const victim = overflowPages(buf)[0] as number
    buf.writeUInt16LE(0xffff, victim * PAGE + 22)
    const db = readRpmdb(buf)
    expect(db.packages).toHaveLength(10)
    expect(db.errors[0]).toMatch(/claims 65535 bytes/)
  })

  it('truncated file: the records whose pages survive are read', () => {
    const db = readRpmdb(full.subarray(0, 10 * PAGE + 100))
    expect(db.errors[0]).toMatch(/truncated/)
    expect(db.packages.length).toBeGreaterThan(0)
    expect(db.packages.length).toBeLessThan(11)
  })

  it('a hash page with a garbled item index is reported, not thrown', () => {
    const buf = Buffer.from(full)
    for (let p = 1; p * PAGE < buf.length; p++) {
      if (buf[p * PAGE + 25] === 13 && buf.readUInt16LE(p * PAGE + 20) > 0) buf.writeUInt16LE(3, p * PAGE + 26)
    }
    const db = readBerkeleyDb(buf)
    expect(db.errors.length).toBeGreaterThan(0)
  })

  it('a page whose type byte is garbled is reported, the other records are read', () => {
    const buf = Buffer.from(full)
    buf[1 * PAGE + 25] = 0xee // page 1 is a hash bucket page
    const db = readRpmdb(buf)
    expect(db.errors).toEqual(['page 1 has unknown type 238; skipped'])
    expect(db.packages.length).toBeGreaterThan(0)
    expect(db.packages.length).toBeLessThan(11)
  })

  it('wrong magic or a tiny file: one error', () => {
    expect(readBerkeleyDb(Buffer.alloc(8192)).errors).toEqual(['not a Berkeley DB hash or btree file (bad magic)'])
    expect(readBerkeleyDb(full.subarray(0, 100)).errors[0]).toMatch(/too short/)
    const badPage = Buffer.from(full)
    badPage.writeUInt32LE(3000, 20)
    expect(readBerkeleyDb(badPage).errors[0]).toMatch(/bad page size/)
  })
})

/** Inverts one byte (noUncheckedIndexedAccess makes `b[i] ^= x` a type error). */
function flip(b: Buffer, i: number, mask = 0xff): void {
  b.writeUInt8(b.readUInt8(i) ^ mask, i)
}

describe('ndb Packages.db (constructed per rpmpkg.c: no real ndb file can be written here)', () => {
  const blobs = () => {
    const db = openFixtureSqlite()
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as { hnum: number; blob: Buffer }[]
    db.close()
    return rows.map((r) => ({ pkgidx: r.hnum, blob: r.blob }))
  }

  it('reads every package of the Rocky 9 headers laid out as ndb', () => {
    const file = buildNdb(blobs())
    expect(detectRpmdbFormat(file)).toBe('ndb')
    const db = readRpmdb(file)
    expect(db.errors).toEqual([])
    expectMatchesTruth(db.packages, loadExpected('sqlite'))
  })

  it('two slot pages, free slots in between', () => {
    const b = blobs()
    const file = buildNdb(b, { slotPages: 2 })
    // free the third slot: blkoff 0 means unused
    file.writeUInt32LE(0, 4 * 16 + 8)
    const db = readNdb(file)
    expect(db.errors).toEqual([])
    expect(db.records).toHaveLength(b.length - 1)
  })

  it('a blob with a bad checksum, a slot past the end of the file, a truncated file', () => {
    const b = blobs()
    const file = buildNdb(b)
    const slot0 = 2 * 16
    const blkoff = file.readUInt32LE(slot0 + 8)
    flip(file, blkoff * 16 + 100) // a byte inside the first blob
    file.writeUInt32LE(0x7fffffff, 3 * 16 + 8) // second slot → far past the end
    const db = readNdb(file)
    expect(db.records).toHaveLength(b.length - 2)
    expect(db.errors.join('\n')).toMatch(/checksum mismatch/)
    expect(db.errors.join('\n')).toMatch(/runs past the end/)

    const cut = readNdb(buildNdb(b).subarray(0, 4096 + 3000))
    expect(cut.records.length).toBeGreaterThan(0)
    expect(cut.records.length).toBeLessThan(b.length)
    expect(cut.errors.length).toBeGreaterThan(0)
  })

  it('bad magic or version: one error', () => {
    expect(readNdb(Buffer.alloc(64)).errors[0]).toMatch(/bad magic/)
    const file = buildNdb([])
    file.writeUInt32LE(1, 4)
    expect(readNdb(file).errors[0]).toMatch(/version 1/)
  })
})
