import { type Attestation, type Image, parseAttestation, type Source } from '../image/index.js'
import { ShipshapeError } from '../internal/index.js'
import type { Provenance, Sbom } from '../model/index.js'
import { type CachedSbomResult, generateSbomCached, type SbomCache } from './cache.js'
import { decodeSbom } from './formats/decode.js'
import type { GenerateOptions } from './generate.js'
import { imageTarget } from './generate.js'

/** `scan`: read the layers; `attestation`: only the SBOM attested at build time; `auto`: that when there is one. */
export type SbomSource = 'auto' | 'attestation' | 'scan'

/** The statements attached to an image in its index, parsed; none when the image has no attestation manifest. */
export async function readImageAttestations(image: Image): Promise<Attestation[]> {
  if (!image.attestations) return []
  const blobs = await image.attestations.read()
  const where = `${image.ref.raw} attestation manifest ${image.attestations.manifestDigest}`
  return blobs.map((b) => parseAttestation(b, where))
}

/**
 * The SBOM of an attestation, described as the image it is attached to. The attested document says nothing of
 * layers (BuildKit's scanner runs on the final filesystem), so packages keep the locations the document gives.
 */
export function sbomFromAttestation(image: Image, att: Attestation & { kind: 'sbom' }): Sbom {
  const d = decodeSbom(att.statement, { ref: image.ref.raw })
  if (!d.ok)
    throw new ShipshapeError('NOT_AN_IMAGE', `the attested SBOM ${att.digest} cannot be read: ${d.error}`, {
      where: image.ref.raw,
    })
  return { ...d.sbom, target: { ...imageTarget(image), sbomSource: 'attestation' } }
}

export interface ResolvedSbom extends CachedSbomResult {
  /** Which way the packages were found. */
  from: 'scan' | 'attestation'
  provenance?: Provenance
}

/**
 * The SBOM of a source as `--sbom-source` asks: an attested SBOM is taken whole (no size limit, as Scout), else the
 * layers are read (through the SBOM cache). The provenance, when attested, is attached to the target either way.
 */
export async function resolveSbom(
  source: Source,
  opts: GenerateOptions & { sbomSource?: SbomSource },
  cache: SbomCache | undefined,
): Promise<ResolvedSbom> {
  const mode = opts.sbomSource ?? 'auto'
  const image = source.kind === 'image' ? source.image : undefined
  // Provenance is read whatever the mode: base-image detection and the outputs use it.
  const attestations = image ? await readImageAttestations(image) : []
  const provenance = attestations.find((a) => a.kind === 'provenance')?.provenance
  const attested =
    mode === 'scan' ? undefined : attestations.find((a): a is Attestation & { kind: 'sbom' } => a.kind === 'sbom')
  if (mode === 'attestation' && !attested)
    throw new ShipshapeError('NOT_FOUND', 'the image has no SBOM attestation (use --sbom-source scan or auto)', {
      where: source.kind === 'image' ? source.image.ref.raw : source.fs.ref.raw,
    })
  if (image && attested) {
    const sbom = sbomFromAttestation(image, attested)
    if (provenance) sbom.target.provenance = provenance
    return { sbom, hit: false, from: 'attestation', ...(provenance ? { provenance } : {}) }
  }
  const r = await generateSbomCached(source, opts, cache)
  r.sbom.target.sbomSource = 'scan'
  if (provenance) r.sbom.target.provenance = provenance
  return { ...r, from: 'scan', ...(provenance ? { provenance } : {}) }
}
