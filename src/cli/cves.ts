import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  applySuppressions,
  buildReport,
  DEFAULT_POLICY_FILE,
  imagePurlsOf,
  loadPolicy,
  loadVex,
  severityCounts,
} from '../analysis/index.js'
import { ShipshapeError } from '../internal/index.js'
import type { Finding, PackageKind, Report, SeverityLevel } from '../model/index.js'
import {
  formatGitlab,
  formatJson,
  formatMarkdown,
  formatOnlyPackages,
  formatPackages,
  formatSarif,
} from '../output/index.js'
import { SbomCache } from '../sbom/cache.js'
import { cacheDir, parseDuration } from '../vulndb/index.js'
import type { Io } from './main.js'
import { writeAllOrNothing } from './output-files.js'
import { TYPE_ALIASES } from './sbom.js'
import { openDb, sbomFor } from './scan.js'

const FORMATS = {
  packages: { ext: '.txt', encode: formatPackages },
  'only-packages': { ext: '.packages.txt', encode: formatOnlyPackages },
  json: { ext: '.json', encode: formatJson },
  sarif: { ext: '.sarif.json', encode: formatSarif },
  markdown: { ext: '.md', encode: formatMarkdown },
  gitlab: { ext: '.gitlab.json', encode: formatGitlab },
} as const

const LETTERS: Record<string, SeverityLevel> = { c: 'critical', h: 'high', m: 'medium', l: 'low', u: 'unspecified' }

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
    // Every finding is marked base or own when the base layers are known; --only-base/--ignore-base keep one side.
    const { existingCatalogue, splitFindings } = await import('./base.js')
    const { detectBase, markBase } = await import('../analysis/index.js')
    const catalogue = existingCatalogue(opts)
    let full = buildReport(sbom, db)
    try {
      const base = detectBase(sbom, catalogue)
      full = markBase(full, base)
      if (opts.onlyBase === true && opts.ignoreBase === true)
        throw new ShipshapeError('USAGE', '--only-base and --ignore-base exclude each other')
      if (opts.onlyBase === true || opts.ignoreBase === true)
        full = { ...full, findings: splitFindings(full, base, opts.onlyBase ? 'base' : 'own') }
    } finally {
      catalogue?.close()
    }
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
  const { baseView, existingCatalogue, writeQuickview } = await import('./base.js')
  const db = openDb(opts)
  const catalogue = existingCatalogue(opts)
  try {
    const sbom = await sbomFor(image, opts, io)
    const report = buildReport(sbom, db)
    writeQuickview(report, baseView(sbom, catalogue, db), opts, io)
    return 0
  } finally {
    catalogue?.close()
    db.close()
  }
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`
}

export async function runCacheDf(opts: Record<string, unknown>, io: Io): Promise<number> {
  const { blobCacheDf } = await (await import('../image/index.js')).loadRegistry()
  const root = cacheDir(opts.cacheDir as string | undefined)
  const df = new SbomCache(join(root, 'sbom')).df()
  const blobs = blobCacheDf(root)
  io.stdout.write(
    opts.format === 'json'
      ? `${JSON.stringify({ ...df, blobs }, null, 2)}\n`
      : `SBOM cache: ${df.path}\n  ${df.entries} images, ${mb(df.bytes)}${df.oldest ? `, last used ${df.oldest} … ${df.newest}` : ''}\n` +
          `Blob cache: ${blobs.path}\n  ${blobs.entries} blobs, ${mb(blobs.bytes)}\n`,
  )
  return 0
}

export async function runCachePrune(opts: Record<string, unknown>, io: Io): Promise<number> {
  const { blobCachePrune } = await (await import('../image/index.js')).loadRegistry()
  const root = cacheDir(opts.cacheDir as string | undefined)
  const cache = new SbomCache(join(root, 'sbom'))
  const olderThanMs = typeof opts.olderThan === 'string' ? parseDuration(opts.olderThan, '--older-than') : undefined
  const how = {
    all: opts.all === true || olderThanMs === undefined,
    ...(olderThanMs !== undefined ? { olderThanMs } : {}),
  }
  const r = opts.blobs === true ? { removed: 0, bytes: 0 } : cache.prune(how)
  const b = opts.sboms === true ? { removed: 0, bytes: 0 } : blobCachePrune(root, how)
  if (opts.quiet !== true)
    io.stdout.write(
      `removed ${r.removed} cached SBOMs (${mb(r.bytes)}) and ${b.removed} cached blobs (${mb(b.bytes)})\n`,
    )
  return 0
}
