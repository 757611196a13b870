import { type FileHandle, open } from 'node:fs/promises'
import { inflateRaw, inflateRawSync } from 'node:zlib'
import { ShipshapeError } from './errors.js'

/**
 * A small zip reader: the central directory is read once (End Of Central Directory, ZIP64 locator and
 * record, ZIP64 extra fields), each member's data on demand through its own local header. Stored and deflated
 * members only; CRC-32 checked; sizes capped and inflation bounded by the declared size, so a member that
 * claims 1 KiB cannot inflate to 1 GiB. Archives with data before the zip (self-extracting, launch scripts)
 * are read as the JDK and Go read them.
 */

export interface ZipOptions {
  /** Refuse an archive whose central directory lists more members (default 4,194,304). */
  maxEntries?: number
  /** Refuse to read a member larger than this when inflated (default 256 MiB). */
  maxEntrySize?: number
}

export interface ZipEntry {
  /** The name as stored (UTF-8, or CP437 when neither flagged nor valid UTF-8); see `safeName`. */
  name: string
  /** Inflated size in bytes, as the central directory declares it. */
  size: number
  compressedSize: number
  /** 0 stored, 8 deflated; anything else is refused by `read()`. */
  method: number
  crc32: number
  encrypted: boolean
  isDirectory: boolean
  /** The member's bytes, inflated and CRC-checked. */
  read(): Promise<Buffer>
}

export interface ZipArchive {
  entries: ZipEntry[]
  close(): Promise<void>
}

export const ZIP_DEFAULT_MAX_ENTRIES = 4 * 1024 * 1024
export const ZIP_DEFAULT_MAX_ENTRY_SIZE = 256 * 1024 * 1024

const SIG_EOCD = 0x06054b50
const SIG_ZIP64_LOCATOR = 0x07064b50
const SIG_ZIP64_EOCD = 0x06064b50
const SIG_CENTRAL = 0x02014b50
const SIG_LOCAL = 0x04034b50
const EOCD_SIZE = 22
const ZIP64_LOCATOR_SIZE = 20
const ZIP64_EOCD_SIZE = 56
const CENTRAL_SIZE = 46
const LOCAL_SIZE = 30
const MAX_COMMENT = 0xffff
/** Members at most this big (compressed) inflate on the calling thread; bigger ones in the zlib pool. */
const SYNC_INFLATE_LIMIT = 128 * 1024

// --- CRC-32 (IEEE 802.3, reflected 0xEDB88320), slicing by 8 -------------------------------------------------

const CRC_TABLES: Int32Array[] = (() => {
  const t0 = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t0[n] = c
  }
  const tables = [t0]
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1] as Int32Array
    const t = new Int32Array(256)
    for (let n = 0; n < 256; n++) {
      const p = prev[n] as number
      t[n] = (p >>> 8) ^ (t0[p & 0xff] as number)
    }
    tables.push(t)
  }
  return tables
})()

/** CRC-32 of `data` (continuing from `crc` when given), as zip, gzip and PNG compute it. */
export function crc32(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
  ]
  let c = ~crc
  let i = 0
  const n = data.length
  const end8 = n - (n % 8)
  while (i < end8) {
    const a =
      (c ^
        (data[i] as number) ^
        ((data[i + 1] as number) << 8) ^
        ((data[i + 2] as number) << 16) ^
        ((data[i + 3] as number) << 24)) >>>
      0
    c =
      (t7[a & 0xff] as number) ^
      (t6[(a >>> 8) & 0xff] as number) ^
      (t5[(a >>> 16) & 0xff] as number) ^
      (t4[a >>> 24] as number) ^
      (t3[data[i + 4] as number] as number) ^
      (t2[data[i + 5] as number] as number) ^
      (t1[data[i + 6] as number] as number) ^
      (t0[data[i + 7] as number] as number)
    i += 8
  }
  while (i < n) c = (t0[(c ^ (data[i++] as number)) & 0xff] as number) ^ (c >>> 8)
  return ~c >>> 0
}

// --- names --------------------------------------------------------------------------------------------------

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0'
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

function decodeName(raw: Buffer, utf8Flag: boolean): string {
  if (utf8Flag) return raw.toString('utf8')
  let ascii = true
  for (const b of raw) {
    if (b >= 0x80) {
      ascii = false
      break
    }
  }
  if (ascii) return raw.toString('latin1')
  // Older Java and many tools write UTF-8 without setting bit 11; CP437 is the spec's default otherwise.
  try {
    return utf8Strict.decode(raw)
  } catch {
    let s = ''
    for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]
    return s
  }
}

/**
 * The member's name as a safe relative path (`a/b/c`, `.` and empty segments dropped, no trailing `/`), or
 * undefined when extracting it could escape the target directory: absolute paths, drive letters, `..`
 * segments, backslashes or NUL characters.
 */
export function safeName(entry: ZipEntry | string): string | undefined {
  const name = typeof entry === 'string' ? entry : entry.name
  if (name.includes('\\') || name.includes('\0')) return undefined
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return undefined
  const parts: string[] = []
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') return undefined
    parts.push(seg)
  }
  return parts.length ? parts.join('/') : undefined
}

// --- byte sources -------------------------------------------------------------------------------------------

interface ByteSource {
  readonly size: number
  readonly where: string
  /** Exactly `length` bytes at `position`, or a CORRUPT_ARCHIVE error. */
  readAt(position: number, length: number): Promise<Buffer>
  close(): Promise<void>
}

function corrupt(where: string, message: string, cause?: unknown): ShipshapeError {
  return new ShipshapeError('CORRUPT_ARCHIVE', message, { where, cause })
}

/** Small reads are served from a read-ahead window: members are mostly read in order, and are mostly small. */
const WINDOW = 1024 * 1024

class FileBytes implements ByteSource {
  private closed = false
  private window: { start: number; buf: Buffer } | undefined
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    readonly where: string,
  ) {}

  async readAt(position: number, length: number): Promise<Buffer> {
    if (this.closed) throw new ShipshapeError('INTERNAL', 'zip archive read after close', { where: this.where })
    if (position < 0 || position + length > this.size) {
      throw corrupt(this.where, `zip is truncated: needs bytes ${position}..${position + length} of ${this.size}`)
    }
    const w = this.window
    if (w && position >= w.start && position + length <= w.start + w.buf.length) {
      // A copy: a view would keep the whole window alive for as long as the caller keeps the bytes.
      return Buffer.from(w.buf.subarray(position - w.start, position - w.start + length))
    }
    if (length < WINDOW / 4) {
      const buf = await this.fill(position, Math.min(WINDOW, this.size - position))
      this.window = { start: position, buf }
      return Buffer.from(buf.subarray(0, length))
    }
    return this.fill(position, length)
  }

  private async fill(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, position + done)
      if (bytesRead === 0) throw corrupt(this.where, `zip is truncated: file ended at byte ${position + done}`)
      done += bytesRead
    }
    return buf
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.handle.close()
  }
}

class BufferBytes implements ByteSource {
  readonly size: number
  constructor(
    private readonly buf: Buffer,
    readonly where: string,
  ) {
    this.size = buf.length
  }

  async readAt(position: number, length: number): Promise<Buffer> {
    if (position < 0 || position + length > this.size) {
      throw corrupt(this.where, `zip is truncated: needs bytes ${position}..${position + length} of ${this.size}`)
    }
    return this.buf.subarray(position, position + length)
  }

  async close(): Promise<void> {}
}

// --- the archive --------------------------------------------------------------------------------------------

function u64(buf: Buffer, at: number, where: string): number {
  const v = buf.readBigUInt64LE(at)
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(where, `zip field at ${at} is out of range: ${v}`)
  return Number(v)
}

class Entry implements ZipEntry {
  constructor(
    private readonly archive: Archive,
    readonly name: string,
    readonly size: number,
    readonly compressedSize: number,
    readonly method: number,
    readonly crc32: number,
    private readonly flags: number,
    /** Offset of the local header, already shifted by any data before the zip. */
    private readonly localOffset: number,
    /** The name and extra lengths of the central header: the usual lengths of the local one too. */
    private readonly guessHeaderExtra: number,
  ) {}

  get encrypted(): boolean {
    // Bit 0: traditional or AES encryption; bit 6: strong encryption; method 99: WinZip AES.
    return (this.flags & 0x41) !== 0 || this.method === 99
  }

  get isDirectory(): boolean {
    return this.name.endsWith('/')
  }

  read(): Promise<Buffer> {
    return this.archive.readEntry(this, this.localOffset, this.guessHeaderExtra)
  }
}

class Archive implements ZipArchive {
  entries: ZipEntry[] = []
  constructor(
    readonly bytes: ByteSource,
    readonly maxEntrySize: number,
  ) {}

  close(): Promise<void> {
    return this.bytes.close()
  }

  async readEntry(e: Entry, localOffset: number, guess: number): Promise<Buffer> {
    const where = this.bytes.where
    const what = `zip member ${JSON.stringify(e.name)}`
    if (e.encrypted) throw new ShipshapeError('UNSUPPORTED', `${what} is encrypted`, { where })
    if (e.method !== 0 && e.method !== 8) {
      throw new ShipshapeError('UNSUPPORTED', `${what} uses compression method ${e.method} (only stored and deflate)`, {
        where,
      })
    }
    if (e.size > this.maxEntrySize) {
      throw new ShipshapeError(
        'DECOMPRESSION_BOMB',
        `${what} declares ${e.size} bytes, more than the limit of ${this.maxEntrySize}`,
        { where },
      )
    }
    if (e.method === 0 && e.compressedSize !== e.size) {
      throw corrupt(where, `${what} is stored but its sizes differ (${e.compressedSize} vs ${e.size})`)
    }
    const size = this.bytes.size
    if (localOffset + LOCAL_SIZE > size) throw corrupt(where, `${what}: local header lies past the end of the zip`)
    // One read for header, name, extra and data when the local lengths match the central ones (nearly always).
    const guessLen = Math.min(LOCAL_SIZE + guess + e.compressedSize, size - localOffset)
    let chunk = await this.bytes.readAt(localOffset, guessLen)
    if (chunk.readUInt32LE(0) !== SIG_LOCAL) throw corrupt(where, `${what}: no local header at byte ${localOffset}`)
    const headerLen = LOCAL_SIZE + chunk.readUInt16LE(26) + chunk.readUInt16LE(28)
    const dataStart = localOffset + headerLen
    if (dataStart + e.compressedSize > size) {
      throw corrupt(where, `${what} is truncated: its data ends past the end of the zip`)
    }
    let data: Buffer
    if (headerLen + e.compressedSize <= chunk.length) data = chunk.subarray(headerLen, headerLen + e.compressedSize)
    else {
      chunk = await this.bytes.readAt(dataStart, e.compressedSize)
      data = chunk
    }
    let out: Buffer
    if (e.method === 0) out = data
    else {
      // maxOutputLength bounds the inflation by what the central directory declared: a lie cannot grow it.
      const opts = { maxOutputLength: Math.max(1, e.size) }
      try {
        out =
          e.compressedSize <= SYNC_INFLATE_LIMIT
            ? inflateRawSync(data, opts)
            : await new Promise<Buffer>((resolve, reject) =>
                inflateRaw(data, opts, (err, res) => (err ? reject(err) : resolve(res))),
              )
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new ShipshapeError(
            'DECOMPRESSION_BOMB',
            `${what} inflates to more than the ${e.size} bytes it declares: refusing it`,
            { where },
          )
        }
        throw corrupt(where, `${what} does not inflate: ${(err as Error).message}`, err)
      }
    }
    if (out.length !== e.size) {
      throw corrupt(where, `${what} inflates to ${out.length} bytes but declares ${e.size}`)
    }
    const crc = crc32(out)
    if (crc !== e.crc32) {
      throw corrupt(
        where,
        `${what} fails its CRC-32 check (${crc.toString(16).padStart(8, '0')}, expected ${e.crc32.toString(16).padStart(8, '0')})`,
      )
    }
    return out
  }
}

async function readDirectory(bytes: ByteSource, opts: ZipOptions): Promise<Archive> {
  const where = bytes.where
  const maxEntries = opts.maxEntries ?? ZIP_DEFAULT_MAX_ENTRIES
  const archive = new Archive(bytes, opts.maxEntrySize ?? ZIP_DEFAULT_MAX_ENTRY_SIZE)
  const size = bytes.size
  if (size < EOCD_SIZE) throw corrupt(where, `not a zip: ${size} bytes is too short for an end of central directory`)

  // End Of Central Directory: the last signature whose comment fits in what follows it.
  const tailLen = Math.min(size, EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE)
  const tailStart = size - tailLen
  const tail = await bytes.readAt(tailStart, tailLen)
  let eocdAt = -1
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + EOCD_SIZE + tail.readUInt16LE(i + 20) <= tail.length) {
      eocdAt = i
      break
    }
  }
  if (eocdAt < 0) throw corrupt(where, 'not a zip, or truncated: no end of central directory record')
  const eocdPos = tailStart + eocdAt
  const disk = tail.readUInt16LE(eocdAt + 4)
  const cdDisk = tail.readUInt16LE(eocdAt + 6)
  let total = tail.readUInt16LE(eocdAt + 10)
  let cdSize = tail.readUInt32LE(eocdAt + 12)
  let cdOffset = tail.readUInt32LE(eocdAt + 16)
  let cdEnd = eocdPos
  let zip64 = false

  // ZIP64: a locator right before the EOCD points at the ZIP64 end record, which holds the 64-bit counts.
  if (eocdAt >= ZIP64_LOCATOR_SIZE && tail.readUInt32LE(eocdAt - ZIP64_LOCATOR_SIZE) === SIG_ZIP64_LOCATOR) {
    const locAt = eocdAt - ZIP64_LOCATOR_SIZE
    const recordOffset = u64(tail, locAt + 8, where)
    const locatorPos = eocdPos - ZIP64_LOCATOR_SIZE
    // The record usually sits right before the locator; its stated offset is off when data precedes the zip.
    const candidates = [recordOffset, locatorPos - ZIP64_EOCD_SIZE]
    let rec: Buffer | undefined
    let recPos = -1
    for (const pos of candidates) {
      if (pos < 0 || pos + ZIP64_EOCD_SIZE > locatorPos) continue
      const b = await bytes.readAt(pos, ZIP64_EOCD_SIZE)
      if (b.readUInt32LE(0) === SIG_ZIP64_EOCD) {
        rec = b
        recPos = pos
        break
      }
    }
    if (!rec) throw corrupt(where, 'zip64 end of central directory record is missing')
    total = u64(rec, 32, where)
    cdSize = u64(rec, 40, where)
    cdOffset = u64(rec, 48, where)
    cdEnd = recPos
    zip64 = true
  } else if (disk !== 0 || cdDisk !== 0) {
    throw new ShipshapeError('UNSUPPORTED', 'multi-volume zip archives are not supported', { where })
  }

  if (total > maxEntries) {
    throw new ShipshapeError('DECOMPRESSION_BOMB', `zip lists ${total} members, more than the limit of ${maxEntries}`, {
      where,
    })
  }
  if (cdSize > cdEnd || cdSize < total * CENTRAL_SIZE) {
    throw corrupt(where, `zip central directory size ${cdSize} does not fit ${total} members before byte ${cdEnd}`)
  }
  // Data before the zip (a launcher script, an SFX stub) shifts every offset by the same amount.
  const base = cdEnd - cdSize - cdOffset
  if (base < 0) throw corrupt(where, 'zip central directory offset points past its end record')
  const cdStart = cdEnd - cdSize
  if (total > 0 || cdSize > 0) {
    const sig = (await bytes.readAt(cdStart, 4)).readUInt32LE(0)
    if (sig !== SIG_CENTRAL) throw corrupt(where, `no central directory at byte ${cdStart}`)
  }
  const cd = await bytes.readAt(cdStart, cdSize)

  let p = 0
  let index = 0
  /** Each member's local header offset and the least its header and data can span. */
  const spans: [number, number][] = []
  while (p < cd.length) {
    if (p + CENTRAL_SIZE > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) {
      throw corrupt(where, `zip central directory entry ${index} is damaged (byte ${cdStart + p})`)
    }
    const flags = cd.readUInt16LE(p + 8)
    const method = cd.readUInt16LE(p + 10)
    const crc = cd.readUInt32LE(p + 16)
    let csize = cd.readUInt32LE(p + 20)
    let usize = cd.readUInt32LE(p + 24)
    const nameLen = cd.readUInt16LE(p + 28)
    const extraLen = cd.readUInt16LE(p + 30)
    const commentLen = cd.readUInt16LE(p + 32)
    let offset = cd.readUInt32LE(p + 42)
    const nameAt = p + CENTRAL_SIZE
    const extraAt = nameAt + nameLen
    const next = extraAt + extraLen + commentLen
    if (next > cd.length) throw corrupt(where, `zip central directory entry ${index} is truncated`)
    const rawName = cd.subarray(nameAt, extraAt)
    let name: string | undefined
    // Extra fields: ZIP64 sizes/offset (0x0001) and Info-ZIP's Unicode path (0x7075).
    let x = extraAt
    const xEnd = extraAt + extraLen
    while (x + 4 <= xEnd) {
      const id = cd.readUInt16LE(x)
      const len = cd.readUInt16LE(x + 2)
      const body = x + 4
      if (body + len > xEnd) break
      if (id === 0x0001) {
        let q = body
        const take = (field: string): number => {
          if (q + 8 > body + len) throw corrupt(where, `zip member ${index}: zip64 extra field lacks the ${field}`)
          const v = u64(cd, q, where)
          q += 8
          return v
        }
        if (usize === 0xffffffff) usize = take('size')
        if (csize === 0xffffffff) csize = take('compressed size')
        if (offset === 0xffffffff) offset = take('offset')
      } else if (id === 0x7075 && len >= 5 && cd[body] === 1) {
        if (cd.readUInt32LE(body + 1) === crc32(rawName)) name = cd.subarray(body + 5, body + len).toString('utf8')
      }
      x = body + len
    }
    name ??= decodeName(rawName, (flags & 0x800) !== 0)
    const localOffset = offset + base
    if (localOffset + LOCAL_SIZE > cdStart) {
      throw corrupt(where, `zip member ${JSON.stringify(name)}: local header offset ${offset} lies past the data`)
    }
    archive.entries.push(new Entry(archive, name, usize, csize, method, crc, flags, localOffset, nameLen + extraLen))
    spans.push([localOffset, localOffset + LOCAL_SIZE + nameLen + csize])
    index++
    if (index > maxEntries) {
      throw new ShipshapeError('DECOMPRESSION_BOMB', `zip holds more than ${maxEntries} members`, { where })
    }
    p = next
  }
  // Writers without zip64 wrap the 16-bit count past 65,535 members; the directory itself is the truth then.
  if (zip64 ? index !== total : index % 0x10000 !== total % 0x10000) {
    throw corrupt(where, `zip central directory holds ${index} members but its end record says ${total}`)
  }
  // Members whose data overlap (several directory entries over one deflate stream) are how a 42 KB zip
  // inflates to petabytes without any single member lying about its size: no honest writer produces them.
  spans.sort((a, b) => a[0] - b[0])
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1] as [number, number]
    const cur = spans[i] as [number, number]
    if (cur[0] < prev[1]) {
      throw new ShipshapeError(
        'DECOMPRESSION_BOMB',
        `zip members overlap at byte ${cur[0]}: refusing an overlapping-member zip bomb`,
        { where },
      )
    }
  }
  return archive
}

/** Opens a zip file for reading; the caller closes it. */
export async function openZip(path: string, opts: ZipOptions = {}): Promise<ZipArchive> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ShipshapeError('NOT_FOUND', 'no such zip file', { where: path, cause: e })
    }
    throw e
  }
  let bytes: FileBytes | undefined
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw corrupt(path, 'not a zip: not a regular file')
    bytes = new FileBytes(handle, st.size, path)
    return await readDirectory(bytes, opts)
  } catch (e) {
    await handle.close().catch(() => {})
    throw e
  }
}

/**
 * Reads a zip held in memory (a jar inside a jar). Stored members are returned as views of `buf`, without a
 * copy. `where` names it in errors.
 */
export function openZipBuffer(buf: Buffer, opts: ZipOptions & { where?: string } = {}): Promise<ZipArchive> {
  return readDirectory(new BufferBytes(buf, opts.where ?? '(in-memory zip)'), opts)
}
