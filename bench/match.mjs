// Matching benchmark (not a test): the lang-app SBOM and a synthetic 2,000-package SBOM matched against a DB
// built from the fixture feeds (warm, in process), and end-to-end `shipshape cves` on lang-app.
//   npm run build && node bench/match.mjs
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildReport } from '../dist/src/analysis/index.js'
import { openSource, parseImageRef } from '../dist/src/image/index.js'
import { matchSbom } from '../dist/src/match/index.js'
import { generateSbom } from '../dist/src/sbom/index.js'
import { dbPath, StoreReader } from '../dist/src/vulndb/index.js'
import { FIXTURE_FEEDS } from '../scripts/fixture-feeds.mjs'

const root = resolve(import.meta.dirname, '..')
const images = process.env.SHIPSHAPE_IMAGES ?? join(root, '.cache', 'images')
const cache = join(root, 'bench', '.work', 'match-db')
const feeds = FIXTURE_FEEDS
const u = spawnSync(
  process.execPath,
  [join(root, 'bin/shipshape.js'), 'db', 'update', '--quiet', '--cache-dir', cache, ...feeds],
  { encoding: 'utf8' },
)
if (u.status !== 0) throw new Error(u.stderr)
const db = new StoreReader(dbPath(cache))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const time = (fn, runs = 7) => {
  fn()
  const t = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    fn()
    t.push(performance.now() - t0)
  }
  return +median(t).toFixed(1)
}

const langApp = await generateSbom(await openSource(parseImageRef(`oci-dir://${join(images, 'oci', 'lang-app')}`)))
const langMs = time(() => matchSbom(langApp, db))
const langFindings = matchSbom(langApp, db).findings.length

// 2,000 packages drawn from the DB's own (namespace, package) pairs, so every one is looked up and compared.
const pairs = db['db'].prepare('SELECT DISTINCT namespace, package FROM affected ORDER BY namespace, package').all()
const KIND = {
  npm: 'npm',
  pypi: 'python',
  go: 'go-module',
  'crates.io': 'rust-crate',
  rubygems: 'gem',
  maven: 'java',
  'debian:12': 'deb',
}
const VERSION = {
  npm: '1.0.0',
  pypi: '1.0',
  go: 'v1.0.0',
  'crates.io': '0.1.0',
  rubygems: '1.0',
  maven: '1.0',
  'debian:12': '1.0-1',
}
const usable = pairs.filter((p) => KIND[p.namespace])
// Every advisory package several times over (as many images carry the same libraries) up to 2,000 packages.
const picked = Array.from({ length: 2000 }, (_, i) => usable[i % usable.length])
const packages = picked.map((p, i) => {
  const loc = { path: '/synthetic', layerIndex: 0 }
  const kind = KIND[p.namespace]
  const purl =
    kind === 'java'
      ? `pkg:maven/${p.package.replace(':', '/')}@1.0`
      : `pkg:generic/${encodeURIComponent(p.package)}@${VERSION[p.namespace]}`
  const metadata =
    kind === 'deb'
      ? { kind, architecture: 'amd64', source: p.package, sourceVersion: VERSION[p.namespace], files: [] }
      : { kind }
  return {
    id: `p${i}`,
    name: p.package,
    version: VERSION[p.namespace],
    kind,
    purl,
    introducedIn: loc,
    lastChangedIn: loc,
    locations: [loc],
    foundBy: 'bench/1',
    source: { name: p.package, version: VERSION[p.namespace] },
    metadata,
  }
})
const synthetic = { ...langApp, distro: { id: 'debian', versionId: '12', idLike: [], source: 'bench' }, packages }
// Cold: a fresh reader, so nothing is memoised yet; warm: the same reader again (as a server would).
const coldDb = new StoreReader(dbPath(cache))
let t0 = performance.now()
matchSbom(synthetic, coldDb)
const synColdMs = +(performance.now() - t0).toFixed(1)
coldDb.close()
const synMs = time(() => matchSbom(synthetic, db))
const synFindings = matchSbom(synthetic, db).findings.length
// The same 2,000 packages at versions newer than every advisory: every lookup and comparison, few findings.
const HIGH = {
  npm: '999.0.0',
  pypi: '999.0',
  go: 'v999.0.0',
  'crates.io': '999.0.0',
  rubygems: '999.0',
  maven: '999.0',
  'debian:12': '999:1.0-1',
}
const patched = {
  ...synthetic,
  packages: packages.map((p, i) => {
    const ns = picked[i].namespace
    const m = p.metadata.kind === 'deb' ? { ...p.metadata, sourceVersion: HIGH[ns] } : p.metadata
    return { ...p, version: HIGH[ns], source: { name: p.name, version: HIGH[ns] }, metadata: m }
  }),
}
const patchedMs = time(() => matchSbom(patched, db))
const patchedFindings = matchSbom(patched, db).findings.length
t0 = 0

const cves = (extra) => {
  const t0 = performance.now()
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'bin/shipshape.js'),
      'cves',
      `oci-dir://${join(images, 'oci', 'lang-app')}`,
      '--cache-dir',
      cache,
      '--format',
      'json',
      '--quiet',
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  )
  if (r.status !== 0 && r.status !== 2) throw new Error(r.stderr)
  return performance.now() - t0
}
// First run: the layers are read (`--no-cache`); cached: the SBOM comes from the cache, no layer is read.
const first = [0, 1, 2].map(() => cves(['--no-cache']))
cves([])
const cached = [0, 1, 2].map(() => cves([]))
db.close()
const out = {
  date: new Date().toISOString(),
  langApp: { packages: langApp.packages.length, findings: langFindings, matchMs: langMs },
  synthetic: {
    packages: packages.length,
    findings: synFindings,
    coldMs: synColdMs,
    warmMs: synMs,
    targetMs: 100,
    note: 'every package at version 1.0: nearly every advisory matches',
  },
  syntheticPatched: {
    packages: packages.length,
    findings: patchedFindings,
    warmMs: patchedMs,
    targetMs: 100,
    note: 'same packages, versions past every fix',
  },
  cvesLangAppEndToEndMs: { firstRun: Math.round(median(first)), cachedRun: Math.round(median(cached)) },
  reportBuildMs: time(() => buildReport(langApp, new StoreReader(dbPath(cache))), 3),
}
console.log(JSON.stringify(out, null, 2))
mkdirSync(join(root, 'bench', 'results'), { recursive: true })
writeFileSync(
  join(root, 'bench', 'results', `${out.date.slice(0, 10)}-match.json`),
  `${JSON.stringify(out, null, 2)}\n`,
)
