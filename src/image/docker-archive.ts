import { ShipshapeError } from '../internal/index.js'
import {
  type Digest,
  formatPlatform,
  type ImageRef,
  type Platform,
  samePlatform,
  sha256Digest,
} from '../model/index.js'
import { parseImageConfig, parseJson } from './config.js'
import { MT } from './media-types.js'
import type { MemberStore } from './store.js'
import type { Image, Layer } from './types.js'

interface LegacyEntry {
  Config: string
  RepoTags: string[]
  Layers: string[]
}

/**
 * The legacy `docker save` layout: manifest.json names a config `<image id>.json` and one `<v1 id>/layer.tar`
 * per layer. No blob digests are recorded, so a layer's only check is its uncompressed sha256 against the
 * config's diff_id, and the config's against the image id in its file name.
 */
export async function readDockerArchive(
  store: MemberStore,
  opts: { ref: ImageRef; name?: string; platform?: Platform },
): Promise<Image> {
  const where = store.where
  const doc = parseJson(await store.read('manifest.json'), 'manifest.json', where)
  const list = Array.isArray(doc.items) ? doc.items : []
  const entries: LegacyEntry[] = list.map((e, i) => {
    const o = (e ?? {}) as Record<string, unknown>
    if (typeof o.Config !== 'string' || !Array.isArray(o.Layers) || !o.Layers.every((l) => typeof l === 'string')) {
      throw new ShipshapeError('NOT_AN_IMAGE', `manifest.json entry ${i} lacks Config or Layers`, { where })
    }
    return {
      Config: o.Config,
      RepoTags: Array.isArray(o.RepoTags) ? o.RepoTags.filter((t): t is string => typeof t === 'string') : [],
      Layers: o.Layers as string[],
    }
  })
  if (entries.length === 0) throw new ShipshapeError('NOT_AN_IMAGE', 'manifest.json lists no images', { where })
  let entry: LegacyEntry
  if (opts.name) {
    const want = opts.name
    const hits = entries.filter((e) =>
      e.RepoTags.some((t) => t === want || t.endsWith(`/${want}`) || t.endsWith(`:${want}`)),
    )
    if (hits.length !== 1) {
      throw new ShipshapeError(
        'NOT_FOUND',
        `no single image named ${want} in the archive; it has: ${entries.flatMap((e) => e.RepoTags).join(', ')}`,
        {
          where,
        },
      )
    }
    entry = hits[0] as LegacyEntry
  } else if (entries.length === 1) {
    entry = entries[0] as LegacyEntry
  } else {
    throw new ShipshapeError(
      'USAGE',
      `the archive holds ${entries.length} images (${entries.map((e) => e.RepoTags.join(' ') || e.Config).join(', ')}); name one, e.g. archive://FILE:NAME:TAG`,
      { where },
    )
  }
  const configBuf = await store.read(entry.Config)
  const m = /([a-f0-9]{64})\.json$/.exec(entry.Config)
  const configDigest = sha256Digest(configBuf)
  if (m && `sha256:${m[1]}` !== configDigest) {
    throw new ShipshapeError(
      'DIGEST_MISMATCH',
      `config ${entry.Config} does not match the image id in its name (content is ${configDigest})`,
      {
        where,
      },
    )
  }
  const config = parseImageConfig(configBuf, `${where} ${entry.Config}`)
  if (config.diffIds.length !== entry.Layers.length) {
    throw new ShipshapeError(
      'NOT_AN_IMAGE',
      `manifest.json has ${entry.Layers.length} layers but the config lists ${config.diffIds.length} diff_ids`,
      {
        where,
      },
    )
  }
  const platform: Platform = {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  }
  if (opts.platform && !samePlatform(platform, opts.platform)) {
    throw new ShipshapeError('PLATFORM', `image is ${formatPlatform(platform)}, not ${formatPlatform(opts.platform)}`, {
      where,
    })
  }
  const layers: Layer[] = []
  for (const [i, path] of entry.Layers.entries()) {
    const size = await store.size(path)
    if (size === undefined)
      throw new ShipshapeError('NOT_AN_IMAGE', `layer ${i} (${path}) is missing from the archive`, { where })
    const diffId = config.diffIds[i] as Digest
    // Docker ≥ 25 names layers blobs/sha256/<digest>, which may be compressed; the legacy <id>/layer.tar is not.
    const blob = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path)
    layers.push({
      index: i,
      digest: blob ? (`sha256:${blob[1]}` as Digest) : diffId,
      diffId,
      size,
      mediaType: MT.dockerLayerTar,
      compression: 'none',
      open: () => store.open(path),
    })
  }
  const first = entry.RepoTags[0]
  const colon = first ? first.lastIndexOf(':') : -1
  return {
    ref: opts.ref,
    name: first && colon > first.lastIndexOf('/') ? first.slice(0, colon) : first,
    tags: entry.RepoTags.map((t) => t.slice(t.lastIndexOf(':') + 1)).filter((t) => !t.includes('/')),
    configDigest,
    config,
    platform,
    layers,
    annotations: {},
    layout: 'docker-archive',
  }
}
