/** Valid, varied PEP 440 versions, in canonical and in the many spellings packaging normalises. */

type Rng = () => number

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T

export function num(rng: Rng): string {
  const r = rng()
  if (r < 0.6) return String(Math.floor(rng() * 4))
  if (r < 0.9) return String(Math.floor(rng() * 30))
  if (r < 0.97) return String(Math.floor(rng() * 100000))
  return `${Math.floor(rng() * 1e9)}${Math.floor(rng() * 1e9)}${Math.floor(rng() * 1e9)}`
}

const sep = (rng: Rng) => pick(rng, ['', '', '.', '-', '_'])
/** A number, sometimes written with leading zeros (packaging normalises them away). */
const n = (rng: Rng) => (rng() < 0.1 ? `0${num(rng)}` : num(rng))

export interface Pep440GenOptions {
  /** Only the spellings the non-normalising oracle can also read (no surrounding whitespace). */
  noWhitespace?: boolean
  /** Local parts that @renovatebot/pep440 reads as Python does (it takes `1e5`, `0x1` as numbers). */
  safeLocal?: boolean
}

function localPart(rng: Rng, safe: boolean): string {
  const r = rng()
  if (r < 0.4) return n(rng)
  if (r < 0.8) return pick(rng, ['ubuntu', 'abc', 'deadbeef', 'cpu', 'cu118', 'AbC', 'a', 'z', 'local'])
  if (safe) return `${num(rng)}${pick(rng, ['a', 'abc', 'z9', 'dev'])}`
  return `${num(rng)}${pick(rng, ['a', 'e5', 'x1', 'abc', 'z9'])}`
}

export function version(rng: Rng, opts: Pep440GenOptions = {}): string {
  let s = rng() < 0.05 ? pick(rng, ['v', 'V']) : ''
  if (rng() < 0.1) s += `${n(rng)}!`
  const parts = 1 + Math.floor(rng() * 4)
  s += Array.from({ length: parts }, () => n(rng)).join('.')
  if (rng() < 0.3) {
    const label = pick(rng, ['a', 'b', 'rc', 'c', 'alpha', 'beta', 'pre', 'preview', 'A', 'RC', 'Beta'])
    s += `${sep(rng)}${label}${rng() < 0.8 ? sep(rng) + n(rng) : ''}`
  }
  if (rng() < 0.2) {
    if (rng() < 0.3) s += `-${n(rng)}`
    else s += `${sep(rng)}${pick(rng, ['post', 'rev', 'r', 'POST'])}${rng() < 0.8 ? sep(rng) + n(rng) : ''}`
  }
  if (rng() < 0.2) s += `${sep(rng)}${pick(rng, ['dev', 'DEV'])}${rng() < 0.8 ? sep(rng) + n(rng) : ''}`
  if (rng() < 0.15) {
    const k = 1 + Math.floor(rng() * 3)
    s += `+${Array.from({ length: k }, () => localPart(rng, !!opts.safeLocal)).join(pick(rng, ['.', '-', '_']))}`
  }
  if (!opts.noWhitespace && rng() < 0.03) s = ` ${s}\u00a0`
  return s
}

const EDGES = [
  '1.0.dev0',
  '1.0a0.post0.dev0',
  '1.0b2-346',
  '1.0c1',
  '1.0',
  '1.0.0',
  '1.0.post0.dev0',
  '1.2+1.abc',
  '1.2.rev33+123456',
  '1!1.0',
  '00!1.2',
  '1.0+01',
  'v1.0',
  '1.01',
]

export function samples(rng: Rng, count: number): string[] {
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(rng() < 0.1 ? pick(rng, EDGES) : version(rng))
  return out
}
