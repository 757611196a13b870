import { posix } from 'node:path'
import type { FileResolver } from '../../../filetree/index.js'
import type { LanguageMetadata, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'
import { parseGemspec } from './gemspec.js'
import { type LockedGem, parseGemfileLock } from './lockfile.js'

const NAME = 'gem'
const VERSION = 1
const SPECS = '/**/specifications/**/*.gemspec'
const LOCK = '/**/Gemfile.lock'

export interface GemMetadata extends LanguageMetadata {
  kind: 'gem'
  /** The gemspec or Gemfile.lock the gem was read from. */
  path: string
  platform: string
  /** For installed gems: the gem home (the directory holding `specifications/`). */
  gemHome?: string
  /** A default gem (`specifications/default/`), shipped with Ruby itself. */
  default?: boolean
  /** Installed files, absolute: the gemspec and everything under `GEM_HOME/gems/NAME-VERSION[-PLATFORM]/`. */
  files?: string[]
  /** For Gemfile.lock entries: where Bundler gets the gem from. */
  source?: LockedGem['source']
  authors?: string[]
  homepage?: string
  summary?: string
  requires?: string[]
}

/** A directory scan (`fs://`) has a single layer with no diff id; lockfiles count only there. */
function isDirectoryScan(files: FileResolver): boolean {
  return files.layers.length === 1 && files.layers[0]?.diffId === undefined
}

function purl(name: string, version: string, platform: string): string {
  return makePurl('gem', undefined, name, version, { platform: platform !== 'ruby' ? platform : undefined })
}

class Reader {
  readonly issues: ScanIssue[] = []
  constructor(readonly files: FileResolver) {}

  issue(kind: ScanIssue['kind'], path: string, message: string): void {
    this.issues.push({ kind, message: `${path}: ${message}`, location: this.files.location(path), source: NAME })
  }

  read(path: string): string | undefined {
    const buf = this.files.read(path)
    if (buf) return new TextDecoder('utf-8').decode(buf)
    const st = this.files.stat(path)
    if (st?.type === 'file' && !st.hasContent)
      this.issue('unreadable-file', path, 'content not kept (over the size cap)')
    return undefined
  }
}

/** Every file under a directory of the image (none when the path would not be a plain glob). */
function filesUnder(files: FileResolver, dir: string): string[] {
  if (/[*?{}[\]]/.test(dir) || files.stat(dir, { noFollow: true })?.type !== 'directory') return []
  return files
    .glob(`${dir}/**`)
    .filter((f) => f.type === 'file' || f.type === 'symlink')
    .map((f) => f.path)
}

function installedGem(r: Reader, path: string): Package | undefined {
  const text = r.read(path)
  if (text === undefined) return undefined
  const parsed = parseGemspec(text)
  if ('error' in parsed) {
    r.issue('parse-error', path, `${parsed.error}; gem skipped`)
    return undefined
  }
  const s = parsed.spec
  const files = r.files
  const specDir = posix.dirname(path)
  const isDefault = posix.basename(specDir) === 'default' && posix.basename(posix.dirname(specDir)) === 'specifications'
  const home = isDefault ? posix.dirname(posix.dirname(specDir)) : posix.dirname(specDir)
  const fullName = `${s.name}-${s.version}${s.platform !== 'ruby' ? `-${s.platform}` : ''}`
  const metadata: GemMetadata = {
    kind: 'gem',
    path,
    platform: s.platform,
    gemHome: home,
    files: [path, ...filesUnder(files, `${home}/gems/${fullName}`)],
  }
  if (isDefault) metadata.default = true
  if (s.authors) metadata.authors = s.authors
  if (s.homepage) metadata.homepage = s.homepage
  if (s.summary) metadata.summary = s.summary
  if (s.requires) metadata.requires = s.requires
  const last = files.location(path)
  const pkg: Package = {
    id: packageId(NAME, s.name, s.version, s.platform, path),
    name: s.name,
    version: s.version,
    kind: 'gem',
    purl: purl(s.name, s.version, s.platform),
    introducedIn: files.locationIn(path, files.stat(path)?.firstLayer ?? last.layerIndex),
    lastChangedIn: last,
    locations: [last],
    foundBy: `${NAME}/${VERSION}`,
    metadata,
  }
  if (s.licenses.length) pkg.licenses = s.licenses
  return pkg
}

function lockedGems(r: Reader, path: string): Package[] {
  const text = r.read(path)
  if (text === undefined) return []
  const { gems, errors } = parseGemfileLock(text)
  for (const e of errors) r.issue('parse-error', path, `line ${e.line}: ${e.message}; entry skipped`)
  const files = r.files
  const last = files.location(path)
  const intro = files.locationIn(path, files.stat(path)?.firstLayer ?? last.layerIndex)
  return gems.map((g) => {
    const metadata: GemMetadata = { kind: 'gem', path, platform: g.platform, source: g.source }
    return {
      id: packageId(NAME, g.name, g.version, g.platform, path),
      name: g.name,
      version: g.version,
      kind: 'gem',
      purl: purl(g.name, g.version, g.platform),
      introducedIn: intro,
      lastChangedIn: last,
      locations: [last],
      foundBy: `${NAME}/${VERSION}`,
      metadata,
    }
  })
}

/** A lockfile shipped inside an installed gem (`GEM_HOME/gems/NAME-VERSION/...`) is that gem's, not an app's. */
function insideInstalledGem(files: FileResolver, path: string): boolean {
  const parts = path.split('/')
  for (let i = parts.length - 3; i > 0; i--) {
    if (parts[i] !== 'gems') continue
    const home = parts.slice(0, i).join('/')
    if (files.stat(`${home}/specifications`)?.type === 'directory') return true
  }
  return false
}

/**
 * Ruby gems: installed specifications (`specifications/*.gemspec` and `specifications/default/*.gemspec` under any
 * gem home: `/usr/lib/ruby/gems/*`, `/usr/local/lib/ruby/gems/*`, Debian's `rubygems-integration` directories,
 * Bundler's `vendor/bundle/ruby/*`), read without running them; `Gemfile.lock` specs only in directory scans.
 */
export const gemCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['gem'],
  wants: [
    { globs: [SPECS], maxBytes: 4 * 1024 * 1024 },
    { globs: [LOCK], maxBytes: 16 * 1024 * 1024 },
  ],
  catalog(ctx: CatalogContext): CatalogResult {
    const r = new Reader(ctx.files)
    const packages: Package[] = []
    for (const f of ctx.files.glob(SPECS)) {
      if (f.type === 'directory') continue
      const p = installedGem(r, f.path)
      if (p) packages.push(p)
    }
    if (isDirectoryScan(ctx.files)) {
      for (const f of ctx.files.glob(LOCK)) {
        if (f.type !== 'directory' && !insideInstalledGem(ctx.files, f.path)) packages.push(...lockedGems(r, f.path))
      }
    }
    return { packages, issues: r.issues }
  },
}
