import semver from 'semver'
import { describe, expect, it } from 'vitest'
import type { Ordering } from '../../src/version/scheme.js'
import { type SemVer, semverScheme } from '../../src/version/semver.js'
import { rng } from '../helpers/rng.js'
import { mutate, neighbour, roundingCollision, samples } from './gen/semver.js'

const parse = (s: string): SemVer => {
  const p = semverScheme.parse(s)
  if (!p.ok) throw new Error(`${s}: ${p.error.reason}`)
  return p.value
}
const cmp = (a: string, b: string): Ordering => semverScheme.compare(parse(a), parse(b))
const sign = (n: number): Ordering => (n < 0 ? -1 : n > 0 ? 1 : 0)

// semver.org, SemVer 2.0.0 §11.4 "Example: 1.0.0-alpha < 1.0.0-alpha.1 < … < 1.0.0".
const SPEC_ORDER = [
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
  '2.0.0',
  '2.1.0',
  '2.1.1',
]

// npm/node-semver test/fixtures/comparisons.js @ 4dd65430d96b251f321297a1ee25c1e139fc4926:
// [greater, smaller]. Every row there is valid in non-loose mode too (`v` is allowed by the strict regex).
const COMPARISONS: [string, string][] = [
  ['0.0.0', '0.0.0-foo'],
  ['0.0.1', '0.0.0'],
  ['1.0.0', '0.9.9'],
  ['0.10.0', '0.9.0'],
  ['0.99.0', '0.10.0'],
  ['2.0.0', '1.2.3'],
  ['v0.0.0', '0.0.0-foo'],
  ['v0.0.1', '0.0.0'],
  ['v1.0.0', '0.9.9'],
  ['v0.10.0', '0.9.0'],
  ['v0.99.0', '0.10.0'],
  ['v2.0.0', '1.2.3'],
  ['0.0.0', 'v0.0.0-foo'],
  ['0.0.1', 'v0.0.0'],
  ['1.0.0', 'v0.9.9'],
  ['0.10.0', 'v0.9.0'],
  ['0.99.0', 'v0.10.0'],
  ['2.0.0', 'v1.2.3'],
  ['1.2.3', '1.2.3-asdf'],
  ['1.2.3', '1.2.3-4'],
  ['1.2.3', '1.2.3-4-foo'],
  ['1.2.3-5-foo', '1.2.3-5'],
  ['1.2.3-5', '1.2.3-4'],
  ['1.2.3-5-foo', '1.2.3-5-Foo'],
  ['3.0.0', '2.7.2+asdf'],
  ['1.2.3-a.10', '1.2.3-a.5'],
  ['1.2.3-a.b', '1.2.3-a.5'],
  ['1.2.3-a.b', '1.2.3-a'],
  ['1.2.3-a.b.c.10.d.5', '1.2.3-a.b.c.5.d.100'],
  ['1.2.3-r2', '1.2.3-r100'],
  ['1.2.3-r100', '1.2.3-R2'],
]

// npm/node-semver test/fixtures/equality.js @ 327272db85c81de538738247fa6133d3e7a96f55: [a, b, loose?]. Rows
// marked loose use `=` or a space after `v`, which strict semver.valid refuses: here they must be refused too.
const EQUALITY: [string, string, boolean?][] = [
  ['1.2.3', 'v1.2.3', true],
  ['1.2.3', '=1.2.3', true],
  ['1.2.3', 'v 1.2.3', true],
  ['1.2.3', '= 1.2.3', true],
  ['1.2.3', ' v1.2.3', true],
  ['1.2.3', ' =1.2.3', true],
  ['1.2.3', ' v 1.2.3', true],
  ['1.2.3', ' = 1.2.3', true],
  ['1.2.3-0', 'v1.2.3-0', true],
  ['1.2.3-0', '=1.2.3-0', true],
  ['1.2.3-0', 'v 1.2.3-0', true],
  ['1.2.3-0', '= 1.2.3-0', true],
  ['1.2.3-0', ' v1.2.3-0', true],
  ['1.2.3-0', ' =1.2.3-0', true],
  ['1.2.3-0', ' v 1.2.3-0', true],
  ['1.2.3-0', ' = 1.2.3-0', true],
  ['1.2.3-1', 'v1.2.3-1', true],
  ['1.2.3-1', '=1.2.3-1', true],
  ['1.2.3-1', 'v 1.2.3-1', true],
  ['1.2.3-1', '= 1.2.3-1', true],
  ['1.2.3-1', ' v1.2.3-1', true],
  ['1.2.3-1', ' =1.2.3-1', true],
  ['1.2.3-1', ' v 1.2.3-1', true],
  ['1.2.3-1', ' = 1.2.3-1', true],
  ['1.2.3-beta', 'v1.2.3-beta', true],
  ['1.2.3-beta', '=1.2.3-beta', true],
  ['1.2.3-beta', 'v 1.2.3-beta', true],
  ['1.2.3-beta', '= 1.2.3-beta', true],
  ['1.2.3-beta', ' v1.2.3-beta', true],
  ['1.2.3-beta', ' =1.2.3-beta', true],
  ['1.2.3-beta', ' v 1.2.3-beta', true],
  ['1.2.3-beta', ' = 1.2.3-beta', true],
  ['1.2.3-beta+build', ' = 1.2.3-beta+otherbuild', true],
  ['1.2.3+build', ' = 1.2.3+otherbuild', true],
  ['1.2.3-beta+build', '1.2.3-beta+otherbuild'],
  ['1.2.3+build', '1.2.3+otherbuild'],
  ['  v1.2.3+build', '1.2.3+otherbuild'],
]

// npm/node-semver test/fixtures/valid-versions.js @ c99f336fa3bdff465652f9041eab2127d2f52eb2:
// [version, major, minor, patch, prerelease, build].
const VALID: [string, number, number, number, (string | number)[], string[]][] = [
  ['1.0.0', 1, 0, 0, [], []],
  ['2.1.0', 2, 1, 0, [], []],
  ['3.2.1', 3, 2, 1, [], []],
  ['v1.2.3', 1, 2, 3, [], []],
  ['1.2.3-0', 1, 2, 3, [0], []],
  ['1.2.3-123', 1, 2, 3, [123], []],
  ['1.2.3-1.2.3', 1, 2, 3, [1, 2, 3], []],
  ['1.2.3-1a', 1, 2, 3, ['1a'], []],
  ['1.2.3-a1', 1, 2, 3, ['a1'], []],
  ['1.2.3-alpha', 1, 2, 3, ['alpha'], []],
  ['1.2.3-alpha.1', 1, 2, 3, ['alpha', 1], []],
  ['1.2.3-alpha-1', 1, 2, 3, ['alpha-1'], []],
  ['1.2.3-alpha-.-beta', 1, 2, 3, ['alpha-', '-beta'], []],
  ['1.2.3+456', 1, 2, 3, [], ['456']],
  ['1.2.3+build', 1, 2, 3, [], ['build']],
  ['1.2.3+new-build', 1, 2, 3, [], ['new-build']],
  ['1.2.3+build.1', 1, 2, 3, [], ['build', '1']],
  ['1.2.3+build.1a', 1, 2, 3, [], ['build', '1a']],
  ['1.2.3+build.a1', 1, 2, 3, [], ['build', 'a1']],
  ['1.2.3+build.alpha', 1, 2, 3, [], ['build', 'alpha']],
  ['1.2.3+build.alpha.beta', 1, 2, 3, [], ['build', 'alpha', 'beta']],
  ['1.2.3-alpha+build', 1, 2, 3, ['alpha'], ['build']],
]

// npm/node-semver test/fixtures/invalid-versions.js @ 02da12f7111e1d5d534cb59e250c1527730c0de4 (the string rows),
// plus SemVer 2.0.0 §2/§9/§10 violations.
const MAX_SAFE = Number.MAX_SAFE_INTEGER
const INVALID = [
  `${new Array(256).join('1')}.0.0`,
  `${MAX_SAFE}0.0.0`,
  `0.${MAX_SAFE}0.0`,
  `0.0.${MAX_SAFE}0`,
  'hello, world',
  'xyz',
  '01.2.3',
  '1.02.3',
  '1.2.03',
  '1.2.3-01',
  '1.2.3-alpha..1',
  '1.2.3-',
  '1.2.3+',
  '1.2.3+a..b',
  '1.2.3-a_b',
  '1.2',
  '1.2.3.4',
  'V1.2.3',
  '=1.2.3',
  'v 1.2.3',
  '1.2.3 -alpha',
  '1. 2.3',
  '1.0:',
  '1..2',
  '>=1.2.3',
  '1.2.x',
]

describe('semver: tables', () => {
  it('orders the SemVer 2.0.0 §11 example chain', () => {
    for (let i = 0; i < SPEC_ORDER.length; i++)
      for (let j = 0; j < SPEC_ORDER.length; j++)
        expect(cmp(SPEC_ORDER[i] as string, SPEC_ORDER[j] as string), `${SPEC_ORDER[i]} vs ${SPEC_ORDER[j]}`).toBe(
          sign(i - j),
        )
  })

  it.each(COMPARISONS)('node-semver comparisons: %s > %s', (a, b) => {
    expect(cmp(a, b)).toBe(1)
    expect(cmp(b, a)).toBe(-1)
  })

  it.each(EQUALITY)('node-semver equality: %j == %j (loose: %s)', (a, b, loose) => {
    for (const s of [a, b]) expect(semverScheme.parse(s).ok, s).toBe(semver.valid(s) !== null)
    if (!loose || (semverScheme.parse(a).ok && semverScheme.parse(b).ok)) expect(cmp(a, b)).toBe(0)
  })

  it.each(VALID)('node-semver valid-versions: %s', (s, major, minor, patch, pre, build) => {
    const v = parse(s)
    expect([v.major, v.minor, v.patch]).toEqual([String(major), String(minor), String(patch)])
    expect(v.prerelease).toEqual(pre.map(String))
    expect(v.build).toEqual(build)
    expect(semverScheme.format(v)).toBe(semver.valid(s))
  })

  it.each(INVALID)('refuses %j as node-semver does', (s) => {
    const p = semverScheme.parse(s)
    expect(p.ok).toBe(false)
    if (!p.ok) expect(p.error.scheme).toBe('semver')
    expect(semver.valid(s)).toBeNull()
  })

  it('accepts MAJOR/MINOR/PATCH up to 2^53-1 and keeps huge prerelease numbers exact', () => {
    expect(semverScheme.format(parse(`${MAX_SAFE}.${MAX_SAFE}.${MAX_SAFE}`))).toBe(
      `${MAX_SAFE}.${MAX_SAFE}.${MAX_SAFE}`,
    )
    expect(cmp('1.0.0-99999999999999999999', '1.0.0-100000000000000000000')).toBe(-1)
  })

  it('drops build metadata in the canonical string, as semver.valid does, and ignores it in the order', () => {
    expect(semverScheme.format(parse('  v1.2.3-rc.1+build.5  '))).toBe('1.2.3-rc.1')
    expect(cmp('1.2.3+a', '1.2.3+b')).toBe(0)
  })

  it('differs from node-semver only where it rounds numeric prerelease identifiers above 2^53', () => {
    // node-semver internal/identifiers.js compares `+a` with `+b`: both round to 9007199254740992.
    const a = '1.0.0-9007199254740993'
    const b = '1.0.0-9007199254740992'
    expect(semver.compare(a, b)).toBe(0)
    expect(cmp(a, b)).toBe(1)
  })
})

describe('semver: bad input', () => {
  it.each(['', '1.0:', 'x'.repeat(10_000), '1.0.0\u0000', '1.2.3\n', '\u001b[31m1.2.3', '1.2.3\u007f'])(
    'refuses %j with a typed error',
    (s) => {
      const p = semverScheme.parse(s)
      expect(p.ok).toBe(false)
      if (!p.ok) {
        expect(p.error.kind).toBe('version-parse-error')
        expect(p.error.scheme).toBe('semver')
        expect(p.error.input.length).toBeLessThanOrEqual(80)
      }
    },
  )

  it('never throws on non-strings', () => {
    for (const x of [undefined, null, 1, {}, []]) expect(semverScheme.parse(x as unknown as string).ok).toBe(false)
  })
})

describe('semver: oracle (node semver, in-process)', () => {
  it('agrees with semver.compare on ≥ 100,000 random and neighbouring pairs', () => {
    const r = rng(0x5e3e7)
    const pool = samples(r, 4000)
    const pairs: [string, string][] = []
    for (let i = 0; i < 60_000; i++)
      pairs.push([pool[Math.floor(r() * pool.length)] as string, pool[Math.floor(r() * pool.length)] as string])
    for (let i = 0; i < 60_000; i++) {
      const a = pool[Math.floor(r() * pool.length)] as string
      pairs.push([a, neighbour(r, a)])
    }
    const cache = new Map<string, SemVer>()
    const get = (s: string) => {
      let v = cache.get(s)
      if (!v) {
        v = parse(s)
        cache.set(s, v)
      }
      return v
    }
    const disagreements: string[] = []
    let collisions = 0
    for (const [a, b] of pairs) {
      const ours = semverScheme.compare(get(a), get(b))
      const theirs = sign(semver.compare(a, b))
      if (ours === theirs) continue
      if (roundingCollision(a, b) && theirs === 0) collisions++
      else disagreements.push(`${a} vs ${b}: ours ${ours}, semver ${theirs}`)
    }
    expect(pairs.length).toBeGreaterThanOrEqual(100_000)
    expect(disagreements.slice(0, 20)).toEqual([])
    expect(collisions).toBe(0)
  })

  it('formats every sample as semver.valid does', () => {
    for (const s of samples(rng(7), 20_000)) expect(semverScheme.format(parse(s)), s).toBe(semver.valid(s))
  })

  it('accepts exactly what semver.valid accepts on 30,000 mutated strings', () => {
    const r = rng(0xbad)
    const base = samples(r, 3000)
    const wrong: string[] = []
    let accepted = 0
    for (let i = 0; i < 30_000; i++) {
      const s = mutate(r, base[i % base.length] as string)
      const p = semverScheme.parse(s)
      const v = semver.valid(s)
      if (p.ok !== (v !== null) || (p.ok && semverScheme.format(p.value) !== v)) wrong.push(JSON.stringify(s))
      if (p.ok) accepted++
    }
    expect(wrong.slice(0, 20)).toEqual([])
    // The mutations must exercise both sides.
    expect(accepted).toBeGreaterThan(3000)
    expect(accepted).toBeLessThan(27_000)
  })
})
