import {
  cstr,
  entryType,
  isExtensionHeader,
  isZeroBlock,
  parseHeader,
  parsePax,
  TAR_BLOCK,
  validHeaderChecksum,
} from '../image/tar-header.js'
import { ShipshapeError } from '../internal/index.js'

const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6'])

export interface ParsedEntry {
  name: string
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other'
  size: number
  mode: number
  linkname: string
}

export interface TarParserEvents {
  onEntry(e: ParsedEntry): void
  /** Data of the current entry, in order; the chunk is only valid during the call. */
  onData(chunk: Buffer): void
  onEntryEnd(): void
}

/**
 * A push parser for tar streams. It works on the decompressed chunks as they arrive (no per-entry stream
 * objects, which cost more than the parsing itself on layers with tens of thousands of small files).
 */
export class TarParser {
  private header = Buffer.alloc(TAR_BLOCK)
  private headerFill = 0
  /** Bytes of entry data still to deliver, then padding to skip. */
  private dataLeft = 0
  private padLeft = 0
  private offset = 0
  private headerStart = 0
  private ended = false
  private inEntry = false
  private currentName = ''
  private ext: { kind: string; buf: Buffer; at: number } | undefined
  private pax: Record<string, string> = {}
  private globalPax: Record<string, string> = {}
  private longName: string | undefined
  private longLink: string | undefined

  constructor(private readonly ev: TarParserEvents) {}

  push(chunk: Buffer): void {
    let i = 0
    const n = chunk.length
    while (i < n) {
      if (this.ended) {
        // After the end-of-archive marker only padding may follow.
        this.offset += n - i
        return
      }
      if (this.dataLeft > 0) {
        const take = Math.min(this.dataLeft, n - i)
        const part = chunk.subarray(i, i + take)
        if (this.ext) {
          part.copy(this.ext.buf, this.ext.at)
          this.ext.at += take
        } else this.ev.onData(part)
        this.dataLeft -= take
        i += take
        this.offset += take
        if (this.dataLeft === 0) this.finishData()
        continue
      }
      if (this.padLeft > 0) {
        const take = Math.min(this.padLeft, n - i)
        this.padLeft -= take
        i += take
        this.offset += take
        continue
      }
      if (this.headerFill === 0) this.headerStart = this.offset
      const take = Math.min(TAR_BLOCK - this.headerFill, n - i)
      if (this.headerFill === 0 && take === TAR_BLOCK) {
        this.onHeader(chunk.subarray(i, i + TAR_BLOCK))
      } else {
        chunk.copy(this.header, this.headerFill, i, i + take)
        this.headerFill += take
        if (this.headerFill === TAR_BLOCK) {
          this.headerFill = 0
          this.onHeader(this.header)
        }
      }
      i += take
      this.offset += take
    }
  }

  /** Checks the stream did not stop inside an entry. */
  end(): void {
    if (this.dataLeft > 0 || this.inEntry) {
      throw new ShipshapeError('CORRUPT_LAYER', `tar stream ends inside ${JSON.stringify(this.currentName)}`)
    }
    if (this.headerFill > 0)
      throw new ShipshapeError('CORRUPT_LAYER', `tar stream ends inside a header at byte ${this.offset}`)
  }

  private onHeader(h: Buffer): void {
    const at = this.headerStart
    if (isZeroBlock(h)) {
      this.ended = true
      return
    }
    const hdr = validHeaderChecksum(h) ? parseHeader(h) : undefined
    if (!hdr) throw new ShipshapeError('CORRUPT_LAYER', `corrupt tar header at byte ${at}`)
    const size = !isExtensionHeader(hdr.typeflag) && this.pax.size !== undefined ? Number(this.pax.size) : hdr.size
    if (!Number.isSafeInteger(size) || size < 0)
      throw new ShipshapeError('CORRUPT_LAYER', `bad entry size in tar header at byte ${at}`)
    if (isExtensionHeader(hdr.typeflag)) {
      if (size > 16 * 1024 * 1024)
        throw new ShipshapeError('CORRUPT_LAYER', `oversized tar extension header at byte ${at}`)
      this.ext = { kind: hdr.typeflag, buf: Buffer.alloc(size), at: 0 }
      this.startData(size)
      return
    }
    const name = this.pax.path ?? this.globalPax.path ?? this.longName ?? hdr.name
    const linkname = this.pax.linkpath ?? this.longLink ?? hdr.linkname
    this.pax = {}
    this.longName = undefined
    this.longLink = undefined
    const t = entryType(hdr.typeflag)
    const type = t === 'link' ? 'hardlink' : t
    // Go's archive/tar and GNU tar agree: links, devices, dirs and fifos carry no data whatever their size says.
    const dataSize = HEADER_ONLY.has(hdr.typeflag) ? 0 : size
    this.currentName = name
    this.inEntry = true
    this.ev.onEntry({ name, type, size: type === 'file' ? dataSize : 0, mode: hdr.mode, linkname })
    this.startData(dataSize)
  }

  private startData(size: number): void {
    this.dataLeft = size
    this.padLeft = (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK
    if (size === 0) this.finishData()
  }

  private finishData(): void {
    const ext = this.ext
    if (ext) {
      this.ext = undefined
      if (ext.kind === 'x') this.pax = parsePax(ext.buf)
      else if (ext.kind === 'g') this.globalPax = parsePax(ext.buf)
      else if (ext.kind === 'L') this.longName = cstr(ext.buf, 0, ext.buf.length)
      else if (ext.kind === 'K') this.longLink = cstr(ext.buf, 0, ext.buf.length)
      return
    }
    this.inEntry = false
    this.ev.onEntryEnd()
  }
}
