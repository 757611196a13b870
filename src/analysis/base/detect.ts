import type { Digest, Finding, Package, Report, Sbom } from '../../model/index.js'
import { parseDigest } from '../../model/index.js'
import type { BaseCatalogue, CatalogueImage } from './catalogue.js'

/** How the base image was found, in the order they are tried (Scout's, most to least certain). */
export type BaseFoundBy = 'provenance' | 'label' | 'layers'

export interface DetectedBase {
  foundBy: BaseFoundBy
  /** Repository as the evidence names it (`localhost/fixtures/debian-base`, `docker.io/library/debian`). */
  repository: string
  tag?: string
  digest?: Digest
  /** The catalogued image, when the catalogue knows it (by digest, else by layers). */
  entry?: CatalogueImage
  /** How many of the image's bottom layers are the base's; undefined when nothing tells. */
  layers?: number
}

export const BASE_NAME_LABEL = 'org.opencontainers.image.base.name'
export const BASE_DIGEST_LABEL = 'org.opencontainers.image.base.digest'

/** `host:5000/a/b:tag@sha256:…` → repository, tag, digest (a colon after the last slash starts the tag). */
export function splitImageName(s: string): { repository: string; tag?: string; digest?: Digest } {
  let rest = s
  let digest: Digest | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = parseDigest(rest.slice(at + 1))
    rest = rest.slice(0, at)
  }
  const colon = rest.lastIndexOf(':')
  const out: { repository: string; tag?: string; digest?: Digest } = { repository: rest }
  if (colon > rest.lastIndexOf('/')) {
    out.repository = rest.slice(0, colon)
    out.tag = rest.slice(colon + 1)
  }
  if (digest) out.digest = digest
  return out
}

function chainOf(sbom: Sbom): Digest[] {
  return sbom.target.layers.map((l) => l.diffId).filter((d): d is Digest => d !== undefined)
}

function isPrefix(prefix: readonly string[], chain: readonly string[]): boolean {
  return prefix.length <= chain.length && prefix.every((d, i) => chain[i] === d)
}

/**
 * The catalogued image whose diff_id chain is the longest proper prefix of this image's chain. A proper prefix:
 * an image is not its own base. Ties (one chain under several digests) go to the most recently seen.
 */
export function longestPrefixBase(sbom: Sbom, catalogue: BaseCatalogue): CatalogueImage | undefined {
  const chain = chainOf(sbom)
  const first = chain[0]
  if (!first) return undefined
  const own = sbom.target.manifestDigest ?? sbom.target.configDigest
  let best: CatalogueImage | undefined
  for (const c of catalogue.startingWith(first)) {
    if (c.digest === own || c.diffIds.length >= chain.length || !isPrefix(c.diffIds, chain)) continue
    if (
      !best ||
      c.diffIds.length > best.diffIds.length ||
      (c.diffIds.length === best.diffIds.length && c.seq > best.seq)
    )
      best = c
  }
  return best
}

/**
 * Finds an image's base: the provenance attestation's materials, else the `org.opencontainers.image.base.*` labels,
 * else the catalogue's longest layer prefix. Whatever named it, the layers that belong to the base are known when
 * the named image is catalogued with a chain that prefixes this one, or else from the layer-prefix match.
 */
export function detectBase(sbom: Sbom, catalogue?: BaseCatalogue): DetectedBase | undefined {
  const chain = chainOf(sbom)
  const byLayers = catalogue ? longestPrefixBase(sbom, catalogue) : undefined
  const named = (foundBy: BaseFoundBy, n: { repository: string; tag?: string; digest?: Digest }): DetectedBase => {
    const entry = n.digest && catalogue ? catalogue.get(n.digest) : undefined
    const d: DetectedBase = { foundBy, ...n }
    if (entry && isPrefix(entry.diffIds, chain)) {
      d.entry = entry
      d.layers = entry.diffIds.length
    } else if (
      byLayers &&
      (!n.digest || byLayers.digest === n.digest || sameRepoPath(byLayers.repository, n.repository))
    ) {
      d.entry = byLayers
      d.layers = byLayers.diffIds.length
    }
    return d
  }
  const prov = sbom.target.provenance?.baseImage
  if (prov) {
    const n = splitImageName(prov.name)
    return named('provenance', {
      repository: n.repository,
      ...(prov.tag ? { tag: prov.tag } : n.tag ? { tag: n.tag } : {}),
      ...(prov.digest ? { digest: prov.digest } : {}),
    })
  }
  const label = sbom.target.labels[BASE_NAME_LABEL]
  if (label) {
    const n = splitImageName(label)
    const digest = parseDigest(sbom.target.labels[BASE_DIGEST_LABEL]) ?? n.digest
    return named('label', { repository: n.repository, ...(n.tag ? { tag: n.tag } : {}), ...(digest ? { digest } : {}) })
  }
  if (!byLayers) return undefined
  const tag = byLayers.tags[0]
  return {
    foundBy: 'layers',
    repository: byLayers.repository,
    ...(tag ? { tag } : {}),
    digest: byLayers.digest,
    entry: byLayers,
    layers: byLayers.diffIds.length,
  }
}

/** `localhost/fixtures/debian-base` and `127.0.0.1:5000/fixtures/debian-base` name the same path on two hosts. */
function sameRepoPath(a: string, b: string): boolean {
  const path = (s: string) =>
    s.includes('/') && /[.:]|^localhost$/.test(s.split('/')[0] as string) ? s.slice(s.indexOf('/') + 1) : s
  return path(a) === path(b)
}

/** Whether a package came with the base image: the layer that introduced it (unchanged since) is a base layer. */
export function fromBase(
  p: Pick<Package, 'introducedIn'> | Finding['package'],
  base: DetectedBase | undefined,
): boolean | undefined {
  if (base?.layers === undefined) return undefined
  return p.introducedIn.layerIndex < base.layers
}

/** The report with its base image named and each finding marked base or own (when the base layers are known). */
export function markBase(r: Report, base: DetectedBase | undefined): Report {
  if (!base) return r
  const name = base.tag ? `${base.repository}:${base.tag}` : base.repository
  return {
    ...r,
    base: {
      foundBy: base.foundBy,
      name,
      ...(base.digest ? { digest: base.digest } : {}),
      ...(base.layers !== undefined ? { layers: base.layers } : {}),
    },
    findings:
      base.layers === undefined
        ? r.findings
        : r.findings.map((f) => ({ ...f, fromBase: fromBase(f.package, base) === true })),
  }
}
