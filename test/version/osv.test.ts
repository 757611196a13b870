import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import {
  convertAlpineSecfix,
  convertOsvAffected,
  convertRubysec,
  formatRange,
  type OsvConversion,
  pessimisticBound,
  SCHEMES,
  satisfies,
  schemeForEcosystem,
} from '../../src/version/index.js'
import { FIXTURES } from '../helpers/images.js'

const ranges = (c: OsvConversion) => (c.range ? formatRange(c.range) : undefined)

describe('OSV affected → grammar', () => {
  it('introduced/fixed pairs, last_affected, open ranges, limit and explicit versions', () => {
    const s = SCHEMES.semver
    expect(
      ranges(
        convertOsvAffected(s, { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.3' }] }] }),
      ),
    ).toBe('< 1.2.3')
    expect(
      ranges(
        convertOsvAffected(s, {
          ranges: [
            {
              type: 'ECOSYSTEM',
              events: [{ fixed: '2.0.1' }, { introduced: '2.0.0' }, { introduced: '1.0.0' }, { fixed: '1.4.0' }],
            },
          ],
        }),
      ),
    ).toBe('>= 1.0.0, < 1.4.0 || >= 2.0.0, < 2.0.1')
    expect(
      ranges(
        convertOsvAffected(s, {
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { last_affected: '1.9.9' }] }],
        }),
      ),
    ).toBe('>= 1.0.0, <= 1.9.9')
    expect(ranges(convertOsvAffected(s, { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '3.0.0' }] }] }))).toBe(
      '>= 3.0.0',
    )
    expect(
      ranges(
        convertOsvAffected(s, { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { limit: '5.0.0' }] }] }),
      ),
    ).toBe('< 5.0.0')
    expect(ranges(convertOsvAffected(s, { versions: ['1.0.0', '1.0.1'] }))).toBe('= 1.0.0 || = 1.0.1')
  })

  it('GIT ranges and unparseable bounds are skipped with a located reason, never guessed', () => {
    const c = convertOsvAffected(SCHEMES.semver, {
      ranges: [
        { type: 'GIT', repo: 'https://example.org/x.git', events: [{ introduced: '0' }, { fixed: 'abc123' }] },
        { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'not a version' }] },
      ],
    })
    expect(c.range).toBeUndefined()
    expect(c.skipped.map((x) => x.at)).toEqual(['ranges[0]', 'ranges[1].events[1]'])
  })

  it('rubysec: affected = not (patched ∪ unaffected)', () => {
    expect(pessimisticBound('2.3.2')).toBe('2.4')
    expect(pessimisticBound('4')).toBe('5')
    expect(pessimisticBound('1.2.3.beta')).toBe('1.3')
    const c = convertRubysec(SCHEMES.gem, ['~> 5.2.8.15', '>= 6.1.7.1'], ['< 3.0'])
    expect(ranges(c)).toBe('>= 3.0, < 5.2.8.15 || >= 5.2.9, < 6.1.7.1')
    expect(satisfies('gem', '6.0.0', ranges(c) as string)).toBe(true)
    expect(satisfies('gem', '5.2.8.16', ranges(c) as string)).toBe(false)
    expect(satisfies('gem', '2.9', ranges(c) as string)).toBe(false)
  })

  it('Alpine secfixes: below the fixed version; 0 means never affected', () => {
    expect(ranges(convertAlpineSecfix(SCHEMES.apk, '7.61.1-r0'))).toBe('< 7.61.1-r0')
    expect(convertAlpineSecfix(SCHEMES.apk, '0').range).toBeUndefined()
  })
})

function* files(dir: string, ext: RegExp): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) yield* files(p, ext)
    else if (ext.test(name)) yield p
  }
}

/**
 * Every real range in the copied advisory data converts, or is skipped with a located reason that is counted.
 * Sources: test/fixtures/vulndata (verbatim copies; see its PROVENANCE.md).
 */
describe('every real range in the advisory fixtures converts', () => {
  const V = join(FIXTURES, 'vulndata')
  type Tally = { records: number; ranges: number; skipped: string[] }

  function osvDir(dir: string, ext: RegExp): Tally {
    const t: Tally = { records: 0, ranges: 0, skipped: [] }
    for (const f of files(dir, ext)) {
      const text = readFileSync(f, 'utf8')
      const doc = (f.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as {
        affected?: { package?: { ecosystem?: string } }[]
      }
      t.records++
      for (const [i, a] of (doc.affected ?? []).entries()) {
        const scheme = SCHEMES[schemeForEcosystem(a.package?.ecosystem ?? '')]
        const c = convertOsvAffected(scheme, a as Parameters<typeof convertOsvAffected>[1])
        if (c.range) t.ranges++
        for (const s of c.skipped) t.skipped.push(`${f.slice(V.length + 1)} affected[${i}].${s.at}: ${s.reason}`)
      }
    }
    return t
  }

  // What may not convert, counted: GIT ranges (commit ids) and, in PyPA, pre-PEP 440 release names that PyPI
  // still lists (paramiko's `0.9-doduo`); each is reported with file, entry and place, never guessed at.
  it.each([
    ['Go vulndb', 'go', /\.json$/, 0],
    ['PyPA (PYSEC)', 'pypi', /\.ya?ml$/, 24],
    ['RustSec', 'crates', /\.json$/, 0],
    ['GHSA', 'ghsa', /\.json$/, 0],
  ])('%s', (_name, dir, ext, legacyVersions) => {
    const t = osvDir(join(V, dir), ext)
    expect(t.records).toBeGreaterThan(5)
    expect(t.ranges).toBeGreaterThan(0)
    const notGit = t.skipped.filter((s) => !s.endsWith('GIT range: commits, not versions'))
    for (const s of notGit) expect(s).toMatch(/^\S+ affected\[\d+\]\.versions\[\d+\]: does not parse: /)
    expect(notGit).toHaveLength(legacyVersions)
  })

  it('rubysec', () => {
    let records = 0
    const skipped: string[] = []
    for (const f of files(join(V, 'rubygems'), /\.yml$/)) {
      const doc = parseYaml(readFileSync(f, 'utf8')) as { patched_versions?: string[]; unaffected_versions?: string[] }
      records++
      const c = convertRubysec(SCHEMES.gem, doc.patched_versions ?? [], doc.unaffected_versions ?? [])
      for (const s of c.skipped) skipped.push(`${f}: ${s.at}: ${s.reason}`)
    }
    expect(records).toBeGreaterThan(400)
    expect(skipped).toEqual([])
  })

  it('Alpine secdb', () => {
    let fixes = 0
    const skipped: string[] = []
    for (const f of files(join(V, 'alpine'), /\.yaml$/)) {
      const doc = parseYaml(readFileSync(f, 'utf8')) as {
        packages?: { pkg: { name: string; secfixes?: Record<string, unknown> } }[]
      }
      for (const { pkg } of doc.packages ?? []) {
        for (const fixed of Object.keys(pkg.secfixes ?? {})) {
          fixes++
          const c = convertAlpineSecfix(SCHEMES.apk, fixed)
          for (const s of c.skipped) skipped.push(`${f} ${pkg.name} ${fixed}: ${s.reason}`)
        }
      }
    }
    expect(fixes).toBeGreaterThan(1000)
    // Real secdb keys that apk-tools itself would refuse (typos such as `4.8.0.-r1`, `2.7.16-33`) are reported
    // with file, package and key, and counted; they are not matched.
    for (const s of skipped) expect(s).toMatch(/alpine-secdb\/v3\.\d+\/\w+\.yaml \S+ \S+: /)
    expect(skipped).toHaveLength(24)
  })
})
