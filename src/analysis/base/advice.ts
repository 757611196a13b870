import type { SeverityCounts } from '../../model/index.js'
import { SEVERITY_ORDER } from '../../model/index.js'
import type { BaseCatalogue, CatalogueImage } from './catalogue.js'
import type { DetectedBase } from './detect.js'
import { runtimeChange } from './flavour.js'

export interface RuntimeChange {
  name: string
  from: string
  to: string
  change: 'major' | 'minor' | 'patch'
}

/** A base image to move to: the same tag's newest digest (refresh) or another tag of the repository (update). */
export interface BaseOption {
  kind: 'refresh' | 'update'
  repository: string
  tag: string
  /** Other tags pointing at the same digest. */
  alsoKnownAs: string[]
  image: CatalogueImage
  counts: SeverityCounts
  /** This option minus the current base, per severity. */
  delta: SeverityCounts
  sizeDelta: number
  packagesDelta: number
  runtimes: RuntimeChange[]
  /** Scout's "Benefits" lines. */
  benefits: string[]
}

export interface BaseAdvice {
  base: DetectedBase
  /** The base as catalogued, with its counts against the DB in use; absent when the catalogue does not know it. */
  current?: { image: CatalogueImage; counts: SeverityCounts }
  refreshed?: BaseOption
  /** Ranked: same OS and flavour first, then fewer vulnerabilities, smaller, fewer packages. */
  updated: BaseOption[]
}

export interface AdviceOptions {
  /** Only tags matching this (`recommendations --tag`). */
  tag?: RegExp
}

const ZERO: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0 }

function minus(a: SeverityCounts, b: SeverityCounts): SeverityCounts {
  return {
    critical: a.critical - b.critical,
    high: a.high - b.high,
    medium: a.medium - b.medium,
    low: a.low - b.low,
    unspecified: a.unspecified - b.unspecified,
  }
}

const total = (c: SeverityCounts) => SEVERITY_ORDER.reduce((n, l) => n + c[l], 0)

/** Severity-major order: one critical outweighs any number of highs, as Scout ranks. */
function compareCounts(a: SeverityCounts, b: SeverityCounts): number {
  for (const l of SEVERITY_ORDER) if (a[l] !== b[l]) return a[l] - b[l]
  return 0
}

function sameOs(a: CatalogueImage, b: CatalogueImage): boolean {
  return a.os?.id === b.os?.id && (a.os?.versionId ?? '').split('.')[0] === (b.os?.versionId ?? '').split('.')[0]
}

function size(bytes: number): string {
  const b = Math.abs(bytes)
  if (b >= 1e9) return `${(b / 1e9).toFixed(1)} GB`
  if (b >= 1e6) return `${(b / 1e6).toFixed(1)} MB`
  if (b >= 1e3) return `${(b / 1e3).toFixed(1)} kB`
  return `${b} B`
}

function option(
  kind: BaseOption['kind'],
  repository: string,
  tags: string[],
  image: CatalogueImage,
  counts: SeverityCounts,
  current: { image: CatalogueImage; counts: SeverityCounts } | undefined,
): BaseOption {
  const [tag, ...alsoKnownAs] = tags as [string, ...string[]]
  const base = current?.image
  const delta = current ? minus(counts, current.counts) : { ...ZERO }
  const runtimes: RuntimeChange[] = []
  for (const [name, to] of Object.entries(image.runtimes)) {
    const from = base?.runtimes[name]
    if (from === undefined) continue
    const change = runtimeChange(from, to)
    if (change !== 'none') runtimes.push({ name, from, to, change })
  }
  const benefits: string[] = []
  if (base && sameOs(base, image)) benefits.push('Same OS detected')
  if (kind === 'refresh') benefits.push('Newer image for same tag')
  if (base && image.flavour !== base.flavour && image.flavour !== 'default')
    benefits.push(`Tag is using ${image.flavour} variant`)
  if (current) {
    const removed = -SEVERITY_ORDER.reduce((n, l) => n + Math.min(0, delta[l]), 0)
    const added = SEVERITY_ORDER.reduce((n, l) => n + Math.max(0, delta[l]), 0)
    if (removed > 0 && added === 0) benefits.push(`Image introduces no new vulnerability but removes ${removed}`)
    else if (total(delta) < 0) benefits.push(`Image contains ${-total(delta)} fewer vulnerabilities`)
  }
  if (base && image.size < base.size) benefits.push(`Image is smaller by ${size(base.size - image.size)}`)
  if (base && image.packages < base.packages)
    benefits.push(`Image contains ${base.packages - image.packages} fewer packages`)
  for (const r of runtimes)
    if (r.change !== 'patch')
      benefits.push(
        `${r.change === 'major' ? 'Major' : 'Minor'} runtime version update (${r.name} ${r.from} → ${r.to})`,
      )
  if (base && image.seq > base.seq) benefits.push('Tag was pushed more recently')
  return {
    kind,
    repository,
    tag,
    alsoKnownAs,
    image,
    counts,
    delta,
    sizeDelta: base ? image.size - base.size : 0,
    packagesDelta: base ? image.packages - base.packages : 0,
    runtimes,
    benefits,
  }
}

/** Tags of the repository, grouped by the digest each points at now (newest sighting), preferred tag first. */
function currentTags(catalogue: BaseCatalogue, repository: string): Map<string, string[]> {
  const byTag = new Map<string, string>()
  for (const t of catalogue.tags(repository)) if (!byTag.has(t.tag)) byTag.set(t.tag, t.digest)
  const byDigest = new Map<string, string[]>()
  for (const [tag, digest] of byTag) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag])
  // The most specific tag names the option (`12.5-slim` over `slim`); `latest` last.
  for (const tags of byDigest.values())
    tags.sort((a, b) => Number(a === 'latest') - Number(b === 'latest') || b.length - a.length || a.localeCompare(b))
  return byDigest
}

/**
 * Scout's base-image advice from the catalogue: the refreshed base (same repository and tag, newest digest) and
 * the updated bases (other tags of the repository), each with severity deltas against the current base.
 */
export function adviseBase(
  base: DetectedBase,
  catalogue: BaseCatalogue,
  countsOf: (image: CatalogueImage) => SeverityCounts,
  opts: AdviceOptions = {},
): BaseAdvice {
  const entry = base.entry ?? (base.digest ? catalogue.get(base.digest) : undefined)
  const repository = entry?.repository ?? base.repository
  const tag = base.tag ?? entry?.tags[0]
  const current = entry ? { image: entry, counts: countsOf(entry) } : undefined
  const advice: BaseAdvice = { base, ...(current ? { current } : {}), updated: [] }
  const groups = currentTags(catalogue, repository)
  const matches = (tags: string[]) => !opts.tag || tags.some((t) => opts.tag?.test(t))
  if (tag !== undefined) {
    const newest = catalogue.current(repository, tag)
    if (newest && newest.digest !== (entry?.digest ?? base.digest) && matches([tag])) {
      const tags = [tag, ...(groups.get(newest.digest) ?? []).filter((t) => t !== tag)]
      advice.refreshed = option('refresh', repository, tags, newest, countsOf(newest), current)
    }
  }
  const platform = entry?.platform
  for (const [digest, tags] of groups) {
    if (digest === entry?.digest || digest === advice.refreshed?.image.digest) continue
    if (tag !== undefined && tags.includes(tag)) continue
    if (!matches(tags)) continue
    const image = catalogue.get(digest)
    if (!image || (platform && image.platform !== platform)) continue
    advice.updated.push(option('update', repository, tags, image, countsOf(image), current))
  }
  const group = (o: BaseOption) =>
    !entry ? 0 : sameOs(entry, o.image) ? (entry.flavour === o.image.flavour ? 0 : 1) : 2
  advice.updated.sort(
    (a, b) =>
      group(a) - group(b) ||
      compareCounts(a.counts, b.counts) ||
      a.image.size - b.image.size ||
      a.image.packages - b.image.packages ||
      b.image.seq - a.image.seq,
  )
  return advice
}
