import { createHash, type Hash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { createGunzip, type Gunzip } from 'node:zlib'
import { Decompress as ZstdDecompress } from 'fzstd'
import type { Compression, Layer } from '../image/index.js'
import { ShipshapeError } from '../internal/index.js'
import { shortDigest } from '../model/index.js'
import type { ContentPolicy } from './content-policy.js'
import { FileInspection, inspectorsFor } from './inspect.js'
import type { LayerEntry, LayerListing } from './listing.js'
import { basename, dirname, entryPath, joinPath } from './paths.js'
import { TarParser } from './tar-parser.js'
import type { FileInspector } from './types.js'

export interface WalkLimits {
  /** Past this many uncompressed bytes, a layer whose ratio exceeds `maxRatio` is a decompression bomb. */
  ratioGraceBytes: number
  maxRatio: number
  /** Hard cap on one layer's uncompressed size. */
  maxLayerBytes: number
}

export const DEFAULT_LIMITS: WalkLimits = {
  ratioGraceBytes: 256 * 1024 * 1024,
  maxRatio: 200,
  maxLayerBytes: 64 * 1024 * 1024 * 1024,
}

export type WalkProgress = (layerIndex: number, bytesDone: number, bytesTotal: number) => void

const GZIP_MAGIC = [0x1f, 0x8b]
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd]

function sniff(head: Buffer): Compression {
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip'
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd'
  return 'none'
}

/**
 * Reads one layer blob in a single streaming pass: hashes the stored bytes (digest) and the uncompressed
 * bytes (diff_id), decompresses by magic bytes (media types lie, e.g. Docker ≥ 25's uncompressed blobs),
 * parses the tar, and keeps only the contents the policy asks for. Nothing touches the disk.
 */
export async function walkLayer(
  layer: Layer,
  policy: ContentPolicy,
  opts: { where: string; limits?: WalkLimits; onProgress?: WalkProgress; inspectors?: readonly FileInspector[] },
): Promise<LayerListing> {
  const limits = opts.limits ?? DEFAULT_LIMITS
  const label = `layer ${layer.index} (${shortDigest(layer.digest)})`
  const where = () => `${opts.where} ${label}`
  const listing: LayerListing = { index: layer.index, entries: [], whiteouts: [], opaques: [], bytes: 0 }
  const source = await layer.open()

  // A source that verifies the stored bytes itself (a registry client hashing for its cache) spares us that hash,
  // except for legacy `docker save` layers, whose one hash is also their diff_id.
  const blobHash = layer.verified && layer.digest !== layer.diffId ? undefined : createHash('sha256')
  let diffHash: Hash | undefined
  let stored = 0
  let inflated = 0
  let failure: unknown
  let compression: Compression | undefined
  let gunzip: Gunzip | undefined
  let zstd: ZstdDecompress | undefined
  let head: Buffer = Buffer.alloc(0)

  const inspectors = opts.inspectors ?? []
  let sink: ((chunk: Buffer) => void) | undefined
  let inspection: FileInspection | undefined
  let current: LayerEntry | undefined
  const parser = new TarParser({
    onEntry: (h) => onEntry(h.name, h.type, h.size, h.mode, h.linkname),
    onData: (chunk) => {
      sink?.(chunk)
      inspection?.write(chunk)
    },
    onEntryEnd: () => {
      if (inspection && current) {
        const r = inspection.end()
        if (r) current.inspections = r
      }
      sink = undefined
      inspection = undefined
      current = undefined
    },
  })

  const onEntry = (name: string, type: LayerEntry['type'] | 'other', size: number, mode: number, linkname: string) => {
    const path = entryPath(name, where)
    if (path === undefined) return
    const base = basename(path)
    if (base.startsWith('.wh.')) {
      if (base === '.wh..wh..opq') listing.opaques.push(dirname(path))
      else if (!base.startsWith('.wh..wh.')) listing.whiteouts.push(joinPath(dirname(path), base.slice(4)))
      return
    }
    const entry: LayerEntry = { path, type, size, mode }
    if (type === 'symlink') entry.linkname = linkname
    else if (type === 'hardlink') {
      const target = entryPath(linkname, where)
      if (target === undefined)
        throw new ShipshapeError('PATH_TRAVERSAL', `hard link ${path} points at the image root`, { where: where() })
      entry.linkname = target
    } else if (type === 'file') {
      const insp = inspectors.length ? inspectorsFor(inspectors, path, size, mode) : []
      if (insp.length) {
        inspection = new FileInspection(path, size, insp, policy)
        current = entry
      }
      const want = policy.match(path)
      if (want) {
        if (want.allLayers) entry.history = true
        if (size > want.maxBytes) entry.contentDropped = 'file-cap'
        else if (!policy.reserve(size)) entry.contentDropped = 'total-cap'
        else {
          const buf = Buffer.allocUnsafe(size)
          let at = 0
          entry.content = buf
          sink = (chunk) => {
            chunk.copy(buf, at)
            at += chunk.length
          }
        }
      }
    }
    listing.entries.push(entry)
  }

  const feedTar = (chunk: Buffer) => {
    inflated += chunk.length
    diffHash?.update(chunk)
    if (inflated > limits.maxLayerBytes || (inflated > limits.ratioGraceBytes && inflated > stored * limits.maxRatio)) {
      throw new ShipshapeError(
        'DECOMPRESSION_BOMB',
        `${label} inflates to over ${Math.round(inflated / 1048576)} MiB from ${Math.round(stored / 1048576)} MiB: refusing a decompression bomb`,
        { where: opts.where },
      )
    }
    parser.push(chunk)
  }

  // Errors from the tar parser know the byte offset but not the layer; every error leaves here located.
  const fail = (e: unknown) => {
    if (failure !== undefined) return
    failure =
      e instanceof ShipshapeError && e.where === undefined
        ? new ShipshapeError(e.code, `${label}: ${e.message}`, { where: opts.where })
        : e
  }

  const start = (first: Buffer) => {
    compression = sniff(first)
    // Legacy `docker save` layers are plain tars whose digest is the diff_id: one hash serves both.
    if (!(compression === 'none' && layer.digest === layer.diffId)) diffHash = createHash('sha256')
    if (compression === 'gzip') {
      gunzip = createGunzip({ chunkSize: 256 * 1024 })
      gunzip.on('data', (c: Buffer) => {
        if (failure !== undefined) return
        try {
          feedTar(c)
        } catch (e) {
          fail(e)
          source.resume()
        }
      })
      gunzip.on('error', (e) => fail(corrupt(e, 'gzip')))
    } else if (compression === 'zstd') {
      zstd = new ZstdDecompress((c) => {
        if (failure === undefined) feedTar(Buffer.from(c.buffer, c.byteOffset, c.byteLength))
      })
    }
  }

  const corrupt = (e: unknown, what: string) =>
    new ShipshapeError('CORRUPT_LAYER', `${label} is not a valid ${what} stream: ${(e as Error).message}`, {
      where: opts.where,
      cause: e,
    })

  await new Promise<void>((resolve, reject) => {
    const onChunk = (chunk: Buffer) => {
      stored += chunk.length
      blobHash?.update(chunk)
      opts.onProgress?.(layer.index, stored, layer.size)
      if (failure !== undefined) return
      try {
        if (compression === undefined) {
          // The magic needs 4 bytes, which the first chunk nearly always has.
          head = head.length ? Buffer.concat([head, chunk]) : chunk
          if (head.length < 4 && stored < layer.size) return
          start(head)
          chunk = head
        }
        if (compression === 'gzip') {
          if (!(gunzip as Gunzip).write(chunk)) {
            source.pause()
            ;(gunzip as Gunzip).once('drain', () => source.resume())
          }
        } else if (compression === 'zstd') {
          try {
            ;(zstd as ZstdDecompress).push(chunk)
          } catch (e) {
            if (e instanceof ShipshapeError) throw e
            throw corrupt(e, 'zstd')
          }
        } else feedTar(chunk)
      } catch (e) {
        fail(e)
      }
    }
    source.on('data', onChunk)
    // A source that knows why it failed (a registry out of retries, a blob that is not what its digest says)
    // keeps its own code; anything else is a broken archive.
    source.on('error', (e) =>
      reject(
        e instanceof ShipshapeError
          ? e
          : new ShipshapeError('CORRUPT_ARCHIVE', `cannot read ${label}: ${e.message}`, { where: opts.where }),
      ),
    )
    source.on('end', () => {
      const finish = () => {
        try {
          if (failure === undefined && compression === 'zstd') (zstd as ZstdDecompress).push(new Uint8Array(0), true)
        } catch (e) {
          fail(e instanceof ShipshapeError ? e : corrupt(e, 'zstd'))
        }
        resolve()
      }
      if (compression === 'gzip' && gunzip) {
        gunzip.once('end', finish)
        gunzip.once('error', () => resolve())
        gunzip.end()
      } else finish()
    })
  })

  // A blob that is not what the manifest names is the root cause of whatever else went wrong with it.
  const blobDigest = blobHash ? `sha256:${blobHash.digest('hex')}` : layer.digest
  if (layer.digest.startsWith('sha256:') && blobDigest !== layer.digest) {
    throw new ShipshapeError(
      'DIGEST_MISMATCH',
      `${label} blob does not match its digest ${layer.digest} (content is ${blobDigest})`,
      {
        where: opts.where,
      },
    )
  }
  if (failure === undefined) {
    try {
      parser.end()
    } catch (e) {
      fail(e)
    }
  }
  if (failure !== undefined) throw failure
  const diffId = diffHash ? `sha256:${diffHash.digest('hex')}` : blobDigest
  if (diffId !== layer.diffId) {
    throw new ShipshapeError(
      'DIGEST_MISMATCH',
      `${label} uncompressed content does not match diff_id ${layer.diffId} (content is ${diffId})`,
      {
        where: opts.where,
      },
    )
  }
  listing.bytes = inflated
  return listing
}

export function _sniffForTests(b: Buffer): Compression {
  return sniff(b)
}

export type { Readable }
