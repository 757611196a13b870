import { createHash } from 'node:crypto'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ShipshapeError } from '../internal/index.js'
import type { FeedConfig } from './config.js'

export interface Fetched {
  url: string
  /** A local file or directory holding what was fetched. */
  path: string
  etag?: string
  lastModified?: string
  sha256?: string
  bytes: number
  /** The server said 304: the cached copy is current. */
  notModified: boolean
}

export interface FetchOptions {
  cacheDir: string
  timeoutMs: number
  retries: number
  onProgress?: (feed: string, bytes: number, total: number | undefined) => void
  env?: NodeJS.ProcessEnv
}

interface CacheMeta {
  url: string
  etag?: string
  lastModified?: string
  sha256: string
  bytes: number
}

function feedError(feed: string, url: string, what: string): ShipshapeError {
  return new ShipshapeError('FEED', `feed ${feed}: ${what}`, { where: url })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function isLoopback(u: URL): boolean {
  return u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\./.test(u.hostname)
}

/**
 * One GET with a deadline per idle period (not for the whole body: feeds are hundreds of MB), retried on
 * network errors, 429 and 5xx with backoff that honours Retry-After.
 */
async function get(feed: string, url: string, headers: Record<string, string>, opts: FetchOptions): Promise<Response> {
  let attempt = 0
  for (;;) {
    const ctrl = new AbortController()
    const timer = setTimeout(() => ctrl.abort(), opts.timeoutMs)
    try {
      const res = await fetch(url, { headers, signal: ctrl.signal, redirect: 'follow' })
      clearTimeout(timer)
      if ((res.status === 429 || res.status >= 500) && attempt < opts.retries) {
        const ra = Number(res.headers.get('retry-after'))
        await res.body?.cancel()
        await sleep(Number.isFinite(ra) && ra > 0 ? Math.min(ra, 60) * 1000 : 500 * 2 ** attempt)
        attempt++
        continue
      }
      return res
    } catch (e) {
      clearTimeout(timer)
      const cause = (e as Error & { cause?: Error }).cause?.message
      const why = ctrl.signal.aborted
        ? `no answer within ${Math.round(opts.timeoutMs / 1000)} s`
        : `${(e as Error).message}${cause ? `: ${cause}` : ''}`
      if (attempt < opts.retries) {
        await sleep(500 * 2 ** attempt)
        attempt++
        continue
      }
      throw feedError(feed, url, `cannot download: ${why}`)
    }
  }
}

/** Streams a response body to `dest` (via a .part file renamed at the end), hashing it; checks Content-Length. */
async function saveBody(
  feed: string,
  url: string,
  res: Response,
  dest: string,
  opts: FetchOptions,
): Promise<{ sha256: string; bytes: number }> {
  const part = `${dest}.${process.pid}.part`
  const total = Number(res.headers.get('content-length')) || undefined
  const hash = createHash('sha256')
  let bytes = 0
  const out = createWriteStream(part)
  const reader = res.body?.getReader()
  if (!reader) throw feedError(feed, url, 'empty response')
  try {
    for (;;) {
      let idle: NodeJS.Timeout | undefined
      const next = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          idle = setTimeout(
            () => reject(new Error(`stalled for ${Math.round(opts.timeoutMs / 1000)} s`)),
            opts.timeoutMs,
          )
        }),
      ]).finally(() => clearTimeout(idle))
      if (next.done) break
      const chunk = Buffer.from(next.value)
      hash.update(chunk)
      bytes += chunk.length
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
      opts.onProgress?.(feed, bytes, total)
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
  } catch (e) {
    out.destroy()
    rmSync(part, { force: true })
    await reader.cancel().catch(() => {})
    throw feedError(feed, url, `download failed after ${bytes} bytes: ${(e as Error).message}`)
  }
  if (total !== undefined && bytes !== total) {
    rmSync(part, { force: true })
    throw feedError(feed, url, `truncated download: ${bytes} of ${total} bytes`)
  }
  renameSync(part, dest)
  return { sha256: hash.digest('hex'), bytes }
}

function urlKey(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16)
}

function localPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url)
  if (url.startsWith('/')) return url
  return undefined
}

function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** NVD's API pages through results; every page is kept as a file of one directory. */
async function fetchNvdPages(feed: FeedConfig, url: string, dir: string, opts: FetchOptions): Promise<Fetched> {
  const env = opts.env ?? process.env
  const key = env.SHIPSHAPE_NVD_API_KEY
  const u = new URL(url)
  // NVD asks for 6 s between requests without a key, 0.6 s with one.
  const delay = isLoopback(u) ? 0 : key ? 600 : 6000
  const tmp = `${dir}.${process.pid}.part`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  let start = 0
  let total = Number.POSITIVE_INFINITY
  let bytes = 0
  const hash = createHash('sha256')
  try {
    for (let page = 0; start < total; page++) {
      const pu = new URL(url)
      pu.searchParams.set('startIndex', String(start))
      if (!pu.searchParams.has('resultsPerPage')) pu.searchParams.set('resultsPerPage', '2000')
      const res = await get(feed.name, pu.toString(), key ? { apiKey: key } : {}, opts)
      if (!res.ok) throw feedError(feed.name, pu.toString(), `GET → ${res.status} ${res.statusText}`)
      const file = join(tmp, `page-${String(page).padStart(5, '0')}.json`)
      const saved = await saveBody(feed.name, pu.toString(), res, file, opts)
      bytes += saved.bytes
      hash.update(saved.sha256)
      let doc: { totalResults?: number; resultsPerPage?: number }
      try {
        doc = JSON.parse(readFileSync(file, 'utf8'))
      } catch (e) {
        throw feedError(feed.name, pu.toString(), `page is not JSON: ${(e as Error).message}`)
      }
      total = typeof doc.totalResults === 'number' ? doc.totalResults : 0
      const per = typeof doc.resultsPerPage === 'number' && doc.resultsPerPage > 0 ? doc.resultsPerPage : total
      start += per || 1
      if (start < total && delay) await sleep(delay)
    }
    rmSync(dir, { recursive: true, force: true })
    renameSync(tmp, dir)
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    throw e
  }
  return { url, path: dir, bytes, sha256: hash.digest('hex'), notModified: false }
}

async function expectedChecksum(feed: FeedConfig, opts: FetchOptions): Promise<string | undefined> {
  if (feed.sha256) return feed.sha256.toLowerCase()
  if (!feed.checksumUrl) return undefined
  const local = localPath(feed.checksumUrl)
  let text: string
  if (local) {
    if (!existsSync(local)) throw feedError(feed.name, feed.checksumUrl, 'checksum file is missing')
    text = readFileSync(local, 'utf8')
  } else {
    const res = await get(feed.name, feed.checksumUrl, {}, opts)
    if (!res.ok) throw feedError(feed.name, feed.checksumUrl, `checksum GET → ${res.status} ${res.statusText}`)
    text = await res.text()
  }
  const m = /\b([a-f0-9]{64})\b/i.exec(text)
  if (!m) throw feedError(feed.name, feed.checksumUrl, 'no sha256 in the checksum file')
  return (m[1] as string).toLowerCase()
}

/**
 * Fetches every URL of a feed into the cache (`CACHE/feeds/NAME/`), with conditional requests against the
 * copy from last time, and checks the published checksum when there is one. Local paths and file:// URLs
 * are used in place.
 */
export async function fetchFeed(feed: FeedConfig, opts: FetchOptions): Promise<Fetched[]> {
  const dir = join(opts.cacheDir, 'feeds', feed.name)
  mkdirSync(dir, { recursive: true })
  const out: Fetched[] = []
  for (const url of feed.urls) {
    const local = localPath(url)
    if (local) {
      if (!existsSync(local)) throw feedError(feed.name, url, 'no such file or directory')
      const st = statSync(local)
      out.push({
        url,
        path: local,
        bytes: st.isFile() ? st.size : 0,
        notModified: false,
        ...(st.isFile() ? { sha256: sha256OfFile(local) } : {}),
      })
      continue
    }
    let u: URL
    try {
      u = new URL(url)
    } catch {
      throw new ShipshapeError('USAGE', `feed ${feed.name}: not a URL or absolute path: ${url}`)
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new ShipshapeError('USAGE', `feed ${feed.name}: unsupported URL scheme ${u.protocol}`)
    const base = join(dir, urlKey(url))
    if (feed.name === 'nvd' && /\/cves\/2\.0\/?$/.test(u.pathname)) {
      out.push(await fetchNvdPages(feed, url, base, opts))
      continue
    }
    const metaPath = `${base}.json`
    let cached: CacheMeta | undefined
    try {
      cached = existsSync(base) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as CacheMeta) : undefined
    } catch {
      cached = undefined
    }
    const headers: Record<string, string> = {}
    if (cached?.etag) headers['if-none-match'] = cached.etag
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified
    const res = await get(feed.name, url, headers, opts)
    if (res.status === 304 && cached) {
      await res.body?.cancel()
      out.push({ url, path: base, bytes: cached.bytes, sha256: cached.sha256, notModified: true, ...pick(cached) })
      continue
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw feedError(feed.name, url, `GET → ${res.status} ${res.statusText}`)
    }
    const saved = await saveBody(feed.name, url, res, base, opts)
    const meta: CacheMeta = { url, sha256: saved.sha256, bytes: saved.bytes }
    const etag = res.headers.get('etag')
    const lm = res.headers.get('last-modified')
    if (etag) meta.etag = etag
    if (lm) meta.lastModified = lm
    writeFileSync(metaPath, JSON.stringify(meta))
    out.push({ url, path: base, bytes: saved.bytes, sha256: saved.sha256, notModified: false, ...pick(meta) })
  }
  const want = await expectedChecksum(feed, opts)
  if (want) {
    if (out.length !== 1 || !out[0]?.sha256)
      throw feedError(feed.name, feed.urls.join(' '), 'a checksum needs exactly one downloaded file')
    if (out[0].sha256 !== want) {
      const bad = out[0]
      // A download that fails its checksum must not be reused by a later conditional request.
      if (!localPath(bad.url)) rmSync(`${join(dir, urlKey(bad.url))}.json`, { force: true })
      throw new ShipshapeError(
        'CHECKSUM',
        `feed ${feed.name}: sha256 ${bad.sha256} does not match the published ${want}`,
        { where: bad.url },
      )
    }
  }
  return out
}

function pick(m: { etag?: string; lastModified?: string }): { etag?: string; lastModified?: string } {
  const o: { etag?: string; lastModified?: string } = {}
  if (m.etag) o.etag = m.etag
  if (m.lastModified) o.lastModified = m.lastModified
  return o
}
