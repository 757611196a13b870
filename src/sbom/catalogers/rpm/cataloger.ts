import type { FileInfo, FileResolver } from '../../../filetree/index.js'
import type { Distro, Location, Package, RpmMetadata, ScanIssue, ScanIssueKind } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { datePackages, type Snapshot } from '../../dating.js'
import { packageId } from '../../ids.js'
import { distroQualifier, makePurl } from '../../purl.js'
import { type RpmdbContents, type RpmdbFormat, type RpmdbPackage, readRpmdb } from './rpmdb.js'

const NAME = 'rpm'
const VERSION = 1
const FOUND_BY = `${NAME}/${VERSION}`

/** rpm's database directories: the classic one and rpm >= 4.17's default (often symlinked to each other). */
const DB_DIRS = ['/usr/lib/sysimage/rpm', '/var/lib/rpm'] as const
const DB_FILES = ['rpmdb.sqlite', 'Packages.db', 'Packages'] as const
const DB_GLOBS = DB_DIRS.map((d) => `${d}/{${DB_FILES.join(',')}}`)
/** Also kept: the sqlite write-ahead log, which can hold the last transactions (see wal.ts). */
const GLOBS = [...DB_GLOBS, ...DB_DIRS.map((d) => `${d}/rpmdb.sqlite-wal`)]
/** Issues reported per database file before the rest are summarised in one line. */
const MAX_ISSUES_PER_DB = 50

export const rpmCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['rpm'],
  wants: [{ globs: GLOBS, maxBytes: 256 * 1024 * 1024, allLayers: true }],
  catalog(ctx: CatalogContext): CatalogResult {
    const issues: ScanIssue[] = []
    const candidates = findDatabases(ctx.files)
    for (const db of candidates) {
      try {
        const res = catalogDatabase(ctx, db.path, issues)
        // One rpmdb describes the system; a second one is a leftover of a backend migration (for example
        // `Packages` next to `rpmdb.sqlite`), and reading both would report stale packages twice.
        if (res) return { packages: res, issues }
      } catch (e) {
        issues.push(
          issue(ctx.files, db.path, db.lastLayer, 'parse-error', `unexpected failure: ${(e as Error).message}`),
        )
      }
    }
    return { packages: [], issues }
  },
}

/**
 * The database files present, the one rpm would be using first: the most recently written one (each
 * transaction rewrites it), then by backend (sqlite is what a converted system moved to) and directory.
 */
function findDatabases(files: FileResolver): FileInfo[] {
  const byPath = new Map<string, FileInfo>()
  for (const g of DB_GLOBS) for (const f of files.glob(g)) if (f.type === 'file') byPath.set(f.path, f)
  const rank = (f: FileInfo): number => {
    const base = f.path.slice(f.path.lastIndexOf('/') + 1)
    const dir = f.path.slice(0, f.path.lastIndexOf('/'))
    return DB_FILES.indexOf(base as (typeof DB_FILES)[number]) * 10 + DB_DIRS.indexOf(dir as (typeof DB_DIRS)[number])
  }
  return [...byPath.values()].sort(
    (a, b) => b.lastLayer - a.lastLayer || rank(a) - rank(b) || a.path.localeCompare(b.path),
  )
}

/** Packages of one database, or undefined when it yielded none (unreadable), so another can be tried. */
function catalogDatabase(ctx: CatalogContext, path: string, issues: ScanIssue[]): Package[] | undefined {
  const { files } = ctx
  const history = files.history(path)
  let finalIdx = -1
  for (let i = history.length - 1; i >= 0 && finalIdx < 0; i--) if (history[i]?.content) finalIdx = i
  const final = history[finalIdx]
  const dbLayer = final?.layerIndex ?? files.stat(path)?.lastLayer ?? 0
  const content = final?.content ?? files.read(path)
  if (!content) {
    const size = files.stat(path)?.size
    const why = size !== undefined ? `its ${size} bytes were not kept (over the size cap?)` : 'its content was not kept'
    issues.push(issue(files, path, dbLayer, 'truncated-content', `rpm database not read: ${why}`))
    return undefined
  }

  // sqlite databases are read together with their write-ahead log: the state at a layer is the newest
  // database file plus the newest WAL written at or before it.
  const walPath = path.endsWith('.sqlite') ? `${path}-wal` : undefined
  const walHistory = walPath ? files.history(walPath) : []
  const walAt = (layer: number): Uint8Array | undefined => {
    let cur: Uint8Array | undefined
    for (const v of walHistory) if (v.layerIndex <= layer) cur = v.content
    return cur
  }
  const finalWal = walAt(Number.MAX_SAFE_INTEGER)
  const walLayer = walHistory.filter((v) => v.content === finalWal).at(-1)?.layerIndex
  const finalLayer = Math.max(dbLayer, finalWal && walLayer !== undefined ? walLayer : dbLayer)

  const db = readRpmdb(content, { wal: finalWal })
  reportErrors(files, path, dbLayer, db, issues)
  if (db.packages.length === 0) return undefined
  const kept = db.packages.filter((p) => !isPseudoPackage(p))

  // Older layers' databases only date the packages: damage there is not the image's present state.
  const layers = [...new Set([...history, ...walHistory].map((v) => v.layerIndex))].sort((a, b) => a - b)
  const snapshots: Snapshot<string>[] = []
  for (const layer of layers) {
    if (layer >= finalLayer) break
    let dbThen: Uint8Array | undefined
    let seen = false
    for (const v of history) {
      if (v.layerIndex > layer) break
      dbThen = v.content
      seen = true
    }
    if (!seen) continue
    if (!dbThen) snapshots.push({ layerIndex: layer, entries: undefined })
    else {
      const old = readRpmdb(dbThen, { files: false, wal: walAt(layer) })
      snapshots.push({ layerIndex: layer, entries: keys(old.packages.filter((p) => !isPseudoPackage(p))) })
    }
  }
  snapshots.push({ layerIndex: finalLayer, entries: keys(kept) })
  const dating = datePackages(snapshots)

  const finalKeys = keyList(kept)
  const locations = [files.locationIn(path, dbLayer)]
  if (finalWal && walPath && walLayer !== undefined && db.walFrames) locations.push(files.locationIn(walPath, walLayer))
  const ids = new Set<string>()
  return kept.map((p, i) => {
    const d = dating.get(finalKeys[i] as string)
    const pkg = toPackage(p, ctx.distro, path, {
      introducedIn: files.locationIn(path, d?.introduced ?? finalLayer),
      lastChangedIn: files.locationIn(path, d?.lastChanged ?? finalLayer),
      locations,
    })
    // The same NEVRA recorded twice (an interrupted transaction can leave that) must still get two ids.
    if (ids.has(pkg.id)) pkg.id = packageId('rpm', p.name, pkg.version, p.arch, path, p.dbId)
    ids.add(pkg.id)
    return pkg
  })
}

/** gpg-pubkey entries are imported signing keys that rpm records as packages; they are not software. */
function isPseudoPackage(p: RpmdbPackage): boolean {
  return p.name === 'gpg-pubkey'
}

function fullVersion(p: Pick<RpmdbPackage, 'epoch' | 'version' | 'release'>): string {
  return `${p.epoch !== undefined ? `${p.epoch}:` : ''}${p.version}-${p.release}`
}

/**
 * Dating keys: name + arch, so that an upgrade reads as a change of the same package. Multi-instance
 * packages (kernels, several versions of one name and arch) fall back to name + arch + version.
 */
function keyList(pkgs: readonly RpmdbPackage[]): string[] {
  const count = new Map<string, number>()
  const base = pkgs.map((p) => `${p.name}\u0000${p.arch ?? ''}`)
  for (const k of base) count.set(k, (count.get(k) ?? 0) + 1)
  return pkgs.map((p, i) => {
    const k = base[i] as string
    return (count.get(k) ?? 0) > 1 ? `${k}\u0000${fullVersion(p)}` : k
  })
}

function keys(pkgs: readonly RpmdbPackage[]): Map<string, string> {
  const list = keyList(pkgs)
  return new Map(pkgs.map((p, i) => [list[i] as string, fullVersion(p)]))
}

function toPackage(
  p: RpmdbPackage,
  distro: Distro | undefined,
  path: string,
  at: { introducedIn: Location; lastChangedIn: Location; locations: Location[] },
): Package {
  const version = fullVersion(p)
  const metadata: RpmMetadata = {
    kind: 'rpm',
    upstreamVersion: p.version,
    release: p.release,
    architecture: p.arch ?? '',
    files: p.files,
  }
  if (p.epoch !== undefined) metadata.epoch = p.epoch
  if (p.sourceRpm !== undefined) metadata.sourceRpm = p.sourceRpm
  if (p.vendor !== undefined) metadata.vendor = p.vendor
  if (p.license !== undefined) metadata.license = p.license
  if (p.size !== undefined) metadata.installedSize = p.size
  const pkg: Package = {
    id: packageId('rpm', p.name, version, p.arch, path),
    name: p.name,
    version,
    kind: 'rpm',
    purl: makePurl('rpm', distro?.id, p.name, `${p.version}-${p.release}`, {
      arch: p.arch,
      epoch: p.epoch?.toString(),
      upstream: p.sourceRpm,
      distro: distroQualifier(distro),
    }),
    introducedIn: at.introducedIn,
    lastChangedIn: at.lastChangedIn,
    locations: at.locations,
    foundBy: FOUND_BY,
    metadata,
  }
  if (p.license !== undefined) pkg.licenses = [p.license]
  const source = p.sourceRpm !== undefined ? parseSourceRpm(p.sourceRpm) : undefined
  if (source) pkg.source = source
  return pkg
}

/**
 * `curl-7.76.1-26.el9_3.2.src.rpm` → `{ name: 'curl', version: '7.76.1-26.el9_3.2' }`. Names may contain
 * dashes, versions and releases may not, so the last two dash-separated fields are version and release.
 */
export function parseSourceRpm(file: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(file)
  if (!m) return undefined
  return { name: m[1] as string, version: `${m[2]}-${m[3]}` }
}

function reportErrors(files: FileResolver, path: string, layer: number, db: RpmdbContents, issues: ScanIssue[]): void {
  const fmt: Record<RpmdbFormat, string> = { sqlite: 'sqlite', bdb: 'Berkeley DB', ndb: 'ndb' }
  const what = db.format ? `${fmt[db.format]} rpm database` : 'rpm database'
  for (const e of db.errors.slice(0, MAX_ISSUES_PER_DB))
    issues.push(issue(files, path, layer, 'parse-error', `${what}: ${e}`))
  if (db.errors.length > MAX_ISSUES_PER_DB) {
    const more = db.errors.length - MAX_ISSUES_PER_DB
    issues.push(issue(files, path, layer, 'parse-error', `${what}: ${more} more problem(s) not listed`))
  }
}

function issue(files: FileResolver, path: string, layer: number, kind: ScanIssueKind, message: string): ScanIssue {
  return {
    kind,
    message: `${path} (layer ${layer}): ${message}`,
    location: files.locationIn(path, layer),
    source: NAME,
  }
}
