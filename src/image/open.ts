import { resolve } from 'node:path'
import { ShipshapeError } from '../internal/index.js'
import type { ImageRef, Platform } from '../model/index.js'
import { readArchiveFile, readLayout } from './archive.js'
import type { EngineOptions } from './engine/index.js'
import type { RegistryOptions } from './registry/index.js'
import { DirMemberStore } from './store.js'
import type { Source } from './types.js'

export interface OpenOptions {
  platform?: Platform
  registry?: RegistryOptions
  engine?: EngineOptions
}

function platformOf(opts: OpenOptions): { platform?: Platform } {
  return opts.platform ? { platform: opts.platform } : {}
}

export async function openSource(ref: ImageRef, opts: OpenOptions = {}): Promise<Source> {
  switch (ref.kind) {
    case 'archive':
      return { kind: 'image', image: await readArchiveFile(ref.path, ref, opts) }
    case 'oci-dir':
      return { kind: 'image', image: await readLayout(new DirMemberStore(ref.path), ref, opts, 'dir') }
    case 'fs':
      return { kind: 'filesystem', fs: { ref, root: resolve(ref.path) } }
    case 'registry': {
      const { readRegistryImage } = await import('./registry/index.js')
      return { kind: 'image', image: await readRegistryImage(ref, { ...opts.registry, ...platformOf(opts) }) }
    }
    case 'engine': {
      const { readEngineImage } = await import('./engine/index.js')
      return { kind: 'image', image: await readEngineImage(ref, { ...opts.engine, ...platformOf(opts) }) }
    }
    case 'image': {
      // As Scout: the local engine first when one answers and has the image, else the registry.
      const { engineAvailable, readEngineImage } = await import('./engine/index.js')
      if (await engineAvailable(opts.engine ?? {})) {
        try {
          return { kind: 'image', image: await readEngineImage(ref, { ...opts.engine, ...platformOf(opts) }) }
        } catch (e) {
          if (!(e instanceof ShipshapeError && e.code === 'NOT_FOUND')) throw e
        }
      }
      const { readRegistryImage } = await import('./registry/index.js')
      return { kind: 'image', image: await readRegistryImage(ref, { ...opts.registry, ...platformOf(opts) }) }
    }
    case 'sbom':
      throw new ShipshapeError('UNSUPPORTED', 'an SBOM is not an image source for this command', { where: ref.raw })
    default: {
      const never: never = ref
      throw new Error(`unhandled reference ${JSON.stringify(never)}`)
    }
  }
}
