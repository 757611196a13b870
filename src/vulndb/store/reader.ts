import Database from 'better-sqlite3'
import { ShipshapeError } from '../../internal/index.js'
import type { AffectedStatus, Cvss, EpssEntry, KevEntry, Reference } from '../../model/index.js'
import { normalizePackageName } from '../namespace.js'
import { SCHEMA_VERSION } from './schema.js'

export interface AffectedRow {
  vulnId: string
  source: string
  namespace: string
  package: string
  ranges?: string
  fixed: string[]
  status: AffectedStatus
  urgency?: string
}

export interface StoredVulnerability {
  id: string
  source: string
  aliases: string[]
  summary?: string
  details?: string
  published?: string
  modified?: string
  withdrawn?: string
  severity?: { value: string; source: string }
  cvss: Cvss[]
  cwes: string[]
  references: Reference[]
}

export interface FeedRow {
  name: string
  url: string | null
  importerVersion: number | null
  feedVersion: string | null
  fetchedAt: string | null
  etag: string | null
  lastModified: string | null
  sha256: string | null
  bytes: number | null
  records: number
  skipped: number
  skippedSample: string[]
}

interface VulnRow {
  rowid: number
  id: string
  source: string
  summary: string | null
  details: string | null
  published: string | null
  modified: string | null
  withdrawn: string | null
  severity: string | null
  severity_source: string | null
  cwes: string | null
  refs: string | null
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v)

/** Read access to a built DB: every lookup by (namespace, package) is one index seek. */
export class StoreReader {
  private readonly db: Database.Database
  private readonly q: Record<
    | 'affected'
    | 'byId'
    | 'byAlias'
    | 'aliases'
    | 'cvss'
    | 'kev'
    | 'epss'
    | 'meta'
    | 'feeds'
    | 'perNamespace'
    | 'counts',
    Database.Statement
  >

  constructor(readonly path: string) {
    try {
      this.db = new Database(path, { readonly: true, fileMustExist: true })
      const version = this.db.pragma('user_version', { simple: true }) as number
      if (version !== SCHEMA_VERSION) {
        this.db.close()
        throw new ShipshapeError(
          'DB_INVALID',
          `vulnerability DB has layout version ${version}, this shipshape reads ${SCHEMA_VERSION}; run \`shipshape db update\``,
          {
            where: path,
          },
        )
      }
    } catch (e) {
      if (e instanceof ShipshapeError) throw e
      throw new ShipshapeError('DB_INVALID', `cannot open the vulnerability DB: ${(e as Error).message}`, {
        where: path,
      })
    }
    this.q = {
      affected: this.db.prepare(
        `SELECT v.id AS vulnId, v.source, a.namespace, a.package, a.ranges, a.fixed, a.status, a.urgency
         FROM affected a JOIN vulnerabilities v ON v.rowid = a.vuln WHERE a.namespace = ? AND a.package = ?`,
      ),
      byId: this.db.prepare('SELECT * FROM vulnerabilities WHERE id = ?'),
      byAlias: this.db.prepare(
        'SELECT v.* FROM aliases a JOIN vulnerabilities v ON v.rowid = a.vuln WHERE a.alias = ?',
      ),
      aliases: this.db.prepare('SELECT alias FROM aliases WHERE vuln = ? ORDER BY alias'),
      cvss: this.db.prepare('SELECT source, version, vector, score FROM cvss WHERE vuln = ? ORDER BY source, version'),
      kev: this.db.prepare('SELECT * FROM kev WHERE cve = ?'),
      epss: this.db.prepare('SELECT * FROM epss WHERE cve = ?'),
      meta: this.db.prepare('SELECT key, value FROM meta'),
      feeds: this.db.prepare('SELECT * FROM feeds ORDER BY name'),
      perNamespace: this.db.prepare(
        'SELECT namespace, count(*) AS n FROM affected GROUP BY namespace ORDER BY namespace',
      ),
      counts: this.db.prepare(
        'SELECT (SELECT count(*) FROM vulnerabilities) AS vulnerabilities, (SELECT count(*) FROM affected) AS affected, (SELECT count(*) FROM kev) AS kev, (SELECT count(*) FROM epss) AS epss',
      ),
    }
  }

  /** Every affected entry for a package, from every source. */
  affected(namespace: string, name: string): AffectedRow[] {
    const rows = this.q.affected.all(namespace, normalizePackageName(namespace, name)) as {
      vulnId: string
      source: string
      namespace: string
      package: string
      ranges: string | null
      fixed: string | null
      status: AffectedStatus
      urgency: string | null
    }[]
    return rows.map((r) => {
      const out: AffectedRow = {
        vulnId: r.vulnId,
        source: r.source,
        namespace: r.namespace,
        package: r.package,
        fixed: r.fixed ? (JSON.parse(r.fixed) as string[]) : [],
        status: r.status,
      }
      if (r.ranges !== null) out.ranges = r.ranges
      if (r.urgency !== null) out.urgency = r.urgency
      return out
    })
  }

  private hydrate(r: VulnRow): StoredVulnerability {
    const v: StoredVulnerability = {
      id: r.id,
      source: r.source,
      aliases: (this.q.aliases.all(r.rowid) as { alias: string }[]).map((a) => a.alias),
      cvss: (
        this.q.cvss.all(r.rowid) as {
          source: string
          version: Cvss['version']
          vector: string
          score: number | null
        }[]
      ).map((c) =>
        c.score === null ? { source: c.source, version: c.version, vector: c.vector } : { ...c, score: c.score },
      ),
      cwes: r.cwes ? (JSON.parse(r.cwes) as string[]) : [],
      references: r.refs ? (JSON.parse(r.refs) as Reference[]) : [],
    }
    const set = <K extends keyof StoredVulnerability>(k: K, x: StoredVulnerability[K] | undefined) => {
      if (x !== undefined) v[k] = x
    }
    set('summary', opt(r.summary))
    set('details', opt(r.details))
    set('published', opt(r.published))
    set('modified', opt(r.modified))
    set('withdrawn', opt(r.withdrawn))
    if (r.severity !== null) v.severity = { value: r.severity, source: r.severity_source ?? r.source }
    return v
  }

  // The DB file never changes under a reader (updates swap in a new file), so what was read once stays true:
  // a server matching thousands of SBOMs reads each vulnerability once.
  private readonly hydrated = new Map<number, StoredVulnerability>()
  private readonly relatedMemo = new Map<string, StoredVulnerability[]>()

  private hydrateOnce(r: VulnRow): StoredVulnerability {
    let v = this.hydrated.get(r.rowid)
    if (!v) {
      v = this.hydrate(r)
      if (this.hydrated.size < 200_000) this.hydrated.set(r.rowid, v)
    }
    return v
  }

  /** Records with this id, from any source. */
  byId(id: string): StoredVulnerability[] {
    return (this.q.byId.all(id) as VulnRow[]).map((r) => this.hydrateOnce(r))
  }

  /**
   * Everything known about a vulnerability under any of its names: records with one of the ids, and records
   * that list one of them as an alias (GHSA ⇄ CVE ⇄ DSA ⇄ PYSEC …), one hop.
   */
  related(ids: readonly string[]): StoredVulnerability[] {
    const seen = new Map<string, StoredVulnerability>()
    for (const id of ids) {
      let list = this.relatedMemo.get(id)
      if (!list) {
        list = [...(this.q.byId.all(id) as VulnRow[]), ...(this.q.byAlias.all(id) as VulnRow[])].map((r) =>
          this.hydrateOnce(r),
        )
        if (this.relatedMemo.size < 200_000) this.relatedMemo.set(id, list)
      }
      for (const v of list) {
        const key = `${v.source}\u0000${v.id}`
        if (!seen.has(key)) seen.set(key, v)
      }
    }
    return [...seen.values()]
  }

  kev(cve: string): KevEntry | undefined {
    const r = this.q.kev.get(cve) as
      | {
          cve: string
          date_added: string
          due_date: string | null
          ransomware: string | null
          vendor: string | null
          product: string | null
          name: string | null
        }
      | undefined
    if (!r) return undefined
    const e: KevEntry = { cve: r.cve, dateAdded: r.date_added }
    if (r.due_date) e.dueDate = r.due_date
    if (r.ransomware) e.knownRansomware = r.ransomware
    if (r.vendor) e.vendor = r.vendor
    if (r.product) e.product = r.product
    if (r.name) e.name = r.name
    return e
  }

  epss(cve: string): EpssEntry | undefined {
    const r = this.q.epss.get(cve) as
      | { cve: string; score: number; percentile: number; date: string | null }
      | undefined
    if (!r) return undefined
    return r.date
      ? { cve: r.cve, score: r.score, percentile: r.percentile, date: r.date }
      : { cve: r.cve, score: r.score, percentile: r.percentile }
  }

  meta(): Record<string, string> {
    return Object.fromEntries((this.q.meta.all() as { key: string; value: string }[]).map((r) => [r.key, r.value]))
  }

  feeds(): FeedRow[] {
    return (this.q.feeds.all() as Record<string, unknown>[]).map((r) => ({
      name: r.name as string,
      url: r.url as string | null,
      importerVersion: r.importer_version as number | null,
      feedVersion: r.feed_version as string | null,
      fetchedAt: r.fetched_at as string | null,
      etag: r.etag as string | null,
      lastModified: r.last_modified as string | null,
      sha256: r.sha256 as string | null,
      bytes: r.bytes as number | null,
      records: r.records as number,
      skipped: r.skipped as number,
      skippedSample: r.skipped_sample ? (JSON.parse(r.skipped_sample as string) as string[]) : [],
    }))
  }

  perNamespace(): { namespace: string; count: number }[] {
    return (this.q.perNamespace.all() as { namespace: string; n: number }[]).map((r) => ({
      namespace: r.namespace,
      count: r.n,
    }))
  }

  counts(): { vulnerabilities: number; affected: number; kev: number; epss: number } {
    return this.q.counts.get() as { vulnerabilities: number; affected: number; kev: number; epss: number }
  }

  close(): void {
    this.db.close()
  }
}
