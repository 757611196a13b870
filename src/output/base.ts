import {
  type BaseOption,
  type BaseSummary,
  describeFoundBy,
  type Quickview,
  type QuickviewRow,
  type Recommendations,
  splitImageName,
} from '../analysis/index.js'
import { SEVERITY_LETTER, SEVERITY_ORDER, type SeverityCounts } from '../model/index.js'
import { humanSize, mdCell, mdCode, titleCase } from './common.js'

/*
 * Layouts of `quickview` and `recommendations`, after Docker Scout's `docker scout quickview` and
 * `docker scout recommendations`. Their reference pages (docs.docker.com/reference/cli/docker/scout/quickview and
 * …/recommendations) describe the commands but show no output, so the layout follows output pasted in public issue
 * threads and READMEs:
 *
 * - quickview (docker/scout-cli#84 and CI logs that paste it): `  Label │  name  │` then the counts as fixed
 *   `    0C ` cells; the target's `    digest` row with 12 hex characters; `Base image`, `Refreshed base image` and
 *   `Updated base image` rows, the last two each followed by a row of signed deltas under the count cells, blank
 *   where a level did not change. Scout prints its `i` info lines ("Base image was auto-detected…") above the
 *   table, so the notes come first here too.
 * - recommendations: the `Target`/`digest` header, `## Recommended fixes`, `Base image is  NAME`, a two-column
 *   table of the current base (Name is its tag, the full Digest, Vulnerabilities, Pushed, Size, Packages, Flavor,
 *   OS), then `Refresh base image` ("Rebuild the image using a newer base image version. Updating this may result
 *   in breaking changes.") and `Change base image` ("The list displays new recommended tags in descending order,
 *   where the top results are rated as most suitable."), each a `Tag │ Details │ Pushed │ Vulnerabilities` table:
 *   the tag, a headline reason and `Also known as:` bullets; `Benefits:` bullets, then `Image details:` bullets;
 *   the push time; the counts with the delta row under them.
 *
 * Where shipshape differs: the `?` column is always printed (Scout leaves it blank at 0); Pushed is the date the
 * catalogue first saw the digest (YYYY-MM-DD, not "3 weeks ago"); how the base was found is said in words;
 * image details carry size and package deltas and runtime changes.
 */

function shortDigest(d: string | undefined): string {
  return d ? d.replace(/^sha256:/, '').slice(0, 12) : ''
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n)
}

const CELL = 6

/** Scout's count cells: `    3C    12H     0M     1L     0?` (each `CELL` wide, one space apart). */
function countsText(c: SeverityCounts): string {
  return SEVERITY_ORDER.map((l) => `${String(c[l]).padStart(CELL - 1)}${SEVERITY_LETTER[l]}`).join(' ')
}

/** The delta row: each signed number right-aligned in the cell of its level; no change is a blank cell. */
function deltaText(d: SeverityCounts): string {
  return SEVERITY_ORDER.map((l) => (d[l] === 0 ? '' : signed(d[l])).padStart(CELL)).join(' ')
}

const COUNTS_WIDTH = SEVERITY_ORDER.length * (CELL + 1) - 1

/** Compact counts for Markdown: `0C 2H 5M 9L 1?`. */
function compactCounts(c: SeverityCounts): string {
  return SEVERITY_ORDER.map((l) => `${c[l]}${SEVERITY_LETTER[l]}`).join(' ')
}

/** Compact delta for Markdown: `-2H -2L` (only the levels that changed). */
function compactDelta(d: SeverityCounts): string {
  return SEVERITY_ORDER.filter((l) => d[l] !== 0)
    .map((l) => `${signed(d[l])}${SEVERITY_LETTER[l]}`)
    .join(' ')
}

function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : ''
}

function targetLabel(t: Quickview['target']): string {
  return t.name ? `${t.name}${t.tags[0] ? `:${t.tags[0]}` : ''}` : t.ref
}

function osText(os: { id: string; versionId?: string } | undefined): string | undefined {
  return os ? [os.id, os.versionId].filter(Boolean).join(' ') : undefined
}

const ROW_LABEL: Record<QuickviewRow['role'], string> = {
  target: 'Target',
  base: 'Base image',
  refreshed: 'Refreshed base image',
  updated: 'Updated base image',
}

const BASE_LAYERS = '(from base layers)'
const NOT_ANALYSED = '(not analysed)'

const REFRESH_TITLE = 'Refresh base image'
const REFRESH_TEXT = 'Rebuild the image using a newer base image version. Updating this may result in breaking changes.'
const CHANGE_TITLE = 'Change base image'
const CHANGE_TEXT =
  'The list displays new recommended tags in descending order, where the top results are rated as most suitable.'

function foundByText(b: BaseSummary): string {
  const layers =
    b.layers === undefined
      ? ''
      : ` The image's bottom ${b.layers} layer${b.layers === 1 ? ' is' : 's are'} the base image's.`
  return `Detected ${describeFoundBy(b.foundBy)}.${layers}`
}

// ---------------------------------------------------------------------------------------------------------------
// quickview

/** Scout's quickview table, with the notes (`i` lines) above it and the warnings below. */
export function formatQuickviewText(q: Quickview): string {
  const out: string[] = []
  for (const n of q.notes) out.push(`    i ${n}`)
  if (q.notes.length > 0) out.push('')
  const rows: [string, string, string][] = []
  for (const r of q.rows) {
    let counts = r.counts ? countsText(r.counts) : `  ${NOT_ANALYSED}`
    if (r.role === 'base' && r.counts && q.base?.countsFrom === 'base-layers') counts += `  ${BASE_LAYERS}`
    rows.push([ROW_LABEL[r.role], r.name, counts])
    if (r.role === 'target' && r.digest) rows.push(['  digest', shortDigest(r.digest), ''])
    if ((r.role === 'refreshed' || r.role === 'updated') && r.delta) rows.push(['', '', deltaText(r.delta)])
  }
  const w0 = Math.max(...rows.map((x) => x[0].length))
  const w1 = Math.max(...rows.map((x) => x[1].length))
  for (const [a, b, c] of rows) out.push(`  ${a.padEnd(w0)} │  ${b.padEnd(w1)}  │${c}`.trimEnd())
  if (q.warnings.length > 0) out.push('')
  for (const w of q.warnings) out.push(`  warning: ${w}`)
  return `${out.join('\n')}\n`
}

const cell = mdCell
const code = mdCode

function noteLines(notes: string[], warnings: string[] = []): string[] {
  const out: string[] = []
  for (const n of notes) out.push(`> **Note:** ${cell(n)}`, '')
  for (const w of warnings) out.push(`> **Warning:** ${cell(w)}`, '')
  return out
}

/** The quickview as a GitHub table: one row per image, one column per level, the delta beside each count. */
export function formatQuickviewMarkdown(q: Quickview): string {
  const out: string[] = [`### shipshape quickview: ${code(targetLabel(q.target))}`, '']
  out.push(...noteLines(q.notes))
  out.push(`| | Image | Digest | ${SEVERITY_ORDER.map(titleCase).join(' | ')} |`)
  out.push(`| --- | --- | --- | ${SEVERITY_ORDER.map(() => '---:').join(' | ')} |`)
  for (const r of q.rows) {
    let name = code(r.name)
    if (!r.counts) name += ` ${cell(NOT_ANALYSED)}`
    else if (r.role === 'base' && q.base?.countsFrom === 'base-layers') name += ` ${cell(BASE_LAYERS)}`
    const counts = SEVERITY_ORDER.map((l) => {
      if (!r.counts) return ''
      const d = r.delta?.[l] ?? 0
      return d === 0 ? String(r.counts[l]) : `${r.counts[l]} (${signed(d)})`
    })
    out.push(`| ${ROW_LABEL[r.role]} | ${name} | ${code(shortDigest(r.digest))} | ${counts.join(' | ')} |`)
  }
  if (q.warnings.length > 0) out.push('', ...noteLines([], q.warnings))
  while (out.at(-1) === '') out.pop()
  return `${out.join('\n')}\n`
}

/** The quickview object itself. */
export function formatQuickviewJson(q: Quickview): string {
  return `${JSON.stringify(q, null, 2)}\n`
}

// ---------------------------------------------------------------------------------------------------------------
// recommendations

type CurrentBase = NonNullable<Recommendations['base']>

/** The current base's details, as label/value pairs (Scout's `Name │  12-slim` table). */
function baseDetails(b: CurrentBase): [string, string][] {
  const { repository, tag } = splitImageName(b.name)
  const rows: [string, string][] = [['Name', tag ?? repository]]
  if (b.digest) rows.push(['Digest', b.digest])
  rows.push(['Vulnerabilities', b.counts ? countsText(b.counts) : NOT_ANALYSED])
  if (b.firstSeen) rows.push(['Pushed', day(b.firstSeen)])
  if (b.size !== undefined) rows.push(['Size', humanSize(b.size)])
  if (b.packages !== undefined) rows.push(['Packages', String(b.packages)])
  if (b.flavour) rows.push(['Flavor', b.flavour])
  if (b.os) rows.push(['OS', b.os])
  return rows
}

/** The short reason under the tag, as Scout's second line of the Tag column. */
function headline(o: BaseOption): string | undefined {
  if (o.kind === 'refresh') return 'Newer image for same tag'
  const rt = o.runtimes.find((r) => r.change === 'major') ?? o.runtimes.find((r) => r.change === 'minor')
  if (rt) return `${rt.change === 'major' ? 'Major' : 'Minor'} runtime version update`
  if (o.tag === 'latest' || o.alsoKnownAs.includes('latest')) return 'Tag is latest'
  return o.benefits.find((b) => b !== 'Same OS detected')?.replace(/\s*\(.*\)$/, '')
}

/** `Image details:` lines: size, packages, flavour, OS, runtimes (with what changed). */
function imageDetails(o: BaseOption): string[] {
  const i = o.image
  const size = o.sizeDelta === 0 ? '' : ` (${o.sizeDelta > 0 ? '+' : '-'}${humanSize(Math.abs(o.sizeDelta))})`
  const pkgs = o.packagesDelta === 0 ? '' : ` (${signed(o.packagesDelta)})`
  const out = [`Size: ${humanSize(i.size)}${size}`, `Packages: ${i.packages}${pkgs}`, `Flavor: ${i.flavour}`]
  const os = osText(i.os)
  if (os) out.push(`OS: ${os}`)
  for (const [name, version] of Object.entries(i.runtimes).sort(([a], [b]) => a.localeCompare(b))) {
    const ch = o.runtimes.find((r) => r.name === name)
    out.push(`Runtime: ${name} ${version}${ch ? ` (from ${ch.from}, ${ch.change} update)` : ''}`)
  }
  return out
}

function tagColumn(o: BaseOption): string[] {
  const h = headline(o)
  const col = [` ${o.tag}`, ...(h ? [h] : [])]
  if (o.alsoKnownAs.length > 0) col.push('Also known as:', ...o.alsoKnownAs.map((t) => `• ${t}`))
  return col
}

function detailsColumn(o: BaseOption): string[] {
  const col: string[] = []
  if (o.benefits.length > 0) col.push('Benefits:', ...o.benefits.map((b) => `• ${b}`), '')
  col.push('Image details:', ...imageDetails(o).map((d) => `• ${d}`))
  return col
}

function center(s: string, w: number): string {
  const left = Math.max(0, Math.floor((w - s.length) / 2))
  return `${' '.repeat(left)}${s}`.padEnd(w)
}

/** Scout's `Tag │ Details │ Pushed │ Vulnerabilities` table; a blank row between options. */
function optionsTable(options: BaseOption[]): string[] {
  const blocks = options.map((o) => ({
    cols: [tagColumn(o), detailsColumn(o), [day(o.image.firstSeen)], [countsText(o.counts), deltaText(o.delta)]],
  }))
  const w = [0, 1, 2].map((i) => Math.max(...blocks.flatMap((b) => (b.cols[i] as string[]).map((s) => s.length))))
  const [w0, w1, w2] = [Math.max(w[0] as number, 16), Math.max(w[1] as number, 24), Math.max(w[2] as number, 10)]
  const w3 = COUNTS_WIDTH + 1
  const line = (c: string[]) =>
    `  ${(c[0] ?? '').padEnd(w0)} │ ${(c[1] ?? '').padEnd(w1)} │ ${(c[2] ?? '').padEnd(w2)} │${c[3] ?? ''}`.trimEnd()
  const out = [
    `${center('Tag', w0 + 3)}│${center('Details', w1 + 2)}│${center('Pushed', w2 + 2)}│${center('Vulnerabilities', w3)}`.trimEnd(),
    `${'─'.repeat(w0 + 3)}┼${'─'.repeat(w1 + 2)}┼${'─'.repeat(w2 + 2)}┼${'─'.repeat(w3)}`,
  ]
  blocks.forEach((b, k) => {
    if (k > 0) out.push(line([]))
    const n = Math.max(...b.cols.map((c) => c.length))
    for (let i = 0; i < n; i++) out.push(line(b.cols.map((c) => c[i] ?? '')))
  })
  return out
}

/** Scout's recommendations: the target, the current base and its details, then the refresh and the updates. */
export function formatRecommendationsText(r: Recommendations): string {
  const out: string[] = []
  for (const n of r.notes) out.push(`    i ${n}`)
  if (r.notes.length > 0) out.push('')
  const head: [string, string][] = [['Target', targetLabel(r.target)]]
  if (r.target.manifestDigest) head.push(['  digest', shortDigest(r.target.manifestDigest)])
  const hw = Math.max(...head.map((x) => x[0].length))
  for (const [a, b] of head) out.push(`  ${a.padEnd(hw)} │  ${b}`)
  if (r.base) {
    out.push('', '## Recommended fixes', '')
    out.push(`  Base image is  ${r.base.name}`, `  ${foundByText(r.base)}`, '')
    const rows = baseDetails(r.base)
    const w = Math.max(...rows.map((x) => x[0].length))
    for (const [a, b] of rows) {
      // Scout's spacing: two spaces before names and digests, none before counts, one before the rest.
      const value =
        a === 'Vulnerabilities'
          ? r.base.counts
            ? `${b}${r.base.countsFrom === 'base-layers' ? `  ${BASE_LAYERS}` : ''}`
            : ` ${b}`
          : a === 'Name' || a === 'Digest'
            ? `  ${b}`
            : ` ${b}`
      out.push(`  ${a.padEnd(w)} │${value}`.trimEnd())
    }
  }
  if (r.refreshed) out.push('', '', REFRESH_TITLE, `  ${REFRESH_TEXT}`, '', '', ...optionsTable([r.refreshed]))
  if (r.updated.length > 0) out.push('', '', CHANGE_TITLE, `  ${CHANGE_TEXT}`, '', '', ...optionsTable(r.updated))
  return `${out.join('\n')}\n`
}

function optionsMarkdown(options: BaseOption[]): string[] {
  const out = ['| Tag | Details | Pushed | Vulnerabilities |', '| --- | --- | --- | --- |']
  for (const o of options) {
    const h = headline(o)
    const tag = [code(o.tag), ...(h ? [cell(h)] : [])]
    if (o.alsoKnownAs.length > 0) tag.push(`Also known as: ${o.alsoKnownAs.map(code).join(', ')}`)
    const details: string[] = []
    if (o.benefits.length > 0) details.push('**Benefits:**', ...o.benefits.map((b) => `• ${cell(b)}`), '')
    details.push('**Image details:**', ...imageDetails(o).map((d) => `• ${cell(d)}`))
    const delta = compactDelta(o.delta)
    const vulns = [compactCounts(o.counts), ...(delta ? [delta] : [])]
    out.push(`| ${tag.join('<br>')} | ${details.join('<br>')} | ${day(o.image.firstSeen)} | ${vulns.join('<br>')} |`)
  }
  return out
}

/** The same recommendations in GitHub-flavoured Markdown. */
export function formatRecommendationsMarkdown(r: Recommendations): string {
  const out: string[] = [`### shipshape recommendations: ${code(targetLabel(r.target))}`, '']
  out.push(...noteLines(r.notes))
  out.push(`| Target | ${code(targetLabel(r.target))} |`, '| --- | --- |')
  if (r.target.manifestDigest) out.push(`| Digest | ${code(shortDigest(r.target.manifestDigest))} |`)
  if (r.base) {
    out.push('', '#### Recommended fixes', '')
    out.push(`Base image is ${code(r.base.name)}. ${cell(foundByText(r.base))}`, '')
    out.push('| Base image | |', '| --- | --- |')
    for (const [a, b] of baseDetails(r.base)) {
      let value = a === 'Name' || a === 'Digest' ? code(b) : cell(b)
      if (a === 'Vulnerabilities' && r.base.counts) {
        value = compactCounts(r.base.counts)
        if (r.base.countsFrom === 'base-layers') value += ` ${cell(BASE_LAYERS)}`
      }
      out.push(`| ${a} | ${value} |`)
    }
  }
  if (r.refreshed) out.push('', `#### ${REFRESH_TITLE}`, '', REFRESH_TEXT, '', ...optionsMarkdown([r.refreshed]))
  if (r.updated.length > 0) out.push('', `#### ${CHANGE_TITLE}`, '', CHANGE_TEXT, '', ...optionsMarkdown(r.updated))
  return `${out.join('\n')}\n`
}

/** The recommendations object itself. */
export function formatRecommendationsJson(r: Recommendations): string {
  return `${JSON.stringify(r, null, 2)}\n`
}
