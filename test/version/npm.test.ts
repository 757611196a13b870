import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import semver from 'semver'
import { describe, expect, it } from 'vitest'
import { npmScheme } from '../../src/version/npm.js'
import type { Ordering } from '../../src/version/scheme.js'
import type { SemVer } from '../../src/version/semver.js'
import { rng } from '../helpers/rng.js'
import { nearVersion, npmRange, samples } from './gen/npm.js'
import { mutate, neighbour, roundingCollision } from './gen/semver.js'

const parse = (s: string): SemVer => {
  const p = npmScheme.parse(s)
  if (!p.ok) throw new Error(`${s}: ${p.error.reason}`)
  return p.value
}
const sign = (n: number): Ordering => (n < 0 ? -1 : n > 0 ? 1 : 0)
/** node-semver's `Comparator.ANY` (classes/comparator.js): the comparator of `*`; @types/semver does not declare it. */
const ANY = (semver.Comparator as unknown as { ANY: symbol }).ANY

// npm/node-semver test/fixtures/clean.js @ d0a64fa9b26964b419e67a989f74605ab5fd4c0a: [input, semver.clean(input)].
// One row differs on purpose: '\t1.2.3' has a control character, which every shipshape scheme refuses
// (scheme.ts precheck); semver.clean trims it away.
const CLEAN: [string, string | null][] = [
  ['1.2.3', '1.2.3'],
  [' 1.2.3 ', '1.2.3'],
  [' 1.2.3-4 ', '1.2.3-4'],
  [' 1.2.3-pre ', '1.2.3-pre'],
  ['  =v1.2.3   ', '1.2.3'],
  ['v1.2.3', '1.2.3'],
  [' v1.2.3 ', '1.2.3'],
  ['>1.2.3', null],
  ['~1.2.3', null],
  ['<=1.2.3', null],
  ['1.2.x', null],
  ['0.12.0-dev.1150+3c22cecee', '0.12.0-dev.1150'],
]

// npm/node-semver test/fixtures/equality.js @ 327272db85c81de538738247fa6133d3e7a96f55: all rows are versions
// semver.clean accepts (the `=` and `v ` spellings are stripped by clean), and they compare equal.
const EQUALITY: [string, string][] = [
  ['1.2.3', 'v1.2.3'],
  ['1.2.3', '=1.2.3'],
  ['1.2.3', 'v 1.2.3'],
  ['1.2.3', '= 1.2.3'],
  ['1.2.3', ' v1.2.3'],
  ['1.2.3', ' =1.2.3'],
  ['1.2.3', ' v 1.2.3'],
  ['1.2.3', ' = 1.2.3'],
  ['1.2.3-0', 'v1.2.3-0'],
  ['1.2.3-0', '=1.2.3-0'],
  ['1.2.3-0', 'v 1.2.3-0'],
  ['1.2.3-0', '= 1.2.3-0'],
  ['1.2.3-0', ' v1.2.3-0'],
  ['1.2.3-0', ' =1.2.3-0'],
  ['1.2.3-0', ' v 1.2.3-0'],
  ['1.2.3-0', ' = 1.2.3-0'],
  ['1.2.3-1', 'v1.2.3-1'],
  ['1.2.3-1', '=1.2.3-1'],
  ['1.2.3-1', 'v 1.2.3-1'],
  ['1.2.3-1', '= 1.2.3-1'],
  ['1.2.3-1', ' v1.2.3-1'],
  ['1.2.3-1', ' =1.2.3-1'],
  ['1.2.3-1', ' v 1.2.3-1'],
  ['1.2.3-1', ' = 1.2.3-1'],
  ['1.2.3-beta', 'v1.2.3-beta'],
  ['1.2.3-beta', '=1.2.3-beta'],
  ['1.2.3-beta', 'v 1.2.3-beta'],
  ['1.2.3-beta', '= 1.2.3-beta'],
  ['1.2.3-beta', ' v1.2.3-beta'],
  ['1.2.3-beta', ' =1.2.3-beta'],
  ['1.2.3-beta', ' v 1.2.3-beta'],
  ['1.2.3-beta', ' = 1.2.3-beta'],
  ['1.2.3-beta+build', ' = 1.2.3-beta+otherbuild'],
  ['1.2.3+build', ' = 1.2.3+otherbuild'],
  ['1.2.3-beta+build', '1.2.3-beta+otherbuild'],
  ['1.2.3+build', '1.2.3+otherbuild'],
  ['  v1.2.3+build', '1.2.3+otherbuild'],
]

// npm/node-semver test/fixtures/range-include.js and range-exclude.js @ 044c54cc7c10cacc2c87a7e0fd57c0166c6c6c62:
// [range, version]. Only the rows run without `loose` or `includePrerelease` (npm evaluates ranges with neither),
// and whose version npm accepts.
const INCLUDE: [string, string][] = [
  ['1.0.0 - 2.0.0', '1.2.3'],
  ['^1.2.3+build', '1.2.3'],
  ['^1.2.3+build', '1.3.0'],
  ['1.2.3-pre+asdf - 2.4.3-pre+asdf', '1.2.3'],
  ['1.2.3-pre+asdf - 2.4.3-pre+asdf', '1.2.3-pre.2'],
  ['1.2.3-pre+asdf - 2.4.3-pre+asdf', '2.4.3-alpha'],
  ['1.2.3+asdf - 2.4.3+asdf', '1.2.3'],
  ['1.0.0', '1.0.0'],
  ['>=*', '0.2.4'],
  ['', '1.0.0'],
  ['*', '1.2.3'],
  ['>=1.0.0', '1.0.0'],
  ['>=1.0.0', '1.0.1'],
  ['>=1.0.0', '1.1.0'],
  ['>1.0.0', '1.0.1'],
  ['>1.0.0', '1.1.0'],
  ['<=2.0.0', '2.0.0'],
  ['<=2.0.0', '1.9999.9999'],
  ['<=2.0.0', '0.2.9'],
  ['<2.0.0', '1.9999.9999'],
  ['<2.0.0', '0.2.9'],
  ['>= 1.0.0', '1.0.0'],
  ['>=  1.0.0', '1.0.1'],
  ['>=   1.0.0', '1.1.0'],
  ['> 1.0.0', '1.0.1'],
  ['>  1.0.0', '1.1.0'],
  ['<=   2.0.0', '2.0.0'],
  ['<= 2.0.0', '1.9999.9999'],
  ['<=  2.0.0', '0.2.9'],
  ['<    2.0.0', '1.9999.9999'],
  ['<\t2.0.0', '0.2.9'],
  ['>=0.1.97', '0.1.97'],
  ['0.1.20 || 1.2.4', '1.2.4'],
  ['>=0.2.3 || <0.0.1', '0.0.0'],
  ['>=0.2.3 || <0.0.1', '0.2.3'],
  ['>=0.2.3 || <0.0.1', '0.2.4'],
  ['||', '1.3.4'],
  ['2.x.x', '2.1.3'],
  ['1.2.x', '1.2.3'],
  ['1.2.x || 2.x', '2.1.3'],
  ['1.2.x || 2.x', '1.2.3'],
  ['x', '1.2.3'],
  ['2.*.*', '2.1.3'],
  ['1.2.*', '1.2.3'],
  ['1.2.* || 2.*', '2.1.3'],
  ['1.2.* || 2.*', '1.2.3'],
  ['2', '2.1.2'],
  ['2.3', '2.3.1'],
  ['~0.0.1', '0.0.1'],
  ['~0.0.1', '0.0.2'],
  ['~x', '0.0.9'],
  ['~2', '2.0.9'],
  ['~2.4', '2.4.0'],
  ['~2.4', '2.4.5'],
  ['~>3.2.1', '3.2.2'],
  ['~1', '1.2.3'],
  ['~>1', '1.2.3'],
  ['~> 1', '1.2.3'],
  ['~1.0', '1.0.2'],
  ['~ 1.0', '1.0.2'],
  ['~ 1.0.3', '1.0.12'],
  ['>=1', '1.0.0'],
  ['>= 1', '1.0.0'],
  ['<1.2', '1.1.1'],
  ['< 1.2', '1.1.1'],
  ['~v0.5.4-pre', '0.5.5'],
  ['~v0.5.4-pre', '0.5.4'],
  ['=0.7.x', '0.7.2'],
  ['<=0.7.x', '0.7.2'],
  ['>=0.7.x', '0.7.2'],
  ['<=0.7.x', '0.6.2'],
  ['~1.2.1 >=1.2.3', '1.2.3'],
  ['~1.2.1 =1.2.3', '1.2.3'],
  ['~1.2.1 1.2.3', '1.2.3'],
  ['~1.2.1 >=1.2.3 1.2.3', '1.2.3'],
  ['~1.2.1 1.2.3 >=1.2.3', '1.2.3'],
  ['>=1.2.1 1.2.3', '1.2.3'],
  ['1.2.3 >=1.2.1', '1.2.3'],
  ['>=1.2.3 >=1.2.1', '1.2.3'],
  ['>=1.2.1 >=1.2.3', '1.2.3'],
  ['>=1.2', '1.2.8'],
  ['^1.2.3', '1.8.1'],
  ['^0.1.2', '0.1.2'],
  ['^0.1', '0.1.2'],
  ['^0.0.1', '0.0.1'],
  ['^1.2', '1.4.2'],
  ['^1.2 ^1', '1.4.2'],
  ['^1.2.3-alpha', '1.2.3-pre'],
  ['^1.2.0-alpha', '1.2.0-pre'],
  ['^0.0.1-alpha', '0.0.1-beta'],
  ['^0.0.1-alpha', '0.0.1'],
  ['^0.1.1-alpha', '0.1.1-beta'],
  ['^x', '1.2.3'],
  ['x - 1.0.0', '0.9.7'],
  ['x - 1.x', '0.9.7'],
  ['1.0.0 - x', '1.9.7'],
  ['1.x - x', '1.9.7'],
  ['<=7.x', '7.9.9'],
]
const EXCLUDE: [string, string][] = [
  ['1.0.0 - 2.0.0', '2.2.3'],
  ['1.2.3+asdf - 2.4.3+asdf', '1.2.3-pre.2'],
  ['1.2.3+asdf - 2.4.3+asdf', '2.4.3-alpha'],
  ['^1.2.3+build', '2.0.0'],
  ['^1.2.3+build', '1.2.0'],
  ['^1.2.3', '1.2.3-pre'],
  ['^1.2', '1.2.0-pre'],
  ['>1.2', '1.3.0-beta'],
  ['<=1.2.3', '1.2.3-beta'],
  ['^1.2.3', '1.2.3-beta'],
  ['=0.7.x', '0.7.0-asdf'],
  ['>=0.7.x', '0.7.0-asdf'],
  ['1.0.0', '1.0.1'],
  ['>=1.0.0', '0.0.0'],
  ['>=1.0.0', '0.0.1'],
  ['>=1.0.0', '0.1.0'],
  ['>1.0.0', '0.0.1'],
  ['>1.0.0', '0.1.0'],
  ['<=2.0.0', '3.0.0'],
  ['<=2.0.0', '2.9999.9999'],
  ['<=2.0.0', '2.2.9'],
  ['<2.0.0', '2.9999.9999'],
  ['<2.0.0', '2.2.9'],
  ['>=0.1.97', '0.1.93'],
  ['0.1.20 || 1.2.4', '1.2.3'],
  ['>=0.2.3 || <0.0.1', '0.0.3'],
  ['>=0.2.3 || <0.0.1', '0.2.2'],
  ['2.x.x', '1.1.3'],
  ['2.x.x', '3.1.3'],
  ['1.2.x', '1.3.3'],
  ['1.2.x || 2.x', '3.1.3'],
  ['1.2.x || 2.x', '1.1.3'],
  ['2.*.*', '1.1.3'],
  ['2.*.*', '3.1.3'],
  ['1.2.*', '1.3.3'],
  ['1.2.* || 2.*', '3.1.3'],
  ['1.2.* || 2.*', '1.1.3'],
  ['2', '1.1.2'],
  ['2.3', '2.4.1'],
  ['~0.0.1', '0.1.0-alpha'],
  ['~0.0.1', '0.1.0'],
  ['~2.4', '2.5.0'],
  ['~2.4', '2.3.9'],
  ['~>3.2.1', '3.3.2'],
  ['~>3.2.1', '3.2.0'],
  ['~1', '0.2.3'],
  ['~>1', '2.2.3'],
  ['~1.0', '1.1.0'],
  ['<1', '1.0.0'],
  ['>=1.2', '1.1.1'],
  ['~v0.5.4-beta', '0.5.4-alpha'],
  ['=0.7.x', '0.8.2'],
  ['>=0.7.x', '0.6.2'],
  ['<0.7.x', '0.7.2'],
  ['<1.2.3', '1.2.3-beta'],
  ['=1.2.3', '1.2.3-beta'],
  ['>1.2', '1.2.8'],
  ['^0.0.1', '0.0.2-alpha'],
  ['^0.0.1', '0.0.2'],
  ['^1.2.3', '2.0.0-alpha'],
  ['^1.2.3', '1.2.2'],
  ['^1.2', '1.1.9'],
  ['^1.0.0', '2.0.0-rc1'],
]

describe('npm: tables', () => {
  it.each(CLEAN)('semver.clean(%j) = %j', (input, want) => {
    const p = npmScheme.parse(input)
    expect(p.ok ? npmScheme.format(p.value) : null).toBe(want)
    expect(semver.clean(input)).toBe(want)
  })

  it('refuses the control character semver.clean would trim (clean.js "\\t1.2.3")', () => {
    expect(semver.clean('\t1.2.3')).toBe('1.2.3')
    const p = npmScheme.parse('\t1.2.3')
    expect(p.ok).toBe(false)
    if (!p.ok) expect(p.error.reason).toMatch(/control/)
  })

  it.each(EQUALITY)('node-semver equality: %j == %j', (a, b) => {
    expect(semver.clean(a)).not.toBeNull()
    expect(semver.clean(b)).not.toBeNull()
    expect(npmScheme.compare(parse(a), parse(b))).toBe(0)
  })

  it.each(INCLUDE)('range-include: %j includes %s', (range, v) => {
    expect(npmScheme.nativeSatisfies?.(parse(v), range)).toBe(true)
  })

  it.each(EXCLUDE)('range-exclude: %j excludes %s', (range, v) => {
    expect(npmScheme.nativeSatisfies?.(parse(v), range)).toBe(false)
  })

  it('leaves ranges that are not node-semver syntax to the shared grammar', () => {
    for (const r of ['>= 1.0.0, < 2.0.0', '>= 1.0, < 2.0 || >= 3.0', '!= 1.2.3', 'garbage', '1.2.3,'])
      expect(npmScheme.nativeSatisfies?.(parse('1.5.0'), r), r).toBeUndefined()
  })

  it('excludes prereleases unless a comparator of the same alternative names one of the same MAJOR.MINOR.PATCH', () => {
    const sat = (v: string, r: string) => npmScheme.nativeSatisfies?.(parse(v), r)
    expect(sat('1.5.0-beta', '>=1.0.0 <2.0.0')).toBe(false)
    expect(sat('1.5.0-beta', '>=1.5.0-alpha <2.0.0')).toBe(true)
    expect(sat('1.6.0-beta', '>=1.5.0-alpha <2.0.0')).toBe(false)
    expect(sat('1.6.0-beta', '>=1.5.0-alpha <2.0.0 || >=1.6.0-0 <1.7.0')).toBe(true)
  })
})

describe('npm: bad input', () => {
  it.each(['', '1.0:', 'x'.repeat(10_000), '1.0.0\u0000', '=\u001b1.2.3', 'v1.2', '1.2.3.4', '~1.2.3'])(
    'refuses %j with a typed error',
    (s) => {
      const p = npmScheme.parse(s)
      expect(p.ok).toBe(false)
      if (!p.ok) expect(p.error.scheme).toBe('npm')
    },
  )

  it('never throws on odd ranges', () => {
    for (const r of ['', ' ', '||||', '>'.repeat(5000), '1.2.3 - ', '\u0000', 'x'.repeat(70_000)])
      expect(() => npmScheme.nativeSatisfies?.(parse('1.0.0'), r)).not.toThrow()
  })
})

describe('npm: oracle (node semver, in-process)', () => {
  it('agrees with semver.satisfies on ≥ 100,000 (version, range) pairs', () => {
    const r = rng(0x0a9e)
    // Fewer ranges than node-semver's Range cache holds (internal/lrucache.js, 1000), so the run stays fast.
    const ranges = Array.from({ length: 900 }, () => npmRange(r))
    const versions = [...Array.from({ length: 1500 }, () => nearVersion(r)), ...samples(r, 500)]
    const parsed = new Map(versions.map((v) => [v, parse(v)]))
    const wrong: string[] = []
    let n = 0
    let satisfied = 0
    let native = 0
    for (let i = 0; i < 110_000; i++) {
      const v = versions[Math.floor(r() * versions.length)] as string
      const range = ranges[Math.floor(r() * ranges.length)] as string
      const ours = npmScheme.nativeSatisfies?.(parsed.get(v) as SemVer, range)
      // npm stores the version semver.clean made of it, and that is what it tests against a range.
      const theirs = semver.validRange(range) === null ? undefined : semver.satisfies(semver.clean(v) as string, range)
      n++
      if (ours !== theirs) wrong.push(`${v} in ${JSON.stringify(range)}: ours ${ours}, semver ${theirs}`)
      if (theirs === true) satisfied++
      if (theirs !== undefined) native++
    }
    expect(n).toBeGreaterThanOrEqual(100_000)
    expect(wrong.slice(0, 20)).toEqual([])
    // Both answers must be common, and most generated ranges must be node-semver syntax.
    expect(satisfied).toBeGreaterThan(10_000)
    expect(n - satisfied).toBeGreaterThan(15_000)
    expect(native).toBeGreaterThan(90_000)
  })

  it("node-semver's desugared comparators, evaluated with this scheme's compare, give semver.satisfies", () => {
    // An independent check of the order: every range node-semver reads becomes sets of plain comparators
    // (classes/range.js); testing them with npmScheme.compare and node-semver's prerelease rule (testSet) must
    // give semver.satisfies' answer.
    const r = rng(0xc0de)
    const wrong: string[] = []
    for (let i = 0; i < 30_000; i++) {
      const v = nearVersion(r)
      const range = npmRange(r)
      if (semver.validRange(range) === null) continue
      const pv = parse(v)
      const set = new semver.Range(range).set
      const ours = set.some((tuple) => {
        const all = tuple.every((c) => {
          if ((c.semver as unknown) === ANY) return true
          const o = npmScheme.compare(pv, parse(c.semver.version))
          switch (c.operator) {
            case '':
              return o === 0
            case '<':
              return o < 0
            case '<=':
              return o <= 0
            case '>':
              return o > 0
            case '>=':
              return o >= 0
            default:
              throw new Error(`operator ${c.operator}`)
          }
        })
        if (!all) return false
        if (pv.prerelease.length === 0) return true
        return tuple.some(
          (c) =>
            (c.semver as unknown) !== ANY &&
            c.semver.prerelease.length > 0 &&
            `${c.semver.major}.${c.semver.minor}.${c.semver.patch}` === `${pv.major}.${pv.minor}.${pv.patch}`,
        )
      })
      if (ours !== semver.satisfies(v, range)) wrong.push(`${v} in ${JSON.stringify(range)}`)
    }
    expect(wrong.slice(0, 20)).toEqual([])
  })

  it('agrees with semver.compare on ≥ 100,000 random and neighbouring pairs', () => {
    const r = rng(0x4e4d)
    const pool = samples(r, 4000)
    const cache = new Map<string, SemVer>()
    const get = (s: string) => {
      let v = cache.get(s)
      if (!v) {
        v = parse(s)
        cache.set(s, v)
      }
      return v
    }
    const wrong: string[] = []
    let n = 0
    for (let i = 0; i < 120_000; i++) {
      const a = pool[Math.floor(r() * pool.length)] as string
      const b = i % 2 ? (pool[Math.floor(r() * pool.length)] as string) : neighbour(r, semver.clean(a) ?? a)
      n++
      const ca = semver.clean(a) as string
      const cb = semver.clean(b) as string
      const ours = npmScheme.compare(get(a), get(b))
      if (ours !== sign(semver.compare(ca, cb)) && !roundingCollision(ca, cb)) wrong.push(`${a} vs ${b}`)
    }
    expect(n).toBeGreaterThanOrEqual(100_000)
    expect(wrong.slice(0, 20)).toEqual([])
  })

  it('accepts exactly what semver.clean accepts, and formats as it does, on 30,000 mutated strings', () => {
    const r = rng(0xc1ea)
    const base = samples(r, 3000)
    const wrong: string[] = []
    let accepted = 0
    for (let i = 0; i < 30_000; i++) {
      const s = mutate(r, base[i % base.length] as string)
      const p = npmScheme.parse(s)
      const c = semver.clean(s)
      if (p.ok !== (c !== null) || (p.ok && npmScheme.format(p.value) !== c)) wrong.push(JSON.stringify(s))
      if (p.ok) accepted++
    }
    expect(wrong.slice(0, 20)).toEqual([])
    expect(accepted).toBeGreaterThan(3000)
    expect(accepted).toBeLessThan(27_000)
  })
})

describe('npm: real ranges', () => {
  // The Node.js security WG's npm advisories (../shared/vulndata/core/npm/nodejs-security-wg, verbatim) write
  // affected and patched versions in node-semver's own range syntax.
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const dir = join(
    resolve(process.env.SHIPSHAPE_SHARED ?? join(repo, '..', 'shared')),
    'vulndata/core/npm/nodejs-security-wg/vuln/npm',
  )

  it('every vulnerable_versions / patched_versions range is npm syntax and evaluates as semver.satisfies', () => {
    expect(existsSync(dir), dir).toBe(true)
    const r = rng(0x5ec)
    let ranges = 0
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>
      for (const key of ['vulnerable_versions', 'patched_versions']) {
        const range = doc[key]
        if (typeof range !== 'string') continue
        ranges++
        // Versions around the bounds the range names, and a few random ones.
        const named = range.match(/[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?/g) ?? []
        const probes = [
          ...named,
          ...named.map((v) => neighbour(r, v)),
          ...Array.from({ length: 5 }, () => nearVersion(r)),
        ]
        for (const v of probes) {
          const p = npmScheme.parse(v)
          if (!p.ok) continue
          expect(npmScheme.nativeSatisfies?.(p.value, range), `${f} ${key} ${range} ∋ ${v}`).toBe(
            semver.satisfies(npmScheme.format(p.value), range),
          )
        }
      }
    }
    expect(ranges).toBeGreaterThan(800)
  })
})
