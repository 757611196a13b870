import { buildReport, type Comparison, compareReports, omitUnchanged } from '../analysis/index.js'
import { ShipshapeError } from '../internal/index.js'
import type { Report } from '../model/index.js'
import { formatCompareJson, formatCompareMarkdown, formatCompareText } from '../output/index.js'
import { filterFindings } from './cves.js'
import type { Io } from './main.js'
import { writeAllOrNothing } from './output-files.js'
import { openDb, sbomFor } from './scan.js'

const FORMATS: Record<string, (c: Comparison) => string> = {
  text: formatCompareText,
  markdown: formatCompareMarkdown,
  json: formatCompareJson,
}

const EXIT_ON = ['vulnerability', 'package'] as const
type ExitOn = (typeof EXIT_ON)[number]

/** `--only-severity` on one report: the findings and the counts that follow from them. */
function onlySeverity(r: Report, levels: string[] | undefined): Report {
  if (!levels) return r
  return { ...r, findings: filterFindings(r.findings, { onlySeverity: levels }) }
}

/**
 * `compare IMAGE --to OTHER`: both analysed with the same DB, then compared; stdout or `-o FILE` (all or nothing).
 * Returns 2 when an `-x/--exit-on` condition holds: `vulnerability` (the image has vulnerabilities OTHER lacks,
 * or more of some severity), `package` (any package added, removed or changed).
 */
export async function runCompare(image: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const format = typeof opts.format === 'string' ? opts.format : 'text'
  const encode = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined
  if (!encode)
    throw new ShipshapeError(
      'USAGE',
      `unknown --format ${JSON.stringify(format)}; use ${Object.keys(FORMATS).join(', ')}`,
    )
  const exitOn = ((opts.exitOn as string[] | undefined) ?? []).map((x) => {
    const v = x.toLowerCase()
    if (!(EXIT_ON as readonly string[]).includes(v))
      throw new ShipshapeError('USAGE', `unknown --exit-on ${JSON.stringify(x)}; use ${EXIT_ON.join(', ')}`)
    return v as ExitOn
  })
  const to = opts.to
  if (typeof to !== 'string' || to === '') throw new ShipshapeError('USAGE', 'compare needs --to IMAGE')
  const levels = opts.onlySeverity as string[] | undefined
  filterFindings([], { onlySeverity: levels }) // a bad --only-severity fails before any image is read
  const db = openDb(opts)
  try {
    const target = onlySeverity(buildReport(await sbomFor(image, opts, io), db), levels)
    const baseline = onlySeverity(buildReport(await sbomFor(to, opts, io), db), levels)
    let comparison = compareReports(target, baseline)
    if (opts.ignoreUnchanged === true) comparison = omitUnchanged(comparison)
    const content = encode(comparison)
    if (opts.quiet !== true)
      for (const [side, r] of [
        ['image', target],
        ['--to', baseline],
      ] as const)
        for (const w of r.warnings) io.stderr.write(`shipshape: warning (${side}): ${w}\n`)
    const out = opts.output
    if (typeof out === 'string' && out !== '-') writeAllOrNothing([{ path: out, content }])
    else io.stdout.write(content)
    return exitOn.some((x) => comparison.worse[x]) ? 2 : 0
  } finally {
    db.close()
  }
}
