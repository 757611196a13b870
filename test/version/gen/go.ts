/** Valid, varied Go versions (module versions and toolchain versions) for the shared law suite. */
import { num, preId } from './semver.js'

type Rng = () => number

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T

function hex(rng: Rng, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rng() * 16)]
  return s
}

function stamp(rng: Rng): string {
  const two = (n: number) => String(n).padStart(2, '0')
  const y = 2015 + Math.floor(rng() * 11)
  return `${y}${two(1 + Math.floor(rng() * 12))}${two(1 + Math.floor(rng() * 28))}${two(Math.floor(rng() * 24))}${two(Math.floor(rng() * 60))}${two(Math.floor(rng() * 60))}`
}

/** The three pseudo-version forms of golang.org/x/mod/module/pseudo.go. */
function pseudo(rng: Rng): string {
  const r = rng()
  const v = `${Math.floor(rng() * 3)}.${Math.floor(rng() * 5)}`
  if (r < 0.4) return `v${Math.floor(rng() * 3)}.0.0-${stamp(rng)}-${hex(rng, 12)}`
  if (r < 0.7) return `v${v}.${1 + Math.floor(rng() * 4)}-0.${stamp(rng)}-${hex(rng, 12)}`
  return `v${v}.${Math.floor(rng() * 4)}-${pick(rng, ['rc', 'beta.1', 'pre'])}.0.${stamp(rng)}-${hex(rng, 12)}`
}

function moduleVersion(rng: Rng): string {
  const r = rng()
  if (r < 0.2) return pseudo(rng)
  if (r < 0.25) return `v${num(rng)}`
  if (r < 0.3) return `v${num(rng)}.${num(rng)}`
  let s = `v${num(rng)}.${num(rng)}.${num(rng)}`
  if (rng() < 0.35) s += `-${Array.from({ length: 1 + Math.floor(rng() * 3) }, () => preId(rng)).join('.')}`
  const b = rng()
  if (b < 0.1) s += '+incompatible'
  else if (b < 0.15) s += `+meta.${hex(rng, 4)}`
  // OSV writes module versions without the `v`.
  return rng() < 0.2 ? s.slice(1) : s
}

function toolchainVersion(rng: Rng): string {
  const minor = pick(rng, ['0', '9', '19', '20', '21', '22', '23', String(Math.floor(rng() * 40))])
  const r = rng()
  let s: string
  if (r < 0.1) s = 'go1'
  else if (r < 0.3) s = `go1.${minor}`
  else if (r < 0.5) s = `go1.${minor}${pick(rng, ['rc', 'beta', 'alpha'])}${1 + Math.floor(rng() * 3)}`
  else if (r < 0.55) s = `go1.${minor}.${Math.floor(rng() * 3)}${pick(rng, ['rc1', 'rc2', 'beta1'])}`
  else s = `go1.${minor}.${Math.floor(rng() * 12)}`
  return rng() < 0.05 ? `${s}-bigcorp` : s
}

const EDGES = [
  'v0.0.0-20191109021931-daa7c04131f5',
  'v1.2.4-0.20191109021931-daa7c04131f5',
  'v2.0.0+incompatible',
  '1.21.0-0',
  '1.21.0-rc.4',
  'go1.21',
  'go1.21rc1',
  'go1.21.0',
  'go1.21.0rc1',
  'go1.20',
  'go1.9.2rc2',
  'go1.99999999999999998',
  'v1',
  'v1.2',
]

export function samples(rng: Rng, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const r = rng()
    if (r < 0.1) out.push(pick(rng, EDGES))
    else if (r < 0.4) out.push(toolchainVersion(rng))
    else out.push(moduleVersion(rng))
  }
  return out
}
