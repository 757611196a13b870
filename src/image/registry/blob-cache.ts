import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { type Digest, digestAlgorithm, digestHex } from '../../model/index.js'

/** Default size cap of the blob cache. */
export const BLOB_CACHE_MAX_BYTES = 10 * 1024 ** 3
/** A temp file this old is abandoned even when a process of that pid is alive (pid reuse). */
const STALE_TEMP_MS = 3_600_000
const ENTRY_RE = /^[a-f0-9]{64}$|^[a-f0-9]{128}$/
const TEMP_RE = /^[a-f0-9]+\.tmp\.(\d+)\.[a-z0-9]+$/

interface Entry {
  path: string
  size: number
  mtimeMs: number
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function list(root: string): { entries: Entry[]; temps: (Entry & { pid: number })[] } {
  const entries: Entry[] = []
  const temps: (Entry & { pid: number })[] = []
  let algs: string[]
  try {
    algs = readdirSync(root)
  } catch {
    return { entries, temps }
  }
  for (const alg of algs) {
    if (alg !== 'sha256' && alg !== 'sha512') continue
    let names: string[]
    try {
      names = readdirSync(join(root, alg))
    } catch {
      continue
    }
    for (const n of names) {
      const path = join(root, alg, n)
      let st: ReturnType<typeof statSync>
      try {
        st = statSync(path)
      } catch {
        continue
      }
      if (!st.isFile()) continue
      if (ENTRY_RE.test(n)) entries.push({ path, size: st.size, mtimeMs: st.mtimeMs })
      else {
        const m = TEMP_RE.exec(n)
        if (m) temps.push({ path, size: st.size, mtimeMs: st.mtimeMs, pid: Number(m[1]) })
      }
    }
  }
  return { entries, temps }
}

/**
 * Content-addressed blobs on disk: `<cacheDir>/blobs/<alg>/<hex>`. Entries are written to a temp file beside their
 * final name and renamed only after their digest checked out, so a reader never sees a partial or wrong blob.
 * Reading an entry touches its mtime; past the size cap the least recently used entries go.
 */
export class BlobCache {
  readonly root: string
  private total: number | undefined

  constructor(
    cacheDir: string,
    readonly maxBytes: number = BLOB_CACHE_MAX_BYTES,
  ) {
    this.root = join(cacheDir, 'blobs')
  }

  path(d: Digest): string {
    return join(this.root, digestAlgorithm(d), digestHex(d))
  }

  /** The entry's path when the cache holds `d` (of `size` bytes when known); marks it recently used. */
  lookup(d: Digest, size?: number): string | undefined {
    const p = this.path(d)
    let st: ReturnType<typeof statSync>
    try {
      st = statSync(p)
    } catch {
      return undefined
    }
    if (size !== undefined && size >= 0 && st.size !== size) {
      this.remove(d)
      return undefined
    }
    try {
      const now = new Date()
      utimesSync(p, now, now)
    } catch {
      // read-only cache: still usable
    }
    return p
  }

  /** A fresh temp path for writing `d`; the directory is created. */
  tempPath(d: Digest): string {
    const dir = join(this.root, digestAlgorithm(d))
    mkdirSync(dir, { recursive: true })
    return join(dir, `${digestHex(d)}.tmp.${process.pid}.${randomBytes(4).toString('hex')}`)
  }

  /** Moves a verified temp file into place and keeps the cache under its cap. */
  commit(tmp: string, d: Digest, size: number): void {
    renameSync(tmp, this.path(d))
    if (this.total === undefined) this.total = list(this.root).entries.reduce((n, e) => n + e.size, 0)
    else this.total += size
    if (this.total > this.maxBytes) this.evict(this.path(d))
  }

  discard(tmp: string): void {
    rmSync(tmp, { force: true })
  }

  remove(d: Digest): void {
    rmSync(this.path(d), { force: true })
  }

  private evict(keep: string): void {
    const { entries } = list(this.root)
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs)
    let total = entries.reduce((n, e) => n + e.size, 0)
    for (const e of entries) {
      if (total <= this.maxBytes) break
      if (e.path === keep) continue
      rmSync(e.path, { force: true })
      total -= e.size
    }
    this.total = total
  }
}

export interface BlobCacheDf {
  path: string
  entries: number
  bytes: number
}

/** What the blob cache holds (finished entries only). */
export function blobCacheDf(cacheDir: string): BlobCacheDf {
  const root = join(cacheDir, 'blobs')
  const { entries } = list(root)
  return { path: root, entries: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) }
}

/**
 * Removes every entry (`all`), or those not used for `olderThanMs`; abandoned temp files (their writer is gone, or
 * they are over an hour old) always go.
 */
export function blobCachePrune(
  cacheDir: string,
  o: { all?: boolean; olderThanMs?: number },
): { removed: number; bytes: number } {
  const root = join(cacheDir, 'blobs')
  const { entries, temps } = list(root)
  const now = Date.now()
  let removed = 0
  let bytes = 0
  for (const e of entries) {
    if (o.all || (o.olderThanMs !== undefined && now - e.mtimeMs > o.olderThanMs)) {
      rmSync(e.path, { force: true })
      removed++
      bytes += e.size
    }
  }
  for (const t of temps) {
    if (!alive(t.pid) || now - t.mtimeMs > STALE_TEMP_MS) {
      rmSync(t.path, { force: true })
      removed++
      bytes += t.size
    }
  }
  return { removed, bytes }
}
