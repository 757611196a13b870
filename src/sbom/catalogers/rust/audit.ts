import { constants, inflateSync } from 'node:zlib'
import type { FileInspector, InspectionResult, InspectorSink, MemoryBudget } from '../../../filetree/index.js'
import {
  type ElfHeader,
  type ElfSection,
  type ElfSegment,
  EXECUTABLE_HEAD,
  elfTruncation,
  executableFormat,
  looksExecutable,
  MAX_PROGRAM_HEADERS,
  PT_LOAD,
  parseElfHeader,
  parseElfSections,
  parseElfSegments,
  phdrBytes,
  RangeTaker,
  SHT_NOBITS,
  shdrBytes,
  stringAt,
} from '../go-binary/executable.js'

/**
 * cargo-auditable (rust-secure-code/cargo-auditable, PARSING.md): the crates a binary was built from, as
 * zlib-compressed JSON `{"packages":[{name, version, source, kind?, dependencies?, root?}], "format"?}` in a
 * section named `.dep-v0`. In ELF the section has no SHF_ALLOC flag, so the linker puts it after every loadable
 * segment, among `.comment`, `.symtab` and the like — and the section header table that says where it is comes
 * at the very end of the file, after the section's bytes have gone by.
 *
 * Choice (one pass, bounded memory): rather than buffering whole binaries until the section headers arrive
 * (every executable of an image would then be copied, and big ones would not fit), the inspector watches the
 * non-loadable tail of each ELF file — from the end of the last PT_LOAD segment to the section header table —
 * for zlib streams (a 2-byte zlib header passing its checksum, then a trial inflate of at most 512 bytes) whose
 * text starts like the audit JSON, and keeps only those (at most 8 MiB compressed each). At the end it reads the
 * section header table and the section names (kept as they passed: the table itself, and the 64 KiB before it,
 * where linkers put `.shstrtab`) and takes the stream found exactly where `.dep-v0` starts; a `.dep-v0` holding
 * anything else is reported as such. When the section headers come before the sections (some linkers), the
 * section is simply read at its offset. Binaries without section headers fall back to the stream found.
 */

/** Inflated audit data larger than this is refused (PARSING.md: "8 MiB should be more than enough"). */
export const MAX_AUDIT_JSON = 8 * 1024 * 1024
/** Compressed audit data larger than this is refused. */
const MAX_COMPRESSED = 8 * 1024 * 1024
/** Compressed bytes inflated to recognise a candidate stream (dynamic Huffman tables take up to ~290 bytes). */
const WINDOW = 512
/** Where `.shstrtab` is looked for when the section headers come last. */
const NAMES_WINDOW = 64 * 1024
const MAX_SECTION_HEADERS = 4 * 1024 * 1024
/** Candidate streams followed at once, and notes kept about other zlib streams. */
const MAX_CAPTURES = 4
const MAX_NOTES = 4096
const FREE_BYTES = 64 * 1024
const SECTION = '.dep-v0'
const JSON_START = /^\{\s*"(packages|format)"\s*:/

export interface AuditPackage {
  name: string
  version: string
  source: string
  kind: 'runtime' | 'build'
  dependencies: number[]
  root: boolean
}

export interface AuditData {
  packages: AuditPackage[]
  format?: number
  /** File offset of the compressed data. */
  offset: number
}

/** Validates the audit JSON (cargo-auditable.schema.json) into packages; throws with a reason. */
export function parseAuditJson(text: string): Omit<AuditData, 'offset'> {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new Error(`audit data is not JSON: ${(e as Error).message}`)
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { packages?: unknown }).packages))
    throw new Error('audit data has no "packages" array')
  const list = (doc as { packages: unknown[] }).packages
  const packages: AuditPackage[] = []
  for (const [i, p] of list.entries()) {
    if (typeof p !== 'object' || p === null) throw new Error(`audit package ${i} is not an object`)
    const o = p as Record<string, unknown>
    if (typeof o.name !== 'string' || typeof o.version !== 'string')
      throw new Error(`audit package ${i} has no name or version`)
    let source = 'unknown'
    if (typeof o.source === 'string') source = o.source
    else if (
      typeof o.source === 'object' &&
      o.source !== null &&
      typeof (o.source as { Other?: unknown }).Other === 'string'
    )
      source = (o.source as { Other: string }).Other
    const kind = o.kind === undefined ? 'runtime' : o.kind
    if (kind !== 'runtime' && kind !== 'build') throw new Error(`audit package ${i} has kind ${JSON.stringify(o.kind)}`)
    const deps = o.dependencies ?? []
    if (!Array.isArray(deps) || !deps.every((d) => Number.isInteger(d) && d >= 0 && d < list.length))
      throw new Error(`audit package ${i} has bad dependencies`)
    packages.push({
      name: o.name,
      version: o.version,
      source,
      kind,
      dependencies: deps as number[],
      root: o.root === true,
    })
  }
  const format = (doc as { format?: unknown }).format
  return Number.isInteger(format) ? { packages, format: format as number } : { packages }
}

/** Why a payload could not be read: not zlib at all, or zlib whose content is refused. */
export class AuditDataError extends Error {
  constructor(
    readonly notZlib: boolean,
    readonly detail: string,
  ) {
    super(notZlib ? `not zlib-compressed audit data (${detail})` : detail)
  }

  /** The message about a section described by `where`. */
  about(where: string): string {
    return this.notZlib ? `${where} is not zlib-compressed audit data (${this.detail})` : `${where}: ${this.detail}`
  }
}

/** Inflates and parses one `.dep-v0` payload; throws an AuditDataError. */
export function decodeAuditData(compressed: Buffer, offset: number): AuditData {
  let json: Buffer
  try {
    json = inflateSync(compressed, { maxOutputLength: MAX_AUDIT_JSON })
  } catch (e) {
    const err = e as { code?: string; message: string }
    if (err.code === 'ERR_BUFFER_TOO_LARGE')
      throw new AuditDataError(false, `audit data inflates to more than ${MAX_AUDIT_JSON} bytes`)
    throw new AuditDataError(true, err.message)
  }
  try {
    return { ...parseAuditJson(json.toString('utf8')), offset }
  } catch (e) {
    throw new AuditDataError(false, (e as Error).message)
  }
}

/** A zlib header (RFC 1950): deflate, window ≤ 32 KiB, checksum ok, no preset dictionary, a valid first block type. */
function zlibHeaderAt(b: Buffer, i: number): boolean {
  const cmf = b[i]
  const flg = b[i + 1]
  if (cmf !== 0x78 || flg === undefined) return false
  if (((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) return false
  const first = b[i + 2]
  return first === undefined || ((first >> 1) & 3) !== 3
}

type Trial = 'json' | 'other' | 'corrupt'

function trialInflate(window: Buffer): Trial {
  try {
    const out = inflateSync(window, { finishFlush: constants.Z_SYNC_FLUSH })
    return JSON_START.test(out.toString('latin1', 0, 64)) ? 'json' : 'other'
  } catch {
    return 'corrupt'
  }
}

interface Capture {
  offset: number
  parts: Buffer[]
  have: number
  nextCheck: number
  result?: { data: AuditData } | { error: AuditDataError }
}

/** Finds and keeps zlib-compressed audit JSON within [start, end) of a file fed front to back. */
class StreamFinder {
  /** Region bytes not examined yet (less than WINDOW of them), ending at `carryEnd`. */
  private carry = Buffer.alloc(0)
  private carryEnd = -1
  /** The next file offset not yet examined. */
  private next: number
  readonly captures: Capture[] = []
  /** What other zlib headers led to, by offset (for the message when `.dep-v0` starts at one). */
  readonly notes = new Map<number, 'other' | 'corrupt'>()
  private reserved = 0

  constructor(
    public start: number,
    public end: number,
    private readonly budget: MemoryBudget,
  ) {
    this.next = start
  }

  /** Feeds a chunk at file offset `from`. */
  feed(chunk: Buffer, from: number): void {
    this.grow(chunk, from)
    const a = Math.max(from, this.start, this.next)
    const b = Math.min(from + chunk.length, this.end)
    if (a >= b) return
    const part = chunk.subarray(a - from, b - from)
    // The region's bytes are examined in order; the carry holds the last ones whose window was not complete.
    const buf = this.carryEnd === a && this.carry.length > 0 ? Buffer.concat([this.carry, part]) : part
    const bufStart = b - buf.length
    this.examine(buf, bufStart, b === this.end)
    const keep = b - this.next
    this.carry = keep > 0 ? Buffer.from(buf.subarray(Math.max(0, buf.length - keep))) : Buffer.alloc(0)
    this.carryEnd = b
  }

  /** Examines the positions of `buf` (at file offset `bufStart`) whose whole window is in it, or all when `final`. */
  private examine(buf: Buffer, bufStart: number, final: boolean): void {
    const bufEnd = bufStart + buf.length
    const last = final ? bufEnd : bufEnd - WINDOW + 1
    let i = Math.max(this.next, bufStart) - bufStart
    while (bufStart + i < last) {
      i = buf.indexOf(0x78, i)
      if (i < 0 || bufStart + i >= last) break
      if (zlibHeaderAt(buf, i)) {
        const at = bufStart + i
        const trial = trialInflate(buf.subarray(i, i + WINDOW))
        if (trial === 'json') this.startCapture(at, buf.subarray(i))
        else if (this.notes.size < MAX_NOTES) this.notes.set(at, trial)
      }
      i++
    }
    this.next = Math.max(this.next, last)
  }

  /** Follows a candidate stream from `at`, given the bytes from there to the end of what has arrived. */
  private startCapture(at: number, bytes: Buffer): void {
    if (this.captures.length >= MAX_CAPTURES) return
    const c: Capture = { offset: at, parts: [], have: 0, nextCheck: 4096 }
    this.captures.push(c)
    this.append(c, bytes)
  }

  /** Gives open captures the bytes of the chunk that follow what each has. */
  private grow(chunk: Buffer, from: number): void {
    for (const c of this.captures) {
      const want = c.offset + c.have
      if (c.result || want < from || want >= from + chunk.length) continue
      this.append(c, chunk.subarray(want - from))
    }
  }

  /**
   * Adds bytes to a capture a doubling at a time, trying to inflate after each, so that it stops taking bytes
   * soon after its stream ends (the bytes after it are other sections).
   */
  private append(c: Capture, bytes: Buffer): void {
    let pos = 0
    while (!c.result && pos < bytes.length) {
      const n = Math.min(bytes.length - pos, Math.max(1, c.nextCheck - c.have))
      if (c.have + n > MAX_COMPRESSED) {
        c.result = { error: new AuditDataError(false, `audit data is over ${MAX_COMPRESSED} bytes compressed`) }
        break
      }
      if (c.have + n > FREE_BYTES) {
        if (!this.budget.reserve(n)) {
          c.result = { error: new AuditDataError(false, 'audit data does not fit the memory budget') }
          break
        }
        this.reserved += n
      }
      c.parts.push(Buffer.from(bytes.subarray(pos, pos + n)))
      c.have += n
      pos += n
      this.check(c, false)
    }
    if (c.result) {
      c.parts = []
      this.release()
    }
  }

  /** Tries to inflate a capture once it has doubled (or at the end): done, or waits for more bytes. */
  check(c: Capture, atEnd: boolean): void {
    if (c.result || (!atEnd && c.have < c.nextCheck)) return
    c.nextCheck = c.have * 2
    const all = Buffer.concat(c.parts, c.have)
    c.parts = [all]
    try {
      c.result = { data: decodeAuditData(all, c.offset) }
    } catch (e) {
      if (!(e instanceof AuditDataError)) throw e
      if (!atEnd && e.notZlib && e.detail.includes('unexpected end of file')) return
      c.result = { error: e }
    }
  }

  finish(): void {
    if (this.carry.length > 0) this.examine(this.carry, this.carryEnd - this.carry.length, true)
    for (const c of this.captures) {
      this.check(c, true)
      c.parts = []
    }
    this.release()
  }

  private release(): void {
    if (this.captures.every((c) => c.result) && this.reserved) {
      this.budget.release(this.reserved)
      this.reserved = 0
    }
  }

  at(offset: number): Capture | undefined {
    return this.captures.find((c) => c.offset === offset)
  }
}

function failure(error: string): InspectionResult {
  return { ok: false, error }
}

/** Reads cargo-auditable data from one ELF file as it streams past. */
export class RustAuditSink implements InspectorSink {
  private readonly ranges = new RangeTaker()
  private readonly header: ElfHeader | undefined
  private readonly headerError: string | undefined
  private segments: ElfSegment[] | undefined
  private sections: ElfSection[] | undefined
  private names: { offset: number; bytes: Buffer } | undefined
  private exact: { offset: number; bytes: Buffer } | undefined
  private readonly finder: StreamFinder

  constructor(
    private readonly size: number,
    head: Buffer,
    budget: MemoryBudget,
  ) {
    const h = parseElfHeader(head)
    this.finder = new StreamFinder(0, size, budget)
    if (typeof h === 'string') {
      this.headerError = h
      return
    }
    this.header = h
    const shEnd = h.shoff + shdrBytes(h)
    if (h.shoff > 0) this.finder.end = Math.min(size, h.shoff)
    if (h.phnum > 0 && h.phoff + phdrBytes(h) <= size && phdrBytes(h) <= MAX_PROGRAM_HEADERS) {
      this.ranges.want(h.phoff, h.phoff + phdrBytes(h), (b) => {
        this.segments = parseElfSegments(h, b)
        // Non-loadable sections (ours) come after every loadable segment's bytes.
        let loadEnd = 0
        for (const s of this.segments) if (s.type === PT_LOAD) loadEnd = Math.max(loadEnd, s.offset + s.filesz)
        // Section headers before the end of the loadable data (Go's linker, some others): the sections are read
        // at their offsets as they come, so there is nothing to watch for.
        this.finder.start = Math.min(Math.max(this.finder.start, loadEnd), this.finder.end)
      })
    }
    if (h.shoff > 0 && h.shnum > 0 && shEnd <= size && shdrBytes(h) <= MAX_SECTION_HEADERS) {
      this.ranges.want(h.shoff, shEnd, (b) => this.onSections(parseElfSections(h, b)))
      const from = Math.max(0, h.shoff - NAMES_WINDOW)
      this.ranges.want(from, h.shoff, (bytes) => {
        this.names ??= { offset: from, bytes }
      })
    }
  }

  /** Section headers arrived: read the names and `.dep-v0` directly if they are still to come. */
  private onSections(sections: ElfSection[]): void {
    this.sections = sections
    const h = this.header
    const strtab = h ? sections[h.shstrndx] : undefined
    if (!strtab || strtab.size > MAX_SECTION_HEADERS) return
    this.ranges.want(strtab.offset, strtab.offset + strtab.size, (bytes) => {
      this.names = { offset: strtab.offset, bytes }
      this.onNames()
    })
  }

  private onNames(): void {
    const sec = this.depSection()
    if (!sec || sec.type === SHT_NOBITS || sec.size > MAX_COMPRESSED) return
    this.ranges.want(sec.offset, sec.offset + sec.size, (bytes) => {
      this.exact = { offset: sec.offset, bytes }
    })
  }

  /** The `.dep-v0` section header, once the headers and the names are both known. */
  private depSection(): ElfSection | undefined {
    const h = this.header
    const names = this.names
    if (!h || !this.sections || !names) return undefined
    const strtab = this.sections[h.shstrndx]
    if (!strtab) return undefined
    const rel = strtab.offset - names.offset
    if (rel < 0 || rel + strtab.size > names.bytes.length) return undefined
    const table = names.bytes.subarray(rel, rel + strtab.size)
    return this.sections.find((s) => stringAt(table, s.name) === SECTION)
  }

  /** Whether the section names could be read (so an absent `.dep-v0` really is absent). */
  private namesKnown(): boolean {
    const h = this.header
    const names = this.names
    const strtab = h && this.sections ? this.sections[h.shstrndx] : undefined
    if (!strtab || !names) return false
    const rel = strtab.offset - names.offset
    return rel >= 0 && rel + strtab.size <= names.bytes.length
  }

  write(chunk: Buffer): void {
    const from = this.ranges.position
    if (this.ranges.pending) this.ranges.feed(chunk)
    else this.ranges.position += chunk.length
    if (this.header) this.finder.feed(chunk, from)
  }

  end(): InspectionResult {
    this.finder.finish()
    if (!this.header) return failure(`not a readable ELF file: ${this.headerError}`)
    const sec = this.depSection()
    if (sec) {
      const where = `${SECTION} section (${sec.size} bytes at offset ${sec.offset})`
      if (sec.type === SHT_NOBITS || sec.size === 0) return failure(`${where} is empty`)
      if (this.exact) {
        try {
          return { ok: true, value: decodeAuditData(this.exact.bytes, this.exact.offset) }
        } catch (e) {
          if (e instanceof AuditDataError) return failure(e.about(where))
          throw e
        }
      }
      const c = this.finder.at(sec.offset)
      if (c?.result)
        return 'data' in c.result ? { ok: true, value: c.result.data } : failure(c.result.error.about(where))
      if (sec.offset < this.finder.start || sec.offset >= this.finder.end) {
        const inLoad = (this.segments ?? []).some(
          (g) => g.type === PT_LOAD && sec.offset >= g.offset && sec.offset < g.offset + g.filesz,
        )
        return failure(
          `${where} ${inLoad ? 'lies inside a loadable segment' : 'lies before the section headers'} and was not read`,
        )
      }
      if (sec.size > MAX_COMPRESSED) return failure(`${where} is over ${MAX_COMPRESSED} bytes`)
      const note = this.finder.notes.get(sec.offset)
      if (note === 'other') return failure(`${where}: zlib data that is not cargo-auditable JSON`)
      return failure(
        new AuditDataError(true, note === 'corrupt' ? 'a damaged zlib stream' : 'no zlib header').about(where),
      )
    }
    const truncated = elfTruncation(this.header, this.size, this.segments)
    if (this.namesKnown() && !truncated) return { ok: true, value: null }
    // No usable section headers: the stream found, if any, is the audit data.
    for (const c of this.finder.captures) if (c.result && 'data' in c.result) return { ok: true, value: c.result.data }
    if (truncated)
      return failure(`truncated ELF (${this.size} bytes): ${truncated}; no cargo-auditable data could be read`)
    return { ok: true, value: null }
  }
}

export const RUST_AUDIT_INSPECTOR = 'rust-audit'

export const rustAuditInspector: FileInspector = {
  id: RUST_AUDIT_INSPECTOR,
  headBytes: EXECUTABLE_HEAD,
  accepts: looksExecutable,
  open(_path, head, size, budget) {
    return executableFormat(head, size) === 'elf' ? new RustAuditSink(size, head, budget) : undefined
  },
}
