import { type Parsed, parseJsonText } from './package-json.js'

/** One package of a `package-lock.json` / `npm-shrinkwrap.json` / `node_modules/.package-lock.json`. */
export interface NpmLockEntry {
  /** Install path relative to the project: `node_modules/a/node_modules/b`, `packages/ws` for a workspace. */
  key: string
  /** The real package name (differs from the folder for aliases). */
  name: string
  version?: string
  dev: boolean
  optional: boolean
  devOptional: boolean
  /** A symlink to another entry (`resolved` is the target key). */
  link: boolean
  resolved?: string
  integrity?: string
  /** v2/v3 record the package's declared license. */
  license?: string
}

export interface NpmLock {
  lockfileVersion: number
  entries: Map<string, NpmLockEntry>
}

const NM = 'node_modules/'

/** The folder name a key installs to: the text after the last `node_modules/` (scoped names keep their scope). */
export function nameFromKey(key: string): string {
  const i = key.lastIndexOf(NM)
  const tail = i >= 0 ? key.slice(i + NM.length) : key
  if (i >= 0) return tail
  return tail.slice(tail.lastIndexOf('/') + 1)
}

/** `npm:real-name@1.2.3` (an alias as lockfile v1 writes it) → the real name and version. */
function alias(version: string): { name: string; version: string } | undefined {
  if (!version.startsWith('npm:')) return undefined
  const spec = version.slice(4)
  const at = spec.indexOf('@', 1)
  if (at < 0) return undefined
  return { name: spec.slice(0, at), version: spec.slice(at + 1) }
}

const bool = (v: unknown) => v === true
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

function entry(key: string, o: Record<string, unknown>, v1: boolean): NpmLockEntry {
  let name = text(o.name) ?? nameFromKey(key)
  let version = text(o.version)
  if (version && v1) {
    const a = alias(version)
    if (a) {
      name = a.name
      version = a.version
    }
  }
  const e: NpmLockEntry = {
    key,
    name,
    dev: bool(o.dev),
    optional: bool(o.optional),
    devOptional: bool(o.devOptional),
    link: bool(o.link),
  }
  if (version) e.version = version
  const resolved = text(o.resolved)
  if (resolved) e.resolved = resolved
  const integrity = text(o.integrity)
  if (integrity) e.integrity = integrity
  const license = text(o.license)
  if (license) e.license = license
  return e
}

/**
 * npm's lockfiles: v2 and v3 list every installed path in `packages` (v2 also keeps the v1 tree, which is
 * ignored then); v1 only has the nested `dependencies` tree, turned here into the same path keys.
 */
export function parseNpmLock(buf: Buffer): Parsed<NpmLock> {
  const r = parseJsonText(buf)
  if (!r.ok) return r
  const j = r.value
  if (!j || typeof j !== 'object' || Array.isArray(j)) return { ok: false, error: 'not a JSON object' }
  const o = j as Record<string, unknown>
  const lockfileVersion = typeof o.lockfileVersion === 'number' ? o.lockfileVersion : 1
  const entries = new Map<string, NpmLockEntry>()
  const packages = o.packages
  if (packages && typeof packages === 'object' && !Array.isArray(packages)) {
    for (const [key, v] of Object.entries(packages)) {
      if (key === '' || !v || typeof v !== 'object') continue
      entries.set(key, entry(key, v as Record<string, unknown>, false))
    }
    return { ok: true, value: { lockfileVersion, entries } }
  }
  const walk = (deps: unknown, prefix: string, depth: number) => {
    if (!deps || typeof deps !== 'object' || Array.isArray(deps) || depth > 200) return
    for (const [name, v] of Object.entries(deps)) {
      if (!v || typeof v !== 'object') continue
      const key = `${prefix}${NM}${name}`
      entries.set(key, entry(key, v as Record<string, unknown>, true))
      walk((v as Record<string, unknown>).dependencies, `${key}/`, depth + 1)
    }
  }
  if (o.dependencies !== undefined) walk(o.dependencies, '', 0)
  else if (o.packages === undefined && o.lockfileVersion === undefined)
    return { ok: false, error: 'neither `packages` nor `dependencies`: not an npm lockfile' }
  return { ok: true, value: { lockfileVersion, entries } }
}
