import { errorMessage, ShipshapeError, yaml } from '../../../internal/index.js'
import type { FeedFile, FeedImporter, FeedSource, ImportSink } from '../feed.js'
import { osvToRecord } from './record.js'

export { osvDatabase, osvSchema, osvToRecord } from './record.js'

/** No OSV record comes near this; a file that does is not one. */
const MAX_RECORD_FILE = 64 * 1024 * 1024

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * YAML with numbers kept as written: an unquoted `1.10` in `versions` is a version, not the float 1.1.
 * Null and booleans stay what they are.
 */
export function parseYamlKeepingNumbers(text: string): { value?: unknown; error?: string } {
  const { isScalar, parseDocument, visit } = yaml()
  const doc = parseDocument(text, { uniqueKeys: true })
  const err = doc.errors[0]
  if (err) return { error: err.message.split('\n')[0] ?? 'malformed YAML' }
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'bigint') && node.source) {
        node.value = node.source
      }
    },
  })
  return { value: doc.toJS({ maxAliasCount: 100 }) }
}

type Format = 'json' | 'yaml'

function formatOf(name: string): Format | undefined {
  const lower = name.toLowerCase()
  if (lower.endsWith('.json')) return 'json'
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml'
  return undefined
}

class OsvRun {
  /** Newest `modified` per id: a record met twice (all.zip beside an ecosystem zip) is imported once. */
  private readonly seen = new Map<string, string>()
  records = 0
  files = 0
  private firstProblem: string | undefined

  constructor(private readonly sink: ImportSink) {}

  private skip(where: string, reason: string): void {
    this.firstProblem ??= `${where}: ${reason}`
    this.sink.skip(where, reason)
  }

  async file(file: FeedFile): Promise<void> {
    const format = formatOf(file.name)
    if (!format || file.name.endsWith('/')) return
    this.files++
    if (file.size > MAX_RECORD_FILE) {
      this.skip(file.name, `${file.size} bytes is too big for an OSV record`)
      return
    }
    let text: string
    try {
      text = (await file.read()).toString('utf8').replace(/^\uFEFF/, '')
    } catch (e) {
      this.skip(file.name, `cannot read: ${errorMessage(e)}`)
      return
    }
    let doc: unknown
    if (format === 'json') {
      try {
        doc = JSON.parse(text)
      } catch (e) {
        this.skip(file.name, `malformed JSON: ${errorMessage(e)}`)
        return
      }
    } else {
      const y = parseYamlKeepingNumbers(text)
      if (y.error !== undefined) {
        this.skip(file.name, `malformed YAML: ${y.error}`)
        return
      }
      doc = y.value
    }
    // One record per file in the OSV exports; an API answer (`{vulns: [...]}`) or a list holds several.
    if (Array.isArray(doc)) {
      for (const [i, d] of doc.entries()) this.record(d, `${file.name}[${i}]`)
    } else if (isObject(doc) && Array.isArray(doc.vulns) && doc.id === undefined) {
      for (const [i, d] of doc.vulns.entries()) this.record(d, `${file.name} vulns[${i}]`)
    } else this.record(doc, file.name)
  }

  private record(doc: unknown, place: string): void {
    const id = isObject(doc) && typeof doc.id === 'string' ? doc.id : undefined
    const where = id && !place.includes(id) ? `${place} (${id})` : place
    if (!isObject(doc)) {
      this.skip(where, 'not an OSV record: not an object')
      return
    }
    if (id === undefined) {
      this.skip(where, 'not an OSV record: no "id"')
      return
    }
    const r = osvToRecord(doc)
    for (const n of r.notes) this.skip(`${where} ${n.at}`, n.reason)
    if (!r.record) {
      this.skip(where, r.reason ?? 'invalid')
      return
    }
    this.records++
    const modified = r.record.modified ?? ''
    const before = this.seen.get(r.record.id)
    if (before !== undefined && before >= modified) return
    this.seen.set(r.record.id, modified)
    this.sink.vulnerability(r.record)
  }

  finish(source: FeedSource): void {
    if (this.records > 0) return
    const why = this.firstProblem ? `: ${this.firstProblem}` : this.files === 0 ? ': no .json or .yaml files' : ''
    throw new ShipshapeError('FEED', `no OSV records${why}`, { where: source.where })
  }
}

/**
 * OSV in any of its shapes: OSV's `all.zip` (every ecosystem) or `<Ecosystem>/all.zip`, a checkout of GHSA,
 * Go vulndb, PyPA (YAML), RustSec, or a directory of Debian/Ubuntu/Alpine OSV records. One record per OSV id,
 * source `osv`; see `osvToRecord` for the mapping.
 */
export const osvImporter: FeedImporter = {
  name: 'osv',
  version: 1,
  async import(source: FeedSource, sink: ImportSink): Promise<void> {
    const run = new OsvRun(sink)
    for await (const file of source.files()) await run.file(file)
    run.finish(source)
  },
}
