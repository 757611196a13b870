import type { FileInspector, InspectionResult, InspectorSink, MemoryBudget } from '../../../filetree/index.js'
import {
  type ElfHeader,
  type ElfSegment,
  EXECUTABLE_HEAD,
  elfTruncation,
  executableFormat,
  looksExecutable,
  MAX_PROGRAM_HEADERS,
  parseElfHeader,
  parseElfSegments,
  phdrBytes,
  RangeTaker,
} from './executable.js'

/**
 * Go build info as the linker writes it (Go ≥ 1.13; `debug/buildinfo`): a 32-byte header in the data segment,
 * 16-byte aligned, starting with this magic, then the pointer size and a flags byte. Since Go 1.18 (flag bit 2)
 * the Go version and the module info follow the header inline, each as a uvarint length and the bytes, so they
 * can be read as they stream past. Before 1.18 the header held two pointers to Go string headers elsewhere in
 * the binary, whose contents lie before the header in the file: that format is reported, not read.
 */
export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1')
const HEADER_SIZE = 32
const ALIGN = 16
const FLAG_BIG_ENDIAN = 0x1
const FLAG_INLINE = 0x2
/** The longest version string believed (`go1.21.0 X:boringcrypto,…` fits easily). */
const MAX_VERSION = 1024
/** The longest module info read; big programs have tens of KiB. */
const MAX_MODINFO = 16 * 1024 * 1024
/** Module info is read without asking the budget up to this size. */
const FREE_MODINFO = 64 * 1024

export const UNSUPPORTED_PREFIX = 'pre-1.18 build info not supported'

/** What the inspector keeps per Go binary: small, and parsed later by the cataloger. */
export interface GoBuildInfoRaw {
  /** `go1.19.8` (as `runtime.Version()` says it). */
  goVersion: string
  /** The module info text without its sentinels ('' when the binary has none). */
  modinfo: string
  /** File offset of the build info header. */
  offset: number
  ptrSize: number
}

/** Reads a uvarint at `at`: [value, bytes used], or undefined when more bytes are needed, or -1 on overflow. */
function uvarint(b: Buffer, at: number): [number, number] | undefined | -1 {
  let x = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    const c = b[at + i]
    if (c === undefined) return undefined
    x += (c & 0x7f) * scale
    if (c < 0x80) return x > Number.MAX_SAFE_INTEGER ? -1 : [x, i + 1]
    scale *= 128
  }
  return -1
}

type Step = { need: number } | { done: GoBuildInfoRaw } | { error: string }

/** Parses the inline build info from `b`, which begins at the header; asks for more bytes when it runs short. */
export function parseInlineBuildInfo(b: Buffer, offset: number): Step {
  if (b.length < HEADER_SIZE) return { need: HEADER_SIZE }
  const ptrSize = b[14] as number
  const flags = b[15] as number
  if (ptrSize !== 4 && ptrSize !== 8)
    return { error: `corrupt Go build info at offset ${offset}: pointer size ${ptrSize}` }
  if ((flags & FLAG_INLINE) === 0) {
    if ((flags & ~FLAG_BIG_ENDIAN) !== 0)
      return { error: `corrupt Go build info at offset ${offset}: flags 0x${flags.toString(16)}` }
    return { error: `${UNSUPPORTED_PREFIX} (pointer-format build info at offset ${offset}, written by Go 1.13–1.17)` }
  }
  if ((flags & ~(FLAG_INLINE | FLAG_BIG_ENDIAN)) !== 0)
    return { error: `corrupt Go build info at offset ${offset}: flags 0x${flags.toString(16)}` }
  let at = HEADER_SIZE
  const strings: Buffer[] = []
  for (const [what, max] of [
    ['version', MAX_VERSION],
    ['module info', MAX_MODINFO],
  ] as const) {
    const v = uvarint(b, at)
    if (v === undefined) return { need: at + 10 }
    if (v === -1) return { error: `corrupt Go build info at offset ${offset}: bad ${what} length` }
    const [len, used] = v
    if (len > max) return { error: `corrupt Go build info at offset ${offset}: ${what} length ${len} is over ${max}` }
    if (b.length < at + used + len) return { need: at + used + len }
    const bytes = b.subarray(at + used, at + used + len)
    // Checked before the module info length is believed, so a false or damaged header costs little.
    const text = bytes.toString('latin1')
    if (what === 'version' && !/^(go\d|devel )[\x20-\x7e]*$/.test(text))
      return { error: `corrupt Go build info at offset ${offset}: version ${JSON.stringify(text.slice(0, 40))}` }
    strings.push(bytes)
    at += used + len
  }
  const [version = Buffer.alloc(0), mod = Buffer.alloc(0)] = strings
  return { done: { goVersion: version.toString('latin1'), modinfo: stripSentinels(mod), offset, ptrSize } }
}

/**
 * debug/buildinfo: module info is kept only when framed by the go command's 16-byte sentinels
 * (cmd/go/internal/modload infoStart/infoEnd), recognised by the newline just before the end one.
 */
function stripSentinels(b: Buffer): string {
  // Go itself checks only the newline; so does this, and the sentinels are dropped whatever their bytes.
  if (b.length >= 33 && b[b.length - 17] === 0x0a) return b.toString('utf8', 16, b.length - 16)
  return ''
}

/**
 * Looks for the build info header in one file as it streams past: only 13 bytes are carried between chunks
 * while searching, and after a header only the bytes it announces (a few KiB, at most MAX_MODINFO).
 */
export class GoBuildInfoSink implements InspectorSink {
  private offset = 0
  /** The last MAGIC-1 bytes of the previous chunk, to find a magic split across chunks. */
  private carry: Buffer = Buffer.alloc(0)
  /** Collecting a candidate's bytes (from its header on). */
  private reading: { offset: number; parts: Buffer[]; have: number; need: number } | undefined
  private found: GoBuildInfoRaw | undefined
  private firstError: string | undefined
  private reserved = 0
  private readonly elf: { header: ElfHeader; segments?: ElfSegment[] } | undefined
  private readonly ranges = new RangeTaker()

  constructor(
    private readonly size: number,
    head: Buffer,
    private readonly budget: MemoryBudget,
    isElf: boolean,
  ) {
    if (isElf) {
      const h = parseElfHeader(head)
      if (typeof h !== 'string') {
        const elf: { header: ElfHeader; segments?: ElfSegment[] } = { header: h }
        this.elf = elf
        if (h.phnum > 0 && h.phoff + phdrBytes(h) <= size && phdrBytes(h) <= MAX_PROGRAM_HEADERS)
          this.ranges.want(h.phoff, h.phoff + phdrBytes(h), (b) => {
            elf.segments = parseElfSegments(h, b)
          })
      }
    }
  }

  write(chunk: Buffer): void {
    if (this.ranges.pending) this.ranges.feed(chunk)
    else this.ranges.position += chunk.length
    if (this.found) return
    const base = this.offset
    this.offset += chunk.length
    let pos = 0
    // A magic that began in the previous chunk.
    if (!this.reading && this.carry.length > 0) {
      const joined = Buffer.concat([this.carry, chunk.subarray(0, BUILDINFO_MAGIC.length - 1)])
      const carryStart = base - this.carry.length
      for (
        let i = joined.indexOf(BUILDINFO_MAGIC);
        i >= 0 && i < this.carry.length;
        i = joined.indexOf(BUILDINFO_MAGIC, i + 1)
      ) {
        if ((carryStart + i) % ALIGN !== 0) continue
        const part = Buffer.from(joined.subarray(i, this.carry.length))
        this.reading = { offset: carryStart + i, parts: [part], have: part.length, need: HEADER_SIZE }
        break
      }
    }
    while (!this.found) {
      if (this.reading) {
        pos = this.collect(chunk, pos)
        if (this.reading || this.found) break
        continue
      }
      const i = chunk.indexOf(BUILDINFO_MAGIC, pos)
      if (i < 0) break
      if ((base + i) % ALIGN !== 0) {
        pos = i + 1
        continue
      }
      this.reading = { offset: base + i, parts: [], have: 0, need: HEADER_SIZE }
      pos = i
    }
    // The carry is the stream's last MAGIC-1 bytes, even when chunks are smaller than that.
    const keep = BUILDINFO_MAGIC.length - 1
    if (this.reading || this.found) this.carry = Buffer.alloc(0)
    else if (chunk.length >= keep) this.carry = Buffer.from(chunk.subarray(chunk.length - keep))
    else {
      const tail = Buffer.concat([this.carry, chunk])
      this.carry = Buffer.from(tail.subarray(Math.max(0, tail.length - keep)))
    }
  }

  /**
   * Adds bytes of `chunk` from `pos` to the candidate and parses it when it has what it asked for. Returns where
   * it stopped taking; the candidate is dropped (on an error) or kept (found) as it goes. A failed candidate's
   * bytes are not searched again: after a checked version string nothing real can hide in them.
   */
  private collect(chunk: Buffer, pos: number): number {
    for (;;) {
      const r = this.reading
      if (!r) return pos
      const take = Math.min(r.need - r.have, chunk.length - pos)
      if (take > 0) {
        r.parts.push(Buffer.from(chunk.subarray(pos, pos + take)))
        r.have += take
        pos += take
      }
      if (r.have < r.need) return pos
      const bytes = Buffer.concat(r.parts, r.have)
      r.parts = [bytes]
      const step = parseInlineBuildInfo(bytes, r.offset)
      if ('need' in step) {
        if (step.need > FREE_MODINFO && step.need > this.reserved) {
          const more = step.need - this.reserved
          if (!this.budget.reserve(more)) {
            this.fail(`Go build info at offset ${r.offset} needs ${step.need} bytes, over the memory budget`)
            return pos
          }
          this.reserved += more
        }
        r.need = step.need
        continue
      }
      this.reading = undefined
      if ('done' in step) this.found = step.done
      else this.fail(step.error)
      return pos
    }
  }

  private fail(message: string): void {
    this.reading = undefined
    // A real pre-1.18 header says more than a damaged or chance match found earlier.
    if (!this.firstError || (message.startsWith(UNSUPPORTED_PREFIX) && !this.firstError.startsWith(UNSUPPORTED_PREFIX)))
      this.firstError = message
    if (this.reserved) this.budget.release(this.reserved)
    this.reserved = 0
  }

  end(): InspectionResult {
    if (this.reserved) this.budget.release(this.reserved)
    this.reserved = 0
    if (this.found) return { ok: true, value: this.found }
    if (this.reading) this.fail(`Go build info at offset ${this.reading.offset} is cut short by the end of the file`)
    if (this.elf) {
      const why = elfTruncation(this.elf.header, this.size, this.elf.segments)
      if (why) return { ok: false, error: `truncated ELF (${this.size} bytes): ${why}; no Go build info could be read` }
    }
    if (this.firstError) return { ok: false, error: this.firstError }
    return { ok: true, value: null }
  }
}

export const GO_BUILDINFO_INSPECTOR = 'go-buildinfo'

export const goBuildInfoInspector: FileInspector = {
  id: GO_BUILDINFO_INSPECTOR,
  headBytes: EXECUTABLE_HEAD,
  accepts: looksExecutable,
  open(_path, head, size, budget) {
    const format = executableFormat(head, size)
    if (!format) return undefined
    return new GoBuildInfoSink(size, head, budget, format === 'elf')
  },
}
