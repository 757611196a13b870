import { posix } from 'node:path'
import type { FileResolver } from '../../../filetree/index.js'
import type { LanguageMetadata, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'

const NAME = 'dotnet'
const VERSION = 1
const DEPS = '/**/*.deps.json'
const MAX_BYTES = 32 * 1024 * 1024

export interface NugetMetadata extends LanguageMetadata {
  kind: 'nuget'
  /** The `.deps.json` the package was read from. */
  depsJson: string
  /** The library's `path` in the NuGet package cache (`newtonsoft.json/13.0.1`). */
  path?: string
  /** The package's `sha512-…` hash as restored. */
  sha512?: string
  hashPath?: string
  /** The package's runtime assets found beside the deps.json (absolute paths). */
  files: string[]
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const nonEmpty = (v: unknown): boolean => isObject(v) && Object.keys(v).length > 0

/** Runtime assets of a target entry, as paths relative to the application directory. */
function assetPaths(t: Json): string[] {
  const out: string[] = []
  // `runtime` and `native` assets are copied flat into the app directory; `runtimeTargets` keep their
  // `runtimes/RID/...` path.
  for (const k of ['runtime', 'native'] as const) {
    const v = t[k]
    if (isObject(v)) for (const p of Object.keys(v)) out.push(posix.basename(p))
  }
  if (isObject(t.runtimeTargets)) out.push(...Object.keys(t.runtimeTargets))
  return out
}

class Reader {
  readonly issues: ScanIssue[] = []
  constructor(readonly files: FileResolver) {}

  issue(kind: ScanIssue['kind'], path: string, message: string): void {
    this.issues.push({ kind, message: `${path}: ${message}`, location: this.files.location(path), source: NAME })
  }
}

function catalogDeps(r: Reader, path: string): Package[] {
  const files = r.files
  const buf = files.read(path)
  if (!buf) {
    const st = files.stat(path)
    if (st?.type === 'file' && !st.hasContent) r.issue('unreadable-file', path, 'content not kept (over the size cap)')
    return []
  }
  let doc: unknown
  try {
    doc = JSON.parse(new TextDecoder('utf-8').decode(buf))
  } catch (e) {
    r.issue('parse-error', path, `not valid JSON (${(e as Error).message}); file skipped`)
    return []
  }
  if (!isObject(doc) || !isObject(doc.libraries)) {
    r.issue('unsupported-format', path, 'no libraries object; not a .deps.json')
    return []
  }
  const targetName = isObject(doc.runtimeTarget) ? str(doc.runtimeTarget.name) : undefined
  const target = targetName && isObject(doc.targets) ? doc.targets[targetName] : undefined
  const runtime = isObject(target) ? target : undefined
  const dir = posix.dirname(path)
  const last = files.location(path)
  const intro = files.locationIn(path, files.stat(path)?.firstLayer ?? last.layerIndex)
  const out: Package[] = []
  for (const [key, lib] of Object.entries(doc.libraries)) {
    // Only NuGet packages: never the application's own projects (docker/scout-cli#93), references or the
    // runtime pack of a self-contained app.
    if (!isObject(lib) || str(lib.type)?.toLowerCase() !== 'package') continue
    const slash = key.indexOf('/')
    if (slash <= 0 || slash === key.length - 1) {
      r.issue('parse-error', path, `library key ${JSON.stringify(key)} is not NAME/VERSION; entry skipped`)
      continue
    }
    const name = key.slice(0, slash)
    const version = key.slice(slash + 1)
    let assets: string[] = []
    if (runtime) {
      // Listed for the runtime target with assets that ship with the app; packages there only for their
      // dependencies (or superseded by the runtime, as in self-contained apps) are not deployed.
      const t = runtime[key]
      if (!isObject(t) || t.compileOnly === true) continue
      if (!nonEmpty(t.runtime) && !nonEmpty(t.runtimeTargets) && !nonEmpty(t.native)) continue
      assets = assetPaths(t)
    }
    const metadata: NugetMetadata = {
      kind: 'nuget',
      depsJson: path,
      files: [...new Set(assets.map((a) => posix.resolve(dir, a)))].filter(
        (f) => files.stat(f, { noFollow: true })?.type === 'file',
      ),
    }
    const p = str(lib.path)
    if (p) metadata.path = p
    const sha = str(lib.sha512)
    if (sha) metadata.sha512 = sha
    const hp = str(lib.hashPath)
    if (hp) metadata.hashPath = hp
    out.push({
      id: packageId(NAME, name, version, path),
      name,
      version,
      kind: 'nuget',
      purl: makePurl('nuget', undefined, name, version),
      introducedIn: intro,
      lastChangedIn: last,
      locations: [last],
      foundBy: `${NAME}/${VERSION}`,
      metadata,
    })
  }
  return out
}

/**
 * .NET applications' `*.deps.json`: the NuGet packages of the runtime target that carry runtime, native or
 * RID-specific assets. Without a resolvable runtime target every `package` library is listed.
 */
export const dotnetCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['nuget'],
  wants: [{ globs: [DEPS], maxBytes: MAX_BYTES }],
  catalog(ctx: CatalogContext): CatalogResult {
    const r = new Reader(ctx.files)
    const packages: Package[] = []
    for (const f of ctx.files.glob(DEPS)) if (f.type !== 'directory') packages.push(...catalogDeps(r, f.path))
    return { packages, issues: r.issues }
  },
}
