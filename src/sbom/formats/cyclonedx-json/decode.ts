// Reading CycloneDX JSON back into the native SBOM (`sbom://FILE`), and what the SPDX decoder shares with it:
// rebuilding a package from its purl plus whatever properties the writing tool left (ours `shipshape:`, syft's
// `syft:`, trivy's `aquasecurity:trivy:`), the distro, and the target.

import { PackageURL } from 'packageurl-js'
import { imageFromPurl, provenanceSource } from '../../../image/index.js'
import type {
  Distro,
  ImageMaterial,
  LanguageMetadata,
  LayerSummary,
  Location,
  Package,
  PackageId,
  PackageKind,
  PackageMetadata,
  Provenance,
  ProvenanceMaterial,
  Sbom,
  ScanIssue,
  ScanIssueKind,
  TargetSummary,
} from '../../../model/index.js'
import { parseDigest, parsePlatform } from '../../../model/index.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'
import type { DecodeResult } from '../native-json/index.js'

export interface DecodeOptions {
  /** What the user named the SBOM by (`sbom://FILE`): the decoded target's `ref`. */
  ref?: string
}

/** Used as the target's ref when the caller does not say which file the document came from. */
export const DEFAULT_SBOM_REF = 'sbom://-'

// ---------------------------------------------------------------------------------------------------------------
// Shared by the CycloneDX and SPDX decoders
// ---------------------------------------------------------------------------------------------------------------

export type JsonObject = Record<string, unknown>

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined
}

/** One line, whatever the message: the CLI prints decode errors as one. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim()
}

/** Parses JSON; a failure is a one-line error, never an exception. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (e) {
    return { ok: false, error: oneLine(`not JSON: ${(e as Error).message}`) }
  }
}

/**
 * Named values of one element, several per name kept in order: CycloneDX `properties`, SPDX `annotations` and
 * `attributionTexts` (`name: value`). trivy's names are kept as `trivy:NAME`, whether CycloneDX spells them
 * `aquasecurity:trivy:NAME` or SPDX plain `NAME`.
 */
export class PropertyBag {
  private readonly map = new Map<string, string[]>()

  add(name: string, value: string): void {
    const key = name.startsWith('aquasecurity:trivy:') ? `trivy:${name.slice('aquasecurity:trivy:'.length)}` : name
    const list = this.map.get(key)
    if (list) list.push(value)
    else this.map.set(key, [value])
  }

  /** `name: value` text (SPDX annotation comments, trivy's attribution texts, whose names have no namespace). */
  addText(text: string): void {
    const i = text.indexOf(': ')
    if (i <= 0) return
    const name = text.slice(0, i).trim()
    this.add(name.includes(':') ? name : `trivy:${name}`, text.slice(i + 2))
  }

  get(name: string): string | undefined {
    const v = this.map.get(name)?.[0]
    return v === undefined || v === '' ? undefined : v
  }

  all(name: string): string[] {
    return this.map.get(name) ?? []
  }

  /** Every name under `prefix`, with the rest of the name. */
  under(prefix: string): [string, string][] {
    const out: [string, string][] = []
    for (const [k, vs] of this.map) if (k.startsWith(prefix)) for (const v of vs) out.push([k.slice(prefix.length), v])
    return out
  }

  int(name: string): number | undefined {
    const v = this.get(name)
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined
  }
}

export interface ParsedPurl {
  type: string
  namespace?: string
  name: string
  version?: string
  qualifiers: Record<string, string>
  subpath?: string
}

/**
 * packageurl-js's parse, plus the one form it refuses that we and others write: a maven purl without a group
 * (`pkg:maven/name@v`, for archives that do not say their groupId).
 */
export function parsePurl(s: string): ParsedPurl | undefined {
  const convert = (p: PackageURL, dropNamespace = false): ParsedPurl => {
    const out: ParsedPurl = { type: p.type, name: p.name, qualifiers: {} }
    if (p.namespace && !dropNamespace) out.namespace = p.namespace
    if (p.version) out.version = p.version
    if (p.subpath) out.subpath = p.subpath
    for (const [k, v] of Object.entries(p.qualifiers ?? {}))
      if (typeof v === 'string' && v !== '') out.qualifiers[k] = v
    return out
  }
  try {
    return convert(PackageURL.fromString(s))
  } catch {
    const m = /^pkg:maven\/([^/@?#]+)([@?#].*)?$/i.exec(s)
    if (!m) return undefined
    try {
      return convert(PackageURL.fromString(`pkg:maven/_/${m[1]}${m[2] ?? ''}`), true)
    } catch {
      return undefined
    }
  }
}

/** purl type → our package kind. */
export const PURL_KINDS: Readonly<Record<string, PackageKind>> = {
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  pypi: 'python',
  maven: 'java',
  golang: 'go-module',
  cargo: 'rust-crate',
  gem: 'gem',
  composer: 'composer',
  nuget: 'nuget',
}

const KIND_PURL_TYPE: Record<PackageKind, string> = {
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  python: 'pypi',
  java: 'maven',
  'go-module': 'golang',
  'rust-crate': 'cargo',
  gem: 'gem',
  composer: 'composer',
  nuget: 'nuget',
}

/** The package type other tools name in their own properties (syft's `syft:package:type`, trivy's `PkgType`). */
const TOOL_KINDS: Readonly<Record<string, PackageKind>> = {
  // syft
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  python: 'python',
  'java-archive': 'java',
  'jenkins-plugin': 'java',
  'go-module': 'go-module',
  'rust-crate': 'rust-crate',
  gem: 'gem',
  'php-composer': 'composer',
  dotnet: 'nuget',
  // trivy
  debian: 'deb',
  ubuntu: 'deb',
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  centos: 'rpm',
  redhat: 'rpm',
  rocky: 'rpm',
  alma: 'rpm',
  amazon: 'rpm',
  oracle: 'rpm',
  fedora: 'rpm',
  photon: 'rpm',
  'cbl-mariner': 'rpm',
  azurelinux: 'rpm',
  'opensuse.leap': 'rpm',
  'opensuse.tumbleweed': 'rpm',
  'suse linux enterprise server': 'rpm',
  'node-pkg': 'npm',
  yarn: 'npm',
  pnpm: 'npm',
  bun: 'npm',
  pip: 'python',
  pipenv: 'python',
  poetry: 'python',
  uv: 'python',
  'python-pkg': 'python',
  jar: 'java',
  pom: 'java',
  gradle: 'java',
  sbt: 'java',
  gomod: 'go-module',
  gobinary: 'go-module',
  cargo: 'rust-crate',
  'rust-binary': 'rust-crate',
  gemspec: 'gem',
  bundler: 'gem',
  composer: 'composer',
  'composer-vendor': 'composer',
  nuget: 'nuget',
  'dotnet-core': 'nuget',
  'packages-props': 'nuget',
}

/** `debian-12`, `alpine-3.18.4`, `opensuse-leap-15.5`, `centos-7.6.1810` (the purl `distro` qualifier). */
export function parseDistroQualifier(q: string): { id: string; versionId?: string } | undefined {
  const s = q.trim().toLowerCase()
  if (!s) return undefined
  const m = /^(.+?)-(\d[^-]*)$/.exec(s)
  return m ? { id: m[1] as string, versionId: m[2] as string } : { id: s }
}

/**
 * The distro a purl names: the `distro` qualifier as syft, trivy and we write it, or Docker Scout's `os_name` /
 * `os_version` (/ `os_distro`, the codename).
 */
export function distroOfPurl(p: ParsedPurl): { id: string; versionId?: string; versionCodename?: string } | undefined {
  const q = p.qualifiers
  if (q.distro) return parseDistroQualifier(q.distro)
  if (q.os_name) {
    const out: { id: string; versionId?: string; versionCodename?: string } = { id: q.os_name.toLowerCase() }
    if (q.os_version) out.versionId = q.os_version
    if (q.os_distro) out.versionCodename = q.os_distro
    return out
  }
  return undefined
}

/**
 * When the document has no operating-system element: the distro most OS packages' purls name (the first met on a
 * tie). Language packages' purls do not say.
 */
export function distroFromPurls(purls: (ParsedPurl | undefined)[], source: string): Distro | undefined {
  const counts = new Map<string, { n: number; d: { id: string; versionId?: string; versionCodename?: string } }>()
  for (const p of purls) {
    if (!p || (p.type !== 'deb' && p.type !== 'apk' && p.type !== 'rpm')) continue
    const d = distroOfPurl(p)
    if (!d) continue
    const key = `${d.id}\u0000${d.versionId ?? ''}`
    const c = counts.get(key)
    if (c) c.n++
    else counts.set(key, { n: 1, d })
  }
  let best: { n: number; d: { id: string; versionId?: string; versionCodename?: string } } | undefined
  for (const c of counts.values()) if (!best || c.n > best.n) best = c
  if (!best) return undefined
  const out: Distro = { id: best.d.id, idLike: [], source }
  if (best.d.versionId) out.versionId = best.d.versionId
  if (best.d.versionCodename) out.versionCodename = best.d.versionCodename
  return out
}

/** The distro an operating-system element describes: our properties, else syft's, else its name and version. */
export function distroFromElement(
  e: { name?: string; version?: string; description?: string; props: PropertyBag },
  source: string,
): Distro | undefined {
  const p = e.props
  const ours = p.get('shipshape:distro:id')
  if (ours) {
    const d: Distro = {
      id: ours,
      idLike: p.all('shipshape:distro:idLike'),
      source: p.get('shipshape:distro:source') ?? source,
    }
    const v = p.get('shipshape:distro:versionID')
    if (v) d.versionId = v
    const c = p.get('shipshape:distro:versionCodename')
    if (c) d.versionCodename = c
    const n = p.get('shipshape:distro:prettyName')
    if (n) d.prettyName = n
    return d
  }
  const id = p.get('syft:distro:id') ?? p.get('trivy:Type') ?? e.name
  if (!id) return undefined
  const like = p
    .under('syft:distro:idLike:')
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, v]) => v)
  const d: Distro = { id: id.trim().toLowerCase(), idLike: like, source }
  const v = p.get('syft:distro:versionID') ?? e.version
  if (v) d.versionId = v
  const c = p.get('syft:distro:versionCodename')
  if (c) d.versionCodename = c
  const n = p.get('syft:distro:prettyName') ?? e.description
  if (n) d.prettyName = n
  return d
}

/** A document's element, as both formats give it, before it becomes a package. */
export interface Element {
  /** bom-ref or SPDXID. */
  ref: string
  name?: string
  version?: string
  purl?: string
  props: PropertyBag
  licenses: string[]
  /** `Name <email>`. */
  supplier?: string
  homepage?: string
  /** Paths the format's own fields give (CycloneDX evidence occurrences, SPDX sourceInfo). */
  paths: string[]
  /** The source package, when the format's own fields give it (SPDX sourceInfo or GENERATED_FROM). */
  source?: { name: string; version?: string }
}

export interface ElementContext {
  format: 'cyclonedx-json' | 'spdx-json'
  /** The SBOM's ref: the path of packages whose document says nowhere where they were found. */
  ref: string
  /** Written by shipshape: its bom-refs / SPDXIDs carry the package ids. */
  own: boolean
  /** `name/version` of the tool that wrote the document, for packages that do not say what found them. */
  tool: string
  distro?: Distro
  /** diff_id → layer index, from our target properties. */
  layers: Map<string, number>
}

export type ElementResult = { ok: true; pkg: Package } | { ok: false; message: string }

const PEP503 = (s: string) => s.toLowerCase().replace(/[-_.]+/g, '-')

function epochJoin(epoch: string | undefined, version: string): string {
  return epoch !== undefined && epoch !== '' && !/^\d+:/.test(version) ? `${epoch}:${version}` : version
}

/** `curl-7.76.1-26.el9_3.2.src.rpm` → curl, 7.76.1-26.el9_3.2 (as the rpm cataloger reads SOURCERPM). */
export function parseSourceRpmName(file: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(file)
  return m ? { name: m[1] as string, version: `${m[2]}-${m[3]}` } : undefined
}

/** The package name as our catalogers write it for each kind. */
function nameFor(kind: PackageKind, p: ParsedPurl, docName: string | undefined): string {
  const joined = p.namespace ? `${p.namespace}/${p.name}` : p.name
  switch (kind) {
    case 'npm':
    case 'composer':
      return joined
    case 'go-module':
      // Docker Scout puts the tail of a nested module path in the subpath: the document's name then says it whole.
      if (docName && (docName === joined || docName.startsWith(`${joined}/`))) return docName
      return joined
    case 'python':
      return docName && PEP503(docName) === PEP503(p.name) ? docName : p.name
    default:
      return p.name
  }
}

function locationFrom(props: PropertyBag, prefix: string, layers: Map<string, number>): Location | undefined {
  const path = props.get(`${prefix}:path`)
  if (path === undefined) return undefined
  const layer = parseDigest(props.get(`${prefix}:layerDiffID`))
  const index = props.int(`${prefix}:layerIndex`)
  if (layer) return { path, layer, layerIndex: index ?? layers.get(layer) ?? 0 }
  return { path, layerIndex: index ?? 0 }
}

function sameLocation(a: Location, b: Location): boolean {
  return a.path === b.path && a.layer === b.layer && a.layerIndex === b.layerIndex
}

/** Where the package was found: our properties, else syft's, trivy's, cdxgen's, the format's own fields. */
function locationsOf(
  e: Element,
  ctx: ElementContext,
): { introducedIn: Location; lastChangedIn: Location; all: Location[] } {
  const p = e.props
  const ours: Location[] = []
  for (const i of new Set(p.under('shipshape:location:').map(([k]) => k.split(':')[0] as string))) {
    const l = locationFrom(p, `shipshape:location:${i}`, ctx.layers)
    if (l) ours.push(l)
  }
  const intro = locationFrom(p, 'shipshape:package:introducedIn', ctx.layers)
  const last = locationFrom(p, 'shipshape:package:lastChangedIn', ctx.layers)
  if (ours.length || intro || last) {
    const all = ours.length ? ours : [(last ?? intro) as Location]
    return {
      introducedIn: intro ?? last ?? (all[0] as Location),
      lastChangedIn: last ?? intro ?? (all[0] as Location),
      all,
    }
  }
  const paths: string[] = []
  const syft = p
    .under('syft:location:')
    .filter(([k]) => k.endsWith(':path'))
    .sort((a, b) => Number.parseInt(a[0], 10) - Number.parseInt(b[0], 10))
  for (const [, v] of syft) paths.push(v)
  for (const v of p.all('trivy:FilePath')) paths.push(v.startsWith('/') ? v : `/${v}`)
  for (const v of p.all('SrcFile')) paths.push(v)
  paths.push(...e.paths)
  const all: Location[] = []
  for (const path of paths) {
    const l: Location = { path, layerIndex: 0 }
    if (!all.some((x) => sameLocation(x, l))) all.push(l)
  }
  if (all.length === 0) all.push({ path: ctx.ref, layerIndex: 0 })
  const first = all[0] as Location
  return { introducedIn: first, lastChangedIn: first, all }
}

/** trivy's source version: `[epoch:]version[-release]`. */
function trivySource(p: PropertyBag): { name: string; version?: string } | undefined {
  const name = p.get('trivy:SrcName')
  if (!name) return undefined
  const v = p.get('trivy:SrcVersion')
  if (!v) return { name }
  const rel = p.get('trivy:SrcRelease')
  return { name, version: epochJoin(p.get('trivy:SrcEpoch'), rel ? `${v}-${rel}` : v) }
}

/** `src` or `src@version`, as the deb purl `upstream` qualifier is written. */
function upstreamOf(q: string | undefined): { name: string; version?: string } | undefined {
  if (!q) return undefined
  const at = q.indexOf('@')
  if (at <= 0) return { name: q }
  return { name: q.slice(0, at), version: q.slice(at + 1) || undefined }
}

/** A table's own entry: never `constructor` or another inherited name a document might hold. */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined
}

function pick<T>(...xs: (T | undefined)[]): T | undefined {
  for (const x of xs) if (x !== undefined) return x
  return undefined
}

function kindHint(p: PropertyBag): PackageKind | undefined {
  const ours = p.get('shipshape:package:kind')
  if (ours && lookup(KIND_PURL_TYPE, ours)) return ours as PackageKind
  const other = p.get('syft:package:type') ?? p.get('trivy:PkgType') ?? p.get('trivy:Type')
  return other ? lookup(TOOL_KINDS, other.toLowerCase()) : undefined
}

/**
 * Rebuilds one package from a document element: identity from its purl (type → kind, namespace/name, version with
 * the `epoch` qualifier, the `upstream` qualifier → source package / origin / source RPM, `arch`), the rest from
 * our `shipshape:` properties when we wrote the document, else from what syft, trivy, cdxgen and the format left.
 * An element without a usable purl is kept only when a property says its package type; otherwise the reason is
 * returned for the caller to report.
 */
export function packageFromElement(e: Element, ctx: ElementContext): ElementResult {
  const p = e.props
  let purl = e.purl?.trim()
  let parsed = purl ? parsePurl(purl) : undefined
  let kind = parsed ? lookup(PURL_KINDS, parsed.type) : undefined
  if (!parsed || !kind) {
    // Representable without a (known) purl only when the document says the package type and a name.
    const hint = kindHint(p)
    if (!hint || !e.name) {
      const what = !purl
        ? 'has no purl'
        : !parsed
          ? `has a purl that is not a package URL (${purl})`
          : `has a purl of a type shipshape does not read (${parsed.type})`
      return { ok: false, message: `${e.ref}${e.name ? ` (${e.name})` : ''} ${what}` }
    }
    kind = hint
    const type = KIND_PURL_TYPE[hint]
    const osNs = hint === 'deb' || hint === 'apk' || hint === 'rpm' ? ctx.distro?.id : undefined
    try {
      purl = rebuildPurl(type, osNs, e.name, e.version)
    } catch (err) {
      return { ok: false, message: `${e.ref} (${e.name}): no purl can be made: ${(err as Error).message}` }
    }
    parsed = parsePurl(purl)
    if (!parsed) return { ok: false, message: `${e.ref} (${e.name}): no purl can be made` }
  }
  const q = parsed.qualifiers
  const name = nameFor(kind, parsed, e.name)
  let version = parsed.version ?? e.version ?? ''
  const arch = pick(q.arch, p.get('shipshape:package:arch'), p.get('syft:metadata:architecture')) ?? ''
  const ourSource =
    p.get('shipshape:package:sourceName') !== undefined
      ? { name: p.get('shipshape:package:sourceName') as string, version: p.get('shipshape:package:sourceVersion') }
      : undefined
  const syftSource = p.get('syft:metadata:source')
    ? { name: p.get('syft:metadata:source') as string, version: p.get('syft:metadata:sourceVersion') }
    : undefined

  let metadata: PackageMetadata
  let source: { name: string; version: string } | undefined
  switch (kind) {
    case 'deb': {
      version = epochJoin(q.epoch, version)
      const s = pick(ourSource, upstreamOf(q.upstream), trivySource(p), syftSource, e.source)
      source = { name: s?.name ?? name, version: s?.version ?? version }
      metadata = { kind: 'deb', architecture: arch, source: source.name, sourceVersion: source.version, files: [] }
      if (e.supplier) metadata.maintainer = e.supplier
      break
    }
    case 'apk': {
      const origin =
        pick(
          p.get('shipshape:apk:origin'),
          q.upstream,
          p.get('trivy:SrcName'),
          p.get('syft:metadata:originPackage'),
          e.source?.name,
        ) ?? name
      source = { name: ourSource?.name ?? origin, version: ourSource?.version ?? version }
      metadata = { kind: 'apk', architecture: arch, origin, files: [] }
      if (e.supplier) metadata.maintainer = e.supplier
      if (e.homepage) metadata.url = e.homepage
      if (e.licenses.length) metadata.license = e.licenses.join(' AND ')
      break
    }
    case 'rpm': {
      const epochText = pick(q.epoch, p.get('shipshape:rpm:epoch'), p.get('syft:metadata:epoch'))
      const bare = version.replace(/^\d+:/, '')
      const fromVersion = /^(\d+):/.exec(version)?.[1]
      const epoch =
        epochText !== undefined && /^\d+$/.test(epochText)
          ? Number(epochText)
          : fromVersion !== undefined
            ? Number(fromVersion)
            : undefined
      version = epoch !== undefined ? `${epoch}:${bare}` : bare
      const dash = bare.lastIndexOf('-')
      const sourceRpm = pick(p.get('shipshape:rpm:sourceRpm'), q.upstream, p.get('syft:metadata:sourceRpm'))
      metadata = {
        kind: 'rpm',
        upstreamVersion: dash > 0 ? bare.slice(0, dash) : bare,
        release: dash > 0 ? bare.slice(dash + 1) : '',
        architecture: arch,
        files: [],
      }
      if (epoch !== undefined) metadata.epoch = epoch
      if (sourceRpm) metadata.sourceRpm = sourceRpm
      if (e.supplier) metadata.vendor = e.supplier
      if (e.licenses.length) metadata.license = e.licenses.join(' AND ')
      const s = pick(ourSource, sourceRpm ? parseSourceRpmName(sourceRpm) : undefined, trivySource(p), e.source)
      if (s) source = { name: s.name, version: s.version ?? bare }
      break
    }
    default: {
      const m: LanguageMetadata = { kind }
      const owned = /^(deb|apk|rpm):(.+)$/.exec(p.get('shipshape:package:ownedBy') ?? '')
      if (owned) m.ownedBy = { kind: owned[1] as 'deb' | 'apk' | 'rpm', name: owned[2] as string }
      if (kind === 'java') {
        if (parsed.namespace && parsed.namespace !== '_') m.groupId = parsed.namespace
        m.artifactId = parsed.name
      }
      metadata = m
      if (ourSource?.version !== undefined) source = { name: ourSource.name, version: ourSource.version }
    }
  }

  const where = locationsOf(e, ctx)
  const ownId = ctx.own ? /(?:^|-)([0-9a-f]{16})$/.exec(e.ref)?.[1] : undefined
  const pkg: Package = {
    id: (ownId ?? packageId(ctx.format, e.ref, purl)) as PackageId,
    name,
    version,
    kind,
    purl: purl as string,
    introducedIn: where.introducedIn,
    lastChangedIn: where.lastChangedIn,
    locations: where.all,
    foundBy: pick(p.get('shipshape:package:foundBy'), p.get('syft:package:foundBy')) ?? ctx.tool,
    metadata,
  }
  if (e.licenses.length) pkg.licenses = [...e.licenses]
  if (source) pkg.source = source
  return { ok: true, pkg }
}

function rebuildPurl(type: string, osNamespace: string | undefined, name: string, version: string | undefined): string {
  const v = version || undefined
  const slash = name.lastIndexOf('/')
  switch (type) {
    case 'npm':
      return name.startsWith('@') && slash > 0
        ? makePurl(type, name.slice(0, slash), name.slice(slash + 1), v)
        : makePurl(type, undefined, name, v)
    case 'golang':
    case 'composer':
      return slash > 0
        ? makePurl(type, name.slice(0, slash), name.slice(slash + 1), v)
        : makePurl(type, undefined, name, v)
    case 'maven': {
      const colon = name.indexOf(':')
      if (colon > 0) return makePurl(type, name.slice(0, colon), name.slice(colon + 1), v)
      const withGroup = makePurl(type, '_', name, v)
      return `pkg:maven/${withGroup.slice('pkg:maven/_/'.length)}`
    }
    default:
      return makePurl(type, osNamespace, name, v)
  }
}

/** `Name <email>` from a supplier's parts. */
export function contact(name: string | undefined, email: string | undefined): string | undefined {
  const n = name?.trim()
  const m = email?.trim()
  if (n && m) return `${n} <${m}>`
  return n || m || undefined
}

/**
 * The scanned target: `kind: 'sbom'`, ref = the file. Name and version from the document's root element; the
 * manifest digest (and tag) from its `pkg:oci/…@sha256:…` purl; the rest (digests, platform, tags, layers,
 * labels) from our `shipshape:` properties when we wrote the document.
 */
export function targetFrom(
  root: { name?: string; version?: string; purl?: string; props: PropertyBag } | undefined,
  ref: string,
  fallbackName?: string,
): TargetSummary {
  const t: TargetSummary = { kind: 'sbom', ref, tags: [], labels: {}, layers: [], size: 0 }
  const name = root?.name ?? fallbackName
  if (name) t.name = name
  const p = root?.props ?? new PropertyBag()
  const oci = root?.purl ? parsePurl(root.purl) : undefined
  if (oci && (oci.type === 'oci' || oci.type === 'docker')) {
    const d = parseDigest(oci.version)
    if (d) t.manifestDigest = d
    if (oci.qualifiers.tag) t.tags.push(oci.qualifiers.tag)
  }
  const manifest = parseDigest(p.get('shipshape:image:manifestDigest'))
  if (manifest) t.manifestDigest = manifest
  const index = parseDigest(p.get('shipshape:image:indexDigest'))
  if (index) t.indexDigest = index
  const config = parseDigest(p.get('shipshape:image:configDigest'))
  if (config) t.configDigest = config
  const platform = p.get('shipshape:image:platform')
  const plat = platform ? parsePlatform(platform) : undefined
  if (plat) t.platform = plat
  const created = p.get('shipshape:image:created')
  if (created) t.created = created
  const tags = p.all('shipshape:image:tag')
  if (tags.length) t.tags = [...tags]
  const byIndex = new Map<number, LayerSummary>()
  for (const [k, v] of p.under('shipshape:image:layer:')) {
    const m = /^(\d+):(digest|diffID|size)$/.exec(k)
    if (!m) continue
    const i = Number(m[1])
    const l = byIndex.get(i) ?? { index: i, size: 0 }
    byIndex.set(i, l)
    if (m[2] === 'digest') {
      const d = parseDigest(v)
      if (d) l.digest = d
    } else if (m[2] === 'diffID') {
      const d = parseDigest(v)
      if (d) l.diffId = d
    } else if (/^\d+$/.test(v)) l.size = Number(v)
  }
  t.layers = [...byIndex.values()].sort((a, b) => a.index - b.index)
  const size = p.int('shipshape:image:size')
  t.size = size ?? t.layers.reduce((n, l) => n + l.size, 0)
  for (const [k, v] of p.under('shipshape:image:label:')) t.labels[k] = v
  const repoDigests = p.all('shipshape:image:repoDigest')
  if (repoDigests.length) t.repoDigests = [...repoDigests]
  const source = p.get('shipshape:sbom:source')
  if (source === 'scan' || source === 'attestation') t.sbomSource = source
  const provenance = provenanceFrom(p)
  if (provenance) t.provenance = provenance
  return t
}

/** The provenance we wrote as `shipshape:provenance:*`, back as the model has it. */
function provenanceFrom(p: PropertyBag): Provenance | undefined {
  const predicateType = p.get('shipshape:provenance:predicateType')
  if (!predicateType) return undefined
  const out: Provenance = {
    predicateType,
    slsaVersion: predicateType === 'https://slsa.dev/provenance/v0.2' ? 'v0.2' : 'v1',
    materials: [],
  }
  const byIndex = new Map<number, ProvenanceMaterial>()
  for (const [k, v] of p.under('shipshape:provenance:material:')) {
    const m = /^(\d+):(uri|digest)$/.exec(k)
    if (!m) continue
    const i = Number(m[1])
    const mat = byIndex.get(i) ?? { uri: '' }
    byIndex.set(i, mat)
    if (m[2] === 'uri') mat.uri = v
    else {
      const d = parseDigest(v)
      if (d) mat.digest = d
    }
  }
  out.materials = [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, m]) => m)
    .filter((m) => m.uri !== '')
    .map((m) => {
      const image = imageFromPurl(m.uri, m.digest)
      return image ? { ...m, image } : m
    })
  for (const [key, field] of [
    ['builderId', 'builderId'],
    ['buildType', 'buildType'],
    ['startedOn', 'startedOn'],
    ['finishedOn', 'finishedOn'],
  ] as const) {
    const v = p.get(`shipshape:provenance:${key}`)
    if (v) out[field] = v
  }
  const base = p.get('shipshape:provenance:baseImage')
  if (base) {
    const m = /^([^@?]+?)(?::([^:/@?]+))?(?:@([^?]+))?(?:\?platform=(.+))?$/.exec(base)
    if (m) {
      const img: ImageMaterial = { name: m[1] as string }
      if (m[2]) img.tag = m[2]
      const d = parseDigest(m[3])
      if (d) img.digest = d
      if (m[4]) img.platform = m[4]
      out.baseImage = img
    }
  }
  const source = provenanceSource(
    p.get('shipshape:provenance:source:repository'),
    p.get('shipshape:provenance:source:revision'),
    p.get('shipshape:provenance:source:dockerfile'),
  )
  if (source) out.source = source
  return out
}

const ISSUE_KINDS: readonly ScanIssueKind[] = [
  'parse-error',
  'truncated-content',
  'unreadable-file',
  'unknown-distro',
  'unsupported-format',
]

/** The scan issues we wrote as `shipshape:issue:N:*` (document properties / annotations). */
export function issuesFrom(props: PropertyBag, layers: Map<string, number>): ScanIssue[] {
  const ids = [...new Set(props.under('shipshape:issue:').map(([k]) => k.split(':')[0] as string))]
  const out: ScanIssue[] = []
  for (const i of ids.sort((a, b) => Number(a) - Number(b))) {
    const kind = props.get(`shipshape:issue:${i}:kind`)
    const message = props.get(`shipshape:issue:${i}:message`)
    if (!message) continue
    const issue: ScanIssue = {
      kind: ISSUE_KINDS.includes(kind as ScanIssueKind) ? (kind as ScanIssueKind) : 'parse-error',
      message,
      source: props.get(`shipshape:issue:${i}:source`) ?? 'sbom',
    }
    const loc = locationFrom(props, `shipshape:issue:${i}`, layers)
    if (loc) issue.location = loc
    out.push(issue)
  }
  return out
}

/** diff_id → index of the target's layers. */
export function layerIndex(t: TargetSummary): Map<string, number> {
  const m = new Map<string, number>()
  for (const l of t.layers) if (l.diffId) m.set(l.diffId, l.index)
  return m
}

/** `Tool: trivy-0.50.1`, `syft-v1.0.0`, `docker-scout-1.18.1`, `trivy-dev` → name and version. */
export function splitToolVersion(s: string): { name: string; version: string } {
  const t = s.trim()
  const m = /^(.+?)-(v?\d.*)$/.exec(t) ?? /^(.+)-([^-]+)$/.exec(t)
  return m ? { name: m[1] as string, version: m[2] as string } : { name: t, version: '' }
}

export function unsupported(message: string, source: string): ScanIssue {
  return { kind: 'unsupported-format', message, source }
}

// ---------------------------------------------------------------------------------------------------------------
// CycloneDX
// ---------------------------------------------------------------------------------------------------------------

const SOURCE = 'cyclonedx-json'

/** Component types that are never packages: they are skipped, not reported. */
const NOT_PACKAGES = new Set(['operating-system', 'file', 'data', 'cryptographic-asset', 'machine-learning-model'])

function propsOf(c: JsonObject): PropertyBag {
  const bag = new PropertyBag()
  if (Array.isArray(c.properties)) {
    for (const p of c.properties) {
      if (!isObject(p)) continue
      const name = str(p.name)
      if (name !== undefined) bag.add(name, typeof p.value === 'string' ? p.value : String(p.value ?? ''))
    }
  }
  return bag
}

function cdxLicenses(c: JsonObject): string[] {
  const out: string[] = []
  if (!Array.isArray(c.licenses)) return out
  for (const l of c.licenses) {
    if (!isObject(l)) continue
    const expr = str(l.expression)
    if (expr) out.push(expr)
    else if (isObject(l.license)) {
      const v = str(l.license.id) ?? str(l.license.name)
      if (v) out.push(v)
    }
  }
  return [...new Set(out)]
}

function cdxSupplier(c: JsonObject): string | undefined {
  if (!isObject(c.supplier)) return undefined
  const s = c.supplier
  const email = Array.isArray(s.contact)
    ? s.contact.map((x) => (isObject(x) ? str(x.email) : undefined)).find(Boolean)
    : undefined
  return contact(str(s.name), email)
}

function cdxHomepage(c: JsonObject): string | undefined {
  if (!Array.isArray(c.externalReferences)) return undefined
  for (const r of c.externalReferences) if (isObject(r) && r.type === 'website' && str(r.url)) return r.url as string
  return undefined
}

function cdxPaths(c: JsonObject): string[] {
  const out: string[] = []
  const occ = isObject(c.evidence) && Array.isArray(c.evidence.occurrences) ? c.evidence.occurrences : []
  for (const o of occ) if (isObject(o) && str(o.location)) out.push(o.location as string)
  return out
}

/** Every component, nested ones too (CycloneDX allows a component to hold components). */
function flatten(list: unknown[], out: { c: unknown; where: string }[], where: string): void {
  list.forEach((c, i) => {
    out.push({ c, where: `${where}[${i}]` })
    if (isObject(c) && Array.isArray(c.components)) flatten(c.components, out, `${where}[${i}].components`)
  })
}

function cdxTool(metadata: JsonObject): { name: string; version: string } | undefined {
  const tools = metadata.tools
  const list = Array.isArray(tools)
    ? tools
    : isObject(tools)
      ? [
          ...(Array.isArray(tools.components) ? tools.components : []),
          ...(Array.isArray(tools.services) ? tools.services : []),
        ]
      : []
  for (const t of list) {
    if (!isObject(t)) continue
    const name = str(t.name)
    if (name) return { name, version: str(t.version) ?? '' }
  }
  return undefined
}

/** Decodes a CycloneDX 1.x JSON BOM (ours, syft's, trivy's, cdxgen's, Docker's…) into the native SBOM. */
export function decodeCycloneDx(text: string, options: DecodeOptions = {}): DecodeResult {
  const j = parseJson(text)
  if (!j.ok) return j
  return decodeCycloneDxDocument(j.value, options)
}

/** The same, from the parsed document. Never throws: a document it cannot read is `{ ok: false, error }`. */
export function decodeCycloneDxDocument(doc: unknown, options: DecodeOptions = {}): DecodeResult {
  try {
    return decode(doc, options)
  } catch (e) {
    return { ok: false, error: oneLine(`CycloneDX: ${(e as Error).message}`) }
  }
}

function decode(doc: unknown, options: DecodeOptions): DecodeResult {
  if (!isObject(doc) || doc.bomFormat !== 'CycloneDX')
    return { ok: false, error: 'not a CycloneDX BOM: no "bomFormat": "CycloneDX"' }
  const spec = doc.specVersion
  if (typeof spec !== 'string' || !/^1\.\d+$/.test(spec))
    return { ok: false, error: oneLine(`not a CycloneDX 1.x BOM: specVersion ${JSON.stringify(spec)}`) }
  if (doc.components !== undefined && !Array.isArray(doc.components))
    return { ok: false, error: 'not a valid CycloneDX BOM: components is not an array' }
  if (doc.metadata !== undefined && !isObject(doc.metadata))
    return { ok: false, error: 'not a valid CycloneDX BOM: metadata is not an object' }

  const ref = options.ref ?? DEFAULT_SBOM_REF
  const metadata = isObject(doc.metadata) ? doc.metadata : {}
  const tool = cdxTool(metadata) ?? { name: 'unknown', version: '' }
  const root = isObject(metadata.component) ? metadata.component : undefined
  const target = targetFrom(
    root ? { name: str(root.name), version: str(root.version), purl: str(root.purl), props: propsOf(root) } : undefined,
    ref,
  )
  const layers = layerIndex(target)
  const issues = issuesFrom(propsOf(metadata), layers)

  const all: { c: unknown; where: string }[] = []
  flatten((doc.components as unknown[] | undefined) ?? [], all, 'components')

  let distro: Distro | undefined
  const candidates: { c: JsonObject; e: Element }[] = []
  for (const { c, where } of all) {
    if (!isObject(c)) {
      issues.push(unsupported(`CycloneDX ${where} is not an object`, SOURCE))
      continue
    }
    const type = str(c.type) ?? 'library'
    const props = propsOf(c)
    const name = str(c.name)
    const group = str(c.group)
    const e: Element = {
      ref: str(c['bom-ref']) ?? where,
      props,
      licenses: cdxLicenses(c),
      paths: cdxPaths(c),
    }
    // cdxgen splits an npm scope into `group`; the purl says it anyway, the name is only a fallback.
    if (name) e.name = group && type !== 'operating-system' && group.startsWith('@') ? `${group}/${name}` : name
    const version = str(c.version)
    if (version) e.version = version
    const purl = str(c.purl)
    if (purl) e.purl = purl
    const supplier = cdxSupplier(c)
    if (supplier) e.supplier = supplier
    const homepage = cdxHomepage(c)
    if (homepage) e.homepage = homepage
    if (type === 'operating-system') {
      const desc = str(c.description)
      distro ??= distroFromElement(
        { ...e, ...(desc ? { description: desc } : {}) },
        'CycloneDX operating-system component',
      )
      continue
    }
    if (NOT_PACKAGES.has(type) && !purl) continue
    // trivy's grouping components (an OS's or a lockfile's packages) have no purl: they are not packages.
    if (!purl && props.get('trivy:Class')) continue
    candidates.push({ c, e })
  }
  distro ??= distroFromPurls(
    candidates.map(({ e }) => (e.purl ? parsePurl(e.purl) : undefined)),
    'purl distro qualifier',
  )

  const own = tool.name === 'shipshape'
  const ctx: ElementContext = {
    format: SOURCE,
    ref,
    own,
    tool: tool.version ? `${tool.name}/${tool.version}` : tool.name,
    layers,
  }
  if (distro) ctx.distro = distro
  const packages: Package[] = []
  const seen = new Set<string>()
  for (const { e } of candidates) {
    const r = packageFromElement(e, ctx)
    if (!r.ok) {
      issues.push(unsupported(`CycloneDX component ${r.message}`, SOURCE))
      continue
    }
    if (seen.has(r.pkg.id)) continue
    seen.add(r.pkg.id)
    packages.push(r.pkg)
  }

  const sbom: Sbom = {
    schemaVersion: 1,
    target,
    packages,
    issues,
    tool: { name: tool.name, version: tool.version, catalogers: {} },
    createdAt: str(metadata.timestamp) ?? '',
  }
  if (distro) sbom.distro = distro
  return { ok: true, sbom }
}
