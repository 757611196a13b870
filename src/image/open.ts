import { open as fsOpen } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ShipshapeError } from '../internal/index.js'
import type { ImageRef, Platform } from '../model/index.js'
import { readDockerArchive } from './docker-archive.js'
import { readOciLayout } from './oci-layout.js'
import { DirMemberStore, type MemberStore, TarMemberStore } from './store.js'
import type { Image, Source } from './types.js'

export interface OpenOptions {
  platform?: Platform
}

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
async function readLayout(
  store: MemberStore,
  ref: ImageRef,
  opts: OpenOptions,
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

export async function openSource(ref: ImageRef, opts: OpenOptions = {}): Promise<Source> {
  switch (ref.kind) {
    case 'archive': {
      const magic = await readMagic(ref.path)
      if (magic[0] === 0x1f && magic[1] === 0x8b) {
        throw new ShipshapeError('UNSUPPORTED', 'archive is gzip-compressed; decompress it first (gzip -d)', {
          where: ref.path,
        })
      }
      if (magic.readUInt32LE(0) === 0xfd2fb528) {
        throw new ShipshapeError('UNSUPPORTED', 'archive is zstd-compressed; decompress it first (zstd -d)', {
          where: ref.path,
        })
      }
      const store = await TarMemberStore.open(ref.path)
      return { kind: 'image', image: await readLayout(store, ref, opts, 'archive') }
    }
    case 'oci-dir':
      return { kind: 'image', image: await readLayout(new DirMemberStore(ref.path), ref, opts, 'dir') }
    case 'fs':
      return { kind: 'filesystem', fs: { ref, root: resolve(ref.path) } }
    case 'registry':
    case 'engine':
    case 'image':
      throw new ShipshapeError(
        'UNSUPPORTED',
        `reading ${ref.kind === 'engine' ? 'from a container engine' : 'from a registry'} is not available yet; save the image and use archive:// or oci-dir://`,
        { where: ref.raw },
      )
    case 'sbom':
      throw new ShipshapeError('UNSUPPORTED', 'an SBOM is not an image source for this command', { where: ref.raw })
    default: {
      const never: never = ref
      throw new Error(`unhandled reference ${JSON.stringify(never)}`)
    }
  }
}
