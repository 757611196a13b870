import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileGlobs } from '../../../src/filetree/glob.js'
import type { ContentVersion, FileInfo, FileResolver, LayerRef } from '../../../src/filetree/types.js'
import type { Digest, Location } from '../../../src/model/index.js'

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const fixturesDir = join(repo, 'test/fixtures/catalogers/rpm')

export interface ExpectedPackage {
  name: string
  epochnum: number
  version: string
  release: string
  arch: string
  sourceRpm: string
  vendor: string
  license: string
}

export interface Expected {
  truth: string
  packages: ExpectedPackage[]
  files: string[]
}

export function loadExpected(name: string): Expected {
  return JSON.parse(readFileSync(join(fixturesDir, name, 'expected.json'), 'utf8')) as Expected
}

export function fixtureFile(name: string, path: string): Buffer {
  return readFileSync(join(fixturesDir, name, 'rootfs', path))
}

/**
 * A FileResolver over an in-memory layered filesystem: for each kept path, its content as written by each
 * layer (undefined = deleted there). Only what the rpm cataloger uses is meaningful; symlinks are not modelled.
 */
export class MemoryResolver implements FileResolver {
  readonly layers: readonly LayerRef[]
  constructor(
    layerCount: number,
    private readonly files: Map<string, { layerIndex: number; content: Buffer | undefined }[]>,
  ) {
    this.layers = Array.from({ length: layerCount }, (_, index) => ({ index, diffId: diffId(index) }))
  }

  static single(files: Record<string, Buffer>): MemoryResolver {
    const m = new Map(Object.entries(files).map(([p, c]) => [p, [{ layerIndex: 0, content: c }]]))
    return new MemoryResolver(1, m)
  }

  private current(path: string): { layerIndex: number; content: Buffer | undefined } | undefined {
    const h = this.files.get(path)
    const last = h?.[h.length - 1]
    return last?.content ? last : undefined
  }

  stat(path: string): FileInfo | undefined {
    const cur = this.current(path)
    if (!cur?.content) return undefined
    const h = this.files.get(path) ?? []
    let first = cur.layerIndex
    for (let i = h.length - 1; i >= 0 && h[i]?.content; i--) first = h[i]?.layerIndex ?? first
    return {
      path,
      type: 'file',
      size: cur.content.length,
      mode: 0o644,
      firstLayer: first,
      lastLayer: cur.layerIndex,
      hasContent: true,
    }
  }

  read(path: string): Buffer | undefined {
    return this.current(path)?.content
  }

  glob(pattern: string): FileInfo[] {
    const re = compileGlobs([pattern])
    return [...this.files.keys()].filter((p) => re.test(p)).flatMap((p) => this.stat(p) ?? [])
  }

  history(path: string): ContentVersion[] {
    return (this.files.get(path) ?? []).map((v) => ({ layerIndex: v.layerIndex, content: v.content }))
  }

  location(path: string): Location {
    return this.locationIn(path, this.current(path)?.layerIndex ?? 0)
  }

  locationIn(path: string, layerIndex: number): Location {
    return { path, layer: diffId(layerIndex), layerIndex }
  }
}

export function diffId(i: number): Digest {
  return `sha256:${i.toString(16).padStart(64, '0')}` as Digest
}

// ---------------------------------------------------------------------------------------------------
// Builders for synthetic inputs, written from the format descriptions (not from the code under test).

export type TagSpec =
  | { tag: number; type: 'string' | 'i18n'; value: string }
  | { tag: number; type: 'strings'; value: string[] }
  | { tag: number; type: 'int32' | 'int16' | 'int64'; value: number[] }
  | { tag: number; type: 'bin'; value: Uint8Array }

const TYPE_CODE = { int16: 3, int32: 4, int64: 5, string: 6, bin: 7, strings: 8, i18n: 9 } as const

/** An rpm header blob as stored in a database: il, dl, 16-byte index entries, aligned data store. */
export function buildHeader(tags: TagSpec[]): Buffer {
  const chunks: Buffer[] = []
  let dl = 0
  const index: number[][] = []
  for (const t of tags) {
    let data: Buffer
    let count: number
    let align = 1
    switch (t.type) {
      case 'string':
      case 'i18n':
        data = Buffer.from(`${t.value}\0`)
        count = 1
        break
      case 'strings':
        data = Buffer.from(t.value.map((s) => `${s}\0`).join(''))
        count = t.value.length
        break
      case 'int16':
      case 'int32':
      case 'int64': {
        const size = t.type === 'int16' ? 2 : t.type === 'int32' ? 4 : 8
        align = size
        data = Buffer.alloc(size * t.value.length)
        t.value.forEach((n, i) => {
          if (size === 2) data.writeUInt16BE(n, i * 2)
          else if (size === 4) data.writeUInt32BE(n, i * 4)
          else data.writeBigUInt64BE(BigInt(n), i * 8)
        })
        count = t.value.length
        break
      }
      case 'bin':
        data = Buffer.from(t.value)
        count = t.value.length
        break
    }
    const pad = (align - (dl % align)) % align
    if (pad) {
      chunks.push(Buffer.alloc(pad))
      dl += pad
    }
    index.push([t.tag, TYPE_CODE[t.type], dl, count])
    chunks.push(data)
    dl += data.length
  }
  const head = Buffer.alloc(8 + 16 * index.length)
  head.writeInt32BE(index.length, 0)
  head.writeInt32BE(dl, 4)
  index.forEach((e, i) => {
    for (let j = 0; j < 4; j++) head.writeInt32BE(e[j] as number, 8 + i * 16 + j * 4)
  })
  return Buffer.concat([head, ...chunks])
}

export interface SimplePackage {
  name: string
  version: string
  release: string
  epoch?: number
  arch?: string
  sourceRpm?: string
  files?: string[]
}

export function buildPackageHeader(p: SimplePackage): Buffer {
  const tags: TagSpec[] = [
    { tag: 1000, type: 'string', value: p.name },
    { tag: 1001, type: 'string', value: p.version },
    { tag: 1002, type: 'string', value: p.release },
  ]
  if (p.epoch !== undefined) tags.push({ tag: 1003, type: 'int32', value: [p.epoch] })
  if (p.arch) tags.push({ tag: 1022, type: 'string', value: p.arch })
  if (p.sourceRpm) tags.push({ tag: 1044, type: 'string', value: p.sourceRpm })
  if (p.files?.length) {
    const dirs: string[] = []
    const idx: number[] = []
    const bases: string[] = []
    for (const f of p.files) {
      const cut = f.lastIndexOf('/') + 1
      const d = f.slice(0, cut)
      if (!dirs.includes(d)) dirs.push(d)
      idx.push(dirs.indexOf(d))
      bases.push(f.slice(cut))
    }
    tags.push({ tag: 1116, type: 'int32', value: idx })
    tags.push({ tag: 1117, type: 'strings', value: bases })
    tags.push({ tag: 1118, type: 'strings', value: dirs })
  }
  return buildHeader(tags)
}

function adler32(data: Uint8Array): number {
  let a = 1
  let b = 0
  for (const byte of data) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  return ((b << 16) | a) >>> 0
}

/**
 * An ndb Packages.db laid out as rpm's lib/backend/ndb/rpmpkg.c writes it: 32-byte header inside the
 * first 4 KiB slot page, 16-byte slots, blobs in 16-byte blocks with head, padding and adler32 tail.
 */
export function buildNdb(blobs: { pkgidx: number; blob: Uint8Array }[], opts: { slotPages?: number } = {}): Buffer {
  const slotPages = opts.slotPages ?? 1
  const le = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n >>> 0)
    return b
  }
  const fourcc = (s: string) => Buffer.from(s, 'latin1')
  const slotArea = Buffer.alloc(slotPages * 4096)
  fourcc('RpmP').copy(slotArea, 0)
  le(0).copy(slotArea, 4) // version
  le(7).copy(slotArea, 8) // generation
  le(slotPages).copy(slotArea, 12)
  le(Math.max(0, ...blobs.map((b) => b.pkgidx)) + 1).copy(slotArea, 16)
  for (let s = 2; s < slotPages * 256; s++) fourcc('Slot').copy(slotArea, s * 16)
  const blocks: Buffer[] = []
  let blkoff = slotPages * 256
  blobs.forEach((b, i) => {
    const blkcnt = Math.ceil((16 + b.blob.length + 12) / 16)
    const area = Buffer.alloc(blkcnt * 16)
    fourcc('BlbS').copy(area, 0)
    le(b.pkgidx).copy(area, 4)
    le(1704067200).copy(area, 8)
    le(b.blob.length).copy(area, 12)
    Buffer.from(b.blob).copy(area, 16)
    const tail = area.length - 12
    le(adler32(area.subarray(0, tail))).copy(area, tail)
    le(b.blob.length).copy(area, tail + 4)
    fourcc('BlbE').copy(area, tail + 8)
    const slot = (2 + i) * 16
    le(b.pkgidx).copy(slotArea, slot + 4)
    le(blkoff).copy(slotArea, slot + 8)
    le(blkcnt).copy(slotArea, slot + 12)
    blocks.push(area)
    blkoff += blkcnt
  })
  return Buffer.concat([slotArea, ...blocks])
}
