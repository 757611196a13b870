/** Valid, varied SemVer 2.0.0 strings (as node-semver's `semver.valid` accepts them) for the shared law suite. */
import semver from 'semver'

type Rng = () => number

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T

/** A number without leading zeros: mostly small (so versions collide and tie), sometimes long. */
export function num(rng: Rng, max = 2 ** 53 - 1): string {
  const r = rng()
  if (r < 0.55) return String(Math.floor(rng() * 4))
  if (r < 0.85) return String(Math.floor(rng() * 30))
  if (r < 0.95) return String(Math.floor(rng() * 100000))
  return String(Math.min(max, Math.floor(rng() * max)))
}

const ALNUM = 'abcxyzABZ-'
const CHARS = '0123456789abzAZ-'

/** One prerelease identifier: numeric (no leading zero) or alphanumeric (may start with digits, may be `-`). */
export function preId(rng: Rng): string {
  const r = rng()
  if (r < 0.35) return num(rng)
  if (r < 0.6) return pick(rng, ['alpha', 'beta', 'rc', 'pre', 'dev', 'SNAPSHOT', 'x-y', '-', '--', '0a', '00a', '1-'])
  let s = pick(rng, [...ALNUM])
  const len = Math.floor(rng() * 6)
  for (let i = 0; i < len; i++) s += pick(rng, [...CHARS])
  return rng() < 0.2 ? `${num(rng)}${s}` : s
}

export function buildId(rng: Rng): string {
  let s = ''
  const len = 1 + Math.floor(rng() * 6)
  for (let i = 0; i < len; i++) s += pick(rng, [...'0123456789abcdefXYZ-'])
  return s
}

/** MAJOR.MINOR.PATCH[-pre][+build] without any prefix. */
export function plain(rng: Rng): string {
  let s = `${num(rng)}.${num(rng)}.${num(rng)}`
  if (rng() < 0.45) {
    const n = 1 + Math.floor(rng() * 3)
    s += `-${Array.from({ length: n }, () => preId(rng)).join('.')}`
  }
  if (rng() < 0.15) {
    const n = 1 + Math.floor(rng() * 2)
    s += `+${Array.from({ length: n }, () => buildId(rng)).join('.')}`
  }
  return s
}

const EDGES = [
  '0.0.0',
  '0.0.0-0',
  '1.0.0-0.0',
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
  '1.0.0+20130313144700',
  '1.0.0-beta+exp.sha.5114f85',
  '1.0.0+21AF26D3----117B344092BD',
  'v1.2.3',
  '9007199254740991.9007199254740991.9007199254740991',
  '1.2.3-9007199254740991',
  '1.2.3-99999999999999999999',
  '1.2.3----RC-SNAPSHOT.12.9.1--.12+788',
  '2.0.0-rc.1+build.123',
]

export function samples(rng: Rng, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const r = rng()
    if (r < 0.15) out.push(pick(rng, EDGES))
    else if (r < 0.2) out.push(`v${plain(rng)}`)
    else out.push(plain(rng))
  }
  return out
}

// Helpers for the oracle tests of semver and npm.

/** Two numeric identifiers at one position that differ but that node-semver reads as one double. */
export function roundingCollision(a: string, b: string): boolean {
  const pa = semver.parse(a)?.prerelease ?? []
  const pb = semver.parse(b)?.prerelease ?? []
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = String(pa[i])
    const y = String(pb[i])
    if (x === y) continue
    return /^[0-9]+$/.test(x) && /^[0-9]+$/.test(y) && Number(x) === Number(y)
  }
  return false
}

/** A version near `s`: one number moved by one, a prerelease identifier added, dropped or changed, a build added. */
export function neighbour(r: () => number, s: string): string {
  const v = semver.parse(s)
  if (!v) return s
  const nums = [String(v.major), String(v.minor), String(v.patch)]
  const pre = v.prerelease.map(String)
  const build = [...v.build]
  const bump = (x: string) => {
    const n = BigInt(x) + (r() < 0.5 && x !== '0' ? -1n : 1n)
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? x : String(n)
  }
  const k = Math.floor(r() * 7)
  if (k <= 2) nums[k] = bump(nums[k] as string)
  else if (k === 3)
    pre.push(
      r() < 0.5 ? String(Math.floor(r() * 3)) : (['alpha', 'beta', 'a', 'A', '-'][Math.floor(r() * 5)] as string),
    )
  else if (k === 4 && pre.length) pre.pop()
  else if (k === 5 && pre.length) {
    const i = Math.floor(r() * pre.length)
    const id = pre[i] as string
    pre[i] = /^[0-9]+$/.test(id) ? bump(id) : `${id}${r() < 0.5 ? '0' : 'a'}`
  } else build.push('b1')
  return `${nums.join('.')}${pre.length ? `-${pre.join('.')}` : ''}${build.length ? `+${build.join('.')}` : ''}`
}

/** Random edits (insert, delete, replace) from characters that matter to a version parser. */
export function mutate(r: () => number, s: string): string {
  const alphabet = [...'0123456789.-+vV=aZx*^~<> _', '\u00a0', '\ufeff']
  let out = s
  const edits = 1 + Math.floor(r() * 3)
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(r() * (out.length + 1))
    const c = alphabet[Math.floor(r() * alphabet.length)] as string
    const k = r()
    out =
      k < 0.4
        ? out.slice(0, i) + c + out.slice(i)
        : k < 0.7
          ? out.slice(0, i) + out.slice(i + 1)
          : out.slice(0, i) + c + out.slice(i + 1)
  }
  return out
}
