import type { Digest } from './digest.js'
import type { Location } from './location.js'
import type { Package } from './package.js'
import type { Platform } from './platform.js'
import type { Provenance } from './provenance.js'

export interface Distro {
  /** os-release ID, e.g. `debian`, `alpine`, `rocky`. */
  id: string
  /** VERSION_ID, e.g. `12`, `3.18.4`; absent on rolling or unknown releases. */
  versionId?: string
  versionCodename?: string
  prettyName?: string
  idLike: string[]
  /** Which file told us. */
  source: string
}

export interface LayerSummary {
  index: number
  digest?: Digest
  diffId?: Digest
  size: number
  mediaType?: string
  createdBy?: string
}

export interface TargetSummary {
  kind: 'image' | 'filesystem' | 'sbom'
  /** What the user asked for. */
  ref: string
  name?: string
  tags: string[]
  manifestDigest?: Digest
  indexDigest?: Digest
  configDigest?: Digest
  platform?: Platform
  created?: string
  labels: Record<string, string>
  layers: LayerSummary[]
  /** Sum of compressed layer sizes. */
  size: number
  /** Digests the image is known by in registries (`registry/repo@sha256:…`). */
  repoDigests?: string[]
  /** Where the package list came from: our scan of the layers, or the SBOM attested to the image at build time. */
  sbomSource?: 'scan' | 'attestation'
  /** The image's provenance attestation, when it has one. */
  provenance?: Provenance
}

export type ScanIssueKind =
  | 'parse-error'
  | 'truncated-content'
  | 'unreadable-file'
  | 'unknown-distro'
  | 'unsupported-format'

/** A problem we met and worked around: the scan goes on and says where. */
export interface ScanIssue {
  kind: ScanIssueKind
  message: string
  location?: Location
  /** Cataloger or stage that met it. */
  source: string
}

export interface Sbom {
  /** Version of the native SBOM document layout (the stored snapshot). */
  schemaVersion: 1
  target: TargetSummary
  distro?: Distro
  packages: Package[]
  issues: ScanIssue[]
  tool: { name: string; version: string; catalogers: Record<string, number> }
  createdAt: string
}
