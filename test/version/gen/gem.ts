/** Varied RubyGems versions for the shared law suite and the oracle test. */

const FIXED = [
  '0',
  '1',
  '1.0',
  '1.0.0',
  '1.0.a',
  '1.0.A',
  '1.a',
  '0.a',
  '0.0.a',
  '1.2.b1',
  '1.2.b.1',
  '1.8.2.a10',
  '1.8.2.a9',
  '0.beta.1',
  '0.0.beta.1',
  '5.a',
  '5.x',
  '5.0.0.rc2',
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-beta.11',
  '1.0.0-rc1',
  '1.0.0-1',
  '1.2.3-1',
  '1.0.0.a.1.0',
  '1.freeze.test',
  '3.0.0-rc.1',
  '2.0.0.beta1',
  '6.1.0.rc2',
  '1.3.0.pre.8',
  '1.11.0.rc4',
  '007',
  '1.02.3',
  '1.0--',
  '1.0-a-b',
  '2.3422222.222.222222222.22222',
  '123456789012345678901234567890',
]

const WORDS = ['a', 'b', 'pre', 'rc', 'beta', 'alpha', 'dev', 'A', 'RC', 'z', 'Beta']

export function samples(rng: () => number, n: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T
  const num = (): string => {
    const r = rng()
    if (r < 0.6) return String(Math.floor(rng() * 4))
    if (r < 0.9) return String(Math.floor(rng() * 25))
    if (r < 0.95) return `0${Math.floor(rng() * 10)}`
    return String(Math.floor(rng() * 1e15))
  }
  const out = FIXED.slice(0, Math.floor(n / 4))
  while (out.length < n) {
    let s = num()
    const k = Math.floor(rng() * 5)
    for (let i = 0; i < k; i++) {
      const r = rng()
      if (r < 0.6) s += `.${num()}`
      else if (r < 0.8) s += `.${pick(WORDS)}`
      else if (r < 0.9) s += `.${pick(WORDS)}${num()}`
      else s += `${num()}`
    }
    if (rng() < 0.15) {
      s += `-${rng() < 0.5 ? pick(WORDS) : num()}`
      if (rng() < 0.5) s += `.${rng() < 0.5 ? pick(WORDS) : num()}`
    }
    out.push(s)
  }
  return out.slice(0, n)
}
