/**
 * SQLite write-ahead logs (https://sqlite.org/fileformat2.html#walformat). rpm runs its sqlite database in
 * WAL mode; a build that ends without a checkpoint leaves committed transactions only in
 * `rpmdb.sqlite-wal`, so the main file alone can miss recently installed packages. An in-memory image
 * cannot attach a WAL, so the committed frames are copied onto the pages here, as a checkpoint would.
 *
 * Layout: a 32-byte header {magic 0x377f0682|0x377f0683, version, page size, checkpoint seq, salt-1,
 * salt-2, checksum-1, checksum-2}, then frames of a 24-byte header {page number, database size in pages
 * after commit (0 if not a commit frame), salt-1, salt-2, checksum-1, checksum-2} and one page of data.
 * A frame is valid when its salts match the header's and the running checksum (over the header's first
 * 24 bytes, then each frame's first 8 header bytes and its page) matches; only frames up to the last valid
 * commit frame count.
 */

const WAL_HEADER = 32
const FRAME_HEADER = 24

export interface WalResult {
  /** The database image with the committed frames applied (the input itself when there were none). */
  image: Uint8Array
  /** Committed frames applied. */
  frames: number
  errors: string[]
}

export function applyWal(db: Uint8Array, wal: Uint8Array): WalResult {
  const none = (errors: string[] = []): WalResult => ({ image: db, frames: 0, errors })
  // An empty or header-only WAL is the normal state after a clean close or a checkpoint.
  if (wal.length <= WAL_HEADER) return none()
  const w = new DataView(wal.buffer, wal.byteOffset, wal.byteLength)
  const magic = w.getUint32(0)
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return none(['bad magic; ignored'])
  // The low bit of the magic says in which byte order the checksums were computed.
  const bigEndian = (magic & 1) === 1
  const pageSize = w.getUint32(8)
  const dbPageSize = db.length >= 18 ? new DataView(db.buffer, db.byteOffset, db.byteLength).getUint16(16) : 0
  if (pageSize !== (dbPageSize === 1 ? 65536 : dbPageSize)) {
    return none([`page size ${pageSize} differs from the database's; ignored`])
  }
  const salt1 = w.getUint32(16)
  const salt2 = w.getUint32(20)
  let [s0, s1] = checksum(w, 0, 24, 0, 0, bigEndian)
  if (s0 !== w.getUint32(24) || s1 !== w.getUint32(28)) return none(['header checksum mismatch; ignored'])

  let lastCommitEnd = 0
  let dbPages = 0
  const frameSize = FRAME_HEADER + pageSize
  for (let off = WAL_HEADER; off + frameSize <= wal.length; off += frameSize) {
    if (w.getUint32(off + 8) !== salt1 || w.getUint32(off + 12) !== salt2) break
    ;[s0, s1] = checksum(w, off, 8, s0, s1, bigEndian)
    ;[s0, s1] = checksum(w, off + FRAME_HEADER, pageSize, s0, s1, bigEndian)
    if (s0 !== w.getUint32(off + 16) || s1 !== w.getUint32(off + 20) || w.getUint32(off) === 0) break
    const commitSize = w.getUint32(off + 4)
    if (commitSize !== 0) {
      lastCommitEnd = off + frameSize
      dbPages = commitSize
    }
  }
  if (lastCommitEnd === 0) return none()
  // Later frames for a page supersede earlier ones.
  const pages = new Map<number, number>()
  for (let off = WAL_HEADER; off < lastCommitEnd; off += frameSize) pages.set(w.getUint32(off), off + FRAME_HEADER)
  const image = new Uint8Array(dbPages * pageSize)
  image.set(db.subarray(0, Math.min(db.length, image.length)))
  for (const [pgno, dataOff] of pages) {
    if (pgno > dbPages) continue
    image.set(wal.subarray(dataOff, dataOff + pageSize), (pgno - 1) * pageSize)
  }
  return { image, frames: (lastCommitEnd - WAL_HEADER) / frameSize, errors: [] }
}

/** SQLite's WAL checksum: over 32-bit word pairs, s0 += x0 + s1, s1 += x1 + s0 (mod 2^32). */
function checksum(v: DataView, off: number, len: number, s0: number, s1: number, bigEndian: boolean): [number, number] {
  for (let i = off; i < off + len; i += 8) {
    s0 = (s0 + v.getUint32(i, !bigEndian) + s1) >>> 0
    s1 = (s1 + v.getUint32(i + 4, !bigEndian) + s0) >>> 0
  }
  return [s0, s1]
}
