import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { cve5Importer } from '../../../src/vulndb/feeds/cve5/index.js'
import type { FeedSource } from '../../../src/vulndb/feeds/feed.js'
import { dirSource } from '../../../src/vulndb/sources.js'
import { memSource, runImporter } from './helpers.js'

const ROOT = join(import.meta.dirname, '../../fixtures/vulndata/cve5/cisagov-vulnrichment')
const URLLIB3 = '2023/45xxx/CVE-2023-45803.json'

const fixture = (p: string) => readFileSync(join(ROOT, p))
const record = (p: string) => JSON.parse(fixture(p).toString('utf8'))

const run = (source: FeedSource) => runImporter(cve5Importer, source)

describe('cve5 importer on the real vulnrichment records', async () => {
  const all = await run(dirSource(ROOT))

  test('210 records, one per CVE, nothing skipped (the LICENSE beside them is not a record)', () => {
    expect(cve5Importer.name).toBe('cve5')
    expect(all.records).toHaveLength(210)
    expect(new Set(all.records.map((r) => r.id)).size).toBe(210)
    expect(all.skips).toEqual([])
    for (const r of all.records) {
      expect(r.source).toBe('cve5')
      expect(r.affected).toEqual([])
      expect(r.withdrawn).toBeUndefined()
      expect(r.summary).toBeTruthy()
    }
  })

  test('counts of CVSS by source', () => {
    const cvss = all.records.flatMap((r) => r.cvss)
    expect(cvss.filter((c) => c.source === 'cve5:CISA-ADP')).toHaveLength(34)
    expect(cvss.filter((c) => c.version === '4.0')).toHaveLength(4)
    expect(cvss.filter((c) => c.version === '3.0')).toHaveLength(21)
    expect(cvss.filter((c) => c.source === 'cve5:oracle')).toHaveLength(58)
    expect(all.records.filter((r) => r.cvss.length === 0)).toHaveLength(54)
  })

  test('CVE-2023-45803 (urllib3): the CNA’s (GitHub) CVSS 3.1 4.2, its CWE and references', () => {
    const r = all.get('CVE-2023-45803')
    expect(r.summary).toMatch(
      /^urllib3 is a user-friendly HTTP client library for Python\. urllib3 previously wouldn't/,
    )
    expect(r.published).toBe('2023-10-17T19:43:45.404Z')
    expect(r.modified).toBe('2024-09-13T15:56:30.487Z')
    expect(r.cvss).toEqual([
      { version: '3.1', vector: 'CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N', score: 4.2, source: 'cve5:GitHub_M' },
    ])
    expect(r.severity).toEqual({ value: 'MEDIUM', source: 'cve5:GitHub_M' })
    expect(r.cwes).toEqual(['CWE-200'])
    // The CVE Program container repeats the CNA's six URLs: kept once.
    expect(r.references).toHaveLength(6)
    expect(r.references[0]).toEqual({
      url: 'https://github.com/urllib3/urllib3/security/advisories/GHSA-g4mx-q9vg-27p4',
      type: 'x_refsource_CONFIRM',
    })
  })

  test('CVE-2024-24791 (Go net/http): CVSS only from CISA-ADP, CWE from a "CWE 400: …" description', () => {
    const r = all.get('CVE-2024-24791')
    expect(r.cvss).toEqual([
      { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 7.5, source: 'cve5:CISA-ADP' },
    ])
    // The CNA gave no CVSS, so no severity word of its own.
    expect(r.severity).toBeUndefined()
    expect(r.cwes).toEqual(['CWE-400'])
  })

  test('CVE-2015-8315 (ms): the CWE CISA-ADP added, CVSS 7.5 from CISA-ADP', () => {
    const r = all.get('CVE-2015-8315')
    expect(r.cwes).toEqual(['CWE-1333'])
    expect(r.cvss).toEqual([
      { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 7.5, source: 'cve5:CISA-ADP' },
    ])
    expect(r.published).toBe('2017-01-23T21:00:00')
  })

  test('CVSS 4.0 and 3.0 from CNAs; Oracle’s free-text problem types give no CWE; an en-US description', () => {
    expect(all.get('CVE-2024-41128').cvss).toEqual([
      {
        version: '4.0',
        vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/E:U',
        score: 6.6,
        source: 'cve5:GitHub_M',
      },
    ])
    const oracle = all.get('CVE-2020-2583')
    expect(oracle.cvss).toEqual([
      { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:L', score: 3.7, source: 'cve5:oracle' },
    ])
    expect(oracle.severity).toEqual({ value: 'LOW', source: 'cve5:oracle' })
    expect(oracle.cwes).toEqual([])
    expect(all.get('CVE-2023-21843').summary).toMatch(/^Vulnerability in the Oracle Java SE, Oracle GraalVM/)
  })
})

describe('cve5 importer on bad input', () => {
  test('REJECTED: withdrawn at its rejection date, the reason as summary', async () => {
    const doc = record(URLLIB3)
    doc.cveMetadata.state = 'REJECTED'
    doc.cveMetadata.dateRejected = '2024-10-01T00:00:00.000Z'
    doc.containers.cna = {
      providerMetadata: doc.containers.cna.providerMetadata,
      rejectedReasons: [{ lang: 'en', value: 'This candidate was withdrawn by its CNA.' }],
    }
    const s = await run(memSource([['CVE-2023-45803.json', JSON.stringify(doc)]]))
    const r = s.get('CVE-2023-45803')
    expect(r.withdrawn).toBe('2024-10-01T00:00:00.000Z')
    expect(r.summary).toBe('This candidate was withdrawn by its CNA.')
    expect(r.cvss).toEqual([])
  })

  test('bad records are skipped and counted, the rest imported', async () => {
    const noId = record(URLLIB3)
    delete noId.cveMetadata.cveId
    const badMetric = record('2015/8xxx/CVE-2015-8315.json')
    badMetric.containers.adp[1].metrics[0].cvssV3_1.baseScore = '7.5'
    const badState = record('2024/24xxx/CVE-2024-24791.json')
    badState.cveMetadata.state = 'RESERVED'
    const whole = fixture('2022/30xxx/CVE-2022-30636.json')
    const s = await run(
      memSource([
        ['cves/2023/45xxx/CVE-2023-45803.json', JSON.stringify(noId)],
        ['cves/2015/8xxx/CVE-2015-8315.json', JSON.stringify(badMetric)],
        ['cves/2024/24xxx/CVE-2024-24791.json', JSON.stringify(badState)],
        ['cves/2022/30xxx/CVE-2022-30636.json', whole.subarray(0, 2000)],
        ['cves/2024/41xxx/CVE-2024-41128.json', fixture('2024/41xxx/CVE-2024-41128.json')],
        ['cves/2019/1xxx/CVE-2019-1387.json', '{"dataType":"CVE_RECORD_LIST"}'],
        ['cves/2019/1xxx/CVE-2019-1547.json', fixture('2019/1xxx/CVE-2019-1547.json')],
        // cvelistV5's archive holds these too: not records, not errors.
        ['cves/delta.json', '{"fetchTime":"2024-10-24T00:00:00Z","numberOfChanges":0,"new":[],"updated":[]}'],
        ['README.md', '# CVE List V5'],
      ]),
    )
    expect(s.records.map((r) => r.id)).toEqual(['CVE-2024-41128', 'CVE-2019-1547'])
    expect(s.skips).toHaveLength(5)
    expect(s.skips[0]).toBe(
      'cves/2023/45xxx/CVE-2023-45803.json: cveMetadata.cveId: Invalid input: expected string, received undefined',
    )
    expect(s.skips[1]).toBe(
      'cves/2015/8xxx/CVE-2015-8315.json: containers.adp.1.metrics.0.cvssV3_1.baseScore: Invalid input: expected number, received string',
    )
    expect(s.skips[2]).toMatch(/^cves\/2024\/24xxx\/CVE-2024-24791\.json: cveMetadata\.state: Invalid option/)
    expect(s.skips[3]).toMatch(/^cves\/2022\/30xxx\/CVE-2022-30636\.json: malformed JSON: /)
    expect(s.skips[4]).toBe('cves/2019/1xxx/CVE-2019-1387.json: not a CVE JSON 5 record')
  })

  test('a newer copy of a CVE (cvelistV5 beside vulnrichment) is imported again; an equal one is not', async () => {
    const older = record(URLLIB3)
    older.cveMetadata.dateUpdated = '2023-10-17T19:43:45.404Z'
    older.containers.adp = []
    const s = await run(
      memSource([
        ['a/CVE-2023-45803.json', JSON.stringify(older)],
        ['b/CVE-2023-45803.json', fixture(URLLIB3)],
        ['c/CVE-2023-45803.json', fixture(URLLIB3)],
      ]),
    )
    expect(s.records.map((r) => r.modified)).toEqual(['2023-10-17T19:43:45.404Z', '2024-09-13T15:56:30.487Z'])
  })

  test('a feed with no record at all is unusable', async () => {
    await expect(run(memSource([['CVE-2023-45803', fixture(URLLIB3).subarray(0, 500)]]))).rejects.toMatchObject({
      name: 'ShipshapeError',
      code: 'FEED',
    })
    await expect(run(memSource([['README.md', 'nothing here']]))).rejects.toThrow(/no CVE JSON 5 records/)
  })
})
