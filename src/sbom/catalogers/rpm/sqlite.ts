/**
 * rpm >= 4.16's `rpmdb.sqlite`: table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, one header blob
 * per installed package. Opened from memory (sqlite3_deserialize through better-sqlite3), never from disk.
 */

import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import type { DbReadResult, DbRecord } from './types.js'
import { applyWal } from './wal.js'

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1')
/** Upper bound on rowids probed one by one when a table scan breaks on a damaged page. */
const MAX_PROBE = 1_000_000
/** The cataloger's per-file cap: a header declaring more than this is garbage, not a truncated rpmdb. */
const MAX_IMAGE = 256 * 1024 * 1024

let databaseCtor: typeof BetterSqlite3 | undefined
function openDatabase(buf: Buffer): BetterSqlite3.Database {
  // Loaded on first use: the native addon is only needed for images that have an sqlite rpmdb.
  databaseCtor ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3
  return new databaseCtor(buf, { readonly: true })
}

export function isSqlite(buf: Uint8Array): boolean {
  return buf.length >= 16 && Buffer.from(buf.buffer, buf.byteOffset, 16).equals(MAGIC)
}

/** Reads the Packages table; `wal` is the `-wal` file beside it, whose committed transactions count too. */
export function readSqliteRpmdb(file: Uint8Array, wal?: Uint8Array): DbReadResult {
  const errors: string[] = []
  const records: DbRecord[] = []
  if (file.length < 100 || !isSqlite(file)) return { records, errors: ['not an SQLite database'] }
  let input = file
  let walFrames: number | undefined
  if (wal) {
    const applied = applyWal(file, wal)
    input = applied.image
    walFrames = applied.frames
    errors.push(...applied.errors.map((e) => `WAL: ${e}`))
  }
  let db: BetterSqlite3.Database
  try {
    db = openImage(input, errors)
  } catch (e) {
    return { records, errors: [...errors, `cannot open: ${(e as Error).message}`] }
  }
  try {
    const seen = new Set<number>()
    const take = (hnum: unknown, blob: unknown): void => {
      if (typeof hnum !== 'number' || !Number.isInteger(hnum) || hnum <= 0) {
        errors.push(`row with invalid hnum ${String(hnum)} skipped`)
        return
      }
      if (seen.has(hnum)) return
      seen.add(hnum)
      if (!(blob instanceof Uint8Array)) errors.push(`record ${hnum}: blob is ${blob === null ? 'NULL' : typeof blob}`)
      else records.push({ id: hnum, blob })
    }
    let scanError: Error | undefined
    try {
      const stmt = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum')
      for (const row of stmt.iterate() as Iterable<{ hnum: unknown; blob: unknown }>) take(row.hnum, row.blob)
    } catch (e) {
      scanError = e as Error
    }
    if (scanError) {
      errors.push(`table scan of Packages failed: ${scanError.message}`)
      probeRowids(db, seen, take, errors)
    }
  } finally {
    db.close()
  }
  records.sort((a, b) => a.id - b.id)
  return walFrames ? { records, errors, walFrames } : { records, errors }
}

/**
 * Opens the file image in SQLite. rpm keeps the database in WAL mode, and an in-memory image marked WAL
 * cannot be opened (there is no shared-memory index), so the header's read/write format bytes are set to
 * the rollback-journal value for the open. better-sqlite3 copies the image while opening, so the patch is
 * made in place and undone right after (synchronously), sparing a second copy of a file that can be large.
 * A truncated file is padded to the page count its header declares: SQLite refuses an image shorter than
 * that outright, while padded it can still read every intact page.
 */
function openImage(input: Uint8Array, errors: string[]): BetterSqlite3.Database {
  const head = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const rawPageSize = head.readUInt16BE(16)
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize
  const declaredPages = head.readUInt32BE(28)
  // The in-header size is only meaningful when the change counter matches the version-valid-for number.
  const sizeValid = declaredPages > 0 && head.readUInt32BE(24) === head.readUInt32BE(92)
  const validPageSize = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0
  const declared = declaredPages * pageSize
  let image = head
  if (sizeValid && validPageSize && declared > input.length) {
    if (declared > MAX_IMAGE) errors.push(`header declares ${declared} bytes, file has ${input.length}; not padded`)
    else {
      errors.push(`file is truncated: ${input.length} of ${declared} bytes present`)
      image = Buffer.alloc(declared)
      image.set(input)
    }
  }
  const saved = image.readUInt16BE(18)
  if (image[18] === 2) image[18] = 1
  if (image[19] === 2) image[19] = 1
  try {
    return openDatabase(image)
  } finally {
    image.writeUInt16BE(saved, 18)
  }
}

/** Reads records one rowid at a time so that one unreadable b-tree page costs only the rows on it. */
function probeRowids(
  db: BetterSqlite3.Database,
  seen: Set<number>,
  take: (hnum: unknown, blob: unknown) => void,
  errors: string[],
): void {
  let max: number | undefined
  for (const sql of [
    "SELECT seq AS n FROM sqlite_sequence WHERE name = 'Packages'",
    'SELECT max(hnum) AS n FROM Packages',
  ]) {
    try {
      const row = db.prepare(sql).get() as { n: unknown } | undefined
      if (typeof row?.n === 'number') {
        max = row.n
        break
      }
    } catch {
      // try the next way of finding the highest package number
    }
  }
  if (max === undefined) {
    errors.push('cannot tell the highest package number; records past the damage are lost')
    return
  }
  let stmt: BetterSqlite3.Statement
  try {
    stmt = db.prepare('SELECT hnum, blob FROM Packages WHERE hnum = ?')
  } catch (e) {
    errors.push(`cannot query Packages: ${(e as Error).message}`)
    return
  }
  const lost: number[] = []
  for (let hnum = 1; hnum <= Math.min(max, MAX_PROBE); hnum++) {
    if (seen.has(hnum)) continue
    try {
      const row = stmt.get(hnum) as { hnum: unknown; blob: unknown } | undefined
      if (row) take(row.hnum, row.blob)
    } catch {
      lost.push(hnum)
    }
  }
  if (lost.length > 0) {
    const shown = lost.slice(0, 20).join(', ')
    errors.push(`${lost.length} record(s) unreadable: hnum ${shown}${lost.length > 20 ? ', …' : ''}`)
  }
}
