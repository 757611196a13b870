import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import { ShipshapeError } from '../../internal/index.js'
import type { Digest, Sbom, SeverityCounts } from '../../model/index.js'
import { formatPlatform } from '../../model/index.js'
import { decodeNativeJson, encodeNativeJson } from '../../sbom/index.js'
import { flavourOf, runtimesOf } from './flavour.js'

/** Bumped when the tables change; an older file is rebuilt empty (it is a cache of what `base index` read). */
const CATALOGUE_VERSION = 1

/** One image the catalogue knows: what base-image detection and advice need, and its SBOM for re-matching. */
export interface CatalogueImage {
  /** Manifest digest (the config digest when the source has no manifest). */
  digest: Digest
  /** Canonical repository, `registry/path` (`docker.io/library/debian`, `127.0.0.1:5000/fixtures/debian-base`). */
  repository: string
  /** Tags seen pointing at this digest, most recent first. */
  tags: string[]
  created?: string
  /** When the catalogue first saw the digest under a tag: our stand-in for "pushed". */
  firstSeen: string
  /** Order of first sight, to tell apart digests seen within one second. */
  seq: number
  diffIds: Digest[]
  platform: string
  os?: { id: string; versionId?: string; codename?: string }
  flavour: string
  packages: number
  size: number
  runtimes: Record<string, string>
}

export interface TagRow {
  repository: string
  tag: string
  digest: Digest
  seenAt: string
  seq: number
}

interface ImageRow {
  digest: string
  repository: string
  created: string | null
  first_seen: string
  seq: number
  diff_ids: string
  platform: string
  os_id: string | null
  os_version: string | null
  os_codename: string | null
  flavour: string
  packages: number
  size: number
  runtimes: string
  tags: string | null
}

/**
 * The base-image catalogue: a SQLite file beside the SBOM cache holding the images `base index` has read, the tags
 * that pointed at them over time, and each one's SBOM, so severity counts follow the vulnerability DB in use.
 */
export class BaseCatalogue {
  private readonly db: Database.Database

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true })
    try {
      this.db = new Database(path)
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('busy_timeout = 5000')
      const v = this.db.pragma('user_version', { simple: true }) as number
      if (v !== CATALOGUE_VERSION) this.create()
    } catch (e) {
      throw new ShipshapeError('DB_INVALID', `the base-image catalogue cannot be opened: ${(e as Error).message}`, {
        where: path,
      })
    }
  }

  private create(): void {
    this.db.exec(`
      DROP TABLE IF EXISTS images; DROP TABLE IF EXISTS tags; DROP TABLE IF EXISTS counts;
      CREATE TABLE images (
        digest TEXT PRIMARY KEY, repository TEXT NOT NULL, created TEXT, first_seen TEXT NOT NULL,
        seq INTEGER NOT NULL, diff_ids TEXT NOT NULL, first_diff_id TEXT NOT NULL, platform TEXT NOT NULL,
        os_id TEXT, os_version TEXT, os_codename TEXT, flavour TEXT NOT NULL, packages INTEGER NOT NULL,
        size INTEGER NOT NULL, runtimes TEXT NOT NULL, sbom BLOB NOT NULL
      );
      CREATE INDEX images_first ON images(first_diff_id);
      CREATE INDEX images_repo ON images(repository);
      CREATE TABLE tags (
        repository TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, seen_at TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (repository, tag, digest)
      );
      CREATE TABLE counts (
        digest TEXT NOT NULL, db_built_at TEXT NOT NULL, counts TEXT NOT NULL, PRIMARY KEY (digest, db_built_at)
      );
    `)
    this.db.pragma(`user_version = ${CATALOGUE_VERSION}`)
  }

  close(): void {
    this.db.close()
  }

  private nextSeq(): number {
    const r = this.db
      .prepare('SELECT MAX(m) AS m FROM (SELECT MAX(seq) AS m FROM images UNION ALL SELECT MAX(seq) FROM tags)')
      .get() as {
      m: number | null
    }
    return (r.m ?? 0) + 1
  }

  /** Whether the catalogue already holds this digest under this tag (what `--repository` skips). */
  has(repository: string, tag: string, digest: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM tags WHERE repository = ? AND tag = ? AND digest = ?')
        .get(repository, tag, digest) !== undefined
    )
  }

  /** Adds an analysed image under a repository and tag; a digest seen before keeps its first sighting. */
  add(sbom: Sbom, repository: string, tag: string | undefined, now = new Date()): CatalogueImage {
    const t = sbom.target
    const digest = t.manifestDigest ?? t.configDigest
    if (!digest) throw new ShipshapeError('USAGE', `${t.ref} has no digest; only images can be catalogued`)
    const diffIds = t.layers.map((l) => l.diffId).filter((d): d is Digest => d !== undefined)
    if (diffIds.length === 0) throw new ShipshapeError('USAGE', `${t.ref} has no layers; only images can be catalogued`)
    const seen = now.toISOString()
    const tx = this.db.transaction(() => {
      const exists = this.db.prepare('SELECT seq FROM images WHERE digest = ?').get(digest) as
        | { seq: number }
        | undefined
      if (!exists) {
        this.db
          .prepare(
            `INSERT INTO images (digest, repository, created, first_seen, seq, diff_ids, first_diff_id, platform, os_id,
              os_version, os_codename, flavour, packages, size, runtimes, sbom)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            digest,
            repository,
            t.created ?? null,
            seen,
            this.nextSeq(),
            JSON.stringify(diffIds),
            diffIds[0],
            t.platform ? formatPlatform(t.platform) : 'unknown',
            sbom.distro?.id ?? null,
            sbom.distro?.versionId ?? null,
            sbom.distro?.versionCodename ?? null,
            flavourOf(tag, sbom),
            sbom.packages.length,
            t.size,
            JSON.stringify(runtimesOf(sbom)),
            gzipSync(encodeNativeJson(sbom)),
          )
      }
      if (tag !== undefined && !this.has(repository, tag, digest))
        this.db
          .prepare('INSERT INTO tags (repository, tag, digest, seen_at, seq) VALUES (?, ?, ?, ?, ?)')
          .run(repository, tag, digest, seen, this.nextSeq())
    })
    tx()
    return this.get(digest) as CatalogueImage
  }

  private select(where: string, ...args: unknown[]): CatalogueImage[] {
    const rows = this.db
      .prepare(
        `SELECT i.*, (SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.digest = i.digest ORDER BY seq DESC)) AS tags
         FROM images i ${where}`,
      )
      .all(...args) as ImageRow[]
    return rows.map(toImage)
  }

  get(digest: string): CatalogueImage | undefined {
    return this.select('WHERE digest = ?', digest)[0]
  }

  /** Every image whose first layer is this one: the candidates for a layer-prefix match. */
  startingWith(diffId: string): CatalogueImage[] {
    return this.select('WHERE first_diff_id = ?', diffId)
  }

  inRepository(repository: string): CatalogueImage[] {
    return this.select('WHERE repository = ? ORDER BY seq', repository)
  }

  repositories(): string[] {
    return (
      this.db.prepare('SELECT DISTINCT repository FROM images ORDER BY repository').all() as { repository: string }[]
    ).map((r) => r.repository)
  }

  /** Tag history of a repository, newest sighting first. */
  tags(repository: string): TagRow[] {
    return (
      this.db.prepare('SELECT * FROM tags WHERE repository = ? ORDER BY seq DESC').all(repository) as {
        repository: string
        tag: string
        digest: string
        seen_at: string
        seq: number
      }[]
    ).map((r) => ({ repository: r.repository, tag: r.tag, digest: r.digest as Digest, seenAt: r.seen_at, seq: r.seq }))
  }

  /** The digest a tag points at now: the newest one seen under it. */
  current(repository: string, tag: string): CatalogueImage | undefined {
    const row = this.db
      .prepare('SELECT digest FROM tags WHERE repository = ? AND tag = ? ORDER BY seq DESC LIMIT 1')
      .get(repository, tag) as { digest: string } | undefined
    return row ? this.get(row.digest) : undefined
  }

  sbom(digest: string): Sbom | undefined {
    const r = this.db.prepare('SELECT sbom FROM images WHERE digest = ?').get(digest) as { sbom: Buffer } | undefined
    if (!r) return undefined
    const d = decodeNativeJson(gunzipSync(r.sbom).toString('utf8'))
    if (!d.ok)
      throw new ShipshapeError('DB_INVALID', `catalogued SBOM of ${digest} is damaged: ${d.error}`, {
        where: this.path,
      })
    return d.sbom
  }

  /** Severity counts of an image against one DB build, remembered so advice does not re-match every time. */
  counts(digest: string, dbBuiltAt: string, compute: () => SeverityCounts): SeverityCounts {
    const r = this.db
      .prepare('SELECT counts FROM counts WHERE digest = ? AND db_built_at = ?')
      .get(digest, dbBuiltAt) as { counts: string } | undefined
    if (r) return JSON.parse(r.counts) as SeverityCounts
    const c = compute()
    this.db.prepare('DELETE FROM counts WHERE digest = ?').run(digest)
    this.db
      .prepare('INSERT INTO counts (digest, db_built_at, counts) VALUES (?, ?, ?)')
      .run(digest, dbBuiltAt, JSON.stringify(c))
    return c
  }

  size(): { images: number; tags: number; repositories: number } {
    const n = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n
    return {
      images: n('SELECT COUNT(*) AS n FROM images'),
      tags: n('SELECT COUNT(*) AS n FROM tags'),
      repositories: n('SELECT COUNT(DISTINCT repository) AS n FROM images'),
    }
  }
}

function toImage(r: ImageRow): CatalogueImage {
  const img: CatalogueImage = {
    digest: r.digest as Digest,
    repository: r.repository,
    tags: r.tags ? [...new Set(JSON.parse(r.tags) as string[])] : [],
    firstSeen: r.first_seen,
    seq: r.seq,
    diffIds: JSON.parse(r.diff_ids) as Digest[],
    platform: r.platform,
    flavour: r.flavour,
    packages: r.packages,
    size: r.size,
    runtimes: JSON.parse(r.runtimes) as Record<string, string>,
  }
  if (r.created) img.created = r.created
  if (r.os_id) {
    img.os = { id: r.os_id }
    if (r.os_version) img.os.versionId = r.os_version
    if (r.os_codename) img.os.codename = r.os_codename
  }
  return img
}
