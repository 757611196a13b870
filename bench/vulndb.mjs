// Vulnerability DB benchmark (not a test): import rate, DB size and lookup latency, on the whole databases in
// shared/vulndata/bench (all of Go vulndb, PyPA, RustSec, rubysec and EPSS). Prints figures; asserts nothing.
//   npm run build && node bench/vulndb.mjs [--runs N] [--shared DIR]
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { StoreReader } from '../dist/src/vulndb/index.js'

const args = process.argv.slice(2)
const opt = (name, d) => {
  const i = args.indexOf(name)
  return i === -1 ? d : args[i + 1]
}
const runs = Number(opt('--runs', '3'))
const shared = resolve(opt('--shared', '../shared'))
const B = join(shared, 'vulndata', 'bench')
const work = resolve('bench/.work/vulndb')
mkdirSync(work, { recursive: true })

const feeds = [
  ['osv', join(B, 'golang-vulndb/data/osv')],
  ['osv', join(B, 'pypa-advisory-database/vulns')],
  ['osv', join(B, 'rustsec-advisory-db-osv/crates')],
  ['rubysec', join(B, 'ruby-advisory-db/gems')],
  ['epss', join(B, 'epss-emba/EPSS_CVE_data')],
]
const flags = feeds.flatMap(([n, p]) => ['--feed', `${n}=${p}`])
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const times = []
let result
for (let i = 0; i < runs; i++) {
  const cache = join(work, `cache-${i}`)
  rmSync(cache, { recursive: true, force: true })
  const t0 = performance.now()
  const r = spawnSync(
    process.execPath,
    ['bin/shipshape.js', 'db', 'update', '--cache-dir', cache, '--only', 'osv,rubysec,epss', ...flags],
    {
      encoding: 'utf8',
    },
  )
  times.push(performance.now() - t0)
  if (r.status !== 0) throw new Error(r.stderr)
  result = cache
}
const status = JSON.parse(
  spawnSync(process.execPath, ['bin/shipshape.js', 'db', 'status', '--cache-dir', result, '--format', 'json'], {
    encoding: 'utf8',
  }).stdout,
)
const records = status.feeds.reduce((s, f) => s + f.records, 0)
const advisories = status.feeds.filter((f) => f.name !== 'epss').reduce((s, f) => s + f.records, 0)
const size = statSync(join(result, 'db', 'vulnerability.db')).size

// Lookup latency: 2,000 (namespace, name) pairs, half present in the DB, half absent, warm.
const db = new StoreReader(join(result, 'db', 'vulnerability.db'))
const present = db.perNamespace().flatMap(({ namespace }) => {
  const rows = db['db'].prepare('SELECT DISTINCT package FROM affected WHERE namespace = ? LIMIT 400').all(namespace)
  return rows.map((r) => [namespace, r.package])
})
const pairs = []
for (let i = 0; pairs.length < 2000; i++) {
  const p = present[i % present.length]
  pairs.push(i % 2 === 0 ? p : [p[0], `${p[1]}-not-there-${i}`])
}
for (const [ns, name] of pairs) db.affected(ns, name)
const lookups = []
for (let r = 0; r < 5; r++) {
  const t0 = performance.now()
  let hits = 0
  for (const [ns, name] of pairs) hits += db.affected(ns, name).length
  lookups.push({ ms: performance.now() - t0, hits })
}
db.close()

const ms = median(times)
const out = {
  date: new Date().toISOString(),
  runs,
  feeds: status.feeds.map((f) => ({ name: f.name, records: f.records, skipped: f.skipped })),
  records,
  advisories,
  importMedianMs: Math.round(ms),
  recordsPerSecond: Math.round(records / (ms / 1000)),
  advisoriesPerSecond: Math.round(advisories / (ms / 1000)),
  dbBytes: size,
  mbPer10kRecords: +((size / 1048576 / records) * 10000).toFixed(2),
  mbPer10kAdvisories: +((size / 1048576 / advisories) * 10000).toFixed(2),
  lookup2000: {
    medianMs: +median(lookups.map((l) => l.ms)).toFixed(2),
    perLookupUs: +((median(lookups.map((l) => l.ms)) / 2000) * 1000).toFixed(1),
    rowsFound: lookups[0].hits,
  },
}
console.log(JSON.stringify(out, null, 2))
mkdirSync('bench/results', { recursive: true })
writeFileSync(`bench/results/${out.date.slice(0, 10)}-vulndb.json`, `${JSON.stringify(out, null, 2)}\n`)
