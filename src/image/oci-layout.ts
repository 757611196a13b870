import type { Readable } from 'node:stream'
import { ShipshapeError } from '../internal/index.js'
import {
  type Digest,
  digestHex,
  formatPlatform,
  type ImageRef,
  type Platform,
  parseDigest,
  samePlatform,
  sha256Digest,
} from '../model/index.js'
import { parseImageConfig, parseJson } from './config.js'
import { compressionOf, isIndexMediaType, isLayerMediaType, isManifestMediaType, MT } from './media-types.js'
import { choosePlatform } from './platform-select.js'
import type { MemberStore } from './store.js'
import type { AttestationBlob, AttestationSet, Image, Layer } from './types.js'

export interface Descriptor {
  mediaType: string
  digest: Digest
  size: number
  platform?: Platform
  annotations: Record<string, string>
}

const REF_NAME = 'org.opencontainers.image.ref.name'
const CONTAINERD_NAME = 'io.containerd.image.name'

export function parseDescriptor(v: unknown, where: string, what: string): Descriptor {
  const o = (v ?? {}) as Record<string, unknown>
  const digest = parseDigest(o.digest)
  if (!digest) throw new ShipshapeError('NOT_AN_IMAGE', `${what} has no valid digest`, { where })
  const p = o.platform as Record<string, unknown> | undefined
  const annotations: Record<string, string> = {}
  for (const [k, x] of Object.entries((o.annotations ?? {}) as Record<string, unknown>))
    if (typeof x === 'string') annotations[k] = x
  return {
    mediaType: typeof o.mediaType === 'string' ? o.mediaType : '',
    digest,
    size: typeof o.size === 'number' ? o.size : -1,
    platform:
      p && typeof p.os === 'string' && typeof p.architecture === 'string'
        ? { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' ? { variant: p.variant } : {}) }
        : undefined,
    annotations,
  }
}

/**
 * Where manifests and blobs come from: an OCI layout (files or archive members) or a registry. Every byte handed
 * out is checked against its digest (layers while they stream, by the layer walk).
 */
export interface BlobSource {
  readonly where: string
  /** A manifest or index by digest, verified. */
  manifest(d: Digest, what: string): Promise<Buffer>
  /** A small blob (config, attestation statement) by digest, verified. */
  blob(d: Digest, what: string): Promise<Buffer>
  /** The stored size of a layer blob, checked against the manifest's where the source can tell without reading. */
  layerSize(d: Digest, declared: number, what: string): Promise<number>
  openLayer(d: Digest, size: number, what: string): Promise<Readable>
  /** Whether `openLayer` streams fail with DIGEST_MISMATCH by themselves (see `Layer.verified`). */
  verifiesLayers?: boolean
}

export function storeBlobSource(store: MemberStore): BlobSource {
  return {
    where: store.where,
    manifest: (d, what) => readVerified(store, d, what),
    blob: (d, what) => readVerified(store, d, what),
    async layerSize(d, declared, what) {
      const size = await store.size(blobName(d))
      // A missing layer is reported when it is read: an image described by its attested SBOM needs no layer.
      if (size === undefined) return Math.max(declared, 0)
      if (declared >= 0 && size !== declared) {
        throw new ShipshapeError(
          'DIGEST_MISMATCH',
          `${what} blob ${d} is ${size} bytes, the manifest says ${declared}`,
          {
            where: store.where,
          },
        )
      }
      return size
    },
    async openLayer(d, _size, what) {
      if (!(await store.has(blobName(d))))
        throw new ShipshapeError('NOT_AN_IMAGE', `${what} blob ${d} is missing`, { where: store.where })
      return store.open(blobName(d))
    },
  }
}

export function blobName(d: Digest): string {
  return `blobs/${d.slice(0, d.indexOf(':'))}/${digestHex(d)}`
}

/** Reads a blob named by a descriptor and checks its bytes against the descriptor's digest. */
export async function readVerified(store: MemberStore, d: Digest, what: string): Promise<Buffer> {
  const name = blobName(d)
  if (!(await store.has(name)))
    throw new ShipshapeError('NOT_AN_IMAGE', `${what} blob ${d} is missing`, { where: store.where })
  const buf = await store.read(name)
  const got = sha256Digest(buf)
  if (d.startsWith('sha256:') && got !== d) {
    throw new ShipshapeError('DIGEST_MISMATCH', `${what} blob ${d} does not match its digest (content is ${got})`, {
      where: store.where,
    })
  }
  return buf
}

function nameAndTag(annotations: Record<string, string>): { name?: string; tag?: string } {
  const full = annotations[CONTAINERD_NAME] ?? annotations[REF_NAME]
  if (!full) return {}
  const at = full.indexOf('@')
  const base = at === -1 ? full : full.slice(0, at)
  const colon = base.lastIndexOf(':')
  if (colon > base.lastIndexOf('/') && colon !== -1) return { name: base.slice(0, colon), tag: base.slice(colon + 1) }
  // A bare ref.name is a tag (skopeo's `oci:DIR:TAG`), unless it looks like a repository.
  return base.includes('/') ? { name: base } : { tag: base }
}

function matchesTag(d: Descriptor, want: string): boolean {
  const names = [d.annotations[REF_NAME], d.annotations[CONTAINERD_NAME]].filter((x): x is string => !!x)
  return names.some((n) => n === want || n.endsWith(`:${want}`) || n.endsWith(`/${want}`))
}

export interface OciReadOptions {
  ref: ImageRef
  tag?: string
  platform?: Platform
  layout: string
}

/**
 * Reads an OCI image layout (a directory, an oci-archive, or Docker ≥ 25's `docker save`, which is an OCI
 * layout with uncompressed layers plus a legacy manifest.json).
 */
export async function readOciLayout(store: MemberStore, opts: OciReadOptions): Promise<Image> {
  const where = store.where
  const layoutFile = parseJson(await store.read('oci-layout'), 'oci-layout', where)
  if (typeof layoutFile.imageLayoutVersion !== 'string') {
    throw new ShipshapeError('NOT_AN_IMAGE', 'oci-layout has no imageLayoutVersion', { where })
  }
  const index = parseJson(await store.read('index.json'), 'index.json', where)
  const manifests = Array.isArray(index.manifests) ? index.manifests : []
  const entries = manifests.map((m, i) => parseDescriptor(m, where, `index.json manifests[${i}]`))
  if (entries.length === 0) throw new ShipshapeError('NOT_AN_IMAGE', 'index.json lists no images', { where })

  let chosen: Descriptor
  if (opts.tag !== undefined) {
    const hits = entries.filter((e) => matchesTag(e, opts.tag as string))
    if (hits.length === 0) {
      throw new ShipshapeError(
        'NOT_FOUND',
        `no image tagged ${opts.tag} in the layout; it has: ${describeEntries(entries)}`,
        {
          where,
        },
      )
    }
    chosen = hits.length === 1 ? (hits[0] as Descriptor) : await pickPlatformAmong(store, hits, opts.platform, where)
  } else if (entries.length === 1) {
    chosen = entries[0] as Descriptor
  } else if (await allPlatformManifests(store, entries)) {
    // index.json itself is the platform index (e.g. `skopeo copy --all` to a fresh layout without tags).
    chosen = await pickPlatformAmong(store, entries, opts.platform, where)
  } else {
    const latest = entries.filter((e) => matchesTag(e, 'latest'))
    if (latest.length !== 1) {
      throw new ShipshapeError(
        'USAGE',
        `the layout holds ${entries.length} images (${describeEntries(entries)}); name one, e.g. ${opts.ref.kind}://${pathOf(opts.ref)}:TAG`,
        { where },
      )
    }
    chosen = latest[0] as Descriptor
  }
  const { name, tag } = nameAndTag(chosen.annotations)
  return resolveImage(storeBlobSource(store), chosen, { ...opts, name, tags: tag ? [tag] : [] })
}

function pathOf(ref: ImageRef): string {
  return 'path' in ref ? ref.path : ref.raw
}

function describeEntries(entries: Descriptor[]): string {
  return entries
    .map((e) => e.annotations[REF_NAME] ?? e.annotations[CONTAINERD_NAME] ?? `${e.digest.slice(0, 19)}…`)
    .join(', ')
}

async function allPlatformManifests(store: MemberStore, entries: Descriptor[]): Promise<boolean> {
  const platforms: Platform[] = []
  for (const e of entries) {
    if (!isManifestMediaType(e.mediaType)) return false
    const p = e.platform ?? (await manifestPlatform(store, e))
    if (!p) return false
    platforms.push(p)
  }
  return platforms.every((p, i) => platforms.findIndex((q) => samePlatform(p, q)) === i)
}

async function manifestPlatform(store: MemberStore, d: Descriptor): Promise<Platform | undefined> {
  try {
    const m = parseJson(await readVerified(store, d.digest, 'manifest'), 'manifest', store.where)
    const cd = parseDescriptor(m.config, store.where, 'manifest config')
    const cfg = parseImageConfig(await readVerified(store, cd.digest, 'config'), store.where)
    return { os: cfg.os, architecture: cfg.architecture, ...(cfg.variant ? { variant: cfg.variant } : {}) }
  } catch {
    return undefined
  }
}

async function pickPlatformAmong(
  store: MemberStore,
  entries: Descriptor[],
  want: Platform | undefined,
  where: string,
): Promise<Descriptor> {
  const withPlatform: { d: Descriptor; p: Platform }[] = []
  for (const d of entries) {
    const p = d.platform ?? (isManifestMediaType(d.mediaType) ? await manifestPlatform(store, d) : undefined)
    if (p) withPlatform.push({ d, p })
  }
  return choosePlatform(withPlatform, want, where)
}

export interface ResolveOptions extends OciReadOptions {
  name?: string
  tags: string[]
  indexDigest?: Digest
  extraAnnotations?: Record<string, string>
  attestation?: Descriptor
}

/** Follows a descriptor (an index, picking the platform, or a manifest) down to the image it names. */
export async function resolveImage(src: BlobSource, d: Descriptor, opts: ResolveOptions, depth = 0): Promise<Image> {
  const where = src.where
  if (depth > 4) throw new ShipshapeError('NOT_AN_IMAGE', 'image indexes nest too deeply', { where })
  const buf = await src.manifest(d.digest, isIndexMediaType(d.mediaType) ? 'image index' : 'manifest')
  const doc = parseJson(buf, `blob ${d.digest}`, where)
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : d.mediaType
  if (isIndexMediaType(mediaType) || (Array.isArray(doc.manifests) && !doc.layers)) {
    const list = (Array.isArray(doc.manifests) ? doc.manifests : []).map((m, i) =>
      parseDescriptor(m, where, `index ${d.digest} manifests[${i}]`),
    )
    const candidates = list
      .filter((m) => !(m.platform?.os === 'unknown' && m.platform.architecture === 'unknown'))
      .filter((m) => m.annotations['vnd.docker.reference.type'] !== 'attestation-manifest')
    const withPlatform = candidates.filter((m): m is Descriptor & { platform: Platform } => m.platform !== undefined)
    const pick = choosePlatform(
      withPlatform.map((m) => ({ d: m, p: m.platform })),
      opts.platform,
      `${where} index ${d.digest}`,
    )
    // buildx attaches SBOM and provenance statements as a manifest of platform unknown/unknown that points back at
    // the image manifest it describes.
    const attestation = list.find(
      (m) =>
        m.annotations['vnd.docker.reference.type'] === 'attestation-manifest' &&
        m.annotations['vnd.docker.reference.digest'] === pick.digest,
    )
    return resolveImage(
      src,
      pick,
      {
        ...opts,
        ...(attestation ? { attestation } : {}),
        indexDigest: opts.indexDigest ?? d.digest,
        extraAnnotations: { ...d.annotations, ...(opts.extraAnnotations ?? {}) },
      },
      depth + 1,
    )
  }
  if (!isManifestMediaType(mediaType) && !doc.layers) {
    throw new ShipshapeError(
      'NOT_AN_IMAGE',
      `blob ${d.digest} is neither an image manifest nor an index (${mediaType || 'no media type'})`,
      {
        where,
      },
    )
  }
  const configDesc = parseDescriptor(doc.config, where, `manifest ${d.digest} config`)
  const config = parseImageConfig(await src.blob(configDesc.digest, 'config'), `${where} config ${configDesc.digest}`)
  const layerDescs = (Array.isArray(doc.layers) ? doc.layers : []).map((l, i) =>
    parseDescriptor(l, where, `manifest ${d.digest} layers[${i}]`),
  )
  if (layerDescs.length !== config.diffIds.length) {
    throw new ShipshapeError(
      'NOT_AN_IMAGE',
      `manifest ${d.digest} has ${layerDescs.length} layers but its config lists ${config.diffIds.length} diff_ids`,
      { where },
    )
  }
  const platform: Platform = {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  }
  if (opts.platform && !samePlatform(platform, opts.platform) && depth === 0) {
    throw new ShipshapeError('PLATFORM', `image is ${formatPlatform(platform)}, not ${formatPlatform(opts.platform)}`, {
      where,
    })
  }
  const layers: Layer[] = []
  for (const [i, ld] of layerDescs.entries()) {
    if (!isLayerMediaType(ld.mediaType)) {
      throw new ShipshapeError('UNSUPPORTED', `layer ${i} has an unknown media type ${ld.mediaType}`, { where })
    }
    const size = await src.layerSize(ld.digest, ld.size, `layer ${i}`)
    layers.push({
      index: i,
      digest: ld.digest,
      diffId: config.diffIds[i] as Digest,
      size,
      mediaType: ld.mediaType,
      compression: compressionOf(ld.mediaType) ?? 'gzip',
      open: () => src.openLayer(ld.digest, size, `layer ${i}`),
      ...(src.verifiesLayers ? { verified: true } : {}),
    })
  }
  const annotations: Record<string, string> = { ...(opts.extraAnnotations ?? {}), ...d.annotations }
  for (const [k, v] of Object.entries((doc.annotations ?? {}) as Record<string, unknown>))
    if (typeof v === 'string') annotations[k] = v
  return {
    ref: opts.ref,
    name: opts.name,
    tags: opts.tags,
    manifestDigest: d.digest,
    indexDigest: opts.indexDigest,
    configDigest: configDesc.digest,
    config,
    platform,
    layers,
    annotations,
    layout: opts.layout,
    ...(opts.attestation ? { attestations: attestationReader(src, opts.attestation) } : {}),
  }
}

/** The in-toto statements of an attestation manifest, read only when asked for (each checked against its digest). */
function attestationReader(src: BlobSource, d: Descriptor): AttestationSet {
  return {
    manifestDigest: d.digest,
    async read() {
      const doc = parseJson(await src.manifest(d.digest, 'attestation manifest'), `attestation ${d.digest}`, src.where)
      const layers = (Array.isArray(doc.layers) ? doc.layers : []).map((l, i) =>
        parseDescriptor(l, src.where, `attestation ${d.digest} layers[${i}]`),
      )
      const out: AttestationBlob[] = []
      for (const l of layers) {
        if (!l.mediaType.startsWith('application/vnd.in-toto')) continue
        out.push({
          digest: l.digest,
          mediaType: l.mediaType,
          predicateType: l.annotations['in-toto.io/predicate-type'],
          bytes: await src.blob(l.digest, 'attestation statement'),
        })
      }
      return out
    },
  }
}

export { MT }
