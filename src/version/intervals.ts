import type { Constraint, Range } from './range.js'
import type { VersionScheme } from './scheme.js'

/** An end of an interval; undefined is unbounded. */
interface Bound<V> {
  v: V
  text: string
  inclusive: boolean
}

interface Interval<V> {
  lo: Bound<V> | undefined
  hi: Bound<V> | undefined
}

/**
 * Interval arithmetic over one scheme's order, for sources that state what is *not* affected (rubysec's
 * patched/unaffected requirements): the affected range is the complement of their union.
 */
export class IntervalSet<V> {
  private constructor(
    private readonly scheme: VersionScheme<V>,
    private readonly items: Interval<V>[],
  ) {}

  static fromRange<V>(scheme: VersionScheme<V>, range: Range): IntervalSet<V> | string {
    let all: Interval<V>[] = []
    for (const alt of range.alternatives) {
      let cur: Interval<V>[] = [{ lo: undefined, hi: undefined }]
      for (const c of alt) {
        const p = scheme.parse(c.version)
        if (!p.ok) return `${c.version}: ${p.error.reason}`
        const b = (inclusive: boolean): Bound<V> => ({ v: p.value, text: c.version, inclusive })
        const pieces: Interval<V>[] =
          c.op === '>'
            ? [{ lo: b(false), hi: undefined }]
            : c.op === '>='
              ? [{ lo: b(true), hi: undefined }]
              : c.op === '<'
                ? [{ lo: undefined, hi: b(false) }]
                : c.op === '<='
                  ? [{ lo: undefined, hi: b(true) }]
                  : c.op === '='
                    ? [{ lo: b(true), hi: b(true) }]
                    : [
                        { lo: undefined, hi: b(false) },
                        { lo: b(false), hi: undefined },
                      ]
        const next: Interval<V>[] = []
        for (const x of cur)
          for (const y of pieces) {
            const i = intersect(scheme, x, y)
            if (i) next.push(i)
          }
        cur = next
      }
      all = all.concat(cur)
    }
    return new IntervalSet(scheme, normalise(scheme, all))
  }

  union(other: IntervalSet<V>): IntervalSet<V> {
    return new IntervalSet(this.scheme, normalise(this.scheme, [...this.items, ...other.items]))
  }

  complement(): IntervalSet<V> {
    const out: Interval<V>[] = []
    let lo: Bound<V> | undefined
    let first = true
    for (const i of this.items) {
      if (first && i.lo === undefined) {
        first = false
        lo = i.hi && { ...i.hi, inclusive: !i.hi.inclusive }
        if (!i.hi) return new IntervalSet(this.scheme, [])
        continue
      }
      first = false
      out.push({ lo, hi: i.lo && { ...i.lo, inclusive: !i.lo.inclusive } })
      if (!i.hi) return new IntervalSet(this.scheme, out)
      lo = { ...i.hi, inclusive: !i.hi.inclusive }
    }
    out.push({ lo, hi: undefined })
    return new IntervalSet(this.scheme, out)
  }

  toRange(): Range {
    const alternatives: Constraint[][] = this.items.map((i) => {
      if (i.lo && i.hi && i.lo.inclusive && i.hi.inclusive && this.scheme.compare(i.lo.v, i.hi.v) === 0) {
        return [{ op: '=', version: i.lo.text }]
      }
      const c: Constraint[] = []
      if (i.lo) c.push({ op: i.lo.inclusive ? '>=' : '>', version: i.lo.text })
      if (i.hi) c.push({ op: i.hi.inclusive ? '<=' : '<', version: i.hi.text })
      return c
    })
    return { alternatives }
  }

  get size(): number {
    return this.items.length
  }
}

/** Lower bounds: unbounded first; at equal versions an inclusive bound starts earlier. */
function cmpLo<V>(s: VersionScheme<V>, a: Bound<V> | undefined, b: Bound<V> | undefined): number {
  if (!a) return b ? -1 : 0
  if (!b) return 1
  return s.compare(a.v, b.v) || (a.inclusive === b.inclusive ? 0 : a.inclusive ? -1 : 1)
}

/** Upper bounds: unbounded last; at equal versions an inclusive bound ends later. */
function cmpHi<V>(s: VersionScheme<V>, a: Bound<V> | undefined, b: Bound<V> | undefined): number {
  if (!a) return b ? 1 : 0
  if (!b) return -1
  return s.compare(a.v, b.v) || (a.inclusive === b.inclusive ? 0 : a.inclusive ? 1 : -1)
}

function empty<V>(s: VersionScheme<V>, i: Interval<V>): boolean {
  if (!i.lo || !i.hi) return false
  const c = s.compare(i.lo.v, i.hi.v)
  return c > 0 || (c === 0 && !(i.lo.inclusive && i.hi.inclusive))
}

function intersect<V>(s: VersionScheme<V>, a: Interval<V>, b: Interval<V>): Interval<V> | undefined {
  const i = { lo: cmpLo(s, a.lo, b.lo) >= 0 ? a.lo : b.lo, hi: cmpHi(s, a.hi, b.hi) <= 0 ? a.hi : b.hi }
  return empty(s, i) ? undefined : i
}

/** Sorted, non-empty, non-overlapping, non-touching intervals. */
function normalise<V>(s: VersionScheme<V>, list: Interval<V>[]): Interval<V>[] {
  const sorted = list.filter((i) => !empty(s, i)).sort((a, b) => cmpLo(s, a.lo, b.lo))
  const out: Interval<V>[] = []
  for (const i of sorted) {
    const last = out[out.length - 1]
    if (last && touches(s, last, i)) {
      if (cmpHi(s, i.hi, last.hi) > 0) last.hi = i.hi
    } else out.push({ ...i })
  }
  return out
}

/** Whether b (starting at or after a) overlaps or abuts a, so that the two merge into one interval. */
function touches<V>(s: VersionScheme<V>, a: Interval<V>, b: Interval<V>): boolean {
  if (!a.hi || !b.lo) return true
  const c = s.compare(a.hi.v, b.lo.v)
  return c > 0 || (c === 0 && (a.hi.inclusive || b.lo.inclusive))
}
