/** What the feed importer tests share: an in-memory sink, an in-memory source, and a run of one importer. */
import { expect } from 'vitest'
import type { EpssEntry, KevEntry, VulnerabilityRecord } from '../../../src/model/index.js'
import type { FeedImporter, FeedSource, ImportSink } from '../../../src/vulndb/feeds/feed.js'

/** The calls a sink takes. */
export type SinkCall = keyof ImportSink

export interface CollectOptions {
  /** Calls the feed never makes: each one fails the test with the message given. */
  refuse?: Partial<Record<SinkCall, string>>
}

/** An `ImportSink` that keeps everything it is handed, in order. */
export class Collect implements ImportSink {
  records: VulnerabilityRecord[] = []
  kevEntries: KevEntry[] = []
  epssEntries: EpssEntry[] = []
  /** Skips as `where: reason`. */
  skips: string[] = []
  /** The same skips, as given. */
  skipped: { where: string; reason: string }[] = []
  versions: string[] = []
  private readonly refuse: Partial<Record<SinkCall, string>>

  constructor(options: CollectOptions = {}) {
    this.refuse = options.refuse ?? {}
  }

  private check(call: SinkCall): void {
    const message = this.refuse[call]
    if (message !== undefined) expect.fail(message)
  }

  vulnerability(r: VulnerabilityRecord): void {
    this.check('vulnerability')
    this.records.push(r)
  }
  kev(e: KevEntry): void {
    this.check('kev')
    this.kevEntries.push(e)
  }
  epss(e: EpssEntry): void {
    this.check('epss')
    this.epssEntries.push(e)
  }
  skip(where: string, reason: string): void {
    this.check('skip')
    this.skips.push(`${where}: ${reason}`)
    this.skipped.push({ where, reason })
  }
  feedVersion(v: string): void {
    this.check('feedVersion')
    this.versions.push(v)
  }

  /** The record with this id; throws when there is none. */
  get(id: string): VulnerabilityRecord {
    const r = this.records.find((x) => x.id === id)
    if (!r) throw new Error(`${id} not imported`)
    return r
  }
  /** The records by id (the last of a repeated id wins). */
  get byId(): Map<string, VulnerabilityRecord> {
    return new Map(this.records.map((r) => [r.id, r]))
  }
  kevEntry(cve: string): KevEntry | undefined {
    return this.kevEntries.find((e) => e.cve === cve)
  }
  epssEntry(cve: string): EpssEntry | undefined {
    return this.epssEntries.find((e) => e.cve === cve)
  }
}

/** Files held in memory, in order (as pairs, so names may repeat, or as an object of name → content). */
export function memSource(
  files: [string, Buffer | string][] | Record<string, Buffer | string>,
  where = 'memory',
): FeedSource {
  return {
    where,
    async *files() {
      for (const [name, data] of Array.isArray(files) ? files : Object.entries(files)) {
        const buf = Buffer.from(data)
        yield { name, size: buf.length, read: async () => buf }
      }
    },
  }
}

/** Imports `source` with `importer` into a fresh `Collect`. */
export async function runImporter(
  importer: FeedImporter,
  source: FeedSource,
  options: CollectOptions = {},
): Promise<Collect> {
  const sink = new Collect(options)
  await importer.import(source, sink)
  return sink
}
