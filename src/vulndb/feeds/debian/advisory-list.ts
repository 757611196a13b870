import type { AffectedPackage, AffectedStatus, VulnerabilityRecord } from '../../../model/index.js'
import type { ImportSink } from '../feed.js'
import { fixedRange, namespaceForCodename, trackerUrl } from './releases.js'

/*
 * The tracker's advisory lists (`data/DSA/list`, `data/DLA/list`, `data/DTSA/list`):
 *
 *   [05 Sep 2018] DSA-4286-1 curl - security update
 *   	{CVE-2018-14618}
 *   	[stretch] - curl 7.52.1-5+deb9u7
 *   	[woody] - zlib <not-affected> (vulnerable code introduced later)
 *   	NOTE: …
 *
 * DTSA dates read `[August 26th, 2005]`, and their release lines may end in an urgency: `(high)`.
 */

/** An entry header: date, advisory id, and `package - description` (announcements have no package). */
export const HEADER = /^\[([^\]]*)\]\s+((?:DSA|DLA|DTSA)-\d+(?:-\d+)?)(?:\s+(.*))?$/

const RELEASE_LINE = /^\[([A-Za-z0-9-]+)\]\s+-\s+(\S+)(?:\s+(\S+))?\s*(?:\((.*)\))?\s*$/

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

const MARKERS: Record<string, AffectedStatus> = {
  '<not-affected>': 'not-affected',
  '<unfixed>': 'open',
  '<undetermined>': 'open',
  '<end-of-life>': 'end-of-life',
  // Gone from the release: no fix will come there, so installed copies stay as they are.
  '<removed>': 'end-of-life',
  '<no-dsa>': 'no-dsa',
  '<ignored>': 'ignored',
  '<postponed>': 'postponed',
}

const URGENCIES = new Set(['unimportant', 'low', 'medium', 'high'])

/** `05 Sep 2018` or `September 1st, 2005` → `2018-09-05`; undefined for anything else. */
export function listDate(text: string): string | undefined {
  const t = text.trim()
  const m =
    /^(\d{1,2})\s+([A-Za-z]{3,})\.?\s+(\d{4})$/.exec(t) ??
    /^([A-Za-z]{3,})\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(t)
  if (!m) return undefined
  const [dayText, monthText] = /^\d/.test(t) ? [m[1], m[2]] : [m[2], m[1]]
  const month = MONTHS.indexOf((monthText ?? '').slice(0, 3).toLowerCase())
  const day = Number(dayText)
  const year = Number(m[3])
  if (month < 0) return undefined
  const d = new Date(Date.UTC(year, month, day))
  if (d.getUTCMonth() !== month || d.getUTCDate() !== day) return undefined
  return d.toISOString().slice(0, 10)
}

/** One release line → an affected entry, or why it cannot be read. */
function releaseLine(line: string, at: string): { entry: AffectedPackage } | { error: string } {
  const m = RELEASE_LINE.exec(line)
  if (!m) return { error: `unreadable release line ${JSON.stringify(line.slice(0, 80))}` }
  const [, codename = '', pkg = '', what, note] = m
  const namespace = namespaceForCodename(codename)
  if (namespace === undefined) return { error: `unknown Debian release ${JSON.stringify(codename)}` }
  if (what === undefined) return { error: `no version or status for ${pkg} in ${codename}` }
  const base = { namespace, package: pkg, at }
  if (what.startsWith('<')) {
    const status = Object.hasOwn(MARKERS, what) ? MARKERS[what] : undefined
    if (status === undefined) return { error: `unknown marker ${what}` }
    return { entry: { ...base, fixed: [], status } }
  }
  const r = fixedRange(what)
  if ('error' in r) return r
  // DTSA lines note an urgency: `(high)`, `(bug #123456 medium)`.
  const last = note?.trim().split(/\s+/).pop()?.toLowerCase()
  const urgency = last !== undefined && URGENCIES.has(last) ? { urgency: last } : {}
  return { entry: { ...base, ranges: r.ranges, fixed: [what], status: 'fixed', ...urgency } }
}

/**
 * Reads one list into one record per advisory id: aliases are the CVEs in braces, published the entry's
 * date, affected one entry per release line. A header that cannot be read drops its whole entry (its lines
 * are not given to the entry before it); a line that cannot be read is skipped and its entry kept.
 */
export function importAdvisoryList(text: string, file: string, sink: ImportSink): number {
  let current: VulnerabilityRecord | undefined
  let dropping = false
  let records = 0
  const flush = () => {
    if (current) {
      sink.vulnerability(current)
      records++
    }
    current = undefined
  }
  const lines = text.split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1
    if (raw.trim() === '') continue
    if (!/^\s/.test(raw)) {
      flush()
      dropping = false
      const h = HEADER.exec(raw.trimEnd())
      const published = h ? listDate(h[1] ?? '') : undefined
      if (!h || published === undefined) {
        sink.skip(
          `${file}:${lineNo}`,
          h ? `bad date ${JSON.stringify(h[1])} in ${h[2]}` : `unreadable entry ${JSON.stringify(raw.slice(0, 80))}`,
        )
        dropping = true
        continue
      }
      const id = h[2] as string
      const rest = (h[3] ?? '').trim()
      const pd = /^(\S+)\s+-\s+(.*)$/.exec(rest)
      const summary = pd ? (pd[2] ?? '').trim() : rest
      current = {
        id,
        source: 'debian',
        aliases: [],
        published,
        cvss: [],
        cwes: [],
        references: [{ url: trackerUrl(id) }],
        affected: [],
        ...(summary === '' ? {} : { summary }),
      }
      continue
    }
    if (dropping) continue
    const line = raw.trim()
    const where = `${file}:${lineNo}${current ? ` ${current.id}` : ''}`
    if (!current) {
      sink.skip(where, 'indented line before any entry')
      continue
    }
    if (line.startsWith('NOTE:')) continue
    if (line.startsWith('{')) {
      if (!line.endsWith('}')) {
        sink.skip(where, `unreadable id list ${JSON.stringify(line.slice(0, 80))}`)
        continue
      }
      for (const tok of line.slice(1, -1).split(/\s+/)) {
        if (tok === '') continue
        if (!/^(?:CVE-\d{4}-\d{4,}|TEMP-\d+-[0-9A-Fa-f]+)$/.test(tok)) {
          sink.skip(where, `bad vulnerability id ${JSON.stringify(tok)}`)
          continue
        }
        if (!current.aliases.includes(tok)) current.aliases.push(tok)
      }
      continue
    }
    if (line.startsWith('[')) {
      const r = releaseLine(line, `${file}:${lineNo}`)
      if ('error' in r) sink.skip(where, r.error)
      else current.affected.push(r.entry)
      continue
    }
    sink.skip(where, `unreadable line ${JSON.stringify(line.slice(0, 80))}`)
  }
  flush()
  return records
}
