import type { FileInspector, FileResolver, InspectorSink, MemoryBudget } from '../../../filetree/index.js'
import type { LanguageMetadata, Location, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'
import {
  ARCHIVE_SUFFIX,
  DEFAULT_JAVA_LIMITS,
  type FoundJavaPackage,
  human,
  isZipHead,
  type JarScan,
  type JavaIdentitySource,
  type JavaLimits,
  scanArchive,
} from './archive.js'

const NAME = 'java'
const VERSION = 1
export const JAVA_INSPECTOR_ID = 'java-archive'

/**
 * What the inspector leaves for each archive: the read in progress. `end()` is synchronous and the zip reader is
 * not, so the read starts at `end()` and goes on beside the walk (mostly in microtasks; big deflated members in
 * zlib's pool); `catalog()` awaits it. It never rejects: problems are issues in the scan.
 */
type Pending = Promise<JarScan>

function failed(path: string, message: string): InspectorSink {
  const scan: JarScan = { packages: [], issues: [{ path, kind: 'truncated-content', message }] }
  return { write() {}, end: () => ({ ok: true, value: Promise.resolve(scan) }) }
}

/**
 * Holds each archive (within the per-archive cap and the walk's memory budget) while it streams past, and
 * starts reading it once its last byte is in; the budget is released when that read is done.
 */
export function javaArchiveInspector(limits: JavaLimits = DEFAULT_JAVA_LIMITS): FileInspector {
  return {
    id: JAVA_INSPECTOR_ID,
    headBytes: 4,
    accepts: (path, size) => size > 0 && ARCHIVE_SUFFIX.test(path),
    open(path: string, head: Buffer, size: number, budget: MemoryBudget): InspectorSink | undefined {
      if (!isZipHead(head)) return undefined
      if (size > limits.archiveCap) {
        return failed(path, `archive is ${size} bytes, more than the ${human(limits.archiveCap)} cap: not read`)
      }
      if (!budget.reserve(size)) {
        return failed(path, `archive of ${size} bytes does not fit in the scan's memory budget left: not read`)
      }
      let buf: Buffer | undefined = Buffer.allocUnsafe(size)
      let at = 0
      let overflow = false
      return {
        write(chunk: Buffer) {
          if (!buf) return
          if (at + chunk.length > size) {
            overflow = true
            return
          }
          chunk.copy(buf, at)
          at += chunk.length
        },
        end() {
          const held = buf
          buf = undefined
          if (!held || overflow || at !== size) {
            budget.release(size)
            return failed(path, `archive streamed ${overflow ? 'more' : at} bytes but its header says ${size}`).end()
          }
          const value: Pending = scanArchive(held, path, budget, limits).finally(() => budget.release(size))
          return { ok: true, value }
        },
      }
    },
  }
}

function purlOf(p: FoundJavaPackage): string {
  if (p.groupId) return makePurl('maven', p.groupId, p.name, p.version || undefined)
  // The purl spec wants a namespace for maven, and packageurl-js enforces it; without a groupId the name stands
  // alone (as the archive's title or file name gives it), encoded as packageurl-js encodes a name.
  const withGroup = makePurl('maven', '_', p.name, p.version || undefined)
  return `pkg:maven/${withGroup.slice('pkg:maven/_/'.length)}`
}

function at(loc: Location, path: string): Location {
  return { ...loc, path }
}

/** What a java package keeps beside its identity. */
export interface JavaMetadata extends LanguageMetadata {
  kind: 'java'
  /** The archive: `/opt/app/app.jar!/BOOT-INF/lib/x.jar` when nested. */
  path: string
  identity: JavaIdentitySource
  /** The file of the image that holds the archive (the archive itself unless nested), for OS-package ownership. */
  files: string[]
  groupId?: string
  artifactId?: string
  /** The member the identity came from (`META-INF/maven/g/a/pom.properties`, `META-INF/MANIFEST.MF`). */
  descriptor?: string
  /** sha1 of the archive's bytes (not on shaded packages, whose bytes are mixed into another archive). */
  sha1?: string
  /** A package copied (shaded) into an archive that is not its own. */
  shaded?: true
  /** The archive this one is nested in. */
  parent?: string
  vendor?: string
  /** Selected main attributes of MANIFEST.MF. */
  manifest?: Record<string, string>
}

function toPackage(p: FoundJavaPackage, top: string, intro: Location, last: Location): Package {
  const metadata: JavaMetadata = {
    kind: 'java',
    path: p.path,
    identity: p.identity,
    files: [top],
  }
  if (p.groupId) metadata.groupId = p.groupId
  if (p.artifactId) metadata.artifactId = p.artifactId
  if (p.descriptor) metadata.descriptor = p.descriptor
  if (p.sha1) metadata.sha1 = p.sha1
  if (!p.own) metadata.shaded = true
  if (p.parent) metadata.parent = p.parent
  if (p.vendor) metadata.vendor = p.vendor
  if (p.manifest) metadata.manifest = p.manifest
  const name = p.groupId ? `${p.groupId}:${p.name}` : p.name
  const pkg: Package = {
    id: packageId(NAME, p.path, p.descriptor ?? p.identity, p.groupId, p.name, p.version),
    name,
    version: p.version,
    kind: 'java',
    purl: purlOf(p),
    introducedIn: at(intro, p.path),
    lastChangedIn: at(last, p.path),
    locations: [at(last, p.path)],
    foundBy: `${NAME}/${VERSION}`,
    metadata,
  }
  if (p.licenses?.length) pkg.licenses = p.licenses
  return pkg
}

async function collect(files: FileResolver): Promise<CatalogResult> {
  const packages: Package[] = []
  const issues: ScanIssue[] = []
  for (const { path, info, result } of files.inspections(JAVA_INSPECTOR_ID)) {
    const last = files.location(path)
    if (!result.ok) {
      issues.push({ kind: 'parse-error', message: `${path}: ${result.error}`, location: last, source: NAME })
      continue
    }
    let scan: JarScan
    try {
      scan = await (result.value as Pending)
    } catch (e) {
      issues.push({ kind: 'parse-error', message: `${path}: ${(e as Error).message}`, location: last, source: NAME })
      continue
    }
    const intro = files.locationIn(path, info.firstLayer)
    for (const p of scan.packages) packages.push(toPackage(p, path, intro, last))
    for (const i of scan.issues) {
      issues.push({ kind: i.kind, message: `${i.path}: ${i.message}`, location: at(last, i.path), source: NAME })
    }
  }
  return { packages, issues }
}

/** A java cataloger with other caps (tests, constrained hosts). */
export function makeJavaCataloger(limits: Partial<JavaLimits> = {}): Cataloger {
  const all: JavaLimits = { ...DEFAULT_JAVA_LIMITS, ...limits }
  return {
    name: NAME,
    version: VERSION,
    kinds: ['java'],
    wants: [],
    inspectors: [javaArchiveInspector(all)],
    catalog: (ctx: CatalogContext) => collect(ctx.files),
  }
}

/**
 * Java archives (`.jar .war .ear .jpi .hpi`), read as they stream past in the layer walk, and every archive
 * nested in them: identity from `META-INF/maven/**\/pom.properties`, else `pom.xml`, else `MANIFEST.MF`, else
 * the file name; packages shaded into an archive reported beside it; the sha1 of each archive kept.
 */
export const javaCataloger: Cataloger = makeJavaCataloger()
