#!/usr/bin/env node
// SBOM benchmark: shipshape against the decompression floor and cdxgen, on two images, in one run.
//
//   npm run bench                      (= npm run build && node bench/sbom.mjs)
//   node bench/sbom.mjs [--runs N] [--cdxgen-runs N] [--no-cdxgen] [--only lang-app,big] [--cdxgen-timeout SEC]
//
// It prints figures and asserts nothing. See bench/README.md for what is measured and the targets.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BENCH = path.join(ROOT, 'bench')
const WORK = path.join(BENCH, '.work')
const OUT = path.join(WORK, 'out')
const CDXGEN_DIR = path.join(BENCH, '.tools', 'cdxgen')
const CDXGEN_BIN = path.join(CDXGEN_DIR, 'node_modules', '.bin', 'cdxgen')
const SHIPSHAPE = path.join(ROOT, 'bin', 'shipshape.js')
const TIME = '/usr/bin/time'
// cdxgen is repeated only while one run stays under this; past it one run is enough (and the output says so)
const CDXGEN_REPEAT_LIMIT_MS = 60_000

// ------------------------------------------------------------------ options
function parseArgs(argv) {
  const o = { runs: 3, cdxgenRuns: undefined, cdxgen: true, only: undefined, cdxgenTimeout: 900 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      const v = argv[++i]
      if (v === undefined) usage(`${a} needs a value`)
      return v
    }
    if (a === '--runs') o.runs = positiveInt(next(), a)
    else if (a === '--cdxgen-runs') o.cdxgenRuns = positiveInt(next(), a)
    else if (a === '--no-cdxgen') o.cdxgen = false
    else if (a === '--only') o.only = next().split(',')
    else if (a === '--cdxgen-timeout') o.cdxgenTimeout = positiveInt(next(), a)
    else if (a === '-h' || a === '--help') usage()
    else usage(`unknown argument ${a}`)
  }
  return o
}

function positiveInt(v, flag) {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a positive integer`)
  return n
}

function usage(error) {
  const text =
    'usage: node bench/sbom.mjs [--runs N] [--cdxgen-runs N] [--no-cdxgen] [--only lang-app,big] [--cdxgen-timeout SEC]\n'
  if (error) {
    process.stderr.write(`sbom.mjs: ${error}\n${text}`)
    process.exit(2)
  }
  process.stdout.write(text)
  process.exit(0)
}

// ------------------------------------------------------------------ processes
const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)

/** Keeps the last `max` characters of a stream (error reports need the end, not the whole output). */
function tail(max = 8000) {
  let s = ''
  return {
    push: (chunk) => {
      s += chunk
      if (s.length > 2 * max) s = s.slice(-max)
    },
    get: () => s.slice(-max),
  }
}

/** Process groups still running, ended on Ctrl-C (children run detached so that a timeout ends the whole tree). */
const running = new Set()
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    for (const pid of running)
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {}
    process.exit(130)
  })

/**
 * Runs a command; resolves with wall ms (hrtime around spawn→exit), exit code and output tails.
 * stdout goes to /dev/null unless `captureStdout`.
 */
function run(cmd, args, { env, cwd, timeoutMs, captureStdout = false } = {}) {
  return new Promise((resolve) => {
    const out = tail()
    const err = tail()
    const t0 = process.hrtime.bigint()
    const child = spawn(cmd, args, {
      cwd: cwd ?? ROOT,
      env: env ?? process.env,
      stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'],
      detached: true, // own process group, so a timeout can end the whole tree
    })
    running.add(child.pid)
    let timedOut = false
    const timer =
      timeoutMs &&
      setTimeout(() => {
        timedOut = true
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {}
      }, timeoutMs)
    child.stdout?.setEncoding('utf8').on('data', out.push)
    child.stderr.setEncoding('utf8').on('data', err.push)
    child.on('error', (e) => err.push(String(e)))
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      running.delete(child.pid)
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      resolve({ code, signal, ms, timedOut, stdout: out.get(), stderr: err.get() })
    })
  })
}

/** Like run(), under `/usr/bin/time -f %M` (max RSS in KB of the largest process of the tree, from wait4). */
async function runRss(cmd, args, opts) {
  const rssFile = path.join(WORK, `rss.${process.pid}.txt`)
  fs.rmSync(rssFile, { force: true })
  const r = await run(TIME, ['-f', '%M', '-o', rssFile, cmd, ...args], opts)
  let rssKb = null
  try {
    const m = /(\d+)\s*$/.exec(fs.readFileSync(rssFile, 'utf8'))
    if (m) rssKb = Number(m[1])
  } catch {}
  fs.rmSync(rssFile, { force: true })
  return { ...r, rssKb }
}

function sh(script, opts = {}) {
  const r = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, ...opts })
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

const q = (s) => `'${String(s).replaceAll("'", "'\\''")}'`
const have = (c) => sh(`command -v ${q(c)}`).code === 0
const isRoot = () => process.getuid?.() === 0

function aptInstall(pkgs) {
  if (!isRoot()) throw new Error(`missing ${pkgs.join(' ')} (apt-get install needs root)`)
  log(`apt-get install ${pkgs.join(' ')}`)
  const r = sh(
    `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkgs.join(' ')}`,
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  if (r.code !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed: ${r.stderr.slice(-2000)}`)
}

/**
 * Every timed command writes to /dev/null. If it has become a regular file (e.g. something renamed a file onto it
 * as root), timings would include disk writes: refuse to go on and say how to repair it.
 */
function checkDevNull() {
  const st = fs.statSync('/dev/null')
  if (!st.isCharacterDevice())
    throw new Error(
      '/dev/null is not a character device any more (something replaced it with a regular file); repair as root with\n' +
        '  mknod -m 666 /dev/null.new c 1 3 && mv -f /dev/null.new /dev/null',
    )
}

// ------------------------------------------------------------------ images
/** Layers of an OCI layout: index.json → manifest (by tag, else the first; an image index → linux/amd64). */
function readLayout(dir, tag) {
  const blob = (d) => path.join(dir, 'blobs', ...d.split(':'))
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'))
  let desc =
    index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag) ?? index.manifests[0]
  let manifest = JSON.parse(fs.readFileSync(blob(desc.digest), 'utf8'))
  if (manifest.manifests) {
    desc =
      manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64') ??
      manifest.manifests[0]
    manifest = JSON.parse(fs.readFileSync(blob(desc.digest), 'utf8'))
  }
  const tagName = desc.annotations?.['org.opencontainers.image.ref.name'] ?? tag
  return {
    manifestDigest: desc.digest,
    tag: tagName,
    layers: manifest.layers.map((l) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      size: l.size,
      file: blob(l.digest),
    })),
  }
}

function decompressCmd(layer) {
  if (layer.mediaType.endsWith('+zstd')) return `zstd -q -dc ${q(layer.file)}`
  if (layer.mediaType.endsWith('gzip')) return `gzip -dc ${q(layer.file)}`
  return `cat ${q(layer.file)}`
}

/** The floor: every layer blob decompressed one after another, as one command. */
const floorScript = (img) => img.layers.map((l) => `${decompressCmd(l)} >/dev/null`).join(' && ')

function uncompressedSize(img) {
  let total = 0
  for (const l of img.layers) {
    const r = sh(`${decompressCmd(l)} | wc -c`)
    if (r.code !== 0) throw new Error(`cannot decompress ${l.file}: ${r.stderr}`)
    total += Number(r.stdout.trim())
  }
  return total
}

function ensureLangApp() {
  const dir = path.resolve(ROOT, process.env.SHIPSHAPE_IMAGES ?? '.cache/images')
  const layout = path.join(dir, 'oci', 'lang-app')
  const archive = path.join(dir, 'archives', 'lang-app.oci.tar')
  if (!fs.existsSync(path.join(layout, 'index.json')) || !fs.existsSync(archive)) {
    const script = path.resolve(ROOT, '..', 'shared', 'images', 'build.sh')
    if (!isRoot()) throw new Error(`${layout} is missing; build it as root: bash ${script} ${dir} lang-app`)
    log(`building lang-app: bash ${script} ${dir} lang-app`)
    const r = spawnSync('bash', [script, dir, 'lang-app'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] })
    if (r.status !== 0) throw new Error(`build.sh lang-app failed (exit ${r.status})`)
  }
  const img = readLayout(layout, '1.0')
  let truth = null
  try {
    truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth', 'lang-app', 'summary.json'), 'utf8')).counts
  } catch {}
  return {
    name: 'lang-app',
    layout,
    archive,
    ...img,
    uncompressed: uncompressedSize(img),
    truth,
    description: 'largest image of the test cache (build.sh lang-app)',
  }
}

function ensureBig() {
  const dir = path.join(WORK, 'big')
  const script = path.join(BENCH, 'big-image.sh')
  if (!fs.existsSync(path.join(dir, 'meta.json')) || !fs.existsSync(path.join(dir, 'big.oci.tar'))) {
    if (!isRoot()) throw new Error(`the big image is not built yet; build it as root: bash ${script} ${dir}`)
    log(`building the big image (once, a few minutes): bash ${script} ${dir}`)
    fs.mkdirSync(WORK, { recursive: true })
    const logFile = path.join(WORK, 'big-build.log')
    const fd = fs.openSync(logFile, 'w')
    const r = spawnSync('bash', [script, dir], { cwd: ROOT, stdio: ['ignore', fd, fd] })
    fs.closeSync(fd)
    if (r.status !== 0)
      throw new Error(
        `big-image.sh failed (exit ${r.status}); last lines of ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`,
      )
  }
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'))
  const img = readLayout(path.join(dir, 'oci'), 'big')
  return {
    name: 'big',
    layout: path.join(dir, 'oci'),
    archive: path.join(dir, 'big.oci.tar'),
    ...img,
    uncompressed: meta.manifest_digest === img.manifestDigest ? meta.uncompressed : uncompressedSize(img),
    truth: { dpkg: meta.dpkg },
    description: `Debian bookworm minbase + ${meta.added_layers.map((l) => `[${l.packages}]`).join(' + ')}`,
    layerDpkgAdded: meta.layers.map((l) => l.dpkg_added),
  }
}

// ------------------------------------------------------------------ tools
function ensureTime() {
  if (!fs.existsSync(TIME)) aptInstall(['time'])
}

function ensureCdxgen() {
  if (!fs.existsSync(CDXGEN_BIN)) {
    log(
      `installing @cyclonedx/cdxgen into ${path.relative(ROOT, CDXGEN_DIR)} (a few hundred MB, not a project dependency)`,
    )
    fs.mkdirSync(CDXGEN_DIR, { recursive: true })
    const r = spawnSync(
      'npm',
      ['install', '--prefix', CDXGEN_DIR, '--no-audit', '--no-fund', '--loglevel=error', '@cyclonedx/cdxgen'],
      { cwd: CDXGEN_DIR, stdio: ['ignore', 'inherit', 'inherit'] },
    )
    if (r.status !== 0 || !fs.existsSync(CDXGEN_BIN))
      throw new Error(`npm install @cyclonedx/cdxgen failed (exit ${r.status})`)
  }
  return JSON.parse(
    fs.readFileSync(path.join(CDXGEN_DIR, 'node_modules', '@cyclonedx', 'cdxgen', 'package.json'), 'utf8'),
  ).version
}

function cdxgenEnv() {
  return {
    ...process.env,
    FETCH_LICENSE: 'false', // no license look-ups on registries
    CDXGEN_TEMP_DIR: path.join(WORK, 'cdxgen-tmp'),
    NODE_NO_WARNINGS: '1',
  }
}

// ------------------------------------------------------------------ counting
function histogram(items) {
  const h = {}
  for (const k of items) h[k] = (h[k] ?? 0) + 1
  return Object.fromEntries(Object.entries(h).sort((a, b) => b[1] - a[1]))
}

function countShipshape(file) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  return { total: doc.packages.length, byKind: histogram(doc.packages.map((p) => p.kind)) }
}

/** cdxgen also lists files, certificates and apt sources (pkg:generic or no purl): "packages" = the other purls. */
function countCdxgen(file) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  const comps = doc.components ?? []
  const types = comps.map((c) => (typeof c.purl === 'string' ? c.purl.slice(4).split('/')[0] : null))
  const pkgTypes = types.filter((t) => t && t !== 'generic')
  return { total: pkgTypes.length, byType: histogram(pkgTypes), components: comps.length }
}

// ------------------------------------------------------------------ statistics and formatting
const median = (xs) => {
  if (!xs.length) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const ratio = (a, b) => (a != null && b ? Math.round((a / b) * 100) / 100 : null)
const mb = (bytes) => Math.round(bytes / 1e5) / 10
const fmt = (v, digits = 0) =>
  v == null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const kinds = (h) =>
  Object.entries(h ?? {})
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  return rows
    .map((r, ri) =>
      r
        .map((c, i) => (i === 0 || i === r.length - 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
        .join('  ')
        .trimEnd()
        .concat(ri === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
    )
    .join('\n')
}

// ------------------------------------------------------------------ the benchmark of one image
async function benchImage(img, opts, cdxgenVersion) {
  fs.mkdirSync(OUT, { recursive: true })
  const shipOut = path.join(OUT, `${img.name}.shipshape.json`)
  const cdxOut = path.join(OUT, `${img.name}.cdxgen.json`)
  const targets = {
    'shipshape oci-dir': ['sbom', `oci-dir://${img.layout}`, '--format', 'json', '--output', '-', '--quiet'],
    'shipshape archive': ['sbom', `archive://${img.archive}`, '--format', 'json', '--output', '-', '--quiet'],
  }
  const res = {
    floor: { runs: [] },
    'shipshape oci-dir': { runs: [], rssKb: [] },
    'shipshape archive': { runs: [], rssKb: [] },
    cdxgen: { runs: [], rssKb: [] },
  }

  // warm-up (untimed): page cache for blobs and archive, and the one shipshape output that is counted
  log(`${img.name}: warm-up (page cache, package count)`)
  sh(`cat ${img.layers.map((l) => q(l.file)).join(' ')} ${q(img.archive)} >/dev/null`)
  const warm = await run(process.execPath, [
    SHIPSHAPE,
    'sbom',
    `oci-dir://${img.layout}`,
    '--format',
    'json',
    '--output',
    shipOut,
    '--quiet',
  ])
  let shipCount = null
  let shipError = null
  if (warm.code === 0) shipCount = countShipshape(shipOut)
  else shipError = `exit ${warm.code}: ${warm.stderr.trim().slice(-1500)}`

  let cdxRuns = opts.cdxgen ? (opts.cdxgenRuns ?? opts.runs) : 0
  let cdxCount = null
  let cdxError = null
  let cdxNote = null
  const cdxTmp = cdxgenEnv().CDXGEN_TEMP_DIR
  const cdxCwd = path.join(WORK, 'cdxgen-cwd')

  for (let round = 0; round < opts.runs; round++) {
    checkDevNull()
    const f = await run('bash', ['-c', floorScript(img)])
    if (f.code !== 0) throw new Error(`floor failed: ${f.stderr}`)
    res.floor.runs.push(f.ms)
    log(`${img.name} round ${round + 1}/${opts.runs}: floor ${fmt(f.ms)} ms`)

    for (const [label, args] of Object.entries(targets)) {
      if (shipError) continue
      const r = await runRss(process.execPath, [SHIPSHAPE, ...args])
      if (r.code !== 0) {
        res[label].error = `exit ${r.code}: ${r.stderr.trim().slice(-1500)}`
        continue
      }
      res[label].runs.push(r.ms)
      res[label].rssKb.push(r.rssKb)
      log(`${img.name} round ${round + 1}/${opts.runs}: ${label} ${fmt(r.ms)} ms, ${fmt(r.rssKb / 1024)} MB`)
    }

    if (round < cdxRuns && !cdxError) {
      fs.rmSync(cdxTmp, { recursive: true, force: true })
      fs.mkdirSync(cdxTmp, { recursive: true })
      fs.mkdirSync(cdxCwd, { recursive: true })
      fs.rmSync(cdxOut, { force: true })
      log(
        `${img.name} round ${round + 1}/${opts.runs}: cdxgen -t docker ${path.basename(img.archive)} (timeout ${opts.cdxgenTimeout} s)`,
      )
      const r = await runRss(CDXGEN_BIN, ['-t', 'docker', img.archive, '-o', cdxOut], {
        env: cdxgenEnv(),
        cwd: cdxCwd,
        timeoutMs: opts.cdxgenTimeout * 1000,
        captureStdout: true,
      })
      fs.rmSync(cdxTmp, { recursive: true, force: true })
      if (r.timedOut) cdxError = `timed out after ${opts.cdxgenTimeout} s`
      else if (r.code !== 0 || !fs.existsSync(cdxOut))
        cdxError = `exit ${r.code ?? r.signal}: ${(r.stderr.trim() || r.stdout.trim()).slice(-1500)}`
      else {
        res.cdxgen.runs.push(r.ms)
        res.cdxgen.rssKb.push(r.rssKb)
        if (!cdxCount) cdxCount = countCdxgen(cdxOut)
        log(`${img.name} round ${round + 1}/${opts.runs}: cdxgen ${fmt(r.ms)} ms, ${fmt(r.rssKb / 1024)} MB`)
        if (round === 0 && opts.cdxgenRuns === undefined && r.ms > CDXGEN_REPEAT_LIMIT_MS && cdxRuns > 1) {
          cdxRuns = 1
          cdxNote = `one cdxgen run only (it took over ${CDXGEN_REPEAT_LIMIT_MS / 1000} s; --cdxgen-runs N to repeat)`
        }
      }
      if (cdxError) log(`${img.name}: cdxgen failed: ${cdxError.split('\n').slice(-3).join(' | ')}`)
    }
  }
  checkDevNull()

  const floorMs = median(res.floor.runs)
  const shipMs = median(res['shipshape oci-dir'].runs)
  const summary = {}
  for (const [label, r] of Object.entries(res)) {
    const ms = median(r.runs)
    summary[label] = {
      medianMs: ms == null ? null : Math.round(ms),
      runsMs: r.runs.map(Math.round),
      xFloor: ratio(ms, floorMs),
      ...(r.rssKb ? { peakRssMb: r.rssKb.length ? Math.round(Math.max(...r.rssKb) / 1024) : null } : {}),
      ...(r.error ? { error: r.error } : {}),
    }
  }
  summary.cdxgen.xShipshapeOciDir = ratio(median(res.cdxgen.runs), shipMs)
  summary.cdxgen.xShipshapeArchive = ratio(median(res.cdxgen.runs), median(res['shipshape archive'].runs))
  if (cdxError) summary.cdxgen.error = cdxError
  if (cdxNote) summary.cdxgen.note = cdxNote
  if (!opts.cdxgen) summary.cdxgen.note = 'skipped (--no-cdxgen)'
  if (shipError) {
    summary['shipshape oci-dir'].error = shipError
    summary['shipshape archive'].error = shipError
  }
  return {
    image: img.name,
    description: img.description,
    manifestDigest: img.manifestDigest,
    layers: img.layers.length,
    compressedBytes: img.layers.reduce((n, l) => n + l.size, 0),
    uncompressedBytes: img.uncompressed,
    ...(img.layerDpkgAdded ? { dpkgAddedPerLayer: img.layerDpkgAdded } : {}),
    groundTruth: img.truth,
    results: summary,
    packages: {
      shipshape: shipCount,
      cdxgen: cdxCount,
    },
    cdxgenVersion,
  }
}

function printImage(r, opts) {
  const s = r.results
  const head = `${r.image} — ${r.layers} layers, ${fmt(mb(r.uncompressedBytes))} MB uncompressed (${fmt(mb(r.compressedBytes))} MB compressed)`
  const truth = r.groundTruth ? `ground truth: ${kinds(r.groundTruth)}` : ''
  const sp = r.packages.shipshape
  const cp = r.packages.cdxgen
  const rows = [
    ['', `wall ms (median)`, 'runs', '× floor', 'peak RSS MB', 'packages found'],
    ['floor: gzip -dc every layer', fmt(s.floor.medianMs), s.floor.runsMs.length, '1.00', '—', '—'],
    [
      'shipshape sbom oci-dir://',
      fmt(s['shipshape oci-dir'].medianMs),
      s['shipshape oci-dir'].runsMs.length,
      fmt(s['shipshape oci-dir'].xFloor, 2),
      fmt(s['shipshape oci-dir'].peakRssMb),
      sp ? `${sp.total} (${kinds(sp.byKind)})` : 'failed',
    ],
    [
      'shipshape sbom archive://',
      fmt(s['shipshape archive'].medianMs),
      s['shipshape archive'].runsMs.length,
      fmt(s['shipshape archive'].xFloor, 2),
      fmt(s['shipshape archive'].peakRssMb),
      sp ? 'same image' : 'failed',
    ],
    [
      `cdxgen ${r.cdxgenVersion ?? ''} -t docker archive`,
      fmt(s.cdxgen.medianMs),
      s.cdxgen.runsMs.length,
      fmt(s.cdxgen.xFloor, 2),
      fmt(s.cdxgen.peakRssMb),
      cp
        ? `${cp.total} (${kinds(cp.byType)}) + ${cp.components - cp.total} other components`
        : opts.cdxgen
          ? 'failed'
          : 'skipped',
    ],
  ]
  const lines = [
    '',
    head,
    `  ${r.description}`,
    ...(truth ? [`  ${truth}`] : []),
    '',
    table(rows),
    '',
    `cdxgen / shipshape: ${fmt(s.cdxgen.xShipshapeOciDir, 1)}× (oci-dir), ${fmt(s.cdxgen.xShipshapeArchive, 1)}× (archive)   [target ≥ 20×]`,
    `shipshape / floor:  ${fmt(s['shipshape oci-dir'].xFloor, 2)}× (oci-dir), ${fmt(s['shipshape archive'].xFloor, 2)}× (archive)   [target ≤ 1.0×]`,
    `shipshape peak RSS: ${fmt(s['shipshape oci-dir'].peakRssMb)} MB (oci-dir), ${fmt(s['shipshape archive'].peakRssMb)} MB (archive)   [target < 256 MB on ≥ 1 GB]`,
  ]
  for (const [label, v] of Object.entries(s)) {
    if (v.note) lines.push(`note (${label}): ${v.note}`)
    if (v.error) lines.push(`FAILED (${label}): ${v.error}`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

// ------------------------------------------------------------------ main
async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const wanted = opts.only ?? ['lang-app', 'big']
  checkDevNull()
  fs.mkdirSync(WORK, { recursive: true })
  ensureTime()
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js')))
    throw new Error('dist/ is missing: npm run build first')

  const images = []
  if (wanted.includes('lang-app')) images.push(ensureLangApp())
  if (wanted.includes('big')) images.push(ensureBig())
  if (images.some((i) => i.layers.some((l) => l.mediaType.endsWith('+zstd'))) && !have('zstd')) aptInstall(['zstd'])

  let cdxgenVersion = null
  if (opts.cdxgen) {
    try {
      cdxgenVersion = ensureCdxgen()
    } catch (e) {
      log(`cdxgen unavailable: ${e.message}`)
      opts.cdxgen = false
    }
  }

  // CLI start, as a side figure (DESIGN.md: `shipshape --version` under 150 ms)
  const starts = []
  for (let i = 0; i < Math.max(opts.runs, 5); i++)
    starts.push((await run(process.execPath, [SHIPSHAPE, '--version'])).ms)

  const results = []
  for (const img of images) results.push(await benchImage(img, opts, cdxgenVersion))

  const git = sh('git rev-parse --short HEAD && git status --porcelain --untracked-files=no | wc -l')
  const [commit, dirty] = git.stdout.trim().split('\n')
  const report = {
    date: new Date().toISOString(),
    commit: commit ?? null,
    dirtyFiles: Number(dirty ?? 0),
    machine: {
      cpus: os.availableParallelism?.() ?? os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    runs: opts.runs,
    rssMethod: '/usr/bin/time -f %M (max RSS of the largest process, KB, from wait4)',
    cliStartMs: Math.round(median(starts)),
    images: results,
  }

  process.stdout.write(
    `shipshape SBOM benchmark — ${report.date.slice(0, 16)}Z, commit ${report.commit}${report.dirtyFiles ? ` (+${report.dirtyFiles} modified files)` : ''}, ` +
      `${report.machine.cpus} CPUs, node ${report.machine.node}, ${opts.runs} runs (median), RSS by ${TIME} -f %M\n` +
      `CLI start (shipshape --version): ${report.cliStartMs} ms median   [target < 150 ms]\n`,
  )
  for (const r of results) printImage(r, opts)

  const resultsDir = path.join(BENCH, 'results')
  fs.mkdirSync(resultsDir, { recursive: true })
  const file = path.join(resultsDir, `${report.date.slice(0, 10)}-sbom.json`)
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(`\nwritten: ${path.relative(ROOT, file)}\n`)
}

main().catch((e) => {
  process.stderr.write(`sbom.mjs: ${e.message}\n`)
  process.exit(1)
})
