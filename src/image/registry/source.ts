import type { Readable } from 'node:stream'
import { ShipshapeError } from '../../internal/index.js'
import type { Digest, ImageRef, Platform } from '../../model/index.js'
import { type BlobSource, type Descriptor, resolveImage } from '../oci-layout.js'
import type { Image } from '../types.js'
import { RegistryClient, type RegistryOptions } from './client.js'
import { parseRegistryReference, type RegistryReference } from './name.js'

export interface ReadRegistryOptions extends RegistryOptions {
  platform?: Platform
  /** A client to reuse (its pools, tokens and cache); otherwise one is made for this image and lives as long as it. */
  client?: RegistryClient
}

export interface RegistryBlobSource extends BlobSource {
  /** Remembers a manifest already fetched (by tag), so it is not fetched again by digest. */
  seed(d: Digest, bytes: Buffer): void
}

/** A `BlobSource` over one repository of a registry. */
export function registryBlobSource(
  client: RegistryClient,
  r: { registry: string; repository: string },
): RegistryBlobSource {
  const where = `${r.registry}/${r.repository}`
  const manifests = new Map<string, Buffer>()
  return {
    where,
    seed: (d, bytes) => {
      manifests.set(d, bytes)
    },
    async manifest(d: Digest): Promise<Buffer> {
      const hit = manifests.get(d)
      if (hit) return hit
      const m = await client.getManifest(r.registry, r.repository, d)
      manifests.set(d, m.bytes)
      return m.bytes
    },
    blob: (d: Digest, what: string) => client.blob(r.registry, r.repository, d, what),
    async layerSize(d: Digest, declared: number): Promise<number> {
      return declared >= 0 ? declared : client.blobSize(r.registry, r.repository, d)
    },
    // The client hashes every blob anyway (to keep only good bytes in the cache), so it is the one that checks
    // layers too and the layer walk does not hash the compressed bytes a second time.
    verifiesLayers: true,
    openLayer: (d: Digest, size: number, what: string): Promise<Readable> =>
      client.openBlob(r.registry, r.repository, d, { size, what }),
  }
}

function referenceOf(ref: ImageRef): RegistryReference {
  if (ref.kind !== 'registry' && ref.kind !== 'image') {
    throw new ShipshapeError('USAGE', `${ref.kind} reference is not a registry image`, { where: ref.raw })
  }
  return parseRegistryReference(ref.name)
}

/**
 * Reads an image from a registry: the tag (or digest) resolves to a manifest or an index, the platform is chosen
 * from an index, the config is fetched, and the layers stream from the registry when the layer walk opens them.
 */
export async function readRegistryImage(ref: ImageRef, opts: ReadRegistryOptions = {}): Promise<Image> {
  const r = referenceOf(ref)
  const client = opts.client ?? new RegistryClient(opts)
  const reference = r.digest ?? (r.tag as string)
  const top = await client.getManifest(r.registry, r.repository, reference)
  const src = registryBlobSource(client, r)
  src.seed(top.digest, top.bytes)
  const descriptor: Descriptor = {
    mediaType: top.mediaType,
    digest: top.digest,
    size: top.bytes.length,
    annotations: {},
  }
  const name = `${r.registry}/${r.repository}`
  const image = await resolveImage(src, descriptor, {
    ref,
    layout: 'registry',
    name,
    tags: r.tag !== undefined ? [r.tag] : [],
    ...(opts.platform ? { platform: opts.platform } : {}),
  })
  image.repoDigests = [`${name}@${top.digest}`]
  return image
}
