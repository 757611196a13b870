import { open } from 'node:fs/promises'
import { ShipshapeError } from '../internal/index.js'
import {
  cstr,
  entryType,
  isExtensionHeader,
  isZeroBlock,
  parseHeader,
  parsePax,
  TAR_BLOCK,
  type TarEntryType,
  validHeaderChecksum,
} from './tar-header.js'

export interface TarEntryRef {
  name: string
  /** Byte offset of the entry's data in the archive. */
  offset: number
  size: number
  type: TarEntryType
  linkname: string
}

/**
 * Lists the entries of an uncompressed tar file by reading only its headers, so that each member (a layer
 * blob of a `docker save` or oci-archive) can later be streamed on its own, in parallel, by offset.
 */
export async function indexTarFile(path: string): Promise<Map<string, TarEntryRef>> {
  const fh = await open(path, 'r')
  try {
    const { size: fileSize } = await fh.stat()
    const entries = new Map<string, TarEntryRef>()
    const h = Buffer.alloc(TAR_BLOCK)
    let pos = 0
    let longName: string | undefined
    let longLink: string | undefined
    let pax: Record<string, string> = {}
    const notTar = () =>
      new ShipshapeError('NOT_AN_IMAGE', 'not an image archive: the file is not a tar archive', { where: path })
    for (;;) {
      if (pos + TAR_BLOCK > fileSize) {
        if (pos === 0) throw notTar()
        // Some writers omit the two zero blocks at the end; a truncated member is caught below.
        break
      }
      await fh.read(h, 0, TAR_BLOCK, pos)
      if (isZeroBlock(h)) break
      const hdr = validHeaderChecksum(h) ? parseHeader(h) : undefined
      if (!hdr) {
        if (pos === 0) throw notTar()
        throw new ShipshapeError('CORRUPT_ARCHIVE', `corrupt tar header at byte ${pos}`, { where: path })
      }
      const dataStart = pos + TAR_BLOCK
      const size = hdr.typeflag === 'x' || pax.size === undefined ? hdr.size : Number(pax.size)
      if (dataStart + size > fileSize) {
        throw new ShipshapeError(
          'CORRUPT_ARCHIVE',
          `truncated archive: member at byte ${pos} runs past the end of the file`,
          {
            where: path,
          },
        )
      }
      if (isExtensionHeader(hdr.typeflag)) {
        const data = Buffer.alloc(size)
        await fh.read(data, 0, size, dataStart)
        if (hdr.typeflag === 'x') pax = parsePax(data)
        else if (hdr.typeflag === 'L') longName = cstr(data, 0, size)
        else if (hdr.typeflag === 'K') longLink = cstr(data, 0, size)
        pos = dataStart + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK
        continue
      }
      const name = (pax.path ?? longName ?? hdr.name).replace(/^\.\//, '').replace(/\/+$/, '')
      const linkname = pax.linkpath ?? longLink ?? hdr.linkname
      if (name) entries.set(name, { name, offset: dataStart, size, type: entryType(hdr.typeflag), linkname })
      pax = {}
      longName = undefined
      longLink = undefined
      pos = dataStart + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK
    }
    return entries
  } finally {
    await fh.close()
  }
}
