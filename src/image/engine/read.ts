import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { errorMessage, ShipshapeError } from '../../internal/index.js'
import {
  type Digest,
  digestHex,
  formatPlatform,
  type ImageRef,
  type Platform,
  samePlatform,
} from '../../model/index.js'
import { readArchiveFile } from '../archive.js'
import type { Image } from '../types.js'
import { EngineClient, type EngineImage, type EngineOptions } from './client.js'
import { matchRepoTag } from './names.js'
import { DEFAULT_SPOOL_MAX_BYTES, evictSpools, spoolDir, touchSpool, writeSpool } from './spool.js'

/** Whether an engine answers at DOCKER_HOST (for `image://`: engine first, then the registry). Never throws. */
export async function engineAvailable(opts: EngineOptions = {}): Promise<boolean> {
  let client: EngineClient | undefined
  try {
    client = new EngineClient({ ...opts, connectTimeoutMs: opts.connectTimeoutMs ?? 2000 })
    await client.ping()
    return true
  } catch (e) {
    opts.debug?.(`engine not available: ${e instanceof ShipshapeError ? e.oneLine() : errorMessage(e)}`)
    return false
  } finally {
    await client?.close().catch(() => undefined)
  }
}

/** The export is the image we inspected: its config digest is the engine's image ID (or, with containerd's image store, its manifest or index digest). */
function isImage(img: Image, id: Digest): boolean {
  return img.configDigest === id || img.manifestDigest === id || img.indexDigest === id
}

/**
 * Reads an image from a running engine (`local://NAME`, or `image://NAME` when the engine has it): inspect, then
 * `GET /images/{id}/get` spooled to `<cacheDir>/engine/<id>.tar` and read by the archive reader. A spool is kept
 * only when every layer and the config match the digests the export itself claims, and is reused on the next
 * read of the same image ID (only the inspect goes to the engine then). Throws NOT_FOUND when the engine lacks it.
 */
export async function readEngineImage(
  ref: ImageRef,
  opts: EngineOptions & { platform?: Platform } = {},
): Promise<Image> {
  if (ref.kind !== 'engine' && ref.kind !== 'image')
    throw new ShipshapeError('USAGE', `not an engine reference: ${ref.raw}`, { where: ref.raw })
  const debug = opts.debug
  const client = new EngineClient(opts)
  try {
    const found = await client.resolveImage(ref.name)
    if (!found)
      throw new ShipshapeError('NOT_FOUND', `no image ${ref.name} in the container engine`, { where: client.where })
    const info = found.image
    if (opts.platform && info.os && info.architecture) {
      const have: Platform = {
        os: info.os,
        architecture: info.architecture,
        ...(info.variant ? { variant: info.variant } : {}),
      }
      if (!samePlatform(have, opts.platform))
        throw new ShipshapeError(
          'PLATFORM',
          `the engine's ${ref.name} is ${formatPlatform(have)}, not ${formatPlatform(opts.platform)}`,
          { where: client.where },
        )
    }
    const readOpts = opts.platform ? { platform: opts.platform } : {}
    const dir = spoolDir(opts.cacheDir)
    const path = join(dir, `${digestHex(info.id)}.tar`)

    let image = await reuseSpool(path, ref, info, readOpts, debug)
    if (!image) {
      const t0 = performance.now()
      const body = await client.exportImage(info.id)
      const { bytes } = await writeSpool(
        body,
        path,
        async (tmp, hasher) => {
          const img = await readArchiveFile(tmp, ref, readOpts)
          if (!isImage(img, info.id))
            throw new ShipshapeError(
              'DIGEST_MISMATCH',
              `the engine exported a different image than ${info.id} (config ${img.configDigest ?? 'unknown'})`,
              { where: `${client.where} ${ref.name}` },
            )
          if (img.configDigest && !hasher.digests.has(img.configDigest))
            throw damaged(client, ref.name, `config ${img.configDigest}`)
          for (const l of img.layers)
            if (!hasher.digests.has(l.digest)) throw damaged(client, ref.name, `layer ${l.index} (${l.digest})`)
        },
        (e, n) =>
          new ShipshapeError(
            'ENGINE',
            `the export of ${ref.name} from the container engine broke off after ${n} bytes: ${errorMessage(e).split('\n')[0]}`,
            { where: client.where, cause: e },
          ),
      )
      debug?.(
        `engine spool: exported ${ref.name} (${info.id}) in ${Math.round(performance.now() - t0)} ms, ${bytes} bytes → ${path}`,
      )
      image = await readArchiveFile(path, ref, readOpts)
      await evictSpools(dir, opts.spoolMaxBytes ?? DEFAULT_SPOOL_MAX_BYTES, path, debug)
    }
    const { name, tags } = matchRepoTag(found.asked, info.repoTags, info.repoDigests)
    const out: Image = { ...image, ref, tags, layout: 'engine', repoDigests: [...info.repoDigests] }
    if (name !== undefined) out.name = name
    else delete out.name
    return out
  } finally {
    await client.close().catch(() => undefined)
  }
}

function damaged(client: EngineClient, name: string, what: string): ShipshapeError {
  return new ShipshapeError(
    'DIGEST_MISMATCH',
    `the engine's export of ${name} is damaged: ${what} does not match its bytes`,
    { where: client.where },
  )
}

/** A spool of this image ID from an earlier read, if it still reads as that image; a broken one is removed. */
async function reuseSpool(
  path: string,
  ref: ImageRef,
  info: EngineImage,
  readOpts: { platform?: Platform },
  debug: ((line: string) => void) | undefined,
): Promise<Image | undefined> {
  let img: Image
  try {
    img = await readArchiveFile(path, ref, readOpts)
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined
    if (e instanceof ShipshapeError && e.code === 'PLATFORM') throw e
    debug?.(`engine spool: discarding ${path}: ${errorMessage(e)}`)
    await rm(path, { force: true })
    return undefined
  }
  if (!isImage(img, info.id)) {
    debug?.(`engine spool: discarding ${path}: it holds ${img.configDigest}, not ${info.id}`)
    await rm(path, { force: true })
    return undefined
  }
  await touchSpool(path)
  debug?.(`engine spool: reusing ${path}`)
  return img
}
