import { posix } from 'node:path'
import type { FileInfo, FileResolver } from '../../../filetree/index.js'
import type { LanguageMetadata, Location, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'
import {
  type CoreMetadata,
  declaredLicenses,
  header,
  headers,
  normalizeName,
  parseCoreMetadata,
  parseInstalledFiles,
  parseRecordPaths,
  parseRequiresTxt,
} from './metadata.js'

const NAME = 'python'
const VERSION = 1
const SP = '{site,dist}-packages'
const MAX_BYTES = 16 * 1024 * 1024
const ROOT = /\/(?:site|dist)-packages\/(?:[^/]*\.(?:dist|egg)-info|[^/]*\.egg\/EGG-INFO)$/

/** How the distribution was installed, from the shape of its metadata. */
export type PythonFormat = 'dist-info' | 'egg-info' | 'egg-info-file' | 'egg'

export interface PythonMetadata extends LanguageMetadata {
  kind: 'python'
  /** The `.dist-info` / `.egg-info` (file or directory) / `.egg/EGG-INFO` path. */
  path: string
  format: PythonFormat
  /** The `site-packages` / `dist-packages` directory the distribution is installed in. */
  sitePackages: string
  /** Files of the distribution, absolute paths. */
  files: string[]
  /** `RECORD`, `installed-files.txt`, or `metadata-dir` when neither exists and the files are those of the metadata. */
  filesFrom: 'RECORD' | 'installed-files.txt' | 'metadata-dir'
  requires?: string[]
  requiresPython?: string
  topLevel?: string[]
  summary?: string
  homepage?: string
  author?: string
  authorEmail?: string
  installer?: string
}

function text(buf: Buffer): string {
  return new TextDecoder('utf-8').decode(buf)
}

interface Found {
  path: string
  format: PythonFormat
  /** The core-metadata file. */
  meta: string
  sitePackages: string
}

function classify(f: FileInfo, files: FileResolver): Found | undefined {
  const type = f.type === 'symlink' ? files.stat(f.path)?.type : f.type
  const p = f.path
  if (p.endsWith('/EGG-INFO')) {
    if (type !== 'directory') return undefined
    const egg = posix.dirname(p)
    return { path: p, format: 'egg', meta: `${p}/PKG-INFO`, sitePackages: posix.dirname(egg) }
  }
  const sitePackages = posix.dirname(p)
  if (p.endsWith('.dist-info')) {
    return type === 'directory' ? { path: p, format: 'dist-info', meta: `${p}/METADATA`, sitePackages } : undefined
  }
  if (type === 'directory') return { path: p, format: 'egg-info', meta: `${p}/PKG-INFO`, sitePackages }
  if (type === 'file') return { path: p, format: 'egg-info-file', meta: p, sitePackages }
  return undefined
}

class Reader {
  readonly issues: ScanIssue[] = []
  constructor(readonly files: FileResolver) {}

  issue(kind: ScanIssue['kind'], path: string, message: string): void {
    this.issues.push({ kind, message: `${path}: ${message}`, location: this.files.location(path), source: NAME })
  }

  /** Content of a file that should be there; undefined (with an issue when it exists but was not kept). */
  read(path: string, required: boolean): Buffer | undefined {
    const buf = this.files.read(path)
    if (buf) return buf
    const st = this.files.stat(path)
    if (st?.type === 'file' && !st.hasContent)
      this.issue('unreadable-file', path, 'content not kept (over the size cap)')
    else if (required) this.issue('parse-error', path, st ? 'not a regular file' : 'missing')
    return undefined
  }
}

function ownedFiles(
  r: Reader,
  d: Found,
  children: readonly FileInfo[],
  read: Location[],
): { files: string[]; filesFrom: PythonMetadata['filesFrom'] } {
  const files = r.files
  const abs = new Set<string>()
  if (d.format === 'dist-info') {
    const record = `${d.path}/RECORD`
    if (files.stat(record)) {
      const buf = r.read(record, false)
      if (buf) {
        read.push(files.location(record))
        for (const p of parseRecordPaths(text(buf))) abs.add(posix.resolve(d.sitePackages, p))
        return { files: [...abs].sort(), filesFrom: 'RECORD' }
      }
    }
  } else if (d.format === 'egg-info') {
    const list = `${d.path}/installed-files.txt`
    if (files.stat(list)) {
      const buf = r.read(list, false)
      if (buf) {
        read.push(files.location(list))
        for (const p of parseInstalledFiles(text(buf))) abs.add(posix.resolve(d.path, p))
        // The list does not name itself, nor (for old setuptools) the metadata directory's own files.
        for (const f of children) if (f.type === 'file') abs.add(f.path)
        return { files: [...abs].sort(), filesFrom: 'installed-files.txt' }
      }
    }
  }
  // No install record (Debian strips them): the metadata's own files are all that is known to be this package's.
  if (d.format === 'egg-info-file') return { files: [d.path], filesFrom: 'metadata-dir' }
  for (const f of children) if (f.type === 'file' || f.type === 'symlink') abs.add(f.path)
  return { files: [...abs].sort(), filesFrom: 'metadata-dir' }
}

function lines(buf: Buffer | undefined): string[] | undefined {
  if (!buf) return undefined
  const out = text(buf)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return out.length ? out : undefined
}

function toPackage(
  r: Reader,
  d: Found,
  children: readonly FileInfo[],
  md: CoreMetadata,
  name: string,
  version: string,
): Package {
  const files = r.files
  const metaInfo = files.stat(d.meta)
  const last = files.location(d.meta)
  const locations: Location[] = [last]
  const owned = ownedFiles(r, d, children, locations)
  const metadata: PythonMetadata = {
    kind: 'python',
    path: d.path,
    format: d.format,
    sitePackages: d.sitePackages,
    files: owned.files,
    filesFrom: owned.filesFrom,
  }
  const reqs = headers(md, 'Requires-Dist')
  if (reqs.length) metadata.requires = reqs
  else if (d.format !== 'dist-info' && d.format !== 'egg-info-file') {
    const buf = files.read(`${d.path}/requires.txt`)
    const list = buf ? parseRequiresTxt(text(buf)) : []
    if (list.length) metadata.requires = list
  }
  const rp = header(md, 'Requires-Python')
  if (rp) metadata.requiresPython = rp
  if (d.format !== 'egg-info-file') {
    const top = lines(files.read(`${d.path}/top_level.txt`))
    if (top) metadata.topLevel = top
  }
  const summary = header(md, 'Summary')
  if (summary) metadata.summary = summary
  const home = header(md, 'Home-page') ?? projectUrl(md)
  if (home) metadata.homepage = home
  const author = header(md, 'Author')
  if (author) metadata.author = author
  const email = header(md, 'Author-email')
  if (email) metadata.authorEmail = email
  if (d.format === 'dist-info') {
    const inst = lines(files.read(`${d.path}/INSTALLER`))?.[0]
    if (inst) metadata.installer = inst
  }
  const pkg: Package = {
    id: packageId(NAME, name, version, d.path),
    name,
    version,
    kind: 'python',
    purl: makePurl('pypi', undefined, normalizeName(name), version),
    introducedIn: files.locationIn(d.meta, metaInfo?.firstLayer ?? last.layerIndex),
    lastChangedIn: last,
    locations,
    foundBy: `${NAME}/${VERSION}`,
    metadata,
  }
  const licenses = declaredLicenses(md)
  if (licenses.length) pkg.licenses = licenses
  return pkg
}

function projectUrl(md: CoreMetadata): string | undefined {
  for (const v of headers(md, 'Project-URL')) {
    const [label, url] = v.split(',', 2).map((s) => s.trim())
    if (url && label && /^home\s*-?\s*page$/i.test(label)) return url
  }
  return undefined
}

/**
 * Installed Python distributions: `*.dist-info` (wheels, pip), `*.egg-info` (a directory with `PKG-INFO`, or a
 * single file: setuptools, Debian's python3-* packages) and `*.egg/EGG-INFO` under any `site-packages` or
 * `dist-packages` directory. Only installed metadata: requirements files of a source tree are not read.
 */
export const pythonCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['python'],
  wants: [
    {
      globs: [
        `/**/${SP}/*.dist-info/{METADATA,RECORD,INSTALLER,top_level.txt}`,
        `/**/${SP}/*.egg-info/{PKG-INFO,installed-files.txt,top_level.txt,requires.txt}`,
        `/**/${SP}/*.egg-info`,
        `/**/${SP}/*.egg/EGG-INFO/{PKG-INFO,top_level.txt,requires.txt}`,
      ],
      maxBytes: MAX_BYTES,
    },
  ],
  catalog(ctx: CatalogContext): CatalogResult {
    const r = new Reader(ctx.files)
    const packages: Package[] = []
    // One walk for the metadata paths and the files directly inside them (sorted: parents come first).
    const roots: FileInfo[] = []
    const children = new Map<string, FileInfo[]>()
    for (const f of ctx.files.glob(`/**/${SP}/{*.dist-info,*.egg-info,*.egg/EGG-INFO}{,/*}`)) {
      if (ROOT.test(f.path)) {
        roots.push(f)
        children.set(f.path, [])
      } else children.get(posix.dirname(f.path))?.push(f)
    }
    for (const f of roots) {
      const d = classify(f, ctx.files)
      if (!d) continue
      const buf = r.read(d.meta, true)
      if (!buf) continue
      const md = parseCoreMetadata(text(buf))
      const name = header(md, 'Name')
      const version = header(md, 'Version')
      if (!name || !version) {
        r.issue('parse-error', d.meta, `no ${name ? 'Version' : 'Name'} header; distribution skipped`)
        continue
      }
      packages.push(toPackage(r, d, children.get(f.path) ?? [], md, name, version))
    }
    return { packages, issues: r.issues }
  },
}
