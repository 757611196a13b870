/**
 * A reader for the Berkeley DB files rpm < 4.16 kept its `Packages` database in (hash access method,
 * db 4.x/5.x; btree leaf pages too), working on an in-memory Buffer. It walks the pages in file order
 * rather than following the hash buckets, which finds every live item and survives a damaged bucket
 * chain; overflow chains are followed with loop and bounds checks.
 *
 * Layout (dbinc/db_page.h): page 0 is the metadata page; every page starts with a 26-byte header
 * {lsn[8], pgno u32, prev_pgno u32, next_pgno u32, entries u16, hf_offset u16, level u8, type u8}
 * in the byte order of the machine that created the file.
 */

import type { DbReadResult, DbRecord } from './types.js'

const HASH_MAGIC = 0x061561
const BTREE_MAGIC = 0x053162

const P_HASH_UNSORTED = 2
const P_LBTREE = 5
const P_OVERFLOW = 7
const P_HASHMETA = 8
const P_BTREEMETA = 9
const P_HASH = 13
/** Highest page type of any db 5.x access method (heap pages are 14 and 15). */
const P_PAGETYPE_MAX = 15

const H_KEYDATA = 1
const H_DUPLICATE = 2
const H_OFFPAGE = 3
const H_OFFDUP = 4

const B_KEYDATA = 1
const B_DUPLICATE = 2
const B_OVERFLOW = 3
const B_DELETE = 0x80

const DBMETA_CHKSUM = 0x01
const PAGE_HEADER = 26

/** True when the buffer starts like a Berkeley DB hash or btree file (either byte order). */
export function isBerkeleyDb(buf: Uint8Array): boolean {
  if (buf.length < 16) return false
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  for (const le of [true, false]) {
    const magic = v.getUint32(12, le)
    if (magic === HASH_MAGIC || magic === BTREE_MAGIC) return true
  }
  return false
}

class BdbError extends Error {}

interface Geometry {
  v: DataView
  le: boolean
  pageSize: number
  pageCount: number
  /** Offset of the item index on a page: 26, or 32 when pages carry checksums. */
  overhead: number
}

/**
 * Every key/value pair of an rpm `Packages` Berkeley DB. Keys are rpm's 4-byte header numbers (in the
 * byte order of the host that wrote them, which is the file's); key 0 is skipped because old rpm versions
 * kept a bookkeeping record there. Damage is reported per item; what can be read is returned.
 */
export function readBerkeleyDb(buf: Uint8Array): DbReadResult {
  const records: DbRecord[] = []
  const errors: string[] = []
  if (buf.length < 512) return { records, errors: [`file of ${buf.length} bytes is too short for a Berkeley DB`] }
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let le: boolean
  let magic = v.getUint32(12, true)
  if (magic === HASH_MAGIC || magic === BTREE_MAGIC) le = true
  else {
    magic = v.getUint32(12, false)
    if (magic !== HASH_MAGIC && magic !== BTREE_MAGIC) {
      return { records, errors: ['not a Berkeley DB hash or btree file (bad magic)'] }
    }
    le = false
  }
  const pageSize = v.getUint32(20, le)
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return { records, errors: [`bad page size ${pageSize}`] }
  }
  if (v.getUint8(24) !== 0) return { records, errors: ['encrypted Berkeley DB files are not supported'] }
  const metaType = v.getUint8(25)
  const isHash = magic === HASH_MAGIC
  if (metaType !== (isHash ? P_HASHMETA : P_BTREEMETA)) {
    return { records, errors: [`metadata page has type ${metaType}, not a ${isHash ? 'hash' : 'btree'} meta page`] }
  }
  const lastPage = v.getUint32(32, le)
  const whole = Math.floor(buf.length / pageSize)
  let pageCount = lastPage + 1
  if (pageCount > whole) {
    errors.push(
      `file is truncated: the metadata names ${pageCount} pages of ${pageSize} bytes, ${buf.length} bytes present`,
    )
    pageCount = whole
  }
  // With checksums, 6 more bytes (padding + 4-byte checksum) sit between the page header and the index.
  const overhead = v.getUint8(26) & DBMETA_CHKSUM ? PAGE_HEADER + 6 : PAGE_HEADER
  const g: Geometry = { v, le, pageSize, pageCount, overhead }

  for (let pgno = 1; pgno < pageCount; pgno++) {
    const base = pgno * pageSize
    const type = v.getUint8(base + 25)
    const wanted = isHash ? type === P_HASH || type === P_HASH_UNSORTED : type === P_LBTREE
    if (!wanted) {
      // Any other known type holds no records (overflow, internal, free pages); an unknown one is a page
      // whose header is damaged, and whatever records it held are lost, so say so.
      if (type > P_PAGETYPE_MAX) errors.push(`page ${pgno} has unknown type ${type}; skipped`)
      continue
    }
    if (v.getUint32(base + 8, le) !== pgno) {
      errors.push(`page ${pgno} claims to be page ${v.getUint32(base + 8, le)}; skipped`)
      continue
    }
    try {
      if (isHash) readHashPage(g, buf, pgno, records, errors)
      else readBtreeLeaf(g, buf, pgno, records, errors)
    } catch (e) {
      errors.push(`page ${pgno}: ${(e as Error).message}`)
    }
  }
  return { records, errors }
}

/** Byte offsets of a page's items, checked to lie inside the page past the index array. */
function itemOffsets(g: Geometry, pgno: number): number[] {
  const base = pgno * g.pageSize
  const n = g.v.getUint16(base + 20, g.le)
  const firstFree = g.overhead + n * 2
  if (firstFree > g.pageSize) throw new BdbError(`${n} items do not fit in the page`)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const off = g.v.getUint16(base + g.overhead + i * 2, g.le)
    if (off < firstFree || off >= g.pageSize) throw new BdbError(`item ${i} at offset ${off} is outside the page`)
    out.push(off)
  }
  return out
}

function readHashPage(g: Geometry, buf: Uint8Array, pgno: number, records: DbRecord[], errors: string[]): void {
  const base = pgno * g.pageSize
  const offs = itemOffsets(g, pgno)
  if (offs.length % 2 !== 0) throw new BdbError(`odd number of items (${offs.length}) on a hash page`)
  // Items are packed downwards from the end of the page in index order, so an item ends where the
  // previous one starts (LEN_HITEM); the first ends at the page end.
  const item = (i: number): Uint8Array => {
    const start = offs[i] as number
    const end = i === 0 ? g.pageSize : (offs[i - 1] as number)
    if (end <= start) throw new BdbError(`item ${i} has no length`)
    return buf.subarray(base + start, base + end)
  }
  for (let i = 0; i < offs.length; i += 2) {
    let key: Uint8Array
    try {
      key = hashItem(g, buf, item(i))
    } catch (e) {
      errors.push(`page ${pgno} key ${i / 2}: ${(e as Error).message}`)
      continue
    }
    const id = keyNumber(g, key)
    if (id === 0) continue
    try {
      records.push({ id: id ?? -1, blob: hashItem(g, buf, item(i + 1)) })
    } catch (e) {
      errors.push(`page ${pgno} record ${id ?? '?'}: ${(e as Error).message}`)
    }
  }
}

function hashItem(g: Geometry, buf: Uint8Array, it: Uint8Array): Uint8Array {
  const type = it[0]
  switch (type) {
    case H_KEYDATA:
      return it.subarray(1)
    case H_OFFPAGE: {
      if (it.length < 12) throw new BdbError('short off-page item')
      const dv = new DataView(it.buffer, it.byteOffset, it.byteLength)
      return overflow(g, buf, dv.getUint32(4, g.le), dv.getUint32(8, g.le))
    }
    case H_DUPLICATE:
    case H_OFFDUP:
      throw new BdbError('duplicate items are not used by rpm and not supported')
    default:
      throw new BdbError(`unknown hash item type ${type}`)
  }
}

function readBtreeLeaf(g: Geometry, buf: Uint8Array, pgno: number, records: DbRecord[], errors: string[]): void {
  const base = pgno * g.pageSize
  const offs = itemOffsets(g, pgno)
  if (offs.length % 2 !== 0) throw new BdbError(`odd number of items (${offs.length}) on a btree leaf`)
  const item = (i: number): Uint8Array | undefined => {
    const start = base + (offs[i] as number)
    const typeByte = buf[start + 2] as number
    if (typeByte & B_DELETE) return undefined
    const type = typeByte & ~B_DELETE
    if (type === B_KEYDATA) {
      const len = g.v.getUint16(start, g.le)
      if ((offs[i] as number) + 3 + len > g.pageSize) throw new BdbError(`item ${i} runs past the page`)
      return buf.subarray(start + 3, start + 3 + len)
    }
    if (type === B_OVERFLOW) {
      if ((offs[i] as number) + 12 > g.pageSize) throw new BdbError(`item ${i} runs past the page`)
      return overflow(g, buf, g.v.getUint32(start + 4, g.le), g.v.getUint32(start + 8, g.le))
    }
    if (type === B_DUPLICATE) throw new BdbError('duplicate items are not used by rpm and not supported')
    throw new BdbError(`unknown btree item type ${type}`)
  }
  for (let i = 0; i < offs.length; i += 2) {
    let key: Uint8Array | undefined
    try {
      key = item(i)
    } catch (e) {
      errors.push(`page ${pgno} key ${i / 2}: ${(e as Error).message}`)
      continue
    }
    if (!key) continue
    const id = keyNumber(g, key)
    if (id === 0) continue
    try {
      const blob = item(i + 1)
      if (blob) records.push({ id: id ?? -1, blob })
    } catch (e) {
      errors.push(`page ${pgno} record ${id ?? '?'}: ${(e as Error).message}`)
    }
  }
}

function keyNumber(g: Geometry, key: Uint8Array): number | undefined {
  if (key.length !== 4) return undefined
  return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, g.le)
}

/**
 * Concatenates an overflow chain. Each overflow page holds OV_LEN (= hf_offset) bytes after the page
 * header and links to the next by next_pgno; 0 ends the chain. The total must equal the referencing
 * item's length.
 */
function overflow(g: Geometry, buf: Uint8Array, first: number, total: number): Uint8Array {
  if (total > g.pageCount * g.pageSize) throw new BdbError(`overflow item of ${total} bytes is larger than the file`)
  const out = new Uint8Array(total)
  const seen = new Set<number>()
  let filled = 0
  let pgno = first
  while (pgno !== 0) {
    if (pgno >= g.pageCount) throw new BdbError(`overflow chain points to page ${pgno}, past the end of the file`)
    if (seen.has(pgno)) throw new BdbError(`overflow chain loops at page ${pgno}`)
    seen.add(pgno)
    const base = pgno * g.pageSize
    const type = g.v.getUint8(base + 25)
    if (type !== P_OVERFLOW) throw new BdbError(`overflow chain reaches page ${pgno} of type ${type}`)
    const len = g.v.getUint16(base + 22, g.le)
    if (len > g.pageSize - g.overhead) throw new BdbError(`overflow page ${pgno} claims ${len} bytes`)
    if (filled + len > total) throw new BdbError(`overflow chain holds more than the item's ${total} bytes`)
    out.set(buf.subarray(base + g.overhead, base + g.overhead + len), filled)
    filled += len
    pgno = g.v.getUint32(base + 16, g.le)
  }
  if (filled !== total) throw new BdbError(`overflow chain ends after ${filled} of ${total} bytes`)
  return out
}
