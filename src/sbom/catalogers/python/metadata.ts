/**
 * Readers for the files of an installed Python distribution: the core metadata (`METADATA` / `PKG-INFO`, RFC 822
 * style headers), `RECORD` (CSV), `installed-files.txt` and `requires.txt`. Each follows what the standard library
 * (`email.parser`, `csv`, `importlib.metadata`) does with the same bytes, so that a file Python can load reads the
 * same here.
 */

export interface CoreMetadata {
  /** Header name (lower-cased) → every value in order (`Classifier`, `Requires-Dist` repeat). */
  headers: Map<string, string[]>
}

/** Header names as `email.feedparser` accepts them: printable ASCII but the colon, then a colon. */
const HEADER = /^([\x21-\x39\x3b-\x7e]+):(.*)$/

/**
 * Parses the header block of a core-metadata file. As in `email.message_from_string` (what `importlib.metadata`
 * uses), a line that is neither a header nor a continuation ends the headers (the rest is the description body),
 * and the first blank line does too. Continuation lines (starting with a space or tab) are joined with newlines.
 */
export function parseCoreMetadata(text: string): CoreMetadata {
  const headers = new Map<string, string[]>()
  let last: { key: string; index: number } | undefined
  const lines = text.split('\n')
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line === '') break
    if (line[0] === ' ' || line[0] === '\t') {
      if (!last) break
      const list = headers.get(last.key) as string[]
      list[last.index] = `${list[last.index]}\n${line.trim()}`
      continue
    }
    const m = HEADER.exec(line)
    if (!m) break
    const key = (m[1] as string).toLowerCase()
    const value = (m[2] as string).trim()
    const list = headers.get(key)
    if (list) {
      list.push(value)
      last = { key, index: list.length - 1 }
    } else {
      headers.set(key, [value])
      last = { key, index: 0 }
    }
  }
  return { headers }
}

export function header(md: CoreMetadata, name: string): string | undefined {
  const v = md.headers.get(name.toLowerCase())?.[0]
  return v === undefined || v === '' ? undefined : v
}

export function headers(md: CoreMetadata, name: string): string[] {
  return (md.headers.get(name.toLowerCase()) ?? []).filter((v) => v !== '')
}

/** PEP 503: runs of `-`, `_` and `.` become one `-`, lower case. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase()
}

/**
 * Declared licenses: `License-Expression` (PEP 639) when present; else `License` when it is a short name (not
 * `UNKNOWN`, not a pasted license text); else the `License ::` trove classifiers' last part.
 */
export function declaredLicenses(md: CoreMetadata): string[] {
  const expr = header(md, 'License-Expression')
  if (expr) return [expr]
  const lic = header(md, 'License')
  if (lic && lic.toUpperCase() !== 'UNKNOWN' && !lic.includes('\n') && lic.length <= 100) return [lic]
  const out: string[] = []
  for (const c of headers(md, 'Classifier')) {
    const parts = c.split('::').map((p) => p.trim())
    if (parts[0] !== 'License' || parts.length < 2) continue
    const last = parts[parts.length - 1] as string
    // `License :: OSI Approved` alone names no license.
    if (parts.length === 2 && last === 'OSI Approved') continue
    if (!out.includes(last)) out.push(last)
  }
  return out
}

/**
 * The first column of each `RECORD` row, as Python's `csv` reads it (quoted fields may hold commas, `""` is a
 * quote). Rows are separated by newlines outside quotes.
 */
export function parseRecordPaths(text: string): string[] {
  const out: string[] = []
  let i = 0
  const n = text.length
  while (i < n) {
    let field = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= n) break
        const c = text[i] as string
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += c
        i++
      }
    } else {
      while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') field += text[i++]
    }
    // Skip the rest of the row.
    let inQuote = false
    while (i < n) {
      const c = text[i] as string
      if (c === '"') inQuote = !inQuote
      else if (c === '\n' && !inQuote) break
      i++
    }
    i++
    if (field !== '') out.push(field)
  }
  return out
}

/** `installed-files.txt`: one path per line, relative to the `.egg-info` directory. */
export function parseInstalledFiles(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '')
}

/**
 * `requires.txt` of an egg-info, turned into `Requires-Dist` strings the way `importlib.metadata` does: lines
 * under `[extra]` get `; extra == "extra"`, under `[:marker]` get `; marker`, under `[extra:marker]` get
 * `; (marker) and extra == "extra"`.
 */
export function parseRequiresTxt(text: string): string[] {
  const out: string[] = []
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const sec = /^\[(.*)\]$/.exec(line)
    if (sec) {
      section = (sec[1] as string).trim()
      continue
    }
    const colon = section.indexOf(':')
    const extra = colon < 0 ? section : section.slice(0, colon)
    let markers = colon < 0 ? '' : section.slice(colon + 1)
    if (extra && markers) markers = `(${markers})`
    const conditions = [markers, extra ? `extra == "${extra}"` : ''].filter(Boolean)
    out.push(conditions.length ? `${line}; ${conditions.join(' and ')}` : line)
  }
  return out
}
