// What the CycloneDX and SPDX encoders share: ordering, stable ids, the image's own identity, and the
// `shipshape:` properties (CycloneDX properties, SPDX annotations) that carry what neither format has a field for.

import { createHash } from 'node:crypto'
import type { Distro, ImageMaterial, Location, Package, Sbom, ScanIssue, TargetSummary } from '../../../model/index.js'
import { formatPlatform } from '../../../model/index.js'

export interface Property {
  name: string
  value: string
}

/** Plain code-unit order: `localeCompare` would make the output depend on the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Packages in a stable order, whatever order the catalogers (which run concurrently) returned them in. Package
 * ids are hashes of identity and location, so a repeated id is the same package reported twice: kept once, as
 * both formats need unique references.
 */
export function sortedPackages(sbom: Sbom): Package[] {
  const sorted = [...sbom.packages].sort(
    (a, b) =>
      compareStrings(a.kind, b.kind) ||
      compareStrings(a.name, b.name) ||
      compareStrings(a.version, b.version) ||
      compareStrings(a.id, b.id),
  )
  return sorted.filter((p, i) => i === 0 || sorted[i - 1]?.id !== p.id)
}

export function sortedLocations(locs: Location[]): Location[] {
  return [...locs].sort((a, b) => a.layerIndex - b.layerIndex || compareStrings(a.path, b.path))
}

export function sortedIssues(issues: ScanIssue[]): ScanIssue[] {
  return [...issues].sort(
    (a, b) =>
      compareStrings(a.source, b.source) ||
      compareStrings(a.kind, b.kind) ||
      compareStrings(a.location?.path ?? '', b.location?.path ?? '') ||
      compareStrings(a.message, b.message),
  )
}

// RFC 4122 URL namespace: the name hashed into it is a `shipshape:` string, so ids never clash with other tools'.
const UUID_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex')

/**
 * A name-based (version 5) UUID of `content`. Used instead of a random UUID so that the same SBOM always encodes
 * to the same bytes; the content includes the creation time, so two scans still get two serial numbers.
 */
export function contentUuid(kind: string, content: string): string {
  const digest = createHash('sha256').update(content).digest('hex')
  const h = createHash('sha1').update(UUID_NAMESPACE).update(`shipshape:${kind}:sha256:${digest}`).digest()
  h[6] = ((h[6] as number) & 0x0f) | 0x50
  h[8] = ((h[8] as number) & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

/**
 * `YYYY-MM-DDThh:mm:ssZ`: SPDX requires exactly this UTC form (no fraction), and CycloneDX accepts it, so both
 * documents of one scan carry the same time. Unparseable input is passed through for the schema to reject.
 */
export function utcSeconds(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Splits `Name <mail@host>` (Debian `Maintainer:`, apk `m:`) into its parts. */
export function parseContact(s: string): { name: string; email?: string } {
  const m = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(s.trim())
  if (!m) return { name: s.trim() }
  const name = (m[1] as string).trim()
  return { name: name || (m[2] as string), email: m[2] as string }
}

/** Who supplied a package: the distro maintainer (deb, apk) or the RPM vendor. */
export function packageSupplier(p: Package): string | undefined {
  const m = p.metadata
  const who = m.kind === 'deb' || m.kind === 'apk' ? m.maintainer : m.kind === 'rpm' ? m.vendor : undefined
  return who?.trim() || undefined
}

export interface TargetIdentity {
  /** Repository name when known, else what the user asked for. */
  name: string
  /** Manifest digest, else the first tag. */
  version?: string
  /** `pkg:oci/…` when the manifest digest is known (an OCI purl's version must be a digest). */
  purl?: string
}

export function targetIdentity(t: TargetSummary): TargetIdentity {
  const name = t.name ?? t.ref
  const tag = t.tags[0]
  const version = t.manifestDigest ?? tag
  const out: TargetIdentity = { name }
  if (version) out.version = version
  if (t.kind !== 'filesystem' && t.manifestDigest)
    out.purl = ociPurl(t.manifestDigest, t.name, tag, t.platform?.architecture)
  return out
}

/**
 * `pkg:oci/NAME@sha256%3A…?arch=…&repository_url=…&tag=…` as the purl spec's OCI type, trivy and Docker Scout
 * write it. Built by hand: packageurl-js 2 leaves the `:` of the digest unencoded, which the spec's examples and
 * other tools do encode, and purls are compared as strings.
 */
export function ociPurl(digest: string, repository: string | undefined, tag?: string, arch?: string): string {
  // The purl name is the last path segment of the repository, lower-cased; the full repository goes in a qualifier.
  const last = repository ? (repository.split('/').pop() as string).toLowerCase() : ''
  const name = last || 'image'
  const q: [string, string | undefined][] = [
    ['arch', arch],
    ['repository_url', repository],
    ['tag', tag],
  ]
  const qs = q
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&')
  return `pkg:oci/${encodeURIComponent(name)}@${encodeURIComponent(digest)}${qs ? `?${qs}` : ''}`
}

class Props {
  readonly list: Property[] = []
  add(name: string, value: string | number | undefined): void {
    if (value === undefined || value === '') return
    this.list.push({ name: `shipshape:${name}`, value: String(value) })
  }
  location(prefix: string, l: Location): void {
    this.add(`${prefix}:path`, l.path)
    // A plain directory (fs://) has no layers: its layer index means nothing then.
    if (l.layer) {
      this.add(`${prefix}:layerDiffID`, l.layer)
      this.add(`${prefix}:layerIndex`, l.layerIndex)
    }
  }
}

/**
 * What a package is, where it came from and who found it, beyond name/version/purl/licenses. The names follow
 * syft's `syft:location:0:path` and trivy's `aquasecurity:trivy:LayerDiffID` style under our own namespace.
 */
export function packageProperties(p: Package): Property[] {
  const out = new Props()
  out.add('package:kind', p.kind)
  out.add('package:foundBy', p.foundBy)
  const m = p.metadata
  switch (m.kind) {
    case 'deb':
      out.add('package:arch', m.architecture)
      break
    case 'rpm':
      out.add('package:arch', m.architecture)
      out.add('rpm:epoch', m.epoch)
      out.add('rpm:sourceRpm', m.sourceRpm)
      break
    case 'apk':
      out.add('package:arch', m.architecture)
      out.add('apk:origin', m.origin)
      break
    default:
      if (m.ownedBy) out.add('package:ownedBy', `${m.ownedBy.kind}:${m.ownedBy.name}`)
  }
  out.add('package:sourceName', p.source?.name)
  out.add('package:sourceVersion', p.source?.version)
  out.location('package:introducedIn', p.introducedIn)
  out.location('package:lastChangedIn', p.lastChangedIn)
  for (const [i, l] of sortedLocations(p.locations).entries()) out.location(`location:${i}`, l)
  return out.list
}

/** The scanned target: digests, platform, tags, layers and labels. */
export function targetProperties(t: TargetSummary): Property[] {
  const out = new Props()
  out.add('target:kind', t.kind)
  out.add('target:ref', t.ref)
  out.add('image:manifestDigest', t.manifestDigest)
  out.add('image:indexDigest', t.indexDigest)
  out.add('image:configDigest', t.configDigest)
  if (t.platform) out.add('image:platform', formatPlatform(t.platform))
  out.add('image:created', t.created)
  if (t.kind !== 'filesystem') out.add('image:size', t.size)
  for (const tag of t.tags) out.add('image:tag', tag)
  for (const l of [...t.layers].sort((a, b) => a.index - b.index)) {
    out.add(`image:layer:${l.index}:digest`, l.digest)
    out.add(`image:layer:${l.index}:diffID`, l.diffId)
    out.add(`image:layer:${l.index}:size`, l.size)
  }
  for (const k of Object.keys(t.labels).sort(compareStrings)) out.add(`image:label:${k}`, t.labels[k])
  for (const d of t.repoDigests ?? []) out.add('image:repoDigest', d)
  out.add('sbom:source', t.sbomSource)
  const p = t.provenance
  if (p) {
    // What the build attestation said, so that an SBOM read back (`sbom://`) still knows its base and its source.
    out.add('provenance:predicateType', p.predicateType)
    out.add('provenance:builderId', p.builderId)
    out.add('provenance:buildType', p.buildType)
    out.add('provenance:startedOn', p.startedOn)
    out.add('provenance:finishedOn', p.finishedOn)
    for (const [i, m] of p.materials.entries()) {
      out.add(`provenance:material:${i}:uri`, m.uri)
      out.add(`provenance:material:${i}:digest`, m.digest)
    }
    if (p.baseImage) out.add('provenance:baseImage', imageMaterialName(p.baseImage))
    out.add('provenance:source:repository', p.source?.repository)
    out.add('provenance:source:revision', p.source?.revision)
    out.add('provenance:source:dockerfile', p.source?.dockerfile)
  }
  return out.list
}

/** `name[:tag][@digest]`, the one-string form of an image material (its platform goes with it as `?platform=`). */
function imageMaterialName(m: ImageMaterial): string {
  return `${m.name}${m.tag ? `:${m.tag}` : ''}${m.digest ? `@${m.digest}` : ''}${m.platform ? `?platform=${m.platform}` : ''}`
}

/** Problems met during the scan, so a consumer of the SBOM knows it may be incomplete and where. */
export function issueProperties(issues: ScanIssue[]): Property[] {
  const out = new Props()
  for (const [i, issue] of sortedIssues(issues).entries()) {
    out.add(`issue:${i}:kind`, issue.kind)
    out.add(`issue:${i}:source`, issue.source)
    out.add(`issue:${i}:message`, issue.message)
    if (issue.location) out.location(`issue:${i}`, issue.location)
  }
  return out.list
}

/** The distro as found: its names, its family and the file that told us. */
export function distroProperties(d: Distro): Property[] {
  const out = new Props()
  out.add('distro:id', d.id)
  out.add('distro:versionID', d.versionId)
  out.add('distro:versionCodename', d.versionCodename)
  out.add('distro:prettyName', d.prettyName)
  for (const like of d.idLike) out.add('distro:idLike', like)
  out.add('distro:source', d.source)
  return out.list
}
