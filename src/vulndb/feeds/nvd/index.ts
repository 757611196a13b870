import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import type { z } from 'zod'
import { errorMessage, ShipshapeError } from '../../../internal/index.js'
import type { FeedFile, FeedImporter, FeedSource, ImportSink } from '../feed.js'
import { nvdCve, nvdRecord } from './record.js'

export { NVD_SOURCE, nvdRecord } from './record.js'

const gunzipAsync = promisify(gunzip)

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0]
  if (!i) return 'invalid'
  return i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message
}

/** What one file turned out to hold. */
type Doc =
  | { kind: 'items'; items: unknown[]; wrapped: boolean; timestamp?: string }
  | { kind: 'one'; item: unknown; wrapped: boolean }
  | { kind: 'other'; reason: string }

/**
 * The shapes NVD data comes in: an API 2.0 page (`{format: NVD_CVE, vulnerabilities: [{cve}]}`), a fkie-cad
 * release feed (`{cve_items: [cve]}`), one `{cve}` item, or one bare `cve` object (vuln-list, fkie-cad per-CVE files).
 */
function classify(doc: unknown): Doc {
  if (!isObject(doc)) return { kind: 'other', reason: 'not an NVD CVE API 2.0 document (not an object)' }
  const timestamp = typeof doc.timestamp === 'string' ? doc.timestamp : undefined
  const ts = timestamp ? { timestamp } : {}
  if (Array.isArray(doc.vulnerabilities)) return { kind: 'items', items: doc.vulnerabilities, wrapped: true, ...ts }
  if (Array.isArray(doc.cve_items)) return { kind: 'items', items: doc.cve_items, wrapped: false, ...ts }
  if (Array.isArray(doc.CVE_Items)) return { kind: 'other', reason: 'NVD JSON 1.1 feed (retired by NVD) is not read' }
  if (isObject(doc.cve)) return { kind: 'one', item: doc, wrapped: true }
  if (typeof doc.id === 'string' && Array.isArray(doc.descriptions)) return { kind: 'one', item: doc, wrapped: false }
  return { kind: 'other', reason: 'not an NVD CVE API 2.0 document' }
}

/** gzip is inflated here too (a directory of `.json.gz` pages); xz (fkie-cad's release assets) is not read. */
async function decode(file: FeedFile): Promise<Buffer> {
  const buf = await file.read()
  if (buf[0] === 0x1f && buf[1] === 0x8b) return gunzipAsync(buf)
  if (buf[0] === 0xfd && buf[1] === 0x37 && buf[2] === 0x7a && buf[3] === 0x58)
    throw new Error('xz-compressed; unpack it first')
  return buf
}

function looksLikeJson(buf: Buffer): boolean {
  for (const b of buf) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue
    return b === 0x7b || b === 0x5b
  }
  return false
}

class NvdRun {
  /** Records are keyed by CVE id: an id seen again is imported again only when its copy is newer. */
  private readonly seen = new Map<string, string>()
  documents = 0
  private timestamp: string | undefined
  private firstProblem: string | undefined

  constructor(private readonly sink: ImportSink) {}

  skip(where: string, reason: string): void {
    this.firstProblem ??= `${where}: ${reason}`
    this.sink.skip(where, reason)
  }

  item(where: string, raw: unknown, wrapped: boolean): void {
    let cve: unknown = raw
    if (wrapped) {
      if (!isObject(raw) || !isObject(raw.cve)) {
        this.skip(where, 'item has no cve object')
        return
      }
      cve = raw.cve
    }
    const id = isObject(cve) && typeof cve.id === 'string' ? cve.id : undefined
    const at = id ? `${where} (${id})` : where
    const parsed = nvdCve.safeParse(cve)
    if (!parsed.success) {
      this.skip(at, firstIssue(parsed.error))
      return
    }
    const c = parsed.data
    const before = this.seen.get(c.id)
    if (before !== undefined && before >= c.lastModified) return
    this.seen.set(c.id, c.lastModified)
    this.sink.vulnerability(nvdRecord(c))
  }

  async file(file: FeedFile): Promise<void> {
    let data: Buffer
    try {
      data = await decode(file)
    } catch (e) {
      this.skip(file.name, `cannot read: ${errorMessage(e)}`)
      return
    }
    // READMEs, licences and checksums beside the data are not NVD documents and not errors either.
    if (!looksLikeJson(data) && !/\.json(\.gz)?$/i.test(file.name)) return
    let doc: unknown
    try {
      doc = JSON.parse(data.toString('utf8').replace(/^\uFEFF/, ''))
    } catch (e) {
      this.skip(file.name, `malformed JSON: ${errorMessage(e)}`)
      return
    }
    const d = classify(doc)
    switch (d.kind) {
      case 'other':
        this.skip(file.name, d.reason)
        return
      case 'one':
        this.documents++
        this.item(file.name, d.item, d.wrapped)
        return
      case 'items':
        this.documents++
        if (d.timestamp && (this.timestamp === undefined || d.timestamp > this.timestamp)) this.timestamp = d.timestamp
        d.items.forEach((item, i) => {
          this.item(`${file.name}#${i}`, item, d.wrapped)
        })
        return
    }
  }

  finish(source: FeedSource): void {
    if (this.documents === 0) {
      const why = this.firstProblem ? `: ${this.firstProblem}` : ''
      throw new ShipshapeError('FEED', `no NVD CVE API 2.0 data${why}`, { where: source.where })
    }
    if (this.timestamp) this.sink.feedVersion(this.timestamp)
  }
}

/**
 * NVD CVE API 2.0 (pages, per-CVE files, fkie-cad feeds): one record per CVE with every CVSS metric, its source
 * named (`nvd` for NVD's Primary assessment, `nvd:<CNA>` for Secondary ones), severity from NVD's own metric,
 * CWEs and references. CPE configurations are not stored yet (see `nvdRecord`).
 */
export const nvdImporter: FeedImporter = {
  name: 'nvd',
  version: 1,
  async import(source: FeedSource, sink: ImportSink): Promise<void> {
    const run = new NvdRun(sink)
    for await (const file of source.files()) await run.file(file)
    run.finish(source)
  },
}
