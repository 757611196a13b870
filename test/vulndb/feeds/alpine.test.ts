import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { alpineImporter } from '../../../src/vulndb/feeds/alpine/index.js'
import { namespaceForDistroversion, secfixIds } from '../../../src/vulndb/feeds/alpine/secdb.js'
import type { FeedSource } from '../../../src/vulndb/feeds/feed.js'
import { dirSource } from '../../../src/vulndb/sources.js'
import { memSource, runImporter } from './helpers.js'

const SECDB = 'test/fixtures/vulndata/alpine/alpine-secdb'
const JSON_SAMPLES = 'test/fixtures/vulndata/samples/alpine-secdb-json'
const VLU = join(JSON_SAMPLES, 'vuln-list-update/alpine/testdata')

/** Skips as { where, reason }; KEV, EPSS or a feed version from alpine fails the test. */
async function run(source: FeedSource) {
  const sink = await runImporter(alpineImporter, source, {
    refuse: { kev: 'no KEV from alpine', epss: 'no EPSS from alpine', feedVersion: 'the secdb states no version' },
  })
  return { records: sink.records, skips: sink.skipped, byId: sink.byId }
}

const read = (p: string) => readFileSync(p, 'utf8')

describe('alpine-secdb YAML v3.3–v3.11 (alpinelinux/alpine-secdb @ 06f6e960)', async () => {
  const all = await run(dirSource(SECDB))

  test('one record per advisory id across all files; 11961 affected entries', () => {
    expect(all.records).toHaveLength(2468)
    expect(all.byId.size).toBe(2468)
    const statuses: Record<string, number> = {}
    for (const r of all.records) for (const a of r.affected) statuses[a.status] = (statuses[a.status] ?? 0) + 1
    expect(statuses).toEqual({ fixed: 11956, 'not-affected': 5 })
    expect(all.records.every((r) => r.source === 'alpine' && r.severity === undefined && r.cvss.length === 0)).toBe(
      true,
    )
    // Ids are ids: no notes in parentheses, no placeholders, no bare words.
    for (const r of all.records) {
      for (const id of [r.id, ...r.aliases]) expect(id).toMatch(/^(CVE-\d{4}-\d{4,}|[A-Za-z]+(-[A-Za-z0-9]+)+)$/)
    }
  })

  test('counts per file: affected entries and distinct ids', () => {
    const per: Record<string, [number, number]> = {}
    const ids: Record<string, Set<string>> = {}
    for (const r of all.records) {
      for (const a of r.affected) {
        const f = (a.at ?? '').split(' ')[0] as string
        per[f] = [(per[f]?.[0] ?? 0) + 1, 0]
        ids[f] = (ids[f] ?? new Set()).add(r.id)
      }
    }
    for (const f of Object.keys(per)) per[f] = [per[f]?.[0] ?? 0, ids[f]?.size ?? 0]
    expect(per).toEqual({
      'v3.3/main.yaml': [457, 454],
      'v3.4/main.yaml': [668, 663],
      'v3.4/community.yaml': [14, 14],
      'v3.5/main.yaml': [822, 798],
      'v3.5/community.yaml': [102, 98],
      'v3.6/main.yaml': [893, 865],
      'v3.6/community.yaml': [216, 195],
      'v3.7/main.yaml': [1078, 1035],
      'v3.7/community.yaml': [408, 376],
      'v3.8/main.yaml': [1123, 1075],
      'v3.8/community.yaml': [483, 461],
      'v3.9/main.yaml': [1116, 1056],
      'v3.9/community.yaml': [599, 574],
      'v3.10/main.yaml': [1178, 1110],
      'v3.10/community.yaml': [718, 691],
      'v3.11/main.yaml': [1193, 1119],
      'v3.11/community.yaml': [893, 828],
    })
  })

  test('CVE-2018-14618: curl fixed in 7.61.1-r0 in every release from 3.5 to 3.11 (main)', () => {
    const r = all.byId.get('CVE-2018-14618')
    expect(r?.aliases).toEqual([])
    const byNs = Object.fromEntries(
      (r?.affected ?? []).map((a) => [a.namespace, [a.package, a.ranges, a.fixed, a.status]]),
    )
    const want = ['curl', '< 7.61.1-r0', ['7.61.1-r0'], 'fixed']
    expect(byNs).toEqual({
      'alpine:3.5': want,
      'alpine:3.6': want,
      'alpine:3.7': want,
      'alpine:3.8': want,
      'alpine:3.9': want,
      'alpine:3.10': want,
      'alpine:3.11': want,
    })
    expect(r?.affected.find((a) => a.namespace === 'alpine:3.11')?.at).toBe(
      'v3.11/main.yaml packages[20].secfixes["7.61.1-r0"]',
    )
  })

  test('the 24 fixed versions apk refuses (real typos) are skipped with place and reason; so is a key with no ids', () => {
    const typos = all.skips.filter((s) => s.reason.startsWith('fixed version is not an apk version'))
    expect(typos).toHaveLength(24)
    expect(typos.map((s) => s.where)).toEqual([
      'v3.10/community.yaml (alpine:3.10 community) phpmyadmin "4.8.0.-r1"',
      'v3.11/community.yaml (alpine:3.11 community) phpmyadmin "4.8.0.-r1"',
      'v3.11/main.yaml (alpine:3.11 main) opensmtpd "6.6.2p1-r0"',
      'v3.11/main.yaml (alpine:3.11 main) python2 "2.7.16-33"',
      'v3.11/main.yaml (alpine:3.11 main) xen "4.10-1-r1"',
      'v3.3/main.yaml (alpine:3.3 main) irssi "0.8.21.r2"',
      'v3.3/main.yaml (alpine:3.3 main) libxi "1.7.5.-r1"',
      'v3.4/main.yaml (alpine:3.4 main) icu "57-1-r2"',
      'v3.4/main.yaml (alpine:3.4 main) irssi "0.8.21.r2"',
      'v3.5/main.yaml (alpine:3.5 main) irssi "0.8.21.r2"',
      'v3.5/main.yaml (alpine:3.5 main) wget "1.18.-r2"',
      'v3.6/main.yaml (alpine:3.6 main) irssi "1.0.4.-r0"',
      'v3.6/main.yaml (alpine:3.6 main) py-django "1.11-20-r0"',
      'v3.7/community.yaml (alpine:3.7 community) quassel "0.12.5.-r0"',
      'v3.7/main.yaml (alpine:3.7 main) git "2.15.r-r1"',
      'v3.7/main.yaml (alpine:3.7 main) py-django "1.11-20-r0"',
      'v3.8/community.yaml (alpine:3.8 community) phpmyadmin "4.8.0.-r1"',
      'v3.8/main.yaml (alpine:3.8 main) mariadb "10.2.26.r0"',
      'v3.8/main.yaml (alpine:3.8 main) mariadb "10.2.24.r0"',
      'v3.8/main.yaml (alpine:3.8 main) mariadb "10.2.22.r0"',
      'v3.8/main.yaml (alpine:3.8 main) py-django "1.11-20-r0"',
      'v3.8/main.yaml (alpine:3.8 main) xen "4.10-1-r1"',
      'v3.9/community.yaml (alpine:3.9 community) phpmyadmin "4.8.0.-r1"',
      'v3.9/main.yaml (alpine:3.9 main) xen "4.10-1-r1"',
    ])
    expect(typos[0]?.reason).toBe('fixed version is not an apk version: "." at offset 5 without digits after it')
    expect(all.skips.filter((s) => !typos.includes(s))).toEqual([
      {
        where: 'v3.6/main.yaml (alpine:3.6 main) heimdal "7.4.0-r0"',
        reason: 'no advisory ids for this fixed version',
      },
    ])
    // A typo key takes only its own ids away: CVE-2018-10188 was listed only under phpmyadmin "4.8.0.-r1".
    expect(all.byId.has('CVE-2018-10188')).toBe(false)
    expect(all.byId.get('CVE-2018-8897')?.affected.map((a) => a.namespace)).toEqual([
      'alpine:3.10',
      'alpine:3.4',
      'alpine:3.5',
      'alpine:3.6',
      'alpine:3.7',
    ])
  })

  test('key "0": never affected (db in 3.8 main, Oracle Berkeley DB issues)', () => {
    const r = all.byId.get('CVE-2016-0682')
    expect(r?.affected).toEqual([
      {
        namespace: 'alpine:3.8',
        package: 'db',
        fixed: [],
        status: 'not-affected',
        at: 'v3.8/main.yaml packages[19].secfixes["0"]',
      },
    ])
  })

  test('ids beside the CVE become aliases; non-CVE ids stand alone; odd spellings read as the CVE they name', () => {
    expect(all.byId.get('CVE-2016-6258')?.aliases).toEqual(['XSA-182'])
    expect(all.byId.get('CVE-2016-6258')?.affected.find((a) => a.namespace === 'alpine:3.4')?.ranges).toBe('< 4.6.3-r1')
    // "CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI": three CVEs, each aliased to XSA-254, not to each other.
    for (const id of ['CVE-2017-5753', 'CVE-2017-5715', 'CVE-2017-5754']) {
      expect(all.byId.get(id)?.aliases).toEqual(['XSA-254'])
    }
    // "CVE-????-?????  XSA-284": the placeholder is dropped, the XSA is the id.
    expect(all.byId.get('XSA-284')?.affected.map((a) => [a.namespace, a.package, a.ranges])).toEqual([
      ['alpine:3.8', 'xen', '< 4.10.4-r0'],
      ['alpine:3.9', 'xen', '< 4.11.2-r0'],
    ])
    expect(all.byId.get('wnpa-sec-2017-18')?.affected[0]).toMatchObject({
      namespace: 'alpine:3.5',
      package: 'wireshark',
    })
    // CVE_2019-2426, CVE 2018-16859, CVE-2017-17434-1, "CVE-2018-14881 (BGP)"
    expect(all.byId.get('CVE-2019-2426')?.affected.map((a) => a.package)).toContain('openjdk8')
    expect(all.byId.get('CVE-2018-16859')?.affected[0]).toMatchObject({ namespace: 'alpine:3.9', package: 'ansible' })
    expect(all.byId.get('CVE-2017-17434')?.affected.find((a) => a.namespace === 'alpine:3.4')?.ranges).toBe(
      '< 3.1.2-r3',
    )
    expect(all.byId.get('CVE-2018-14881')?.affected.find((a) => a.namespace === 'alpine:3.10')?.package).toBe('tcpdump')
  })

  test('secfixIds and namespaces', () => {
    expect(secfixIds('CVE-2018-8897 XSA-260')).toEqual(['CVE-2018-8897', 'XSA-260'])
    expect(secfixIds('CVE-????-?????  XSA-284')).toEqual(['XSA-284'])
    expect(secfixIds('CVE-2018-14881 (BGP)')).toEqual(['CVE-2018-14881'])
    expect(secfixIds('CVE_2019-2426')).toEqual(['CVE-2019-2426'])
    expect(secfixIds('CVE 2018-16859')).toEqual(['CVE-2018-16859'])
    expect(secfixIds('CVE-2017-8073.patch')).toEqual(['CVE-2017-8073'])
    expect(secfixIds('CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI')).toEqual([
      'CVE-2017-5753',
      'CVE-2017-5715',
      'CVE-2017-5754',
      'XSA-254',
    ])
    expect(namespaceForDistroversion('v3.11')).toBe('alpine:3.11')
    expect(namespaceForDistroversion('edge')).toBe('alpine:edge')
    expect(namespaceForDistroversion('3.20')).toBe('alpine:3.20')
    expect(namespaceForDistroversion('v3')).toBeUndefined()
  })
})

describe('secdb JSON (claircore, vuln-list-update samples)', async () => {
  const got = await run(dirSource(JSON_SAMPLES))

  test('v3.10 community, v3.11, v3.12 and edge main', () => {
    expect(got.records).toHaveLength(14)
    expect(got.byId.get('CVE-2018-20187')?.affected).toEqual([
      {
        namespace: 'alpine:3.10',
        package: 'botan',
        ranges: '< 2.9.0-r0',
        fixed: ['2.9.0-r0'],
        status: 'fixed',
        at: 'claircore/v3.10-community.json packages[0].secfixes["2.9.0-r0"]',
      },
    ])
    expect(got.byId.get('CVE-2018-8011')?.affected[0]).toMatchObject({ namespace: 'alpine:3.11', package: 'apache2' })
    expect(got.byId.get('CVE-2021-36159')?.affected[0]).toMatchObject({
      namespace: 'alpine:edge',
      package: 'apk-tools',
      ranges: '< 2.12.6-r0',
    })
    expect(got.byId.get('CVE-2018-16876')?.affected[0]).toMatchObject({
      namespace: 'alpine:3.12',
      ranges: '< 2.7.9-r0',
    })
    // 3.12's `"2.8.0-r0": {}` lists nothing.
    expect(got.skips).toEqual([
      {
        where: 'vuln-list-update/alpine/testdata/312-main.json (alpine:3.12 main) ansible "2.8.0-r0"',
        reason: 'no advisory ids for this fixed version',
      },
    ])
  })

  test('production naming: several releases all called main.json, told apart by distroversion; JSON and YAML mixed', async () => {
    const mixed = await run(
      memSource([
        ['main.json', read(join(VLU, '311-main.json'))],
        ['main.json', read(join(VLU, 'edge-main.json'))],
        ['main.yaml', read(join(SECDB, 'v3.11/main.yaml'))],
        ['README.md', read(join(SECDB, 'README.md'))],
      ]),
    )
    // apache2 CVE-2018-1333 from the 3.11 JSON and the 3.11 YAML is one entry.
    expect(mixed.byId.get('CVE-2018-1333')?.affected.map((a) => [a.namespace, a.ranges])).toEqual([
      ['alpine:3.11', '< 2.4.34-r0'],
    ])
    expect(mixed.byId.get('CVE-2021-30139')?.affected[0]?.namespace).toBe('alpine:edge')
    expect(mixed.skips).toHaveLength(3) // the three typo keys of v3.11/main.yaml
  })
})

describe('bad input', () => {
  const v38 = read(join(SECDB, 'v3.8/main.yaml'))
  const j311 = read(join(VLU, '311-main.json'))

  test('a malformed or non-secdb file is skipped and counted, the others imported', async () => {
    const noName = JSON.parse(read(join(JSON_SAMPLES, 'claircore/v3.10-community.json')))
    delete noName.packages[1].pkg.name
    noName.packages[2].pkg.secfixes['4.12.0-r3'] = [42, 'CVE-2017-6949']
    noName.packages[0].pkg.secfixes = ['CVE-2018-20187']
    const noRelease = JSON.parse(read(join(VLU, 'edge-main.json')))
    delete noRelease.distroversion
    const got = await run(
      memSource([
        ['v3.11/main.json', j311.slice(0, 200)],
        ['v3.8/main.yaml', v38],
        ['v3.8/community.yaml', 'packages: [ { pkg: { name: botan\n  secfixes: {'],
        ['edge/main.json', JSON.stringify(noRelease)],
        ['v3.10/community.json', JSON.stringify(noName)],
        ['v3.12/main.json', '[]'],
      ]),
    )
    expect(got.skips.map((s) => [s.where, s.reason.split(':')[0]])).toEqual([
      ['v3.11/main.json', 'malformed JSON'],
      ['v3.8/main.yaml (alpine:3.8 main) mariadb "10.2.26.r0"', 'fixed version is not an apk version'],
      ['v3.8/main.yaml (alpine:3.8 main) mariadb "10.2.24.r0"', 'fixed version is not an apk version'],
      ['v3.8/main.yaml (alpine:3.8 main) mariadb "10.2.22.r0"', 'fixed version is not an apk version'],
      ['v3.8/main.yaml (alpine:3.8 main) py-django "1.11-20-r0"', 'fixed version is not an apk version'],
      ['v3.8/main.yaml (alpine:3.8 main) xen "4.10-1-r1"', 'fixed version is not an apk version'],
      ['v3.8/community.yaml', 'malformed YAML'],
      ['edge/main.json', 'missing or unknown distroversion undefined'],
      ['v3.10/community.json (alpine:3.10 community) botan', 'secfixes is not a map'],
      ['v3.10/community.json (alpine:3.10 community) packages[1]', 'package without a name'],
      ['v3.10/community.json (alpine:3.10 community) chicken "4.12.0-r3"[0]', 'advisory id is not a string'],
      ['v3.12/main.json', 'not a secdb document (top level is not an object)'],
    ])
    // v3.8 main whole, and what was readable of the damaged v3.10 community file.
    expect(got.byId.get('CVE-2018-14618')?.affected.map((a) => a.namespace)).toEqual(['alpine:3.8'])
    expect(got.byId.get('CVE-2017-6949')?.affected[0]).toMatchObject({ namespace: 'alpine:3.10', package: 'chicken' })
    expect(got.byId.has('CVE-2018-20187')).toBe(false)
    expect(got.byId.has('CVE-2019-9929')).toBe(false)
    expect(got.records.filter((r) => r.affected.some((a) => a.namespace === 'alpine:3.8'))).toHaveLength(1075)
  })

  test('a feed with no usable secdb file fails; so does one with no secdb file at all', async () => {
    await expect(run(memSource([['main.json', j311.slice(0, 100)]]))).rejects.toMatchObject({ code: 'FEED' })
    await expect(run(memSource([['README.md', '# secdb']]))).rejects.toMatchObject({
      code: 'FEED',
      message: 'the Alpine feed has no secdb file',
    })
  })
})
