import { describe, expect, it } from 'vitest'
import { debScheme, verrevcmp } from '../../src/version/deb.js'
import { rng } from '../helpers/rng.js'
import { hasHugeNumber, near, one, pairs } from './gen/deb.js'
import { dpkgAcceptsAll, dpkgCompareAll, perlCompare, perlValid } from './oracles/dpkg.js'

const parse = (s: string) => {
  const p = debScheme.parse(s)
  if (!p.ok) throw new Error(`${s}: ${p.error.reason}`)
  return p.value
}
const cmp = (a: string, b: string) => debScheme.compare(parse(a), parse(b))
const native = (v: string, range: string) => debScheme.nativeSatisfies?.(parse(v), range)

/**
 * dpkg's own comparison vectors: guillemj/dpkg, scripts/t/Dpkg_Version.t, __DATA__ section
 * (commit 061c572fdade80049d96db839d60d89e7387f607). `a b expected`.
 */
const DPKG_VERSION_T = `
1.0-1 2.0-2 -1
2.2~rc-4 2.2-1 -1
2.2-1 2.2~rc-4 1
1.0000-1 1.0-1 0
1 0:1 0
0 0:0-0 0
2:2.5 1:7.5 1
1:0foo 0foo 1
0:0foo 0foo 0
0foo 0foo 0
0foo 0fo 1
0foo~1 0foo -1
0foo~foo+Bar 0foo~foo+bar -1
0foo~~ 0foo~ -1
1~ 1 -1
12345+that-really-is-some-ver-0 12345+that-really-is-some-ver-10 -1
0foo-0 0foo-01 -1
0foo.bar 0foobar 1
0foo.bar 0foo1bar 1
0foo.bar 0foo0bar 1
0foo1bar-1 0foobar-1 -1
0foo2.0 0foo2 1
0foo2.0.0 0foo2.10.0 -1
0foo2.0 0foo2.0.0 -1
0foo2.0 0foo2.10 -1
0foo2.1 0foo2.10 -1
1.09 1.9 0
1.0.8+nmu1 1.0.8 1
3.11 3.10+nmu1 1
0.9j-20080306-4 0.9i-20070324-2 1
1.2.0~b7-1 1.2.0~b6-1 1
1.011-1 1.06-2 1
0.0.9+dfsg1-1 0.0.8+dfsg1-3 1
4.6.99+svn6582-1 4.6.99+svn6496-1 1
53 52 1
0.9.9~pre122-1 0.9.9~pre111-1 1
2:2.3.2-2+lenny2 2:2.3.2-2 1
1:3.8.1-1 3.8.GA-1 1
1.0.1+gpl-1 1.0.1-2 1
1a 1000a -1
`
  .trim()
  .split('\n')
  .map((l) => l.split(' ') as [string, string, string])

/**
 * Lines of that same file whose versions dpkg 1.21.22 (Debian 12, the oracle on this machine) refuses:
 * "revision cannot be empty" and "upstream version cannot be empty". Newer Dpkg::Version takes them; we keep
 * refusing, with the installed dpkg.
 */
const DPKG_VERSION_T_REFUSED = ['0foo- 0foo 0', '0foo- 0foo-0 0', '0foo- 0foo+ -1', '-0.6.5 0.9.1 -1']

/** guillemj/dpkg lib/dpkg/t/t-version.c, test_version_parse (commit 0d609e2c8c0070310b531d2d470f79044121bea8). */
const T_VERSION_PARSED: Array<[string, number, string, string | undefined]> = [
  ['0', 0, '0', undefined],
  ['0:0', 0, '0', undefined],
  ['0:0-0', 0, '0', '0'],
  ['0:0.0-0.0', 0, '0.0', '0.0'],
  ['1:0', 1, '0', undefined],
  ['5:1', 5, '1', undefined],
  ['0:0-0-0', 0, '0-0', '0'],
  ['0:0-0-0-0', 0, '0-0-0', '0'],
  ['0:0:0-0', 0, '0:0', '0'],
  ['0:0:0:0-0', 0, '0:0:0', '0'],
  ['0:0:0-0-0', 0, '0:0-0', '0'],
  ['0:0-0:0-0', 0, '0-0:0', '0'],
  ['0:09azAZ.-+~:-0', 0, '09azAZ.-+~:', '0'],
  ['0:0-azAZ09.+~', 0, '0', 'azAZ09.+~'],
]

/** t-version.c's refused versions (errors and warnings), plus its invalid-character loops. */
const T_VERSION_REFUSED = [
  '',
  '  ',
  '0:',
  '0:0 0-1',
  '-1:0-1',
  '999999999999999999999999:0-1',
  'a:0-0',
  'A:0-0',
  '-0',
  '0:-0',
  '0:abc3-0',
  '0:0-0:0',
  ...[..."!#@$%&/|\\<>()[]{};,_=*^'"].map((c) => `0:0${c}a-0`),
  ...[..."!#@$%&/|\\<>()[]{}:;,_=*^'"].map((c) => `0:0-0${c}`),
]

describe('deb: dpkg’s own vectors', () => {
  it.each(DPKG_VERSION_T)('%s vs %s → %s (Dpkg_Version.t)', (a, b, want) => {
    expect(cmp(a, b)).toBe(Number(want))
    expect(cmp(b, a)).toBe(0 - Number(want) || 0)
    // "String representation of Dpkg::Version($a) is $a", less a zero epoch (we drop it, as dpkg does).
    expect(debScheme.format(parse(a))).toBe(a.replace(/^0:/, ''))
  })

  it.each(DPKG_VERSION_T_REFUSED)('%s: refused, as dpkg 1.21.22 does', (line) => {
    const [a, b] = line.split(' ') as [string, string]
    expect(debScheme.parse(a).ok && debScheme.parse(b).ok).toBe(false)
  })

  it.each(T_VERSION_PARSED)('%s parses as epoch %s, upstream %s, revision %s (t-version.c)', (s, e, u, r) => {
    expect(parse(s)).toEqual({ epoch: e, upstream: u, revision: r })
  })

  it.each(T_VERSION_REFUSED)('%j is refused (t-version.c)', (s) => {
    const p = debScheme.parse(s)
    expect(p.ok).toBe(false)
    if (!p.ok) expect(p.error.scheme).toBe('deb')
  })

  it('orders ~ before the end, the end before letters, letters before other characters', () => {
    const sorted = ['1.0~~', '1.0~~a', '1.0~', '1.0~a', '1.0', '1.0Z', '1.0a', '1.0+', '1.0.', '1.0.1']
    for (let i = 0; i + 1 < sorted.length; i++) {
      expect(cmp(sorted[i] as string, sorted[i + 1] as string), `${sorted[i]} < ${sorted[i + 1]}`).toBe(-1)
    }
  })

  it('compares numbers of any length exactly (dpkg’s verrevcmp never converts them)', () => {
    expect(verrevcmp('18446744073709551617', '18446744073709551616')).toBeGreaterThan(0)
    expect(verrevcmp('9007199254740993', '9007199254740992')).toBeGreaterThan(0)
    expect(verrevcmp('000000000000000000000000012', '12')).toBe(0)
    expect(cmp('1.99999999999999999999999999999', '1.100000000000000000000000000000')).toBe(-1)
  })

  it('formats canonically: epoch 0 dropped, unless the upstream version holds a colon', () => {
    expect(debScheme.format(parse('0:1.0-1'))).toBe('1.0-1')
    expect(debScheme.format(parse('007:1.0'))).toBe('7:1.0')
    expect(debScheme.format(parse('0:1:2-3'))).toBe('0:1:2-3')
    expect(cmp('0:1:2-3', debScheme.format(parse('0:1:2-3')))).toBe(0)
  })

  it('takes dpkg’s << and >> in ranges, and leaves every other range to the shared grammar', () => {
    expect(native('1.0-1', '<< 1.0-2')).toBe(true)
    expect(native('1.0-2', '<< 1.0-2')).toBe(false)
    expect(native('1:0.9', '>> 1.0')).toBe(true)
    expect(native('1.5', '>= 1.0, << 2.0')).toBe(true)
    expect(native('2.0~rc1', '>= 1.0, << 2.0')).toBe(true)
    expect(native('2.0', '>= 1.0, << 2.0 || >> 3.0')).toBe(false)
    expect(native('3.1', '>= 1.0, << 2.0 || >>3.0')).toBe(true)
    // Not dpkg's syntax, or a version dpkg refuses: not ours to answer.
    expect(native('1.0', '< 2.0')).toBeUndefined()
    expect(native('1.0', '<< 1.0:')).toBeUndefined()
    expect(native('1.0', '<< 2.0, < 3.0')).toBeUndefined()
  })
})

describe('deb: bad input is a typed error', () => {
  it.each([
    ['empty', ''],
    ['a trailing colon', '1.0:'],
    ['10 kB', '1'.repeat(10_000)],
    ['a NUL', '1.0\u0000'],
    ['a newline', '1.0\n1'],
    ['whitespace inside', '1.0 1'],
    ['leading whitespace', ' 1.0'],
    ['an empty revision', '1.0-'],
    ['an empty epoch', ':1.0'],
    ['a letter epoch', 'a:1.0'],
    ['an epoch past INT_MAX', '2147483648:1.0'],
    ['a colon in the revision', '1:1.0-1:2'],
    ['a letter first', 'v1.0'],
    ['an underscore', '1.0_1'],
    ['non-ASCII', '1.0ä'],
  ])('%s', (_what, s) => {
    const p = debScheme.parse(s)
    expect(p.ok).toBe(false)
    if (!p.ok) {
      expect(p.error.kind).toBe('version-parse-error')
      expect(p.error.scheme).toBe('deb')
    }
  })
})

/** Pairs that decide at the edges: ~ against the end, letters against punctuation, epochs, empty revisions. */
const EDGE_PAIRS: Array<[string, string]> = [
  ['1.0~', '1.0'],
  ['1.0~~', '1.0~'],
  ['1.0~', '1.0~0'],
  ['1.0a', '1.0+'],
  ['1.0a', '1.0.'],
  ['1.0Z', '1.0a'],
  ['1.0+', '1.0.'],
  ['1.0', '1.0-0'],
  ['1.0', '1.0-00'],
  ['1.0-0', '1.0-~'],
  ['1.0', '1.0-~'],
  ['0:1.0', '1.0'],
  ['00:1.0', '1.0'],
  ['1:0', '0:99999999'],
  ['2147483647:0', '2147483646:9'],
  ['1.0-1', '1.0-1.0'],
  ['1.0-a', '1.0-1'],
  ['1.0-~', '1.0-'.concat('0')],
  ['1:1:1', '1:1-1'],
  ['1:1:1-1', '1:1.1-1'],
  ['1-1-1', '1-1.1'],
  ['1.0-1-1', '1.0-1+1'],
  ['10', '9'],
  ['010', '9'],
  ['1.000', '1'],
  ['1.', '1'],
  ['1.~', '1'],
  ['1.~', '1.'],
  ['18446744073709551615', '18446744073709551614'],
  ['9007199254740993', '9007199254740992'],
]

describe('deb: against dpkg itself', () => {
  it('100,000 random and edge-case pairs agree with Dpkg::Version::version_compare', () => {
    const r = rng(0xdeb)
    const all = [...EDGE_PAIRS, ...EDGE_PAIRS.map(([a, b]) => [b, a] as [string, string]), ...pairs(r, 100_000, {})]
    // Perl compares digit runs as numbers: exact up to 2^64 - 1, doubles beyond. Those go to dpkg's C below.
    const ours = all.filter(([a, b]) => !hasHugeNumber(a) && !hasHugeNumber(b))
    expect(ours.length).toBeGreaterThanOrEqual(100_000)
    const want = perlCompare(ours)
    const bad: string[] = []
    ours.forEach(([a, b], i) => {
      const got = cmp(a, b)
      if (got !== want[i]) bad.push(`${a} vs ${b}: dpkg ${want[i]}, ours ${got}`)
    })
    expect(bad.slice(0, 20)).toEqual([])
  })

  it('numbers past 2^64 agree with dpkg --compare-versions (the C implementation, exact at any length)', async () => {
    const r = rng(0x2064)
    const cases: Array<[string, string]> = [
      ['1.18446744073709551616', '1.18446744073709551617'],
      ['1.99999999999999999999999999999', '1.100000000000000000000000000000'],
      ['1:123456789012345678901234567890-1', '1:123456789012345678901234567891-1'],
      ['1.0-36893488147419103232', '1.0-36893488147419103233'],
    ]
    while (cases.length < 160) {
      const a = one(r, { huge: true })
      if (!hasHugeNumber(a)) continue
      cases.push([a, r() < 0.5 ? near(r, a) : one(r, { huge: true })])
    }
    const want = await dpkgCompareAll(cases)
    const bad: string[] = []
    cases.forEach(([a, b], i) => {
      const got = cmp(a, b)
      if (got !== want[i]) bad.push(`${a} vs ${b}: dpkg ${want[i]}, ours ${got}`)
    })
    expect(bad).toEqual([])
    // The reason these bypass Perl: Dpkg::Version calls 2^64 and 2^64 + 1 equal.
    expect(perlCompare([cases[0] as [string, string]])).toEqual([0])
  })

  it('refuses what dpkg refuses and takes what it takes (Dpkg::Version::version_check and dpkg’s parser)', async () => {
    const r = rng(0xc4ec)
    const ALPHABET = [...'0123456789aZ.+~-:_ !@']
    const strings = new Set<string>(['1.0:', '1:', ':1', '1:2:3', '1:2-3:4', '2147483647:1', '2147483648:1'])
    while (strings.size < 1500) {
      let s = one(r, { huge: false })
      const edits = r() < 0.2 ? 0 : 1 + Math.floor(r() * 4)
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(r() * (s.length + 1))
        const k = r()
        const ch = ALPHABET[Math.floor(r() * ALPHABET.length)] as string
        if (k < 0.4) s = s.slice(0, at) + ch + s.slice(at)
        else if (k < 0.7) s = s.slice(0, at) + s.slice(at + 1)
        else s = s.slice(0, at) + ch + s.slice(at + 1)
      }
      if (s !== '' && !s.startsWith(' ') && !s.endsWith(' ')) strings.add(s)
    }
    const list = [...strings]
    const perl = perlValid(list)
    // The C parser is asked only about what Perl takes (and never about strings dpkg would read as options).
    const askC = list.filter((s, i) => perl[i] === true && !s.startsWith('-'))
    const c = await dpkgAcceptsAll(askC)
    const cTakes = new Set(askC.filter((_s, i) => c[i]))
    const bad: string[] = []
    let accepted = 0
    list.forEach((s) => {
      const ours = debScheme.parse(s).ok
      // Both dpkg parsers must take it: Perl's version_check, and the C parser without error or warning.
      const theirs = cTakes.has(s)
      if (ours) accepted++
      if (ours !== theirs)
        bad.push(`${JSON.stringify(s)}: dpkg ${theirs ? 'takes' : 'refuses'} it, we ${ours ? 'take' : 'refuse'} it`)
    })
    expect(bad).toEqual([])
    // The sample holds plenty of both.
    expect(accepted).toBeGreaterThan(300)
    expect(list.length - accepted).toBeGreaterThan(300)
  })
})
