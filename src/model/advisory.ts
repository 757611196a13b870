/** CVSS as a source published it: the vector is kept verbatim, the score as given (or computed from the vector). */
export interface Cvss {
  version: '2.0' | '3.0' | '3.1' | '4.0'
  vector: string
  score?: number
  /** Who published it: `nvd`, `ghsa`, `cve5:<CNA short name>`, `cve5:CISA-ADP`, `debian`, … */
  source: string
}

/** A source's own severity word, kept as the source spells it (`HIGH`, `moderate`, `unimportant`). */
export interface SourceSeverity {
  value: string
  source: string
}

/**
 * A distro's view of a package for one vulnerability, Debian-tracker style: not affected at all, fixed in a
 * version, open (no fix yet), or affected but deliberately not fixed (`no-dsa`, `ignored`, `postponed`,
 * `unimportant`, `end-of-life`).
 */
export type AffectedStatus =
  | 'affected'
  | 'fixed'
  | 'not-affected'
  | 'open'
  | 'no-dsa'
  | 'ignored'
  | 'postponed'
  | 'unimportant'
  | 'end-of-life'
  | 'withdrawn'

/** One (namespace, package) a vulnerability record speaks about, with the versions it affects. */
export interface AffectedPackage {
  /** `debian:12`, `alpine:3.18`, `rocky:9`, `npm`, `pypi`, `go`, `maven`, `rubygems`, `crates.io`, `nuget`, `packagist` */
  namespace: string
  /** Source package for distros (Debian by source, Alpine by origin, RPM by source RPM name); the ecosystem name otherwise. */
  package: string
  /** Affected versions in the shared range grammar (`src/version`); undefined means every version. */
  ranges?: string
  fixed: string[]
  status: AffectedStatus
  /** Debian urgency and the like. */
  urgency?: string
  /** Where this came from in the source record (`affected[0]`), for messages. */
  at?: string
}

export interface Reference {
  url: string
  type?: string
}

export interface VulnerabilityRecord {
  /** The record's own id: GHSA-…, PYSEC-…, GO-…, RUSTSEC-…, CVE-…, DSA-…, DLA-…, ALPINE:… */
  id: string
  /** The feed it came from (`osv`, `debian`, `alpine`, `nvd`, `cve5`, `rubysec`). */
  source: string
  aliases: string[]
  summary?: string
  details?: string
  published?: string
  modified?: string
  withdrawn?: string
  severity?: SourceSeverity
  cvss: Cvss[]
  cwes: string[]
  references: Reference[]
  affected: AffectedPackage[]
}

export interface KevEntry {
  cve: string
  dateAdded: string
  dueDate?: string
  knownRansomware?: string
  vendor?: string
  product?: string
  name?: string
}

export interface EpssEntry {
  cve: string
  score: number
  percentile: number
  date?: string
}
