import type { FileInfo, FileResolver } from '../../../filetree/index.js'
import type { LanguageMetadata, Package, ScanIssue, ScanIssueKind } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'
import { type NpmLock, parseNpmLock } from './npm-lock.js'
import { type PackageJson, parsePackageJson } from './package-json.js'
import { parsePnpmLock } from './pnpm-lock.js'
import { reach } from './scope.js'
import { berryDescriptor, parseYarnLock } from './yarn-lock.js'

const NAME = 'npm'
const VERSION = 1
const FOUND_BY = `${NAME}/${VERSION}`

/** Real package.json files are a few KB (old npm wrote the README into them: still well under 1 MB). */
export const PACKAGE_JSON_MAX_BYTES = 8 * 1024 * 1024
/** Lockfiles of big monorepos reach tens of MB. */
export const LOCKFILE_MAX_BYTES = 64 * 1024 * 1024

const NPM_LOCKS = ['npm-shrinkwrap.json', 'package-lock.json'] as const
const HIDDEN_LOCK = '.package-lock.json'

/** npm's metadata of a package: where it is installed, its scope when a lockfile tells, what package.json declares. */
export interface NpmMetadata extends LanguageMetadata {
  kind: 'npm'
  /** The package's folder (its real path, symlinks resolved). */
  path?: string
  /** Symlinks in a node_modules folder through which a package outside node_modules is installed (workspaces). */
  links?: string[]
  /** Only devDependencies lead to it (per the lockfile). */
  dev?: true
  optional?: true
  /** The lockfile the scope (or, with `fromLockfile`, the whole package) came from. */
  lockfile?: string
  /** Listed by a lockfile with nothing installed next to it. */
  fromLockfile?: true
  author?: string
  homepage?: string
  repository?: string
  description?: string
  private?: true
  resolved?: string
  integrity?: string
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/')
  return i <= 0 ? '/' : p.slice(0, i)
}

function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1)
}

/**
 * If `dir` is where npm (or pnpm) installs a package — `ROOT/node_modules/NAME` or `ROOT/node_modules/@SCOPE/NAME`,
 * then any number of `/node_modules/[@SCOPE/]NAME` more, where pnpm's store adds `node_modules/.pnpm/ID/` — the
 * project folder ROOT; otherwise (a package.json deeper inside a package: `x/lib/package.json`, test fixtures
 * with their own node_modules, `.bin`, `.cache`) undefined.
 */
export function projectRootOf(dir: string): string | undefined {
  const segs = dir.split('/').filter(Boolean)
  const first = segs.indexOf('node_modules')
  if (first < 0) return undefined
  let j = first
  while (j < segs.length) {
    if (segs[j] !== 'node_modules') return undefined
    j++
    let s = segs[j]
    if (s === '.pnpm') {
      if (segs[j + 2] !== 'node_modules') return undefined
      j += 2
      continue
    }
    if (s === undefined || s.startsWith('.')) return undefined
    if (s.startsWith('@')) {
      j++
      s = segs[j]
      if (s === undefined || s.startsWith('.')) return undefined
    }
    j++
  }
  return `/${segs.slice(0, first).join('/')}`
}

/** The install folder name: `@scope/name` or `name`. */
function folderName(dir: string): string {
  const parent = baseOf(parentOf(dir))
  return parent.startsWith('@') ? `${parent}/${baseOf(dir)}` : baseOf(dir)
}

/** `pkg:npm/%40scope/name@1.0.0`; undefined for a name packageurl-js refuses. */
export function npmPurl(name: string, version: string): string | undefined {
  const slash = name.indexOf('/')
  try {
    return name.startsWith('@') && slash > 0
      ? makePurl('npm', name.slice(0, slash), name.slice(slash + 1), version)
      : makePurl('npm', undefined, name, version)
  } catch {
    return undefined
  }
}

const looksLikeVersion = (v: string) => /^v?\d/.test(v)

/** A package as a lockfile lists it. */
interface LockPackage {
  name: string
  version: string
  dev?: boolean
  optional?: boolean
  license?: string
  resolved?: string
  integrity?: string
}

class Run {
  readonly packages: Package[] = []
  readonly issues: ScanIssue[] = []
  /** Installed packages by real folder. */
  private readonly installed = new Map<string, { pkg: Package; meta: NpmMetadata; viaLink: boolean }>()
  private readonly tried = new Set<string>()
  /** Project folder → its npm lockfiles (shrinkwrap/package-lock, and the hidden one in node_modules). */
  private readonly npmLocks = new Map<string, { lock?: FileInfo; hidden?: FileInfo }>()
  private readonly parsedNpm = new Map<string, NpmLock | undefined>()
  /** Project folder → its yarn.lock / pnpm-lock.yaml. */
  private readonly others = new Map<string, FileInfo[]>()
  private readonly parsedOther = new Map<string, Map<string, LockPackage> | undefined>()

  constructor(private readonly files: FileResolver) {}

  issue(kind: ScanIssueKind, path: string, message: string): void {
    this.issues.push({ kind, message, location: this.files.location(path), source: NAME })
  }

  /** The kept content of a file we need, or a located issue saying why there is none. */
  content(f: FileInfo, what: string): Buffer | undefined {
    const buf = this.files.read(f.path)
    if (buf) return buf
    this.issue('truncated-content', f.path, `${f.path} (${f.size} bytes) was not kept (over the content cap); ${what}`)
    return undefined
  }

  run(): void {
    const found = this.files.glob(`/**/{package.json,${NPM_LOCKS.join(',')},${HIDDEN_LOCK},yarn.lock,pnpm-lock.yaml}`)
    const manifests: FileInfo[] = []
    for (const f of found) {
      // A manifest or lockfile may itself be a symlink (to a file of the image); read through it.
      if (f.type !== 'file' && !(f.type === 'symlink' && this.files.stat(f.path)?.type === 'file')) continue
      const base = baseOf(f.path)
      const dir = parentOf(f.path)
      if (base === 'package.json') {
        if (projectRootOf(dir) !== undefined) manifests.push(f)
      } else if (base === HIDDEN_LOCK) {
        if (baseOf(dir) === 'node_modules') this.lockSlot(parentOf(dir)).hidden = f
      } else if (!dir.split('/').includes('node_modules')) {
        // Lockfiles shipped inside installed packages say nothing about this project.
        if ((NPM_LOCKS as readonly string[]).includes(base)) {
          const slot = this.lockSlot(dir)
          if (!slot.lock || base === 'npm-shrinkwrap.json') slot.lock = f
        } else {
          const list = this.others.get(dir)
          if (list) list.push(f)
          else this.others.set(dir, [f])
        }
      }
    }
    for (const m of manifests) this.addInstalled(m, parentOf(m.path))
    this.followLinks()
    this.applyScope()
    this.lockfilesAlone()
  }

  private lockSlot(dir: string): { lock?: FileInfo; hidden?: FileInfo } {
    let s = this.npmLocks.get(dir)
    if (!s) {
      s = {}
      this.npmLocks.set(dir, s)
    }
    return s
  }

  private addInstalled(pj: FileInfo, dir: string, link?: string): void {
    if (this.tried.has(dir)) return
    this.tried.add(dir)
    const buf = this.content(pj, 'package skipped')
    if (!buf) return
    const r = parsePackageJson(buf)
    if (!r.ok) {
      this.issue('parse-error', pj.path, `${pj.path}: ${r.error}; package skipped`)
      return
    }
    const j = r.value
    // A folder without a version is no installed package (npm itself refuses it).
    if (!j.version) return
    const name = j.name ?? folderName(dir)
    const purl = npmPurl(name, j.version)
    if (!purl) {
      this.issue(
        'parse-error',
        pj.path,
        `${pj.path}: ${JSON.stringify(name)} is not a valid package name; package skipped`,
      )
      return
    }
    const meta: NpmMetadata = { kind: 'npm', path: dir }
    if (link) meta.links = [link]
    describe(meta, j)
    const last = this.files.location(pj.path)
    const pkg: Package = {
      id: packageId('npm', name, j.version, dir),
      name,
      version: j.version,
      kind: 'npm',
      purl,
      introducedIn: this.files.locationIn(pj.path, pj.firstLayer),
      lastChangedIn: last,
      locations: [last],
      foundBy: FOUND_BY,
      metadata: meta,
    }
    if (j.licenses.length) pkg.licenses = j.licenses
    this.installed.set(dir, { pkg, meta, viaLink: link !== undefined })
    this.packages.push(pkg)
  }

  /**
   * Symlinked packages (`node_modules/ws -> ../packages/ws`: npm and yarn workspaces, `npm link`, pnpm): the
   * listing does not follow links, so each target is looked at here, once, by its real path.
   */
  private followLinks(): void {
    for (const l of this.files.glob('/**/node_modules/{*,@*/*}')) {
      if (l.type !== 'symlink' || projectRootOf(l.path) === undefined) continue
      const t = this.files.stat(l.path)
      if (t?.type !== 'directory') continue
      const known = this.installed.get(t.path)
      if (known) {
        if (known.viaLink && !known.meta.links?.includes(l.path)) known.meta.links?.push(l.path)
        continue
      }
      // A link up to a folder that holds it is the project itself (a workspace depending on its root).
      if (t.path === '/' || l.path.startsWith(`${t.path}/`)) continue
      const pj = this.files.stat(`${t.path}/package.json`)
      if (pj?.type === 'file') this.addInstalled(pj, t.path, l.path)
    }
  }

  private npmLock(f: FileInfo): NpmLock | undefined {
    if (this.parsedNpm.has(f.path)) return this.parsedNpm.get(f.path)
    let lock: NpmLock | undefined
    const buf = this.content(f, 'dev/prod scope unknown')
    if (buf) {
      const r = parseNpmLock(buf)
      if (r.ok) lock = r.value
      else this.issue('parse-error', f.path, `${f.path}: ${r.error}; lockfile ignored`)
    }
    this.parsedNpm.set(f.path, lock)
    return lock
  }

  /**
   * Dev/prod scope of installed packages, from the nearest lockfile that knows them: npm's by install path,
   * yarn's and pnpm's (which do not say where a package went) by name@version.
   */
  private applyScope(): void {
    if (this.npmLocks.size === 0 && this.others.size === 0) return
    for (const [dir, { meta, pkg }] of this.installed) {
      const id = `${pkg.name}@${pkg.version}`
      for (let a = parentOf(dir); ; a = parentOf(a)) {
        const found = this.npmScope(a, dir) ?? this.otherScope(a, id)
        if (found) {
          if (found.dev) meta.dev = true
          if (found.optional) meta.optional = true
          meta.lockfile = found.file.path
          pkg.locations.push(this.files.location(found.file.path))
          break
        }
        if (a === '/') break
      }
    }
  }

  private npmScope(project: string, dir: string): { file: FileInfo; dev: boolean; optional?: boolean } | undefined {
    const slot = this.npmLocks.get(project)
    if (!slot) return undefined
    const key = project === '/' ? dir.slice(1) : dir.slice(project.length + 1)
    for (const f of [slot.hidden, slot.lock]) {
      const e = f && this.npmLock(f)?.entries.get(key)
      if (f && e) return { file: f, dev: e.dev, optional: e.optional }
    }
    return undefined
  }

  private otherScope(project: string, id: string): { file: FileInfo; dev: boolean; optional?: boolean } | undefined {
    for (const f of this.others.get(project) ?? []) {
      // Only a lockfile that was installed from (node_modules beside it) speaks for installed packages.
      if (!this.installedNextTo(f.path)) continue
      const p = this.lockPackages(f)?.get(id)
      if (p) return { file: f, dev: p.dev === true, optional: p.optional === true }
    }
    return undefined
  }

  /** The project folder of a lockfile has no node_modules: the lockfile is all there is (a source tree). */
  private installedNextTo(lockPath: string): boolean {
    const nm = this.files.stat(`${parentOf(lockPath)}/node_modules`)
    return nm?.type === 'directory'
  }

  private fromLock(f: FileInfo, e: LockPackage): void {
    if (!looksLikeVersion(e.version)) return
    const purl = npmPurl(e.name, e.version)
    if (!purl) {
      this.issue(
        'parse-error',
        f.path,
        `${f.path}: ${JSON.stringify(e.name)} is not a valid package name; entry skipped`,
      )
      return
    }
    const meta: NpmMetadata = { kind: 'npm', fromLockfile: true, lockfile: f.path }
    if (e.dev) meta.dev = true
    if (e.optional) meta.optional = true
    if (e.resolved) meta.resolved = e.resolved
    if (e.integrity) meta.integrity = e.integrity
    const last = this.files.location(f.path)
    const pkg: Package = {
      id: packageId('npm', e.name, e.version, f.path),
      name: e.name,
      version: e.version,
      kind: 'npm',
      purl,
      introducedIn: this.files.locationIn(f.path, f.firstLayer),
      lastChangedIn: last,
      locations: [last],
      foundBy: FOUND_BY,
      metadata: meta,
    }
    if (e.license) pkg.licenses = [e.license]
    this.packages.push(pkg)
  }

  private lockfilesAlone(): void {
    for (const [, slot] of this.npmLocks) {
      const f = slot.lock
      if (!f || this.installedNextTo(f.path)) continue
      const lock = this.npmLock(f)
      if (!lock) continue
      const merged = new Map<string, LockPackage>()
      for (const e of lock.entries.values()) {
        if (e.link || !e.version) continue
        const x: LockPackage = { name: e.name, version: e.version, dev: e.dev, optional: e.optional }
        if (e.license) x.license = e.license
        if (e.resolved) x.resolved = e.resolved
        if (e.integrity) x.integrity = e.integrity
        merge(merged, x)
      }
      for (const m of merged.values()) this.fromLock(f, m)
    }
    for (const list of this.others.values()) {
      for (const f of list) {
        if (this.installedNextTo(f.path)) continue
        for (const p of this.lockPackages(f)?.values() ?? []) this.fromLock(f, p)
      }
    }
  }

  /** The project's own package.json next to a lockfile, for its direct dependencies (no workspaces). */
  private manifestNextTo(lockPath: string): PackageJson | undefined {
    const p = `${parentOf(lockPath)}/package.json`
    const buf = this.files.read(p)
    if (!buf) return undefined
    const r = parsePackageJson(buf)
    return r.ok && !r.value.workspaces ? r.value : undefined
  }

  /** The packages of a yarn.lock or pnpm-lock.yaml by name@version (parsed once; a damaged one is an issue). */
  private lockPackages(f: FileInfo): Map<string, LockPackage> | undefined {
    if (this.parsedOther.has(f.path)) return this.parsedOther.get(f.path)
    const buf = this.content(f, 'lockfile ignored')
    const out = buf ? (baseOf(f.path) === 'yarn.lock' ? this.yarn(f, buf) : this.pnpm(f, buf)) : undefined
    this.parsedOther.set(f.path, out)
    return out
  }

  private skipped(f: FileInfo, count: number, first: string): void {
    if (count === 0) return
    this.issue('parse-error', f.path, `${f.path}: ${count} entr${count === 1 ? 'y' : 'ies'} skipped (first: ${first})`)
  }

  private yarn(f: FileInfo, buf: Buffer): Map<string, LockPackage> | undefined {
    const r = parseYarnLock(buf)
    if (!r.ok) {
      this.issue('parse-error', f.path, `${f.path}: ${r.error}; lockfile ignored`)
      return undefined
    }
    const lock = r.value
    const e0 = lock.errors[0]
    if (e0) this.skipped(f, lock.errors.length, `${e0.line ? `line ${e0.line}: ` : ''}${e0.message}`)
    // Scope: walk the lockfile's graph from the project's dependencies and from its devDependencies.
    let devOnly: ((i: number) => boolean | undefined) | undefined
    const pj = this.manifestNextTo(f.path)
    if (pj) {
      const pattern = (n: string, range: string) =>
        lock.flavor === 'berry' ? berryDescriptor(n, range) : `${n}@${range}`
      const byPattern = new Map<string, number>()
      lock.entries.forEach((e, i) => {
        for (const p of e.patterns) byPattern.set(p, i)
      })
      const edges = (p: string) => {
        const i = byPattern.get(p)
        return i === undefined ? [] : (lock.entries[i]?.requires ?? [])
      }
      const prod = Object.entries({ ...pj.dependencies, ...pj.optionalDependencies }).map(([n, v]) => pattern(n, v))
      const dev = Object.entries(pj.devDependencies).map(([n, v]) => pattern(n, v))
      const { prodSet, devSet } = reach(prod, dev, edges)
      const prodIdx = new Set([...prodSet].map((p) => byPattern.get(p)))
      const devIdx = new Set([...devSet].map((p) => byPattern.get(p)))
      devOnly = (i) => (prodIdx.has(i) ? false : devIdx.has(i) ? true : undefined)
    }
    const out = new Map<string, LockPackage>()
    lock.entries.forEach((e, i) => {
      const x: LockPackage = { name: e.name, version: e.version, dev: devOnly?.(i) === true }
      if (e.resolved) x.resolved = e.resolved
      if (e.integrity) x.integrity = e.integrity
      merge(out, x)
    })
    return out
  }

  private pnpm(f: FileInfo, buf: Buffer): Map<string, LockPackage> | undefined {
    const r = parsePnpmLock(buf)
    if (!r.ok) {
      this.issue('parse-error', f.path, `${f.path}: ${r.error}; lockfile ignored`)
      return undefined
    }
    const lock = r.value
    this.skipped(f, lock.errors.length, lock.errors[0] ?? '')
    const out = new Map<string, LockPackage>()
    for (const e of lock.entries) {
      const x: LockPackage = { name: e.name, version: e.version, dev: e.dev === true, optional: e.optional === true }
      if (e.resolved) x.resolved = e.resolved
      if (e.integrity) x.integrity = e.integrity
      merge(out, x)
    }
    return out
  }
}

/** One package per name@version: the same version installed twice (or under other peers) is dev-only if every copy is. */
function merge(into: Map<string, LockPackage>, p: LockPackage): void {
  const id = `${p.name}@${p.version}`
  const m = into.get(id)
  if (!m) {
    into.set(id, p)
    return
  }
  m.dev = m.dev === true && p.dev === true
  m.optional = m.optional === true && p.optional === true
}

function describe(meta: NpmMetadata, j: PackageJson): void {
  if (j.author) meta.author = j.author
  if (j.homepage) meta.homepage = j.homepage
  if (j.repository) meta.repository = j.repository
  if (j.description) meta.description = j.description
  if (j.private) meta.private = true
}

/**
 * npm packages: every package installed in a node_modules tree (nested and scoped, pnpm's store, symlinked
 * workspaces once by real path), with dev/prod scope from npm's lockfiles; and for a project folder without
 * node_modules (a source tree), the packages its package-lock.json, yarn.lock or pnpm-lock.yaml lists.
 */
export const npmCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['npm'],
  wants: [
    { globs: ['/**/package.json'], maxBytes: PACKAGE_JSON_MAX_BYTES },
    {
      globs: [
        `/**/node_modules/${HIDDEN_LOCK}`,
        ...NPM_LOCKS.map((n) => `/**/${n}`),
        '/**/yarn.lock',
        '/**/pnpm-lock.yaml',
      ],
      maxBytes: LOCKFILE_MAX_BYTES,
    },
  ],
  catalog(ctx: CatalogContext): CatalogResult {
    const run = new Run(ctx.files)
    run.run()
    return { packages: run.packages, issues: run.issues }
  },
}
