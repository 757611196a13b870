// The cost of language cataloging (not a test): `shipshape sbom` on lang-app with every cataloger against the
// OS catalogers only (`--only-package-type deb`), interleaved, median of N runs.
//   npm run build && node bench/catalogers.mjs [--runs N]
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5)
const image = `oci-dir://${join(process.env.SHIPSHAPE_IMAGES ?? join(root, '.cache', 'images'), 'oci', 'lang-app')}`
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const cases = {
  'os only': ['--only-package-type', 'deb,apk,rpm'],
  'all catalogers': [],
}
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
const counts = {}
for (let i = 0; i < runs; i++) {
  for (const [name, extra] of Object.entries(cases)) {
    const t0 = performance.now()
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin/shipshape.js'), 'sbom', image, '--format', 'json', '-o', '-', '--quiet', ...extra],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    )
    times[name].push(performance.now() - t0)
    if (r.status !== 0) throw new Error(r.stderr)
    counts[name] = JSON.parse(r.stdout).packages.length
  }
}
const os = median(times['os only'])
const all = median(times['all catalogers'])
const out = {
  date: new Date().toISOString(),
  runs,
  osOnly: { medianMs: Math.round(os), packages: counts['os only'] },
  all: { medianMs: Math.round(all), packages: counts['all catalogers'] },
  ratio: +(all / os).toFixed(2),
}
console.log(JSON.stringify(out, null, 2))
mkdirSync(join(root, 'bench', 'results'), { recursive: true })
writeFileSync(
  join(root, 'bench', 'results', `${out.date.slice(0, 10)}-catalogers.json`),
  `${JSON.stringify(out, null, 2)}\n`,
)
