import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { type GemVersion, gemScheme as scheme } from '../../src/version/gem.js'
import { rng } from '../helpers/rng.js'
import { samples } from './gen/gem.js'

function v(s: string): GemVersion {
  const p = scheme.parse(s)
  if (!p.ok) throw new Error(`${s}: ${p.error.reason}`)
  return p.value
}
const cmp = (a: string, b: string) => scheme.compare(v(a), v(b))
const sat = (version: string, req: string | string[]) =>
  scheme.nativeSatisfies?.(v(version), Array.isArray(req) ? req.join(', ') : req)

/*
 * rubygems/rubygems test/rubygems/test_gem_version.rb at commit f0d9440234a3a91bc0218242e8e2f9bf269c7d86:
 * test_spaceship, test_semver, test_equals2, test_canonical_segments (via equality), test_frozen_version,
 * test_initialize_invalid. Cases that feed whitespace or "" (Ruby strips them, reads blank as "0") are left out:
 * this scheme refuses whitespace.
 */
const SPACESHIP: [string, string, number][] = [
  ['1.0', '1.0.0', 0],
  ['1.0', '1.0.a', 1],
  ['1.8.2', '0.0.0', 1],
  ['1.8.2', '1.8.2.a', 1],
  ['1.8.2.b', '1.8.2.a', 1],
  ['1.8.2.a', '1.8.2', -1],
  ['1.8.2.a10', '1.8.2.a9', 1],
  ['0.beta.1', '0.0.beta.1', 0],
  ['0.0.beta', '0.0.beta.1', -1],
  ['0.0.beta', '0.beta.1', -1],
  ['5.a', '5.0.0.rc2', -1],
  ['5.x', '5.0.0.rc2', 1],
  // test_semver
  ['1.0.0-alpha', '1.0.0-alpha.1', -1],
  ['1.0.0-alpha.1', '1.0.0-beta.2', -1],
  ['1.0.0-beta.2', '1.0.0-beta.11', -1],
  ['1.0.0-beta.11', '1.0.0-rc.1', -1],
  ['1.0.0-rc1', '1.0.0', -1],
  ['1.0.0-1', '1', -1],
  // test_equals2, test_hash, test_canonical_segments
  ['1.2', '1.2', 0],
  ['1.2', '1.3', -1],
  ['1.2.b1', '1.2.b.1', 0],
  ['1.2', '1.2.0', 0],
  ['1.2.pre.1', '1.2.0.pre.1.0', 0],
  ['1.0.0.a.1.0', '1.a.1', 0],
  ['1.2.3-1', '1.2.3.pre.1', 0],
  // test_frozen_version
  ['1.freeze.test', '1', -1],
]

/*
 * rubygems/rubygems test/rubygems/test_gem_requirement.rb at commit 069b6e611c4a656465cb7737088b442a8c487792:
 * the satisfied_by? tests (blank-string versions left out, as above).
 */
const SATISFIED: [string, string | string[], boolean][] = [
  ['1.1', '!= 1.2', true],
  ['1.2', '!= 1.2', false],
  ['1.3', '!= 1.2', true],
  ['1.1', '1.2', false],
  ['1.2', '1.2', true],
  ['1.3', '1.2', false],
  ['1.1', '= 1.2', false],
  ['1.2', '= 1.2', true],
  ['1.1', '> 1.2', false],
  ['1.2', '> 1.2', false],
  ['1.3', '> 1.2', true],
  ['1.1', '>= 1.2', false],
  ['1.2', '>= 1.2', true],
  ['1.1', ['> 1.1', '< 1.3'], false],
  ['1.2', ['> 1.1', '< 1.3'], true],
  ['1.3', ['> 1.1', '< 1.3'], false],
  ['1.1', '< 1.2', true],
  ['1.2', '< 1.2', false],
  ['1.2', '<= 1.2', true],
  ['1.3', '<= 1.2', false],
  ['1.1', '~> 1.2', false],
  ['1.2', '~> 1.2', true],
  ['1.3', '~> 1.2', true],
  // test_satisfied_by_eh_good
  ['0.2.33', '= 0.2.33', true],
  ['0.2.34', '> 0.2.33', true],
  ['1.0', '= 1.0', true],
  ['1.0', '1.0', true],
  ['1.8.2', '> 1.8.0', true],
  ['1.112', '> 1.111', true],
  ['0.2', '> 0.0.0', true],
  ['0.0.0.0.0.2', '> 0.0.0', true],
  ['0.0.1.0', '> 0.0.0.1', true],
  ['10.3.2', '> 9.3.2', true],
  ['1.0.0.0', '= 1.0', true],
  ['10.3.2', '!= 9.3.4', true],
  ['3.1', '< 3.2.rc1', true],
  ['3.2.0', '> 3.2.0.rc1', true],
  ['3.2.0.rc2', '> 3.2.0.rc1', true],
  ['3.0.rc2', '< 3.0', true],
  ['3.0.rc2', '< 3.0.0', true],
  ['3.0.rc2', '< 3.0.1', true],
  ['3.0.rc2', '> 0', true],
  // test_satisfied_by_eh_boxed
  ['1.3', '~> 1.4', false],
  ['1.4', '~> 1.4', true],
  ['1.5', '~> 1.4', true],
  ['2.0', '~> 1.4', false],
  ['1.3', '~> 1.4.4', false],
  ['1.4', '~> 1.4.4', false],
  ['1.4.4', '~> 1.4.4', true],
  ['1.4.5', '~> 1.4.4', true],
  ['1.5', '~> 1.4.4', false],
  ['2.0', '~> 1.4.4', false],
  ['1.1.pre', '~> 1.0.0', false],
  ['1.1.pre', '~> 1.1', false],
  ['2.0.a', '~> 1.0', false],
  ['2.0.a', '~> 2.0', false],
  // test_satisfied_by_spermy_inplace_pre
  ...(
    [
      ['1.3.beta.0', false],
      ['1.3', false],
      ['1.3.0', false],
      ['1.4.alpha', false],
      ['1.4.alpha.0', false],
      ['1.4.beta', true],
      ['1.4.beta.0', true],
      ['1.4', true],
      ['1.4.0', true],
      ['1.4.1', true],
      ['2.0', false],
      ['2.0.0', false],
    ] as const
  ).map(([x, want]) => [x, '~> 1.4.beta', want] as [string, string, boolean]),
  // test_satisfied_by_spermy_postfix_pre
  ...(
    [
      ['1.3.0.beta.0', false],
      ['1.3', false],
      ['1.4.alpha', false],
      ['1.4.0.alpha.0', false],
      ['1.4.0.beta', true],
      ['1.4.0.beta.0', true],
      ['1.4', true],
      ['1.4.1', true],
      ['2.0', false],
      ['1.5', false],
      ['1.5.0.alpha', false],
      ['1.5.0.beta.0', false],
      ['1.5.1', false],
    ] as const
  ).map(([x, want]) => [x, '~> 1.4.0.beta', want] as [string, string, boolean]),
  // test_satisfied_by_spermy_postfix_pre_sub
  ...(
    [
      ['1.4.0.beta', false],
      ['1.4.0.beta.0', false],
      ['1.4.0.beta.1', true],
      ['1.4', true],
      ['1.5.0.alpha', false],
    ] as const
  ).map(([x, want]) => [x, '~> 1.4.0.beta.1', want] as [string, string, boolean]),
  // test_satisfied_by_spermy_release
  ...(
    [
      ['1.3.beta.0', false],
      ['1.3.alpha.0', false],
      ['1.4.beta.0', false],
      ['1.4', true],
      ['1.4.0', true],
      ['1.4.1', true],
      ['1.5.alpha.0', false],
      ['1.5.beta.0', false],
      ['1.5', false],
      ['1.5.1', false],
    ] as const
  ).map(([x, want]) => [x, '~> 1.4.0', want] as [string, string, boolean]),
  // test_satisfied_by_range_pre_inplace, _range_inplace, _range_3_postfix, _range_with_pre_postfix. That file
  // also refutes "1.5.alpha.0", "1.5.0.beta.0" and "1.5.0.alpha.0" for "< 1.5"; released rubygems (3.3.15, the
  // oracle below) satisfies them, since 1.5.a < 1.5 and "<" has no prerelease exception, so they are left out.
  ['1.4.alpha.0', ['>= 1.4.beta', '< 1.5'], false],
  ['1.4.beta.0', ['>= 1.4.beta', '< 1.5'], true],
  ['1.4.beta.0', ['>= 1.4', '< 1.5'], false],
  ['1.4.1', ['>= 1.4', '< 1.5'], true],
  ['1.5', ['>= 1.4', '< 1.5'], false],
  ['1.4.0.beta.0', ['>= 1.4.0', '< 1.5.0'], false],
  ['1.4', ['>= 1.4.0', '< 1.5.0'], true],
  ['1.4.0.beta.0', ['>= 1.4.0.beta', '< 1.5'], true],
  ['1.3.0.alpha.0', ['>= 1.4.0.beta', '< 1.5'], false],
  // test_satisfied_by_eh_multiple
  ['1.3', ['>= 1.4', '<= 1.6', '!= 1.5'], false],
  ['1.4', ['>= 1.4', '<= 1.6', '!= 1.5'], true],
  ['1.5', ['>= 1.4', '<= 1.6', '!= 1.5'], false],
  ['1.6', ['>= 1.4', '<= 1.6', '!= 1.5'], true],
  ['1.7', ['>= 1.4', '<= 1.6', '!= 1.5'], false],
  // test_bad
  ['1.2.3', '!= 1.2.3', false],
  ['1.2.003.0.0', '!= 1.02.3', false],
  ['4.5.6', '< 1.2.3', false],
  ['1.0', '> 1.1', false],
  ['1.1.1', '> 1.1.1', false],
  ['1.2', '= 1.1', false],
  ['1.40', '= 1.1', false],
  ['1.3', '= 1.40', false],
  ['9.3.3', '<= 9.3.2', false],
  ['9.3.1', '>= 9.3.2', false],
  ['9.3.03', '<= 9.3.2', false],
  ['1.0.0.1', '= 1.0', false],
]

describe('gem: rubygems test vectors', () => {
  it.each(SPACESHIP)('%s <=> %s is %i', (a, b, want) => {
    expect(cmp(a, b)).toBe(want)
    expect(cmp(b, a)).toBe(-want || 0)
  })

  it.each(SATISFIED)('%s satisfies %j: %s', (version, req, want) => {
    expect(sat(version, req)).toBe(want)
  })

  it('bump and release, as test_bump* and test_release have them (through ~>)', () => {
    // ~> r is >= r, < r.bump; so r.bump is the first version outside.
    for (const [bumped, r] of [
      ['5.3', '5.2.4'],
      ['5.3', '5.2.4.a'],
      ['5.3', '5.2.4.a10'],
      ['5.1', '5.0.0'],
      ['6', '5'],
    ] as const) {
      expect(sat(bumped, `~> ${r}`), r).toBe(false)
      expect(sat(r, `~> ${r}`), r).toBe(true)
      // A prerelease of the bump is outside too: ~> compares v.release (5.3.a → 5.3) with the bump.
      expect(sat(`${bumped}.a`, `~> ${r}`), r).toBe(false)
    }
    // test_release: 1.2.0.a's release is 1.2.0, so it is inside ~> 1.1 (< 2) though 1.2.0.a < 1.2.
    expect(sat('1.9.3.alpha.5', '~> 1.9')).toBe(true)
    expect(sat('1.1.rc10', '>= 1.1.rc10, < 1.1')).toBe(true)
  })

  it('rubysec spellings', () => {
    expect(sat('1.2.3.1', '~> 1.2.3, >= 1.2.3.1')).toBe(true)
    expect(sat('1.2.3', '~> 1.2.3, >= 1.2.3.1')).toBe(false)
    expect(sat('1.3.0', '~> 1.2.3, >= 1.2.3.1 || >= 1.3.1')).toBe(false)
    expect(sat('1.3.1', '~> 1.2.3, >= 1.2.3.1 || >= 1.3.1')).toBe(true)
    expect(sat('3.0.0.rc.1', '< 3.0.0-rc.1')).toBe(false)
    // Not gem syntax: left to the shared grammar.
    expect(sat('1.0', '*')).toBeUndefined()
    expect(sat('1.0', '>>> 1.3.5')).toBeUndefined()
    expect(sat('1.0', '> blah')).toBeUndefined()
    expect(sat('1.0', '== 1.0')).toBeUndefined()
  })

  it('formats canonical segments', () => {
    expect(scheme.format(v('1.0.0'))).toBe('1')
    expect(scheme.format(v('1.2.3-1'))).toBe('1.2.3.pre.1')
    expect(scheme.format(v('1.0.0.a.1.0'))).toBe('1.a.1')
    expect(scheme.format(v('0.a'))).toBe('0.a')
    expect(scheme.format(v('0.0'))).toBe('0')
    expect(scheme.format(v('1.2b1'))).toBe('1.2.b.1')
    expect(scheme.format(v('007'))).toBe('7')
  })
})

describe('gem: bad input', () => {
  it.each([
    '',
    '1.0:',
    'junk',
    '1.0\n2.0',
    '1..2',
    '1.2 3.4',
    ' 1.0',
    '1.0 ',
    '2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.',
    '1.0\u0000',
    '-1',
    'v1.0',
    '1'.repeat(10_000),
  ])('%#: a typed error', (input) => {
    const r = scheme.parse(input)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.kind).toBe('version-parse-error')
      expect(r.error.scheme).toBe('gem')
    }
  })
})

const hasRuby = spawnSync('ruby', ['-e', 'require "rubygems"'], { stdio: 'ignore' }).status === 0

const ORACLE = `
$stdout.sync = false
STDIN.each_line do |line|
  f = line.chomp.split("\\t", -1)
  begin
    case f[0]
    when "C" then puts(Gem::Version.new(f[1]) <=> Gem::Version.new(f[2]))
    when "R"
      v = Gem::Version.new(f[2])
      puts(f[1].split("||").any? { |alt| Gem::Requirement.new(*alt.split(",").map(&:strip)).satisfied_by?(v) })
    else puts "?"
    end
  rescue StandardError
    puts "ERR"
  end
end
`

function oracle(lines: string[]): string[] {
  const r = spawnSync('ruby', ['-e', ORACLE], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`ruby failed: ${r.stderr}`)
  const out = r.stdout.split('\n')
  out.pop()
  expect(out.length).toBe(lines.length)
  return out
}

// .ci/run installs the oracle; its absence is a failure, not a skip.
it('the oracle (ruby) is installed', () => expect(hasRuby).toBe(true))

describe('gem: oracle (Ruby Gem::Version, Gem::Requirement)', () => {
  it('agrees with Gem::Version#<=> on 100,000+ generated pairs, and with its canonical form', () => {
    const r = rng(4242)
    const xs = samples(r, 3000)
    const pairs: [string, string][] = []
    for (const a of xs.slice(0, 150)) for (const b of xs.slice(0, 150)) pairs.push([a, b])
    while (pairs.length < 110_000) {
      pairs.push([xs[Math.floor(r() * xs.length)] as string, xs[Math.floor(r() * xs.length)] as string])
    }
    const formatted = xs.map((s) => [s, scheme.format(v(s))] as [string, string])
    const lines = [...pairs.map(([a, b]) => `C\t${a}\t${b}`), ...formatted.map(([s, f]) => `C\t${s}\t${f}`)]
    const out = oracle(lines)
    const bad: string[] = []
    pairs.forEach(([a, b], i) => {
      const want = Number(out[i])
      const got = cmp(a, b)
      if (got !== want) bad.push(`${a} vs ${b}: ruby ${out[i]}, ours ${got}`)
    })
    formatted.forEach(([s, f], i) => {
      if (out[pairs.length + i] !== '0') bad.push(`ruby says ${s} != our canonical ${f}`)
    })
    expect(bad.slice(0, 20)).toEqual([])
  })

  it('agrees with Gem::Requirement#satisfied_by? on generated requirements', () => {
    const r = rng(99)
    const xs = samples(r, 500)
    const pick = () => xs[Math.floor(r() * xs.length)] as string
    const ops = ['~>', '~>', '~>', '>=', '>', '<', '<=', '=', '!=', '']
    const reqs: string[] = []
    for (let i = 0; i < 500; i++) {
      const one = () => {
        const op = ops[Math.floor(r() * ops.length)] as string
        return op ? `${op} ${pick()}` : pick()
      }
      const k = r()
      if (k < 0.5) reqs.push(one())
      else if (k < 0.85) reqs.push(`${one()}, ${one()}`)
      else reqs.push(`${one()}, ${one()} || ${one()}`)
    }
    const cases: [string, string][] = []
    for (const req of reqs) for (let j = 0; j < 40; j++) cases.push([req, pick()])
    const out = oracle(cases.map(([req, x]) => `R\t${req}\t${x}`))
    const bad: string[] = []
    cases.forEach(([req, x], i) => {
      const got = String(sat(x, req))
      if (got !== out[i]) bad.push(`${x} in ${req}: ruby ${out[i]}, ours ${got}`)
    })
    expect(bad.slice(0, 20)).toEqual([])
  })
})
