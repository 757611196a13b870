import { describe, expect, it } from 'vitest'
import { inRange, parseRange } from '../../src/version/range.js'
import { unknownScheme as scheme, type UnknownVersion } from '../../src/version/unknown.js'
import { rng } from '../helpers/rng.js'
import { samples } from './gen/unknown.js'

function v(s: string): UnknownVersion {
  const p = scheme.parse(s)
  if (!p.ok) throw new Error(`${s}: ${p.error.reason}`)
  return p.value
}

/** The shared grammar through the scheme, as the registry will do it (the unknown scheme has no own syntax). */
function satisfies(version: string, range: string): boolean {
  const p = scheme.parse(version)
  const r = parseRange(range, 'unknown')
  if (!p.ok || !r.ok) return false
  const m = inRange(scheme, p.value, r.value)
  return m.ok && m.value
}

describe('unknown: never claims a match it cannot prove', () => {
  it.each([
    ['1.5', '>= 1.0, < 2.0', true],
    ['1.0', '>= 1.0, < 2.0', true],
    ['2.0', '>= 1.0, < 2.0', false],
    ['1.10', '>= 1.9', true],
    ['1.0.1', '> 1.0', true],
    ['10.2.3', '>= 9.99', true],
    ['123456789012345678901234567890', '> 99999999999999999999', true],
    ['1.5-foo', '>= 1.0, < 2.0', false],
    ['abc', '>= 1.0, < 2.0', false],
    ['1.5-foo', '= 1.5-foo', true],
    ['abc', '= abc', true],
    ['abc', '!= 1.0', false],
    ['v1.5', '>= 1.0', false],
    ['1.0.0', '>= 1.0', false],
    ['1.0.0', '= 1.0', false],
    ['1.0.0', '< 1.0', false],
    ['1.05', '>= 1.1', false],
    ['1.05', '< 1.1', false],
    ['1.01', '= 1.1', false],
    ['1.0:', '>= 1.0', false],
    ['1.5', '>= 1.0, < 2.0 || = abc', true],
    ['abc', '>= 1.0, < 2.0 || = abc', true],
  ])('%s in %j: %s', (version, range, want) => {
    expect(satisfies(version, range)).toBe(want)
  })

  it('takes any printable string, and keeps it as its own canonical form', () => {
    for (const s of ['1.0:', 'abc', 'ß.1', '1.0 beta', '~!@#']) {
      const p = scheme.parse(s)
      expect(p.ok, s).toBe(true)
      if (p.ok) expect(scheme.format(p.value)).toBe(s)
    }
  })

  it('orders plain dotted numbers numerically, and every string totally', () => {
    expect(scheme.compare(v('1.10'), v('1.9'))).toBe(1)
    expect(scheme.compare(v('1.0'), v('1.0.0'))).toBe(-1)
    expect(scheme.compare(v('1.01'), v('1.1'))).not.toBe(0)
    const xs = samples(rng(3), 500).map(v)
    const sorted = [...xs].sort(scheme.compare)
    for (let i = 1; i < sorted.length; i++) {
      expect(scheme.compare(sorted[i - 1] as UnknownVersion, sorted[i] as UnknownVersion)).toBeLessThanOrEqual(0)
    }
    for (const a of xs) for (const b of xs) expect(scheme.compare(a, b) === 0).toBe(a.raw === b.raw)
  })
})

describe('unknown: comparable pairs are ordered transitively', () => {
  it('over generated samples', () => {
    const xs = samples(rng(77), 250).map(v)
    const ok = (a: UnknownVersion, b: UnknownVersion) => scheme.comparable?.(a, b) === true
    for (const a of xs)
      for (const b of xs) {
        if (!ok(a, b) || scheme.compare(a, b) > 0) continue
        for (const c of xs) {
          if (ok(b, c) && ok(a, c) && scheme.compare(b, c) <= 0 && scheme.compare(a, c) > 0)
            expect.fail(`${a.raw} <= ${b.raw} <= ${c.raw} but not ${a.raw} <= ${c.raw}`)
        }
      }
  })
})

describe('unknown: bad input', () => {
  it.each(['', '1.0\u0000', '1.0\n2.0', '\u007f', '1'.repeat(10_000)])('%#: a typed error', (input) => {
    const r = scheme.parse(input)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.kind).toBe('version-parse-error')
      expect(r.error.scheme).toBe('unknown')
    }
    expect(satisfies(input, '>= 0')).toBe(false)
  })
})
