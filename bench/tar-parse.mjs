// Tar parsing alone, ours against tar-stream, on lang-app's layers already decompressed in memory (so zlib
// does not hide the difference). Prints milliseconds per pass; asserts nothing.
//   npm run build && node bench/tar-parse.mjs [LAYOUT_DIR]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { gunzipSync } from 'node:zlib'
import tar from 'tar-stream'
import { TarParser } from '../dist/src/filetree/tar-parser.js'

const dir = process.argv[2] ?? join(process.env.SHIPSHAPE_IMAGES ?? '.cache/images', 'oci', 'lang-app')
const blob = (d) => join(dir, 'blobs', 'sha256', d.slice(7))
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'))
const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'))
const tars = manifest.layers.map((l) => gunzipSync(readFileSync(blob(l.digest))))
const chunks = (b) => {
  const out = []
  for (let i = 0; i < b.length; i += 65536) out.push(b.subarray(i, i + 65536))
  return out
}

async function withTarStream(b) {
  const ex = tar.extract()
  let n = 0
  ex.on('entry', (_h, s, next) => {
    n++
    s.on('end', next)
    s.resume()
  })
  await pipeline(Readable.from(chunks(b)), ex)
  return n
}

async function withOurs(b) {
  let n = 0
  const p = new TarParser({ onEntry: () => n++, onData() {}, onEntryEnd() {} })
  for (const c of chunks(b)) p.push(c)
  p.end()
  return n
}

const bytes = tars.reduce((n, t) => n + t.length, 0)
console.log(`${tars.length} layers, ${(bytes / 1048576).toFixed(0)} MiB of tar`)
for (let round = 0; round < 5; round++) {
  for (const [name, fn] of [
    ['tar-stream', withTarStream],
    ['shipshape', withOurs],
  ]) {
    const t = performance.now()
    let entries = 0
    for (const b of tars) entries += await fn(b)
    console.log(
      `round ${round} ${name.padEnd(10)} ${(performance.now() - t).toFixed(1).padStart(7)} ms  ${entries} entries`,
    )
  }
}
