import { describe, expect, it } from 'vitest'
import { type NuGetVersion, nugetScheme as scheme } from '../../src/version/nuget.js'
import { rng } from '../helpers/rng.js'
import { samples } from './gen/nuget.js'

function v(s: string): NuGetVersion {
  const p = scheme.parse(s)
  if (!p.ok) throw new Error(`${s}: ${p.error.reason}`)
  return p.value
}
const cmp = (a: string, b: string) => scheme.compare(v(a), v(b))

/*
 * NuGet/NuGet.Client test/NuGet.Core.Tests/NuGet.Versioning.Test/VersionComparerTests.cs at commit
 * 70cb6afb6e901b01f678036ec77492a835b97ae0 (VersionComparisonDefaultEqual, VersionComparisonDefaultLess) and
 * NuGetVersionTest.cs at commit 094d55dc186243fdea5aabd17558b5d43455d192 (SemVerLessThanAndGreaterThanOperatorsWorks,
 * SemVerEqualsOperatorWorks, StringConstructorParsesValuesCorrectly, ParseReadsLegacyStyleVersionNumbers,
 * ToStringReturnsNormalizedForSemVer2, ParseThrowsIfStringIsNotAValidSemVer).
 */
const EQUAL: [string, string][] = [
  ['1.0.0', '1.0.0'],
  ['1.0.0-BETA', '1.0.0-beta'],
  ['1.0.0-BETA+AA', '1.0.0-beta+aa'],
  ['1.0.0-BETA.X.y.5.77.0+AA', '1.0.0-beta.x.y.5.77.0+aa'],
  ['1.0', '1.0.0.0'],
  ['1.23.01', '1.23.1'],
  ['1.45.6', '1.45.6.0'],
  ['1.45.6-Alpha', '1.45.6-Alpha'],
  ['1.6.2-BeTa', '1.6.02-beta'],
  ['22.3.07', '22.3.07'],
  ['1.022', '1.22.0.0'],
  ['23.2.3', '23.2.3.0'],
  ['1.3.42.10133', '1.3.42.10133'],
  ['1.0.0+AA', '1.0.0+BB'],
]

const LESS: [string, string][] = [
  ['0.0.0', '1.0.0'],
  ['1.0.0', '1.1.0'],
  ['1.0.0', '1.0.1'],
  ['1.999.9999', '2.1.1'],
  ['1.0.0-BETA', '1.0.0-beta2'],
  ['1.0.0-beta+AA', '1.0.0+aa'],
  ['1.0.0-BETA', '1.0.0-beta.1+AA'],
  ['1.0.0-BETA.X.y.5.77.0+AA', '1.0.0-beta.x.y.5.79.0+aa'],
  ['1.0.0-BETA.X.y.5.79.0+AA', '1.0.0-beta.x.y.5.790.0+abc'],
  ['1.0', '1.0.1'],
  ['1.23', '1.231'],
  ['1.4.5.6', '1.45.6'],
  ['1.4.5.6', '1.4.5.60'],
  ['1.01', '1.10'],
  ['1.01-alpha', '1.10-beta'],
  ['1.01.0-RC-1', '1.10.0-rc-2'],
  ['1.01-RC-1', '1.01'],
  ['1.01', '1.2-preview'],
  // VersionComparer.cs CompareRelease / CompareLegacyVersion, read from the source:
  ['1.0.0', '1.0.0.1'], // a fourth number above zero is above the three-part version
  ['1.0.0-1', '1.0.0-a'], // numeric labels before words
  ['1.0.0-a.-5', '1.0.0-a.0'], // int.TryParse reads "-5" as a number
  ['1.0.0-a.2147483647', '1.0.0-a.2147483648'], // past Int32 a label is a word, and words follow numbers
  ['1.0.0-10', '1.0.0-99999999999'],
  ['1.0.0-alpha', '1.0.0-alpha.1'], // the shorter label list first
]

const NORMALIZED: [string, string][] = [
  ['1.0+A', '1.0.0'],
  ['1.0-1.1', '1.0.0-1.1'],
  ['1.0-1.1+B.B', '1.0.0-1.1'],
  ['1.0.0009.01-1.1+A', '1.0.9.1-1.1'],
  ['2.3-alpha', '2.3.0-alpha'],
  ['3.4.0.3-RC-3', '3.4.0.3-RC-3'],
  ['1.0.0.0', '1.0.0'],
  ['01.42.0-alpha+metadata', '1.42.0-alpha'],
]

describe('nuget: NuGet.Versioning test vectors', () => {
  it.each(EQUAL)('%s == %s', (a, b) => {
    expect(cmp(a, b)).toBe(0)
    expect(cmp(b, a)).toBe(0)
  })

  it.each(LESS)('%s < %s', (a, b) => {
    expect(cmp(a, b)).toBe(-1)
    expect(cmp(b, a)).toBe(1)
  })

  it('compares words by OrdinalIgnoreCase, so a shorter prefix is smaller and "-" sorts before letters', () => {
    expect(cmp('1.0.0-X', '1.0.0-x-y')).toBe(-1)
    expect(cmp('1.0.0-a-b', '1.0.0-aa')).toBe(-1)
    expect(cmp('1.0.0-Z', '1.0.0-a')).toBe(1) // "Z" > "A" once both are upper-cased
  })

  it.each(NORMALIZED)('%s normalizes to %s', (input, want) => {
    expect(scheme.format(v(input))).toBe(want)
  })

  it('parses the parts StringConstructorParsesValuesCorrectly names', () => {
    expect(v('3.4.0.3-RC-3')).toEqual({ numbers: [3, 4, 0, 3], labels: ['RC-3'], metadata: '' })
    expect(v('1.0.0-beta.x.y.5.79.0+AA')).toEqual({
      numbers: [1, 0, 0, 0],
      labels: ['beta', 'x', 'y', '5', '79', '0'],
      metadata: 'AA',
    })
    expect(v('1.3.2-CTP-2-Refresh-Alpha').labels).toEqual(['CTP-2-Refresh-Alpha'])
    expect(v('1').numbers).toEqual([1, 0, 0, 0])
  })
})

describe('nuget: bad input', () => {
  it.each([
    // ParseThrowsIfStringIsNotAValidSemVer
    '1beta',
    '$version$',
    '1.2Av^c',
    '1.2..',
    '1.2.3.4.5',
    '1.2.3.Beta',
    '1.2.3.4This version is full of awesomeness!!',
    'So.is.this',
    '1.34.2Alpha',
    '1.34.2Release Candidate',
    '1.4.7-',
    '1.4.7-*',
    '1.4.7+*',
    '1.4.7-AA.01^',
    '1.4.7-AA.0A^',
    '1.4.7-A^A',
    '1.4.7+AA.01^',
    // and the usual
    '',
    '1.0:',
    '1..2',
    '1.',
    '1.0-01',
    '1.0-a..b',
    '1.0+',
    '2147483648.0',
    '  1.022-Beta',
    '1.0\u0000',
    '1'.repeat(10_000),
  ])('%#: a typed error', (input) => {
    const r = scheme.parse(input)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.kind).toBe('version-parse-error')
      expect(r.error.scheme).toBe('nuget')
    }
  })
})

describe('nuget: generated samples', () => {
  const xs = samples(rng(11), 2000)

  it('ignore label case, build metadata and a zero fourth number, as VersionComparer.Default does', () => {
    for (const s of xs) {
      const p = v(s)
      const swapped = s.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))
      expect(scheme.compare(v(swapped), p), swapped).toBe(0)
      expect(scheme.compare(v(`${scheme.format(p)}+build.7`), p), s).toBe(0)
      const [a, b, c, d] = p.numbers
      if (d === 0) {
        const labels = p.labels.length > 0 ? `-${p.labels.join('.')}` : ''
        expect(scheme.compare(v(`${a}.${b}.${c}.0${labels}`), p), s).toBe(0)
        if (c === 0) expect(scheme.compare(v(`${a}.${b}${labels}`), p), s).toBe(0)
      }
    }
  })

  it('put every prerelease below its release', () => {
    for (const s of xs) {
      const p = v(s)
      if (p.labels.length === 0) continue
      expect(scheme.compare(p, { ...p, labels: [] }), s).toBe(-1)
    }
  })
})
