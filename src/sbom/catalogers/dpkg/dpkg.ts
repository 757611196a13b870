import type { FileResolver } from '../../../filetree/index.js'
import type { DebMetadata, Location, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { datePackages, type Snapshot } from '../../dating.js'
import { packageId } from '../../ids.js'
import { distroQualifier, makePurl } from '../../purl.js'
import { type Paragraph, parseControl } from './control.js'

const NAME = 'dpkg'
const VERSION = 1
const STATUS = '/var/lib/dpkg/status'
const STATUS_D = '/var/lib/dpkg/status.d'
const INFO = '/var/lib/dpkg/info'

interface Record {
  name: string
  version: string
  arch: string
  fields: Map<string, string>
  line: number
}

function toRecord(p: Paragraph, requireInstalled: boolean): Record | string | undefined {
  const name = p.fields.get('Package')
  const version = p.fields.get('Version')
  if (!name) return 'paragraph has no Package field'
  const status = p.fields.get('Status')
  // dpkg keeps removed-but-configured and half-installed packages in status; only installed ones are in the image.
  if (requireInstalled && status !== undefined && !/\binstalled$/.test(status.trim())) return undefined
  if (!version) return `package ${name} has no Version field`
  return { name, version, arch: p.fields.get('Architecture') ?? '', fields: p.fields, line: p.line }
}

function key(r: Record): string {
  return `${r.name}:${r.arch}`
}

function parseSource(r: Record): { name: string; version: string } {
  const src = r.fields.get('Source')
  if (!src) return { name: r.name, version: r.version }
  const m = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(src.trim())
  return { name: m?.[1] ?? r.name, version: m?.[2] ?? r.version }
}

function ownedFiles(files: FileResolver, r: Record): { files: string[]; from?: string } {
  // Multi-arch: "Multi-Arch: same" packages name their lists NAME:ARCH.list.
  for (const base of [`${r.name}:${r.arch}`, r.name]) {
    for (const ext of ['list', 'md5sums']) {
      const path = `${INFO}/${base}.${ext}`
      const buf = files.read(path)
      if (!buf) continue
      const out: string[] = []
      for (const line of buf.toString('utf8').split('\n')) {
        const p =
          ext === 'md5sums'
            ? line
                .slice(line.indexOf(' ') + 1)
                .trim()
                .replace(/^\*/, '')
            : line.trim()
        if (!p || p === '/.') continue
        const abs = p.startsWith('/') ? p : `/${p}`
        if (files.stat(abs, { noFollow: true })?.type === 'directory') continue
        out.push(abs)
      }
      return { files: out, from: path }
    }
  }
  return { files: [] }
}

function toPackage(
  r: Record,
  ctx: CatalogContext,
  introducedIn: Location,
  lastChangedIn: Location,
  locations: Location[],
  owned: { files: string[]; from?: string },
): Package {
  const source = parseSource(r)
  const installed = r.fields.get('Installed-Size')
  const distroId = ctx.distro?.id ?? 'debian'
  const upstream =
    source.name === r.name ? undefined : source.version === r.version ? source.name : `${source.name}@${source.version}`
  const metadata: DebMetadata = {
    kind: 'deb',
    architecture: r.arch,
    source: source.name,
    sourceVersion: source.version,
    files: owned.files,
  }
  if (installed && /^\d+$/.test(installed)) metadata.installedSize = Number(installed) * 1024
  const maint = r.fields.get('Maintainer')
  if (maint) metadata.maintainer = maint
  const status = r.fields.get('Status')
  if (status) metadata.status = status
  if (owned.from) metadata.filesFrom = owned.from
  const dep = r.fields.get('Depends') ?? r.fields.get('Pre-Depends')
  if (dep)
    metadata.depends = dep
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean)
  const purl = makePurl('deb', distroId, r.name, r.version, {
    arch: r.arch || undefined,
    upstream,
    distro: distroQualifier(ctx.distro),
  })
  return {
    id: packageId('deb', r.name, r.arch, r.version, introducedIn.path),
    name: r.name,
    version: r.version,
    kind: 'deb',
    purl,
    introducedIn,
    lastChangedIn,
    locations,
    foundBy: `${NAME}/${VERSION}`,
    source,
    metadata,
  }
}

function readParagraphs(
  buf: Buffer,
  path: string,
  loc: Location,
  requireInstalled: boolean,
  issues: ScanIssue[] | undefined,
): Record[] {
  const { paragraphs, errors } = parseControl(buf.toString('utf8'))
  const out: Record[] = []
  for (const e of errors) {
    issues?.push({
      kind: 'parse-error',
      message: `${path}:${e.line}: ${e.message}; paragraph skipped`,
      location: loc,
      source: NAME,
    })
  }
  for (const p of paragraphs) {
    const r = toRecord(p, requireInstalled)
    if (typeof r === 'string') {
      issues?.push({
        kind: 'parse-error',
        message: `${path}:${p.line}: ${r}; paragraph skipped`,
        location: loc,
        source: NAME,
      })
    } else if (r) out.push(r)
  }
  return out
}

function catalogStatus(ctx: CatalogContext, issues: ScanIssue[]): Package[] {
  const files = ctx.files
  const history = files.history(STATUS)
  const snapshots: Snapshot<string>[] = []
  let final: Record[] = []
  for (const [i, v] of history.entries()) {
    const last = i === history.length - 1
    if (!v.content) {
      snapshots.push({ layerIndex: v.layerIndex, entries: undefined })
      continue
    }
    // Only the final version's problems matter to the user; older versions only date packages.
    const recs = readParagraphs(
      v.content,
      STATUS,
      files.locationIn(STATUS, v.layerIndex),
      true,
      last ? issues : undefined,
    )
    snapshots.push({ layerIndex: v.layerIndex, entries: new Map(recs.map((r) => [key(r), r.version])) })
    if (last) final = recs
  }
  if (history.length === 0) {
    const buf = files.read(STATUS)
    if (!buf) return []
    final = readParagraphs(buf, STATUS, files.location(STATUS), true, issues)
  }
  const dates = datePackages(snapshots)
  const fallback = files.stat(STATUS)?.lastLayer ?? 0
  return final.map((r) => {
    const d = dates.get(key(r)) ?? { introduced: fallback, lastChanged: fallback }
    const owned = ownedFiles(files, r)
    const locations = [files.locationIn(STATUS, d.lastChanged)]
    if (owned.from) locations.push(files.location(owned.from))
    return toPackage(
      r,
      ctx,
      files.locationIn(STATUS, d.introduced),
      files.locationIn(STATUS, d.lastChanged),
      locations,
      owned,
    )
  })
}

/** Distroless images have no dpkg: one control file per package in status.d, md5sums beside it. */
function catalogStatusD(ctx: CatalogContext, issues: ScanIssue[]): Package[] {
  const files = ctx.files
  const out: Package[] = []
  for (const f of files.glob(`${STATUS_D}/*`)) {
    if (f.type !== 'file' || /\.(md5sums|list|conffiles|preinst|postinst|prerm|postrm)$/.test(f.path)) continue
    const buf = files.read(f.path)
    if (!buf) continue
    const loc = files.location(f.path)
    for (const r of readParagraphs(buf, f.path, loc, false, issues)) {
      const md5 = files.read(`${f.path}.md5sums`) ?? files.read(`${STATUS_D}/${r.name}.md5sums`)
      const owned: { files: string[]; from?: string } = { files: [] }
      const locations = [loc]
      if (md5) {
        const path = files.read(`${f.path}.md5sums`) ? `${f.path}.md5sums` : `${STATUS_D}/${r.name}.md5sums`
        owned.from = path
        owned.files = md5
          .toString('utf8')
          .split('\n')
          .map((l) => l.slice(l.indexOf(' ') + 1).trim())
          .filter(Boolean)
          .map((p) => (p.startsWith('/') ? p : `/${p}`))
        locations.push(files.location(path))
      }
      out.push(toPackage(r, ctx, files.locationIn(f.path, f.firstLayer), loc, locations, owned))
    }
  }
  return out
}

export const dpkgCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['deb'],
  wants: [{ globs: [STATUS], allLayers: true }, { globs: [`${STATUS_D}/*`, `${INFO}/*.list`, `${INFO}/*.md5sums`] }],
  catalog(ctx: CatalogContext): CatalogResult {
    const issues: ScanIssue[] = []
    const packages = [...catalogStatus(ctx, issues), ...catalogStatusD(ctx, issues)]
    return { packages, issues }
  },
}
