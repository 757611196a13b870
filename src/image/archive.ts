import { open as fsOpen } from 'node:fs/promises'
import { ShipshapeError } from '../internal/index.js'
import type { ImageRef, Platform } from '../model/index.js'
import { readDockerArchive } from './docker-archive.js'
import { readOciLayout } from './oci-layout.js'
import { type MemberStore, TarMemberStore } from './store.js'
import type { Image } from './types.js'

async function readMagic(path: string): Promise<Buffer> {
  const fh = await fsOpen(path, 'r')
  try {
    const b = Buffer.alloc(4)
    await fh.read(b, 0, 4, 0)
    return b
  } finally {
    await fh.close()
  }
}

/** Tells the layouts apart by what they contain, not by file name. */
export async function readLayout(
  store: MemberStore,
  ref: ImageRef,
  opts: { platform?: Platform },
  container: 'archive' | 'dir',
): Promise<Image> {
  const hasOci = (await store.has('oci-layout')) && (await store.has('index.json'))
  const hasLegacy = await store.has('manifest.json')
  const name = ref.kind === 'archive' ? ref.name : undefined
  const tag = ref.kind === 'oci-dir' ? ref.tag : name
  if (hasOci) {
    const layout = container === 'dir' ? 'oci-layout' : hasLegacy ? 'docker-archive-v25' : 'oci-archive'
    return readOciLayout(store, {
      ref,
      layout,
      ...(tag !== undefined ? { tag } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
    })
  }
  if (hasLegacy)
    return readDockerArchive(store, {
      ref,
      ...(name ? { name } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
    })
  throw new ShipshapeError('NOT_AN_IMAGE', 'not an image: no oci-layout/index.json and no manifest.json', {
    where: store.where,
  })
}

/** Reads an image archive file: `docker save` (legacy or Docker ≥ 25) or an oci-archive, told apart by content. */
export async function readArchiveFile(path: string, ref: ImageRef, opts: { platform?: Platform } = {}): Promise<Image> {
  const magic = await readMagic(path)
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    throw new ShipshapeError('UNSUPPORTED', 'archive is gzip-compressed; decompress it first (gzip -d)', {
      where: path,
    })
  }
  if (magic.readUInt32LE(0) === 0xfd2fb528) {
    throw new ShipshapeError('UNSUPPORTED', 'archive is zstd-compressed; decompress it first (zstd -d)', {
      where: path,
    })
  }
  return readLayout(await TarMemberStore.open(path), ref, opts, 'archive')
}
