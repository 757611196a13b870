/**
 * Versions of an unknown ecosystem for the shared law suite: mostly plain dotted numbers (the only ones ranges can
 * prove anything about), plus suffixed, lettered and odd strings that must stay incomparable. No whitespace, commas,
 * `|` or leading operators, which the range grammar itself would read.
 */

const ODD = ['1.0:', 'abc', '1.5-foo', 'v1.2', '2024-01-02', 'r1234', '1.0~rc1', '1_2', 'latest', '1.0.0+git', 'ß.1']

export function samples(rng: () => number, n: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T
  const num = (): string => {
    const r = rng()
    if (r < 0.7) return String(Math.floor(rng() * 6))
    if (r < 0.95) return String(Math.floor(rng() * 100))
    return String(Math.floor(rng() * 1e15))
  }
  const out: string[] = ['1', '1.0', '1.0.0', '1.5', '2.0', '1.01', '01']
  while (out.length < n) {
    const r = rng()
    const dotted = Array.from({ length: 1 + Math.floor(rng() * 4) }, num).join('.')
    if (r < 0.75) out.push(dotted)
    else if (r < 0.9)
      out.push(`${dotted}${pick(['-', '.', '+', '~', '_', ''])}${pick(['foo', 'rc1', 'a', 'beta', 'x86'])}`)
    else out.push(pick(ODD))
  }
  return out.slice(0, n)
}
