import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readBerkeleyDb, readRpmdb, readRpmdbRecords } from '../../../src/sbom/catalogers/rpm/index.js'
import { fixtureFile, fixturesDir } from './helpers.js'

/**
 * Cross-check against rpm itself (Debian's rpm 4.18: sqlite read/write, Berkeley DB read-only through
 * bdb_ro; no ndb). Each query runs on a scratch copy, since rpm leaves -shm/-wal files beside an sqlite db.
 */
const hasRpm = spawnSync('rpm', ['--version'], { encoding: 'utf8' }).status === 0
const scratch: string[] = []
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true })
})

const QF =
  '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{VENDOR}\\t%{LICENSE}\\t%{SIZE}\\t[%{FILENAMES}|]\\n'

function rpmQuery(fixture: string, backend: string): string[] {
  const root = mkdtempSync(join(tmpdir(), 'shipshape-rpm-oracle-'))
  scratch.push(root)
  cpSync(join(fixturesDir, fixture, 'rootfs'), root, { recursive: true })
  const r = spawnSync(
    'rpm',
    ['--root', root, '--dbpath', '/var/lib/rpm', '--define', `_db_backend ${backend}`, '-qa', '--qf', QF],
    { encoding: 'utf8' },
  )
  expect(r.status, r.stderr).toBe(0)
  return r.stdout.split('\n').filter(Boolean).sort()
}

// The test machines install rpm (.ci/run); a missing oracle is a failure, not a skip.
describe('rpm oracle', () => {
  it('rpm is installed', () => expect(hasRpm).toBe(true))
  for (const c of [
    { fixture: 'sqlite', path: 'var/lib/rpm/rpmdb.sqlite', backend: 'sqlite' },
    { fixture: 'bdb', path: 'var/lib/rpm/Packages', backend: 'bdb_ro' },
    { fixture: 'bdb-be16k', path: 'var/lib/rpm/Packages', backend: 'bdb_ro' },
    { fixture: 'bdb-p512', path: 'var/lib/rpm/Packages', backend: 'bdb_ro' },
    { fixture: 'bdb-btree', path: 'var/lib/rpm/Packages', backend: 'bdb_ro' },
  ]) {
    it(`${c.fixture}: same fields, epochs and per-package file lists as rpm -qa`, () => {
      const want = rpmQuery(c.fixture, c.backend)
      const db = readRpmdb(fixtureFile(c.fixture, c.path))
      expect(db.errors).toEqual([])
      const got = db.packages
        .map((p) =>
          [
            p.name,
            p.epoch ?? '(none)',
            p.version,
            p.release,
            p.arch ?? '(none)',
            p.sourceRpm ?? '(none)',
            p.vendor ?? '(none)',
            p.license ?? '(none)',
            p.size ?? '(none)',
            p.files.map((f) => `${f}|`).join(''),
          ].join('\t'),
        )
        .sort()
      expect(got).toEqual(want)
    })
  }
})

/**
 * Bigger Berkeley DB files than the fixtures (thousands of records: many bucket pages, btree internal
 * pages), written by Berkeley DB's own db5.3_load from the real headers, so the page walk is checked on
 * layouts we did not construct ourselves.
 */
const hasDbLoad = spawnSync('db5.3_load', ['-V'], { encoding: 'utf8' }).status === 0

describe('db5.3_load oracle', () => {
  it('db5.3_load is installed', () => expect(hasDbLoad).toBe(true))
  const headers = readRpmdbRecords(fixtureFile('bdb', 'var/lib/rpm/Packages')).records.map((r) => Buffer.from(r.blob))
  const N = 3000
  for (const c of [
    { type: 'hash', pagesize: 4096, lorder: 1234 },
    { type: 'hash', pagesize: 1024, lorder: 4321 },
    { type: 'hash', pagesize: 65536, lorder: 1234 },
    { type: 'btree', pagesize: 4096, lorder: 1234 },
    { type: 'btree', pagesize: 512, lorder: 4321 },
  ]) {
    it(`${N} records, ${c.type} ${c.pagesize}-byte pages, lorder ${c.lorder}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'shipshape-rpm-dbload-'))
      scratch.push(dir)
      const lines = ['VERSION=3', 'format=bytevalue', `type=${c.type}`, `db_pagesize=${c.pagesize}`]
      lines.push(`db_lorder=${c.lorder}`, 'HEADER=END')
      const key = Buffer.alloc(4)
      for (let i = 1; i <= N; i++) {
        if (c.lorder === 1234) key.writeUInt32LE(i)
        else key.writeUInt32BE(i)
        lines.push(` ${key.toString('hex')}`, ` ${(headers[i % headers.length] as Buffer).toString('hex')}`)
      }
      lines.push('DATA=END', '')
      writeFileSync(join(dir, 'dump'), lines.join('\n'))
      const r = spawnSync('db5.3_load', ['-f', join(dir, 'dump'), join(dir, 'Packages')], { encoding: 'utf8' })
      expect(r.status, r.stderr).toBe(0)
      const db = readBerkeleyDb(readFileSync(join(dir, 'Packages')))
      expect(db.errors).toEqual([])
      expect(db.records).toHaveLength(N)
      const ids = db.records.map((x) => x.id).sort((a, b) => a - b)
      expect(ids).toEqual(Array.from({ length: N }, (_, i) => i + 1))
      for (const rec of db.records)
        expect(Buffer.from(rec.blob).equals(headers[rec.id % headers.length] as Buffer)).toBe(true)
    })
  }
})
