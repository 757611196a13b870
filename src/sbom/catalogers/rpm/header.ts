/**
 * rpm header blobs as the package databases store them: no lead-in and no magic, just
 * `il` (index entries) and `dl` (data bytes) as big-endian int32, `il` 16-byte index entries
 * {tag, type, offset, count}, then the data store. Everything is big-endian whatever the host.
 */

export const RpmTag = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERI18NTABLE: 100,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGSIZE: 5009,
  MODULARITYLABEL: 5096,
} as const

export const RpmType = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const

/** Bytes per element of the fixed-size types; strings are variable (-1). Also their alignment in the store. */
const TYPE_SIZE: readonly number[] = [0, 1, 1, 2, 4, 8, -1, 1, -1, -1]

// rpm's own sanity limits (hdrchkTags / hdrchkData / hdrchkCount): anything above is corrupt, and refusing
// it early keeps a garbled length from turning into a huge allocation or loop.
const MAX_INDEX_ENTRIES = 0xffff
const MAX_DATA_LENGTH = 0x0fffffff
const MAX_COUNT = 0x00ffffff

export class RpmHeaderError extends Error {
  override name = 'RpmHeaderError'
}

export type TagValue =
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'ints'; value: number[] }
  | { type: 'bytes'; value: Uint8Array }

export interface IndexEntry {
  tag: number
  type: number
  offset: number
  count: number
}

const utf8 = new TextDecoder('utf-8')

/** A header whose index has been checked entry by entry; values are decoded on demand. */
export class RpmHeader {
  readonly entries: ReadonlyMap<number, IndexEntry>
  private readonly store: Uint8Array
  private readonly view: DataView

  private constructor(store: Uint8Array, entries: Map<number, IndexEntry>) {
    this.store = store
    this.view = new DataView(store.buffer, store.byteOffset, store.byteLength)
    this.entries = entries
  }

  /** Checks the blob's framing and every index entry against the data store; throws RpmHeaderError. */
  static parse(blob: Uint8Array): RpmHeader {
    if (blob.length < 8)
      throw new RpmHeaderError(`header blob of ${blob.length} bytes is shorter than its 8-byte intro`)
    const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
    const il = v.getInt32(0)
    const dl = v.getInt32(4)
    if (il < 1 || il > MAX_INDEX_ENTRIES) throw new RpmHeaderError(`bad index entry count ${il}`)
    if (dl < 0 || dl > MAX_DATA_LENGTH) throw new RpmHeaderError(`bad data length ${dl}`)
    const storeStart = 8 + il * 16
    // rpm itself rejects a blob whose size differs from 8 + 16*il + dl, so both short and long mean damage.
    if (blob.length !== storeStart + dl) {
      throw new RpmHeaderError(`blob is ${blob.length} bytes, its intro says ${storeStart + dl} (il ${il}, dl ${dl})`)
    }
    const store = blob.subarray(storeStart)
    const entries = new Map<number, IndexEntry>()
    for (let i = 0; i < il; i++) {
      const p = 8 + i * 16
      const e: IndexEntry = {
        tag: v.getInt32(p),
        type: v.getInt32(p + 4),
        offset: v.getInt32(p + 8),
        count: v.getInt32(p + 12),
      }
      checkEntry(e, i, store)
      // Entries appended after the immutable region ("dribbles") replace the region's copy of the
      // same tag when rpm loads the header, and they come later in the index, so the last one wins.
      entries.set(e.tag, e)
    }
    return new RpmHeader(store, entries)
  }

  has(tag: number): boolean {
    return this.entries.has(tag)
  }

  get(tag: number): TagValue | undefined {
    const e = this.entries.get(tag)
    if (!e) return undefined
    switch (e.type) {
      case RpmType.STRING:
        return { type: 'string', value: this.strings(e)[0] ?? '' }
      case RpmType.STRING_ARRAY:
      case RpmType.I18NSTRING:
        return { type: 'strings', value: this.strings(e) }
      case RpmType.CHAR:
      case RpmType.INT8:
      case RpmType.INT16:
      case RpmType.INT32:
      case RpmType.INT64:
        return { type: 'ints', value: this.ints(e) }
      default:
        return { type: 'bytes', value: this.store.subarray(e.offset, e.offset + e.count) }
    }
  }

  /** A single string (STRING, or the first of an I18NSTRING/STRING_ARRAY: the untranslated C-locale text). */
  string(tag: number): string | undefined {
    const v = this.get(tag)
    if (!v) return undefined
    if (v.type === 'string') return v.value
    if (v.type === 'strings') return v.value[0]
    throw new RpmHeaderError(`tag ${tag} is not a string`)
  }

  stringArray(tag: number): string[] | undefined {
    const v = this.get(tag)
    if (!v) return undefined
    if (v.type === 'strings') return v.value
    if (v.type === 'string') return [v.value]
    throw new RpmHeaderError(`tag ${tag} is not a string array`)
  }

  intArray(tag: number): number[] | undefined {
    const v = this.get(tag)
    if (!v) return undefined
    if (v.type !== 'ints') throw new RpmHeaderError(`tag ${tag} is not an integer`)
    return v.value
  }

  int(tag: number): number | undefined {
    return this.intArray(tag)?.[0]
  }

  private strings(e: IndexEntry): string[] {
    const out: string[] = []
    let pos = e.offset
    for (let i = 0; i < e.count; i++) {
      const end = this.store.indexOf(0, pos)
      // checkEntry already proved the terminators are there; this guards the invariant anyway.
      if (end < 0) throw new RpmHeaderError(`tag ${e.tag}: unterminated string`)
      out.push(utf8.decode(this.store.subarray(pos, end)))
      pos = end + 1
    }
    return out
  }

  private ints(e: IndexEntry): number[] {
    const size = TYPE_SIZE[e.type] as number
    const out: number[] = new Array(e.count)
    for (let i = 0; i < e.count; i++) {
      const p = e.offset + i * size
      switch (e.type) {
        case RpmType.INT16:
          out[i] = this.view.getUint16(p)
          break
        case RpmType.INT32:
          // rpm's INT32 values (sizes, epochs, indexes) are unsigned in practice.
          out[i] = this.view.getUint32(p)
          break
        case RpmType.INT64:
          out[i] = Number(this.view.getBigUint64(p))
          break
        default:
          out[i] = this.view.getUint8(p)
      }
    }
    return out
  }
}

function checkEntry(e: IndexEntry, i: number, store: Uint8Array): void {
  const where = () => `index entry ${i} (tag ${e.tag}, type ${e.type}, offset ${e.offset}, count ${e.count})`
  if (e.type < RpmType.NULL || e.type > RpmType.I18NSTRING) throw new RpmHeaderError(`${where()}: unknown type`)
  if (e.count < 0 || e.count > MAX_COUNT) throw new RpmHeaderError(`${where()}: bad count`)
  if (e.offset < 0 || e.offset > store.length) throw new RpmHeaderError(`${where()}: offset outside the data store`)
  const size = TYPE_SIZE[e.type] as number
  if (size > 1 && e.offset % size !== 0) throw new RpmHeaderError(`${where()}: misaligned`)
  if (size >= 0) {
    if (e.offset + size * e.count > store.length) throw new RpmHeaderError(`${where()}: data runs past the store`)
    return
  }
  if (e.type === RpmType.STRING && e.count !== 1) throw new RpmHeaderError(`${where()}: a STRING has count 1`)
  let pos = e.offset
  for (let n = 0; n < e.count; n++) {
    const end = store.indexOf(0, pos)
    if (end < 0) throw new RpmHeaderError(`${where()}: string ${n} runs past the store`)
    pos = end + 1
  }
}

/** What the cataloger needs from one installed package's header. */
export interface RpmPackageInfo {
  name: string
  version: string
  release: string
  /** Present only when the header has an EPOCH tag (rpm and syft show `0:` only then). */
  epoch?: number
  arch?: string
  sourceRpm?: string
  vendor?: string
  license?: string
  summary?: string
  size?: number
  modularityLabel?: string
  files: string[]
}

export interface ParseOptions {
  /** Build the file list (default true); dating older layers' databases does not need it. */
  files?: boolean
}

/** Parses a stored header blob into package facts; throws RpmHeaderError for any damage. */
export function parseRpmHeader(blob: Uint8Array, opts: ParseOptions = {}): RpmPackageInfo {
  const h = RpmHeader.parse(blob)
  const name = h.string(RpmTag.NAME)
  if (!name) throw new RpmHeaderError('header has no NAME')
  const version = h.string(RpmTag.VERSION)
  if (version === undefined) throw new RpmHeaderError(`${name}: header has no VERSION`)
  const release = h.string(RpmTag.RELEASE)
  if (release === undefined) throw new RpmHeaderError(`${name}: header has no RELEASE`)
  const info: RpmPackageInfo = { name, version, release, files: opts.files === false ? [] : fileList(h, name) }
  const epoch = h.int(RpmTag.EPOCH)
  if (epoch !== undefined) info.epoch = epoch
  const opt = (key: 'arch' | 'sourceRpm' | 'vendor' | 'license' | 'summary' | 'modularityLabel', tag: number) => {
    const s = h.string(tag)
    if (s !== undefined && s !== '') info[key] = s
  }
  opt('arch', RpmTag.ARCH)
  opt('sourceRpm', RpmTag.SOURCERPM)
  opt('vendor', RpmTag.VENDOR)
  opt('license', RpmTag.LICENSE)
  opt('summary', RpmTag.SUMMARY)
  opt('modularityLabel', RpmTag.MODULARITYLABEL)
  // LONGSIZE replaces SIZE for packages over 4 GiB.
  const size = h.int(RpmTag.LONGSIZE) ?? h.int(RpmTag.SIZE)
  if (size !== undefined) info.size = size
  return info
}

function fileList(h: RpmHeader, name: string): string[] {
  const basenames = h.stringArray(RpmTag.BASENAMES)
  if (!basenames) return h.stringArray(RpmTag.OLDFILENAMES) ?? []
  const dirnames = h.stringArray(RpmTag.DIRNAMES) ?? []
  const dirindexes = h.intArray(RpmTag.DIRINDEXES) ?? []
  if (dirindexes.length !== basenames.length) {
    throw new RpmHeaderError(`${name}: ${basenames.length} BASENAMES but ${dirindexes.length} DIRINDEXES`)
  }
  return basenames.map((base, i) => {
    const dir = dirnames[dirindexes[i] as number]
    if (dir === undefined)
      throw new RpmHeaderError(`${name}: DIRINDEXES[${i}] points past the ${dirnames.length} DIRNAMES`)
    return dir + base
  })
}
