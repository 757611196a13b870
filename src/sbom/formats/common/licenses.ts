import { createHash } from 'node:crypto'
import { SPDX_EXCEPTION_IDS, SPDX_LICENSE_IDS } from './license-list.js'

// SPDX ids match case-insensitively (SPDX 2.3 Annex D.2); we write them in the list's spelling.
const LICENSES = new Map(SPDX_LICENSE_IDS.map((id) => [id.toLowerCase(), id]))
const EXCEPTIONS = new Map(SPDX_EXCEPTION_IDS.map((id) => [id.toLowerCase(), id]))
const LICENSE_REF = /^LicenseRef-[A-Za-z0-9.-]+$/

/** How one declared license string maps onto SPDX. */
export type LicenseClass =
  /** Exactly one id of the SPDX license list (in its canonical spelling). */
  | { kind: 'id'; id: string }
  /** A valid SPDX expression that is not a bare list id: `A OR B`, `GPL-2.0-only WITH X`, `MIT+`, `LicenseRef-x`. */
  | { kind: 'expression'; expression: string; licenseRefs: string[] }
  /** Anything else (`GPLv3+`, `MIT and BSD`, `Public Domain`): kept as a name. */
  | { kind: 'other'; text: string }

/** The canonical spelling of an SPDX license id, or undefined when `s` is not one. */
export function spdxLicenseId(s: string): string | undefined {
  return LICENSES.get(s.toLowerCase())
}

export function classifyLicense(text: string): LicenseClass {
  const t = text.trim()
  const id = spdxLicenseId(t)
  if (id) return { kind: 'id', id }
  const parsed = parseExpression(t)
  return parsed ? { kind: 'expression', ...parsed } : { kind: 'other', text: t }
}

type Token = { op: 'AND' | 'OR' | 'WITH' | '(' | ')' } | { term: string }

function tokenize(s: string): Token[] | undefined {
  const out: Token[] = []
  for (const m of s.matchAll(/\(|\)|[^\s()]+/g)) {
    const w = m[0]
    if (w === '(' || w === ')') out.push({ op: w })
    // Operators are upper case in SPDX; RPM and Debian metadata also write them in lower case, which means the same.
    else if (w === 'AND' || w === 'and') out.push({ op: 'AND' })
    else if (w === 'OR' || w === 'or') out.push({ op: 'OR' })
    else if (w === 'WITH' || w === 'with') out.push({ op: 'WITH' })
    else out.push({ term: w })
  }
  return out.length ? out : undefined
}

/**
 * Parses an SPDX license expression (SPDX 2.3 Annex D) whose every license is on the SPDX list or a
 * `LicenseRef-`, and writes it back normalised (canonical ids, upper-case operators, single spaces).
 * Returns undefined for anything else: we never guess what a free-text license means.
 */
export function parseExpression(s: string): { expression: string; licenseRefs: string[] } | undefined {
  const tokens = tokenize(s)
  if (!tokens) return undefined
  const refs = new Set<string>()
  let i = 0
  const peekOp = (): string | undefined => {
    const t = tokens[i]
    return t && 'op' in t ? t.op : undefined
  }
  const license = (): string | undefined => {
    const t = tokens[i]
    if (!t) return undefined
    if ('op' in t) {
      if (t.op !== '(') return undefined
      i++
      const inner = orExpr()
      if (inner === undefined || peekOp() !== ')') return undefined
      i++
      return `(${inner})`
    }
    i++
    if (LICENSE_REF.test(t.term)) {
      refs.add(t.term)
      return t.term
    }
    const id = spdxLicenseId(t.term)
    if (id) return id
    // `ID+` means "this version or later"; the list also holds a few deprecated ids ending in `+` (matched above).
    const base = t.term.endsWith('+') ? spdxLicenseId(t.term.slice(0, -1)) : undefined
    return base ? `${base}+` : undefined
  }
  const withExpr = (): string | undefined => {
    const l = license()
    if (l === undefined || peekOp() !== 'WITH') return l
    i++
    const t = tokens[i]
    const exc = t && 'term' in t ? EXCEPTIONS.get(t.term.toLowerCase()) : undefined
    if (!exc) return undefined
    i++
    return `${l} WITH ${exc}`
  }
  const chain = (op: 'AND' | 'OR', next: () => string | undefined) => (): string | undefined => {
    const parts: string[] = []
    for (;;) {
      const p = next()
      if (p === undefined) return undefined
      parts.push(p)
      if (peekOp() !== op) return parts.join(` ${op} `)
      i++
    }
  }
  const andExpr = chain('AND', withExpr)
  const orExpr = chain('OR', andExpr)
  const expression = orExpr()
  if (expression === undefined || i !== tokens.length) return undefined
  return { expression, licenseRefs: [...refs].sort() }
}

/**
 * Joins several declared licenses of one package into one expression with AND (each applies to part of the
 * package, as in Debian copyright files and syft's merge). Compound parts are parenthesised.
 */
export function joinWithAnd(parts: string[]): string {
  if (parts.length === 1) return parts[0] as string
  return parts.map((p) => (/\s/.test(p) && !isParenthesised(p) ? `(${p})` : p)).join(' AND ')
}

function isParenthesised(p: string): boolean {
  if (!p.startsWith('(') || !p.endsWith(')')) return false
  let depth = 0
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '(') depth++
    else if (p[i] === ')') depth--
    if (depth === 0 && i < p.length - 1) return false
  }
  return true
}

/**
 * Gives every free-text license a `LicenseRef-` id that is stable across scans: the text made id-safe, plus a
 * hash of the text when two texts would otherwise get the same id (decided over the whole set, so the id of a
 * text does not depend on the order texts are met).
 */
export function assignLicenseRefs(texts: Iterable<string>, taken: Iterable<string> = []): Map<string, string> {
  // Ids are compared case-insensitively (SPDX 2.3 Annex D.2), so `Public Domain` and `public domain` clash.
  const byBase = new Map<string, string[]>()
  for (const t of new Set(texts)) {
    const key = `LicenseRef-${sanitiseRef(t)}`.toLowerCase()
    const group = byBase.get(key)
    if (group) group.push(t)
    else byBase.set(key, [t])
  }
  const reserved = new Set([...taken].map((r) => r.toLowerCase()))
  const out = new Map<string, string>()
  for (const [key, group] of byBase) {
    const clash = group.length > 1 || reserved.has(key)
    for (const t of group) {
      const base = `LicenseRef-${sanitiseRef(t)}`
      out.set(t, clash ? `${base}-${createHash('sha256').update(t).digest('hex').slice(0, 8)}` : base)
    }
  }
  return out
}

function sanitiseRef(t: string): string {
  const s = t
    .replace(/\+/g, '-plus')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
  return s || 'unknown'
}
