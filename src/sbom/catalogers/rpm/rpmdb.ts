import { isBerkeleyDb, readBerkeleyDb } from './bdb.js'
import { type ParseOptions, parseRpmHeader, type RpmPackageInfo } from './header.js'
import { isNdb, readNdb } from './ndb.js'
import { isSqlite, readSqliteRpmdb } from './sqlite.js'
import type { DbReadResult } from './types.js'

export type RpmdbFormat = 'sqlite' | 'bdb' | 'ndb'

/** By content, not by file name: a file called `Packages` has been BDB or (on some SUSE builds) ndb. */
export function detectRpmdbFormat(buf: Uint8Array): RpmdbFormat | undefined {
  if (isSqlite(buf)) return 'sqlite'
  if (isNdb(buf)) return 'ndb'
  if (isBerkeleyDb(buf)) return 'bdb'
  return undefined
}

/** The raw header blobs of any supported rpm database. */
export interface ReadOptions extends ParseOptions {
  /** For an sqlite database: the content of its `-wal` file, if the image has one. */
  wal?: Uint8Array
}

export function readRpmdbRecords(
  buf: Uint8Array,
  opts: ReadOptions = {},
): DbReadResult & { format: RpmdbFormat | undefined } {
  const format = detectRpmdbFormat(buf)
  try {
    return readAs(format, buf, opts)
  } catch (e) {
    // The readers report damage as errors; this only catches their own bugs, without losing the scan.
    return { format, records: [], errors: [`reader failed: ${(e as Error).message}`] }
  }
}

function readAs(
  format: RpmdbFormat | undefined,
  buf: Uint8Array,
  opts: ReadOptions,
): DbReadResult & { format: RpmdbFormat | undefined } {
  switch (format) {
    case 'sqlite':
      return { format, ...readSqliteRpmdb(buf, opts.wal) }
    case 'ndb':
      return { format, ...readNdb(buf) }
    case 'bdb':
      return { format, ...readBerkeleyDb(buf) }
    default:
      return { format, records: [], errors: ['not an rpm database this reader knows (sqlite, Berkeley DB, ndb)'] }
  }
}

export interface RpmdbPackage extends RpmPackageInfo {
  /** The database's number for the record (sqlite hnum, BDB key, ndb pkgidx). */
  dbId: number
}

export interface RpmdbContents {
  format: RpmdbFormat | undefined
  packages: RpmdbPackage[]
  /** Damage met: whole-file problems and one entry per unreadable record. */
  errors: string[]
  /** sqlite only: committed transactions taken from the `-wal` file. */
  walFrames?: number
}

/** Every package header in an rpm database, gpg-pubkey pseudo packages included; never throws. */
export function readRpmdb(buf: Uint8Array, opts: ReadOptions = {}): RpmdbContents {
  const { format, records, errors, walFrames } = readRpmdbRecords(buf, opts)
  const packages: RpmdbPackage[] = []
  for (const r of records) {
    try {
      packages.push({ ...parseRpmHeader(r.blob, opts), dbId: r.id })
    } catch (e) {
      errors.push(`record ${r.id}: ${(e as Error).message}`)
    }
  }
  return walFrames ? { format, packages, errors, walFrames } : { format, packages, errors }
}
