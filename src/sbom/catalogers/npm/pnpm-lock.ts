import { yaml } from '../../../internal/index.js'
import type { Parsed } from './package-json.js'
import { reach } from './scope.js'

export interface PnpmEntry {
  name: string
  version: string
  /** true: only devDependencies lead to it; false: a production dependency does; undefined: the lockfile does not say. */
  dev?: boolean
  optional?: boolean
  resolved?: string
  integrity?: string
}

export interface PnpmLock {
  lockfileVersion: string
  entries: PnpmEntry[]
  errors: string[]
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)

/** Drops the peer-dependency suffix: `(react@18.2.0)` (v6+) or `_react@18.2.0` / `_<hash>` (v5). */
function stripPeers(v: string, major: number): string {
  const p = v.indexOf('(')
  let out = p > 0 ? v.slice(0, p) : v
  if (major < 6) {
    const u = out.indexOf('_')
    if (u > 0) out = out.slice(0, u)
  }
  return out
}

/**
 * A `packages` key: `/name/1.0.0[_peers]` (v5), `/name@1.0.0[(peers)]` (v6), `name@1.0.0` (v9); non-registry
 * ones (`github.com/…`, `name@https://…`, `file:…`) are resolved by the entry's own `name`/`version` fields.
 */
export function parsePnpmKey(key: string, major: number): { name: string; version: string } | undefined {
  let k = key.startsWith('/') ? key.slice(1) : key
  if (major < 6) {
    const m = /^((?:@[^/]+\/)?[^/@]+)\/([^/_]+)(?:_.*)?$/.exec(k)
    if (!m) return undefined
    return { name: m[1] as string, version: m[2] as string }
  }
  k = stripPeers(k, major)
  const at = k.indexOf('@', 1)
  if (at <= 0) return undefined
  return { name: k.slice(0, at), version: k.slice(at + 1) }
}

const looksLikeVersion = (v: string) => /^\d+\.\d+/.test(v)

/**
 * `pnpm-lock.yaml`, lockfile versions 5.x, 6.x and 9.x. Dev scope comes from each entry's `dev` flag (5, 6) or,
 * in 9 where that flag is gone, from walking `snapshots` from the importers' production and dev dependencies.
 */
export function parsePnpmLock(buf: Buffer): Parsed<PnpmLock> {
  const { parseAllDocuments } = yaml()
  let docs: ReturnType<typeof parseAllDocuments>
  try {
    docs = parseAllDocuments(buf.toString('utf8'), { uniqueKeys: false })
  } catch (e) {
    return { ok: false, error: `not valid YAML: ${(e as Error).message}` }
  }
  const list = Array.isArray(docs) ? docs : [docs]
  let root: Obj | undefined
  for (const d of list) {
    if (d.errors.length > 0) return { ok: false, error: `not valid YAML: ${d.errors[0]?.message.split('\n')[0]}` }
    const js = d.toJS({ maxAliasCount: 100 }) as unknown
    // pnpm 9.7+ may put an environment document first; the lockfile proper is the one with packages/importers.
    if (isObj(js) && js.lockfileVersion !== undefined && (js.packages !== undefined || js.importers !== undefined))
      root = js
    else if (isObj(js) && js.lockfileVersion !== undefined && !root) root = js
  }
  if (!root) return { ok: false, error: 'no `lockfileVersion`: not a pnpm lockfile' }
  const lockfileVersion = String(root.lockfileVersion)
  const major = Math.floor(Number.parseFloat(lockfileVersion))
  if (!Number.isFinite(major)) return { ok: false, error: `unknown lockfileVersion ${JSON.stringify(lockfileVersion)}` }
  const packages = isObj(root.packages) ? root.packages : {}
  const entries: PnpmEntry[] = []
  const errors: string[] = []
  const byKey = new Map<string, PnpmEntry>()
  for (const [key, v] of Object.entries(packages)) {
    const o = isObj(v) ? v : {}
    const res = isObj(o.resolution) ? o.resolution : {}
    if (res.type === 'directory') continue // a folder of the project itself
    const fromKey = parsePnpmKey(key, major)
    const name = typeof o.name === 'string' ? o.name : fromKey?.name
    const version = typeof o.version === 'string' ? o.version : fromKey?.version
    if (!name || !version || (typeof o.version !== 'string' && !looksLikeVersion(version))) {
      errors.push(`${key}: cannot tell name and version`)
      continue
    }
    const e: PnpmEntry = { name, version }
    if (typeof o.dev === 'boolean') e.dev = o.dev
    if (o.optional === true) e.optional = true
    if (typeof res.tarball === 'string') e.resolved = res.tarball
    if (typeof res.integrity === 'string') e.integrity = res.integrity
    entries.push(e)
    byKey.set(stripPeers(key.startsWith('/') ? key.slice(1) : key, major), e)
  }
  if (major >= 9) scopeV9(root, byKey)
  return { ok: true, value: { lockfileVersion, entries, errors } }
}

/** Snapshot key of a dependency written as `name: version` (`1.0.0(peer@1)`, an alias `real@1.0.0`, or `link:…`). */
function depKey(name: string, version: string): string | undefined {
  if (version.startsWith('link:')) return undefined
  if (/^\d/.test(version)) return `${name}@${version}`
  if (version.indexOf('@', 1) > 0 && !version.includes('://')) return version
  return `${name}@${version}`
}

function scopeV9(root: Obj, byKey: Map<string, PnpmEntry>): void {
  const snapshots = isObj(root.snapshots) ? root.snapshots : {}
  const edges = (k: string): string[] => {
    const s = snapshots[k]
    if (!isObj(s)) return []
    const out: string[] = []
    for (const f of ['dependencies', 'optionalDependencies']) {
      const d = s[f]
      if (isObj(d))
        for (const [n, v] of Object.entries(d)) {
          const dk = typeof v === 'string' ? depKey(n, v) : undefined
          if (dk) out.push(dk)
        }
    }
    return out
  }
  const prod: string[] = []
  const dev: string[] = []
  const importers = isObj(root.importers) ? root.importers : {}
  for (const imp of Object.values(importers)) {
    if (!isObj(imp)) continue
    for (const [field, into] of [
      ['dependencies', prod],
      ['optionalDependencies', prod],
      ['devDependencies', dev],
    ] as const) {
      const d = imp[field]
      if (!isObj(d)) continue
      for (const [n, spec] of Object.entries(d)) {
        const v = isObj(spec) ? spec.version : spec
        const dk = typeof v === 'string' ? depKey(n, v) : undefined
        if (dk) into.push(dk)
      }
    }
  }
  const { prodSet, devSet } = reach(prod, dev, edges)
  const strip = (k: string) => stripPeers(k, 9)
  const prodPkgs = new Set([...prodSet].map(strip))
  const devPkgs = new Set([...devSet].map(strip))
  for (const [k, e] of byKey) {
    if (prodPkgs.has(k)) e.dev = false
    else if (devPkgs.has(k)) e.dev = true
  }
}
