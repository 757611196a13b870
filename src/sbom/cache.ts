import { createHash } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { Image, Source } from '../image/index.js'
import { ShipshapeError, TOOL_VERSION } from '../internal/index.js'
import type { Sbom, TargetSummary } from '../model/index.js'
import { formatPlatform, normalisePlatform } from '../model/index.js'
import { CATALOGERS } from './catalogers/index.js'
import { decodeNativeJson, encodeNativeJson } from './formats/native-json/index.js'
import { type GenerateOptions, generateSbom } from './generate.js'

/**
 * Bumped whenever what an entry holds or how the key is made changes; old entries then simply stop being found
 * (and age out under the size cap or `cache prune`).
 */
export const SBOM_CACHE_LAYOUT = 1

/** Default size cap of the SBOM cache: 2 GiB of compressed entries. */
export const SBOM_CACHE_MAX_BYTES = 2 * 1024 ** 3

/** A decompressed entry larger than this is not ours (nor a string JS can hold): treated as corrupt. */
const MAX_ENTRY_TEXT = 512 * 1024 ** 2
/** A temp file this old is abandoned even when its writer's pid is alive again (pid reuse). */
const STALE_TEMP_MS = 3_600_000

const KEY_RE = /^[a-f0-9]{64}$/
const ENTRY_RE = /^([a-f0-9]{64})\.json\.gz$/
/** `.KEY.json.gz.<pid>.<rand>.tmp` — the same shape vulndb's `sweepStale` recognises. */
const TEMP_RE = /^\.[a-f0-9]{64}\.json\.gz\.(\d+)\.[a-f0-9]+\.tmp$/

/**
 * The key of an image's SBOM: sha256 over what decides the SBOM's content and nothing else.
 *
 * - the image's identity: its config digest (the config names the layer diff_ids and the platform, and is
 *   the same blob in a `docker save` archive, an OCI archive and an OCI layout of one image), plus every layer
 *   diff_id and the platform spelled out, so a source without a config digest is still keyed by content;
 * - every cataloger's `name@version` (sorted: registration order does not matter), and the `--only-package-type`
 *   kinds filter (`undefined` = every kind, which is not the same as an empty filter);
 * - the cache layout version, the SBOM schema version and the tool version (distro detection, the layer walk and
 *   ownership marking may change between releases without a cataloger version moving).
 *
 * Never the tag or the manifest digest: tags move, and the manifest differs between the archive forms of one image.
 */
export function sbomCacheKey(
  image: Image,
  catalogers: readonly { name: string; version: number }[],
  onlyKinds?: readonly string[],
): string {
  const identity = {
    layout: SBOM_CACHE_LAYOUT,
    schema: 1,
    tool: TOOL_VERSION,
    config: image.configDigest ?? `json:${createHash('sha256').update(JSON.stringify(image.config.raw)).digest('hex')}`,
    platform: formatPlatform(normalisePlatform(image.platform)),
    layers: image.layers.map((l) => l.diffId),
    catalogers: catalogers.map((c) => `${c.name}@${c.version}`).sort(),
    kinds: onlyKinds ? [...new Set(onlyKinds)].sort() : '*',
  }
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex')
}

/**
 * The key for a source, or undefined when it must not be cached: an `fs://` directory has no digest, its files
 * change in place, so its SBOM is always generated afresh.
 */
export function sourceCacheKey(
  source: Source,
  catalogers: readonly { name: string; version: number }[] = CATALOGERS,
  onlyKinds?: readonly string[],
): string | undefined {
  return source.kind === 'image' ? sbomCacheKey(source.image, catalogers, onlyKinds) : undefined
}

/**
 * A cached SBOM describes the image content, but its target also says how that image was reached: the ref, tags,
 * name, manifest/index digests and the stored (compressed or not) layer blobs differ between a `docker save`
 * archive and an OCI layout of the same image. Those come from the image at hand; the rest (config digest,
 * platform, labels, history, every package and its diff_id locations) is the same by construction of the key.
 */
export function retargetSbom(sbom: Sbom, image: Image): Sbom {
  const { name: _n, manifestDigest: _m, indexDigest: _i, ...rest } = sbom.target
  const target: TargetSummary = {
    ...rest,
    ref: image.ref.raw,
    tags: image.tags,
    layers: image.layers.map((l) => ({
      ...sbom.target.layers[l.index],
      index: l.index,
      digest: l.digest,
      diffId: l.diffId,
      size: l.size,
      mediaType: l.mediaType,
    })),
    size: image.layers.reduce((n, l) => n + l.size, 0),
  }
  if (image.name) target.name = image.name
  if (image.manifestDigest) target.manifestDigest = image.manifestDigest
  if (image.indexDigest) target.indexDigest = image.indexDigest
  if (image.configDigest) target.configDigest = image.configDigest
  if (image.repoDigests?.length) target.repoDigests = image.repoDigests
  else delete target.repoDigests
  return { ...sbom, target }
}

export interface CacheDf {
  entries: number
  /** Bytes on disk (compressed). */
  bytes: number
  /** Last use of the least recently used entry (ISO 8601). */
  oldest?: string
  /** Last use of the most recently used entry (ISO 8601). */
  newest?: string
  path: string
}

export interface PruneOptions {
  /** Remove every entry. */
  all?: boolean
  /** Remove entries not used for this long. Without `all` or this, prune only enforces the size cap. */
  olderThanMs?: number
}

interface Entry {
  key: string
  path: string
  bytes: number
  mtimeMs: number
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return errno(e) === 'EPERM'
  }
}

/**
 * A local cache of generated SBOMs, one gzip-compressed native JSON file per key (`<key>.json.gz`) in `root`
 * (`cacheDir()/sbom`). An entry's last use is its mtime: `get` touches it, and eviction removes the least recently
 * used entries once the cache holds more than `maxBytes`.
 *
 * Safe between processes without a lock: a writer fills its own temp file (`.<key>.json.gz.<pid>.<rand>.tmp`) and
 * renames it over the entry, so a reader sees the old file or the new one, never half of one; two writers of one
 * key both write the same content, and the last rename wins. A reader that finds an entry it cannot read or
 * decode removes it and reports a miss; the caller regenerates.
 */
export class SbomCache {
  readonly root: string
  readonly maxBytes: number

  constructor(root: string, opts: { maxBytes?: number } = {}) {
    this.root = root
    this.maxBytes = opts.maxBytes ?? SBOM_CACHE_MAX_BYTES
  }

  private pathOf(key: string): string {
    if (!KEY_RE.test(key)) throw new ShipshapeError('INTERNAL', `not an SBOM cache key: ${JSON.stringify(key)}`)
    return join(this.root, `${key}.json.gz`)
  }

  get(key: string): Sbom | undefined {
    const path = this.pathOf(key)
    let text: string
    try {
      text = gunzipSync(readFileSync(path), { maxOutputLength: MAX_ENTRY_TEXT }).toString('utf8')
    } catch (e) {
      if (errno(e) !== 'ENOENT') this.discard(path)
      return undefined
    }
    const r = decodeNativeJson(text)
    if (!r.ok) {
      this.discard(path)
      return undefined
    }
    try {
      const now = new Date()
      utimesSync(path, now, now)
    } catch {
      // A read-only cache still serves hits; only its LRU order goes stale.
    }
    return r.sbom
  }

  /** Stores atomically, then evicts the least recently used entries past `maxBytes`. Throws on I/O errors. */
  put(key: string, sbom: Sbom): void {
    const path = this.pathOf(key)
    const data = gzipSync(encodeNativeJson(sbom))
    // An entry bigger than the whole cache would evict everything else and then itself.
    if (data.length > this.maxBytes) return
    mkdirSync(this.root, { recursive: true })
    const temp = join(this.root, `.${key}.json.gz.${process.pid}.${Math.random().toString(16).slice(2, 10)}.tmp`)
    try {
      const fd = openSync(temp, 'wx')
      try {
        writeSync(fd, data)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      renameSync(temp, path)
    } catch (e) {
      rmSync(temp, { force: true })
      throw e
    }
    this.evict(this.maxBytes, key)
  }

  df(): CacheDf {
    const entries = this.scan()
    const out: CacheDf = { entries: entries.length, bytes: entries.reduce((n, e) => n + e.bytes, 0), path: this.root }
    if (entries.length > 0) {
      out.oldest = new Date(Math.min(...entries.map((e) => e.mtimeMs))).toISOString()
      out.newest = new Date(Math.max(...entries.map((e) => e.mtimeMs))).toISOString()
    }
    return out
  }

  /** Also sweeps temp files that dead (or long-gone) writers left behind; those do not count in the result. */
  prune(opts: PruneOptions = {}): { removed: number; bytes: number } {
    if (!opts.all && opts.olderThanMs === undefined) return this.evict(this.maxBytes)
    const cutoff = opts.all ? Number.POSITIVE_INFINITY : Date.now() - (opts.olderThanMs ?? 0)
    let removed = 0
    let bytes = 0
    for (const e of this.scan()) {
      if (e.mtimeMs < cutoff && this.remove(e.path)) {
        removed++
        bytes += e.bytes
      }
    }
    return { removed, bytes }
  }

  /** Least recently used first, until the cache holds at most `limit` bytes; `keep` (just written) stays. */
  private evict(limit: number, keep?: string): { removed: number; bytes: number } {
    const entries = this.scan()
    let total = entries.reduce((n, e) => n + e.bytes, 0)
    let removed = 0
    let bytes = 0
    if (total <= limit) return { removed, bytes }
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.key < b.key ? -1 : 1))
    for (const e of entries) {
      if (total <= limit) break
      if (e.key === keep) continue
      if (this.remove(e.path)) {
        removed++
        bytes += e.bytes
      }
      // Gone either way (another process may have pruned it first).
      total -= e.bytes
    }
    return { removed, bytes }
  }

  /** Entries on disk; removes abandoned temp files on the way. */
  private scan(): Entry[] {
    let names: string[]
    try {
      names = readdirSync(this.root)
    } catch (e) {
      if (errno(e) === 'ENOENT') return []
      throw e
    }
    const out: Entry[] = []
    for (const name of names) {
      const path = join(this.root, name)
      const entry = ENTRY_RE.exec(name)
      const temp = entry ? null : TEMP_RE.exec(name)
      if (!entry && !temp) continue
      let st: ReturnType<typeof statSync>
      try {
        st = statSync(path)
      } catch {
        continue // removed meanwhile by another process
      }
      if (temp) {
        if (!alive(Number(temp[1])) || Date.now() - st.mtimeMs > STALE_TEMP_MS) this.remove(path)
      } else if (entry?.[1] && st.isFile()) {
        out.push({ key: entry[1], path, bytes: st.size, mtimeMs: st.mtimeMs })
      }
    }
    return out
  }

  private remove(path: string): boolean {
    try {
      rmSync(path)
      return true
    } catch {
      return false
    }
  }

  /** A corrupt or unreadable entry goes; if even that fails, the next `put` renames over it. */
  private discard(path: string): void {
    try {
      rmSync(path, { force: true, recursive: true })
    } catch {}
  }
}

export interface CachedSbomResult {
  sbom: Sbom
  /** True when the SBOM came from the cache and no layer was read. */
  hit: boolean
  /** Undefined when the source is not cacheable (`fs://`) or no cache was given. */
  key?: string
  /** Set when storing the fresh SBOM failed; the SBOM is still good, the caller shows this as a warning. */
  storeError?: string
}

/**
 * `generateSbom` through the cache: on a hit no layer is read and the target is rebuilt from the image at hand
 * (`retargetSbom`); on a miss the SBOM is generated and stored. `fs://` sources always generate.
 */
export async function generateSbomCached(
  source: Source,
  opts: GenerateOptions,
  cache: SbomCache | undefined,
): Promise<CachedSbomResult> {
  const key = cache ? sourceCacheKey(source, opts.catalogers ?? CATALOGERS, opts.onlyKinds) : undefined
  if (!cache || !key || source.kind !== 'image') return { sbom: await generateSbom(source, opts), hit: false }
  const cached = cache.get(key)
  // The key makes a mismatch practically impossible; the check costs nothing and guards against copied files.
  if (cached && cached.target.configDigest === source.image.configDigest) {
    const sbom = retargetSbom(cached, source.image)
    if (opts.createdAt) sbom.createdAt = opts.createdAt
    return { sbom, hit: true, key }
  }
  const sbom = await generateSbom(source, opts)
  try {
    cache.put(key, sbom)
    return { sbom, hit: false, key }
  } catch (e) {
    return { sbom, hit: false, key, storeError: `cannot store the SBOM in ${cache.root}: ${(e as Error).message}` }
  }
}
