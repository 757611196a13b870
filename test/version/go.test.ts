import { describe, expect, it } from 'vitest'
import { type GoVersion, goScheme } from '../../src/version/go.js'
import type { Ordering } from '../../src/version/scheme.js'
import { rng } from '../helpers/rng.js'
import { samples } from './gen/go.js'

const parse = (s: string): GoVersion => {
  const p = goScheme.parse(s)
  if (!p.ok) throw new Error(`${s}: ${p.error.reason}`)
  return p.value
}
const cmp = (a: string, b: string): Ordering => goScheme.compare(parse(a), parse(b))
const sign = (n: number): Ordering => (n < 0 ? -1 : n > 0 ? 1 : 0)

// golang/mod semver/semver_test.go @ 8b446299501e373f4d7a7d8869d5646e9bfb2e96, `tests`: {in, Canonical(in)}, "" for
// invalid. The valid rows are in increasing order (TestCompare: equal canonical forms compare equal).
const XMOD: [string, string][] = [
  ['bad', ''],
  ['v1-alpha.beta.gamma', ''],
  ['v1-pre', ''],
  ['v1+meta', ''],
  ['v1-pre+meta', ''],
  ['v1.2-pre', ''],
  ['v1.2+meta', ''],
  ['v1.2-pre+meta', ''],
  ['v1.0.0-alpha', 'v1.0.0-alpha'],
  ['v1.0.0-alpha.1', 'v1.0.0-alpha.1'],
  ['v1.0.0-alpha.beta', 'v1.0.0-alpha.beta'],
  ['v1.0.0-beta', 'v1.0.0-beta'],
  ['v1.0.0-beta.2', 'v1.0.0-beta.2'],
  ['v1.0.0-beta.11', 'v1.0.0-beta.11'],
  ['v1.0.0-rc.1', 'v1.0.0-rc.1'],
  ['v1', 'v1.0.0'],
  ['v1.0', 'v1.0.0'],
  ['v1.0.0', 'v1.0.0'],
  ['v1.2', 'v1.2.0'],
  ['v1.2.0', 'v1.2.0'],
  ['v1.2.3-456', 'v1.2.3-456'],
  ['v1.2.3-456.789', 'v1.2.3-456.789'],
  ['v1.2.3-456-789', 'v1.2.3-456-789'],
  ['v1.2.3-456a', 'v1.2.3-456a'],
  ['v1.2.3-pre', 'v1.2.3-pre'],
  ['v1.2.3-pre+meta', 'v1.2.3-pre'],
  ['v1.2.3-pre.1', 'v1.2.3-pre.1'],
  ['v1.2.3-zzz', 'v1.2.3-zzz'],
  ['v1.2.3', 'v1.2.3'],
  ['v1.2.3+meta', 'v1.2.3'],
  ['v1.2.3+meta-pre', 'v1.2.3'],
  ['v1.2.3+meta-pre.sha.256a', 'v1.2.3'],
]
// Same file, TestCompare's "additional tests". That stored copy also has {"v1.19", "v1.2", -1}, backed by a
// compareInt that compares digits as plain strings; every vendored copy of x/mod/semver we could read, and
// golang/go internal/gover CmpInt ("Copied from golang.org/x/mod/semver's compareInt"), compare by length first,
// i.e. numerically, which is what Go's module ordering needs (v1.10.0 > v1.9.0). We follow the numeric rule.
const XMOD_EXTRA: [string, string, Ordering][] = [
  ['v1', 'v1', 0],
  ['v2', 'v1', 1],
  ['v1', 'v2', -1],
  ['v1.19', 'v1.2', 1],
  ['v1.10.0', 'v1.9.0', 1],
]

// golang/go src/go/version/version_test.go @ 337f922303a0682701494ab6e09785bc0c14293d, compareTests. The rows
// with an invalid side ("", "x", and the go-less "1" / "1.1") are left out: go/version ranks invalid versions below
// valid ones, and this scheme refuses them at parse (a go-less "1.1" is read here as the module version v1.1.0).
const GO_COMPARE: [string, string, Ordering][] = [
  ['go1', 'go1.1', -1],
  ['go1.5', 'go1.6', -1],
  ['go1.5', 'go1.10', -1],
  ['go1.6', 'go1.6.1', -1],
  ['go1.19', 'go1.19.0', 0],
  ['go1.19rc1', 'go1.19', -1],
  ['go1.20', 'go1.20.0', 0],
  ['go1.20', 'go1.20.0-bigcorp', 0],
  ['go1.20rc1', 'go1.20', -1],
  ['go1.21', 'go1.21.0', -1],
  ['go1.21', 'go1.21.0-bigcorp', -1],
  ['go1.21', 'go1.21rc1', -1],
  ['go1.21rc1', 'go1.21.0', -1],
  ['go1.6', 'go1.19', -1],
  ['go1.19', 'go1.19.1', -1],
  ['go1.19rc1', 'go1.19', -1],
  ['go1.19rc1', 'go1.19.1', -1],
  ['go1.19rc1', 'go1.19rc2', -1],
  ['go1.19.0', 'go1.19.1', -1],
  ['go1.19rc1', 'go1.19.0', -1],
  ['go1.19alpha3', 'go1.19beta2', -1],
  ['go1.19beta2', 'go1.19rc1', -1],
  ['go1.1', 'go1.99999999999999998', -1],
  ['go1.9.2rc2', 'go1.9.2', -1],
  ['go1.9.2rc2', 'go1.9.2rc3', -1],
  ['go1.9.2beta2', 'go1.9.2rc3', -1],
  ['go1.9.2alpha1', 'go1.9.2beta2', -1],
  ['go1.99999999999999998', 'go1.99999999999999999', -1],
]

// Same file, isValidTests; "" is refused by every scheme, and "1.2.3" (invalid for go/version, which wants the
// "go" prefix) is a module version here.
const GO_VALID: [string, boolean][] = [
  ['go1.2rc3', true],
  ['go1.2.3', true],
  ['go1.999testmod', true],
  ['go1.600+auto', false],
  ['go1.22', true],
  ['go1.21.0', true],
  ['go1.21rc2', true],
  ['go1.21', true],
  ['go1.20.0', true],
  ['go1.20', true],
  ['go1.19', true],
  ['go1.3', true],
  ['go1.2', true],
  ['go1.9.2rc2', true],
  ['go1.9.2+rc2', false],
  ['go1', true],
]

// golang/go src/internal/gover/gover_test.go (isLangTests, parseTests): 1.21 and later without a patch are language
// versions, below their own release candidates; before 1.21 a missing patch is ".0".
const GOVER_CHAIN = [
  'go1.20rc1',
  'go1.20',
  'go1.20.1',
  'go1.21',
  'go1.21rc1',
  'go1.21rc3',
  'go1.21.0rc1',
  'go1.21.0',
  'go1.21.1',
  'go1.22',
  'go1.24',
  'go1.24rc3',
  'go1.24.0',
]

describe('go: golang.org/x/mod/semver tables', () => {
  it.each(XMOD)('x/mod: %s → %j', (input, canonical) => {
    const p = goScheme.parse(input)
    expect(p.ok).toBe(canonical !== '')
    if (p.ok) expect(goScheme.format(p.value)).toBe(canonical)
    else expect(p.error.scheme).toBe('go')
  })

  it('x/mod TestCompare: the valid rows are in order, equal canonical forms equal', () => {
    const valid = XMOD.filter(([, c]) => c !== '')
    for (let i = 0; i < valid.length; i++)
      for (let j = 0; j < valid.length; j++) {
        const [a, ca] = valid[i] as [string, string]
        const [b, cb] = valid[j] as [string, string]
        expect(cmp(a, b), `${a} vs ${b}`).toBe(ca === cb ? 0 : sign(i - j))
      }
  })

  it.each(XMOD_EXTRA)('x/mod Compare(%s, %s) = %i', (a, b, want) => {
    expect(cmp(a, b)).toBe(want)
  })

  it('keeps +incompatible in the canonical string (x/mod module.CanonicalVersion), ignores it in the order', () => {
    expect(goScheme.format(parse('v2.0.0+incompatible'))).toBe('v2.0.0+incompatible')
    expect(goScheme.format(parse('20.10.14+incompatible'))).toBe('v20.10.14+incompatible')
    expect(goScheme.format(parse('v2.0.0+meta'))).toBe('v2.0.0')
    expect(cmp('v2.0.0+incompatible', 'v2.0.0')).toBe(0)
    expect(cmp('v26.0.0-rc1+incompatible', 'v26.0.0')).toBe(-1)
  })

  it('reads OSV spellings without the v', () => {
    expect(cmp('1.2.3', 'v1.2.3')).toBe(0)
    expect(goScheme.format(parse('0.0.0-20200220183623-bac4c82f6975'))).toBe('v0.0.0-20200220183623-bac4c82f6975')
  })

  it('orders pseudo-versions as the prereleases they are (go.dev/ref/mod#pseudo-versions)', () => {
    // vX.0.0-yyyymmddhhmmss-abcdefabcdef: before any release of major X, ordered by commit time.
    expect(cmp('v0.0.0-20191109021931-daa7c04131f5', 'v0.0.0')).toBe(-1)
    expect(cmp('v0.0.0-20191109021931-daa7c04131f5', 'v0.0.0-20200101000000-000000000000')).toBe(-1)
    expect(cmp('v0.0.0-20191109021931-daa7c04131f5', 'v0.0.1')).toBe(-1)
    // vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdefabcdef: after vX.Y.Z, before every other prerelease of vX.Y.(Z+1).
    expect(cmp('v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.3')).toBe(1)
    expect(cmp('v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.4-alpha')).toBe(-1)
    expect(cmp('v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.4')).toBe(-1)
    // vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef: after vX.Y.Z-pre, before vX.Y.Z-pre.1 and vX.Y.Z.
    expect(cmp('v1.0.0-rc8.0.20190930145003-cad42f6e0932', 'v1.0.0-rc8')).toBe(1)
    expect(cmp('v1.0.0-rc8.0.20190930145003-cad42f6e0932', 'v1.0.0-rc9')).toBe(-1)
    expect(cmp('v1.2.3-pre.0.20191109021931-daa7c04131f5', 'v1.2.3-pre.1')).toBe(-1)
  })
})

describe('go: go/version tables', () => {
  it.each(GO_COMPARE)('go/version Compare(%s, %s) = %i', (a, b, want) => {
    expect(cmp(a, b)).toBe(want)
    expect(cmp(b, a)).toBe(sign(-want))
  })

  it.each(GO_VALID)('go/version IsValid(%s) = %s', (s, valid) => {
    expect(goScheme.parse(s).ok).toBe(valid)
  })

  it('internal/gover: language versions, release candidates and releases in order', () => {
    for (let i = 0; i < GOVER_CHAIN.length; i++)
      for (let j = 0; j < GOVER_CHAIN.length; j++) {
        const a = GOVER_CHAIN[i] as string
        const b = GOVER_CHAIN[j] as string
        expect(cmp(a, b), `${a} vs ${b}`).toBe(sign(i - j))
      }
  })

  it('keeps the toolchain spelling, without a custom suffix', () => {
    expect(goScheme.format(parse('go1.21.0-bigcorp'))).toBe('go1.21.0')
    expect(goScheme.format(parse('go1.22rc1'))).toBe('go1.22rc1')
  })

  it('puts toolchain versions where the Go vulndb (OSV) writes them', () => {
    // The vulndb spells stdlib versions as SemVer: golang.org/x/vuln GoTagToSemver (go1.21rc4 → v1.21.0-rc.4);
    // ../shared/vulndata/core/go has "1.21.0-rc.4", "1.24.0-rc.2", and "1.21.0-0" as the start of a branch.
    expect(cmp('go1.21.3', '1.21.3')).toBe(0)
    expect(cmp('go1.21.3', 'v1.21.3')).toBe(0)
    expect(cmp('go1.21rc4', '1.21.0-rc.4')).toBe(0)
    expect(cmp('go1.24rc2', '1.24.0-rc.3')).toBe(-1)
    expect(cmp('go1.24rc3', '1.24.0-rc.2')).toBe(1)
    expect(cmp('go1.20', '1.20.0')).toBe(0)
    expect(cmp('go1.9.2rc2', 'v1.9.2-rc.2')).toBe(0)
    expect(cmp('go1.21', '1.21.0-0')).toBe(0)
    expect(cmp('go1.21rc1', '1.21.0-0')).toBe(1)
    expect(cmp('go1.20.14', '1.21.0-0')).toBe(-1)
    // go1.21.0rc1 is after every go1.21rcN (gover: missing patch < ".0") and before go1.21.0.
    expect(cmp('go1.21.0rc1', '1.21.0-rc.99')).toBe(1)
    expect(cmp('go1.21.0rc1', '1.21.0')).toBe(-1)
  })
})

describe('go: bad input', () => {
  it.each([
    '',
    '1.0:',
    'x'.repeat(10_000),
    'v1.2.3\u0000',
    '(devel)',
    'v1..2',
    'v1.2.3 ',
    ' v1.2.3',
    'v01.2.3',
    'v1.2.3-01',
    'v1.2.3-',
    'v1.2.3+',
    'v1.2.3+a..b',
    'v1.2.3.4',
    'V1.2.3',
    'go',
    'go1.21.3 X:boringcrypto',
    'go1.21.0-',
    'go1.21.0-big corp',
    'go1.021',
    'go1.21RC1',
    'go1.21rc01',
    'devel go1.22-abcdef',
  ])('refuses %j with a typed error', (s) => {
    const p = goScheme.parse(s)
    expect(p.ok).toBe(false)
    if (!p.ok) expect(p.error.scheme).toBe('go')
  })
})

describe('go: generated samples', () => {
  it('parse, and format to a string that parses to an equal version', () => {
    for (const s of samples(rng(0x60), 5000)) {
      const v = parse(s)
      const again = parse(goScheme.format(v))
      expect(goScheme.compare(v, again), s).toBe(0)
      expect(goScheme.format(again)).toBe(goScheme.format(v))
    }
  })

  it('are totally ordered (antisymmetric and transitive on a sorted sample)', () => {
    const vs = samples(rng(0x61), 1500).map(parse)
    const sorted = [...vs].sort(goScheme.compare)
    for (let i = 1; i < sorted.length; i++)
      expect(goScheme.compare(sorted[i - 1] as GoVersion, sorted[i] as GoVersion)).toBeLessThanOrEqual(0)
    for (let i = 0; i < 20_000; i++) {
      const a = vs[i % vs.length] as GoVersion
      const b = vs[(i * 7 + 3) % vs.length] as GoVersion
      expect(goScheme.compare(a, b)).toBe(sign(-goScheme.compare(b, a)))
    }
  })
})
