import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import type { KevEntry } from '../../../src/model/index.js'
import type { FeedSource } from '../../../src/vulndb/feeds/feed.js'
import { kevImporter, parseCsv } from '../../../src/vulndb/feeds/kev/index.js'
import { dirSource } from '../../../src/vulndb/sources.js'
import { memSource, runImporter } from './helpers.js'

const ROOT = join(import.meta.dirname, '../../fixtures/vulndata/kev/cisagov-kev-data')
const JSON_NAME = 'known_exploited_vulnerabilities.json'
const CSV_NAME = 'known_exploited_vulnerabilities.csv'

const fixture = (p: string) => readFileSync(join(ROOT, p))

/** KEV's `entries` and `get(cve)` are the KEV entries; a vulnerability record fails the test. */
async function run(source: FeedSource) {
  const sink = await runImporter(kevImporter, source, { refuse: { vulnerability: 'KEV has no vulnerability records' } })
  return {
    entries: sink.kevEntries,
    skips: sink.skips,
    versions: sink.versions,
    get: (cve: string) => sink.kevEntry(cve),
  }
}

const LOG4SHELL: KevEntry = {
  cve: 'CVE-2021-44228',
  dateAdded: '2021-12-10',
  dueDate: '2021-12-24',
  knownRansomware: 'Known',
  vendor: 'Apache',
  product: 'Log4j2',
  name: 'Apache Log4j2 Remote Code Execution Vulnerability',
}

describe('kev importer on the real catalog (cisagov/kev-data)', async () => {
  const all = await run(dirSource(ROOT))

  test('the JSON catalog: 1,404 entries, catalogVersion 2025.08.25; the CSV, schema and LICENSE beside it not read', () => {
    expect(kevImporter.name).toBe('kev')
    expect(all.entries).toHaveLength(1404)
    expect(new Set(all.entries.map((e) => e.cve)).size).toBe(1404)
    expect(all.skips).toEqual([])
    expect(all.versions).toEqual(['2025.08.25'])
  })

  test('entries as CISA states them', () => {
    expect(all.get('CVE-2021-44228')).toEqual(LOG4SHELL)
    expect(all.get('CVE-2014-6271')).toEqual({
      cve: 'CVE-2014-6271',
      dateAdded: '2022-01-28',
      dueDate: '2022-07-28',
      knownRansomware: 'Unknown',
      vendor: 'GNU',
      product: 'Bourne-Again Shell (Bash)',
      name: 'GNU Bourne-Again Shell (Bash) Arbitrary Code Execution Vulnerability',
    })
    expect(all.entries[0]).toMatchObject({ cve: 'CVE-2025-48384', vendor: 'Git', dateAdded: '2025-08-25' })
    expect(all.entries.filter((e) => e.knownRansomware === 'Known')).toHaveLength(293)
    expect(all.entries.filter((e) => e.knownRansomware === 'Unknown')).toHaveLength(1111)
    // curl's 2018 NTLM overflow is not a known-exploited vulnerability.
    expect(all.get('CVE-2018-14618')).toBeUndefined()
  })

  test('the CSV form alone gives the same entries', async () => {
    const csv = await run(memSource([[CSV_NAME, fixture(CSV_NAME)]]))
    expect(csv.skips).toEqual([])
    expect(csv.versions).toEqual([])
    expect(csv.entries).toEqual(all.entries)
  })

  test('gzip-compressed JSON', async () => {
    const s = await run(memSource([['kev', gzipSync(fixture(JSON_NAME))]]))
    expect(s.entries).toHaveLength(1404)
  })
})

describe('kev importer on bad input', () => {
  const catalog = () => JSON.parse(fixture(JSON_NAME).toString('utf8'))

  test('bad entries are skipped and counted, the rest imported', async () => {
    const doc = catalog()
    delete doc.vulnerabilities[0].cveID
    doc.vulnerabilities[1].dateAdded = '08/25/2025'
    doc.vulnerabilities[2] = null
    doc.vulnerabilities[3].cveID = 'CVE-2024-1'
    doc.vulnerabilities[4].product = 42
    doc.futureField = { anything: true }
    const s = await run(memSource([[JSON_NAME, JSON.stringify(doc)]]))
    expect(s.entries).toHaveLength(1399)
    expect(s.skips).toEqual([
      `${JSON_NAME}#0: cveID: Invalid input: expected string, received undefined`,
      `${JSON_NAME}#1 (CVE-2024-8068): dateAdded: not a YYYY-MM-DD date`,
      `${JSON_NAME}#2: Invalid input: expected object, received null`,
      `${JSON_NAME}#3 (CVE-2024-1): cveID: not a CVE id`,
      `${JSON_NAME}#4 (CVE-2025-54948): product: Invalid input: expected string, received number`,
    ])
    expect(s.get('CVE-2021-44228')).toEqual(LOG4SHELL)
  })

  test('a truncated catalog alone makes the feed unusable', async () => {
    const whole = fixture(JSON_NAME)
    await expect(run(memSource([[JSON_NAME, whole.subarray(0, whole.length / 2)]]))).rejects.toMatchObject({
      name: 'ShipshapeError',
      code: 'FEED',
    })
    await expect(run(memSource([[JSON_NAME, '{"title": "no catalog"}']]))).rejects.toThrow(/no KEV catalog/)
  })

  test('a truncated JSON catalog beside the CSV: the JSON is skipped, the CSV read', async () => {
    const whole = fixture(JSON_NAME)
    const s = await run(
      memSource([
        [CSV_NAME, fixture(CSV_NAME)],
        [JSON_NAME, whole.subarray(0, whole.length / 2)],
      ]),
    )
    expect(s.entries).toHaveLength(1404)
    expect(s.skips).toHaveLength(1)
    expect(s.skips[0]).toMatch(new RegExp(`^${JSON_NAME}: malformed: `))
  })

  test('CSV rows with the wrong number of columns or a bad field are skipped; a truncated last row too', async () => {
    const lines = fixture(CSV_NAME).toString('utf8').split('\n')
    lines[1] = 'CVE-2025-48384,Git,Git'
    lines[2] = lines[2]?.replace('2025-08-25', 'yesterday') ?? ''
    const text = lines.join('\n')
    const cut = text.slice(0, text.lastIndexOf('CVE-2021-27104') + 30)
    const s = await run(memSource([['kev.csv', cut]]))
    expect(s.skips[0]).toBe('kev.csv:2: 3 columns, the header has 11')
    expect(s.skips[1]).toBe('kev.csv:3 (CVE-2024-8068): dateAdded: not a YYYY-MM-DD date')
    expect(s.skips[2]).toBe('kev.csv:1119: unterminated quoted field (truncated file?)')
    expect(s.skips).toHaveLength(3)
    expect(s.entries.at(-1)?.cve).not.toBe('CVE-2021-27104')
    expect(s.get('CVE-2021-44228')).toEqual(LOG4SHELL)
  })

  test('parseCsv: quotes, doubled quotes, embedded line breaks, CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\r\n\r\nlast,\n').rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"\nthere'] },
      { line: 5, fields: ['last', ''] },
    ])
    expect(parseCsv('a,"b\nc').unterminated).toBe(1)
  })
})
