/** Varied Composer versions for the shared law suite and the PHP oracle: classical, dates, stabilities, branches. */

const FIXED = [
  '1.0.0',
  '1.2.3.4',
  '1.0.0RC1dev',
  '1.0.0-rC15-dev',
  '1.0.0.RC.15-dev',
  '1.0.0-rc1',
  '1.0.0.pl3-dev',
  '1.0-dev',
  '0',
  '10.4.13-beta',
  '10.4.13beta2',
  '10.4.13beta.2',
  'v1.13.11-beta.0',
  '10.4.13-b',
  '10.4.13-b5',
  'v1.0.0',
  '2010.01',
  '2010.01.02',
  '2010.1.555',
  '20230131.0.0',
  'v20100102',
  '20100102',
  '20100102.0.3',
  '2010-01-02-10-20-30.0.3',
  '2010-01-02',
  '2010-01-02.5',
  '20100102-203040',
  '20100102.x-dev',
  '20100102203040-10',
  '20100102-203040-p1',
  '201903.0-p2',
  'dev-master',
  'master',
  'dev-feature-foo',
  'DEV-FOOBAR',
  'dev-feature/foo',
  '1.x-dev',
  '2.1.*-dev',
  '1.0.0-beta.5+foo',
  '1.0.0-alpha-2.1-3+foo',
  '00.01.03.04',
  '0700',
  '041.x-dev',
  '1.0@dev',
  '1.25.0-beta2.1',
  '1.25.0-b.3',
  '1.25.0-b-2.1',
  '1.25.0-rc',
  '1.0-stable',
  '1.0.0-patch1',
  '1.0.0-p',
  '1.99999999999999999999.0',
]

const WORDS = ['alpha', 'a', 'beta', 'b', 'RC', 'rc', 'patch', 'pl', 'p', 'ALPHA', 'Beta', 'stable']
const SEPS = ['', '-', '.', '_']

export function samples(rng: () => number, n: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T
  const num = (): string => {
    const r = rng()
    if (r < 0.6) return String(Math.floor(rng() * 4))
    if (r < 0.9) return String(Math.floor(rng() * 25))
    if (r < 0.95) return `0${Math.floor(rng() * 10)}`
    return String(Math.floor(rng() * 1e6))
  }
  const out = FIXED.slice(0, Math.floor(n / 4))
  while (out.length < n) {
    const r = rng()
    let s: string
    if (r < 0.75) {
      s = `${rng() < 0.1 ? 'v' : ''}${String(Math.floor(rng() * 30))}`
      const parts = Math.floor(rng() * 4)
      for (let i = 0; i < parts; i++) s += `.${num()}`
      if (rng() < 0.45) {
        s += `${pick(SEPS)}${pick(WORDS)}`
        if (rng() < 0.6) {
          s += `${rng() < 0.3 ? pick(['.', '-']) : ''}${num()}`
          if (rng() < 0.2) s += `.${num()}`
        }
      }
      if (rng() < 0.15) s += pick(['-dev', '.dev', 'dev'])
      if (rng() < 0.05) s += '+build.1'
    } else if (r < 0.88) {
      const y = 1990 + Math.floor(rng() * 40)
      const two = () => String(Math.floor(rng() * 100)).padStart(2, '0')
      const sep = pick(['', '-', '.', ':'])
      s = `${y}${sep}${two()}`
      const more = Math.floor(rng() * 3)
      for (let i = 0; i < more; i++) s += `${pick(['', '-', '.'])}${two()}`
      if (rng() < 0.3) s += `.${Math.floor(rng() * 100)}`
      if (rng() < 0.2) s += `-${pick(['beta', 'p', 'RC'])}${Math.floor(rng() * 5)}`
    } else if (r < 0.95) {
      s = `${num()}${rng() < 0.5 ? `.${num()}` : ''}.${pick(['x', 'X', '*'])}-dev`
    } else {
      s = `dev-${pick(['master', 'main', 'feature/a', 'fix-1', '1.0', 'x'])}`
    }
    out.push(s)
  }
  return out.slice(0, n)
}
