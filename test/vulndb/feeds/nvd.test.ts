import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import type { FeedSource } from '../../../src/vulndb/feeds/feed.js'
import { nvdImporter } from '../../../src/vulndb/feeds/nvd/index.js'
import { dirSource } from '../../../src/vulndb/sources.js'
import { memSource, runImporter } from './helpers.js'

const NVD = join(import.meta.dirname, '../../fixtures/vulndata/nvd')
const PAGE = 'osv.dev/vulnfeeds/conversion/nvd/testdata/test.json'
const FKIE = 'fkie-cad-nvd-json-data-feeds/CVE-2023/CVE-2023-326xx/CVE-2023-32681.json'
const VLU = 'vuln-list-update/nvd/testdata'

const fixture = (p: string) => readFileSync(join(NVD, p))

const run = (source: FeedSource) => runImporter(nvdImporter, source)

describe('nvd importer on the real NVD data', async () => {
  const all = await run(dirSource(NVD))

  test('every CVE once, the OSV record among the NVD files skipped', () => {
    expect(nvdImporter.name).toBe('nvd')
    expect(all.records).toHaveLength(21)
    expect(new Set(all.records.map((r) => r.id)).size).toBe(21)
    expect(all.skips).toEqual([
      'osv.dev/gcp/workers/oss_fuzz_worker/testdata/CVE-2022-27449.json: not an NVD CVE API 2.0 document',
    ])
    expect(all.versions).toEqual(['2026-01-29T23:19:29.408'])
    for (const r of all.records) {
      expect(r.source).toBe('nvd')
      expect(r.affected).toEqual([])
      expect(r.withdrawn).toBeUndefined()
    }
  })

  test('CVE-2018-14618 (curl): NVD Primary v3.0 and v2, Red Hat Secondary v3.0', () => {
    const r = all.get('CVE-2018-14618')
    expect(r.summary).toMatch(/^curl before version 7\.61\.1 is vulnerable to a buffer overrun in the NTLM/)
    expect(r.published).toBe('2018-09-05T19:29:00.420')
    expect(r.modified).toBe('2024-11-21T03:49:26.003')
    expect(r.severity).toEqual({ value: 'CRITICAL', source: 'nvd' })
    expect(r.cvss).toEqual([
      {
        version: '3.0',
        vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H',
        score: 7.5,
        source: 'nvd:secalert@redhat.com',
      },
      { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, source: 'nvd' },
      { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:C/I:C/A:C', score: 10, source: 'nvd' },
    ])
    expect(r.cwes).toEqual(['CWE-122', 'CWE-131', 'CWE-190'])
    // 22 references in the record, each URL listed twice (by the CNA and again by another source).
    expect(r.references).toHaveLength(11)
    expect(r.references[0]).toEqual({
      url: 'http://www.securitytracker.com/id/1041605',
      type: 'Third Party Advisory, VDB Entry',
    })
  })

  test('CVE-2023-45803 (urllib3): the same vector from NVD and from GitHub, named apart', () => {
    const r = all.get('CVE-2023-45803')
    expect(r.summary).toMatch(/^urllib3 is a user-friendly HTTP client library for Python/)
    expect(r.severity).toEqual({ value: 'MEDIUM', source: 'nvd' })
    const v = 'CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N'
    expect(r.cvss).toEqual([
      { version: '3.1', vector: v, score: 4.2, source: 'nvd:security-advisories@github.com' },
      { version: '3.1', vector: v, score: 4.2, source: 'nvd' },
    ])
    // NVD-CWE-noinfo is a placeholder, not a weakness.
    expect(r.cwes).toEqual(['CWE-200'])
    expect(r.modified).toBe('2025-11-03T22:16:28.170')
  })

  test('CVE-2023-32681 (requests) from the fkie-cad per-CVE file: CVSS 3.1 6.1 MEDIUM', async () => {
    const one = await run(memSource([[FKIE, fixture(FKIE)]]))
    expect(one.skips).toEqual([])
    expect(one.versions).toEqual([])
    expect(one.records).toHaveLength(1)
    const r = one.get('CVE-2023-32681')
    expect(r.summary).toMatch(
      /^Requests is a HTTP library\. Since Requests 2\.3\.0, Requests has been leaking Proxy-Authorization/,
    )
    expect(r.severity).toEqual({ value: 'MEDIUM', source: 'nvd' })
    expect(r.cvss).toContainEqual({
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N',
      score: 6.1,
      source: 'nvd',
    })
    expect(r.cvss.map((c) => c.source)).toEqual(['nvd', 'nvd:security-advisories@github.com'])
    expect(r.published).toBe('2023-05-26T18:15:14.147')
    expect(r.modified).toBe('2023-06-18T18:15:09.870')
    expect(r.cwes).toEqual(['CWE-200'])
    expect(all.get('CVE-2023-32681')).toEqual(r)
  })

  test('severity is NVD’s own: v3.1 before v2, none when only a CNA scored it', () => {
    expect(all.get('CVE-2022-33068').severity).toEqual({ value: 'MEDIUM', source: 'nvd' })
    // Only a v2 metric: its severity sits beside cvssData, not in it.
    expect(all.get('CVE-2005-4895').severity).toEqual({ value: 'MEDIUM', source: 'nvd' })
    expect(all.get('CVE-2005-4895').cvss).toEqual([
      { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:N/I:N/A:P', score: 5, source: 'nvd' },
    ])
    // Red Hat's Secondary 7.5 is all there is: no NVD severity, the vector kept with its source.
    const r = all.get('CVE-2024-2002')
    expect(r.severity).toBeUndefined()
    expect(r.cvss).toEqual([
      {
        version: '3.1',
        vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
        score: 7.5,
        source: 'nvd:secalert@redhat.com',
      },
    ])
    // A CNA named by its UUID (CISA-ADP) is kept as NVD gives it.
    expect(all.get('CVE-2026-20912').cvss[0]?.source).toBe('nvd:134c704f-9b21-4f2e-91b3-4a467353bcc0')
    expect(all.get('CVE-2026-20912').severity).toBeUndefined()
  })

  test('CVE-2024-5732: a CNA’s CVSS 4.0 beside NVD’s 3.1 9.8', () => {
    const r = all.get('CVE-2024-5732')
    expect(r.severity).toEqual({ value: 'CRITICAL', source: 'nvd' })
    expect(r.cvss.map((c) => `${c.version} ${c.score} ${c.source}`)).toEqual([
      '3.1 9.8 nvd',
      '3.1 7.3 nvd:cna@vuldb.com',
      '4.0 6.9 nvd:cna@vuldb.com',
      '2.0 7.5 nvd:cna@vuldb.com',
    ])
    expect(r.cvss[2]?.vector).toMatch(/^CVSS:4\.0\/AV:N\/AC:L\/AT:N\/PR:N\/UI:N\/VC:L\/VI:L\/VA:L\//)
  })

  test('API pages that overlap (page 1, the full result, per-CVE files) give each CVE once', async () => {
    const s = await run(dirSource(join(NVD, VLU)))
    expect(s.skips).toEqual([])
    expect(s.records.map((r) => r.id).sort()).toEqual([
      'CVE-2020-8167',
      'CVE-2021-22903',
      'CVE-2021-3881',
      'CVE-2024-5732',
    ])
    expect(s.versions).toEqual(['2023-11-27T04:36:56.737'])
    expect(s.get('CVE-2021-22903').cvss[0]).toEqual({
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N',
      score: 6.1,
      source: 'nvd',
    })
    expect(s.get('CVE-2021-3881').cwes).toEqual(['CWE-125'])
  })
})

describe('nvd importer on bad input', () => {
  const page = () => JSON.parse(fixture(PAGE).toString('utf8'))

  test('malformed items in a page are skipped and counted, the rest imported', async () => {
    const doc = page()
    doc.vulnerabilities[2].cve.published = 42 // CVE-2026-23522: wrong type
    delete doc.vulnerabilities[5].cve.id // CVE-2023-1055: no id
    doc.vulnerabilities[7].cve.metrics.cvssMetricV31[0].cvssData.vectorString = null // CVE-2022-33068
    doc.vulnerabilities[9] = 'junk'
    const s = await run(memSource([['page.json', JSON.stringify(doc)]]))
    expect(s.records).toHaveLength(9)
    expect(s.skips).toEqual([
      'page.json#2 (CVE-2026-23522): published: Invalid input: expected string, received number',
      'page.json#5: id: Invalid input: expected string, received undefined',
      'page.json#7 (CVE-2022-33068): metrics.cvssMetricV31.0.cvssData.vectorString: Invalid input: expected string, received null',
      'page.json#9: item has no cve object',
    ])
    expect(s.get('CVE-2018-14618').severity?.value).toBe('CRITICAL')
  })

  test('a truncated page among good ones is skipped; the others are imported', async () => {
    const whole = fixture(PAGE)
    const s = await run(
      memSource([
        ['a/respPage1.json', fixture(`${VLU}/fixtures/respPage1.json`)],
        ['b/test.json', whole.subarray(0, whole.length / 2)],
        ['c/README.md', '# not data'],
      ]),
    )
    expect(s.records.map((r) => r.id)).toEqual(['CVE-2020-8167', 'CVE-2021-22903'])
    expect(s.skips).toHaveLength(1)
    expect(s.skips[0]).toMatch(/^b\/test\.json: malformed JSON: /)
  })

  test('one document that is not NVD JSON at all makes the feed unusable', async () => {
    const whole = fixture(PAGE)
    await expect(run(memSource([['2.0', whole.subarray(0, 1000)]]))).rejects.toMatchObject({
      name: 'ShipshapeError',
      code: 'FEED',
    })
    await expect(run(memSource([['2.0', '<html>rate limited</html>']]))).rejects.toThrow(/no NVD CVE API 2\.0 data/)
  })

  test('an empty result page is usable and imports nothing', async () => {
    const doc = { ...page(), totalResults: 0, resultsPerPage: 0, vulnerabilities: [] }
    const s = await run(memSource([['2.0', JSON.stringify(doc)]]))
    expect(s.records).toEqual([])
    expect(s.skips).toEqual([])
  })

  test('a gzip-compressed page, and a page named by its URL path (no .json)', async () => {
    const s = await run(memSource([['2.0', gzipSync(fixture(`${VLU}/fixtures/respPageFull.json`))]]))
    expect(s.records.map((r) => r.id)).toEqual(['CVE-2020-8167', 'CVE-2021-22903', 'CVE-2021-3881'])
  })

  test('vulnStatus Rejected withdraws the record at its lastModified', async () => {
    const doc = page()
    const item = doc.vulnerabilities[12]
    item.cve.vulnStatus = 'Rejected'
    const s = await run(memSource([['one.json', JSON.stringify(item)]]))
    expect(s.get('CVE-2023-45803').withdrawn).toBe('2025-11-03T22:16:28.170')
  })

  test('a newer copy of a CVE later in the feed is imported again; an older or equal one is not', async () => {
    const doc = page()
    const old = structuredClone(doc.vulnerabilities[12])
    old.cve.lastModified = '2023-01-01T00:00:00.000'
    const s = await run(
      memSource([
        ['1.json', JSON.stringify(old)],
        ['2.json', JSON.stringify(doc.vulnerabilities[12])],
        ['3.json', JSON.stringify(old)],
      ]),
    )
    expect(s.records.map((r) => r.modified)).toEqual(['2023-01-01T00:00:00.000', '2025-11-03T22:16:28.170'])
    expect(s.skips).toEqual([])
  })
})
