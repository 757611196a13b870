import type { ApkMetadata, Location, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { datePackages, type Snapshot } from '../../dating.js'
import { packageId } from '../../ids.js'
import { distroQualifier, makePurl } from '../../purl.js'

const NAME = 'apk'
const VERSION = 1
const DB = '/lib/apk/db/installed'

export interface ApkRecord {
  name: string
  version: string
  arch: string
  origin: string
  line: number
  fields: Map<string, string[]>
  files: string[]
}

/**
 * apk's installed database: paragraphs of `X:value` lines separated by blank lines. Files are listed as
 * `F:dir` followed by that directory's `R:name` lines, so file paths are rebuilt from the pair.
 */
export function parseApkInstalled(text: string): { records: ApkRecord[]; errors: { line: number; message: string }[] } {
  const records: ApkRecord[] = []
  const errors: { line: number; message: string }[] = []
  let cur: { fields: Map<string, string[]>; files: string[]; line: number; dir: string; bad?: string } | undefined
  const flush = () => {
    if (!cur) return
    const get = (k: string) => cur?.fields.get(k)?.[0]
    const name = get('P')
    const version = get('V')
    if (cur.bad) errors.push({ line: cur.line, message: cur.bad })
    else if (!name || !version) errors.push({ line: cur.line, message: `entry has no ${name ? 'V:' : 'P:'} line` })
    else
      records.push({
        name,
        version,
        arch: get('A') ?? '',
        origin: get('o') ?? name,
        line: cur.line,
        fields: cur.fields,
        files: cur.files,
      })
    cur = undefined
  }
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line === '') {
      flush()
      continue
    }
    if (!cur) cur = { fields: new Map(), files: [], line: i + 1, dir: '' }
    if (cur.bad) continue
    if (line.length < 2 || line[1] !== ':') {
      cur.bad = `malformed line ${i + 1}: ${JSON.stringify(line.slice(0, 60))}`
      continue
    }
    const k = line[0] as string
    const v = line.slice(2)
    if (k === 'F') cur.dir = v
    else if (k === 'R') cur.files.push(cur.dir ? `/${cur.dir}/${v}` : `/${v}`)
    const list = cur.fields.get(k)
    if (list) list.push(v)
    else cur.fields.set(k, [v])
  }
  flush()
  return { records, errors }
}

function toPackage(r: ApkRecord, ctx: CatalogContext, intro: Location, last: Location): Package {
  const one = (k: string) => r.fields.get(k)?.[0]
  const metadata: ApkMetadata = { kind: 'apk', architecture: r.arch, origin: r.origin, files: r.files }
  const size = one('I')
  if (size && /^\d+$/.test(size)) metadata.installedSize = Number(size)
  const m = one('m')
  if (m) metadata.maintainer = m
  const lic = one('L')
  if (lic) metadata.license = lic
  const url = one('U')
  if (url) metadata.url = url
  const commit = one('c')
  if (commit) metadata.commit = commit
  const deps = one('D')
  if (deps) metadata.depends = deps.split(' ').filter(Boolean)
  const provides = one('p')
  if (provides) metadata.provides = provides.split(' ').filter(Boolean)
  const pkg: Package = {
    id: packageId('apk', r.name, r.arch, r.version, DB),
    name: r.name,
    version: r.version,
    kind: 'apk',
    purl: makePurl('apk', ctx.distro?.id ?? 'alpine', r.name, r.version, {
      arch: r.arch || undefined,
      upstream: r.origin !== r.name ? r.origin : undefined,
      distro: distroQualifier(ctx.distro),
    }),
    introducedIn: intro,
    lastChangedIn: last,
    locations: [last],
    foundBy: `${NAME}/${VERSION}`,
    source: { name: r.origin, version: r.version },
    metadata,
  }
  if (lic) pkg.licenses = [lic]
  return pkg
}

export const apkCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['apk'],
  wants: [{ globs: [DB], allLayers: true }],
  catalog(ctx: CatalogContext): CatalogResult {
    const files = ctx.files
    const issues: ScanIssue[] = []
    const history = files.history(DB)
    if (history.length === 0) return { packages: [], issues }
    const snapshots: Snapshot<string>[] = []
    let final: ApkRecord[] = []
    for (const [i, v] of history.entries()) {
      if (!v.content) {
        snapshots.push({ layerIndex: v.layerIndex, entries: undefined })
        continue
      }
      const { records, errors } = parseApkInstalled(v.content.toString('utf8'))
      if (i === history.length - 1) {
        final = records
        for (const e of errors) {
          issues.push({
            kind: 'parse-error',
            message: `${DB}:${e.line}: ${e.message}; entry skipped`,
            location: files.locationIn(DB, v.layerIndex),
            source: NAME,
          })
        }
      }
      snapshots.push({
        layerIndex: v.layerIndex,
        entries: new Map(records.map((r) => [`${r.name}:${r.arch}`, r.version])),
      })
    }
    const dates = datePackages(snapshots)
    const packages = final.map((r) => {
      const d = dates.get(`${r.name}:${r.arch}`) ?? { introduced: 0, lastChanged: 0 }
      return toPackage(r, ctx, files.locationIn(DB, d.introduced), files.locationIn(DB, d.lastChanged))
    })
    return { packages, issues }
  },
}
