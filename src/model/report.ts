import type { Cvss, EpssEntry, KevEntry } from './advisory.js'
import type { Digest } from './digest.js'
import type { Location } from './location.js'
import type { PackageId, PackageKind } from './package.js'
import type { Sbom } from './sbom.js'

export type SeverityLevel = 'critical' | 'high' | 'medium' | 'low' | 'unspecified'

/** Scout's letters: C H M L, and `?` for unspecified. */
export const SEVERITY_LETTER: Record<SeverityLevel, string> = {
  critical: 'C',
  high: 'H',
  medium: 'M',
  low: 'L',
  unspecified: '?',
}

export const SEVERITY_ORDER: readonly SeverityLevel[] = ['critical', 'high', 'medium', 'low', 'unspecified']

/** Which severity a finding shows, and where it came from (always said). */
export interface SeverityView {
  level: SeverityLevel
  /** The advisory source that set it (`debian`, `ghsa`, `nvd`, …); undefined when unspecified. */
  source?: string
  /** The source's own word (`MODERATE`, `unimportant`), or `CVSS 9.8` when derived from a score. */
  raw?: string
  /** Whether the level is the advisory's own word or derived from a CVSS score. */
  from: 'advisory' | 'cvss' | 'none'
}

export type FixState = 'fixed' | 'not-fixed' | 'wont-fix' | 'unknown'

export interface Finding {
  package: {
    id: PackageId
    name: string
    version: string
    kind: PackageKind
    purl: string
    location: Location
    introducedIn: Location
  }
  /** The preferred id: a CVE when there is one, else GHSA, else the source's. */
  id: string
  /** Every other id of the same vulnerability (GHSA, DSA, DLA, PYSEC, GO, RUSTSEC…). */
  aliases: string[]
  matchedBy: 'distro' | 'ecosystem'
  /** The (namespace, package) the advisories were looked up by (a source package for distros). */
  namespace: string
  advisoryPackage: string
  /** The records that matched, `source:id`. */
  advisories: string[]
  /** Affected versions as the preferred advisory states them, in the shared range grammar. */
  affectedRange?: string
  fix: { state: FixState; versions: string[]; status?: string }
  severity: SeverityView
  /** The CVSS shown beside the severity: the preferred advisory's, else the best other source's. */
  cvss?: Cvss & { score: number }
  cvssAll: Cvss[]
  summary?: string
  published?: string
  cwes: string[]
  urls: string[]
  kev?: KevEntry
  epss?: EpssEntry
  /** Set when a policy entry or a VEX statement says the finding does not apply; it is then not counted. */
  suppressed?: { by: 'policy' | 'vex'; reason: string; source: string }
  /** Whether the package came with the base image (its introducing layer is a base layer); unset when unknown. */
  fromBase?: boolean
}

/** The image's base image, as detection found it. */
export interface ReportBase {
  foundBy: 'provenance' | 'label' | 'layers'
  name: string
  digest?: Digest
  /** How many of the image's bottom layers are the base's, when known. */
  layers?: number
}

export type SeverityCounts = Record<SeverityLevel, number>

export interface Report {
  schemaVersion: 1
  sbom: Sbom
  findings: Finding[]
  summary: SeverityCounts & { packages: number; vulnerablePackages: number }
  db: { builtAt: string; feeds: { name: string; version?: string; records: number }[] }
  warnings: string[]
  base?: ReportBase
}
