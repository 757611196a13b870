import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { satisfies } from '../../../src/version/index.js'
import type { FeedSource } from '../../../src/vulndb/feeds/feed.js'
import { cvssScoreWord, rubysecImporter, rubysecToRecord } from '../../../src/vulndb/feeds/rubysec/index.js'
import { dirSource, zipSource } from '../../../src/vulndb/sources.js'
import { type Collect, memSource, runImporter } from './helpers.js'

const ROOT = join(import.meta.dirname, '../../fixtures/vulndata/rubygems/ruby-advisory-db')
const GEMS = join(ROOT, 'gems')

const run = (source: FeedSource) => runImporter(rubysecImporter, source)

const advisory = (p: string) => readFileSync(join(GEMS, p), 'utf8')
const FILES = readdirSync(GEMS).flatMap((g) => readdirSync(join(GEMS, g)).map((f) => `${g}/${f}`))

const tmp = mkdtempSync(join(tmpdir(), 'shipshape-rubysec-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('rubysec importer on the real ruby-advisory-db files', async () => {
  const all = await run(dirSource(ROOT))

  test('442 files → 432 records (10 CVEs filed under two gems are merged), nothing skipped', () => {
    expect(rubysecImporter.name).toBe('rubysec')
    expect(rubysecImporter.version).toBe(1)
    expect(FILES).toHaveLength(442)
    expect(all.records).toHaveLength(432)
    expect(all.skips).toEqual([])
    expect(all.records.reduce((n, r) => n + r.affected.length, 0)).toBe(442)
    expect(all.records.filter((r) => r.affected.length > 1)).toHaveLength(10)
    expect(new Set(all.records.map((r) => r.source))).toEqual(new Set(['rubysec']))
    expect(new Set(all.records.flatMap((r) => r.affected.map((a) => a.namespace)))).toEqual(new Set(['rubygems']))
  })

  test('actionpack CVE-2021-22903: unaffected and patched lists become one range; GHSA alias; cvss_v3 6.1 → MEDIUM', () => {
    const r = all.get('CVE-2021-22903')
    expect(r.aliases).toEqual(['GHSA-5hq2-xf89-9jxq'])
    expect(r.summary).toBe('Possible Open Redirect Vulnerability in Action Pack')
    expect(r.published).toBe('2021-05-05')
    expect(r.details).toMatch(/^There is a possible Open Redirect Vulnerability in Action Pack\./)
    expect(r.severity).toEqual({ value: 'MEDIUM', source: 'rubysec' })
    expect(r.cvss).toEqual([])
    expect(r.references).toEqual([{ url: 'https://groups.google.com/g/rubyonrails-security/c/8TxqXEtgSF0' }])
    expect(r.affected).toEqual([
      {
        namespace: 'rubygems',
        package: 'actionpack',
        ranges: '>= 6.1.0.rc2, < 6.1.3.2',
        fixed: ['6.1.3.2'],
        status: 'affected',
        at: 'gems/actionpack/CVE-2021-22903.yml',
      },
    ])
    const ranges = r.affected[0]?.ranges ?? ''
    expect(['6.1.0.rc2', '6.1.0', '6.1.3.1'].map((v) => satisfies('gem', v, ranges))).toEqual([true, true, true])
    expect(['6.1.0.rc1', '6.0.3.7', '6.1.3.2', '7.0.0'].map((v) => satisfies('gem', v, ranges))).toEqual([
      false,
      false,
      false,
      false,
    ])
  })

  test('rack CVE-2011-5036: pessimistic `~>` requirements, OSVDB alias, cvss_v2 5.0 → MEDIUM', () => {
    const r = all.get('CVE-2011-5036')
    expect(r.aliases).toEqual(['GHSA-v6j3-7jrw-hq2p', 'OSVDB-78121'])
    expect(r.severity).toEqual({ value: 'MEDIUM', source: 'rubysec' })
    expect(r.affected[0]?.ranges).toBe('< 1.1.3 || >= 1.2, < 1.2.5 || >= 1.3, < 1.3.6')
    expect(r.affected[0]?.fixed).toEqual(['1.1.3', '1.2.5', '1.3.6', '1.4.0'])
  })

  test('`~> 7.0.8, >= 7.0.8.1` is fixed in 7.0.8.1 (the greatest lower bound of the requirement)', () => {
    const r = all.get('CVE-2024-26143')
    expect(r.aliases).toEqual(['GHSA-9822-6m93-xqf4'])
    expect(r.affected[0]?.ranges).toBe('>= 7.0.0, < 7.0.8.1 || >= 7.1, < 7.1.3.1')
    expect(r.affected[0]?.fixed).toEqual(['7.0.8.1', '7.1.3.1'])
  })

  test('ids: CVE first, else GHSA, else the file name; cvss_v4-only records use the v4 score', () => {
    const ghsaOnly = all.get('GHSA-8678-w3jw-xfc2')
    expect(ghsaOnly.aliases).toEqual([])
    expect(ghsaOnly.severity).toEqual({ value: 'LOW', source: 'rubysec' }) // cvss_v3: 2.6
    const osvdb = all.get('OSVDB-62067')
    expect(osvdb.affected[0]).toMatchObject({ package: 'bcrypt', ranges: '< 2.1.4', fixed: ['2.1.4'] })
    expect(osvdb.severity).toBeUndefined()
    // actionpack/CVE-2024-41128.yml has only `cvss_v4: 6.6`
    expect(all.get('CVE-2024-41128').severity).toEqual({ value: 'MEDIUM', source: 'rubysec' })
    // 38 files carry no score at all: no severity, never a guess.
    expect(all.records.filter((r) => !r.severity).length).toBeGreaterThanOrEqual(30)
    const words = new Set(all.records.map((r) => r.severity?.value).filter(Boolean))
    expect([...words].sort()).toEqual(['CRITICAL', 'HIGH', 'LOW', 'MEDIUM'])
  })

  test('the same CVE under actionpack and activesupport is one record affecting both', () => {
    const r = all.get('CVE-2009-3009')
    expect(r.aliases).toEqual(['GHSA-8qrh-h9m2-5fvf', 'OSVDB-57666'])
    expect(r.affected.map((a) => [a.package, a.ranges, a.at])).toEqual([
      ['actionpack', '>= 2.0.0, < 2.2.3 || >= 2.3, < 2.3.4', 'gems/actionpack/CVE-2009-3009.yml'],
      ['activesupport', '>= 2.0.0, < 2.2.3 || >= 2.3, < 2.3.4', 'gems/activesupport/CVE-2009-3009.yml'],
    ])
  })

  test("GitHub's repository zip (members under ruby-advisory-db-master/) reads the same as the checkout", async () => {
    symlinkSync(ROOT, join(tmp, 'ruby-advisory-db-master'))
    const zip = join(tmp, 'ruby-advisory-db-master.zip')
    execFileSync('zip', ['-q', '-r', zip, 'ruby-advisory-db-master'], { cwd: tmp })
    const fromZip = await run(zipSource(zip))
    expect(fromZip.skips).toEqual([])
    const byId = (c: Collect) => new Map(c.records.map((r) => [r.id, r]))
    expect(byId(fromZip)).toEqual(byId(all))
  })
})

describe('bad input: skipped and counted, the rest imported', () => {
  const actionpack = advisory('actionpack/CVE-2021-22903.yml')

  test('malformed YAML, a missing gem, wrong types and an unparseable requirement are each skipped', async () => {
    const sink = await run(
      memSource([
        ['gems/actionpack/CVE-2021-22903.yml', actionpack],
        ['gems/rack/CVE-2011-5036.yml', advisory('rack/CVE-2011-5036.yml')],
        [
          'gems/actionpack/truncated.yml',
          actionpack.slice(0, actionpack.indexOf('url:') + 20).replace('url:', 'url: "'),
        ],
        ['gems/actionpack/no-gem.yml', actionpack.replace(/^gem: actionpack$/m, '')],
        [
          'gems/actionpack/patched-string.yml',
          actionpack.replace(/^patched_versions:\n {2}- ">= 6.1.3.2"$/m, 'patched_versions: ">= 6.1.3.2"'),
        ],
        ['gems/actionpack/bad-req.yml', actionpack.replace('">= 6.1.3.2"', '"=> banana split"')],
        ['gems/actionpack/list.yml', '- just\n- a list\n'],
        ['rubies/ruby/CVE-2020-0001.yml', 'engine: ruby\n'],
        ['README.md', '# ruby-advisory-db'],
        ['lib/gems/x.rb', 'puts 1'],
      ]),
    )
    expect(sink.records.map((r) => r.id).sort()).toEqual(['CVE-2011-5036', 'CVE-2021-22903'])
    expect(sink.skips).toHaveLength(5)
    expect(sink.skips[0]).toMatch(/^gems\/actionpack\/truncated\.yml: malformed YAML: /)
    expect(sink.skips.slice(1)).toEqual([
      'gems/actionpack/no-gem.yml: gem: Invalid input: expected string, received undefined',
      'gems/actionpack/patched-string.yml: patched_versions: Invalid input: expected array, received string',
      'gems/actionpack/bad-req.yml: patched_versions[0]: bad requirement "=> banana split"',
      'gems/actionpack/list.yml: Invalid input: expected object, received array',
    ])
  })

  test('no lists means every version; a bad score is noted and the next one used', () => {
    const out = rubysecToRecord(
      { gem: 'example', cve: '2099-0001', cvss_v3: 'high', cvss_v2: '9.3', patched_versions: null },
      'gems/example/CVE-2099-0001.yml',
    )
    expect(out.record?.affected).toEqual([
      {
        namespace: 'rubygems',
        package: 'example',
        ranges: '*',
        fixed: [],
        status: 'affected',
        at: 'gems/example/CVE-2099-0001.yml',
      },
    ])
    expect(out.record?.severity).toEqual({ value: 'HIGH', source: 'rubysec' })
    expect(out.notes).toEqual(['cvss_v3: not a CVSS score: "high"'])
  })

  test('CVSS bands: v3/v4 NONE LOW MEDIUM HIGH CRITICAL, v2 tops out at HIGH', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map((s) => cvssScoreWord(s, 'v3'))).toEqual([
      'NONE',
      'LOW',
      'LOW',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'HIGH',
      'CRITICAL',
      'CRITICAL',
    ])
    expect([2.1, 5, 10].map((s) => cvssScoreWord(s, 'v2'))).toEqual(['LOW', 'MEDIUM', 'HIGH'])
    expect(cvssScoreWord(11, 'v3')).toBeUndefined()
  })

  test('a source without any gem advisory is an unusable feed', async () => {
    await expect(run(memSource([['README.md', 'hello']]))).rejects.toMatchObject({ code: 'FEED' })
  })
})
