import {
  type Finding,
  formatPlatform,
  type Package,
  type PackageKind,
  type Report,
  SEVERITY_ORDER,
  type SeverityCounts,
  type SeverityLevel,
} from '../model/index.js'
import { compareVersions, type SchemeName } from '../version/index.js'
import { severityCounts } from './report.js'

/**
 * `compare IMAGE --to OTHER`: what changed from the baseline (`--to`) to the target (the image judged). Packages are
 * matched by (kind, name, path of the record they were read from), so one name at two paths is two packages;
 * versions are ordered by each kind's own scheme; vulnerabilities are matched per package by id, where any id or
 * alias in common makes two findings the same vulnerability.
 */

export const COMPARISON_SCHEMA_VERSION = 1

/** One side of the comparison, as the overview shows it. */
export interface ComparedImage {
  /** What the user asked for. */
  ref: string
  name?: string
  tags: string[]
  /** The manifest digest, when the target is an image. */
  digest?: string
  /** `os/arch[/variant]`. */
  platform?: string
  /** Sum of compressed layer sizes (0 when unknown, as for some SBOMs). */
  size: number
  packages: number
  /** Counted as Scout does: one per (vulnerability, package); suppressed findings are left out. */
  vulnerabilities: SeverityCounts
  vulnerablePackages: number
}

/** A vulnerability of one package, as the package lists of a comparison show it. */
export interface VulnerabilityRef {
  id: string
  aliases: string[]
  severity: SeverityLevel
  /** The package the advisories were looked up by (the source package for distro packages). */
  advisoryPackage: string
  fixedIn: string[]
}

export interface VulnerabilityDelta {
  /** In the target, not in the baseline. */
  added: VulnerabilityRef[]
  /** In the baseline, not in the target. */
  removed: VulnerabilityRef[]
  /** In both (by id or alias). */
  unchanged: number
  /** The target's counts for this package (zero when the package is not in the target). */
  counts: SeverityCounts
  /** Target minus baseline, per severity. */
  delta: SeverityCounts
}

/** How a package's version moved from the baseline to the target; `changed` when the scheme cannot order them. */
export type VersionChange = 'upgraded' | 'downgraded' | 'unchanged' | 'changed'
export type PackageChangeKind = 'added' | 'removed' | VersionChange

interface PackageDeltaBase {
  kind: PackageKind
  name: string
  /** The file the package record was read from (in the target; in the baseline for a removed package). */
  path: string
  /** The baseline's file, when it differs because it names the version (`tomcat10-api-10.1.60.jar`). */
  baselinePath?: string
  /** For OS packages. */
  architecture?: string
  purl: string
  vulnerabilities: VulnerabilityDelta
}

export type PackageDelta =
  | (PackageDeltaBase & { change: 'added'; version: string })
  | (PackageDeltaBase & { change: 'removed'; baselineVersion: string })
  | (PackageDeltaBase & { change: VersionChange; version: string; baselineVersion: string })

export interface Comparison {
  kind: 'comparison'
  target: ComparedImage
  baseline: ComparedImage
  /** Target minus baseline. */
  delta: { vulnerabilities: SeverityCounts; size: number; packages: number }
  summary: {
    packages: Record<PackageChangeKind, number>
    /** Summed over packages, one per (vulnerability, package), as the counts are. */
    vulnerabilities: { added: number; removed: number }
  }
  /** Sorted by name, kind, path; every package of either side, unless unchanged ones were left out. */
  packages: PackageDelta[]
  /** The `-x/--exit-on` conditions: whether the target is worse than the baseline. */
  worse: { vulnerability: boolean; package: boolean }
  /** Whether unchanged packages were left out of `packages` (their count stays in the summary). */
  unchangedOmitted: boolean
}

const SCHEME_OF: Record<PackageKind, SchemeName> = {
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  python: 'pep440',
  java: 'maven',
  'go-module': 'go',
  'rust-crate': 'semver',
  gem: 'gem',
  composer: 'composer',
  nuget: 'nuget',
}

/** -1, 0 or 1 when the kind's scheme orders the two versions; undefined when either does not parse. */
export function orderVersions(kind: PackageKind, a: string, b: string): -1 | 0 | 1 | undefined {
  if (a === b) return 0
  try {
    return compareVersions(SCHEME_OF[kind], a, b)
  } catch {
    return undefined
  }
}

/** A package (or a finding whose package is not in the SBOM) with its live findings. */
interface Entry {
  kind: PackageKind
  name: string
  path: string
  architecture?: string
  version: string
  purl: string
  findings: Finding[]
}

function zeroCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0 }
}

function architectureOf(p: Package): string | undefined {
  const m = p.metadata
  return m.kind === 'deb' || m.kind === 'apk' || m.kind === 'rpm' ? m.architecture || undefined : undefined
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * The record's path with the package's own version masked, where it stands as a whole version: a jar, a
 * `.dist-info` directory or a gem directory names the version (`tomcat10-api-10.1.55.jar`), and an upgrade must
 * still be one package at one place, not one removed and one added.
 */
export function placeOf(path: string, version: string): string {
  if (version === '') return path
  const re = new RegExp(`(?<![0-9A-Za-z])${escapeRegExp(version)}(?![0-9A-Za-z]|\\.[0-9])`, 'g')
  return path.replace(re, '\u0000')
}

function keyOf(kind: string, name: string, path: string, version: string): string {
  return `${kind}\u0000${name}\u0000${placeOf(path, version)}`
}

function entriesOf(r: Report): Map<string, Entry[]> {
  const live = r.findings.filter((f) => !f.suppressed)
  const byId = new Map<string, Finding[]>()
  for (const f of live) {
    const list = byId.get(f.package.id)
    if (list) list.push(f)
    else byId.set(f.package.id, [f])
  }
  const out = new Map<string, Entry[]>()
  const add = (e: Entry) => {
    const k = keyOf(e.kind, e.name, e.path, e.version)
    const list = out.get(k)
    if (list) list.push(e)
    else out.set(k, [e])
  }
  const seen = new Set<string>()
  for (const p of r.sbom.packages) {
    seen.add(p.id)
    const arch = architectureOf(p)
    add({
      kind: p.kind,
      name: p.name,
      path: p.lastChangedIn.path,
      ...(arch ? { architecture: arch } : {}),
      version: p.version,
      purl: p.purl,
      findings: byId.get(p.id) ?? [],
    })
  }
  // Findings of packages the SBOM does not list (a report trimmed by a filter): still compared.
  for (const [id, findings] of byId) {
    if (seen.has(id)) continue
    const p = (findings[0] as Finding).package
    add({ kind: p.kind, name: p.name, path: p.location.path, version: p.version, purl: p.purl, findings })
  }
  return out
}

/** Pairs the packages of one key: same architecture and version first, then same architecture, then the rest. */
function pair(t: Entry[], b: Entry[]): { pairs: [Entry, Entry][]; added: Entry[]; removed: Entry[] } {
  const byVersion = (x: Entry, y: Entry) => orderVersions(x.kind, x.version, y.version) ?? cmp(x.version, y.version)
  const left = [...t].sort(byVersion)
  const right = [...b].sort(byVersion)
  const pairs: [Entry, Entry][] = []
  const take = (match: (x: Entry, y: Entry) => boolean) => {
    for (let i = 0; i < left.length; ) {
      const x = left[i] as Entry
      const j = right.findIndex((y) => match(x, y))
      if (j < 0) {
        i++
        continue
      }
      pairs.push([x, right[j] as Entry])
      left.splice(i, 1)
      right.splice(j, 1)
    }
  }
  take((x, y) => x.architecture === y.architecture && x.version === y.version)
  take((x, y) => x.architecture === y.architecture)
  take(() => true)
  return { pairs, added: left, removed: right }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function ref(f: Finding): VulnerabilityRef {
  return {
    id: f.id,
    aliases: f.aliases,
    severity: f.severity.level,
    advisoryPackage: f.advisoryPackage,
    fixedIn: f.fix.state === 'fixed' ? f.fix.versions : [],
  }
}

function byVulnerability(a: VulnerabilityRef, b: VulnerabilityRef): number {
  return SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || cmp(a.id, b.id)
}

/** Findings of one package on both sides, matched by id or any alias in common. */
export function diffVulnerabilities(target: readonly Finding[], baseline: readonly Finding[]): VulnerabilityDelta {
  const index = new Map<string, number[]>()
  baseline.forEach((f, i) => {
    for (const id of new Set([f.id, ...f.aliases])) {
      const list = index.get(id)
      if (list) list.push(i)
      else index.set(id, [i])
    }
  })
  const used = new Set<number>()
  const added: VulnerabilityRef[] = []
  let unchanged = 0
  for (const f of target) {
    let hit: number | undefined
    for (const id of [f.id, ...f.aliases]) {
      hit = index.get(id)?.find((i) => !used.has(i))
      if (hit !== undefined) break
    }
    if (hit === undefined) added.push(ref(f))
    else {
      used.add(hit)
      unchanged++
    }
  }
  const removed = baseline.filter((_, i) => !used.has(i)).map(ref)
  const counts = severityCounts(target)
  const before = severityCounts(baseline)
  const delta = zeroCounts()
  for (const l of SEVERITY_ORDER) delta[l] = counts[l] - before[l]
  return { added: added.sort(byVulnerability), removed: removed.sort(byVulnerability), unchanged, counts, delta }
}

function sideOf(r: Report): ComparedImage {
  const t = r.sbom.target
  const live = r.findings.filter((f) => !f.suppressed)
  return {
    ref: t.ref,
    ...(t.name ? { name: t.name } : {}),
    tags: t.tags,
    ...(t.manifestDigest ? { digest: t.manifestDigest } : {}),
    ...(t.platform ? { platform: formatPlatform(t.platform) } : {}),
    size: t.size,
    packages: r.sbom.packages.length,
    vulnerabilities: severityCounts(live),
    vulnerablePackages: new Set(live.map((f) => f.package.id)).size,
  }
}

function versionChange(kind: PackageKind, target: string, baseline: string): VersionChange {
  if (target === baseline) return 'unchanged'
  const o = orderVersions(kind, target, baseline)
  return o === 1 ? 'upgraded' : o === -1 ? 'downgraded' : 'changed'
}

function base(e: Entry, vulnerabilities: VulnerabilityDelta): PackageDeltaBase {
  return {
    kind: e.kind,
    name: e.name,
    path: e.path,
    ...(e.architecture ? { architecture: e.architecture } : {}),
    purl: e.purl,
    vulnerabilities,
  }
}

function byPackage(a: PackageDelta, b: PackageDelta): number {
  const va = a.change === 'removed' ? a.baselineVersion : a.version
  const vb = b.change === 'removed' ? b.baselineVersion : b.version
  return (
    cmp(a.name, b.name) ||
    cmp(a.kind, b.kind) ||
    cmp(a.path, b.path) ||
    cmp(a.architecture ?? '', b.architecture ?? '') ||
    cmp(va, vb) ||
    cmp(a.change, b.change)
  )
}

/** The target (the image judged) against the baseline (`--to`). Both reports should come from the same DB. */
export function compareReports(target: Report, baseline: Report): Comparison {
  const t = entriesOf(target)
  const b = entriesOf(baseline)
  const packages: PackageDelta[] = []
  for (const key of new Set([...t.keys(), ...b.keys()])) {
    const { pairs, added, removed } = pair(t.get(key) ?? [], b.get(key) ?? [])
    for (const e of added)
      packages.push({ ...base(e, diffVulnerabilities(e.findings, [])), change: 'added', version: e.version })
    for (const e of removed) {
      const v = diffVulnerabilities([], e.findings)
      packages.push({ ...base(e, v), change: 'removed', baselineVersion: e.version })
    }
    for (const [x, y] of pairs) {
      packages.push({
        ...base(x, diffVulnerabilities(x.findings, y.findings)),
        ...(y.path !== x.path ? { baselinePath: y.path } : {}),
        change: versionChange(x.kind, x.version, y.version),
        version: x.version,
        baselineVersion: y.version,
      })
    }
  }
  packages.sort(byPackage)
  const counts: Record<PackageChangeKind, number> = {
    added: 0,
    removed: 0,
    upgraded: 0,
    downgraded: 0,
    changed: 0,
    unchanged: 0,
  }
  let vulnsAdded = 0
  let vulnsRemoved = 0
  for (const p of packages) {
    counts[p.change]++
    vulnsAdded += p.vulnerabilities.added.length
    vulnsRemoved += p.vulnerabilities.removed.length
  }
  const a = sideOf(target)
  const z = sideOf(baseline)
  const delta = zeroCounts()
  for (const l of SEVERITY_ORDER) delta[l] = a.vulnerabilities[l] - z.vulnerabilities[l]
  return {
    kind: 'comparison',
    target: a,
    baseline: z,
    delta: { vulnerabilities: delta, size: a.size - z.size, packages: a.packages - z.packages },
    summary: { packages: counts, vulnerabilities: { added: vulnsAdded, removed: vulnsRemoved } },
    packages,
    worse: {
      vulnerability: vulnsAdded > 0 || SEVERITY_ORDER.some((l) => delta[l] > 0),
      package: packages.some((p) => p.change !== 'unchanged'),
    },
    unchangedOmitted: false,
  }
}

/** `--ignore-unchanged`: packages whose version and vulnerabilities did not change leave the list (not the counts). */
export function omitUnchanged(c: Comparison): Comparison {
  return {
    ...c,
    packages: c.packages.filter(
      (p) => p.change !== 'unchanged' || p.vulnerabilities.added.length > 0 || p.vulnerabilities.removed.length > 0,
    ),
    unchangedOmitted: true,
  }
}
