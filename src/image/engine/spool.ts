import { createHash, type Hash, randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { readdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ShipshapeError } from '../../internal/index.js'
import type { Digest } from '../../model/index.js'
import {
  entryType,
  isExtensionHeader,
  isZeroBlock,
  parseHeader,
  parsePax,
  TAR_BLOCK,
  validHeaderChecksum,
} from '../tar-header.js'

/** Spooled exports kept by default: the most recent 4 GiB. */
export const DEFAULT_SPOOL_MAX_BYTES = 4 * 1024 * 1024 * 1024

const SPOOL_BUFFER = 8 * 1024 * 1024
const SPOOL_RE = /^[a-f0-9]{64}\.tar$/
const TMP_RE = /^[a-f0-9]{64}\.tar\.tmp-/

let processTemp: string | undefined

const TEMP_PREFIX = 'shipshape-engine-'

/** Temp spools of processes that died without their exit hook running (killed by a signal). */
function sweepDeadTemps(root: string): void {
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return
  }
  for (const n of names) {
    const m = /^shipshape-engine-(\d+)-/.exec(n)
    if (!m || Number(m[1]) === process.pid) continue
    try {
      process.kill(Number(m[1]), 0)
    } catch (e) {
      if ((e as { code?: string }).code === 'ESRCH') rmSync(join(root, n), { recursive: true, force: true })
    }
  }
}

/** `<cacheDir>/engine`, or a directory of this process removed when it exits. Created when missing. */
export function spoolDir(cacheDir: string | undefined): string {
  if (cacheDir) {
    const dir = join(cacheDir, 'engine')
    mkdirSync(dir, { recursive: true })
    return dir
  }
  if (!processTemp) {
    sweepDeadTemps(tmpdir())
    const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`))
    processTemp = dir
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  }
  return processTemp
}

/**
 * Passes a tar stream through unchanged and computes the sha256 of every regular member on the way, so that an
 * export can be checked against the digests its own manifest and config claim without reading it a second time.
 */
export class TarMemberHasher extends Transform {
  /** sha256 of each regular member's bytes. */
  readonly digests = new Set<Digest>()
  bytes = 0
  private header = Buffer.alloc(TAR_BLOCK)
  private headerFill = 0
  private remaining = 0
  private padding = 0
  private hash: Hash | undefined
  private ext: { type: string; parts: Buffer[] } | undefined
  private pax: Record<string, string> = {}
  private ended = false

  /** True when the stream stopped at a member boundary (end-of-archive blocks or not). */
  get atBoundary(): boolean {
    return this.ended || (this.headerFill === 0 && this.remaining === 0 && this.padding === 0)
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.consume(chunk)
    } catch (e) {
      cb(e as Error)
      return
    }
    this.bytes += chunk.length
    cb(null, chunk)
  }

  private consume(chunk: Buffer): void {
    let i = 0
    while (i < chunk.length && !this.ended) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i)
        const part = chunk.subarray(i, i + n)
        this.hash?.update(part)
        this.ext?.parts.push(Buffer.from(part))
        this.remaining -= n
        i += n
        if (this.remaining === 0) this.finishMember()
        continue
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - i)
        this.padding -= n
        i += n
        continue
      }
      const n = Math.min(TAR_BLOCK - this.headerFill, chunk.length - i)
      chunk.copy(this.header, this.headerFill, i, i + n)
      this.headerFill += n
      i += n
      if (this.headerFill < TAR_BLOCK) continue
      this.headerFill = 0
      this.startMember()
    }
  }

  private startMember(): void {
    const h = this.header
    if (isZeroBlock(h)) {
      this.ended = true
      return
    }
    const hdr = validHeaderChecksum(h) ? parseHeader(h) : undefined
    if (!hdr) throw new ShipshapeError('CORRUPT_ARCHIVE', `corrupt tar header at byte ${this.bytes}`)
    const size = hdr.typeflag !== 'x' && this.pax.size !== undefined ? Number(this.pax.size) : hdr.size
    if (!Number.isSafeInteger(size) || size < 0)
      throw new ShipshapeError('CORRUPT_ARCHIVE', `bad member size at byte ${this.bytes}`)
    this.remaining = size
    this.padding = (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK
    if (isExtensionHeader(hdr.typeflag)) {
      if (size > 1024 * 1024) throw new ShipshapeError('CORRUPT_ARCHIVE', `oversized tar extension header (${size})`)
      this.ext = { type: hdr.typeflag, parts: [] }
    } else {
      this.pax = {}
      if (entryType(hdr.typeflag) === 'file') this.hash = createHash('sha256')
    }
    if (size === 0) this.finishMember()
  }

  private finishMember(): void {
    if (this.hash) {
      this.digests.add(`sha256:${this.hash.digest('hex')}` as Digest)
      this.hash = undefined
    }
    if (this.ext) {
      if (this.ext.type === 'x') this.pax = parsePax(Buffer.concat(this.ext.parts))
      this.ext = undefined
    }
  }
}

/**
 * Streams `body` into `final` through a temp file in the same directory. `check` sees the temp file and the
 * member digests; only when it passes is the file renamed into place, so a spool that exists was verified.
 */
export async function writeSpool(
  body: Readable,
  final: string,
  check: (tmp: string, hasher: TarMemberHasher) => Promise<void>,
  onBodyError: (e: unknown, bytes: number) => Error,
): Promise<{ bytes: number }> {
  const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  // Generous buffers: every pause of the engine's response costs a round of its writer (~10 ms with podman),
  // so a file stream's default 16 KiB high-water mark turns a 1 s export into a minute.
  const hasher = new TarMemberHasher({ highWaterMark: SPOOL_BUFFER })
  try {
    try {
      await pipeline(body, hasher, createWriteStream(tmp, { flags: 'wx', highWaterMark: SPOOL_BUFFER }))
    } catch (e) {
      const fsErr = e as { syscall?: string; path?: string; code?: string }
      if (fsErr?.path === tmp || (fsErr?.syscall && ['open', 'write', 'close'].includes(fsErr.syscall)))
        throw new ShipshapeError('OUTPUT', `cannot write the engine spool: ${fsErr.code ?? String(e)}`, {
          where: tmp,
          cause: e,
        })
      if (e instanceof ShipshapeError) throw e
      throw onBodyError(e, hasher.bytes)
    }
    if (!hasher.atBoundary) throw onBodyError(new Error('the tar stream ends inside a member'), hasher.bytes)
    await check(tmp, hasher)
    await rename(tmp, final)
    return { bytes: hasher.bytes }
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

/** Marks a spool as just used, for eviction order. */
export async function touchSpool(path: string): Promise<void> {
  const now = new Date()
  await utimes(path, now, now).catch(() => undefined)
}

/**
 * Keeps the most recently used spools up to `maxBytes` in total (never evicting `keep`), and removes temp files
 * older than an hour (an export interrupted by a crash).
 */
export async function evictSpools(
  dir: string,
  maxBytes: number,
  keep: string,
  debug?: (line: string) => void,
): Promise<void> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return
  }
  const spools: { path: string; size: number; mtime: number }[] = []
  const hourAgo = Date.now() - 3600_000
  for (const n of names) {
    const path = join(dir, n)
    const s = await stat(path).catch(() => undefined)
    if (!s?.isFile()) continue
    if (TMP_RE.test(n)) {
      if (s.mtimeMs < hourAgo) await rm(path, { force: true })
      continue
    }
    if (SPOOL_RE.test(n)) spools.push({ path, size: s.size, mtime: s.mtimeMs })
  }
  spools.sort((a, b) => b.mtime - a.mtime)
  let total = 0
  for (const s of spools) {
    total += s.size
    if (total > maxBytes && s.path !== keep) {
      debug?.(`engine spool: evicting ${s.path} (${s.size} bytes) to stay under ${maxBytes} bytes`)
      await rm(s.path, { force: true })
      total -= s.size
    }
  }
}
