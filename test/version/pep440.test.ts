import * as pep440 from '@renovatebot/pep440'
import { describe, expect, it } from 'vitest'
import { type Pep440Version, pep440Scheme } from '../../src/version/pep440.js'
import type { Ordering } from '../../src/version/scheme.js'
import { rng } from '../helpers/rng.js'
import { samples, version } from './gen/pep440.js'

const parse = (s: string): Pep440Version => {
  const p = pep440Scheme.parse(s)
  if (!p.ok) throw new Error(`${s}: ${p.error.reason}`)
  return p.value
}
const cmp = (a: string, b: string): Ordering => pep440Scheme.compare(parse(a), parse(b))
const norm = (s: string): string => pep440Scheme.format(parse(s))
const sign = (n: number): Ordering => (n < 0 ? -1 : n > 0 ? 1 : 0)

// Tables from pypa/packaging tests/test_version.py @ 0345ccd3d1e5b0e14b84de4fb6bca0b82f7145e3.

// VERSIONS: "This list must be in the correct sorting order".
const VERSIONS = [
  '1.0.dev0',
  '1.0.dev456',
  '1.0.dev456+local',
  '1.0a0',
  '1.0a0.post0.dev0',
  '1.0a0.post0',
  '1.0a1.dev1',
  '1.0a1.dev1+local',
  '1.0a1',
  '1.0a1+local',
  '1.0b0',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0b2-346',
  '1.0rc0',
  '1.0rc1.dev1',
  '1.0c1',
  '1.0rc2',
  '1.0',
  '1.0.post0.dev0',
  '1.0.post0',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.0.post456+local',
  '1.0.1.dev1',
  '1.0.1a1',
  '1.0.1',
  '1.0.1+local',
  '1.0.1.post1',
  '1.1.dev1',
  '1.2+a',
  '1.2+abc',
  '1.2+abcdef',
  '1.2+def',
  '1.2+0',
  '1.2+1',
  '1.2+1.abc',
  '1.2+1.1',
  '1.2+1.1.0',
  '1.2+2',
  '1.2+123',
  '1.2+123456',
  '1.2.r32+123456',
  '1.2.rev33+123456',
  '1!1.0.dev0',
  '1!1.0.dev456',
  '1!1.0.dev456+local',
  '1!1.0a0',
  '1!1.0a0.post0.dev0',
  '1!1.0a0.post0',
  '1!1.0a1.dev1',
  '1!1.0a1.dev1+local',
  '1!1.0a1',
  '1!1.0a1+local',
  '1!1.0b0',
  '1!1.0b1.dev456',
  '1!1.0b2',
  '1!1.0b2.post345.dev456',
  '1!1.0b2.post345',
  '1!1.0b2-346',
  '1!1.0rc0',
  '1!1.0rc1.dev1',
  '1!1.0c1',
  '1!1.0rc2',
  '1!1.0',
  '1!1.0.post0.dev0',
  '1!1.0.post0',
  '1!1.0.post456.dev34',
  '1!1.0.post456',
  '1!1.0.post456+local',
  '1!1.0.1.dev1',
  '1!1.0.1a1',
  '1!1.0.1',
  '1!1.0.1+local',
  '1!1.0.1.post1',
  '1!1.1.dev1',
  '1!1.2+a',
  '1!1.2+abc',
  '1!1.2+abcdef',
  '1!1.2+def',
  '1!1.2+0',
  '1!1.2+1',
  '1!1.2+1.abc',
  '1!1.2+1.1',
  '1!1.2+1.1.0',
  '1!1.2+2',
  '1!1.2+123',
  '1!1.2+123456',
  '1!1.2.r32+123456',
  '1!1.2.rev33+123456',
]

// test_invalid_versions. Two rows of the test need no case here: a non-ASCII local label ("1.0+\u0130") and
// Arabic-Indic digits are below.
const INVALID = [
  'french toast',
  '1.0+a+',
  '1.0++',
  '1.0+_foobar',
  '1.0+foo&asd',
  '1.0+1+1',
  '1. 0',
  '1 .0',
  '1. 0a1',
  '1 .0a1',
  '1.0 a1',
  '1.0a 1',
  '٠١٢.٣٤٥.٦٧٨٩',
  '.',
  '..',
  '1..0',
  '1.0.',
  '.1.0',
  '1..2.3',
  '1.0+\u0130',
]

// test_normalized_versions: [input, str(Version(input))]. The two whitespace rows of that test carry "\t" and
// "\n", which every shipshape scheme refuses as control characters (scheme.ts precheck); they are checked
// separately below, together with the same spacing without control characters.
const NORMALIZED: [string, string][] = [
  ['1.0dev', '1.0.dev0'],
  ['1.0.dev', '1.0.dev0'],
  ['1.0dev1', '1.0.dev1'],
  ['1.0-dev', '1.0.dev0'],
  ['1.0-dev1', '1.0.dev1'],
  ['1.0DEV', '1.0.dev0'],
  ['1.0.DEV', '1.0.dev0'],
  ['1.0DEV1', '1.0.dev1'],
  ['1.0.DEV1', '1.0.dev1'],
  ['1.0-DEV', '1.0.dev0'],
  ['1.0-DEV1', '1.0.dev1'],
  ['1.0a', '1.0a0'],
  ['1.0.a', '1.0a0'],
  ['1.0.a1', '1.0a1'],
  ['1.0-a', '1.0a0'],
  ['1.0-a1', '1.0a1'],
  ['1.0alpha', '1.0a0'],
  ['1.0.alpha', '1.0a0'],
  ['1.0.alpha1', '1.0a1'],
  ['1.0-alpha', '1.0a0'],
  ['1.0-alpha1', '1.0a1'],
  ['1.0A', '1.0a0'],
  ['1.0.A', '1.0a0'],
  ['1.0.A1', '1.0a1'],
  ['1.0-A', '1.0a0'],
  ['1.0-A1', '1.0a1'],
  ['1.0ALPHA', '1.0a0'],
  ['1.0.ALPHA', '1.0a0'],
  ['1.0.ALPHA1', '1.0a1'],
  ['1.0-ALPHA', '1.0a0'],
  ['1.0-ALPHA1', '1.0a1'],
  ['1.0b', '1.0b0'],
  ['1.0.b', '1.0b0'],
  ['1.0.b1', '1.0b1'],
  ['1.0-b', '1.0b0'],
  ['1.0-b1', '1.0b1'],
  ['1.0beta', '1.0b0'],
  ['1.0.beta', '1.0b0'],
  ['1.0.beta1', '1.0b1'],
  ['1.0-beta', '1.0b0'],
  ['1.0-beta1', '1.0b1'],
  ['1.0B', '1.0b0'],
  ['1.0.B', '1.0b0'],
  ['1.0.B1', '1.0b1'],
  ['1.0-B', '1.0b0'],
  ['1.0-B1', '1.0b1'],
  ['1.0BETA', '1.0b0'],
  ['1.0.BETA', '1.0b0'],
  ['1.0.BETA1', '1.0b1'],
  ['1.0-BETA', '1.0b0'],
  ['1.0-BETA1', '1.0b1'],
  ['1.0c', '1.0rc0'],
  ['1.0.c', '1.0rc0'],
  ['1.0.c1', '1.0rc1'],
  ['1.0-c', '1.0rc0'],
  ['1.0-c1', '1.0rc1'],
  ['1.0rc', '1.0rc0'],
  ['1.0.rc', '1.0rc0'],
  ['1.0.rc1', '1.0rc1'],
  ['1.0-rc', '1.0rc0'],
  ['1.0-rc1', '1.0rc1'],
  ['1.0C', '1.0rc0'],
  ['1.0.C', '1.0rc0'],
  ['1.0.C1', '1.0rc1'],
  ['1.0-C', '1.0rc0'],
  ['1.0-C1', '1.0rc1'],
  ['1.0RC', '1.0rc0'],
  ['1.0.RC', '1.0rc0'],
  ['1.0.RC1', '1.0rc1'],
  ['1.0-RC', '1.0rc0'],
  ['1.0-RC1', '1.0rc1'],
  ['1.0post', '1.0.post0'],
  ['1.0.post', '1.0.post0'],
  ['1.0post1', '1.0.post1'],
  ['1.0-post', '1.0.post0'],
  ['1.0-post1', '1.0.post1'],
  ['1.0POST', '1.0.post0'],
  ['1.0.POST', '1.0.post0'],
  ['1.0POST1', '1.0.post1'],
  ['1.0r', '1.0.post0'],
  ['1.0rev', '1.0.post0'],
  ['1.0.POST1', '1.0.post1'],
  ['1.0.r1', '1.0.post1'],
  ['1.0.rev1', '1.0.post1'],
  ['1.0-POST', '1.0.post0'],
  ['1.0-POST1', '1.0.post1'],
  ['1.0-5', '1.0.post5'],
  ['1.0-r5', '1.0.post5'],
  ['1.0-rev5', '1.0.post5'],
  ['1.0+AbC', '1.0+abc'],
  ['1.01', '1.1'],
  ['1.0a05', '1.0a5'],
  ['1.0b07', '1.0b7'],
  ['1.0c056', '1.0rc56'],
  ['1.0rc09', '1.0rc9'],
  ['1.0.post000', '1.0.post0'],
  ['1.1.dev09000', '1.1.dev9000'],
  ['00!1.2', '1.2'],
  ['0100!0.0', '100!0.0'],
  ['v1.0', '1.0'],
]

// test_version_str_repr: [input, str(Version(input))].
const STR: [string, string][] = [
  ['1.0.dev456', '1.0.dev456'],
  ['1.0a1', '1.0a1'],
  ['1.0a2.dev456', '1.0a2.dev456'],
  ['1.0a12.dev456', '1.0a12.dev456'],
  ['1.0a12', '1.0a12'],
  ['1.0b1.dev456', '1.0b1.dev456'],
  ['1.0b2', '1.0b2'],
  ['1.0b2.post345.dev456', '1.0b2.post345.dev456'],
  ['1.0b2.post345', '1.0b2.post345'],
  ['1.0rc1.dev456', '1.0rc1.dev456'],
  ['1.0rc1', '1.0rc1'],
  ['1.0', '1.0'],
  ['1.0.post456.dev34', '1.0.post456.dev34'],
  ['1.0.post456', '1.0.post456'],
  ['1.0.1', '1.0.1'],
  ['0!1.0.2', '1.0.2'],
  ['1.0.3+7', '1.0.3+7'],
  ['0!1.0.4+8.0', '1.0.4+8.0'],
  ['1.0.5+9.5', '1.0.5+9.5'],
  ['1.2+1234.abc', '1.2+1234.abc'],
  ['1.2+123456', '1.2+123456'],
  ['1.2+123abc', '1.2+123abc'],
  ['1.2+123abc456', '1.2+123abc456'],
  ['1.2+abc', '1.2+abc'],
  ['1.2+abc123', '1.2+abc123'],
  ['1.2+abc123def', '1.2+abc123def'],
  ['1.1.dev1', '1.1.dev1'],
  ['7!1.0.dev456', '7!1.0.dev456'],
  ['7!1.0a1', '7!1.0a1'],
  ['7!1.0a2.dev456', '7!1.0a2.dev456'],
  ['7!1.0a12.dev456', '7!1.0a12.dev456'],
  ['7!1.0a12', '7!1.0a12'],
  ['7!1.0b1.dev456', '7!1.0b1.dev456'],
  ['7!1.0b2', '7!1.0b2'],
  ['7!1.0b2.post345.dev456', '7!1.0b2.post345.dev456'],
  ['7!1.0b2.post345', '7!1.0b2.post345'],
  ['7!1.0rc1.dev456', '7!1.0rc1.dev456'],
  ['7!1.0rc1', '7!1.0rc1'],
  ['7!1.0', '7!1.0'],
  ['7!1.0.post456.dev34', '7!1.0.post456.dev34'],
  ['7!1.0.post456', '7!1.0.post456'],
  ['7!1.0.1', '7!1.0.1'],
  ['7!1.0.2', '7!1.0.2'],
  ['7!1.0.3+7', '7!1.0.3+7'],
  ['7!1.0.4+8.0', '7!1.0.4+8.0'],
  ['7!1.0.5+9.5', '7!1.0.5+9.5'],
  ['7!1.1.dev1', '7!1.1.dev1'],
]

describe('pep440: packaging tables', () => {
  it('VERSIONS: every pair in the listed order (test_comparison_true / _false)', () => {
    for (let i = 0; i < VERSIONS.length; i++)
      for (let j = 0; j < VERSIONS.length; j++) {
        const a = VERSIONS[i] as string
        const b = VERSIONS[j] as string
        expect(cmp(a, b), `${a} vs ${b}`).toBe(sign(i - j))
      }
  })

  it.each(INVALID)('test_invalid_versions: %j', (s) => {
    const p = pep440Scheme.parse(s)
    expect(p.ok).toBe(false)
    if (!p.ok) expect(p.error.scheme).toBe('pep440')
  })

  it.each(NORMALIZED)('test_normalized_versions: %j → %s', (input, want) => {
    expect(norm(input)).toBe(want)
  })

  it.each(STR)('test_version_str_repr: %s → %s', (input, want) => {
    expect(norm(input)).toBe(want)
  })

  it('test_version_rc_and_c_equals', () => {
    expect(cmp('1.0rc1', '1.0c1')).toBe(0)
  })

  it('surrounding whitespace: packaging strips it; control characters are refused first', () => {
    // test_normalized_versions has "   v1.0\t\n" and "\N{NARROW NO-BREAK SPACE}1.0\t\N{PARAGRAPH SEPARATOR}\n ".
    for (const s of ['   v1.0\t\n', '\u202f1.0\t\u2029\n ']) {
      const p = pep440Scheme.parse(s)
      expect(p.ok).toBe(false)
      if (!p.ok) expect(p.error.reason).toMatch(/control/)
    }
    expect(norm('   v1.0  ')).toBe('1.0')
    expect(norm('\u202f1.0\u2029 ')).toBe('1.0')
    expect(norm('\u00a01.0\u3000')).toBe('1.0')
  })

  it('normalises local labels and numbers, and compares numbers at any size', () => {
    expect(norm('1.0+ubuntu-1_2.03')).toBe('1.0+ubuntu.1.2.3')
    expect(cmp('1.0+01', '1.0+1')).toBe(0)
    expect(cmp('1.0.0', '1')).toBe(0)
    expect(cmp('1.0.0.0.1', '1')).toBe(1)
    expect(norm('1.000000000000000000000000000001')).toBe('1.1')
    expect(cmp('1.99999999999999999999999', '1.99999999999999999999998')).toBe(1)
    expect(cmp('99999999999999999999!1.0', '99999999999999999998!2.0')).toBe(1)
  })
})

describe('pep440: bad input', () => {
  it.each([
    '',
    '1.0:',
    'x'.repeat(10_000),
    '1.0\u0000',
    '1.0\u001b',
    '1.0-',
    '1.0..dev',
    '1.0+',
    '1!',
    '!1.0',
    'v',
    'vv1.0',
    '1.0_',
  ])('refuses %j with a typed error', (s) => {
    const p = pep440Scheme.parse(s)
    expect(p.ok).toBe(false)
    if (!p.ok) expect(p.error.scheme).toBe('pep440')
  })
})

/** Random edits from characters that matter to a PEP 440 parser. */
function mutate(r: () => number, s: string): string {
  const alphabet = [...'0123456789.-_+!vVaAbBcrRpPdDeEvxz ']
  let out = s
  const edits = 1 + Math.floor(r() * 3)
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(r() * (out.length + 1))
    const c = alphabet[Math.floor(r() * alphabet.length)] as string
    const k = r()
    out =
      k < 0.4
        ? out.slice(0, i) + c + out.slice(i)
        : k < 0.7
          ? out.slice(0, i) + out.slice(i + 1)
          : out.slice(0, i) + c + out.slice(i + 1)
  }
  return out
}

/** @renovatebot/pep440 reads numbers with Number(): only compare it where that is exact. */
const exact = (s: string) => !/[0-9]{16,}/.test(s)

describe('pep440: oracle (@renovatebot/pep440, a port of packaging)', () => {
  it('agrees with its compare on 60,000 random and near pairs', () => {
    const r = rng(0x440)
    const pool = Array.from({ length: 3000 }, () => version(r, { noWhitespace: true, safeLocal: true })).filter(exact)
    const wrong: string[] = []
    let n = 0
    for (let i = 0; i < 60_000; i++) {
      const a = pool[Math.floor(r() * pool.length)] as string
      // Half the pairs share a prefix, so that ties and near-ties are common.
      const b = i % 2 ? (pool[Math.floor(r() * pool.length)] as string) : mutateTail(r, a)
      if (!pep440.valid(b) || !exact(b)) continue
      n++
      const ours = cmp(a, b)
      const theirs = sign(pep440.compare(a, b))
      if (ours !== theirs) wrong.push(`${a} vs ${b}: ours ${ours}, renovate ${theirs}`)
    }
    expect(n).toBeGreaterThan(40_000)
    expect(wrong.slice(0, 20)).toEqual([])
  })

  it('normalises as its clean() does', () => {
    // clean() writes a multi-part local label with "," (its stringify puts the parts array in a template
    // string: clean("1.0+a.b") is "1.0+a,b"); explain().local joins them with "." as packaging does.
    expect(pep440.clean('1.0+a.b')).toBe('1.0+a,b')
    const r = rng(0x441)
    for (let i = 0; i < 20_000; i++) {
      const s = version(r, { safeLocal: true })
      if (exact(s)) expect(norm(s), s).toBe(pep440.clean(s)?.replaceAll(',', '.'))
    }
  })

  it('accepts exactly what its valid() accepts on 30,000 mutated strings', () => {
    const r = rng(0x442)
    const base = Array.from({ length: 3000 }, () => version(r, { noWhitespace: true }))
    const wrong: string[] = []
    let accepted = 0
    for (let i = 0; i < 30_000; i++) {
      const s = mutate(r, base[i % base.length] as string)
      // valid() takes no surrounding whitespace (clean() does); packaging and this scheme both do.
      if (s.trim() !== s) continue
      const ok = pep440Scheme.parse(s).ok
      if (ok !== (pep440.valid(s) !== null)) wrong.push(JSON.stringify(s))
      if (ok) accepted++
    }
    expect(wrong.slice(0, 20)).toEqual([])
    expect(accepted).toBeGreaterThan(5000)
  })

  it('differs where the port departs from packaging: numeric-looking local parts and huge numbers', () => {
    // Python's str.isdigit() decides (packaging _parse_local_version): "1e5" and "0x1" are strings there, while
    // the port's Number("1e5") makes them 100000 and 1.
    expect(norm('1.0+1e5')).toBe('1.0+1e5')
    expect(pep440.clean('1.0+1e5')).toBe('1.0+100000')
    expect(cmp('1.0+1e5', '1.0+2')).toBe(-1)
    expect(cmp('1.0+0x1', '1.0+1')).toBe(-1)
    expect(sign(pep440.compare('1.0+0x1', '1.0+1'))).toBe(0)
    // Python ints are unbounded; Number() is not.
    expect(cmp('1.9007199254740993', '1.9007199254740992')).toBe(1)
    expect(pep440.compare('1.9007199254740993', '1.9007199254740992')).toBe(0)
  })
})

/** A near variant of a version: change, add or drop its last character or segment. */
function mutateTail(r: () => number, s: string): string {
  const k = r()
  if (k < 0.25) return `${s}${['.0', '.1', 'a1', '.post1', '.dev0', '+1', '+a', '0'][Math.floor(r() * 8)]}`
  if (k < 0.5) return s.replace(/[0-9]+(?!.*[0-9])/, (d) => String(Number(d) + 1))
  if (k < 0.75) return s.replace(/[0-9]+(?!.*[0-9])/, (d) => (d === '0' ? '0' : String(Number(d) - 1)))
  return s.slice(0, Math.max(1, s.length - 1 - Math.floor(r() * 3)))
}

describe('pep440: generated samples', () => {
  it('parse, and format to a fixed point that compares equal', () => {
    for (const s of samples(rng(0x443), 5000)) {
      const v = parse(s)
      const f = pep440Scheme.format(v)
      expect(pep440Scheme.format(parse(f)), s).toBe(f)
      expect(pep440Scheme.compare(parse(f), v)).toBe(0)
    }
  })
})
