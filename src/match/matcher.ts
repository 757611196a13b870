import type { Distro, Finding, FixState, Package, Sbom } from '../model/index.js'
import { inRange, parseRange, type Range, SCHEMES, type SchemeName, type VersionScheme } from '../version/index.js'
import {
  type AffectedRow,
  namespaceForDistro,
  normalizePackageName,
  type StoredVulnerability,
  type StoreReader,
  schemeForNamespace,
} from '../vulndb/index.js'
import { chooseSeverity } from './severity.js'

/** Bumped whenever the same SBOM and DB can give different findings. */
export const MATCHER_VERSION = 1

/** What a package is looked up by: the distro's source package, or the ecosystem's name. */
interface Query {
  namespace: string
  name: string
  version: string
  matchedBy: 'distro' | 'ecosystem'
}

const ECOSYSTEM: Partial<Record<Package['kind'], string>> = {
  npm: 'npm',
  python: 'pypi',
  java: 'maven',
  'go-module': 'go',
  'rust-crate': 'crates.io',
  gem: 'rubygems',
  composer: 'packagist',
  nuget: 'nuget',
}

function distroSourceVersion(p: Package): string {
  const m = p.metadata
  // Debian advisories speak of source versions; a binNMU (+b1) binary still carries its source's version.
  if (m.kind === 'deb') return m.sourceVersion || p.version
  if (m.kind === 'rpm') return p.version
  return p.version
}

/** Maven coordinates from the purl (`pkg:maven/group/artifact@v`) as `group:artifact`. */
function mavenName(p: Package): string {
  const m = /^pkg:maven\/([^/]+)\/([^@?]+)/.exec(p.purl)
  return m ? `${decodeURIComponent(m[1] as string)}:${decodeURIComponent(m[2] as string)}` : p.name
}

export function queryFor(p: Package, distroNamespace: string | undefined): Query | undefined {
  const m = p.metadata
  if (m.kind === 'deb' || m.kind === 'apk' || m.kind === 'rpm') {
    if (!distroNamespace) return undefined
    const src = p.source?.name ?? p.name
    // An RPM's source package name comes from its SOURCERPM; advisories key on it.
    return { namespace: distroNamespace, name: src, version: distroSourceVersion(p), matchedBy: 'distro' }
  }
  // Files an OS package owns are the distro's to report (docker/scout-cli#174): no second, ecosystem finding.
  if (m.ownedBy) return undefined
  const ns = ECOSYSTEM[p.kind]
  if (!ns) return undefined
  const name = p.kind === 'java' ? mavenName(p) : p.name
  return { namespace: ns, name, version: p.version, matchedBy: 'ecosystem' }
}

const NOT_FIXED: Record<string, FixState> = {
  open: 'not-fixed',
  affected: 'not-fixed',
  'no-dsa': 'wont-fix',
  ignored: 'wont-fix',
  postponed: 'not-fixed',
  unimportant: 'wont-fix',
  'end-of-life': 'wont-fix',
}

/**
 * Parsing dominates matching (the same fixed versions and ranges recur across thousands of rows), so each
 * scheme's parses and each range string are parsed once per match run.
 */
class Parsed {
  private readonly schemes = new Map<SchemeName, VersionScheme<unknown>>()
  private readonly ranges = new Map<string, Range | undefined>()

  scheme(name: SchemeName): VersionScheme<unknown> {
    let s = this.schemes.get(name)
    if (!s) {
      const base = SCHEMES[name]
      const memo = new Map<string, ReturnType<typeof base.parse>>()
      s = {
        ...base,
        name: base.name,
        parse(input: string) {
          let r = memo.get(input)
          if (!r) {
            r = base.parse(input)
            memo.set(input, r)
          }
          return r
        },
        compare: (a, b) => base.compare(a, b),
        format: (v) => base.format(v),
      }
      this.schemes.set(name, s)
    }
    return s
  }

  range(text: string, scheme: SchemeName): Range | undefined {
    const key = `${scheme}\u0000${text}`
    if (!this.ranges.has(key)) {
      const r = parseRange(text, scheme)
      this.ranges.set(key, r.ok ? r.value : undefined)
    }
    return this.ranges.get(key)
  }
}

/** Whether one affected row applies to the installed version, and the fix it offers. */
function applies(
  row: AffectedRow,
  schemeName: SchemeName,
  version: string,
  parsed: Parsed,
): { fix: Finding['fix'] } | undefined {
  if (row.status === 'not-affected' || row.status === 'withdrawn') return undefined
  const scheme = parsed.scheme(schemeName)
  const v = scheme.parse(version)
  if (!v.ok) return undefined
  if (row.ranges !== undefined) {
    const range = parsed.range(row.ranges, schemeName)
    if (!range) return undefined
    const r = inRange(scheme, v.value, range)
    if (!r.ok || !r.value) return undefined
  }
  const later: { text: string; v: unknown }[] = []
  for (const f of row.fixed) {
    const p = scheme.parse(f)
    if (p.ok && scheme.compare(p.value, v.value) > 0) later.push({ text: f, v: p.value })
  }
  if (later.length > 0) {
    later.sort((a, b) => scheme.compare(a.v, b.v))
    return { fix: { state: 'fixed', versions: later.map((l) => l.text) } }
  }
  const state = NOT_FIXED[row.status] ?? (row.status === 'fixed' ? 'unknown' : 'not-fixed')
  return {
    fix:
      row.status === 'affected' || row.status === 'open'
        ? { state, versions: [] }
        : { state, versions: [], status: row.status },
  }
}

function idRank(id: string): number {
  if (id.startsWith('CVE-')) return 0
  if (id.startsWith('GHSA-')) return 1
  return 2
}

function preferredSource(
  p: Package,
  records: StoredVulnerability[],
  distro: Distro | undefined,
): StoredVulnerability | undefined {
  const isOs = p.kind === 'deb' || p.kind === 'apk' || p.kind === 'rpm'
  const rank = (r: StoredVulnerability): number => {
    if (isOs) {
      // The distro maintainer: its tracker, then its OSV records (DSA/DLA/DEBIAN/UBUNTU…), then its secdb.
      if (distro && (r.source === distro.id || (distro.id === 'debian' && r.source === 'debian'))) return 0
      if (r.source === 'alpine' && p.kind === 'apk') return 0
      if (r.source === 'osv' && /^(DSA|DLA|DEBIAN|UBUNTU|USN|ALSA|RLSA|RHSA|ALPINE|SUSE|openSUSE)-/.test(r.id)) return 1
      return 5
    }
    if (r.id.startsWith('GHSA-')) return 0
    if (r.source === 'osv' || r.source === 'rubysec') return 1
    return 5
  }
  return [...records].filter((r) => rank(r) < 5).sort((a, b) => rank(a) - rank(b))[0]
}

export interface MatchOptions {
  distro?: Distro
}

export interface MatchResult {
  findings: Finding[]
  warnings: string[]
}

/**
 * Matches every package of an SBOM against the DB: OS packages against their distro release's advisories by
 * source package with the distro's version rules, language packages against their ecosystem by name. One
 * finding per (package, vulnerability): the ids a vulnerability goes by (CVE, GHSA, DSA…) are joined by alias.
 */
export function matchSbom(sbom: Sbom, db: StoreReader): MatchResult {
  const warnings: string[] = []
  const distroNs = sbom.distro ? namespaceForDistro(sbom.distro.id, sbom.distro.versionId) : undefined
  const hasOs = sbom.packages.some((p) => p.kind === 'deb' || p.kind === 'apk' || p.kind === 'rpm')
  if (hasOs && !distroNs)
    warnings.push('the distro release is unknown: OS packages were not matched (no guessed matches)')
  if (hasOs && distroNs && !db.perNamespace().some((n) => n.namespace === distroNs)) {
    warnings.push(`the DB holds no advisories for ${distroNs}: its OS packages were not matched`)
  }
  const findings: Finding[] = []
  const cache = new Map<string, AffectedRow[]>()
  const parsed = new Parsed()
  const lookups = new Lookups(db)
  for (const p of sbom.packages) {
    const q = queryFor(p, distroNs)
    if (!q) continue
    const key = `${q.namespace}\u0000${normalizePackageName(q.namespace, q.name)}`
    let rows = cache.get(key)
    if (!rows) {
      rows = db.affected(q.namespace, q.name)
      cache.set(key, rows)
    }
    if (rows.length === 0) continue
    const scheme = schemeForNamespace(q.namespace)
    const hits: { row: AffectedRow; fix: Finding['fix'] }[] = []
    for (const row of rows) {
      const a = applies(row, scheme, q.version, parsed)
      if (a) hits.push({ row, ...a })
    }
    if (hits.length === 0) continue
    findings.push(...clusterFindings(p, q, hits, lookups, sbom.distro))
  }
  return { findings: findings.sort(compareFindings), warnings }
}

/** The DB calls of one match run, each asked once: many packages share the same advisories. */
class Lookups {
  private readonly ids = new Map<string, StoredVulnerability[]>()
  private readonly rel = new Map<string, StoredVulnerability[]>()
  private readonly kevs = new Map<string, ReturnType<StoreReader['kev']>>()
  private readonly epsses = new Map<string, ReturnType<StoreReader['epss']>>()

  constructor(private readonly db: StoreReader) {}

  byId(id: string): StoredVulnerability[] {
    const hit = this.ids.get(id)
    if (hit) return hit
    const r = this.db.byId(id)
    this.ids.set(id, r)
    return r
  }

  /** Records under any of the ids, each id looked up once per run (the same CVE recurs across packages). */
  related(ids: string[]): StoredVulnerability[] {
    const out = new Map<string, StoredVulnerability>()
    for (const id of ids) {
      let r = this.rel.get(id)
      if (!r) {
        r = this.db.related([id])
        this.rel.set(id, r)
      }
      for (const v of r) out.set(`${v.source}\u0000${v.id}`, v)
    }
    return [...out.values()]
  }

  kev(cve: string): ReturnType<StoreReader['kev']> {
    if (!this.kevs.has(cve)) this.kevs.set(cve, this.db.kev(cve))
    return this.kevs.get(cve)
  }

  epss(cve: string): ReturnType<StoreReader['epss']> {
    if (!this.epsses.has(cve)) this.epsses.set(cve, this.db.epss(cve))
    return this.epsses.get(cve)
  }
}

/** Joins the matched records that are one vulnerability (by id and alias) into one finding each. */
function clusterFindings(
  p: Package,
  q: Query,
  hits: { row: AffectedRow; fix: Finding['fix'] }[],
  db: Lookups,
  distro: Distro | undefined,
): Finding[] {
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let r = x
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r) as string
    parent.set(x, r)
    return r
  }
  const union = (a: string, b: string) => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent.set(ra, rb)
  }
  const records = new Map<string, StoredVulnerability>()
  for (const h of hits) {
    for (const v of db.byId(h.row.vulnId).filter((v) => v.source === h.row.source)) {
      records.set(`${v.source}:${v.id}`, v)
      parent.set(v.id, find(v.id))
      for (const a of v.aliases) union(v.id, a)
    }
  }
  const groups = new Map<string, { hits: typeof hits; ids: Set<string> }>()
  for (const h of hits) {
    const root = find(h.row.vulnId)
    const g = groups.get(root) ?? { hits: [], ids: new Set<string>() }
    g.hits.push(h)
    groups.set(root, g)
  }
  for (const id of parent.keys()) groups.get(find(id))?.ids.add(id)
  const out: Finding[] = []
  for (const g of groups.values()) {
    const ids = [...g.ids].sort((a, b) => idRank(a) - idRank(b) || a.localeCompare(b))
    const id = ids[0] as string
    const matched = g.hits
      .map((h) => records.get(`${h.row.source}:${h.row.vulnId}`))
      .filter((r): r is StoredVulnerability => r !== undefined)
    const related = db.related(ids).filter((r) => !matched.some((m) => m.source === r.source && m.id === r.id))
    const pref = preferredSource(p, matched, distro) ?? matched[0]
    const choice = chooseSeverity(pref, [...matched.filter((m) => m !== pref), ...related])
    const prefHit = g.hits.find((h) => pref && h.row.vulnId === pref.id && h.row.source === pref.source) ?? g.hits[0]
    const fixVersions = [...new Set(g.hits.flatMap((h) => h.fix.versions))]
    const fix: Finding['fix'] =
      prefHit?.fix.state === 'fixed' || fixVersions.length === 0
        ? (prefHit?.fix ?? { state: 'unknown', versions: [] })
        : { state: 'fixed', versions: fixVersions }
    const cves = ids.filter((x) => x.startsWith('CVE-'))
    const kev = cves.map((c) => db.kev(c)).find((k) => k !== undefined)
    const epss = cves.map((c) => db.epss(c)).find((e) => e !== undefined)
    const all = [...matched, ...related]
    const f: Finding = {
      package: {
        id: p.id,
        name: p.name,
        version: p.version,
        kind: p.kind,
        purl: p.purl,
        location: p.lastChangedIn,
        introducedIn: p.introducedIn,
      },
      id,
      aliases: ids.slice(1),
      matchedBy: q.matchedBy,
      namespace: q.namespace,
      advisoryPackage: q.name,
      advisories: matched.map((m) => `${m.source}:${m.id}`).sort(),
      fix,
      severity: choice.severity,
      cvssAll: all.flatMap((r) => r.cvss),
      cwes: [...new Set(all.flatMap((r) => r.cwes))].sort(),
      urls: [...new Set(all.flatMap((r) => r.references.map((x) => x.url)))].slice(0, 20),
    }
    if (prefHit?.row.ranges) f.affectedRange = prefHit.row.ranges
    if (choice.cvss) f.cvss = choice.cvss
    const summary = pref?.summary ?? all.find((r) => r.summary)?.summary
    if (summary) f.summary = summary
    const published = all
      .map((r) => r.published)
      .filter((x): x is string => !!x)
      .sort()[0]
    if (published) f.published = published
    if (kev) f.kev = kev
    if (epss) f.epss = epss
    out.push(f)
  }
  return out
}

const LEVEL_RANK = { critical: 0, high: 1, medium: 2, low: 3, unspecified: 4 } as const

export function compareFindings(a: Finding, b: Finding): number {
  return (
    LEVEL_RANK[a.severity.level] - LEVEL_RANK[b.severity.level] ||
    a.package.name.localeCompare(b.package.name) ||
    a.package.version.localeCompare(b.package.version) ||
    a.id.localeCompare(b.id) ||
    a.package.location.path.localeCompare(b.package.location.path)
  )
}
