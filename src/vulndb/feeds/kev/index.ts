import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { z } from 'zod'
import { errorMessage, ShipshapeError } from '../../../internal/index.js'
import type { KevEntry } from '../../../model/index.js'
import type { FeedFile, FeedImporter, FeedSource, ImportSink } from '../feed.js'
import { parseCsv } from './csv.js'

export { parseCsv } from './csv.js'

const gunzipAsync = promisify(gunzip)

const CVE_ID = /^CVE-\d{4}-\d{4,}$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** Empty CSV cells and JSON nulls are "not given". */
const optionalText = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().optional())

/** The fields of a KEV entry kept; the rest (description, required action, notes, CWEs) is ignored. */
const kevEntry = z.looseObject({
  cveID: z.string().regex(CVE_ID, 'not a CVE id'),
  dateAdded: z.string().regex(DATE, 'not a YYYY-MM-DD date'),
  dueDate: optionalText,
  knownRansomwareCampaignUse: optionalText,
  vendorProject: optionalText,
  product: optionalText,
  vulnerabilityName: optionalText,
})

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0]
  if (!i) return 'invalid'
  return i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message
}

function toEntry(e: z.infer<typeof kevEntry>): KevEntry {
  return {
    cve: e.cveID,
    dateAdded: e.dateAdded,
    ...(e.dueDate ? { dueDate: e.dueDate } : {}),
    ...(e.knownRansomwareCampaignUse ? { knownRansomware: e.knownRansomwareCampaignUse } : {}),
    ...(e.vendorProject ? { vendor: e.vendorProject } : {}),
    ...(e.product ? { product: e.product } : {}),
    ...(e.vulnerabilityName ? { name: e.vulnerabilityName } : {}),
  }
}

type Kind = { kind: 'json'; doc: unknown } | { kind: 'csv'; text: string } | { kind: 'none' }

async function sniff(file: FeedFile): Promise<Kind> {
  let buf = await file.read()
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = await gunzipAsync(buf)
  const text = buf.toString('utf8').replace(/^\uFEFF/, '')
  const head = text.trimStart()
  if (head.startsWith('{') || /\.json$/i.test(file.name)) return { kind: 'json', doc: JSON.parse(text) }
  if (/^"?cveID"?,/.test(head)) return { kind: 'csv', text }
  return { kind: 'none' }
}

class KevRun {
  catalogs = 0
  private readonly csv: { name: string; text: string }[] = []
  private firstProblem: string | undefined

  constructor(private readonly sink: ImportSink) {}

  skip(where: string, reason: string): void {
    this.firstProblem ??= `${where}: ${reason}`
    this.sink.skip(where, reason)
  }

  entry(where: string, raw: unknown): void {
    const parsed = kevEntry.safeParse(raw)
    if (parsed.success) this.sink.kev(toEntry(parsed.data))
    else {
      const id = isObject(raw) && typeof raw.cveID === 'string' ? ` (${raw.cveID})` : ''
      this.skip(`${where}${id}`, firstIssue(parsed.error))
    }
  }

  async file(file: FeedFile): Promise<void> {
    let k: Kind
    try {
      k = await sniff(file)
    } catch (e) {
      this.skip(file.name, `malformed: ${errorMessage(e)}`)
      return
    }
    switch (k.kind) {
      case 'none':
        return
      case 'csv':
        // The CSV is the same catalog as the JSON beside it: read only when no JSON catalog is there.
        this.csv.push({ name: file.name, text: k.text })
        return
      case 'json': {
        const doc = k.doc
        // kev-data ships its JSON schema beside the catalog.
        if (isObject(doc) && ('$schema' in doc || '$defs' in doc) && !Array.isArray(doc.vulnerabilities)) return
        if (!isObject(doc) || !Array.isArray(doc.vulnerabilities)) {
          this.skip(file.name, 'not a KEV catalog (no vulnerabilities array)')
          return
        }
        this.catalogs++
        if (typeof doc.catalogVersion === 'string') this.sink.feedVersion(doc.catalogVersion)
        doc.vulnerabilities.forEach((v, i) => {
          this.entry(`${file.name}#${i}`, v)
        })
        return
      }
    }
  }

  private csvCatalog(name: string, text: string): void {
    const { rows, unterminated } = parseCsv(text)
    const [header, ...body] = rows
    if (!header) return
    this.catalogs++
    const cols = header.fields.map((f) => f.trim())
    for (const row of body) {
      if (row.fields.length !== cols.length) {
        this.skip(`${name}:${row.line}`, `${row.fields.length} columns, the header has ${cols.length}`)
        continue
      }
      this.entry(`${name}:${row.line}`, Object.fromEntries(cols.map((c, i) => [c, row.fields[i]])))
    }
    if (unterminated !== undefined) this.skip(`${name}:${unterminated}`, 'unterminated quoted field (truncated file?)')
  }

  finish(source: FeedSource): void {
    if (this.catalogs === 0) for (const c of this.csv) this.csvCatalog(c.name, c.text)
    if (this.catalogs > 0) return
    const why = this.firstProblem ? `: ${this.firstProblem}` : ''
    throw new ShipshapeError('FEED', `no KEV catalog${why}`, { where: source.where })
  }
}

/**
 * CISA's Known Exploited Vulnerabilities catalog (JSON, or the CSV form when no JSON is given): one KEV entry per
 * CVE; the feed version is the catalog's `catalogVersion`.
 */
export const kevImporter: FeedImporter = {
  name: 'kev',
  version: 1,
  async import(source: FeedSource, sink: ImportSink): Promise<void> {
    const run = new KevRun(sink)
    for await (const file of source.files()) await run.file(file)
    run.finish(source)
  },
}
