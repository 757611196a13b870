import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { join, normalize } from 'node:path'
import type { Readable } from 'node:stream'
import { ShipshapeError } from '../internal/index.js'
import { indexTarFile, type TarEntryRef } from './tar-index.js'

/** Small JSON documents (manifests, configs, indexes) are read whole; anything bigger is not an image document. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024

/** Named members of an image container: files of a directory, or members of a tar archive read in place. */
export interface MemberStore {
  /** Where the members live, for messages. */
  readonly where: string
  has(name: string): Promise<boolean>
  size(name: string): Promise<number | undefined>
  read(name: string, cap?: number): Promise<Buffer>
  open(name: string): Promise<Readable>
}

export class TarMemberStore implements MemberStore {
  private constructor(
    readonly where: string,
    private readonly entries: Map<string, TarEntryRef>,
  ) {}

  static async open(path: string): Promise<TarMemberStore> {
    return new TarMemberStore(path, await indexTarFile(path))
  }

  async has(name: string): Promise<boolean> {
    return this.resolve(name) !== undefined
  }

  async size(name: string): Promise<number | undefined> {
    return this.resolve(name)?.size
  }

  private resolve(name: string, depth = 0): TarEntryRef | undefined {
    const e = this.entries.get(normalize(name).replace(/^\.\//, ''))
    // docker save writes repeated layers as symlinks to the first copy.
    if (e && (e.type === 'symlink' || e.type === 'link') && depth < 8) {
      const target = e.type === 'symlink' ? join(name, '..', e.linkname) : e.linkname
      return this.resolve(target, depth + 1)
    }
    return e?.type === 'file' ? e : undefined
  }

  private need(name: string): TarEntryRef {
    const e = this.resolve(name)
    if (!e) throw new ShipshapeError('NOT_AN_IMAGE', `archive member ${name} is missing`, { where: this.where })
    return e
  }

  async read(name: string, cap = MAX_DOCUMENT_BYTES): Promise<Buffer> {
    const e = this.need(name)
    if (e.size > cap)
      throw new ShipshapeError('NOT_AN_IMAGE', `archive member ${name} is too large (${e.size} bytes)`, {
        where: this.where,
      })
    const fh = await open(this.where, 'r')
    try {
      const buf = Buffer.alloc(e.size)
      const { bytesRead } = await fh.read(buf, 0, e.size, e.offset)
      if (bytesRead !== e.size)
        throw new ShipshapeError('CORRUPT_ARCHIVE', `archive member ${name} is truncated`, { where: this.where })
      return buf
    } finally {
      await fh.close()
    }
  }

  async open(name: string): Promise<Readable> {
    const e = this.need(name)
    if (e.size === 0) return createReadStream(this.where, { start: 1, end: 0 })
    return createReadStream(this.where, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1024 * 1024 })
  }
}

export class DirMemberStore implements MemberStore {
  constructor(readonly where: string) {}

  private path(name: string): string {
    const n = normalize(name)
    if (n.startsWith('..') || n.startsWith('/'))
      throw new ShipshapeError('PATH_TRAVERSAL', `member name ${name} leaves the layout`, { where: this.where })
    return join(this.where, n)
  }

  async has(name: string): Promise<boolean> {
    return (await this.size(name)) !== undefined
  }

  async size(name: string): Promise<number | undefined> {
    try {
      const s = await stat(this.path(name))
      return s.isFile() ? s.size : undefined
    } catch {
      return undefined
    }
  }

  async read(name: string, cap = MAX_DOCUMENT_BYTES): Promise<Buffer> {
    const p = this.path(name)
    let s: Awaited<ReturnType<typeof stat>>
    try {
      s = await stat(p)
    } catch {
      throw new ShipshapeError('NOT_AN_IMAGE', `${name} is missing`, { where: this.where })
    }
    if (!s.isFile()) throw new ShipshapeError('NOT_AN_IMAGE', `${name} is not a file`, { where: this.where })
    if (s.size > cap)
      throw new ShipshapeError('NOT_AN_IMAGE', `${name} is too large (${s.size} bytes)`, { where: this.where })
    const fh = await open(p, 'r')
    try {
      return await fh.readFile()
    } finally {
      await fh.close()
    }
  }

  async open(name: string): Promise<Readable> {
    const p = this.path(name)
    try {
      await stat(p)
    } catch {
      throw new ShipshapeError('NOT_FOUND', `blob ${name} is missing`, { where: this.where })
    }
    return createReadStream(p, { highWaterMark: 1024 * 1024 })
  }
}
