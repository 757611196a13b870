import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { errorMessage, ShipshapeError } from '../../../internal/index.js'
import type { FeedFile, FeedImporter, FeedSource, ImportSink } from '../feed.js'

const gunzipAsync = promisify(gunzip)

const CVE_ID = /^CVE-\d{4}-\d{4,}$/
/** A plain decimal (`0.00039`, `.5`, `1`) or FIRST's exponent form (`7e-05`); no hex, no sign, no empty cell. */
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/

/** `#model_version:v2025.03.14,score_date:2025-12-26T12:55:00Z` → its key/value pairs. */
export function parseModelLine(line: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of line.replace(/^#/, '').split(',')) {
    const at = part.indexOf(':')
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim()
  }
  return out
}

function probability(cell: string | undefined): number | undefined {
  const s = cell?.trim() ?? ''
  if (!NUMBER.test(s)) return undefined
  const n = Number(s)
  return n >= 0 && n <= 1 ? n : undefined
}

class EpssRun {
  files = 0
  private model: { version: string; date?: string } | undefined
  private firstProblem: string | undefined

  constructor(private readonly sink: ImportSink) {}

  skip(where: string, reason: string): void {
    this.firstProblem ??= `${where}: ${reason}`
    this.sink.skip(where, reason)
  }

  async file(file: FeedFile): Promise<void> {
    let buf: Buffer
    try {
      buf = await file.read()
      if (buf[0] === 0x1f && buf[1] === 0x8b) buf = await gunzipAsync(buf)
    } catch (e) {
      this.skip(file.name, `cannot read: ${errorMessage(e)}`)
      return
    }
    const lines = buf
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split('\n')
    // Which layout: FIRST's (`#model_version…`, header `cve,epss,percentile`, `,`) or EMBA's (`CVE;epss;percentile`).
    const first = lines.findIndex((l) => l.trim() !== '')
    const head = lines[first]?.trim() ?? ''
    const isEpss = head.startsWith('#model_version') || /^cve[,;]epss\b/i.test(head) || /^CVE-\d+-\d+[,;]/.test(head)
    if (!isEpss) {
      if (/\.csv(\.gz)?$/i.test(file.name)) this.skip(file.name, 'not an EPSS CSV')
      return
    }
    this.files++
    const sep = head.startsWith('#') ? ',' : head.includes(';') ? ';' : ','
    let date: string | undefined
    let cols = { cve: 0, epss: 1, percentile: 2, count: 3 }
    for (let i = first; i < lines.length; i++) {
      const line = (lines[i] as string).trim()
      if (line === '') continue
      const where = `${file.name}:${i + 1}`
      if (line.startsWith('#')) {
        const m = parseModelLine(line)
        const version = m.model_version
        const scoreDate = m.score_date
        if (scoreDate) date = scoreDate.slice(0, 10)
        if (version && (!this.model || (scoreDate ?? '') > (this.model.date ?? ''))) {
          this.model = scoreDate ? { version, date: scoreDate } : { version }
        }
        continue
      }
      const cells = line.split(sep).map((c) => c.trim())
      if (/^cve$/i.test(cells[0] ?? '')) {
        const at = (name: string) => cells.findIndex((c) => c.toLowerCase() === name)
        const c = { cve: at('cve'), epss: at('epss'), percentile: at('percentile'), count: cells.length }
        if (c.epss < 0 || c.percentile < 0) {
          this.skip(where, `header ${JSON.stringify(line)} lacks epss or percentile`)
          return
        }
        cols = c
        continue
      }
      if (cells.length !== cols.count) {
        this.skip(where, `${cells.length} columns, expected ${cols.count}`)
        continue
      }
      const cve = cells[cols.cve] ?? ''
      if (!CVE_ID.test(cve)) {
        this.skip(where, `not a CVE id: ${JSON.stringify(cve)}`)
        continue
      }
      const score = probability(cells[cols.epss])
      const percentile = probability(cells[cols.percentile])
      if (score === undefined || percentile === undefined) {
        const bad = score === undefined ? cells[cols.epss] : cells[cols.percentile]
        this.skip(
          where,
          `${score === undefined ? 'epss' : 'percentile'} ${JSON.stringify(bad)} is not a number in [0, 1]`,
        )
        continue
      }
      this.sink.epss(date ? { cve, score, percentile, date } : { cve, score, percentile })
    }
  }

  finish(source: FeedSource): void {
    if (this.files === 0) {
      const why = this.firstProblem ? `: ${this.firstProblem}` : ''
      throw new ShipshapeError('FEED', `no EPSS data${why}`, { where: source.where })
    }
    if (this.model)
      this.sink.feedVersion(this.model.date ? `${this.model.version} ${this.model.date}` : this.model.version)
  }
}

/**
 * FIRST EPSS scores: FIRST's CSV (`#model_version:…,score_date:…`, header `cve,epss,percentile`; gzip-compressed in
 * production) and EMBA's header-less `CVE;epss;percentile` layout. The feed version is the model version and score
 * date; each entry carries the score date (YYYY-MM-DD) when the file states one.
 */
export const epssImporter: FeedImporter = {
  name: 'epss',
  version: 1,
  async import(source: FeedSource, sink: ImportSink): Promise<void> {
    const run = new EpssRun(sink)
    for await (const file of source.files()) await run.file(file)
    run.finish(source)
  },
}
