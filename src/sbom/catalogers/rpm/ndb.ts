/**
 * SUSE's ndb `Packages.db` (rpm's lib/backend/ndb/rpmpkg.c), all integers little-endian:
 *
 * - a 32-byte header {magic 'RpmP', version 0, generation, slot page count, next pkgidx, …} that
 *   occupies the first two 16-byte slots of the first slot page;
 * - `slotnpages` 4 KiB slot pages of 16-byte slots {magic 'Slot', pkgidx, blkoff, blkcnt}; blkoff 0
 *   marks a free slot;
 * - blobs addressed in 16-byte blocks: head {magic 'BlbS', pkgidx, timestamp, length}, the header blob,
 *   zero padding, tail {adler32 of head + blob + padding, length, magic 'BlbE'}.
 */

import type { DbReadResult, DbRecord } from './types.js'

const fourcc = (s: string): number =>
  (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0
const HEADER_MAGIC = fourcc('RpmP')
const SLOT_MAGIC = fourcc('Slot')
const BLOBHEAD_MAGIC = fourcc('BlbS')
const BLOBTAIL_MAGIC = fourcc('BlbE')
const SLOT_PAGE = 4096
const SLOT_SIZE = 16
const BLK_SIZE = 16
const HEAD_SIZE = 16
const TAIL_SIZE = 12
const HEADER_SLOTS = 2
/** rpm never gets near this; it bounds the slot scan of a garbled header. */
const MAX_SLOT_PAGES = 1 << 16

export function isNdb(buf: Uint8Array): boolean {
  return buf.length >= 4 && new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, true) === HEADER_MAGIC
}

export function readNdb(buf: Uint8Array): DbReadResult {
  const records: DbRecord[] = []
  const errors: string[] = []
  if (buf.length < 32 || !isNdb(buf)) return { records, errors: ['not an ndb Packages.db (bad magic)'] }
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const version = v.getUint32(4, true)
  if (version !== 0) return { records, errors: [`unsupported ndb version ${version}`] }
  let slotPages = v.getUint32(12, true)
  if (slotPages === 0 || slotPages > MAX_SLOT_PAGES) return { records, errors: [`bad slot page count ${slotPages}`] }
  if (slotPages * SLOT_PAGE > buf.length) {
    errors.push(`file is truncated: ${slotPages} slot pages declared, ${buf.length} bytes present`)
    slotPages = Math.floor(buf.length / SLOT_PAGE)
  }
  // Blobs live after the slot pages; a slot pointing inside them is corrupt.
  const firstBlobBlock = slotPages * (SLOT_PAGE / BLK_SIZE)
  const fileBlocks = Math.floor(buf.length / BLK_SIZE)
  const slotCount = slotPages * (SLOT_PAGE / SLOT_SIZE)
  const badSlots: number[] = []
  for (let slot = HEADER_SLOTS; slot < slotCount; slot++) {
    const p = slot * SLOT_SIZE
    // rpm gives up on the whole file here; going on is safe because a blob is only taken when its own
    // head, tail and checksum agree with the slot.
    if (v.getUint32(p, true) !== SLOT_MAGIC) {
      badSlots.push(slot)
      continue
    }
    const pkgidx = v.getUint32(p + 4, true)
    const blkoff = v.getUint32(p + 8, true)
    const blkcnt = v.getUint32(p + 12, true)
    if (blkoff === 0) continue
    const err = (msg: string) => errors.push(`package ${pkgidx} (slot ${slot}): ${msg}`)
    if (pkgidx === 0 || blkcnt === 0 || blkoff < firstBlobBlock) {
      err(`bad slot (blkoff ${blkoff}, blkcnt ${blkcnt})`)
      continue
    }
    if (blkoff + blkcnt > fileBlocks) {
      err(`blob at block ${blkoff} (+${blkcnt}) runs past the end of the file`)
      continue
    }
    const start = blkoff * BLK_SIZE
    if (v.getUint32(start, true) !== BLOBHEAD_MAGIC || v.getUint32(start + 4, true) !== pkgidx) {
      err('blob head does not match the slot')
      continue
    }
    const len = v.getUint32(start + 12, true)
    if (blkcnt !== Math.ceil((HEAD_SIZE + len + TAIL_SIZE) / BLK_SIZE)) {
      err(`blob length ${len} does not fit its ${blkcnt} blocks`)
      continue
    }
    const tail = start + blkcnt * BLK_SIZE - TAIL_SIZE
    if (v.getUint32(tail + 4, true) !== len || v.getUint32(tail + 8, true) !== BLOBTAIL_MAGIC) {
      err('blob tail is damaged')
      continue
    }
    if (adler32(buf.subarray(start, tail)) !== v.getUint32(tail, true)) {
      err('blob checksum mismatch')
      continue
    }
    records.push({ id: pkgidx, blob: buf.subarray(start + HEAD_SIZE, start + HEAD_SIZE + len) })
  }
  if (badSlots.length > 0) errors.push(`${badSlots.length} slot(s) with a bad magic, first ${badSlots[0]}`)
  records.sort((a, b) => a.id - b.id)
  return { records, errors }
}

/** RFC 1950's checksum, as rpmpkg.c computes it over a blob's head, data and padding. */
export function adler32(data: Uint8Array): number {
  let a = 1
  let b = 0
  const MOD = 65521
  // 5552 bytes is the most that can be summed before b can overflow 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 5552, data.length)
    for (; i < end; i++) {
      a += data[i] as number
      b += a
    }
    a %= MOD
    b %= MOD
  }
  return ((b << 16) | a) >>> 0
}
