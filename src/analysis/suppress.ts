// Suppressions: the user's own ignore list (`.shipshape.yaml` or `--policy FILE`) and OpenVEX documents (`--vex FILE`).
// Suppressed findings are kept and marked, not dropped: the output layer shows or hides them (`--ignore-suppressed`).

import { readFileSync } from 'node:fs'
import { PackageURL } from 'packageurl-js'
import { z } from 'zod'
import { compileGlobs } from '../filetree/index.js'
import { errorMessage, ShipshapeError, yaml } from '../internal/index.js'
import type { Finding, TargetSummary } from '../model/index.js'
import { ociPurl } from '../sbom/formats/common/shared.js'

/** The policy file looked for in the working directory when `--policy` is not given. */
export const DEFAULT_POLICY_FILE = '.shipshape.yaml'

// ---------------------------------------------------------------------------------------------------------------
// Types

export interface PolicyEntry {
  /** Position in the file's `ignore` list (0-based), as error messages and `source` name it. */
  index: number
  /** A vulnerability id; matches the finding's id or any of its aliases (case-insensitive). */
  id: string
  /** A package name, or a purl (without a version it matches every version; qualifiers are ignored). */
  package?: string
  /** A glob (`*`, `**`, `?`, `{a,b}`) on the package's location path; anchored at `/`. */
  path?: string
  reason: string
  /** `YYYY-MM-DD`: the entry stops applying at the start of that day (UTC). */
  expires?: string
}

export interface Policy {
  /** The file it was read from. */
  source: string
  ignore: PolicyEntry[]
}

export type VexStatus = (typeof VEX_STATUSES)[number]

export const VEX_STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'] as const

export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const

export type VexJustification = (typeof VEX_JUSTIFICATIONS)[number]

/** A product or subcomponent: its `@id` and, when either is a purl, that purl. */
export interface VexComponent {
  id?: string
  purl?: string
}

export interface VexProduct extends VexComponent {
  subcomponents: VexComponent[]
}

export interface VexStatement {
  /** Position in the document's `statements` (0-based). */
  index: number
  vulnerability: { name?: string; id?: string; aliases: string[] }
  products: VexProduct[]
  status: VexStatus
  justification?: VexJustification
  impactStatement?: string
  actionStatement?: string
  statusNotes?: string
  /** The statement's own timestamp, else the document's (OpenVEX inheritance). */
  timestamp?: string
}

export interface VexDocument {
  /** The file it was read from. */
  source: string
  /** `@context` as written, and the spec version it names (`0.0.1` when the URL has none). */
  context: string
  specVersion: string
  id?: string
  author?: string
  timestamp?: string
  version?: number
  statements: VexStatement[]
}

export interface Suppression {
  by: 'policy' | 'vex'
  reason: string
  /** `FILE#ignore[i]` or `FILE#statements[i]`. */
  source: string
}

export type SuppressedFinding = Finding & { suppressed?: Suppression }

export interface ExpiredEntry {
  id: string
  reason: string
  expires: string
  source: string
}

export interface SuppressOptions {
  policy?: Policy
  vex?: VexDocument[]
  now: Date
  /** The scanned image's own purls (`pkg:oci/NAME@DIGEST?repository_url=…`), for VEX statements about the image. */
  imagePurls?: string[]
}

export interface SuppressResult {
  findings: SuppressedFinding[]
  expired: ExpiredEntry[]
}

// ---------------------------------------------------------------------------------------------------------------
// Shared validation helpers

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  return typeof v
}

/** A string field with short messages: `required`, `expected a string, got number`, `empty`. */
function text() {
  return z
    .string({ error: (i) => (i.input === undefined ? 'required' : `expected a string, got ${typeName(i.input)}`) })
    .trim()
    .min(1, 'empty')
}

/** `ignore[2].reason`, `statements[0].products[1].@id`. */
function issuePath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out
}

/** The first problem, preferring an unknown field (a typo there also shows up as a missing required one). */
function firstIssue(e: z.ZodError): string {
  const i = e.issues.find((x) => x.code === 'unrecognized_keys') ?? e.issues[0]
  if (!i) return 'invalid'
  const message = i.code === 'unrecognized_keys' ? `unknown field ${i.keys.join(', ')}` : i.message
  const where = issuePath(i.path)
  return where ? `${where}: ${message}` : message
}

function oneLine(s: string): string {
  return (s.split('\n')[0] ?? '').trim().replace(/:$/, '')
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new ShipshapeError('NOT_FOUND', `no such ${what} file`, { where: path })
    throw new ShipshapeError('USAGE', `cannot read ${what} file: ${oneLine(errorMessage(e))}`, {
      where: path,
      cause: e,
    })
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function isRealDate(s: string): boolean {
  const m = DATE.exec(s)
  if (!m) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/

/** An RFC 3339 time as [milliseconds, sub-millisecond nanoseconds], so nanosecond timestamps still order. */
function parseTime(s: string): [number, number] | undefined {
  const m = RFC3339.exec(s)
  if (!m) return undefined
  const frac = (m[3] ?? '').padEnd(9, '0').slice(0, 9)
  const ms = Date.parse(`${m[1]}T${m[2]}.${frac.slice(0, 3)}${m[4]?.toUpperCase()}`)
  if (Number.isNaN(ms)) return undefined
  return [ms, Number(frac.slice(3))]
}

// ---------------------------------------------------------------------------------------------------------------
// purls

interface ParsedPurl {
  type: string
  namespace: string
  name: string
  version: string
  qualifiers: Record<string, string>
}

const purlCache = new Map<string, ParsedPurl | null>()

function parsePurl(s: string): ParsedPurl | undefined {
  const hit = purlCache.get(s)
  if (hit !== undefined) return hit ?? undefined
  let out: ParsedPurl | null = null
  if (s.startsWith('pkg:')) {
    try {
      const p = PackageURL.fromString(s)
      out = {
        type: p.type.toLowerCase(),
        namespace: p.namespace ?? '',
        name: p.name,
        version: p.version ?? '',
        qualifiers: { ...(p.qualifiers ?? {}) },
      }
    } catch {
      out = null
    }
  }
  if (purlCache.size > 50_000) purlCache.clear()
  purlCache.set(s, out)
  return out ?? undefined
}

/**
 * Whether `pattern` (a statement's or policy entry's purl) covers `actual` (a package's): same type, namespace and
 * name; the same version when the pattern has one; qualifiers ignored.
 */
function purlCovers(pattern: ParsedPurl, actual: ParsedPurl): boolean {
  if (pattern.type !== actual.type || pattern.namespace !== actual.namespace || pattern.name !== actual.name)
    return false
  return pattern.version === '' || pattern.version === actual.version
}

/** `docker.io/library/alpine` for `alpine`, `index.docker.io/library/alpine`, `https://docker.io/alpine`. */
function normalizeRepository(r: string): string {
  let s = r
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase()
  const first = s.split('/')[0] ?? ''
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') s = `docker.io/${s}`
  s = s.replace(/^(?:index\.docker\.io|registry-1\.docker\.io|registry\.hub\.docker\.com)\//, 'docker.io/')
  if (/^docker\.io\/[^/]+$/.test(s)) s = s.replace(/^docker\.io\//, 'docker.io/library/')
  return s
}

/**
 * An OCI product covers the image when the names agree, the digest agrees when the product has one, and the
 * `repository_url` qualifiers agree when both have one: for an image, the repository is part of its identity
 * (Trivy's own VEX names the same image name under three registries).
 */
function ociCovers(pattern: ParsedPurl, image: ParsedPurl): boolean {
  if (pattern.type !== 'oci' || image.type !== 'oci') return false
  if (pattern.name.toLowerCase() !== image.name.toLowerCase()) return false
  if (pattern.version && pattern.version.toLowerCase() !== image.version.toLowerCase()) return false
  const a = pattern.qualifiers.repository_url
  const b = image.qualifiers.repository_url
  return !a || !b || normalizeRepository(a) === normalizeRepository(b)
}

/** The image's purls for VEX `pkg:oci` products: by manifest digest and, for a multi-platform image, index digest. */
export function imagePurlsOf(target: TargetSummary): string[] {
  if (target.kind === 'filesystem') return []
  const tag = target.tags[0]
  const arch = target.platform?.architecture
  const out: string[] = []
  for (const d of [target.manifestDigest, target.indexDigest]) if (d) out.push(ociPurl(d, target.name, tag, arch))
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Policy files

const policyEntrySchema = z.strictObject(
  {
    id: text(),
    package: text().optional(),
    path: text().optional(),
    reason: text(),
    expires: z
      .preprocess(
        // YAML 1.1 documents turn bare dates into timestamps.
        (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : v),
        z.string({ error: (i) => `expected a YYYY-MM-DD date, got ${typeName(i.input)}` }),
      )
      .refine(isRealDate, 'expected a YYYY-MM-DD date')
      .optional(),
  },
  { error: (i) => `expected a mapping with id and reason, got ${typeName(i.input)}` },
)

const policySchema = z.looseObject({
  ignore: z.preprocess(
    (v) => (v === null ? [] : v),
    z.array(policyEntrySchema, { error: (i) => `expected a list, got ${typeName(i.input)}` }).default([]),
  ),
})

/** Absolute glob: relative ones are anchored at the image root. */
function anchorGlob(g: string): string {
  return g.startsWith('/') || g.startsWith('**') ? g : `/${g}`
}

/** Parses a policy document (YAML); `source` names it in errors and suppressions. */
export function parsePolicy(textIn: string, source: string): Policy {
  const bad = (msg: string) => new ShipshapeError('USAGE', `bad policy: ${msg}`, { where: source })
  let raw: unknown
  try {
    raw = yaml().parse(textIn)
  } catch (e) {
    throw bad(`not valid YAML: ${oneLine(errorMessage(e))}`)
  }
  if (raw === null || raw === undefined) return { source, ignore: [] }
  if (!isObject(raw)) throw bad(`expected a mapping with an \`ignore\` list, got ${typeName(raw)}`)
  const parsed = policySchema.safeParse(raw)
  if (!parsed.success) throw bad(firstIssue(parsed.error))
  const ignore: PolicyEntry[] = parsed.data.ignore.map((e, index) => {
    if (e.package?.startsWith('pkg:') && !parsePurl(e.package))
      throw bad(`ignore[${index}].package: not a valid purl: ${e.package}`)
    if (e.path !== undefined) {
      try {
        compileGlobs([anchorGlob(e.path)])
      } catch {
        throw bad(`ignore[${index}].path: not a valid glob: ${e.path}`)
      }
    }
    const out: PolicyEntry = { index, id: e.id, reason: e.reason }
    if (e.package !== undefined) out.package = e.package
    if (e.path !== undefined) out.path = e.path
    if (e.expires !== undefined) out.expires = e.expires
    return out
  })
  return { source, ignore }
}

/** Reads and validates a policy file; any problem is a one-line USAGE error naming the file and the entry. */
export function loadPolicy(path: string): Policy {
  return parsePolicy(readText(path, 'policy'), path)
}

// ---------------------------------------------------------------------------------------------------------------
// OpenVEX documents

const CONTEXT = /^https?:\/\/openvex\.dev\/ns(?:\/v(\d+\.\d+\.\d+))?\/?$/

const timeField = z
  .string({ error: (i) => `expected an RFC 3339 date-time, got ${typeName(i.input)}` })
  .refine((s) => parseTime(s) !== undefined, 'expected an RFC 3339 date-time')

const optText = z.string({ error: (i) => `expected a string, got ${typeName(i.input)}` }).optional()

const componentShape = {
  '@id': text().optional(),
  identifiers: z
    .looseObject({ purl: text().optional(), cpe22: text().optional(), cpe23: text().optional() })
    .optional(),
  hashes: z.record(z.string(), z.string()).optional(),
}

const hasIdentity = (c: { '@id'?: string | undefined; identifiers?: unknown }) =>
  c['@id'] !== undefined || c.identifiers !== undefined

/** 0.0.x writes components as plain strings. */
const asComponent = (v: unknown) => (typeof v === 'string' ? { '@id': v } : v)

const listError = (i: { input: unknown }) =>
  i.input === undefined ? 'required' : `expected a list, got ${typeName(i.input)}`

const objectError = (i: { input: unknown }) => `expected an object or a string, got ${typeName(i.input)}`

const subcomponentSchema = z.preprocess(
  asComponent,
  z
    .looseObject(componentShape, { error: objectError })
    .refine(hasIdentity, 'a subcomponent needs an @id or identifiers'),
)

const productSchema = z.preprocess(
  asComponent,
  z
    .looseObject(
      { ...componentShape, subcomponents: z.array(subcomponentSchema, { error: listError }).optional() },
      { error: objectError },
    )
    .refine(hasIdentity, 'a product needs an @id or identifiers'),
)

const vulnerabilitySchema = z.preprocess(
  // 0.0.x: `"vulnerability": "CVE-…"`.
  (v) => (typeof v === 'string' ? { name: v } : v),
  z
    .looseObject(
      {
        name: text().optional(),
        '@id': text().optional(),
        description: optText,
        aliases: z.array(text(), { error: listError }).optional(),
      },
      { error: (i) => (i.input === undefined ? 'required' : `expected an object, got ${typeName(i.input)}`) },
    )
    .refine((v) => v.name !== undefined || v['@id'] !== undefined, 'a vulnerability needs a name or an @id'),
)

const statementSchema = z
  .looseObject(
    {
      '@id': text().optional(),
      version: z.union([z.number().int(), z.string()]).optional(),
      vulnerability: vulnerabilitySchema,
      timestamp: timeField.optional(),
      last_updated: timeField.optional(),
      products: z.array(productSchema, { error: listError }).optional(),
      // 0.0.x: subcomponents beside the products, applying to each of them.
      subcomponents: z.array(subcomponentSchema, { error: listError }).optional(),
      status: z.enum(VEX_STATUSES, {
        error: (i) =>
          i.input === undefined
            ? 'required'
            : `expected one of ${VEX_STATUSES.join(', ')}, got ${JSON.stringify(i.input)}`,
      }),
      supplier: optText,
      status_notes: optText,
      justification: z
        .enum(VEX_JUSTIFICATIONS, {
          error: (i) => `expected one of ${VEX_JUSTIFICATIONS.join(', ')}, got ${JSON.stringify(i.input)}`,
        })
        .optional(),
      impact_statement: optText,
      action_statement: optText,
      action_statement_timestamp: timeField.optional(),
    },
    { error: (i) => `expected an object, got ${typeName(i.input)}` },
  )
  .superRefine((s, ctx) => {
    if (s.status === 'not_affected' && s.justification === undefined && !s.impact_statement?.trim())
      ctx.addIssue({
        code: 'custom',
        path: ['justification'],
        message: 'a not_affected statement needs a justification or an impact_statement',
      })
  })

const documentSchema = z.looseObject({
  '@context': z.string().regex(CONTEXT, 'not an OpenVEX context (https://openvex.dev/ns/v…)'),
  '@id': text().optional(),
  author: optText,
  role: optText,
  timestamp: timeField.optional(),
  last_updated: timeField.optional(),
  // 0.0.1 writes the version as a string.
  version: z
    .preprocess(
      (v) => (typeof v === 'string' && /^[1-9]\d*$/.test(v) ? Number(v) : v),
      z
        .number({ error: 'expected a positive integer' })
        .int('expected a positive integer')
        .min(1, 'expected a positive integer'),
    )
    .optional(),
  tooling: optText,
  statements: z.array(statementSchema, { error: listError }),
})

type RawComponent = { '@id'?: string | undefined; identifiers?: { purl?: string | undefined } | undefined }

function toComponent(c: RawComponent): VexComponent {
  const out: VexComponent = {}
  const id = c['@id']
  if (id !== undefined) out.id = id
  const purl = id?.startsWith('pkg:') ? id : c.identifiers?.purl
  if (purl !== undefined) out.purl = purl
  return out
}

/** Parses an OpenVEX document (0.2.0, and the 0.0.x shapes: string vulnerabilities, products and subcomponents). */
export function parseVex(textIn: string, source: string): VexDocument {
  const bad = (msg: string) => new ShipshapeError('USAGE', `bad OpenVEX document: ${msg}`, { where: source })
  let raw: unknown
  try {
    raw = JSON.parse(textIn)
  } catch (e) {
    throw bad(`not valid JSON: ${oneLine(errorMessage(e))}`)
  }
  if (!isObject(raw)) throw bad(`expected a JSON object, got ${typeName(raw)}`)
  if (raw['@context'] === undefined) throw bad('no @context: not an OpenVEX document')
  const parsed = documentSchema.safeParse(raw)
  if (!parsed.success) throw bad(firstIssue(parsed.error))
  const d = parsed.data
  const specVersion = CONTEXT.exec(d['@context'])?.[1] ?? '0.0.1'
  const statements: VexStatement[] = d.statements.map((s, index) => {
    const shared = (s.subcomponents ?? []).map(toComponent)
    const v = s.vulnerability
    const vulnerability: VexStatement['vulnerability'] = { aliases: v.aliases ?? [] }
    if (v.name !== undefined) vulnerability.name = v.name
    if (v['@id'] !== undefined) vulnerability.id = v['@id']
    const out: VexStatement = {
      index,
      vulnerability,
      products: (s.products ?? []).map((p) => ({
        ...toComponent(p),
        subcomponents: [...(p.subcomponents ?? []).map(toComponent), ...shared],
      })),
      status: s.status,
    }
    if (s.justification !== undefined) out.justification = s.justification
    if (s.impact_statement?.trim()) out.impactStatement = s.impact_statement.trim()
    if (s.action_statement?.trim()) out.actionStatement = s.action_statement.trim()
    if (s.status_notes?.trim()) out.statusNotes = s.status_notes.trim()
    const ts = s.timestamp ?? d.timestamp
    if (ts !== undefined) out.timestamp = ts
    return out
  })
  const doc: VexDocument = { source, context: d['@context'], specVersion, statements }
  if (d['@id'] !== undefined) doc.id = d['@id']
  if (d.author !== undefined) doc.author = d.author
  if (d.timestamp !== undefined) doc.timestamp = d.timestamp
  if (d.version !== undefined) doc.version = Number(d.version)
  return doc
}

/** Reads and validates an OpenVEX file; any problem is a one-line USAGE error naming the file and the statement. */
export function loadVex(path: string): VexDocument {
  return parseVex(readText(path, 'VEX'), path)
}

// ---------------------------------------------------------------------------------------------------------------
// Applying them

function findingIds(f: Finding): Set<string> {
  return new Set([f.id, ...f.aliases].map((s) => s.toUpperCase()))
}

/** The ids a statement names: `name`, the aliases, `@id`, and the last path segment of an `@id` URL (NVD's). */
function statementIds(s: VexStatement): string[] {
  const v = s.vulnerability
  const ids = [...v.aliases]
  if (v.name) ids.push(v.name)
  if (v.id) {
    ids.push(v.id)
    const last = /^[a-z][a-z0-9+.-]*:\/\/[^?#]*\/([^/?#]+)\/?(?:[?#].*)?$/i.exec(v.id)?.[1]
    if (last) ids.push(decodeURIComponent(last))
  }
  return [...new Set(ids.map((s) => s.trim().toUpperCase()).filter(Boolean))]
}

interface CompiledEntry {
  entry: PolicyEntry
  source: string
  id: string
  matchPackage?: (f: Finding) => boolean
  path?: RegExp
}

function compileEntry(policy: Policy, entry: PolicyEntry): CompiledEntry {
  const out: CompiledEntry = { entry, source: `${policy.source}#ignore[${entry.index}]`, id: entry.id.toUpperCase() }
  const pkg = entry.package
  if (pkg !== undefined) {
    const pattern = pkg.startsWith('pkg:') ? parsePurl(pkg) : undefined
    if (pattern) {
      out.matchPackage = (f) => {
        const actual = parsePurl(f.package.purl)
        return actual !== undefined && purlCovers(pattern, actual)
      }
    } else if (pkg.startsWith('pkg:')) {
      out.matchPackage = () => false
    } else {
      // A name: the package's own, or the source package the distro's advisories are keyed by.
      out.matchPackage = (f) => f.package.name === pkg || (f.matchedBy === 'distro' && f.advisoryPackage === pkg)
    }
  }
  if (entry.path !== undefined) out.path = compileGlobs([anchorGlob(entry.path)])
  return out
}

/** Start of the expiry day, UTC. */
function expiresAt(expires: string): number {
  return Date.parse(`${expires}T00:00:00Z`)
}

interface IndexedStatement {
  statement: VexStatement
  source: string
  /** [ms, ns remainder] or undefined when neither the statement nor its document has a time. */
  time: [number, number] | undefined
  /** Input order: later documents, then later statements, win ties. */
  order: number
}

function compareStatements(a: IndexedStatement, b: IndexedStatement): number {
  const ta = a.time
  const tb = b.time
  if (ta && !tb) return 1
  if (!ta && tb) return -1
  if (ta && tb) {
    if (ta[0] !== tb[0]) return ta[0] - tb[0]
    if (ta[1] !== tb[1]) return ta[1] - tb[1]
  }
  return a.order - b.order
}

function vexReason(s: VexStatement): string {
  let head: string = s.status
  if (s.justification) head += ` (${s.justification})`
  const detail = s.impactStatement ?? s.statusNotes ?? s.actionStatement
  return detail ? `${head}: ${detail}` : head
}

/**
 * Marks the findings a policy entry or a VEX statement suppresses; they stay in the list with `suppressed` set.
 *
 * - A policy entry applies while unexpired (`now` before the start of its `expires` day, UTC); the first matching
 *   entry wins. Expired entries are listed in `expired`, whether or not they would have matched.
 * - VEX: of the statements whose vulnerability names the finding's id or an alias and whose product covers the
 *   finding (its package purl, or the image itself through `imagePurls`, narrowed by `subcomponents`), the latest
 *   by timestamp decides; `not_affected` and `fixed` suppress, `affected` and `under_investigation` do not.
 * - The policy is consulted before VEX.
 */
export function applySuppressions(findings: Finding[], opts: SuppressOptions): SuppressResult {
  const now = opts.now.getTime()
  const expired: ExpiredEntry[] = []
  const entries: CompiledEntry[] = []
  if (opts.policy) {
    for (const e of opts.policy.ignore) {
      const compiled = compileEntry(opts.policy, e)
      if (e.expires !== undefined && now >= expiresAt(e.expires))
        expired.push({ id: e.id, reason: e.reason, expires: e.expires, source: compiled.source })
      else entries.push(compiled)
    }
  }

  const images = (opts.imagePurls ?? []).map(parsePurl).filter((p): p is ParsedPurl => p !== undefined)
  const byVuln = new Map<string, IndexedStatement[]>()
  let order = 0
  for (const doc of opts.vex ?? []) {
    for (const statement of doc.statements) {
      const ts = statement.timestamp
      const ix: IndexedStatement = {
        statement,
        source: `${doc.source}#statements[${statement.index}]`,
        time: ts === undefined ? undefined : parseTime(ts),
        order: order++,
      }
      for (const id of statementIds(statement)) {
        const list = byVuln.get(id)
        if (list) list.push(ix)
        else byVuln.set(id, [ix])
      }
    }
  }

  const componentCovers = (c: VexComponent, actual: ParsedPurl | undefined): boolean => {
    if (!actual || !c.purl) return false
    const pattern = parsePurl(c.purl)
    return pattern !== undefined && purlCovers(pattern, actual)
  }

  const productCovers = (p: VexProduct, actual: ParsedPurl | undefined): boolean => {
    const pattern = p.purl ? parsePurl(p.purl) : undefined
    if (!pattern) return false
    if (pattern.type === 'oci') {
      if (!images.some((img) => ociCovers(pattern, img))) return false
      return p.subcomponents.length === 0 || p.subcomponents.some((c) => componentCovers(c, actual))
    }
    // A package product: its subcomponents would need a containment graph we do not have, so the product decides.
    return actual !== undefined && purlCovers(pattern, actual)
  }

  const out = findings.map((f): SuppressedFinding => {
    const ids = findingIds(f)
    for (const c of entries) {
      if (!ids.has(c.id)) continue
      if (c.matchPackage && !c.matchPackage(f)) continue
      if (c.path && !c.path.test(f.package.location.path)) continue
      return { ...f, suppressed: { by: 'policy', reason: c.entry.reason, source: c.source } }
    }
    if (byVuln.size === 0) return f
    const actual = parsePurl(f.package.purl)
    let latest: IndexedStatement | undefined
    const seen = new Set<IndexedStatement>()
    for (const id of ids) {
      for (const ix of byVuln.get(id) ?? []) {
        if (seen.has(ix)) continue
        seen.add(ix)
        if (!ix.statement.products.some((p) => productCovers(p, actual))) continue
        if (!latest || compareStatements(ix, latest) > 0) latest = ix
      }
    }
    if (!latest) return f
    const s = latest.statement
    if (s.status !== 'not_affected' && s.status !== 'fixed') return f
    return { ...f, suppressed: { by: 'vex', reason: vexReason(s), source: latest.source } }
  })
  return { findings: out, expired }
}
