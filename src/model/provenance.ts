import type { Digest } from './digest.js'

/** An image named in a provenance's materials (`pkg:docker/NAME@TAG?platform=…` with its digest). */
export interface ImageMaterial {
  name: string
  tag?: string
  digest?: Digest
  platform?: string
}

export interface ProvenanceMaterial {
  uri: string
  digest?: Digest
  image?: ImageMaterial
}

/** What a SLSA provenance attestation (v0.2 or v1, as BuildKit writes them) says of how an image was built. */
export interface Provenance {
  predicateType: string
  slsaVersion: 'v0.2' | 'v1'
  builderId?: string
  buildType?: string
  startedOn?: string
  finishedOn?: string
  /** Everything the build resolved: base images, the Dockerfile frontend, fetched URLs. */
  materials: ProvenanceMaterial[]
  /** The image the build started FROM: the last image material that is not the Dockerfile frontend. */
  baseImage?: ImageMaterial
  /** The repository and commit the build context came from, when BuildKit recorded them. */
  source?: { repository?: string; revision?: string; dockerfile?: string }
}
