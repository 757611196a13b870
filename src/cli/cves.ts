import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  applySuppressions,
  buildReport,
  DEFAULT_POLICY_FILE,
  imagePurlsOf,
  labelledBaseImage,
  loadPolicy,
  loadVex,
  severityCounts,
} from '../analysis/index.js'
import { openSource, parseImageRef } from '../image/index.js'
import { ShipshapeError } from '../internal/index.js'
import type { Finding, PackageKind, Report, Sbom, SeverityLevel } from '../model/index.js'
import {
  formatGitlab,
  formatJson,
  formatMarkdown,
  formatOnlyPackages,
  formatPackages,
  formatQuickview,
  formatSarif,
} from '../output/index.js'
import { generateSbomCached, SbomCache } from '../sbom/cache.js'
import { decodeSbom } from '../sbom/index.js'
import { cacheDir, dbPath, parseDuration, StoreReader } from '../vulndb/index.js'
import type { Io } from './main.js'
import { writeAllOrNothing } from './output-files.js'
import { plainProgress, terminalProgress } from './progress.js'
import { parsePlatformFlag, TYPE_ALIASES } from './sbom.js'

const FORMATS = {
  packages: { ext: '.txt', encode: formatPackages },
  'only-packages': { ext: '.packages.txt', encode: formatOnlyPackages },
  json: { ext: '.json', encode: formatJson },
  sarif: { ext: '.sarif.json', encode: formatSarif },
  markdown: { ext: '.md', encode: formatMarkdown },
  gitlab: { ext: '.gitlab.json', encode: formatGitlab },
} as const

const LETTERS: Record<string, SeverityLevel> = { c: 'critical', h: 'high', m: 'medium', l: 'low', u: 'unspecified' }

async function sbomFor(image: string, opts: Record<string, unknown>, io: Io): Promise<Sbom> {
  const ref = parseImageRef(image)
  if (ref.kind === 'sbom') {
    const d = decodeSbom(readFileSync(ref.path, 'utf8'), { ref: ref.raw })
    if (!d.ok) throw new ShipshapeError('NOT_AN_IMAGE', d.error, { where: ref.path })
    return d.sbom
  }
  const platform = parsePlatformFlag(opts.platform)
  const interactive = opts.quiet !== true && io.stderr.isTTY === true
  let totals = { layers: 0, bytes: 0 }
  const progress = interactive
    ? terminalProgress(io.stderr, () => totals)
    : plainProgress(io.stderr, opts.debug === true)
  progress.stage('Resolving image')
  const source = await openSource(ref, platform ? { platform } : {})
  if (source.kind === 'image')
    totals = { layers: source.image.layers.length, bytes: source.image.layers.reduce((n, l) => n + l.size, 0) }
  // SBOMs of images are kept by image digest and cataloger versions: a second scan reads no layer.
  const cache =
    opts.cache === false ? undefined : new SbomCache(join(cacheDir(opts.cacheDir as string | undefined), 'sbom'))
  try {
    const r = await generateSbomCached(
      source,
      {
        onProgress: (i, done) => progress.layer(i, done, 0),
        onStage: (s) => progress.stage(s === 'reading' ? 'Reading layers' : 'Cataloging packages'),
      },
      cache,
    )
    if (r.storeError) progress.warn(`SBOM not cached: ${r.storeError}`)
    return r.sbom
  } finally {
    progress.done()
  }
}

function openDb(opts: Record<string, unknown>): StoreReader {
  const path = dbPath(cacheDir(opts.cacheDir as string | undefined))
  try {
    return new StoreReader(path)
  } catch (e) {
    if (e instanceof ShipshapeError && /unable to open|does not exist|SQLITE_CANTOPEN/i.test(e.message)) {
      throw new ShipshapeError(
        'DB_MISSING',
        'no vulnerability DB yet; run `shipshape db update` (or `db import FILE`)',
        { where: path },
      )
    }
    throw e
  }
}

/** Scout's filters, applied to findings after matching. */
export function filterFindings(findings: Finding[], opts: Record<string, unknown>): Finding[] {
  let out = findings
  const sev = opts.onlySeverity as string[] | undefined
  if (sev) {
    const levels = sev.map((s) => {
      const l =
        LETTERS[s.toLowerCase()[0] ?? ''] ??
        (Object.values(LETTERS).includes(s.toLowerCase() as SeverityLevel)
          ? (s.toLowerCase() as SeverityLevel)
          : undefined)
      if (!l)
        throw new ShipshapeError(
          'USAGE',
          `--only-severity takes c, h, m, l, u (or critical, high, …), not ${JSON.stringify(s)}`,
        )
      return l
    })
    out = out.filter((f) => levels.includes(f.severity.level))
  }
  if (opts.onlyFixed && opts.onlyUnfixed)
    throw new ShipshapeError('USAGE', '--only-fixed and --only-unfixed exclude each other')
  if (opts.onlyFixed) out = out.filter((f) => f.fix.state === 'fixed')
  if (opts.onlyUnfixed) out = out.filter((f) => f.fix.state !== 'fixed')
  const types = opts.onlyPackageType as string[] | undefined
  if (types) {
    const kinds = types.map((t) => {
      const k = TYPE_ALIASES[t.toLowerCase()]
      if (!k) throw new ShipshapeError('USAGE', `unknown --only-package-type ${JSON.stringify(t)}`)
      return k
    }) as PackageKind[]
    out = out.filter((f) => kinds.includes(f.package.kind))
  }
  const ids = opts.onlyCveId as string[] | undefined
  if (ids) out = out.filter((f) => ids.includes(f.id) || f.aliases.some((a) => ids.includes(a)))
  if (opts.onlyCisaKev) out = out.filter((f) => f.kev !== undefined)
  const minScore = opts.epssScore === undefined ? undefined : Number(opts.epssScore)
  const minPct = opts.epssPercentile === undefined ? undefined : Number(opts.epssPercentile)
  for (const [flag, v] of [
    ['--epss-score', minScore],
    ['--epss-percentile', minPct],
  ] as const) {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new ShipshapeError('USAGE', `${flag} takes a number from 0 to 1`)
  }
  if (minScore !== undefined) out = out.filter((f) => (f.epss?.score ?? -1) >= minScore)
  if (minPct !== undefined) out = out.filter((f) => (f.epss?.percentile ?? -1) >= minPct)
  if (typeof opts.onlyPackage === 'string') {
    let re: RegExp
    try {
      re = new RegExp(opts.onlyPackage)
    } catch (e) {
      throw new ShipshapeError('USAGE', `--only-package is not a regular expression: ${(e as Error).message}`)
    }
    out = out.filter((f) => re.test(f.package.name))
  }
  return out
}

/** Counts leave suppressed findings out: they are shown, marked, unless --ignore-suppressed hides them. */
function withFindings(r: Report, findings: Finding[]): Report {
  const live = findings.filter((f) => !f.suppressed)
  const c = severityCounts(live)
  return {
    ...r,
    findings,
    summary: { ...c, packages: r.summary.packages, vulnerablePackages: new Set(live.map((f) => f.package.id)).size },
  }
}

/** `--policy FILE` (default `.shipshape.yaml` in the working directory when present) and `--vex FILE…`. */
function suppress(r: Report, opts: Record<string, unknown>, now = new Date()): Report {
  const policyFile =
    typeof opts.policy === 'string' ? opts.policy : existsSync(DEFAULT_POLICY_FILE) ? DEFAULT_POLICY_FILE : undefined
  const vexFiles = (opts.vex as string[] | undefined) ?? []
  if (!policyFile && vexFiles.length === 0) return r
  const res = applySuppressions(r.findings, {
    ...(policyFile ? { policy: loadPolicy(policyFile) } : {}),
    vex: vexFiles.map((f) => loadVex(f)),
    now,
    imagePurls: imagePurlsOf(r.sbom.target),
  })
  const warnings = [
    ...r.warnings,
    ...res.expired.map(
      (e) => `expired exception for ${e.id} (${e.expires}, ${e.source}) no longer applies: ${e.reason}`,
    ),
  ]
  const findings = opts.ignoreSuppressed ? res.findings.filter((f) => !f.suppressed) : res.findings
  return { ...withFindings(r, findings), warnings }
}

export async function runCves(image: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const formats = ((opts.format as string[] | undefined) ?? ['packages']).map((f) => {
    if (!(f in FORMATS))
      throw new ShipshapeError('USAGE', `unknown --format ${JSON.stringify(f)}; use ${Object.keys(FORMATS).join(', ')}`)
    return f as keyof typeof FORMATS
  })
  const unique = [...new Set(formats)]
  if (unique.length > 1 && !opts.output)
    throw new ShipshapeError('USAGE', 'several formats need --output FILE (one file is written per format)')
  const db = openDb(opts)
  try {
    const sbom = await sbomFor(image, opts, io)
    const full = buildReport(sbom, db)
    let report = suppress(withFindings(full, filterFindings(full.findings, opts)), opts)
    // --only-vuln-packages: the package tables list only packages that have findings left.
    if (opts.onlyVulnPackages) {
      const vulnerable = new Set(report.findings.map((f) => f.package.id))
      report = {
        ...report,
        sbom: { ...report.sbom, packages: report.sbom.packages.filter((p) => vulnerable.has(p.id)) },
      }
    }
    // --output DIR (an existing directory, or a path ending in /) gets `cves<ext>` per format inside it.
    const out = opts.output as string | undefined
    const dir = out !== undefined && (out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory()))
    const outputs = unique.map((f) => ({
      path: dir
        ? join(out as string, `cves${FORMATS[f].ext}`)
        : unique.length === 1
          ? out
          : `${String(out).replace(/\.json$/, '')}${FORMATS[f].ext}`,
      content:
        f === 'packages'
          ? formatPackages(report, { locations: opts.locations === true, epss: opts.epss === true })
          : FORMATS[f].encode(report),
    }))
    if (dir) mkdirSync(out as string, { recursive: true })
    writeAllOrNothing(
      outputs.filter((o): o is { path: string; content: string } => o.path !== undefined && o.path !== '-'),
    )
    for (const o of outputs) if (o.path === undefined || o.path === '-') io.stdout.write(o.content)
    return opts.exitCode && report.findings.some((f) => !f.suppressed) ? 2 : 0
  } finally {
    db.close()
  }
}

export async function runQuickview(image: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const db = openDb(opts)
  try {
    const sbom = await sbomFor(image, opts, io)
    const report = buildReport(sbom, db)
    io.stdout.write(formatQuickview(report, labelledBaseImage(sbom)))
    return 0
  } finally {
    db.close()
  }
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`
}

export async function runCacheDf(opts: Record<string, unknown>, io: Io): Promise<number> {
  const df = new SbomCache(join(cacheDir(opts.cacheDir as string | undefined), 'sbom')).df()
  io.stdout.write(
    opts.format === 'json'
      ? `${JSON.stringify(df, null, 2)}\n`
      : `SBOM cache: ${df.path}\n  ${df.entries} images, ${mb(df.bytes)}${df.oldest ? `, last used ${df.oldest} … ${df.newest}` : ''}\n`,
  )
  return 0
}

export async function runCachePrune(opts: Record<string, unknown>, io: Io): Promise<number> {
  const cache = new SbomCache(join(cacheDir(opts.cacheDir as string | undefined), 'sbom'))
  const olderThanMs = typeof opts.olderThan === 'string' ? parseDuration(opts.olderThan, '--older-than') : undefined
  const r = cache.prune({
    all: opts.all === true || olderThanMs === undefined,
    ...(olderThanMs !== undefined ? { olderThanMs } : {}),
  })
  if (opts.quiet !== true) io.stdout.write(`removed ${r.removed} cached SBOMs (${mb(r.bytes)})\n`)
  return 0
}
