import type { EpssEntry, KevEntry, VulnerabilityRecord } from '../../model/index.js'

/** The feeds `db update` knows by name. */
export const FEED_NAMES = ['osv', 'debian', 'alpine', 'nvd', 'cve5', 'kev', 'epss', 'rubysec'] as const
export type FeedName = (typeof FEED_NAMES)[number]

/** One file of a feed: a member of a zip, a file under a directory, or the single downloaded document. */
export interface FeedFile {
  /** Path inside the feed (`PyPI/PYSEC-2023-74.json`, `data/DSA/list`, `main.json`), `/`-separated. */
  name: string
  size: number
  read(): Promise<Buffer>
}

/** Where a feed's files come from once fetched; importers never touch the network or the disk themselves. */
export interface FeedSource {
  /** For messages: the URL or path. */
  readonly where: string
  files(): AsyncIterable<FeedFile>
}

/** What importers hand over. Nothing here throws for bad records: `skip` counts them with a place and a reason. */
export interface ImportSink {
  vulnerability(record: VulnerabilityRecord): void
  kev(entry: KevEntry): void
  epss(entry: EpssEntry): void
  skip(where: string, reason: string): void
  /** The feed's own version or date, if it states one (`catalogVersion`, `model_version`, a commit). */
  feedVersion(version: string): void
}

/**
 * Reads one feed's format into records: tolerant of fields it does not know, strict on the ones it needs.
 * Bumping `version` tells `db status` that records may read differently.
 */
export interface FeedImporter {
  readonly name: FeedName
  readonly version: number
  import(source: FeedSource, sink: ImportSink): Promise<void>
}
