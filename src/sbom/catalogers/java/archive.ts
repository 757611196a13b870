import { createHash } from 'node:crypto'
import type { MemoryBudget } from '../../../filetree/index.js'
import { errorMessage, isShipshapeError } from '../../../internal/index.js'
import { openZipBuffer, safeName, type ZipArchive, type ZipEntry } from '../../../internal/zip.js'
import type { ScanIssueKind } from '../../../model/index.js'
import { bundleLicenses, keptAttributes, type Manifest, manifestIdentity, parseManifest } from './manifest.js'
import { type MavenCoordinates, parsePomProperties, parsePomXml, pomXmlLicenses } from './pom.js'

/** Where the identity of a package came from, best first. */
export type JavaIdentitySource = 'pom.properties' | 'pom.xml' | 'manifest' | 'filename'

/** One package found in an archive: the archive itself, or a package shaded (copied) into it. */
export interface FoundJavaPackage {
  /** The archive, `outer.jar!/BOOT-INF/lib/inner.jar` when nested. */
  path: string
  /** 0 for a file of the image, 1 for a member of it, and so on. */
  depth: number
  /** The enclosing archive's path, when nested. */
  parent?: string
  identity: JavaIdentitySource
  /** The member the identity was read from (`META-INF/maven/g/a/pom.properties`, `META-INF/MANIFEST.MF`). */
  descriptor?: string
  groupId?: string
  artifactId?: string
  /** `artifactId`, else the manifest's title or the file name. */
  name: string
  version: string
  /** False for a package shaded into the archive (its descriptor is not the archive's own). */
  own: boolean
  /** sha1 of the archive's bytes (on its own package only). */
  sha1?: string
  licenses?: string[]
  vendor?: string
  /** Selected main attributes of the manifest (on the archive's own package only). */
  manifest?: Record<string, string>
}

export interface FoundJavaIssue {
  /** The archive or member it concerns. */
  path: string
  kind: ScanIssueKind
  message: string
}

export interface JarScan {
  packages: FoundJavaPackage[]
  issues: FoundJavaIssue[]
}

export interface JavaLimits {
  /** Largest archive (a file of the image) held in memory to be read. */
  archiveCap: number
  /** Largest manifest, pom.properties or pom.xml read. */
  metadataCap: number
  /** Bytes of manifests, pom.properties and pom.xml read per archive of the image, nested ones included. */
  metadataTotalCap: number
  /** Deepest nesting read: a file of the image is depth 0, a jar inside it depth 1. */
  maxDepth: number
  /** Bytes of nested archives read per archive of the image, all depths together. */
  nestedTotalCap: number
  /** Most members listed by one archive's central directory. */
  maxEntries: number
}

const MiB = 1024 * 1024

export const DEFAULT_JAVA_LIMITS: JavaLimits = {
  archiveCap: 256 * MiB,
  metadataCap: 1 * MiB,
  metadataTotalCap: 64 * MiB,
  maxDepth: 16,
  nestedTotalCap: 512 * MiB,
  maxEntries: 500_000,
}

export const ARCHIVE_SUFFIX = /\.(jar|war|ear|jpi|hpi)$/i

export function human(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`
  return `${bytes} bytes`
}

/** A local file header (`PK\x03\x04`), or a launch script (`#!`) before one, as executable Spring Boot jars have. */
export function isZipHead(head: Buffer): boolean {
  if (head.length < 4) return false
  if (head[0] === 0x23 && head[1] === 0x21) return true
  return head.readUInt32LE(0) === 0x04034b50
}

function sha1(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('hex')
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** `log4j-1.2-1.2.17.jar` → `log4j-1.2` + `1.2.17`: split at the last `-` followed by a digit. */
export function parseArchiveFileName(fileName: string): { name: string; version?: string } {
  const stem = fileName.replace(ARCHIVE_SUFFIX, '')
  const m = /^(.+)-(\d.*)$/.exec(stem)
  if (m?.[1] && m[2]) return { name: m[1], version: m[2] }
  return { name: stem }
}

function issueKind(e: unknown): ScanIssueKind {
  if (!isShipshapeError(e)) return 'parse-error'
  switch (e.code) {
    case 'DECOMPRESSION_BOMB':
      return 'truncated-content'
    case 'UNSUPPORTED':
      return 'unsupported-format'
    default:
      return 'parse-error'
  }
}

interface Descriptor extends MavenCoordinates {
  source: 'pom.properties' | 'pom.xml'
  member: string
}

interface Context {
  limits: JavaLimits
  budget: MemoryBudget
  /** Nested bytes still allowed for this archive of the image. */
  nestedLeft: number
  /** Metadata bytes still allowed for this archive of the image. */
  metadataLeft: number
  out: JarScan
  /** Issues not reported past the cap. */
  dropped: number
}

/** Issues kept per archive of the image: a hostile one could otherwise name a million bad members. */
const MAX_ISSUES = 100

function report(ctx: Context, issue: FoundJavaIssue): void {
  if (ctx.out.issues.length < MAX_ISSUES) ctx.out.issues.push(issue)
  else ctx.dropped++
}

/** The descriptor that is the archive's own: by file name, then by manifest, then the only one. */
function pickOwn(descriptors: Descriptor[], fileName: string, manifest: Manifest | undefined): Descriptor | undefined {
  if (descriptors.length === 0) return undefined
  const stem = fileName.replace(ARCHIVE_SUFFIX, '')
  const parsed = parseArchiveFileName(fileName)
  const byName =
    descriptors.find((d) => d.artifactId === parsed.name || d.artifactId === stem) ??
    descriptors.find((d) => stem.startsWith(`${d.artifactId}-`))
  if (byName) return byName
  if (manifest) {
    const names = ['Implementation-Title', 'Bundle-SymbolicName', 'Automatic-Module-Name', 'Specification-Title']
      .map((k) => manifest.main.get(k.toLowerCase())?.split(';')[0]?.trim())
      .filter((n): n is string => !!n)
    const matches = (d: Descriptor) =>
      names.some(
        (n) => n === d.artifactId || n === `${d.groupId}.${d.artifactId}` || n === `${d.groupId}:${d.artifactId}`,
      )
    const version = manifestIdentity(manifest).version
    const hit = descriptors.find((d) => matches(d) && d.version === version) ?? descriptors.find(matches)
    if (hit) return hit
  }
  return descriptors.length === 1 ? descriptors[0] : undefined
}

async function readSmall(entry: ZipEntry, name: string, path: string, ctx: Context): Promise<Buffer | undefined> {
  if (entry.size > ctx.limits.metadataCap) {
    report(ctx, {
      path: `${path}!/${name}`,
      kind: 'truncated-content',
      message: `${name} declares ${entry.size} bytes, more than the ${human(ctx.limits.metadataCap)} cap for metadata: not read`,
    })
    return undefined
  }
  if (entry.size > ctx.metadataLeft) {
    report(ctx, {
      path: `${path}!/${name}`,
      kind: 'truncated-content',
      message: `${name} not read: the ${human(ctx.limits.metadataTotalCap)} of metadata read per archive is used up`,
    })
    return undefined
  }
  ctx.metadataLeft -= entry.size
  try {
    return await entry.read()
  } catch (e) {
    report(ctx, { path: `${path}!/${name}`, kind: issueKind(e), message: `${name}: ${errorMessage(e)}` })
    return undefined
  }
}

/**
 * Reads one archive held in memory: its identity (pom.properties, pom.xml, MANIFEST.MF, file name), the packages
 * shaded into it, and the archives nested in it, recursively within the depth and byte caps. Never throws:
 * problems become issues located at the archive or member concerned.
 */
async function scanOne(buf: Buffer, path: string, depth: number, parent: string | undefined, ctx: Context) {
  let zip: ZipArchive
  try {
    zip = await openZipBuffer(buf, {
      where: path,
      maxEntries: ctx.limits.maxEntries,
      maxEntrySize: Math.max(ctx.limits.metadataCap, Math.min(ctx.limits.archiveCap, ctx.nestedLeft)),
    })
  } catch (e) {
    report(ctx, { path, kind: issueKind(e), message: `cannot read the archive: ${errorMessage(e)}` })
    return
  }
  let manifestEntry: { entry: ZipEntry; name: string } | undefined
  const poms = new Map<
    string,
    { properties?: { entry: ZipEntry; name: string }; xml?: { entry: ZipEntry; name: string } }
  >()
  const nested: { entry: ZipEntry; name: string }[] = []
  for (const entry of zip.entries) {
    if (entry.isDirectory) continue
    const name = safeName(entry)
    if (name === undefined) {
      report(ctx, {
        path,
        kind: 'parse-error',
        message: `member ${JSON.stringify(entry.name)} has an unsafe name (absolute, drive letter, "..", backslash or NUL): skipped`,
      })
      continue
    }
    if (name.toUpperCase() === 'META-INF/MANIFEST.MF') {
      manifestEntry ??= { entry, name }
      continue
    }
    const pom = /^META-INF\/maven\/(.+)\/pom\.(properties|xml)$/.exec(name)
    if (pom?.[1]) {
      const slot = poms.get(pom[1]) ?? {}
      if (pom[2] === 'properties') slot.properties ??= { entry, name }
      else slot.xml ??= { entry, name }
      poms.set(pom[1], slot)
      continue
    }
    if (ARCHIVE_SUFFIX.test(name) && entry.size > 0) nested.push({ entry, name })
  }

  let manifest: Manifest | undefined
  if (manifestEntry) {
    const b = await readSmall(manifestEntry.entry, manifestEntry.name, path, ctx)
    if (b) manifest = parseManifest(b)
  }

  const descriptors: Descriptor[] = []
  for (const dir of [...poms.keys()].sort()) {
    const slot = poms.get(dir)
    if (!slot) continue
    let d: Descriptor | undefined
    let xmlBuf: Buffer | undefined
    if (slot.properties) {
      const b = await readSmall(slot.properties.entry, slot.properties.name, path, ctx)
      const c = b && parsePomProperties(b)
      if (c) d = { ...c, source: 'pom.properties', member: slot.properties.name }
      else if (b) {
        report(ctx, {
          path: `${path}!/${slot.properties.name}`,
          kind: 'parse-error',
          message: `${slot.properties.name} lacks a groupId, artifactId or version`,
        })
      }
    }
    if (slot.xml) {
      xmlBuf = await readSmall(slot.xml.entry, slot.xml.name, path, ctx)
      if (!d && xmlBuf) {
        const c = parsePomXml(xmlBuf)
        if (c) d = { ...c, source: 'pom.xml', member: slot.xml.name }
        else {
          report(ctx, {
            path: `${path}!/${slot.xml.name}`,
            kind: 'parse-error',
            message: `${slot.xml.name}: no project groupId, artifactId and version could be read`,
          })
        }
      } else if (d && xmlBuf) {
        const lic = pomXmlLicenses(xmlBuf)
        if (lic.length) d.licenses = lic
      }
    }
    if (d) descriptors.push(d)
  }

  const fileName = baseName(path)
  const own = pickOwn(descriptors, fileName, manifest)
  const digest = sha1(buf)
  const base = { path, depth, ...(parent ? { parent } : {}) }
  const attrs = manifest ? keptAttributes(manifest) : undefined
  const fromManifest = manifest ? manifestIdentity(manifest) : {}
  const withManifest = (p: FoundJavaPackage): FoundJavaPackage => {
    if (attrs && Object.keys(attrs).length) p.manifest = attrs
    if (fromManifest.vendor) p.vendor = fromManifest.vendor
    return p
  }

  if (own) {
    const p: FoundJavaPackage = {
      ...base,
      identity: own.source,
      descriptor: own.member,
      groupId: own.groupId,
      artifactId: own.artifactId,
      name: own.artifactId,
      version: own.version,
      own: true,
      sha1: digest,
    }
    const lic = own.licenses?.length ? own.licenses : bundleLicenses(manifest?.main.get('bundle-license'))
    if (lic.length) p.licenses = lic
    ctx.out.packages.push(withManifest(p))
  } else {
    // No descriptor of its own: the manifest, else the file name. With shaded descriptors beside it, only an
    // identity that says a version is worth a package of its own.
    const file = parseArchiveFileName(fileName)
    let id: { identity: JavaIdentitySource; name: string; version: string } | undefined
    if (fromManifest.version) {
      id = { identity: 'manifest', name: fromManifest.name ?? file.name, version: fromManifest.version }
    } else if (file.version) id = { identity: 'filename', name: file.name, version: file.version }
    else if (descriptors.length === 0) {
      id = fromManifest.name
        ? { identity: 'manifest', name: fromManifest.name, version: '' }
        : { identity: 'filename', name: file.name, version: '' }
    }
    if (id) {
      const p: FoundJavaPackage = { ...base, ...id, own: true, sha1: digest }
      if (id.identity === 'manifest' && manifestEntry) p.descriptor = manifestEntry.name
      const lic = bundleLicenses(manifest?.main.get('bundle-license'))
      if (lic.length) p.licenses = lic
      ctx.out.packages.push(withManifest(p))
    }
  }
  for (const d of descriptors) {
    if (d === own) continue
    const p: FoundJavaPackage = {
      ...base,
      identity: d.source,
      descriptor: d.member,
      groupId: d.groupId,
      artifactId: d.artifactId,
      name: d.artifactId,
      version: d.version,
      own: false,
    }
    if (d.licenses?.length) p.licenses = d.licenses
    ctx.out.packages.push(p)
  }

  for (const { entry, name } of nested.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const inner = `${path}!/${name}`
    if (depth + 1 > ctx.limits.maxDepth) {
      report(ctx, {
        path: inner,
        kind: 'truncated-content',
        message: `archive nested ${depth + 1} deep, beyond the cap of ${ctx.limits.maxDepth}: not read`,
      })
      continue
    }
    if (entry.size > ctx.limits.archiveCap) {
      report(ctx, {
        path: inner,
        kind: 'truncated-content',
        message: `nested archive declares ${entry.size} bytes, more than the ${human(ctx.limits.archiveCap)} cap: not read`,
      })
      continue
    }
    if (entry.size > ctx.nestedLeft) {
      report(ctx, {
        path: inner,
        kind: 'truncated-content',
        message: `nested archive declares ${entry.size} bytes, more than the ${human(ctx.nestedLeft)} left of the ${human(ctx.limits.nestedTotalCap)} cap for nested archives: not read`,
      })
      continue
    }
    // Stored members are views of the outer buffer; inflated ones are new memory, taken from the shared budget.
    const held = entry.method === 0 ? 0 : entry.size
    if (held > 0 && !ctx.budget.reserve(held)) {
      report(ctx, {
        path: inner,
        kind: 'truncated-content',
        message: `nested archive of ${entry.size} bytes does not fit in the memory budget left: not read`,
      })
      continue
    }
    try {
      let data: Buffer
      try {
        data = await entry.read()
      } catch (e) {
        report(ctx, {
          path: inner,
          kind: issueKind(e),
          message: `cannot read the nested archive: ${errorMessage(e)}`,
        })
        continue
      }
      ctx.nestedLeft -= entry.size
      // Like a file of the image, a member is only an archive if it starts as a zip does.
      if (isZipHead(data)) await scanOne(data, inner, depth + 1, path, ctx)
    } finally {
      if (held > 0) ctx.budget.release(held)
    }
  }
}

/** Reads an archive of the image (and every archive nested in it). Never throws. */
export async function scanArchive(
  buf: Buffer,
  path: string,
  budget: MemoryBudget,
  limits: JavaLimits = DEFAULT_JAVA_LIMITS,
): Promise<JarScan> {
  const ctx: Context = {
    limits,
    budget,
    nestedLeft: limits.nestedTotalCap,
    metadataLeft: limits.metadataTotalCap,
    out: { packages: [], issues: [] },
    dropped: 0,
  }
  try {
    await scanOne(buf, path, 0, undefined, ctx)
  } catch (e) {
    report(ctx, { path, kind: 'parse-error', message: `cannot read the archive: ${errorMessage(e)}` })
  }
  if (ctx.dropped > 0) {
    ctx.out.issues.push({
      path,
      kind: 'parse-error',
      message: `${ctx.dropped} more problems in this archive not listed (only the first ${MAX_ISSUES} are)`,
    })
  }
  return ctx.out
}
