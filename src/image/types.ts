import type { Readable } from 'node:stream'
import type { Digest, ImageRef, Platform } from '../model/index.js'

export interface HistoryEntry {
  created?: string
  createdBy?: string
  emptyLayer: boolean
  comment?: string
}

export interface ImageConfig {
  created?: string
  os: string
  architecture: string
  variant?: string
  labels: Record<string, string>
  env: string[]
  history: HistoryEntry[]
  diffIds: Digest[]
  /** The config document as read. */
  raw: Record<string, unknown>
}

export type Compression = 'gzip' | 'zstd' | 'none'

export interface Layer {
  index: number
  /** Digest of the blob as stored (compressed); for legacy `docker save` the uncompressed tar's. */
  digest: Digest
  diffId: Digest
  /** Stored size in bytes. */
  size: number
  mediaType: string
  /** Compression the media type claims; the layer walk trusts magic bytes over it. */
  compression: Compression
  /** Opens the stored blob. The reader verifies `digest` and `diffId` while streaming. */
  open(): Promise<Readable>
  /**
   * Set when the source itself checks `digest` as the bytes stream (a mismatch fails the stream with
   * DIGEST_MISMATCH): the layer walk then hashes only the uncompressed bytes, not the stored ones again.
   */
  verified?: boolean
}

export interface Image {
  ref: ImageRef
  /** Repository name if the source records one (`fixtures/debian-min`). */
  name?: string
  tags: string[]
  manifestDigest?: Digest
  indexDigest?: Digest
  configDigest?: Digest
  config: ImageConfig
  platform: Platform
  layers: Layer[]
  /** Annotations of the manifest (and of the index entry that chose it). */
  annotations: Record<string, string>
  /** Which layout we read, for diagnostics: `oci-layout`, `docker-archive`, `docker-archive-v25`, `oci-archive`, `registry`, `engine`. */
  layout: string
  /** Statements attached in the image's index (what `docker buildx build --sbom --provenance` pushes). */
  attestations?: AttestationSet
  /** Digests the image is known by in registries (an engine's RepoDigests, or the registry reference resolved). */
  repoDigests?: string[]
}

/** One layer of an attestation manifest: an in-toto statement, as stored. */
export interface AttestationBlob {
  digest: Digest
  mediaType: string
  /** The layer's `in-toto.io/predicate-type` annotation, when present (the statement itself says it too). */
  predicateType?: string
  bytes: Buffer
}

export interface AttestationSet {
  manifestDigest: Digest
  read(): Promise<AttestationBlob[]>
}

/** A plain directory tree (a root filesystem or a host), read in place. */
export interface Filesystem {
  ref: ImageRef
  root: string
}

export type Source = { kind: 'image'; image: Image } | { kind: 'filesystem'; fs: Filesystem }
