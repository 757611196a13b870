import { open, readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { openZip } from '../internal/zip.js'
import type { FeedFile, FeedSource } from './feeds/feed.js'

/** Biggest single feed document read whole (the Debian tracker JSON is ~100 MB uncompressed). */
const MAX_FILE = 1024 * 1024 * 1024

async function magic(path: string): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const b = Buffer.alloc(4)
    await fh.read(b, 0, 4, 0)
    return b
  } finally {
    await fh.close()
  }
}

/** Every file under a directory, in a stable (sorted) order. */
export function dirSource(root: string): FeedSource {
  return {
    where: root,
    async *files() {
      const walk = async function* (dir: string): AsyncGenerator<FeedFile> {
        const names = (await readdir(dir)).sort()
        for (const n of names) {
          const p = join(dir, n)
          const st = await stat(p)
          if (st.isDirectory()) yield* walk(p)
          else if (st.isFile())
            yield { name: relative(root, p).split(sep).join('/'), size: st.size, read: () => readFile(p) }
        }
      }
      yield* walk(root)
    },
  }
}

/** One document; a gzip-compressed one (EPSS's `.csv.gz`) is inflated on read. */
export function fileSource(path: string, name: string): FeedSource {
  return {
    where: path,
    async *files() {
      const st = await stat(path)
      yield {
        name,
        size: st.size,
        read: async () => {
          const buf = await readFile(path)
          return buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf, { maxOutputLength: MAX_FILE }) : buf
        },
      }
    },
  }
}

/** The members of a zip (OSV's all.zip, a repository archive), read one at a time. */
export function zipSource(path: string): FeedSource {
  return {
    where: path,
    async *files() {
      const zip = await openZip(path)
      try {
        for (const e of zip.entries) {
          if (e.name.endsWith('/')) continue
          yield { name: e.name, size: e.size, read: () => e.read() }
        }
      } finally {
        await zip.close()
      }
    },
  }
}

/** Several sources read one after another (a feed with several URLs). */
export function concatSources(where: string, sources: FeedSource[]): FeedSource {
  return {
    where,
    async *files() {
      for (const s of sources) yield* s.files()
    },
  }
}

/** A downloaded or local feed file or directory, by what it is: a directory, a zip (by magic), or one document. */
export async function sourceFor(path: string, name: string): Promise<FeedSource> {
  const st = await stat(path)
  if (st.isDirectory()) return dirSource(path)
  const m = await magic(path)
  if (m[0] === 0x50 && m[1] === 0x4b && m[2] === 0x03 && m[3] === 0x04) return zipSource(path)
  return fileSource(path, name)
}
