import { formatRange, SCHEMES } from '../../../version/index.js'
import { DEBIAN_CODENAMES } from '../../namespace.js'

/** `bookworm` → `debian:12`, `sid` → `debian:unstable`; undefined for a codename we do not know. */
export function namespaceForCodename(codename: string): string | undefined {
  const n = Object.hasOwn(DEBIAN_CODENAMES, codename) ? DEBIAN_CODENAMES[codename] : undefined
  return n === undefined ? undefined : `debian:${n}`
}

/** How new a release is, for picking one urgency among several: its number; `unstable` sorts below all. */
export function releaseRank(namespace: string): number {
  const n = Number(namespace.slice('debian:'.length))
  return Number.isFinite(n) ? n : -1
}

/** `< X` in the shared grammar when X is a Debian version, else why not. */
export function fixedRange(version: string): { ranges: string } | { error: string } {
  const p = SCHEMES.deb.parse(version)
  if (!p.ok) return { error: `fixed version ${JSON.stringify(version)} is not a Debian version: ${p.error.reason}` }
  return { ranges: formatRange({ alternatives: [[{ op: '<', version }]] }) }
}

/** The tracker's urgency without the `*`/`**` marks it adds when the value was derived rather than assigned. */
export function bareUrgency(urgency: string): string {
  return urgency.replace(/\*+$/, '').trim()
}

/** Urgencies that say something about severity (not `not yet assigned`, nor `end-of-life`, which is a status). */
export function isSeverityUrgency(urgency: string): boolean {
  const u = bareUrgency(urgency)
  return u !== '' && u !== 'not yet assigned' && u !== 'end-of-life'
}

export function trackerUrl(id: string): string {
  return `https://security-tracker.debian.org/tracker/${id}`
}
