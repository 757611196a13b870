import { yaml } from '../../../internal/index.js'
import type { AffectedPackage, VulnerabilityRecord } from '../../../model/index.js'
import { convertAlpineSecfix, formatRange, SCHEMES } from '../../../version/index.js'
import type { ImportSink } from '../feed.js'

/*
 * Alpine secdb, JSON (`https://secdb.alpinelinux.org/v3.NN/main.json`) and the older YAML (alpine-secdb):
 * `{ distroversion, reponame, packages: [ { pkg: { name, secfixes: { "<fixed version>": [ "CVE-… XSA-…", … ] } } } ] }`.
 * A secfixes key is the first fixed version in that release (`0`: never affected); fixes only, no severity.
 */

type Json = Record<string, unknown>

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export type SecdbFormat = 'json' | 'yaml'

/**
 * The format by file name: `*.json`, `*.yaml`/`*.yml`; `sniff` for a name without an extension (look at the
 * content); undefined for any other file (a README.md beside the data).
 */
export function secdbFormatByName(name: string): SecdbFormat | 'sniff' | undefined {
  const base = (name.split('/').pop() ?? name).toLowerCase()
  if (base.endsWith('.json')) return 'json'
  if (base.endsWith('.yaml') || base.endsWith('.yml')) return 'yaml'
  return base.includes('.') ? undefined : 'sniff'
}

export function sniffSecdbFormat(buf: Buffer): SecdbFormat {
  return /^\s*\{/.test(
    buf
      .subarray(0, 256)
      .toString('utf8')
      .replace(/^\uFEFF/, ''),
  )
    ? 'json'
    : 'yaml'
}

/**
 * Parses one secdb file. YAML is read with the failsafe schema: every scalar stays a string, so a key such as
 * `1.10` is not turned into the number 1.1.
 */
export function parseSecdb(text: string, format: SecdbFormat): unknown {
  switch (format) {
    case 'json':
      return JSON.parse(text)
    case 'yaml':
      return yaml().parse(text, { schema: 'failsafe' })
    default: {
      const never: never = format
      throw new Error(`unknown format ${never}`)
    }
  }
}

/** `v3.11` → `alpine:3.11`, `edge` → `alpine:edge`; undefined for anything else. */
export function namespaceForDistroversion(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined
  const t = v.trim().toLowerCase()
  if (t === 'edge') return 'alpine:edge'
  const m = /^v?(\d+\.\d+)$/.exec(t)
  return m ? `alpine:${m[1]}` : undefined
}

/**
 * The advisory ids of one secfixes entry (`CVE-2018-8897 XSA-260`, `XSA-254`, `CVE-2019-1234 (BGP)`): notes in
 * parentheses dropped, `CVE_2019-2426` and `CVE 2018-16859` read as CVEs, `CVE-2017-17434-1` and
 * `CVE-2017-8073.patch` as the CVE they name; placeholders (`CVE-????-?????`) and bare words (`XPTI`) dropped.
 */
export function secfixIds(entry: string): string[] {
  const text = entry.replace(/\([^)]*\)/g, ' ').replace(/\bCVE[\s_]+(?=\d{4}-\d)/gi, 'CVE-')
  const ids: string[] = []
  for (const tok of text.split(/\s+/)) {
    if (tok === '') continue
    const cve = /^CVE[-_](\d{4})-(\d{4,})(?!\d)/i.exec(tok)
    let id: string | undefined
    if (cve) id = `CVE-${cve[1]}-${cve[2]}`
    else if (!/^CVE\b/i.test(tok) && /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+$/.test(tok) && /\d/.test(tok)) id = tok
    if (id !== undefined && !ids.includes(id)) ids.push(id)
  }
  return ids
}

/** Records by id, across every file of the feed, so each id is one record. */
export class SecdbRecords {
  private readonly byId = new Map<string, { record: VulnerabilityRecord; keys: Set<string> }>()

  add(id: string, aliases: string[], entry: AffectedPackage): void {
    let p = this.byId.get(id)
    if (!p) {
      p = {
        record: { id, source: 'alpine', aliases: [], cvss: [], cwes: [], references: [], affected: [] },
        keys: new Set(),
      }
      this.byId.set(id, p)
    }
    for (const a of aliases) if (a !== id && !p.record.aliases.includes(a)) p.record.aliases.push(a)
    const key = `${entry.namespace}\u0000${entry.package}\u0000${entry.fixed.join(',')}\u0000${entry.status}`
    if (p.keys.has(key)) return
    p.keys.add(key)
    p.record.affected.push({ ...entry })
  }

  get size(): number {
    return this.byId.size
  }

  *records(): Iterable<VulnerabilityRecord> {
    for (const p of this.byId.values()) yield p.record
  }
}

/**
 * Reads one parsed secdb document into `out`. Returns false (after a `skip`) when the file as a whole is not
 * secdb; a package, fixed version or entry that cannot be read is skipped and counted, the rest kept.
 */
export function importSecdb(doc: unknown, file: string, out: SecdbRecords, sink: ImportSink): boolean {
  if (!isObject(doc)) {
    sink.skip(file, 'not a secdb document (top level is not an object)')
    return false
  }
  const namespace = namespaceForDistroversion(doc.distroversion)
  if (namespace === undefined) {
    sink.skip(file, `missing or unknown distroversion ${JSON.stringify(doc.distroversion)}`)
    return false
  }
  // An empty `packages:` reads as null (or '' with the failsafe schema): a release with nothing fixed yet.
  const packages = doc.packages === null || doc.packages === '' ? [] : doc.packages
  if (!Array.isArray(packages)) {
    sink.skip(file, doc.packages === undefined ? 'no packages list' : 'packages is not a list')
    return false
  }
  const repo = typeof doc.reponame === 'string' ? doc.reponame : undefined
  const label = `${file} (${namespace}${repo ? ` ${repo}` : ''})`
  for (const [i, item] of packages.entries()) {
    const pkg = isObject(item) ? item.pkg : undefined
    const name = isObject(pkg) && typeof pkg.name === 'string' ? pkg.name.trim() : ''
    if (!isObject(pkg) || name === '' || /\s/.test(name)) {
      sink.skip(`${label} packages[${i}]`, 'package without a name')
      continue
    }
    const secfixes = pkg.secfixes
    if (secfixes === undefined || secfixes === null || secfixes === '') continue
    if (!isObject(secfixes)) {
      sink.skip(`${label} ${name}`, 'secfixes is not a map')
      continue
    }
    for (const [fixed, list] of Object.entries(secfixes)) {
      const where = `${label} ${name} ${JSON.stringify(fixed)}`
      const conv = convertAlpineSecfix(SCHEMES.apk, fixed)
      const bad = conv.skipped[0]
      if (bad) {
        sink.skip(where, `fixed version is not an apk version: ${bad.reason}`)
        continue
      }
      const entries = Array.isArray(list) ? list : []
      if (entries.length === 0) {
        sink.skip(where, 'no advisory ids for this fixed version')
        continue
      }
      const at = `${file} packages[${i}].secfixes[${JSON.stringify(fixed)}]`
      const entry: AffectedPackage =
        conv.range === undefined
          ? { namespace, package: name, fixed: [], status: 'not-affected', at }
          : { namespace, package: name, ranges: formatRange(conv.range), fixed: [fixed], status: 'fixed', at }
      for (const [j, e] of entries.entries()) {
        if (typeof e !== 'string') {
          sink.skip(`${where}[${j}]`, 'advisory id is not a string')
          continue
        }
        const ids = secfixIds(e)
        const cves = ids.filter((x) => x.startsWith('CVE-'))
        const others = ids.filter((x) => !x.startsWith('CVE-'))
        if (ids.length === 0) {
          sink.skip(`${where}[${j}]`, `no advisory id in ${JSON.stringify(e)}`)
          continue
        }
        // `CVE-A CVE-B XSA-1`: each CVE is its own vulnerability, the other ids name it too.
        if (cves.length === 0) out.add(others[0] as string, others.slice(1), entry)
        for (const c of cves) out.add(c, others, entry)
      }
    }
  }
  return true
}
