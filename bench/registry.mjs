#!/usr/bin/env node
// Registry benchmark (not a test): the SBOM of an image read from a loopback registry (Debian's docker-registry,
// ../shared/images/registry.sh) against the same image read from its oci-archive, in one run, interleaved:
//   archive              archive://NAME.oci.tar (the same compressed blobs the registry serves)
//   registry, no cache   blobs streamed from the registry straight into the layer walk
//   registry, cold cache the same with an empty blob cache (every blob also written to the cache)
//   registry, warm cache a re-scan: every blob from the cache, only the tag is asked of the registry
// Each measurement is a fresh node process (median wall ms of N runs, peak RSS). Images: lang-app and, when
// bench/big-image.sh has built it into bench/.work/big, the 2 GB image.
//
//   npm run build && node bench/registry.mjs [--runs N] [--port N] [--only lang-app,big]
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BENCH = path.join(ROOT, 'bench')
const WORK = path.join(BENCH, '.work', 'registry')
const IMAGES = process.env.SHIPSHAPE_IMAGES ?? path.join(ROOT, '.cache', 'images')
const SHARED = path.resolve(process.env.SHIPSHAPE_SHARED ?? path.join(ROOT, '..', 'shared'))
const REGISTRY_SH = path.join(SHARED, 'images', 'registry.sh')
const BIG = path.join(BENCH, '.work', 'big')
const DIST = path.join(ROOT, 'dist', 'src')

// ------------------------------------------------------------------ child: one measurement
if (process.argv[2] === '--child') {
  const [, , , mode, ref, cacheDir] = process.argv
  const { parseImageRef, openSource } = await import(path.join(DIST, 'image', 'index.js'))
  const { readRegistryImage, RegistryClient } = await import(path.join(DIST, 'image', 'registry', 'index.js'))
  const { generateSbom } = await import(path.join(DIST, 'sbom', 'index.js'))
  const t0 = performance.now()
  let source
  let client
  if (mode === 'archive') source = await openSource(parseImageRef(ref))
  else {
    client = new RegistryClient(cacheDir && cacheDir !== '-' ? { cacheDir } : {})
    source = { kind: 'image', image: await readRegistryImage(parseImageRef(ref), { client }) }
  }
  const sbom = await generateSbom(source)
  const ms = performance.now() - t0
  process.stdout.write(
    JSON.stringify({
      ms,
      packages: sbom.packages.length,
      rssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(client ? { stats: client.stats } : {}),
    }),
  )
  await client?.close()
  process.exit(0)
}

// ------------------------------------------------------------------ options
function parseArgs(argv) {
  const o = { runs: 3, port: 5610, only: undefined }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      const v = argv[++i]
      if (v === undefined) usage(`${a} needs a value`)
      return v
    }
    if (a === '--runs') o.runs = Number(next())
    else if (a === '--port') o.port = Number(next())
    else if (a === '--only') o.only = next().split(',')
    else if (a === '-h' || a === '--help') usage()
    else usage(`unknown argument ${a}`)
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) usage('--runs must be a positive integer')
  return o
}

function usage(error) {
  const text = 'usage: node bench/registry.mjs [--runs N] [--port N] [--only lang-app,big]\n'
  if (error) {
    process.stderr.write(`registry.mjs: ${error}\n${text}`)
    process.exit(2)
  }
  process.stdout.write(text)
  process.exit(0)
}

const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

function measure(mode, ref, cacheDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, ref, cacheDir ?? '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (c) => {
      out += c
    })
    child.stderr.setEncoding('utf8').on('data', (c) => {
      err += c
    })
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${mode} ${ref}: exit ${code}: ${err.slice(-2000)}`))
      resolve(JSON.parse(out))
    })
  })
}

function dirBytes(dir) {
  let n = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) n += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size
  return n
}

// ------------------------------------------------------------------ main
const opts = parseArgs(process.argv.slice(2))
if (!fs.existsSync(path.join(DIST, 'image', 'registry', 'index.js'))) {
  process.stderr.write('registry.mjs: dist/ is missing; run `npm run build` first\n')
  process.exit(2)
}
fs.mkdirSync(WORK, { recursive: true })
const regDir = path.join(WORK, 'reg')
const images = []
if (fs.existsSync(path.join(IMAGES, 'oci', 'lang-app')))
  images.push({
    name: 'lang-app',
    archive: path.join(IMAGES, 'archives', 'lang-app.oci.tar'),
    repo: 'fixtures/lang-app',
    tag: '1.0',
    push: () => sh('bash', [REGISTRY_SH, 'push', regDir, IMAGES, 'lang-app']),
  })
if (fs.existsSync(path.join(BIG, 'big.oci.tar')))
  images.push({
    name: 'big',
    archive: path.join(BIG, 'big.oci.tar'),
    repo: 'bench/big',
    tag: 'big',
    push: (host) =>
      sh('skopeo', [
        'copy',
        '-q',
        '--preserve-digests',
        '--dest-tls-verify=false',
        `oci:${path.join(BIG, 'oci')}:big`,
        `docker://${host}/bench/big:big`,
      ]),
  })
else log(`no big image in ${BIG} (sudo bench/big-image.sh ${BIG} builds it); lang-app only`)
const selected = images.filter((i) => !opts.only || opts.only.includes(i.name))
if (selected.length === 0) usage('no image to bench (build the test images first)')

log(`starting docker-registry on 127.0.0.1:${opts.port}`)
sh('bash', [REGISTRY_SH, 'stop', regDir])
fs.rmSync(regDir, { recursive: true, force: true })
const env = sh('bash', [REGISTRY_SH, 'start', regDir, '--port', String(opts.port)])
const host = /REGISTRY=(\S+)/.exec(env)?.[1]
const cleanup = () => {
  try {
    sh('bash', [REGISTRY_SH, 'stop', regDir])
  } catch {}
}
process.on('exit', cleanup)
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    cleanup()
    process.exit(130)
  })

const results = []
try {
  for (const img of selected) {
    log(`pushing ${img.name}`)
    img.push(host)
    const ref = `registry://${host}/${img.repo}:${img.tag}`
    const archiveRef = `archive://${img.archive}`
    const t = { archive: [], noCache: [], cold: [], warm: [] }
    const last = {}
    // one unmeasured run of each so the page cache holds the archive and the registry's blobs alike
    await measure('archive', archiveRef)
    await measure('registry', ref)
    for (let i = 0; i < opts.runs; i++) {
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-blobs-'))
      try {
        for (const [key, mode, r, c] of [
          ['archive', 'archive', archiveRef, undefined],
          ['noCache', 'registry', ref, undefined],
          ['cold', 'registry', ref, cacheDir],
          ['warm', 'registry', ref, cacheDir],
        ]) {
          const m = await measure(mode, r, c)
          t[key].push(m.ms)
          last[key] = m
          log(`${img.name} ${key} run ${i + 1}: ${Math.round(m.ms)} ms, ${m.packages} packages, ${m.rssMb} MB RSS`)
        }
        last.cacheBytes = dirBytes(cacheDir)
      } finally {
        fs.rmSync(cacheDir, { recursive: true, force: true })
      }
    }
    const archiveMs = median(t.archive)
    const row = {
      image: img.name,
      compressedMb: +(fs.statSync(img.archive).size / 1048576).toFixed(1),
      archiveMs: Math.round(archiveMs),
      registryNoCacheMs: Math.round(median(t.noCache)),
      registryColdMs: Math.round(median(t.cold)),
      registryWarmMs: Math.round(median(t.warm)),
      noCacheRatio: +(median(t.noCache) / archiveMs).toFixed(2),
      coldRatio: +(median(t.cold) / archiveMs).toFixed(2),
      warmRatio: +(median(t.warm) / archiveMs).toFixed(2),
      warmVsCold: +(median(t.warm) / median(t.cold)).toFixed(2),
      packages: { archive: last.archive.packages, registry: last.cold.packages },
      peakRssMb: { archive: last.archive.rssMb, cold: last.cold.rssMb, warm: last.warm.rssMb },
      cold: last.cold.stats,
      warm: last.warm.stats,
      blobCacheBytes: last.cacheBytes,
      runs: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.map(Math.round)])),
    }
    if (row.packages.archive !== row.packages.registry) log(`WARNING: ${img.name}: package counts differ`)
    results.push(row)
  }
} finally {
  cleanup()
}

const report = {
  date: new Date().toISOString(),
  host: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    node: process.version,
    memGb: Math.round(os.totalmem() / 2 ** 30),
  },
  runs: opts.runs,
  registry: 'docker-registry (distribution 2.8) on 127.0.0.1, no auth, plain HTTP',
  images: results,
}

const header = [
  'image',
  'archive ms',
  'registry no cache ms (× archive)',
  'registry cold cache ms (× archive)',
  'registry warm cache ms (× archive)',
  'warm / cold',
  'requests cold / warm',
  'peak RSS archive / cold',
]
const rows = results.map((r) => [
  `${r.image} (${r.compressedMb} MB)`,
  String(r.archiveMs),
  `${r.registryNoCacheMs} (${r.noCacheRatio}×)`,
  `${r.registryColdMs} (${r.coldRatio}×)`,
  `${r.registryWarmMs} (${r.warmRatio}×)`,
  `${r.warmVsCold}×`,
  `${r.cold.requests} / ${r.warm.requests}`,
  `${r.peakRssMb.archive} / ${r.peakRssMb.cold} MB`,
])
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
console.log(line(header))
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`)
for (const r of rows) console.log(line(r))

fs.mkdirSync(path.join(BENCH, 'results'), { recursive: true })
fs.writeFileSync(path.join(BENCH, 'results', 'registry.json'), `${JSON.stringify(report, null, 2)}\n`)
log('wrote bench/results/registry.json')
