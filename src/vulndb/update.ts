import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ShipshapeError, TOOL_VERSION } from '../internal/index.js'
import type { DbConfig } from './config.js'
import { dbPath } from './config.js'
import type { FeedImporter, FeedName } from './feeds/feed.js'
import { type Fetched, fetchFeed } from './fetch.js'
import { acquireLock, fsyncPath, sweepStale, tempPathFor } from './files.js'
import { concatSources, sourceFor } from './sources.js'
import { StoreReader } from './store/reader.js'
import { type FeedStats, StoreWriter } from './store/writer.js'

export interface UpdateProgress {
  feed(name: string, phase: 'download' | 'import', done: number, total?: number): void
}

export interface UpdateOptions {
  cacheDir: string
  config: DbConfig
  importers: Readonly<Record<FeedName, FeedImporter>>
  /** Only these feeds (default: every configured one). */
  only?: FeedName[]
  progress?: UpdateProgress
  env?: NodeJS.ProcessEnv
  now?: () => Date
}

export interface UpdateResult {
  path: string
  builtAt: string
  feeds: ({ name: string; urls: string[]; notModified: boolean } & FeedStats)[]
}

/** Removes a temp file if the process is interrupted (SIGINT/SIGTERM); SIGKILL leaves it to the next sweep. */
function onInterrupt(cleanup: () => void): () => void {
  const handler = (sig: NodeJS.Signals) => {
    cleanup()
    process.exit(sig === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', handler)
  process.once('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}

/**
 * Downloads every configured feed, builds a new DB beside the live one, and swaps it in with one rename.
 * Whatever fails or is killed before the rename leaves the previous DB as it was.
 */
export async function updateDb(opts: UpdateOptions): Promise<UpdateResult> {
  const target = dbPath(opts.cacheDir)
  const dir = dirname(target)
  mkdirSync(dir, { recursive: true })
  sweepStale(dir)
  sweepStale(join(opts.cacheDir, 'feeds'))
  const release = acquireLock(dir)
  const tmp = tempPathFor(target)
  let writer: StoreWriter | undefined
  const cleanup = () => {
    try {
      writer?.abort()
    } catch {}
    rmSync(tmp, { force: true })
  }
  const restore = onInterrupt(() => {
    cleanup()
    release()
  })
  try {
    const feeds = opts.config.feeds.filter((f) => !opts.only || opts.only.includes(f.name))
    if (feeds.length === 0) throw new ShipshapeError('USAGE', 'no feeds to update')
    const fetched: { feed: (typeof feeds)[number]; files: Fetched[] }[] = []
    // Download everything first: a feed that cannot be had fails the update before any import work.
    for (const feed of feeds) {
      const files = await fetchFeed(feed, {
        cacheDir: opts.cacheDir,
        timeoutMs: opts.config.timeoutMs,
        retries: opts.config.retries,
        ...(opts.env ? { env: opts.env } : {}),
        onProgress: (name, bytes, total) => opts.progress?.feed(name, 'download', bytes, total),
      })
      fetched.push({ feed, files })
    }
    writer = new StoreWriter(tmp)
    const builtAt = (opts.now?.() ?? new Date()).toISOString()
    const results: UpdateResult['feeds'] = []
    for (const { feed, files } of fetched) {
      const importer = opts.importers[feed.name]
      const sources = await Promise.all(
        files.map((f) => sourceFor(f.path, basename(new URL(f.url, 'file:///').pathname) || feed.name)),
      )
      writer.beginFeed()
      const w = writer
      let n = 0
      await importer.import(concatSources(feed.urls.join(' '), sources), {
        vulnerability: (r) => {
          w.vulnerability(r)
          if (++n % 1000 === 0) opts.progress?.feed(feed.name, 'import', n)
        },
        kev: (e) => w.kev(e),
        epss: (e) => w.epss(e),
        skip: (where, reason) => w.skip(where, reason),
        feedVersion: (v) => w.feedVersion(v),
      })
      const one = files.length === 1 ? files[0] : undefined
      writer.recordFeed({
        name: feed.name,
        url: feed.urls.join(' '),
        importerVersion: importer.version,
        fetchedAt: builtAt,
        ...(one?.etag ? { etag: one.etag } : {}),
        ...(one?.lastModified ? { lastModified: one.lastModified } : {}),
        ...(one?.sha256 ? { sha256: one.sha256 } : {}),
        bytes: files.reduce((s, f) => s + f.bytes, 0),
      })
      results.push({
        name: feed.name,
        urls: feed.urls,
        notModified: files.every((f) => f.notModified),
        ...writer.feedStats,
      })
    }
    writer.meta('built_at', builtAt)
    writer.meta('tool_version', TOOL_VERSION)
    writer.finish()
    writer = undefined
    fsyncPath(tmp)
    // The new file must open and read before it replaces anything.
    new StoreReader(tmp).close()
    renameSync(tmp, target)
    fsyncPath(dir)
    return { path: target, builtAt, feeds: results }
  } catch (e) {
    cleanup()
    throw e
  } finally {
    restore()
    release()
  }
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** `db export FILE`: the DB and `FILE.sha256` (sha256sum's format) beside it, both written whole or not at all. */
export function exportDb(cacheDir: string, file: string): { path: string; sha256: string } {
  const src = dbPath(cacheDir)
  if (!existsSync(src))
    throw new ShipshapeError('DB_MISSING', 'no vulnerability DB to export; run `shipshape db update` first', {
      where: src,
    })
  const tmp = tempPathFor(file)
  try {
    copyFileSync(src, tmp)
    const sum = sha256File(tmp)
    const sumTmp = tempPathFor(`${file}.sha256`)
    writeFileSync(sumTmp, `${sum}  ${basename(file)}\n`)
    renameSync(tmp, file)
    renameSync(sumTmp, `${file}.sha256`)
    return { path: file, sha256: sum }
  } catch (e) {
    rmSync(tmp, { force: true })
    if (e instanceof ShipshapeError) throw e
    throw new ShipshapeError('OUTPUT', `cannot export: ${(e as Error).message}`, { where: file })
  }
}

/**
 * `db import FILE|DIR`: a file exported by `db export`, with its `.sha256` beside it (a directory holding
 * `vulnerability.db` and `vulnerability.db.sha256` works too). Verified, opened, then swapped in.
 */
export function importDb(cacheDir: string, input: string): { path: string; sha256: string } {
  let file = input
  if (existsSync(input) && statSync(input).isDirectory()) file = join(input, 'vulnerability.db')
  if (!existsSync(file)) throw new ShipshapeError('NOT_FOUND', `no such file: ${file}`)
  const sumFile = `${file}.sha256`
  if (!existsSync(sumFile))
    throw new ShipshapeError('CHECKSUM', `no checksum file beside the DB (${basename(sumFile)})`, { where: file })
  const want = /\b([a-f0-9]{64})\b/i.exec(readFileSync(sumFile, 'utf8'))?.[1]?.toLowerCase()
  if (!want) throw new ShipshapeError('CHECKSUM', 'the checksum file holds no sha256', { where: sumFile })
  const target = dbPath(cacheDir)
  mkdirSync(dirname(target), { recursive: true })
  sweepStale(dirname(target))
  const release = acquireLock(dirname(target))
  const tmp = tempPathFor(target)
  try {
    copyFileSync(file, tmp)
    const got = sha256File(tmp)
    if (got !== want) throw new ShipshapeError('CHECKSUM', `sha256 ${got} does not match ${want}`, { where: file })
    new StoreReader(tmp).close()
    fsyncPath(tmp)
    renameSync(tmp, target)
    fsyncPath(dirname(target))
    return { path: target, sha256: got }
  } catch (e) {
    rmSync(tmp, { force: true })
    throw e
  } finally {
    release()
  }
}
