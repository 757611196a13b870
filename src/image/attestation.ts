import { ShipshapeError } from '../internal/index.js'
import type { Digest, ImageMaterial, Provenance, ProvenanceMaterial } from '../model/index.js'
import { parseDigest } from '../model/index.js'
import type { AttestationBlob } from './types.js'

/** One in-toto statement attached to an image, by what its predicate is. */
export type Attestation =
  | {
      kind: 'sbom'
      format: 'spdx' | 'cyclonedx'
      digest: Digest
      predicateType: string
      subjects: Digest[]
      statement: string
    }
  | { kind: 'provenance'; digest: Digest; predicateType: string; subjects: Digest[]; provenance: Provenance }
  | { kind: 'other'; digest: Digest; predicateType: string; subjects: Digest[] }

const SLSA_V02 = 'https://slsa.dev/provenance/v0.2'
const SLSA_V1 = /^https:\/\/slsa\.dev\/provenance\/v1(\.\d+)?$/
/** Where BuildKit (v0.2) and its v1 `runDetails.metadata.buildkit_metadata` keep the VCS source of the context. */
const BUILDKIT_METADATA = 'https://mobyproject.org/buildkit@v1#metadata'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** Reads one attestation layer as an in-toto statement (v0.1 or v1); throws NOT_AN_IMAGE naming the blob when it is not one. */
export function parseAttestation(blob: AttestationBlob, where: string): Attestation {
  let doc: unknown
  try {
    doc = JSON.parse(blob.bytes.toString('utf8'))
  } catch (e) {
    throw new ShipshapeError('NOT_AN_IMAGE', `attestation ${blob.digest} is not JSON: ${(e as Error).message}`, {
      where,
    })
  }
  if (!isObj(doc) || !str(doc._type)?.startsWith('https://in-toto.io/Statement/'))
    throw new ShipshapeError('NOT_AN_IMAGE', `attestation ${blob.digest} is not an in-toto statement`, { where })
  const predicateType = str(doc.predicateType) ?? blob.predicateType ?? ''
  const subjects = (Array.isArray(doc.subject) ? doc.subject : [])
    .map((s) => (isObj(s) && isObj(s.digest) ? parseDigest(`sha256:${String(s.digest.sha256 ?? '')}`) : undefined))
    .filter((d): d is Digest => d !== undefined)
  const base = { digest: blob.digest, predicateType, subjects }
  if (predicateType.startsWith('https://spdx.dev/Document'))
    return { kind: 'sbom', format: 'spdx', ...base, statement: blob.bytes.toString('utf8') }
  if (predicateType.startsWith('https://cyclonedx.org/bom'))
    return { kind: 'sbom', format: 'cyclonedx', ...base, statement: blob.bytes.toString('utf8') }
  if (predicateType === SLSA_V02 || SLSA_V1.test(predicateType)) {
    const predicate = isObj(doc.predicate) ? doc.predicate : {}
    return { kind: 'provenance', ...base, provenance: parseProvenance(predicateType, predicate) }
  }
  return { kind: 'other', ...base }
}

/**
 * `pkg:docker/NAME@TAG?platform=linux%2Famd64` (BuildKit's purl for an image material). Docker purls put the tag
 * where other purls put a version; the namespace may hold a registry host.
 */
export function imageFromPurl(uri: string, digest?: Digest): ImageMaterial | undefined {
  const m = /^pkg:docker\/([^@?#]+)(?:@([^?#]+))?(?:\?([^#]*))?/.exec(uri)
  if (!m) return undefined
  const name = decodeURIComponent(m[1] as string)
  const img: ImageMaterial = { name }
  if (m[2]) {
    const v = decodeURIComponent(m[2])
    const d = parseDigest(v)
    if (d) img.digest = d
    else img.tag = v
  }
  const platform = new URLSearchParams(m[3] ?? '').get('platform')
  if (platform) img.platform = platform
  if (digest && !img.digest) img.digest = digest
  return img
}

function material(v: unknown): ProvenanceMaterial | undefined {
  if (!isObj(v) || !str(v.uri)) return undefined
  const uri = v.uri as string
  const d =
    isObj(v.digest) && typeof v.digest.sha256 === 'string' ? parseDigest(`sha256:${v.digest.sha256}`) : undefined
  const m: ProvenanceMaterial = { uri }
  if (d) m.digest = d
  const image = imageFromPurl(uri, d)
  if (image) m.image = image
  return m
}

function parseProvenance(predicateType: string, p: Obj): Provenance {
  const v1 = predicateType !== SLSA_V02
  const buildDef = isObj(p.buildDefinition) ? p.buildDefinition : {}
  const runDetails = isObj(p.runDetails) ? p.runDetails : {}
  const runMeta = isObj(runDetails.metadata) ? runDetails.metadata : {}
  const meta = isObj(p.metadata) ? p.metadata : {}
  const rawMaterials = v1 ? buildDef.resolvedDependencies : p.materials
  const materials = (Array.isArray(rawMaterials) ? rawMaterials : [])
    .map(material)
    .filter((m): m is ProvenanceMaterial => m !== undefined)
  // The Dockerfile frontend (`docker/dockerfile:1`) is resolved as an image too; it is not what the image is built on.
  const ext = isObj(buildDef.externalParameters) ? buildDef.externalParameters : {}
  const inv = isObj(p.invocation) ? p.invocation : {}
  const request = v1 ? (isObj(ext.request) ? ext.request : {}) : isObj(inv.parameters) ? inv.parameters : {}
  const args = isObj(request.args) ? request.args : {}
  const frontend = str(args.source) ?? str(args.cmdline)
  const images = materials.filter((m) => m.image && !(frontend && sameImageName(m.image.name, frontend)))
  const buildkit = v1
    ? isObj(runMeta.buildkit_metadata)
      ? runMeta.buildkit_metadata
      : {}
    : isObj(meta[BUILDKIT_METADATA])
      ? (meta[BUILDKIT_METADATA] as Obj)
      : {}
  const vcs = isObj(buildkit.vcs) ? buildkit.vcs : {}
  const configSource = v1
    ? isObj(ext.configSource)
      ? ext.configSource
      : {}
    : isObj(inv.configSource)
      ? inv.configSource
      : {}
  const builder = v1 ? (isObj(runDetails.builder) ? runDetails.builder : {}) : isObj(p.builder) ? p.builder : {}
  const out: Provenance = { predicateType, slsaVersion: v1 ? 'v1' : 'v0.2', materials }
  const set = <K extends keyof Provenance>(k: K, v: Provenance[K] | undefined) => {
    if (v !== undefined) out[k] = v
  }
  set('builderId', str(builder.id))
  set('buildType', str(v1 ? buildDef.buildType : p.buildType))
  set('startedOn', str(v1 ? runMeta.startedOn : meta.buildStartedOn))
  set('finishedOn', str(v1 ? runMeta.finishedOn : meta.buildFinishedOn))
  set('baseImage', images.at(-1)?.image)
  const repository = str(vcs.source) ?? str(configSource.uri)
  const revision = str(vcs.revision) ?? (isObj(configSource.digest) ? str(configSource.digest.sha1) : undefined)
  const dockerfile = str(configSource.path) ?? str(configSource.entryPoint)
  const source = provenanceSource(repository, revision, dockerfile)
  if (source) out.source = source
  return out
}

/** The build's source as the model keeps it: only the parts that were said, and nothing when none was. */
export function provenanceSource(
  repository: string | undefined,
  revision: string | undefined,
  dockerfile: string | undefined,
): Provenance['source'] {
  if (!repository && !revision && !dockerfile) return undefined
  return {
    ...(repository ? { repository } : {}),
    ...(revision ? { revision } : {}),
    ...(dockerfile ? { dockerfile } : {}),
  }
}

/** `docker/dockerfile:1` names the image `docker.io/docker/dockerfile`; compare without registry, tag or digest. */
function sameImageName(a: string, b: string): boolean {
  const bare = (s: string) =>
    s
      .replace(/@.*$/, '')
      .replace(/:[^/]*$/, '')
      .replace(/^(docker\.io|index\.docker\.io)\//, '')
      .replace(/^library\//, '')
  return bare(a) === bare(b)
}
