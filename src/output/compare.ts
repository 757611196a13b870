import {
  COMPARISON_SCHEMA_VERSION,
  type ComparedImage,
  type Comparison,
  type PackageDelta,
  type VulnerabilityRef,
} from '../analysis/index.js'
import { SEVERITY_LETTER, SEVERITY_ORDER, type SeverityCounts } from '../model/index.js'
import { humanSize, mdCell, mdCode, titleCase } from './common.js'

/*
 * Layout of `compare`, after Docker Scout's `docker scout compare` (alias `diff`): its reference page
 * (docs.docker.com/reference/cli/docker/scout/compare, docker/scout-cli docs/scout_compare.md) gives the command,
 * the flags and the text/markdown/json formats but no sample output, so the text layout follows the tables Scout's
 * CLI prints elsewhere, seen in public transcripts: the `## Overview` table of `docker scout cves` (label column,
 * `│`, one column per image — here "Analyzed Image" and "Comparison Image" —, the `target`, `digest`, `tag`,
 * `platform`, `vulnerabilities`, `size`, `packages` rows, counts as `   12H` fields), the delta row under the
 * counts of `docker scout quickview` (signed numbers under each letter, a blank cell for no change), and then a
 * `## Packages and Vulnerabilities` section with the `+`/`-`/`↑`/`↓` package counts and one row per package with
 * its vulnerability delta.
 */

function count(n: number, letter: string): string {
  return `${String(n).padStart(5)}${letter}`
}

/** Scout's severity fields: `    3C    12H     0M     1L     0?`. */
function counts(c: SeverityCounts): string {
  return SEVERITY_ORDER.map((l) => count(c[l], SEVERITY_LETTER[l])).join(' ')
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n)
}

/** The delta row: each signed number under its letter; no change is a blank cell. */
function deltaRow(d: SeverityCounts): string {
  return SEVERITY_ORDER.map((l) => (d[l] === 0 ? '' : signed(d[l])).padStart(6)).join(' ')
}

/** Compact per-package delta: `+1C -2H` (empty when nothing changed). */
function compactDelta(d: SeverityCounts): string {
  return SEVERITY_ORDER.filter((l) => d[l] !== 0)
    .map((l) => `${signed(d[l])}${SEVERITY_LETTER[l]}`)
    .join(' ')
}

/** Compact counts: `1C 2H` (only the non-zero levels; empty for none). */
function compactCounts(c: SeverityCounts): string {
  return SEVERITY_ORDER.filter((l) => c[l] !== 0)
    .map((l) => `${c[l]}${SEVERITY_LETTER[l]}`)
    .join(' ')
}

function sizeDelta(n: number): string {
  return n === 0 ? '' : ` (${n > 0 ? '+' : '-'}${humanSize(Math.abs(n))})`
}

function numberDelta(n: number): string {
  return n === 0 ? '' : ` (${signed(n)})`
}

function imageName(i: ComparedImage): string {
  return i.name ? `${i.name}${i.tags[0] ? `:${i.tags[0]}` : ''}` : i.ref
}

function shortDigest(d: string | undefined): string {
  return d ? d.replace(/^sha256:/, '').slice(0, 12) : ''
}

const MARK: Record<PackageDelta['change'], string> = {
  added: '+',
  removed: '-',
  upgraded: '↑',
  downgraded: '↓',
  changed: '~',
  unchanged: ' ',
}

function versionOf(p: PackageDelta): string {
  return p.change === 'removed' ? '' : p.version
}

function baselineVersionOf(p: PackageDelta): string {
  return p.change === 'added' ? '' : p.baselineVersion
}

/** Names that occur in more than one row: their rows also say where (and, for OS packages, which architecture). */
function ambiguousNames(c: Comparison): Set<string> {
  const seen = new Map<string, number>()
  for (const p of c.packages) seen.set(p.name, (seen.get(p.name) ?? 0) + 1)
  return new Set([...seen].filter(([, n]) => n > 1).map(([name]) => name))
}

function nameOf(p: PackageDelta, ambiguous: Set<string>): string {
  return ambiguous.has(p.name) && p.architecture ? `${p.name}:${p.architecture}` : p.name
}

function summaryLines(c: Comparison): [string, number, string][] {
  const s = c.summary.packages
  const rows: [string, number, string][] = [
    ['+', s.added, 'packages added'],
    ['-', s.removed, 'packages removed'],
    ['↑', s.upgraded, 'packages updated'],
    ['↓', s.downgraded, 'packages downgraded'],
  ]
  if (s.changed > 0) rows.push(['~', s.changed, 'packages changed (versions the scheme cannot order)'])
  rows.push(
    [' ', s.unchanged, 'packages unchanged'],
    [' ', c.summary.vulnerabilities.added, 'vulnerabilities added'],
    [' ', c.summary.vulnerabilities.removed, 'vulnerabilities removed'],
  )
  return rows
}

function vulnLine(sign: '+' | '-', v: VulnerabilityRef): string {
  const fix = v.fixedIn.length ? `  fixed in ${v.fixedIn.join(', ')}` : ''
  return `${sign} ${v.severity.toUpperCase().padEnd(11)} ${v.id}${fix}`
}

/** The comparison as text: the overview, then packages and their vulnerability changes. */
export function formatCompareText(c: Comparison): string {
  const out: string[] = ['## Overview', '']
  const rows: [string, string, string][] = [
    ['Target', `  ${imageName(c.target)}`, `  ${imageName(c.baseline)}`],
    ['  digest', `  ${shortDigest(c.target.digest)}`, `  ${shortDigest(c.baseline.digest)}`],
    ['  tag', `  ${c.target.tags.join(', ')}`, `  ${c.baseline.tags.join(', ')}`],
    ['  platform', ` ${c.target.platform ?? ''}`, ` ${c.baseline.platform ?? ''}`],
    ['  vulnerabilities', counts(c.target.vulnerabilities), counts(c.baseline.vulnerabilities)],
    ['', deltaRow(c.delta.vulnerabilities), ''],
    ['  size', ` ${humanSize(c.target.size)}${sizeDelta(c.delta.size)}`, ` ${humanSize(c.baseline.size)}`],
    ['  packages', ` ${c.target.packages}${numberDelta(c.delta.packages)}`, ` ${c.baseline.packages}`],
  ]
  const head: [string, string, string] = ['', '  Analyzed Image', '  Comparison Image']
  const w0 = Math.max(...[head, ...rows].map((r) => r[0].length)) + 2
  const w1 = Math.max(...[head, ...rows].map((r) => r[1].length)) + 2
  const line = (r: [string, string, string]) => `  ${r[0].padEnd(w0)}│${r[1].padEnd(w1)}│${r[2]}`.trimEnd()
  out.push(line(head))
  out.push(`${'─'.repeat(w0 + 2)}┼${'─'.repeat(w1)}┼${'─'.repeat(w1)}`)
  for (const r of rows) out.push(line(r))
  out.push('', '', '## Packages and Vulnerabilities', '')
  const summary = summaryLines(c)
  const nw = Math.max(...summary.map((r) => String(r[1]).length))
  for (const [mark, n, what] of summary) out.push(`  ${mark} ${String(n).padStart(nw + 3)} ${what}`)
  if (c.unchangedOmitted) out.push('', '  (unchanged packages are not listed)')
  if (c.packages.length > 0) {
    const ambiguous = ambiguousNames(c)
    const table = c.packages.map((p) => [
      MARK[p.change],
      nameOf(p, ambiguous),
      p.kind,
      versionOf(p),
      baselineVersionOf(p),
      compactCounts(p.vulnerabilities.counts),
      compactDelta(p.vulnerabilities.delta),
    ])
    const th = ['', 'Package', 'Type', 'Version', 'Compared Version', 'Vulnerabilities', 'Change']
    const w = th.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] as string).length)))
    const fmt = (r: string[]) =>
      `  ${r
        .map((x, i) => (i === r.length - 1 ? x : x.padEnd(w[i] as number)))
        .join('  ')
        .trimEnd()}`
    out.push('', fmt(th))
    c.packages.forEach((p, i) => {
      out.push(fmt(table[i] as string[]))
      if (ambiguous.has(p.name)) out.push(`        at ${p.path}`)
      for (const v of p.vulnerabilities.added) out.push(`        ${vulnLine('+', v)}`)
      for (const v of p.vulnerabilities.removed) out.push(`        ${vulnLine('-', v)}`)
    })
  }
  return `${out.join('\n')}\n`
}

const cell = mdCell
const code = mdCode

function vulnList(vs: VulnerabilityRef[]): string {
  return vs.map((v) => `${cell(v.id)} (${SEVERITY_LETTER[v.severity]})`).join(', ')
}

/** The same comparison in GitHub-flavoured Markdown tables (for a pull-request comment). */
export function formatCompareMarkdown(c: Comparison): string {
  const out: string[] = []
  out.push(`### shipshape: ${code(imageName(c.target))} compared with ${code(imageName(c.baseline))}`, '')
  out.push('| | Analyzed image | Comparison image |', '| --- | --- | --- |')
  out.push(`| Target | ${code(imageName(c.target))} | ${code(imageName(c.baseline))} |`)
  out.push(`| Digest | ${code(shortDigest(c.target.digest))} | ${code(shortDigest(c.baseline.digest))} |`)
  out.push(`| Tag | ${cell(c.target.tags.join(', '))} | ${cell(c.baseline.tags.join(', '))} |`)
  out.push(`| Platform | ${cell(c.target.platform ?? '')} | ${cell(c.baseline.platform ?? '')} |`)
  out.push(
    `| Size | ${humanSize(c.target.size)}${sizeDelta(c.delta.size)} | ${humanSize(c.baseline.size)} |`,
    `| Packages | ${c.target.packages}${numberDelta(c.delta.packages)} | ${c.baseline.packages} |`,
    '',
  )
  out.push(`| Vulnerabilities | ${SEVERITY_ORDER.map(titleCase).join(' | ')} |`)
  out.push(`| --- | ${SEVERITY_ORDER.map(() => '---:').join(' | ')} |`)
  out.push(`| Analyzed image | ${SEVERITY_ORDER.map((l) => c.target.vulnerabilities[l]).join(' | ')} |`)
  out.push(`| Comparison image | ${SEVERITY_ORDER.map((l) => c.baseline.vulnerabilities[l]).join(' | ')} |`)
  const d = c.delta.vulnerabilities
  out.push(`| Change | ${SEVERITY_ORDER.map((l) => (d[l] === 0 ? ' ' : signed(d[l]))).join(' | ')} |`, '')
  out.push('#### Packages and vulnerabilities', '')
  out.push(
    summaryLines(c)
      .map(([mark, n, what]) => `${mark === ' ' ? '' : `${mark === '-' ? '−' : mark} `}${n} ${what}`)
      .join(' · '),
  )
  if (c.unchangedOmitted) out.push('', 'Unchanged packages are not listed.')
  if (c.packages.length > 0) {
    const ambiguous = ambiguousNames(c)
    out.push('', '| | Package | Type | Version | Compared version | Vulnerabilities | Change | Added | Removed |')
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for (const p of c.packages) {
      const mark = p.change === 'unchanged' ? ' ' : p.change === 'removed' ? '−' : MARK[p.change]
      out.push(
        `| ${mark} | ${cell(nameOf(p, ambiguous))}${ambiguous.has(p.name) ? ` at ${code(p.path)}` : ''} | ${p.kind} | ${code(versionOf(p))} | ${code(baselineVersionOf(p))} | ${compactCounts(p.vulnerabilities.counts)} | ${compactDelta(p.vulnerabilities.delta)} | ${vulnList(p.vulnerabilities.added)} | ${vulnList(p.vulnerabilities.removed)} |`,
      )
    }
  }
  return `${out.join('\n')}\n`
}

/** The comparison itself, versioned. */
export function formatCompareJson(c: Comparison): string {
  return `${JSON.stringify({ format: 'shipshape-comparison', schemaVersion: COMPARISON_SCHEMA_VERSION, ...c }, null, 2)}\n`
}
