import { errorMessage, ShipshapeError } from '../../../internal/index.js'
import type { FeedFile, FeedImporter, FeedSource, ImportSink } from '../feed.js'
import { cve5Record, cve5Schema } from './record.js'

export { cve5Record } from './record.js'

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A file named like one CVE record: what it holds must be one, anything else is a bad record. */
const RECORD_NAME = /(?:^|\/)CVE-\d{4}-\d+\.json$/i

function looksLikeJson(buf: Buffer): boolean {
  for (const b of buf) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue
    return b === 0x7b || b === 0x5b
  }
  return false
}

class Cve5Run {
  /** One record per CVE: a CVE seen again (vulnrichment beside cvelistV5) is imported again only when newer. */
  private readonly seen = new Map<string, string>()
  records = 0
  private firstProblem: string | undefined

  constructor(private readonly sink: ImportSink) {}

  skip(where: string, reason: string): void {
    this.firstProblem ??= `${where}: ${reason}`
    this.sink.skip(where, reason)
  }

  async file(file: FeedFile): Promise<void> {
    const named = RECORD_NAME.test(file.name)
    const json = named || /\.json$/i.test(file.name)
    let buf: Buffer
    try {
      buf = await file.read()
    } catch (e) {
      this.skip(file.name, `cannot read: ${errorMessage(e)}`)
      return
    }
    // cvelistV5's archive also holds READMEs, workflows and delta logs: not records, not errors.
    if (!json && !looksLikeJson(buf)) return
    let doc: unknown
    try {
      doc = JSON.parse(buf.toString('utf8').replace(/^\uFEFF/, ''))
    } catch (e) {
      if (json) this.skip(file.name, `malformed JSON: ${errorMessage(e)}`)
      return
    }
    if (!isObject(doc) || (doc.dataType !== 'CVE_RECORD' && !isObject(doc.cveMetadata))) {
      if (named) this.skip(file.name, 'not a CVE JSON 5 record')
      return
    }
    const meta = doc.cveMetadata
    const id = isObject(meta) && typeof meta.cveId === 'string' ? meta.cveId : undefined
    const where = id && !file.name.includes(id) ? `${file.name} (${id})` : file.name
    const parsed = cve5Schema.safeParse(doc)
    if (!parsed.success) {
      const i = parsed.error.issues[0]
      this.skip(where, i ? (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message) : 'invalid')
      return
    }
    const r = cve5Record(parsed.data)
    if (typeof r === 'string') {
      this.skip(where, r)
      return
    }
    this.records++
    const updated = r.modified ?? ''
    const before = this.seen.get(r.id)
    if (before !== undefined && before >= updated) return
    this.seen.set(r.id, updated)
    this.sink.vulnerability(r)
  }

  finish(source: FeedSource): void {
    if (this.records > 0) return
    const why = this.firstProblem ? `: ${this.firstProblem}` : ''
    throw new ShipshapeError('FEED', `no CVE JSON 5 records${why}`, { where: source.where })
  }
}

/**
 * CVE JSON 5 (cvelistV5, vulnrichment): one record per CVE carrying the CNA's and every ADP's CVSS, each with its
 * source named (`cve5:<CNA>`, `cve5:CISA-ADP`) — the "CVSS from another source" a severity can fall back on.
 */
export const cve5Importer: FeedImporter = {
  name: 'cve5',
  version: 1,
  async import(source: FeedSource, sink: ImportSink): Promise<void> {
    const run = new Cve5Run(sink)
    for await (const file of source.files()) await run.file(file)
    run.finish(source)
  },
}
