import { yaml } from '../../../internal/index.js'
import type { Parsed } from './package-json.js'

export interface YarnEntry {
  name: string
  version: string
  /** Every `name@range` this entry satisfies (berry: with its protocol, `name@npm:^1.0.0`). */
  patterns: string[]
  /** Dependencies (optional ones included) as `name@range` patterns of the same shape as `patterns`. */
  requires: string[]
  resolved?: string
  integrity?: string
  line: number
}

export interface YarnLock {
  flavor: 'v1' | 'berry'
  entries: YarnEntry[]
  /** Entries left out, with why (bad syntax); local/workspace entries are left out silently. */
  errors: { line: number; message: string }[]
}

/** Protocols of packages that live in the project itself, not in a registry. */
const LOCAL = new Set(['workspace', 'link', 'portal', 'file', 'exec'])

const PROTOCOL = /^([a-z][a-z0-9+.-]*):/i

/** `name@range` → name and range; scoped names keep their leading `@`. */
export function splitSpec(spec: string): { name: string; range: string } | undefined {
  const at = spec.indexOf('@', 1)
  if (at <= 0) return undefined
  return { name: spec.slice(0, at), range: spec.slice(at + 1) }
}

function protocolOf(range: string): string | undefined {
  return PROTOCOL.exec(range)?.[1]?.toLowerCase()
}

/** The real package an `alias@npm:real@range` pattern points to. */
function aliasTarget(range: string): string | undefined {
  if (!range.startsWith('npm:')) return undefined
  return splitSpec(range.slice(4))?.name
}

function unquote(s: string): string {
  const t = s.trim()
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      return JSON.parse(t) as string
    } catch {
      return t.slice(1, -1)
    }
  }
  return t
}

/** Splits on `sep` outside double quotes. */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = []
  let cur = ''
  let q = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === '"' && s[i - 1] !== '\\') q = !q
    if (c === sep && !q) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

/** `key value` or `"key" "value"` of a yarn v1 line (value may be missing for a block start `key:`). */
function keyValue(s: string): { key: string; value?: string } {
  const parts = splitOutsideQuotes(s.trim(), ' ').filter((p) => p !== '')
  const key = unquote(parts[0] ?? '')
  if (parts.length < 2) return { key: key.endsWith(':') ? key.slice(0, -1) : key }
  return { key: key.endsWith(':') ? key.slice(0, -1) : key, value: unquote(parts.slice(1).join(' ')) }
}

function parseV1(text: string): YarnLock {
  const entries: YarnEntry[] = []
  const errors: YarnLock['errors'] = []
  type Cur = { patterns: string[]; line: number; fields: Map<string, string>; requires: string[]; bad?: string }
  let cur: Cur | undefined
  let block: string | undefined
  const flush = () => {
    if (!cur) return
    const c = cur
    cur = undefined
    if (c.bad) {
      errors.push({ line: c.line, message: c.bad })
      return
    }
    const first = splitSpec(c.patterns[0] ?? '')
    const version = c.fields.get('version')
    if (!first || !version) {
      errors.push({
        line: c.line,
        message: first ? 'entry has no version' : `bad pattern ${JSON.stringify(c.patterns[0])}`,
      })
      return
    }
    const proto = protocolOf(first.range)
    if (proto && LOCAL.has(proto)) return
    const e: YarnEntry = {
      name: aliasTarget(first.range) ?? first.name,
      version,
      patterns: c.patterns,
      requires: c.requires,
      line: c.line,
    }
    const resolved = c.fields.get('resolved')
    if (resolved) e.resolved = resolved
    const integrity = c.fields.get('integrity')
    if (integrity) e.integrity = integrity
    entries.push(e)
  }
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue
    const indent = raw.length - raw.trimStart().length
    if (indent === 0) {
      flush()
      block = undefined
      const line = raw.trimEnd()
      cur = { patterns: [], line: i + 1, fields: new Map(), requires: [] }
      if (!line.endsWith(':')) {
        cur.bad = `line ${i + 1}: expected \`pattern:\`, found ${JSON.stringify(line.slice(0, 60))}`
        continue
      }
      cur.patterns = splitOutsideQuotes(line.slice(0, -1), ',')
        .map(unquote)
        .filter((p) => p !== '')
      continue
    }
    if (!cur || cur.bad) continue
    const { key, value } = keyValue(raw)
    if (indent <= 2) {
      block = value === undefined ? key : undefined
      if (value !== undefined) cur.fields.set(key, value)
    } else if (block === 'dependencies' || block === 'optionalDependencies') {
      if (value !== undefined) cur.requires.push(`${key}@${value}`)
    }
  }
  flush()
  return { flavor: 'v1', entries, errors }
}

/** Berry writes dependency ranges without `npm:` where that is the protocol; its keys always carry it. */
export function berryDescriptor(name: string, range: string): string {
  return protocolOf(range) ? `${name}@${range}` : `${name}@npm:${range}`
}

function parseBerry(text: string): Parsed<YarnLock> {
  const doc = yaml().parseDocument(text, { uniqueKeys: false })
  if (doc.errors.length > 0) return { ok: false, error: `not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}` }
  const root = doc.toJS({ maxAliasCount: 100 }) as unknown
  if (!root || typeof root !== 'object' || Array.isArray(root)) return { ok: false, error: 'not a YAML mapping' }
  const entries: YarnEntry[] = []
  const errors: YarnLock['errors'] = []
  const seen = new Set<string>()
  for (const [key, v] of Object.entries(root as Record<string, unknown>)) {
    if (key === '__metadata' || !v || typeof v !== 'object') continue
    const o = v as Record<string, unknown>
    const resolution = typeof o.resolution === 'string' ? o.resolution : undefined
    const version =
      typeof o.version === 'string' ? o.version : typeof o.version === 'number' ? String(o.version) : undefined
    const spec = resolution ? splitSpec(resolution) : undefined
    if (!spec || !version) {
      errors.push({ line: 0, message: `${JSON.stringify(key)}: no ${spec ? 'version' : 'resolution'}` })
      continue
    }
    let proto = protocolOf(spec.range)
    // `patch:name@npm%3A1.2.3#…`: a registry package with a patch applied; judge it by what was patched.
    if (proto === 'patch') {
      let inner = spec.range.slice('patch:'.length)
      try {
        inner = decodeURIComponent(inner)
      } catch {}
      proto = protocolOf(splitSpec(inner)?.range ?? '')
    }
    if (proto && LOCAL.has(proto)) continue
    const id = `${spec.name}@${version}`
    if (seen.has(id)) continue
    seen.add(id)
    const requires: string[] = []
    for (const field of ['dependencies', 'optionalDependencies']) {
      const d = o[field]
      if (d && typeof d === 'object' && !Array.isArray(d)) {
        for (const [n, r] of Object.entries(d)) if (typeof r === 'string') requires.push(berryDescriptor(n, r))
      }
    }
    const e: YarnEntry = {
      name: spec.name,
      version,
      patterns: key
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      requires,
      resolved: resolution as string,
      line: 0,
    }
    if (typeof o.checksum === 'string') e.integrity = o.checksum
    entries.push(e)
  }
  return { ok: true, value: { flavor: 'berry', entries, errors } }
}

/** `yarn.lock` of yarn 1 (its own syntax) or yarn 2+ ("berry", YAML with `__metadata`). */
export function parseYarnLock(buf: Buffer): Parsed<YarnLock> {
  const text = buf.toString('utf8')
  if (/^__metadata:/m.test(text)) return parseBerry(text)
  if (text.includes('\0')) return { ok: false, error: 'binary content, not a yarn lockfile' }
  const lock = parseV1(text)
  if (lock.entries.length === 0 && lock.errors.length > 0) {
    return { ok: false, error: `not a yarn lockfile (${lock.errors[0]?.message})` }
  }
  return { ok: true, value: lock }
}
