/** Varied NuGet versions for the shared law suite: 1–4 numbers, leading zeros, labels of any case, metadata. */

const FIXED = [
  '1',
  '1.0',
  '1.0.0',
  '1.0.0.0',
  '1.0.0.1',
  '01.42.0',
  '1.022',
  '1.3.42.10133',
  '1.0.0-BETA',
  '1.0.0-beta',
  '1.0.0-beta2',
  '1.0.0-beta.1',
  '1.0.0-BETA+AA',
  '1.0.0-beta.x.y.5.77.0+aa',
  '1.0.0-beta.x.y.5.790.0+abc',
  '3.4.0.3-RC-3',
  '1.3.2-CTP-2-Refresh-Alpha',
  '1.2.3-X.yZ.3.234.243.3242342+METADATA',
  '1.2.3-0',
  '1.2.3+0',
  '1.0.0-alpha.-5',
  '1.0.0-alpha.-05',
  '1.0.0-99999999999',
  '1.0.0-a.2147483647',
  '1.0.0-a.2147483648',
  '2147483647.2147483647.2147483647.2147483647',
  '1.0-1.1+B.B',
  '1.0.0009.01-1.1+A',
]

const WORDS = ['alpha', 'Alpha', 'ALPHA', 'beta', 'rc', 'RC', 'preview', 'a', 'b', 'x-y', '-', 'Z9', '0A', 'ctp']

export function samples(rng: () => number, n: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T
  const num = (): string => {
    const r = rng()
    if (r < 0.6) return String(Math.floor(rng() * 4))
    if (r < 0.9) return String(Math.floor(rng() * 30))
    if (r < 0.95) return `0${Math.floor(rng() * 10)}`
    return String(Math.floor(rng() * 2147483647))
  }
  const label = (): string => {
    const r = rng()
    if (r < 0.5) return pick(WORDS)
    if (r < 0.8) return String(Math.floor(rng() * 12))
    if (r < 0.9) return `${pick(WORDS)}${Math.floor(rng() * 10)}`
    return `-${Math.floor(rng() * 5)}`
  }
  const out = FIXED.slice(0, Math.floor(n / 4))
  while (out.length < n) {
    const parts = 1 + Math.floor(rng() * 4)
    let s = Array.from({ length: parts }, num).join('.')
    if (rng() < 0.5) s += `-${Array.from({ length: 1 + Math.floor(rng() * 3) }, label).join('.')}`
    if (rng() < 0.15) s += `+${pick(WORDS)}.${num()}`
    out.push(s)
  }
  return out.slice(0, n)
}
