import Database from 'better-sqlite3'
import type { EpssEntry, KevEntry, VulnerabilityRecord } from '../../model/index.js'
import { normalizePackageName } from '../namespace.js'
import { SCHEMA, SCHEMA_VERSION } from './schema.js'

export interface FeedStats {
  records: number
  skipped: number
  /** The first few skipped records, with place and reason. */
  skippedSample: string[]
  feedVersion?: string
}

const BATCH = 5000

/**
 * Builds a new DB file. A record met again under the same (source, id) is merged: its aliases, CVSS and
 * affected entries add up, and a newer copy (by `modified`) replaces the text fields. It is only ever a fresh file beside the live one, so durability settings are off
 * while building (the swap is what makes it live, and a crash leaves only a temp file to sweep).
 */
export class StoreWriter {
  private readonly db: Database.Database
  private pending = 0
  private readonly stmt: Record<
    'upsertVuln' | 'alias' | 'affected' | 'cvss' | 'kev' | 'epss' | 'feed' | 'meta',
    Database.Statement
  >
  private stats: FeedStats = { records: 0, skipped: 0, skippedSample: [] }

  constructor(readonly path: string) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = OFF')
    this.db.pragma('synchronous = OFF')
    this.db.pragma('locking_mode = EXCLUSIVE')
    this.db.pragma('page_size = 8192')
    this.db.exec(SCHEMA)
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`)
    this.stmt = {
      upsertVuln: this.db.prepare(
        `INSERT INTO vulnerabilities (id, source, summary, details, published, modified, withdrawn, severity, severity_source, cwes, refs)
         VALUES (@id, @source, @summary, @details, @published, @modified, @withdrawn, @severity, @severitySource, @cwes, @refs)
         ON CONFLICT (source, id) DO UPDATE SET
           summary = CASE WHEN excluded.modified > coalesce(modified, '') THEN coalesce(excluded.summary, summary) ELSE coalesce(summary, excluded.summary) END,
           details = CASE WHEN excluded.modified > coalesce(modified, '') THEN coalesce(excluded.details, details) ELSE coalesce(details, excluded.details) END,
           published = coalesce(published, excluded.published),
           withdrawn = CASE WHEN excluded.modified > coalesce(modified, '') THEN excluded.withdrawn ELSE coalesce(withdrawn, excluded.withdrawn) END,
           severity = CASE WHEN excluded.modified > coalesce(modified, '') THEN coalesce(excluded.severity, severity) ELSE coalesce(severity, excluded.severity) END,
           severity_source = CASE WHEN excluded.modified > coalesce(modified, '') THEN coalesce(excluded.severity_source, severity_source) ELSE coalesce(severity_source, excluded.severity_source) END,
           cwes = coalesce(cwes, excluded.cwes), refs = coalesce(refs, excluded.refs),
           modified = max(coalesce(modified, ''), coalesce(excluded.modified, ''))
         RETURNING rowid`,
      ),
      alias: this.db.prepare('INSERT OR IGNORE INTO aliases (vuln, alias) VALUES (?, ?)'),
      affected: this.db.prepare(
        'INSERT INTO affected (vuln, namespace, package, ranges, fixed, status, urgency) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      cvss: this.db.prepare('INSERT OR IGNORE INTO cvss (vuln, source, version, vector, score) VALUES (?, ?, ?, ?, ?)'),
      kev: this.db.prepare(
        'INSERT OR REPLACE INTO kev (cve, date_added, due_date, ransomware, vendor, product, name) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      epss: this.db.prepare('INSERT OR REPLACE INTO epss (cve, score, percentile, date) VALUES (?, ?, ?, ?)'),
      feed: this.db.prepare(
        `INSERT OR REPLACE INTO feeds (name, url, importer_version, feed_version, fetched_at, etag, last_modified, sha256, bytes, records, skipped, skipped_sample)
         VALUES (@name, @url, @importerVersion, @feedVersion, @fetchedAt, @etag, @lastModified, @sha256, @bytes, @records, @skipped, @skippedSample)`,
      ),
      meta: this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    }
    this.db.exec('BEGIN')
  }

  private tick(): void {
    if (++this.pending >= BATCH) {
      this.db.exec('COMMIT')
      this.db.exec('BEGIN')
      this.pending = 0
    }
  }

  /** Starts counting for one feed. */
  beginFeed(): void {
    this.stats = { records: 0, skipped: 0, skippedSample: [] }
  }

  vulnerability(r: VulnerabilityRecord): void {
    const row = this.stmt.upsertVuln.get({
      id: r.id,
      source: r.source,
      summary: r.summary ?? null,
      details: r.details ?? null,
      published: r.published ?? null,
      modified: r.modified ?? null,
      withdrawn: r.withdrawn ?? null,
      severity: r.severity?.value ?? null,
      severitySource: r.severity?.source ?? null,
      cwes: r.cwes.length ? JSON.stringify(r.cwes) : null,
      refs: r.references.length ? JSON.stringify(r.references) : null,
    }) as { rowid: number }
    const v = row.rowid
    for (const a of r.aliases) if (a !== r.id) this.stmt.alias.run(v, a)
    for (const c of r.cvss) this.stmt.cvss.run(v, c.source, c.version, c.vector, c.score ?? null)
    for (const a of r.affected) {
      this.stmt.affected.run(
        v,
        a.namespace,
        normalizePackageName(a.namespace, a.package),
        a.ranges ?? null,
        a.fixed.length ? JSON.stringify(a.fixed) : null,
        a.status,
        a.urgency ?? null,
      )
    }
    this.stats.records++
    this.tick()
  }

  kev(e: KevEntry): void {
    this.stmt.kev.run(
      e.cve,
      e.dateAdded,
      e.dueDate ?? null,
      e.knownRansomware ?? null,
      e.vendor ?? null,
      e.product ?? null,
      e.name ?? null,
    )
    this.stats.records++
    this.tick()
  }

  epss(e: EpssEntry): void {
    this.stmt.epss.run(e.cve, e.score, e.percentile, e.date ?? null)
    this.stats.records++
    this.tick()
  }

  skip(where: string, reason: string): void {
    this.stats.skipped++
    if (this.stats.skippedSample.length < 20) this.stats.skippedSample.push(`${where}: ${reason}`)
  }

  feedVersion(version: string): void {
    this.stats.feedVersion = version
  }

  get feedStats(): FeedStats {
    return this.stats
  }

  recordFeed(f: {
    name: string
    url: string
    importerVersion: number
    fetchedAt: string
    etag?: string
    lastModified?: string
    sha256?: string
    bytes?: number
  }): void {
    this.stmt.feed.run({
      name: f.name,
      url: f.url,
      importerVersion: f.importerVersion,
      feedVersion: this.stats.feedVersion ?? null,
      fetchedAt: f.fetchedAt,
      etag: f.etag ?? null,
      lastModified: f.lastModified ?? null,
      sha256: f.sha256 ?? null,
      bytes: f.bytes ?? null,
      records: this.stats.records,
      skipped: this.stats.skipped,
      skippedSample: this.stats.skippedSample.length ? JSON.stringify(this.stats.skippedSample) : null,
    })
  }

  meta(key: string, value: string): void {
    this.stmt.meta.run(key, value)
  }

  /** Commits, analyses for the query planner, and closes; the file is then complete. */
  finish(): void {
    this.db.exec('COMMIT')
    this.db.exec('ANALYZE')
    this.db.close()
  }

  abort(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
    } catch {}
    this.db.close()
  }
}
