import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ShipshapeError } from '../../../src/internal/index.js'
import type { AffectedPackage, VulnerabilityRecord } from '../../../src/model/index.js'
import { debianImporter } from '../../../src/vulndb/feeds/debian/index.js'
import type { FeedSource } from '../../../src/vulndb/feeds/feed.js'
import { dirSource, fileSource } from '../../../src/vulndb/sources.js'
import { memSource, runImporter } from './helpers.js'

const FIX = 'test/fixtures/vulndata'
const LISTS = join(FIX, 'debian/security-tracker/data')
const VUNNEL = join(FIX, 'samples/debian-tracker-json/vunnel')
const VULNERABLECODE = join(FIX, 'samples/debian-tracker-json/vulnerablecode')

/** Skips as { where, reason }; KEV, EPSS or a feed version from debian fails the test. */
async function run(source: FeedSource) {
  const sink = await runImporter(debianImporter, source, {
    refuse: { kev: 'no KEV from debian', epss: 'no EPSS from debian', feedVersion: 'the tracker states no version' },
  })
  return { records: sink.records, skips: sink.skipped, byId: sink.byId }
}

function entry(r: VulnerabilityRecord | undefined, namespace: string, pkg?: string): AffectedPackage | undefined {
  return r?.affected.find((a) => a.namespace === namespace && (pkg === undefined || a.package === pkg))
}

function statusCounts(records: VulnerabilityRecord[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of records) for (const a of r.affected) out[a.status] = (out[a.status] ?? 0) + 1
  return out
}

describe('DSA/DLA/DTSA lists (security-tracker @ 32127b7f)', async () => {
  const all = await run(dirSource(LISTS))

  test('one record per advisory id: 5406 DSA, 3534 DLA, 208 DTSA', () => {
    const count = (p: string) => all.records.filter((r) => r.id.startsWith(p)).length
    expect(count('DSA-')).toBe(5406)
    expect(count('DLA-')).toBe(3534)
    expect(count('DTSA-')).toBe(208)
    expect(all.records).toHaveLength(9148)
    expect(all.byId.size).toBe(9148)
    expect(all.records.every((r) => r.source === 'debian' && /^\d{4}-\d{2}-\d{2}$/.test(r.published ?? ''))).toBe(true)
  })

  test('release lines: 10730 entries by status; the one line with no version is skipped with its place', () => {
    expect(statusCounts(all.records)).toEqual({ fixed: 10667, 'not-affected': 55, 'end-of-life': 5, open: 3 })
    expect(all.skips).toEqual([
      {
        where: 'DSA/list:17244 DSA-423',
        reason:
          'fixed version "kernel-image-2.4.17-ia64" is not a Debian version: upstream version does not start with a digit',
      },
    ])
    // DSA-423 itself is kept, with its CVEs.
    expect(all.byId.get('DSA-423')?.aliases).toHaveLength(12)
    expect(all.byId.get('DSA-423')?.affected).toEqual([])
  })

  test('CVE-2018-14618 (curl): DSA-4286-1 for stretch and DLA-1498-1 for jessie alias it', () => {
    const linked = all.records.filter((r) => r.aliases.includes('CVE-2018-14618')).map((r) => r.id)
    expect(linked.sort()).toEqual(['DLA-1498-1', 'DSA-4286-1'])
    expect(all.byId.get('DSA-4286-1')).toEqual({
      id: 'DSA-4286-1',
      source: 'debian',
      aliases: ['CVE-2018-14618'],
      summary: 'security update',
      published: '2018-09-05',
      cvss: [],
      cwes: [],
      references: [{ url: 'https://security-tracker.debian.org/tracker/DSA-4286-1' }],
      affected: [
        {
          namespace: 'debian:9',
          package: 'curl',
          ranges: '< 7.52.1-5+deb9u7',
          fixed: ['7.52.1-5+deb9u7'],
          status: 'fixed',
          at: 'DSA/list:3624',
        },
      ],
    })
    const dla = all.byId.get('DLA-1498-1')
    expect(dla?.published).toBe('2018-09-08')
    expect(dla?.affected).toEqual([
      {
        namespace: 'debian:8',
        package: 'curl',
        ranges: '< 7.38.0-4+deb8u12',
        fixed: ['7.38.0-4+deb8u12'],
        status: 'fixed',
        at: 'DLA/list:5754',
      },
    ])
  })

  test('markers: <not-affected>, <unfixed> (with a DTSA-style urgency), <end-of-life>', () => {
    expect(entry(all.byId.get('DSA-736-1'), 'debian:3.0')).toMatchObject({
      package: 'spamassassin',
      status: 'not-affected',
      fixed: [],
    })
    expect(entry(all.byId.get('DSA-736-1'), 'debian:3.0')?.ranges).toBeUndefined()
    expect(entry(all.byId.get('DSA-880-1'), 'debian:3.0')).toMatchObject({ package: 'phpmyadmin', status: 'open' })
    expect(entry(all.byId.get('DSA-3699-1'), 'debian:8')).toMatchObject({
      package: 'virtualbox',
      status: 'end-of-life',
    })
    expect(entry(all.byId.get('DLA-372-1'), 'debian:6')).toMatchObject({
      package: 'virtualbox-ose',
      status: 'end-of-life',
    })
  })

  test('several packages per advisory, multi-CVE braces, and DTSA dates and urgencies', () => {
    const xen = all.byId.get('DSA-5378-1')
    expect(xen?.aliases).toEqual([
      'CVE-2022-23824',
      'CVE-2022-42331',
      'CVE-2022-42332',
      'CVE-2022-42333',
      'CVE-2022-42334',
    ])
    expect(xen?.affected[0]).toMatchObject({ namespace: 'debian:11', ranges: '< 4.14.5+94-ge49571868d-1' })
    const dtsa = all.byId.get('DTSA-1-1')
    expect(dtsa).toMatchObject({
      published: '2005-08-26',
      summary: 'various',
      aliases: ['CVE-2005-2626', 'CVE-2005-2627'],
    })
    expect(dtsa?.affected).toEqual([
      {
        namespace: 'debian:4',
        package: 'kismet',
        ranges: '< 2005.08.R1-0.1etch1',
        fixed: ['2005.08.R1-0.1etch1'],
        status: 'fixed',
        urgency: 'high',
        at: 'DTSA/list:3',
      },
    ])
    expect(all.byId.get('DTSA-8-2')?.published).toBe('2005-09-01')
    // An announcement without a package keeps its text as the summary.
    expect(all.byId.get('DSA-4205-1')).toMatchObject({ summary: 'jessie end-of-life', aliases: [], affected: [] })
  })
})

describe('tracker JSON excerpts', async () => {
  const vunnel = await run(fileSource(join(VUNNEL, 'debian.json'), 'json'))
  const vc = await run(fileSource(join(VULNERABLECODE, 'debian.json'), 'debian.json'))

  test('vunnel: one record per CVE, every release read, nothing skipped', () => {
    expect(vunnel.records.map((r) => r.id)).toEqual([
      'CVE-2008-7220',
      'CVE-2007-2383',
      'CVE-2013-1444',
      'CVE-2005-3111',
      'CVE-2022-0456',
      'CVE-2025-53603',
      'CVE-2022-0358',
    ])
    expect(vunnel.skips).toEqual([])
    expect(statusCounts(vunnel.records)).toEqual({ fixed: 19, 'not-affected': 4, 'end-of-life': 2 })
    // `releases: []`: the id is known, nothing is affected.
    expect(vunnel.byId.get('CVE-2022-0358')?.affected).toEqual([])
  })

  test('bookworm and trixie (vunnel): sope CVE-2025-53603 fixed in 5.8.0-1+deb12u1, sid is debian:unstable', () => {
    const r = vunnel.byId.get('CVE-2025-53603')
    expect(r?.summary).toMatch(/^In Alinto SOPE SOGo 2\.0\.2 through 5\.12\.2/)
    expect(r?.references).toEqual([
      { url: 'https://security-tracker.debian.org/tracker/CVE-2025-53603' },
      { url: 'https://bugs.debian.org/1108798', type: 'REPORT' },
    ])
    expect(entry(r, 'debian:12')).toEqual({
      namespace: 'debian:12',
      package: 'sope',
      ranges: '< 5.8.0-1+deb12u1',
      fixed: ['5.8.0-1+deb12u1'],
      status: 'fixed',
      urgency: 'not yet assigned',
      at: 'sope/CVE-2025-53603/releases.bookworm',
    })
    expect(entry(r, 'debian:11')?.ranges).toBe('< 5.0.1-2+deb11u1')
    expect(entry(r, 'debian:13')?.ranges).toBe('< 5.12.1-2')
    expect(entry(r, 'debian:unstable')?.ranges).toBe('< 5.12.1-2')
    // "not yet assigned" is no severity.
    expect(r?.severity).toBeUndefined()
  })

  test('chromium CVE-2022-0456: fixed in bookworm and bullseye, end-of-life (open, urgency end-of-life) in buster and stretch', () => {
    const r = vunnel.byId.get('CVE-2022-0456')
    expect(entry(r, 'debian:12')).toMatchObject({ status: 'fixed', ranges: '< 98.0.4758.80-1' })
    expect(entry(r, 'debian:11')).toMatchObject({ status: 'fixed', ranges: '< 98.0.4758.80-1~deb11u1' })
    for (const ns of ['debian:10', 'debian:9']) {
      expect(entry(r, ns)).toEqual(
        expect.objectContaining({ status: 'end-of-life', fixed: [], urgency: 'end-of-life' }),
      )
      expect(entry(r, ns)?.ranges).toBeUndefined()
    }
    expect(r?.severity).toBeUndefined()
  })

  test('fixed_version "0" is not-affected; urgency kept verbatim per entry, severity without the ** mark', () => {
    const never = vunnel.byId.get('CVE-2007-2383')
    expect(never?.affected.map((a) => [a.namespace, a.status, a.ranges, a.fixed, a.urgency])).toEqual([
      ['debian:9', 'not-affected', undefined, [], 'unimportant'],
      ['debian:8', 'not-affected', undefined, [], 'unimportant'],
      ['debian:10', 'not-affected', undefined, [], 'unimportant'],
      ['debian:unstable', 'not-affected', undefined, [], 'unimportant'],
    ])
    expect(never?.severity).toEqual({ value: 'unimportant', source: 'debian' })
    const proto = vunnel.byId.get('CVE-2008-7220')
    expect(entry(proto, 'debian:10')).toMatchObject({ urgency: 'high**', ranges: '< 1.6.0.2-1', status: 'fixed' })
    expect(proto?.severity).toEqual({ value: 'high', source: 'debian' })
    expect(vunnel.byId.get('CVE-2013-1444')?.severity).toEqual({ value: 'low', source: 'debian' })
  })

  test('vulnerablecode: nodsa → no-dsa, TEMP ids, bookworm fixed beside no-dsa in older releases', () => {
    expect(vc.records.map((r) => r.id)).toEqual([
      'CVE-2014-8242',
      'CVE-2009-1382',
      'CVE-2009-2459',
      'TEMP-0000000-A2EB44',
      'CVE-2021-37231',
      'CVE-2021-37232',
    ])
    expect(vc.skips).toEqual([])
    expect(statusCounts(vc.records)).toEqual({ 'no-dsa': 8, fixed: 10 })
    const rsync = vc.byId.get('CVE-2014-8242')
    expect(rsync?.affected.map((a) => [a.namespace, a.status, a.urgency])).toEqual([
      ['debian:8', 'no-dsa', 'low'],
      ['debian:10', 'no-dsa', 'low'],
    ])
    expect(rsync?.severity).toEqual({ value: 'low', source: 'debian' })
    const ap = vc.byId.get('CVE-2021-37231')
    expect(entry(ap, 'debian:12')).toMatchObject({ status: 'fixed', ranges: '< 20210715.151551.e7ad03a-1' })
    expect(entry(ap, 'debian:11')).toMatchObject({ status: 'no-dsa', fixed: [] })
    expect(vc.byId.get('TEMP-0000000-A2EB44')?.affected.map((a) => a.ranges)).toEqual(['< 1.3.3', '< 1.4.5'])
  })

  test('the other status kinds, on the real no-dsa entry of atomicparsley (CVE-2021-37231) with its fields changed', async () => {
    const doc = JSON.parse(readFileSync(join(VULNERABLECODE, 'debian.json'), 'utf8'))
    const base = doc.atomicparsley['CVE-2021-37231'].releases.bullseye
    const releases = {
      bookworm: { ...base, nodsa_reason: 'postponed' },
      bullseye: { ...base, nodsa_reason: 'ignored' },
      buster: { status: 'open', repositories: base.repositories, urgency: 'not yet assigned' },
      stretch: { status: 'undetermined', repositories: base.repositories, urgency: 'not yet assigned' },
      jessie: { status: 'open', repositories: base.repositories, urgency: 'unimportant', nodsa: 'Minor issue' },
      sid: { status: 'open', repositories: base.repositories, urgency: 'end-of-life' },
    }
    const changed = { atomicparsley: { 'CVE-2021-37231': { ...doc.atomicparsley['CVE-2021-37231'], releases } } }
    const got = await run(memSource({ json: JSON.stringify(changed) }))
    expect(got.records[0]?.affected.map((a) => [a.namespace, a.status, a.ranges])).toEqual([
      ['debian:12', 'postponed', undefined],
      ['debian:11', 'ignored', undefined],
      ['debian:10', 'open', undefined],
      ['debian:9', 'open', undefined],
      ['debian:8', 'unimportant', undefined],
      ['debian:unstable', 'end-of-life', undefined],
    ])
    // Severity comes from the newest release with a meaningful urgency (jessie's "unimportant").
    expect(got.records[0]?.severity).toEqual({ value: 'unimportant', source: 'debian' })
  })

  test('severity: the urgency of the newest numbered release wins; sid only when no numbered release has one', async () => {
    const doc = JSON.parse(readFileSync(join(VUNNEL, 'debian.json'), 'utf8'))
    const sope = doc.sope['CVE-2025-53603']
    sope.releases.bullseye.urgency = 'high'
    sope.releases.bookworm.urgency = 'medium**'
    sope.releases.sid.urgency = 'low'
    doc.chromium['CVE-2022-0456'].releases.sid.urgency = 'low'
    const got = await run(memSource({ 'data/json': JSON.stringify(doc) }))
    expect(got.byId.get('CVE-2025-53603')?.severity).toEqual({ value: 'medium', source: 'debian' })
    expect(got.byId.get('CVE-2022-0456')?.severity).toEqual({ value: 'low', source: 'debian' })
  })

  test('one CVE under two source packages is one record with both', async () => {
    const doc = JSON.parse(readFileSync(join(VUNNEL, 'debian.json'), 'utf8'))
    const got = await run(
      memSource({ json: JSON.stringify({ ...doc, 'chromium-2': { 'CVE-2022-0456': doc.chromium['CVE-2022-0456'] } }) }),
    )
    const r = got.byId.get('CVE-2022-0456')
    expect(got.records.filter((x) => x.id === 'CVE-2022-0456')).toHaveLength(1)
    expect(r?.affected.filter((a) => a.namespace === 'debian:12').map((a) => a.package)).toEqual([
      'chromium',
      'chromium-2',
    ])
  })
})

describe('the DSA list excerpt of vunnel (with bookworm)', async () => {
  const got = await run(fileSource(join(VUNNEL, 'DSA'), 'DSA'))

  test('DSA-5970-1 fixes sope in bookworm and aliases the CVE that the tracker JSON has', () => {
    expect(got.skips).toEqual([])
    expect(got.records.map((r) => r.id)).toEqual([
      'DSA-141',
      'DSA-140',
      'DSA-139',
      'DSA-138',
      'DSA-2819-1',
      'DSA-2808-2',
      'DSA-3281-1',
      'DSA-4205-1',
      'DSA-4323-1',
      'DSA-5970-1',
    ])
    expect(got.byId.get('DSA-5970-1')).toMatchObject({
      aliases: ['CVE-2025-53603'],
      published: '2025-07-31',
      affected: [{ namespace: 'debian:12', package: 'sope', ranges: '< 5.8.0-1+deb12u1', fixed: ['5.8.0-1+deb12u1'] }],
    })
    // Old ids without a revision, and two packages under one advisory.
    expect(got.byId.get('DSA-140')?.affected.map((a) => [a.namespace, a.package, a.ranges])).toEqual([
      ['debian:3.0', 'libpng', '< 1.0.12-3.woody.2'],
      ['debian:3.0', 'libpng3', '< 1.2.1-1.1.woody.2'],
    ])
  })
})

describe('format detection and bad input', () => {
  const dsaText = readFileSync(join(LISTS, 'DSA/list'), 'utf8')
  const jsonText = readFileSync(join(VUNNEL, 'debian.json'), 'utf8')

  test('JSON and lists in one feed, told apart by name and by content', async () => {
    const got = await run(
      memSource({
        json: jsonText,
        'data/DSA/list': dsaText,
        list: readFileSync(join(LISTS, 'DLA/list')),
        'vunnel/DSA': readFileSync(join(VUNNEL, 'DSA')),
        'mirror/tracker-dump': jsonText,
        README: 'the Debian security tracker data, mirrored\n',
      }),
    )
    expect(got.records).toHaveLength(7 + 5406 + 3534 + 10 + 7)
    expect(got.skips.map((s) => s.where)).toEqual(['data/DSA/list:17244 DSA-423', 'README'])
    expect(got.skips[1]?.reason).toBe('neither the tracker JSON nor a DSA/DLA/DTSA list')
  })

  test('a garbled list entry is skipped with its place; its lines do not join the entry before; the rest imported', async () => {
    // Lines 3619–3632 of the real list: DSA-4287-1 … DSA-4283-1.
    const lines = dsaText.split('\n').slice(3618, 3632)
    expect(lines[3]).toBe('[05 Sep 2018] DSA-4286-1 curl - security update')
    const garbled = [...lines]
    garbled[3] = '[05 Sep 2018 DSA-4286-1 curl - security update'
    garbled[6] = '[31 Spt 2018] DSA-4285-1 sympa - security update'
    garbled[11] = '\t[stretch] lcms2 2.8-4+deb9u1'
    const got = await run(memSource({ 'data/DSA/list': garbled.join('\n') }))
    expect(got.records.map((r) => r.id)).toEqual(['DSA-4287-1', 'DSA-4284-1', 'DSA-4283-1'])
    expect(got.byId.get('DSA-4287-1')?.aliases).toEqual([
      'CVE-2018-12376',
      'CVE-2018-12377',
      'CVE-2018-12378',
      'CVE-2018-18499',
    ])
    expect(got.byId.get('DSA-4287-1')?.affected.map((a) => a.package)).toEqual(['firefox-esr'])
    expect(got.byId.get('DSA-4284-1')).toMatchObject({ aliases: ['CVE-2018-16435'], affected: [] })
    expect(got.byId.get('DSA-4283-1')?.aliases).toEqual(['CVE-2018-1000539'])
    expect(got.skips).toEqual([
      { where: 'data/DSA/list:4', reason: 'unreadable entry "[05 Sep 2018 DSA-4286-1 curl - security update"' },
      { where: 'data/DSA/list:7', reason: 'bad date "31 Spt 2018" in DSA-4285-1' },
      { where: 'data/DSA/list:12 DSA-4284-1', reason: 'unreadable release line "[stretch] lcms2 2.8-4+deb9u1"' },
    ])
  })

  test('bad tracker JSON records are skipped and counted, the rest imported', async () => {
    const doc = JSON.parse(jsonText)
    doc.txt2man = 'not an object'
    doc.backupninja['CVE-2005-3111'].releases = 'stretch'
    doc.sope['CVE-2025-53603'].releases.bookworm.status = 'fixed-ish'
    doc.sope['CVE-2025-53603'].releases.bullseye.fixed_version = 'deb11u1'
    doc.sope['CVE-2025-53603'].releases.trixie.fixed_version = 5
    doc.sope['CVE-2025-53603'].releases.hamm2 = doc.sope['CVE-2025-53603'].releases.sid
    doc.chromium['CVE-2022-0456'].releases.bullseye = null
    delete doc.chromium['CVE-2022-0456'].releases.sid.fixed_version
    const got = await run(memSource({ json: JSON.stringify(doc) }))
    expect(got.skips).toEqual([
      { where: 'json txt2man', reason: 'package entry is not an object' },
      { where: 'json backupninja/CVE-2005-3111', reason: 'releases is not an object' },
      { where: 'json chromium/CVE-2022-0456/bullseye', reason: 'release entry is not an object' },
      { where: 'json chromium/CVE-2022-0456/sid', reason: 'resolved without a fixed_version' },
      { where: 'json sope/CVE-2025-53603/bookworm', reason: 'unknown status "fixed-ish"' },
      {
        where: 'json sope/CVE-2025-53603/bullseye',
        reason: 'fixed version "deb11u1" is not a Debian version: upstream version does not start with a digit',
      },
      { where: 'json sope/CVE-2025-53603/trixie', reason: 'fixed_version is not a string' },
      { where: 'json sope/CVE-2025-53603/hamm2', reason: 'unknown Debian release "hamm2"' },
    ])
    expect(got.records.map((r) => r.id)).toEqual([
      'CVE-2008-7220',
      'CVE-2007-2383',
      'CVE-2022-0456',
      'CVE-2025-53603',
      'CVE-2022-0358',
    ])
    expect(got.byId.get('CVE-2025-53603')?.affected.map((a) => a.namespace)).toEqual(['debian:unstable'])
    expect(got.byId.get('CVE-2022-0456')?.affected.map((a) => a.namespace)).toEqual([
      'debian:12',
      'debian:10',
      'debian:9',
    ])
  })

  test('a truncated or non-object tracker JSON makes the feed fail (the old DB stays)', async () => {
    const truncated = memSource({ json: jsonText.slice(0, 3000) })
    await expect(run(truncated)).rejects.toBeInstanceOf(ShipshapeError)
    await expect(run(truncated)).rejects.toMatchObject({ code: 'FEED', where: 'json' })
    await expect(run(memSource({ json: '[]' }))).rejects.toMatchObject({ code: 'FEED' })
    await expect(run(memSource({ json: '<html>502 Bad Gateway</html>' }))).rejects.toMatchObject({ code: 'FEED' })
  })

  test('a feed with nothing usable fails; an empty one too', async () => {
    await expect(run(memSource({ 'index.html': '<html></html>' }))).rejects.toMatchObject({ code: 'FEED' })
    await expect(run(memSource({ json: '{}' }))).rejects.toMatchObject({ code: 'FEED' })
    await expect(run(memSource({}))).rejects.toMatchObject({ code: 'FEED', message: 'the Debian feed has no files' })
  })
})
