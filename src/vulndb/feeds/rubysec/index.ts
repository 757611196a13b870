import { errorMessage, ShipshapeError, yaml } from '../../../internal/index.js'
import type { VulnerabilityRecord } from '../../../model/index.js'
import type { FeedFile, FeedImporter, FeedSource, ImportSink } from '../feed.js'
import { rubysecToRecord } from './record.js'

export { cvssScoreWord, rubysecSchema, rubysecToRecord } from './record.js'

/**
 * `gems/<gem>/<id>.yml`, at the top of a checkout or under the archive's folder (`ruby-advisory-db-master/`).
 * `rubies/` (advisories about Ruby interpreters) and everything else in the repository are not gem advisories.
 */
// A checkout of the repository (`gems/<gem>/<id>.yml`), its archive (`ruby-advisory-db-master/gems/…`), or the
// `gems` folder itself given as the feed (`<gem>/<id>.yml`).
const ADVISORY = /(?:(?:^|\/)gems\/[^/]+\/[^/]+|^[^/]+\/[^/]+)\.ya?ml$/i
const MAX_FILE = 4 * 1024 * 1024

/** YAML with numbers kept as written (`osvdb: 78121`, `cvss_v3: 9.8` stay strings), null and booleans as they are. */
function parseYaml(text: string): { value?: unknown; error?: string } {
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

/** The same CVE filed under several gems (actionpack and activesupport) is one record affecting each. */
function merge(into: VulnerabilityRecord, r: VulnerabilityRecord): void {
  for (const a of r.aliases) if (a !== into.id && !into.aliases.includes(a)) into.aliases.push(a)
  for (const ref of r.references) if (!into.references.some((x) => x.url === ref.url)) into.references.push(ref)
  into.affected.push(...r.affected)
  into.summary ??= r.summary
  into.details ??= r.details
  into.published ??= r.published
  into.severity ??= r.severity
}

class RubysecRun {
  /** Every file's record by id, merged at the end in file-name order, so that the source's order does not matter. */
  private readonly byId = new Map<string, { name: string; record: VulnerabilityRecord }[]>()
  private firstProblem: string | undefined
  files = 0

  constructor(private readonly sink: ImportSink) {}

  private skip(where: string, reason: string): void {
    this.firstProblem ??= `${where}: ${reason}`
    this.sink.skip(where, reason)
  }

  async file(file: FeedFile): Promise<void> {
    if (!ADVISORY.test(file.name)) return
    this.files++
    const at = file.name.search(/(?:^|\/)gems\//)
    const name = at === -1 ? `gems/${file.name}` : file.name.slice(at).replace(/^\//, '')
    if (file.size > MAX_FILE) {
      this.skip(name, `${file.size} bytes is too big for an advisory`)
      return
    }
    let text: string
    try {
      text = (await file.read()).toString('utf8').replace(/^\uFEFF/, '')
    } catch (e) {
      this.skip(name, `cannot read: ${errorMessage(e)}`)
      return
    }
    const y = parseYaml(text)
    if (y.error !== undefined) {
      this.skip(name, `malformed YAML: ${y.error}`)
      return
    }
    const r = rubysecToRecord(y.value, name)
    for (const n of r.notes) this.skip(name, n)
    if (!r.record) {
      this.skip(name, r.reason ?? 'invalid')
      return
    }
    const same = this.byId.get(r.record.id)
    if (same) same.push({ name, record: r.record })
    else this.byId.set(r.record.id, [{ name, record: r.record }])
  }

  finish(source: FeedSource): void {
    if (this.byId.size === 0) {
      const why = this.firstProblem ? `: ${this.firstProblem}` : this.files === 0 ? ': no gems/<gem>/*.yml files' : ''
      throw new ShipshapeError('FEED', `no rubysec advisories${why}`, { where: source.where })
    }
    for (const files of this.byId.values()) {
      files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      const [first, ...rest] = files
      if (!first) continue
      for (const f of rest) merge(first.record, f.record)
      this.sink.vulnerability(first.record)
    }
  }
}

/**
 * rubysec's ruby-advisory-db (a checkout or GitHub's zip of it): one record per CVE (else GHSA, else file name),
 * source `rubysec`, affecting `rubygems` packages; see `rubysecToRecord`.
 */
export const rubysecImporter: FeedImporter = {
  name: 'rubysec',
  version: 1,
  async import(source: FeedSource, sink: ImportSink): Promise<void> {
    const run = new RubysecRun(sink)
    for await (const file of source.files()) await run.file(file)
    run.finish(source)
  },
}
