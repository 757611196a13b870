import type { Finding, Report, SeverityLevel } from '../model/index.js'

export function firstLine(s: string | undefined): string | undefined {
  const line = s
    ?.split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '')
  return line === undefined || line === '' ? undefined : line
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`
}

export function titleCase(level: SeverityLevel): string {
  return `${level[0]?.toUpperCase() ?? ''}${level.slice(1)}`
}

/** The severity and where it came from: `Medium (ghsa: MODERATE)`, `High (osv:DEBIAN)`, `Unspecified`. */
export function severityText(f: Finding): string {
  const s = f.severity
  if (!s.source) return titleCase(s.level)
  const raw = s.raw && s.raw.toLowerCase() !== s.level ? `: ${s.raw}` : ''
  return `${titleCase(s.level)} (${s.source}${raw})`
}

export function cvssText(f: Finding): string | undefined {
  return f.cvss ? `${f.cvss.score.toFixed(1)} ${f.cvss.vector} (${f.cvss.source})` : undefined
}

/** The fix, in words, for a finding that has none; the versions when it has. */
export function fixText(f: Finding): string {
  switch (f.fix.state) {
    case 'fixed':
      return f.fix.versions.join(', ')
    case 'wont-fix':
      return `will not be fixed (${f.fix.status ?? 'wont-fix'})`
    case 'not-fixed':
      return f.fix.status ? `not fixed (${f.fix.status})` : 'not fixed'
    case 'unknown':
      return 'unknown'
    default: {
      const never: never = f.fix.state
      return String(never)
    }
  }
}

export function targetName(r: Report): string {
  const t = r.sbom.target
  return t.name ? `${t.name}${t.tags[0] ? `:${t.tags[0]}` : ''}` : t.ref
}

/** Text safe inside a Markdown table cell: no pipes, no line breaks, no HTML or Markdown markup taking effect. */
export function mdCell(s: string): string {
  return s
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .trim()
}

/** A code span inside a Markdown table cell (pipes still need escaping there, backticks cannot appear). */
export function mdCode(s: string): string {
  return s === '' ? '' : `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``
}

/** Sizes as Scout prints them (decimal units; one decimal under 10): `531 B`, `2.8 MB`, `91 MB`. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']
  let v = Math.abs(bytes)
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  const text = i === 0 ? String(v) : v < 10 ? v.toFixed(1) : v.toFixed(0)
  return `${bytes < 0 ? '-' : ''}${text} ${units[i]}`
}
