/** A module as the build info lists it (runtime/debug.Module). */
export interface GoModule {
  path: string
  version: string
  /** `h1:` hash from go.sum; '' for vendored builds, local replacements and the main module. */
  sum: string
  replace?: GoModule
}

export interface GoBuildInfo {
  /** The main package's import path (`path` line). */
  path: string
  /** The main module (`mod` line); absent for GOPATH builds such as Debian's. */
  main?: GoModule
  deps: GoModule[]
  settings: { key: string; value: string }[]
}

/**
 * Go's strconv.Unquote for the two quotings build lines use: "…" with Go escapes, and `…` raw. undefined when
 * `s` is not exactly one quoted string.
 */
export function goUnquote(s: string): string | undefined {
  if (s.length < 2) return undefined
  const q = s[0]
  if (q === '`') return s.endsWith('`') && !s.slice(1, -1).includes('`') ? s.slice(1, -1) : undefined
  if (q !== '"' || !s.endsWith('"')) return undefined
  const body = s.slice(1, -1)
  const bytes: number[] = []
  const pushUtf8 = (cp: number) => {
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b)
  }
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39 }
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c === '"') return undefined
    if (c !== '\\') {
      pushUtf8(body.codePointAt(i) as number)
      if ((body.codePointAt(i) as number) > 0xffff) i++
      continue
    }
    const e = body[++i]
    if (e === undefined) return undefined
    const s1 = simple[e]
    if (s1 !== undefined) {
      bytes.push(s1)
      continue
    }
    const hex = (n: number) => {
      const h = body.slice(i + 1, i + 1 + n)
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) return undefined
      i += n
      return Number.parseInt(h, 16)
    }
    if (e === 'x') {
      const v = hex(2)
      if (v === undefined) return undefined
      bytes.push(v)
    } else if (e === 'u' || e === 'U') {
      const v = hex(e === 'u' ? 4 : 8)
      if (v === undefined || v > 0x10ffff) return undefined
      pushUtf8(v)
    } else if (e >= '0' && e <= '7') {
      const o = body.slice(i, i + 3)
      if (!/^[0-7]{3}$/.test(o)) return undefined
      i += 2
      const v = Number.parseInt(o, 8)
      if (v > 255) return undefined
      bytes.push(v)
    } else return undefined
  }
  return Buffer.from(bytes).toString('utf8')
}

/** A quoted string at the start of `s` (Go's strconv.QuotedPrefix for "…" and `…`). */
function quotedPrefix(s: string): string | undefined {
  const q = s[0]
  if (q === '`') {
    const end = s.indexOf('`', 1)
    return end < 0 ? undefined : s.slice(0, end + 1)
  }
  if (q !== '"') return undefined
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++
    else if (s[i] === '"') return s.slice(0, i + 1)
  }
  return undefined
}

function moduleLine(elem: string[]): GoModule | string {
  if (elem.length !== 2 && elem.length !== 3) return `expected 2 or 3 columns; got ${elem.length}`
  return { path: elem[0] as string, version: elem[1] as string, sum: elem[2] ?? '' }
}

/**
 * The module info text (runtime/debug.ParseBuildInfo): `path`, `mod`, `dep`, `=>` (replaces the module on the
 * line before) and `build key=value` lines, tab-separated. Bad lines are skipped and reported with their number;
 * unknown lines are ignored, as newer Go versions may add some.
 */
export function parseModinfo(text: string): { info: GoBuildInfo; errors: string[] } {
  const info: GoBuildInfo = { path: '', deps: [], settings: [] }
  const errors: string[] = []
  let last: GoModule | undefined
  const lines = text.split('\n')
  // Like Go, a last line without its newline is not read.
  lines.pop()
  for (const [n, line] of lines.entries()) {
    const bad = (why: string) => errors.push(`line ${n + 1}: ${why}`)
    if (line.startsWith('path\t')) {
      info.path = line.slice(5)
      last = undefined
    } else if (line.startsWith('mod\t') || line.startsWith('dep\t')) {
      const m = moduleLine(line.slice(4).split('\t'))
      if (typeof m === 'string') {
        bad(m)
        last = undefined
        continue
      }
      if (line.startsWith('mod\t')) info.main = m
      else info.deps.push(m)
      last = m
    } else if (line.startsWith('=>\t')) {
      const elem = line.slice(3).split('\t')
      if (elem.length !== 3) bad(`expected 3 columns for replacement; got ${elem.length}`)
      else if (!last) bad('replacement with no module on previous line')
      else last.replace = { path: elem[0] as string, version: elem[1] as string, sum: elem[2] as string }
      last = undefined
    } else if (line.startsWith('build\t')) {
      last = undefined
      const kv = line.slice(6)
      let key: string
      let raw: string
      if (kv.startsWith('"') || kv.startsWith('`')) {
        const q = quotedPrefix(kv)
        const k = q === undefined ? undefined : goUnquote(q)
        if (q === undefined || k === undefined || kv[q.length] !== '=') {
          bad('bad quoted key in build line')
          continue
        }
        key = k
        raw = kv.slice(q.length + 1)
      } else {
        const eq = kv.indexOf('=')
        if (eq <= 0) {
          bad(eq === 0 ? 'build line with missing key' : "build line missing '='")
          continue
        }
        key = kv.slice(0, eq)
        raw = kv.slice(eq + 1)
      }
      let value = raw
      if (raw.startsWith('"') || raw.startsWith('`')) {
        const v = goUnquote(raw)
        if (v === undefined) {
          bad(`bad quoted value for ${key}`)
          continue
        }
        value = v
      }
      info.settings.push({ key, value })
    }
  }
  return { info, errors }
}
