import { type Ordering, type ParseResult, parseError, precheck, sign, type VersionScheme } from './scheme.js'

/**
 * Maven's version order: `org.apache.maven.artifact.versioning.ComparableVersion` as shipped in maven-artifact
 * 3.9.x (apache/maven `maven-artifact/src/main/java/org/apache/maven/artifact/versioning/ComparableVersion.java`,
 * commit 1a3de98ee168954d6400ad4331b905baec59a2ce). The item tree is rebuilt exactly as Maven builds it, so every
 * quirk below is Maven's own; the tests check it against the real 3.9.6 jar. Maven's compareTo is not transitive
 * on a few exotic shapes (`1 < 1a < 1-0.alpha < 1`); the scheme's `compare` is a total order that departs from it
 * only on pairs Maven itself orders in a cycle (see compareTotal; the tests check each such pair with the jar).
 */

/** Numbers keep Maven's three item classes: which class a number lands in decides order before its value. */
type NumKind = 'int' | 'long' | 'big'
export type MavenItem =
  | { t: 'num'; kind: NumKind; value: bigint }
  | { t: 'str'; value: string }
  | { t: 'list'; items: MavenItem[] }

export interface MavenVersion {
  items: MavenItem[]
}

// ComparableVersion.MAX_INTITEM_LENGTH / MAX_LONGITEM_LENGTH.
const MAX_INT_LENGTH = 9
const MAX_LONG_LENGTH = 18

// StringItem.QUALIFIERS: the known qualifiers in release order; "" is the release itself.
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp']
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''))
// StringItem.ALIASES.
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' }

/**
 * What shipshape accepts. Maven itself takes any string at all (even empty); we refuse what no published artifact
 * uses and what would otherwise be silently read as something else: whitespace, non-ASCII (Java's isDigit would
 * take Arabic-Indic digits), range punctuation, and empty components (`1..2`, `1-`, `.1`), which Maven turns into
 * hidden zeros.
 */
const SHAPE = /^[A-Za-z0-9][A-Za-z0-9_+]*(?:[.-][A-Za-z0-9_+]+)*$/

function numItem(digits: string): MavenItem {
  // stripLeadingZeroes returns an all-zero string unchanged, so `0000000000` is a LongItem and 19 zeros a
  // BigIntegerItem: the class follows the length of what is left, and a LongItem 0 sorts above an IntItem 0.
  const stripped = digits.replace(/^0+/, '') || digits
  const kind: NumKind = stripped.length <= MAX_INT_LENGTH ? 'int' : stripped.length <= MAX_LONG_LENGTH ? 'long' : 'big'
  return { t: 'num', kind, value: BigInt(stripped) }
}

function strItem(raw: string, followedByDigit: boolean): MavenItem {
  let value = raw
  // "a1" = alpha-1, "b1" = beta-1, "m1" = milestone-1, but only when a digit follows directly.
  if (followedByDigit && value.length === 1) {
    if (value === 'a') value = 'alpha'
    else if (value === 'b') value = 'beta'
    else if (value === 'm') value = 'milestone'
  }
  return { t: 'str', value: ALIASES[value] ?? value }
}

function parseItem(isDigit: boolean, buf: string): MavenItem {
  return isDigit ? numItem(buf) : strItem(buf, false)
}

function isNull(item: MavenItem): boolean {
  switch (item.t) {
    case 'num':
      return item.value === 0n
    case 'str':
      return item.value === ''
    case 'list':
      return item.items.length === 0
    default: {
      const never: never = item
      throw new Error(`unknown item ${JSON.stringify(never)}`)
    }
  }
}

/** ListItem.normalize: drop trailing null items, looking through (non-null) sub-lists. */
function normalize(list: MavenItem[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i] as MavenItem
    if (isNull(last)) list.splice(i, 1)
    else if (last.t !== 'list') break
  }
}

/** ComparableVersion.parseVersion, step for step (after the shape check above). */
function build(input: string): MavenItem[] {
  const version = input.toLowerCase()
  const top: MavenItem[] = []
  let list = top
  const stack: MavenItem[][] = [top]
  const push = (): void => {
    const sub: MavenItem[] = []
    list.push({ t: 'list', items: sub })
    list = sub
    stack.push(sub)
  }
  let isDigit = false
  let start = 0
  for (let i = 0; i < version.length; i++) {
    const c = version[i] as string
    if (c === '.' || c === '-') {
      list.push(i === start ? numItem('0') : parseItem(isDigit, version.slice(start, i)))
      start = i + 1
      // A hyphen opens a sub-list: what follows is a qualifier part, less significant than any dotted number.
      if (c === '-') push()
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        // MNG-7644: "1.0.0.X1" < "1.0.0-X2": a qualifier glued to a number is treated as if hyphenated.
        if (list.length > 0) push()
        list.push(strItem(version.slice(start, i), true))
        start = i
        push()
      }
      isDigit = true
    } else {
      if (isDigit && i > start) {
        // "1a" is "1-a": the switch from digits to letters opens a sub-list too.
        list.push(parseItem(true, version.slice(start, i)))
        start = i
        push()
      }
      isDigit = false
    }
  }
  if (version.length > start) {
    if (!isDigit && list.length > 0) push()
    list.push(parseItem(isDigit, version.slice(start)))
  }
  // Innermost lists first, as Maven pops its stack.
  for (let i = stack.length - 1; i >= 0; i--) normalize(stack[i] as MavenItem[])
  return top
}

/** StringItem.comparableQualifier: known qualifiers by rank, unknown ones after all of them, lexically. */
function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q)
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i)
}

function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0
}

const KIND_RANK: Record<NumKind, number> = { int: 0, long: 1, big: 2 }

/** Item.compareTo(other), with `undefined` for Maven's null (the shorter list's missing item). */
function compareItem(a: MavenItem, b: MavenItem | undefined): Ordering {
  switch (a.t) {
    case 'num':
      if (b === undefined) return a.value === 0n ? 0 : 1 // 1.0 == 1, 1.1 > 1
      if (b.t === 'num') {
        // IntItem < LongItem < BigIntegerItem whatever their values (they only meet as equals when zero-padded).
        if (a.kind !== b.kind) return sign(KIND_RANK[a.kind] - KIND_RANK[b.kind])
        return a.value < b.value ? -1 : a.value > b.value ? 1 : 0
      }
      return 1 // 1.1 > 1-sp, 1.1 > 1-1
    case 'str':
      // 1-rc < 1 (release), 1-sp > 1: the release rank is the pivot.
      if (b === undefined) return compareStrings(comparableQualifier(a.value), RELEASE_INDEX)
      if (b.t === 'str') return compareStrings(comparableQualifier(a.value), comparableQualifier(b.value))
      return -1 // 1.any < 1.1, 1.any < 1-1
    case 'list':
      if (b === undefined) {
        // MNG-6964: the whole list decides against a missing item, not only its first element.
        for (const item of a.items) {
          const r = compareItem(item, undefined)
          if (r !== 0) return r
        }
        return 0
      }
      if (b.t === 'num') return -1 // 1-1 < 1.0.x
      if (b.t === 'str') return 1 // 1-1 > 1-sp
      return compareLists(a.items, b.items)
    default: {
      const never: never = a
      throw new Error(`unknown item ${JSON.stringify(never)}`)
    }
  }
}

function compareLists(left: MavenItem[], right: MavenItem[]): Ordering {
  const n = Math.max(left.length, right.length)
  for (let i = 0; i < n; i++) {
    const l = left[i]
    const r = right[i]
    // When the left list is shorter, Maven compares the right item with null and inverts the result.
    const result =
      l === undefined ? (r === undefined ? 0 : (-compareItem(r, undefined) as Ordering)) : compareItem(l, r)
    if (result !== 0) return result
  }
  return 0
}

/**
 * Maven's own compareTo, exactly (the tests hold it to the 3.9.6 jar). It is not a total order: a missing item
 * ("null", where the shorter version ended) is ranked by value (1-rc < 1 < 1-sp, 1-alpha < 1 < 1-1), but two
 * present items of different kinds are ranked by kind alone (qualifier < list < number). Where those disagree,
 * Maven goes round in circles: 1 < 1a < 1-0.alpha < 1, and 2-1 < 2.0.RC.1 < 2 < 2-1.
 */
export function comparableVersionCompare(a: MavenVersion, b: MavenVersion): Ordering {
  return compareLists(a.items, b.items)
}

/**
 * Which side of "the version ends here" the list is on from position i: the first item that Maven does not
 * rank equal to a missing one decides (a zero or a release qualifier in the middle defers to what follows).
 */
function sides(items: MavenItem[]): Ordering[] {
  const out: Ordering[] = new Array(items.length)
  let next: Ordering = 0
  for (let i = items.length - 1; i >= 0; i--) {
    const own = compareItem(items[i] as MavenItem, undefined)
    next = own !== 0 ? own : next
    out[i] = next
  }
  return out
}

const TYPE_RANK = { str: 0, list: 1, num: 2 } as const

/**
 * The order shipshape uses: Maven's, made total. At each position the two items are first placed on their side
 * of a missing item, as Maven does when one version is shorter; only items on the same side are then ranked the
 * Maven way (kind, then value). This changes Maven's answer only for pairs it cannot order consistently (the
 * two versions and their common prefix form a cycle in Maven, which the tests check with the jar), and keeps
 * every ordering in Maven's own test suite.
 */
function compareTotal(left: MavenItem[], right: MavenItem[]): Ordering {
  const ls = sides(left)
  const rs = sides(right)
  const n = Math.max(left.length, right.length)
  for (let i = 0; i < n; i++) {
    const sl = ls[i] ?? 0
    const sr = rs[i] ?? 0
    if (sl !== sr) return sl < sr ? -1 : 1
    if (sl === 0) return 0 // both sides are done: everything left ranks as missing
    const l = left[i] as MavenItem
    const r = right[i] as MavenItem
    if (l.t !== r.t) return TYPE_RANK[l.t] < TYPE_RANK[r.t] ? -1 : 1
    let c: Ordering
    if (l.t === 'list' && r.t === 'list') c = compareTotal(l.items, r.items)
    else c = compareItem(l, r)
    if (c !== 0) return c
  }
  return 0
}

function formatNum(item: { kind: NumKind; value: bigint }): string {
  if (item.value !== 0n) return item.value.toString()
  // A zero keeps the width that put it in its class, or it would come back as an IntItem.
  return item.kind === 'int' ? '0' : '0'.repeat(item.kind === 'long' ? MAX_INT_LENGTH + 1 : MAX_LONG_LENGTH + 1)
}

/**
 * Maven's getCanonical(), except where that string does not parse back to the same items (`1-0.alpha` prints as
 * `1-alpha`, `1.ga.1` as `1..1`): an empty list before a sub-list prints as `0`, a mid-list release qualifier as
 * `ga`, and a list ending in a qualifier after other items gets a `.0` that normalisation removes again.
 */
function formatList(items: MavenItem[]): string {
  const last = items[items.length - 1]
  const sub = last?.t === 'list' ? last : undefined
  const own = sub ? items.slice(0, -1) : items
  const parts = own.map((item) => {
    switch (item.t) {
      case 'num':
        return formatNum(item)
      case 'str':
        return item.value === '' ? 'ga' : item.value
      case 'list':
        throw new Error('a sub-list is always the last item of its list')
      default: {
        const never: never = item
        throw new Error(`unknown item ${JSON.stringify(never)}`)
      }
    }
  })
  const lastOwn = own[own.length - 1]
  if (!sub && own.length > 1 && lastOwn?.t === 'str') parts.push('0')
  const head = parts.length > 0 ? parts.join('.') : '0'
  return sub ? `${head}-${formatList(sub.items)}` : head
}

function parse(input: string): ParseResult<MavenVersion> {
  const bad = precheck('maven', input)
  if (bad) return { ok: false, error: bad }
  if (!SHAPE.test(input)) {
    if (/\s/.test(input)) return parseError('maven', input, 'whitespace in version')
    if (/[.-](?:[.-]|$)|^[.\-_+]/.test(input)) return parseError('maven', input, 'empty version component')
    return parseError('maven', input, 'unexpected character (ASCII letters, digits and . - _ + only)')
  }
  return { ok: true, value: { items: build(input) } }
}

// ---- Maven's own range syntax (VersionRange.createFromVersionSpec / Restriction.containsVersion) ----

interface Restriction {
  lower?: MavenVersion
  lowerInclusive: boolean
  upper?: MavenVersion
  upperInclusive: boolean
}

function parseRestriction(spec: string): Restriction | undefined {
  const lowerInclusive = spec.startsWith('[')
  const upperInclusive = spec.endsWith(']')
  const inner = spec.slice(1, -1).trim()
  const comma = inner.indexOf(',')
  if (comma < 0) {
    // "[1.0]" is a hard pin; "(1.0)" is not a range Maven accepts.
    if (!lowerInclusive || !upperInclusive) return undefined
    const v = parse(inner)
    return v.ok ? { lower: v.value, lowerInclusive: true, upper: v.value, upperInclusive: true } : undefined
  }
  const lo = inner.slice(0, comma).trim()
  const hi = inner.slice(comma + 1).trim()
  const r: Restriction = { lowerInclusive, upperInclusive }
  if (lo !== '') {
    const v = parse(lo)
    if (!v.ok) return undefined
    r.lower = v.value
  }
  if (hi !== '') {
    const v = parse(hi)
    if (!v.ok) return undefined
    r.upper = v.value
  }
  // "Range defies version ordering": upper below lower, or equal bounds that are not both inclusive.
  if (r.lower && r.upper) {
    const c = compareTotal(r.upper.items, r.lower.items)
    if (c < 0 || (c === 0 && !(lowerInclusive && upperInclusive))) return undefined
  }
  return r
}

function contains(r: Restriction, v: MavenVersion): boolean {
  if (r.lower) {
    const c = compareTotal(r.lower.items, v.items)
    if (c > 0 || (c === 0 && !r.lowerInclusive)) return false
  }
  if (r.upper) {
    const c = compareTotal(r.upper.items, v.items)
    if (c < 0 || (c === 0 && !r.upperInclusive)) return false
  }
  return true
}

/** `[1.0,2.0)`, `(,1.0],[1.2,)`, `[1.5]`: a union of restrictions, as Maven's VersionRange reads them. */
function nativeSatisfies(version: MavenVersion, range: string): boolean | undefined {
  const text = range.trim()
  if (!/^[[(]/.test(text)) return undefined
  const restrictions: Restriction[] = []
  let rest = text
  while (rest !== '') {
    const m = /^([[(][^\])]*[\])])\s*(?:,\s*)?/.exec(rest)
    if (!m) return undefined
    const r = parseRestriction((m[1] as string).trim())
    if (!r) return undefined
    // "Ranges overlap": each set must start above where the previous one ended.
    const prev = restrictions[restrictions.length - 1]
    if (prev?.upper && (!r.lower || compareTotal(r.lower.items, prev.upper.items) < 0)) return undefined
    restrictions.push(r)
    rest = rest.slice(m[0].length)
  }
  return restrictions.some((r) => contains(r, version))
}

export const mavenScheme: VersionScheme<MavenVersion> = {
  name: 'maven',
  parse,
  compare: (a, b) => compareTotal(a.items, b.items),
  format: (v) => formatList(v.items),
  nativeSatisfies,
}
