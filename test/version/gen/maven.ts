/** Varied Maven versions for the shared law suite and the oracle test: releases, qualifiers, MNG edge cases. */

const QUALIFIERS = [
  'alpha',
  'beta',
  'milestone',
  'rc',
  'cr',
  'snapshot',
  'SNAPSHOT',
  'ga',
  'final',
  'Final',
  'release',
  'RELEASE',
  'sp',
  'a',
  'b',
  'm',
  'M',
  'RC',
  'foo',
  'jre',
  'android',
  'v',
  'x',
  'pom',
  'redhat',
  'GA',
]

const FIXED = [
  '1',
  '1.0',
  '1.0.0',
  '1-0',
  '1.0-0',
  '0',
  '00',
  '1a',
  '1.0a',
  '1-a',
  '1.0.0-a',
  '1a1',
  '1-alpha-1',
  '1-0.alpha',
  '1-0.beta',
  '6.1.0rc3',
  '6.1H.5-beta',
  '20190126.230843',
  '1234567890.12345',
  '123456789012345.1H.5-beta',
  '12345678901234567890.1H.5-beta',
  '1.0000000000.1',
  '1.0000000000000000000.1',
  '1.0.0.RC1',
  '1.0.0-RC2',
  '2.0.a',
  '2.0.0.a',
  '2-1',
  '1.ga.1',
  '1.x.0',
  '1-1-snapshot',
  '1.0-SNAPSHOT',
  '1.2.3.Final',
  '9.4.31.v20200723',
  '1.2.1.2-jre17',
  '2.0-beta9',
  '3.11.1.Final',
  '1.0_01',
  '1.0+build.5',
  '1.final-redhat',
  '1.0-sp1-redhat',
  '1.0-sp-1-redhat',
]

export function samples(rng: () => number, n: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T
  const num = (): string => {
    const r = rng()
    if (r < 0.5) return String(Math.floor(rng() * 4))
    if (r < 0.8) return String(Math.floor(rng() * 30))
    if (r < 0.88) return `0${Math.floor(rng() * 10)}`
    if (r < 0.94) return String(Math.floor(rng() * 1e12))
    return `${Math.floor(rng() * 1e9)}${Math.floor(rng() * 1e9)}${Math.floor(rng() * 1e9)}`
  }
  const out: string[] = []
  for (const f of FIXED) if (out.length < n / 4) out.push(f)
  while (out.length < n) {
    let s = num()
    const parts = Math.floor(rng() * 5)
    for (let i = 0; i < parts; i++) {
      const r = rng()
      const sep = r < 0.55 ? '.' : r < 0.9 ? '-' : ''
      const q = rng()
      let tok: string
      if (q < 0.55) tok = num()
      else if (q < 0.85) tok = pick(QUALIFIERS)
      else tok = `${pick(QUALIFIERS)}${num()}`
      // Without a separator, a qualifier may follow a number and a number may follow a qualifier.
      const prevDigit = /[0-9]$/.test(s)
      if (sep === '' && prevDigit === /^[0-9]/.test(tok)) s += `.${tok}`
      else s += sep + tok
    }
    out.push(s)
  }
  return out.slice(0, n)
}
