/**
 * What the executable inspectors (Go build info, Rust audit data) share: telling executables from their first
 * bytes, reading ELF headers, and picking byte ranges out of a file as it streams past without holding the rest.
 */

export type ExecutableFormat = 'elf' | 'macho' | 'macho-fat' | 'pe'

/** Head bytes the inspectors ask for: the ELF header, its program headers, and a PE/COFF header. */
export const EXECUTABLE_HEAD = 1024

/** The container format an executable's first bytes announce, or undefined for anything else. */
export function executableFormat(head: Buffer, size: number): ExecutableFormat | undefined {
  if (head.length < 4) return undefined
  if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return 'elf'
  const m = head.readUInt32BE(0)
  if (m === 0xfeedface || m === 0xfeedfacf || m === 0xcefaedfe || m === 0xcffaedfe) return 'macho'
  // A universal binary shares its magic with Java class files; those have a version (≥ 45) where it has a count.
  if (m === 0xcafebabe && head.length >= 8) {
    const n = head.readUInt32BE(4)
    if (n > 0 && n < 20) return 'macho-fat'
    return undefined
  }
  if (head[0] === 0x4d && head[1] === 0x5a && head.length >= 0x40) {
    const lfanew = head.readUInt32LE(0x3c)
    if (lfanew + 4 > size) return undefined
    // When the PE signature is within the head, check it; else an MZ stub is enough to look further.
    if (lfanew + 4 <= head.length) return head.toString('latin1', lfanew, lfanew + 4) === 'PE\0\0' ? 'pe' : undefined
    return 'pe'
  }
  return undefined
}

/** A cheap filter on the tar header: a non-empty file with an executable bit, or a Windows executable's name. */
export function looksExecutable(path: string, size: number, mode: number): boolean {
  if (size < 64) return false
  return (mode & 0o111) !== 0 || /\.exe$/i.test(path)
}

export interface ElfHeader {
  is64: boolean
  little: boolean
  phoff: number
  phentsize: number
  phnum: number
  shoff: number
  shentsize: number
  shnum: number
  shstrndx: number
}

export interface ElfSegment {
  type: number
  offset: number
  filesz: number
}

export interface ElfSection {
  name: number
  type: number
  flags: number
  offset: number
  size: number
}

/** Program headers are read only up to this size (65535 entries of 56 bytes fit; a bogus count does not). */
export const MAX_PROGRAM_HEADERS = 4 * 1024 * 1024

export const PT_LOAD = 1
export const SHT_NOBITS = 8

/** A field of up to 8 bytes as a number (offsets past 2^53 become Infinity, which every bound check rejects). */
function readWord(b: Buffer, at: number, is64: boolean, little: boolean): number {
  if (!is64) return little ? b.readUInt32LE(at) : b.readUInt32BE(at)
  const v = little ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at)
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(v)
}

function readHalf(b: Buffer, at: number, little: boolean): number {
  return little ? b.readUInt16LE(at) : b.readUInt16BE(at)
}

function readWord32(b: Buffer, at: number, little: boolean): number {
  return little ? b.readUInt32LE(at) : b.readUInt32BE(at)
}

/** The ELF file header (`Elf32_Ehdr`/`Elf64_Ehdr`), or an error string. */
export function parseElfHeader(head: Buffer): ElfHeader | string {
  if (head.length < 52) return 'ELF header cut short'
  const cls = head[4]
  const data = head[5]
  if (cls !== 1 && cls !== 2) return `bad ELF class ${cls}`
  if (data !== 1 && data !== 2) return `bad ELF data encoding ${data}`
  const is64 = cls === 2
  const little = data === 1
  if (is64 && head.length < 64) return 'ELF header cut short'
  if (is64) {
    return {
      is64,
      little,
      phoff: readWord(head, 0x20, true, little),
      shoff: readWord(head, 0x28, true, little),
      phentsize: readHalf(head, 0x36, little),
      phnum: readHalf(head, 0x38, little),
      shentsize: readHalf(head, 0x3a, little),
      shnum: readHalf(head, 0x3c, little),
      shstrndx: readHalf(head, 0x3e, little),
    }
  }
  return {
    is64,
    little,
    phoff: readWord32(head, 0x1c, little),
    shoff: readWord32(head, 0x20, little),
    phentsize: readHalf(head, 0x2a, little),
    phnum: readHalf(head, 0x2c, little),
    shentsize: readHalf(head, 0x2e, little),
    shnum: readHalf(head, 0x30, little),
    shstrndx: readHalf(head, 0x32, little),
  }
}

export function phdrBytes(h: ElfHeader): number {
  return h.phnum * h.phentsize
}

export function shdrBytes(h: ElfHeader): number {
  return h.shnum * h.shentsize
}

/** Program headers from their bytes (`Elf32_Phdr`/`Elf64_Phdr`). */
export function parseElfSegments(h: ElfHeader, b: Buffer): ElfSegment[] {
  const out: ElfSegment[] = []
  const min = h.is64 ? 56 : 32
  if (h.phentsize < min) return out
  for (let i = 0; i < h.phnum && (i + 1) * h.phentsize <= b.length; i++) {
    const at = i * h.phentsize
    const type = readWord32(b, at, h.little)
    if (h.is64)
      out.push({ type, offset: readWord(b, at + 8, true, h.little), filesz: readWord(b, at + 32, true, h.little) })
    else out.push({ type, offset: readWord32(b, at + 4, h.little), filesz: readWord32(b, at + 16, h.little) })
  }
  return out
}

/** Section headers from their bytes (`Elf32_Shdr`/`Elf64_Shdr`). */
export function parseElfSections(h: ElfHeader, b: Buffer): ElfSection[] {
  const out: ElfSection[] = []
  const min = h.is64 ? 64 : 40
  if (h.shentsize < min) return out
  for (let i = 0; i < h.shnum && (i + 1) * h.shentsize <= b.length; i++) {
    const at = i * h.shentsize
    const name = readWord32(b, at, h.little)
    const type = readWord32(b, at + 4, h.little)
    if (h.is64) {
      out.push({
        name,
        type,
        flags: readWord(b, at + 8, true, h.little),
        offset: readWord(b, at + 24, true, h.little),
        size: readWord(b, at + 32, true, h.little),
      })
    } else {
      out.push({
        name,
        type,
        flags: readWord32(b, at + 8, h.little),
        offset: readWord32(b, at + 16, h.little),
        size: readWord32(b, at + 20, h.little),
      })
    }
  }
  return out
}

/** The NUL-terminated name at `at` in a string table. */
export function stringAt(table: Buffer, at: number): string | undefined {
  if (at >= table.length) return undefined
  const end = table.indexOf(0, at)
  return table.toString('latin1', at, end < 0 ? table.length : end)
}

/**
 * Why an ELF file of `size` bytes cannot be whole, judging by what its headers say lies in it: the section header
 * table, or a loadable segment, past the end. undefined when nothing says so.
 */
export function elfTruncation(
  h: ElfHeader,
  size: number,
  segments: readonly ElfSegment[] | undefined,
): string | undefined {
  if (h.phnum > 0 && h.phoff + phdrBytes(h) > size)
    return `program headers at ${h.phoff}..${h.phoff + phdrBytes(h)} lie past its end`
  if (h.shoff > 0 && h.shoff + shdrBytes(h) > size)
    return `section headers at ${h.shoff}..${h.shoff + shdrBytes(h)} lie past its end`
  for (const s of segments ?? []) {
    if (s.type === PT_LOAD && s.offset + s.filesz > size)
      return `a loadable segment at ${s.offset}..${s.offset + s.filesz} lies past its end`
  }
  return undefined
}

interface Wanted {
  start: number
  end: number
  parts: Buffer[]
  have: number
  done: (bytes: Buffer) => void
}

/**
 * Keeps copies of chosen byte ranges of a file that is read once, front to back. A range asked for after its
 * bytes went by cannot be had (`want` says so); one reaching past the end of the file is never completed.
 * A `done` callback may ask for more ranges, also within the chunk being fed.
 */
export class RangeTaker {
  private wanted: Wanted[] = []
  /** File offset of the next byte to arrive. */
  position = 0
  private current: { from: number; chunk: Buffer } | undefined

  /** Calls `done` with bytes [start, end) once they have streamed past; false if some of them already have. */
  want(start: number, end: number, done: (bytes: Buffer) => void): boolean {
    const floor = this.current ? this.current.from : this.position
    if (start < floor) return false
    if (end <= start) {
      done(Buffer.alloc(0))
      return true
    }
    const w: Wanted = { start, end, parts: [], have: 0, done }
    if (this.current && this.take(w, this.current.from, this.current.chunk)) return true
    this.wanted.push(w)
    return true
  }

  get pending(): number {
    return this.wanted.length
  }

  /** Copies the part of `chunk` (at file offset `from`) that `w` wants; true (and `done` called) when complete. */
  private take(w: Wanted, from: number, chunk: Buffer): boolean {
    const to = from + chunk.length
    if (w.end <= from || w.start >= to) return false
    const a = Math.max(w.start, from)
    const b = Math.min(w.end, to)
    w.parts.push(Buffer.from(chunk.subarray(a - from, b - from)))
    w.have += b - a
    if (w.have < w.end - w.start) return false
    w.done(Buffer.concat(w.parts, w.have))
    return true
  }

  /** Feeds the next chunk (valid only during the call). */
  feed(chunk: Buffer): void {
    const from = this.position
    this.position = from + chunk.length
    if (this.wanted.length === 0) return
    const list = this.wanted
    this.wanted = []
    this.current = { from, chunk }
    try {
      for (const w of list) if (!this.take(w, from, chunk)) this.wanted.push(w)
    } finally {
      this.current = undefined
    }
  }
}
