import type { Range } from './range.js'
import type { VersionScheme } from './scheme.js'

/** The part of an OSV `affected` entry that says which versions are affected. */
export interface OsvAffected {
  ranges?: { type?: string; repo?: string; events?: Record<string, unknown>[] }[]
  versions?: unknown[]
}

export interface OsvConversion {
  /** The affected versions in the shared grammar; undefined when nothing could be converted. */
  range: Range | undefined
  /** What could not be converted and why, each with its place in the entry (`ranges[1].events[0]`). */
  skipped: { at: string; reason: string }[]
}

type Event = { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; version: string; at: string }

const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const

/**
 * Converts OSV `ranges` (ECOSYSTEM and SEMVER) and `versions` into alternatives of the shared grammar, following
 * the OSV evaluation rules: events are ordered by the ecosystem's version order (introduced "0" first); each
 * `introduced` opens an interval that the next `fixed` (exclusive) or `last_affected` (inclusive) closes; an
 * interval left open is affected from there on; `limit` caps every interval of its range. GIT ranges name
 * commits, not versions, and are reported as skipped.
 */
export function convertOsvAffected<V>(scheme: VersionScheme<V>, affected: OsvAffected): OsvConversion {
  const alternatives: Range['alternatives'] = []
  const skipped: OsvConversion['skipped'] = []
  for (const [ri, r] of (affected.ranges ?? []).entries()) {
    const at = `ranges[${ri}]`
    const type = r.type ?? ''
    if (type === 'GIT') {
      skipped.push({ at, reason: 'GIT range: commits, not versions' })
      continue
    }
    if (type !== 'ECOSYSTEM' && type !== 'SEMVER') {
      skipped.push({ at, reason: `unknown range type ${JSON.stringify(type)}` })
      continue
    }
    const events: Event[] = []
    for (const [ei, e] of (r.events ?? []).entries()) {
      const kind = EVENT_KINDS.find((k) => k in e)
      const value = kind ? e[kind] : undefined
      if (!kind || typeof value !== 'string') {
        skipped.push({ at: `${at}.events[${ei}]`, reason: `unknown event ${JSON.stringify(e)}` })
        continue
      }
      events.push({ kind, version: value, at: `${at}.events[${ei}]` })
    }
    const parsed = new Map<Event, V>()
    let bad = false
    for (const e of events) {
      if (e.kind === 'introduced' && e.version === '0') continue
      const p = scheme.parse(e.version)
      if (!p.ok) {
        skipped.push({ at: e.at, reason: `${e.kind} version does not parse: ${p.error.reason}` })
        bad = true
      } else parsed.set(e, p.value)
    }
    // One unparseable bound would widen or narrow the range silently, so the whole range is left out.
    if (bad) continue
    const ordered = [...events].sort((a, b) => {
      const va = parsed.get(a)
      const vb = parsed.get(b)
      if (va === undefined) return vb === undefined ? 0 : -1
      if (vb === undefined) return 1
      return scheme.compare(va, vb)
    })
    const limits = ordered.filter((e) => e.kind === 'limit').map((e) => ({ op: '<' as const, version: e.version }))
    let open: Event | undefined
    let opened = false
    const lower = (e: Event) => (e.version === '0' ? [] : [{ op: '>=' as const, version: e.version }])
    for (const e of ordered) {
      if (e.kind === 'introduced') {
        if (!opened) {
          open = e
          opened = true
        }
      } else if (e.kind === 'fixed' || e.kind === 'last_affected') {
        if (opened && open) {
          alternatives.push([...lower(open), { op: e.kind === 'fixed' ? '<' : '<=', version: e.version }, ...limits])
          opened = false
          open = undefined
        }
      }
    }
    if (opened && open) alternatives.push([...lower(open), ...limits])
  }
  for (const [vi, v] of (affected.versions ?? []).entries()) {
    if (typeof v !== 'string') {
      skipped.push({ at: `versions[${vi}]`, reason: 'not a string' })
      continue
    }
    const p = scheme.parse(v)
    if (!p.ok) skipped.push({ at: `versions[${vi}]`, reason: `does not parse: ${p.error.reason}` })
    else if (!alternatives.some((a) => a.length === 1 && a[0]?.op === '=' && a[0].version === v)) {
      alternatives.push([{ op: '=', version: v }])
    }
  }
  return { range: alternatives.length ? { alternatives } : undefined, skipped }
}
