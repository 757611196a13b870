import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { epssImporter, parseModelLine } from '../../../src/vulndb/feeds/epss/index.js'
import type { FeedSource } from '../../../src/vulndb/feeds/feed.js'
import { dirSource } from '../../../src/vulndb/sources.js'
import { memSource, runImporter } from './helpers.js'

const FX = join(import.meta.dirname, '../../fixtures/vulndata')
const EMBA = join(FX, 'epss')
const FIRST = join(FX, 'samples/epss/vulnerablecode/epss_scores-2025-x-x.csv')
const KEV = join(FX, 'kev/cisagov-kev-data/known_exploited_vulnerabilities.json')

/** EPSS's `entries` and `get(cve)` are the EPSS entries; a vulnerability record fails the test. */
async function run(source: FeedSource) {
  const sink = await runImporter(epssImporter, source, {
    refuse: { vulnerability: 'EPSS has no vulnerability records' },
  })
  return {
    entries: sink.epssEntries,
    skips: sink.skips,
    versions: sink.versions,
    get: (cve: string) => sink.epssEntry(cve),
  }
}

describe('epss importer on EMBA’s CVE;epss;percentile subset', async () => {
  const all = await run(dirSource(EMBA))

  test('4,168 lines, no header, no model line: all imported, no version, no date', () => {
    expect(epssImporter.name).toBe('epss')
    expect(all.entries).toHaveLength(4168)
    expect(new Set(all.entries.map((e) => e.cve)).size).toBe(4168)
    expect(all.skips).toEqual([])
    expect(all.versions).toEqual([])
    expect(all.entries.every((e) => e.date === undefined)).toBe(true)
    expect(all.entries[0]).toEqual({ cve: 'CVE-1999-1332', score: 0.00402, percentile: 0.33483 })
  })

  test('scores of the CVEs that line up across sources', () => {
    expect(all.get('CVE-2018-14618')).toEqual({ cve: 'CVE-2018-14618', score: 0.11115, percentile: 0.95555 })
    expect(all.get('CVE-2023-45803')).toEqual({ cve: 'CVE-2023-45803', score: 0.00539, percentile: 0.42851 })
    expect(all.get('CVE-2023-32681')).toEqual({ cve: 'CVE-2023-32681', score: 0.02974, percentile: 0.86082 })
  })

  test('every KEV CVE has an EPSS score', () => {
    const kev = JSON.parse(readFileSync(KEV, 'utf8')) as { vulnerabilities: { cveID: string }[] }
    const have = new Set(all.entries.map((e) => e.cve))
    expect(kev.vulnerabilities.filter((v) => !have.has(v.cveID))).toEqual([])
  })
})

describe('epss importer on FIRST’s CSV', () => {
  test('the model line gives the feed version and each entry’s date', async () => {
    const s = await run(memSource([['epss_scores-2025-x-x.csv', readFileSync(FIRST)]]))
    expect(s.entries).toHaveLength(27)
    expect(s.skips).toEqual([])
    expect(s.versions).toEqual(['v2025.03.14 2025-12-26T12:55:00Z'])
    expect(s.entries[0]).toEqual({ cve: 'CVE-1999-0001', score: 0.01151, percentile: 0.7802, date: '2025-12-26' })
    expect(s.get('CVE-1999-0003')).toEqual({
      cve: 'CVE-1999-0003',
      score: 0.89352,
      percentile: 0.99521,
      date: '2025-12-26',
    })
    // FIRST writes small scores in exponent form.
    expect(s.get('CVE-2025-9970')).toEqual({
      cve: 'CVE-2025-9970',
      score: 0.00007,
      percentile: 0.00428,
      date: '2025-12-26',
    })
    expect(s.entries.at(-1)?.cve).toBe('CVE-2025-9999')
  })

  test('gzip-compressed, as served (epss_scores-current.csv.gz)', async () => {
    const plain = await run(memSource([['epss_scores-2025-x-x.csv', readFileSync(FIRST)]]))
    const gz = await run(memSource([['epss_scores-current.csv.gz', gzipSync(readFileSync(FIRST))]]))
    expect(gz.entries).toEqual(plain.entries)
    expect(gz.versions).toEqual(plain.versions)
  })

  test('parseModelLine', () => {
    expect(parseModelLine('#model_version:v2023.03.01,score_date:2023-03-07T00:00:00+0000')).toEqual({
      model_version: 'v2023.03.01',
      score_date: '2023-03-07T00:00:00+0000',
    })
  })
})

describe('epss importer on bad input', () => {
  test('bad lines (columns, numbers, range, ids) are skipped and counted with their line', async () => {
    const lines = readFileSync(FIRST, 'utf8').split('\n')
    lines[2] = 'CVE-1999-0001,0.01151' // too few columns
    lines[3] = 'CVE-1999-0002,high,0.93015' // not a number
    lines[4] = 'CVE-1999-0003,1.89352,0.99521' // score > 1
    lines[5] = 'CVE-1999-0004,0.03037,-0.1' // percentile < 0
    lines[6] = 'cve-2025-9970,7e-05,0.00428' // not a CVE id
    lines[7] = 'CVE-2025-9971,,0.47036' // empty score
    lines[8] = 'CVE-2025-9972,0x1,0.67059' // hex is not a score
    const s = await run(memSource([['epss.csv', `${lines.join('\r\n')}\r\n`]]))
    expect(s.skips).toEqual([
      'epss.csv:3: 2 columns, expected 3',
      'epss.csv:4: epss "high" is not a number in [0, 1]',
      'epss.csv:5: epss "1.89352" is not a number in [0, 1]',
      'epss.csv:6: percentile "-0.1" is not a number in [0, 1]',
      'epss.csv:7: not a CVE id: "cve-2025-9970"',
      'epss.csv:8: epss "" is not a number in [0, 1]',
      'epss.csv:9: epss "0x1" is not a number in [0, 1]',
    ])
    expect(s.entries).toHaveLength(27 - 7)
    expect(s.get('CVE-2025-9975')).toEqual({
      cve: 'CVE-2025-9975',
      score: 0.00039,
      percentile: 0.11657,
      date: '2025-12-26',
    })
  })

  test('EMBA layout: a line with commas or four fields is skipped', async () => {
    const text = 'CVE-1999-1332;0.004020000;0.334830000\nCVE-2002-2443,0.06,0.9\nCVE-2002-1323;0.1;0.2;0.3\n'
    const s = await run(memSource([['CVE_2002_EPSS.csv', text]]))
    expect(s.entries).toEqual([{ cve: 'CVE-1999-1332', score: 0.00402, percentile: 0.33483 }])
    expect(s.skips).toEqual([
      'CVE_2002_EPSS.csv:2: 1 columns, expected 3',
      'CVE_2002_EPSS.csv:3: 4 columns, expected 3',
    ])
  })

  test('a truncated gzip beside a good file is skipped; alone it makes the feed unusable', async () => {
    const gz = gzipSync(readFileSync(FIRST))
    const cut = gz.subarray(0, gz.length - 20)
    const s = await run(
      memSource([
        ['a.csv.gz', cut],
        ['b.csv', readFileSync(FIRST)],
      ]),
    )
    expect(s.entries).toHaveLength(27)
    expect(s.skips).toHaveLength(1)
    expect(s.skips[0]).toMatch(/^a\.csv\.gz: cannot read: /)
    await expect(run(memSource([['epss_scores-current.csv.gz', cut]]))).rejects.toMatchObject({
      name: 'ShipshapeError',
      code: 'FEED',
    })
  })

  test('a document that is not EPSS at all makes the feed unusable; a README beside data is ignored', async () => {
    await expect(run(memSource([['epss_scores-current.csv.gz', '<html>moved</html>']]))).rejects.toThrow(
      /no EPSS data: epss_scores-current\.csv\.gz: not an EPSS CSV/,
    )
    const s = await run(
      memSource([
        ['README.md', '# EPSS data'],
        ['CVE_1999_EPSS.csv', 'CVE-1999-1332;0.004020000;0.334830000\n'],
      ]),
    )
    expect(s.entries).toHaveLength(1)
    expect(s.skips).toEqual([])
  })
})
