import { describe, expect, it } from 'vitest'
import { compareVersions, formatRange, InvalidVersionError, parseRange, satisfies } from '../../src/version/index.js'

describe('the shared range grammar', () => {
  it.each([
    ['>= 1.0, < 2.0 || >= 3.0, < 3.2', '>= 1.0, < 2.0 || >= 3.0, < 3.2'],
    ['>=1.0,<2.0', '>= 1.0, < 2.0'],
    ['1.0', '= 1.0'],
    ['== 1.0', '= 1.0'],
    ['*', '*'],
    ['!= 1.5 || = 2', '!= 1.5 || = 2'],
  ])('%s', (input, formatted) => {
    const r = parseRange(input)
    if (!r.ok) expect.fail(r.error.reason)
    expect(formatRange(r.value)).toBe(formatted)
    const again = parseRange(formatted)
    expect(again.ok && again.value).toEqual(r.value)
  })

  it.each([
    ['', 'empty range'],
    ['   ', 'empty range'],
    ['>= 1.0 ||', 'empty alternative'],
    ['>= 1.0,, < 2', 'empty constraint'],
    ['>= 1.0 2.0', 'bad constraint'],
    ['>=', 'bad constraint'],
    ['>= 1.0\u0000', 'control characters'],
    [`>= ${'1'.repeat(70_000)}`, 'longer than'],
  ])('refuses %j', (input, reason) => {
    const r = parseRange(input)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.reason).toContain(reason)
  })

  it('satisfies and compareVersions, as node-semver names them', () => {
    expect(satisfies('deb', '1:2.36-9+deb12u4', '>= 1:2.36-9, < 1:2.36-9+deb12u5')).toBe(true)
    expect(satisfies('deb', '2.36-9', '>= 1:2.36-9')).toBe(false)
    expect(satisfies('npm', '1.2.3', '^1.0.0')).toBe(true)
    expect(satisfies('npm', '2.0.0', '^1.0.0 || >=3')).toBe(false)
    expect(satisfies('npm', 'not-a-version', '*')).toBe(false)
    expect(compareVersions('rpm', '1:1.0-1', '2.0-1')).toBe(1)
    expect(compareVersions('pep440', '1.0rc1', '1.0')).toBe(-1)
    expect(() => compareVersions('semver', '1.0', '1.0.0')).toThrow(InvalidVersionError)
  })
})
