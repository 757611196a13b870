/** Parsing of one 512-byte tar header block (ustar, GNU and pax), shared by the archive indexer and the layer walk. */

export const TAR_BLOCK = 512

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other'

export interface TarHeader {
  name: string
  linkname: string
  size: number
  mode: number
  uid: number
  gid: number
  mtime: number
  /** The raw type flag: '0' file, '5' dir, 'x' pax, 'L' GNU long name… */
  typeflag: string
}

export function cstr(buf: Uint8Array, start: number, len: number): string {
  let end = start
  while (end < start + len && buf[end] !== 0) end++
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8')
}

export function octal(buf: Uint8Array, start: number, len: number): number {
  // GNU base-256 for values that do not fit in octal (sizes over 8 GiB): high bit of the first byte set.
  if ((buf[start] ?? 0) & 0x80) {
    let v = (buf[start] ?? 0) & 0x7f
    for (let i = start + 1; i < start + len; i++) v = v * 256 + (buf[i] ?? 0)
    return v
  }
  let v = 0
  let seen = false
  for (let i = start; i < start + len; i++) {
    const c = buf[i] ?? 0
    if (c === 0) break
    if (c === 0x20) {
      if (seen) break
      continue
    }
    if (c < 0x30 || c > 0x37) return Number.NaN
    v = v * 8 + (c - 0x30)
    seen = true
  }
  return v
}

export function isZeroBlock(h: Uint8Array): boolean {
  for (let i = 0; i < TAR_BLOCK; i++) if (h[i] !== 0) return false
  return true
}

export function validHeaderChecksum(h: Uint8Array): boolean {
  const stored = octal(h, 148, 8)
  if (Number.isNaN(stored)) return false
  let sum = 0
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0)
  return stored === sum
}

/** Parses a header block whose checksum has been checked. Returns undefined when a numeric field is garbage. */
export function parseHeader(h: Uint8Array): TarHeader | undefined {
  const size = octal(h, 124, 12)
  const mode = octal(h, 100, 8)
  if (Number.isNaN(size) || Number.isNaN(mode)) return undefined
  const magic = cstr(h, 257, 6)
  const prefix = magic === 'ustar' ? cstr(h, 345, 155) : ''
  const base = cstr(h, 0, 100)
  return {
    name: prefix ? `${prefix}/${base}` : base,
    linkname: cstr(h, 157, 100),
    size,
    mode,
    uid: octal(h, 108, 8) || 0,
    gid: octal(h, 116, 8) || 0,
    mtime: octal(h, 136, 12) || 0,
    typeflag: h[156] === 0 ? '0' : String.fromCharCode(h[156] ?? 0x30),
  }
}

export function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '7':
      return 'file'
    case '5':
      return 'directory'
    case '2':
      return 'symlink'
    case '1':
      return 'link'
    default:
      return 'other'
  }
}

/** Pax extended header records: `LEN key=value\n`. */
export function parsePax(data: Uint8Array): Record<string, string> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const out: Record<string, string> = {}
  let i = 0
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i)
    if (sp === -1) break
    const len = Number.parseInt(buf.toString('ascii', i, sp), 10)
    if (!Number.isFinite(len) || len <= 0 || i + len > buf.length) break
    const rec = buf.toString('utf8', sp + 1, i + len - 1)
    const eq = rec.indexOf('=')
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1)
    i += len
  }
  return out
}

/** Extension headers carry data for the next real entry rather than being entries themselves. */
export function isExtensionHeader(typeflag: string): boolean {
  return typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K'
}
