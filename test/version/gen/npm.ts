/** Valid, varied npm versions (what `semver.clean` accepts) for the shared law suite. */
import { plain, samples as semverSamples } from './semver.js'

type Rng = () => number

const PREFIXES = ['v', '=', '=v', 'v=', '==', ' ', ' =v', 'vv']

export function samples(rng: Rng, n: number): string[] {
  const base = semverSamples(rng, n)
  return base.map((s) => {
    const r = rng()
    if (r < 0.15) return `${PREFIXES[Math.floor(rng() * PREFIXES.length)]}${s}`
    if (r < 0.2) return `${plain(rng)} `
    return s
  })
}

// Helpers for the npm oracle test: versions and node-semver ranges drawn from a small space, so that versions
// fall on range bounds, inside, outside, and on prereleases of bound versions.

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T
const small = (rng: Rng) => String(Math.floor(rng() * 4))
const PRE = ['alpha', 'alpha.1', 'beta', 'beta.2', 'rc.1', '0', '1', 'pre.0']

/** A version from a small space: MAJOR, MINOR, PATCH in 0–3, a prerelease a third of the time. */
export function nearVersion(rng: Rng): string {
  const core = `${small(rng)}.${small(rng)}.${small(rng)}`
  return rng() < 0.35 ? `${core}-${pick(rng, PRE)}` : core
}

/** X, X.Y, X.Y.Z, with x/X/* wildcards, sometimes a prerelease on a full version, sometimes a `v` or `=`. */
function partial(rng: Rng): string {
  const k = rng()
  const n = k < 0.15 ? 1 : k < 0.35 ? 2 : 3
  const parts = Array.from({ length: n }, () => small(rng))
  // Wildcards stand at the end (`1.x`, `1.2.*`); now and then in the middle, which node-semver refuses.
  const from = rng() < 0.25 ? Math.floor(rng() * n) : rng() < 0.03 ? 0 : n
  for (let i = from; i < n; i++) parts[i] = pick(rng, ['x', 'X', '*'])
  if (from < n && rng() < 0.03) parts[n - 1] = small(rng)
  let s = parts.join('.')
  if (k >= 0.35 && !/[xX*]/.test(s) && rng() < 0.3) s += `-${pick(rng, PRE)}`
  if (rng() < 0.05) s = `${pick(rng, ['v', '=', 'v '])}${s}`
  return s
}

function comparator(rng: Rng): string {
  const op = pick(rng, ['', '', '=', '<', '<=', '>', '>=', '~', '~>', '^', '^'])
  return `${op}${rng() < 0.2 ? ' ' : ''}${partial(rng)}`
}

function tuple(rng: Rng): string {
  if (rng() < 0.15) return `${partial(rng)} - ${partial(rng)}`
  return Array.from({ length: 1 + Math.floor(rng() * 3) }, () => comparator(rng)).join(pick(rng, [' ', ' ', '  ']))
}

/** A node-semver range, or now and then something node-semver does not read as a range. */
export function npmRange(rng: Rng): string {
  const r = rng()
  if (r < 0.03) return pick(rng, ['*', 'x', '', '||', '>=0.0.0', '>=0.0.0-0', '<0.0.0-0'])
  if (r < 0.06)
    return pick(rng, ['>= 1.0.0, < 2.0.0', '>= 1.0, < 2.0 || >= 3.0', '!= 1.2.3', 'garbage', '1.2.3,', '>=a', '~>'])
  return Array.from({ length: 1 + Math.floor(rng() * 2.5) }, () => tuple(rng)).join(pick(rng, [' || ', '||', ' ||  ']))
}
