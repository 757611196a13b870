import { posix } from 'node:path'
import type { FileResolver } from '../../../filetree/index.js'
import type { LanguageMetadata, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'

const NAME = 'composer'
const VERSION = 1
const INSTALLED = '/**/vendor/composer/installed.json'
const LOCK = '/**/composer.lock'
const MAX_BYTES = 32 * 1024 * 1024

export interface ComposerReference {
  type?: string
  url?: string
  reference?: string
  shasum?: string
}

export interface ComposerMetadata extends LanguageMetadata {
  kind: 'composer'
  /** The installed.json or composer.lock the package was read from. */
  path: string
  /** Where Composer put the package (installed.json v2 `install-path`, made absolute). */
  installPath?: string
  /** From installed.json v2 `dev-package-names`, or composer.lock `packages-dev`; absent when the file does not say. */
  dev?: boolean
  type?: string
  source?: ComposerReference
  dist?: ComposerReference
  /** `name constraint` of each `require` entry. */
  requires?: string[]
  authors?: string[]
  homepage?: string
  description?: string
  time?: string
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

function isDirectoryScan(files: FileResolver): boolean {
  return files.layers.length === 1 && files.layers[0]?.diffId === undefined
}

function reference(v: unknown): ComposerReference | undefined {
  if (!isObject(v)) return undefined
  const out: ComposerReference = {}
  for (const k of ['type', 'url', 'reference', 'shasum'] as const) {
    const s = str(v[k])
    if (s) out[k] = s
  }
  return Object.keys(out).length ? out : undefined
}

class Reader {
  readonly issues: ScanIssue[] = []
  constructor(readonly files: FileResolver) {}

  issue(kind: ScanIssue['kind'], path: string, message: string): void {
    this.issues.push({ kind, message: `${path}: ${message}`, location: this.files.location(path), source: NAME })
  }

  json(path: string): unknown {
    const buf = this.files.read(path)
    if (!buf) {
      const st = this.files.stat(path)
      if (st?.type === 'file' && !st.hasContent)
        this.issue('unreadable-file', path, 'content not kept (over the size cap)')
      return undefined
    }
    try {
      return JSON.parse(new TextDecoder('utf-8').decode(buf))
    } catch (e) {
      this.issue('parse-error', path, `not valid JSON (${(e as Error).message}); file skipped`)
      return undefined
    }
  }
}

interface Entry {
  raw: unknown
  index: number
  dev?: boolean
  list: string
}

function toPackage(r: Reader, path: string, e: Entry, installDir?: string): Package | undefined {
  const p = e.raw
  const name = isObject(p) ? str(p.name) : undefined
  const version = isObject(p) ? str(p.version) : undefined
  if (!isObject(p) || !name || !version || !name.includes('/')) {
    const what = !isObject(p)
      ? 'not an object'
      : !name
        ? 'no name'
        : !version
          ? 'no version'
          : `name ${name} has no vendor`
    r.issue('parse-error', path, `${e.list}[${e.index}]: ${what}; entry skipped`)
    return undefined
  }
  const slash = name.indexOf('/')
  const metadata: ComposerMetadata = { kind: 'composer', path }
  const ip = str(p['install-path'])
  if (ip && installDir) metadata.installPath = posix.resolve(installDir, ip)
  if (e.dev !== undefined) metadata.dev = e.dev
  const type = str(p.type)
  if (type) metadata.type = type
  const source = reference(p.source)
  if (source) metadata.source = source
  const dist = reference(p.dist)
  if (dist) metadata.dist = dist
  if (isObject(p.require)) {
    const reqs = Object.entries(p.require).map(([k, v]) => (typeof v === 'string' ? `${k} ${v}` : k))
    if (reqs.length) metadata.requires = reqs
  }
  if (Array.isArray(p.authors)) {
    const authors = p.authors.map((a) => (isObject(a) ? str(a.name) : undefined)).filter((a): a is string => !!a)
    if (authors.length) metadata.authors = authors
  }
  const home = str(p.homepage)
  if (home) metadata.homepage = home
  const desc = str(p.description)
  if (desc) metadata.description = desc
  const time = str(p.time)
  if (time) metadata.time = time
  const files = r.files
  const last = files.location(path)
  const pkg: Package = {
    id: packageId(NAME, name, version, path),
    name,
    version,
    kind: 'composer',
    purl: makePurl('composer', name.slice(0, slash), name.slice(slash + 1), version),
    introducedIn: files.locationIn(path, files.stat(path)?.firstLayer ?? last.layerIndex),
    lastChangedIn: last,
    locations: [last],
    foundBy: `${NAME}/${VERSION}`,
    metadata,
  }
  const lic = Array.isArray(p.license)
    ? p.license.filter((l) => typeof l === 'string')
    : str(p.license)
      ? [p.license]
      : []
  if (lic.length) pkg.licenses = lic as string[]
  return pkg
}

/** installed.json: Composer 1 writes a bare array, Composer 2 `{packages, dev, dev-package-names}`. */
function installed(r: Reader, path: string): Package[] {
  const doc = r.json(path)
  if (doc === undefined) return []
  let entries: Entry[]
  if (Array.isArray(doc)) entries = doc.map((raw, index) => ({ raw, index, list: 'packages' }))
  else if (isObject(doc) && Array.isArray(doc.packages)) {
    const devNames = Array.isArray(doc['dev-package-names']) ? new Set(doc['dev-package-names']) : undefined
    entries = doc.packages.map((raw, index) => {
      const e: Entry = { raw, index, list: 'packages' }
      const name = isObject(raw) ? str(raw.name) : undefined
      if (devNames && name) e.dev = devNames.has(name)
      return e
    })
  } else {
    r.issue('unsupported-format', path, 'neither a package array (Composer 1) nor {packages: [...]} (Composer 2)')
    return []
  }
  const dir = posix.dirname(path)
  return entries.map((e) => toPackage(r, path, e, dir)).filter((p): p is Package => !!p)
}

/** composer.lock: `packages` and `packages-dev`. */
function locked(r: Reader, path: string): Package[] {
  const doc = r.json(path)
  if (doc === undefined) return []
  if (!isObject(doc) || (!Array.isArray(doc.packages) && !Array.isArray(doc['packages-dev']))) {
    r.issue('unsupported-format', path, 'no packages or packages-dev list')
    return []
  }
  const out: Package[] = []
  for (const [list, dev] of [
    ['packages', false],
    ['packages-dev', true],
  ] as const) {
    const arr = doc[list]
    if (!Array.isArray(arr)) continue
    arr.forEach((raw, index) => {
      const p = toPackage(r, path, { raw, index, dev, list })
      if (p) out.push(p)
    })
  }
  return out
}

/**
 * PHP packages installed by Composer (`vendor/composer/installed.json`, both shapes); `composer.lock` only in
 * directory scans, and not the ones packages ship inside `vendor/`.
 */
export const composerCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['composer'],
  wants: [{ globs: [INSTALLED, LOCK], maxBytes: MAX_BYTES }],
  catalog(ctx: CatalogContext): CatalogResult {
    const r = new Reader(ctx.files)
    const packages: Package[] = []
    for (const f of ctx.files.glob(INSTALLED)) if (f.type !== 'directory') packages.push(...installed(r, f.path))
    if (isDirectoryScan(ctx.files)) {
      for (const f of ctx.files.glob(LOCK)) {
        if (f.type !== 'directory' && !f.path.includes('/vendor/')) packages.push(...locked(r, f.path))
      }
    }
    return { packages, issues: r.issues }
  },
}
