import type { Digest, Report, SeverityCounts, TargetSummary } from '../../model/index.js'
import { severityCounts } from '../report.js'
import type { BaseAdvice, BaseOption } from './advice.js'
import type { BaseFoundBy, DetectedBase } from './detect.js'
import { fromBase } from './detect.js'

/** One row of Scout's quickview: an image, its severity counts, and for advised bases the change from the base. */
export interface QuickviewRow {
  role: 'target' | 'base' | 'refreshed' | 'updated'
  name: string
  digest?: Digest
  /** Undefined when the image has not been analysed (a base the catalogue does not hold). */
  counts?: SeverityCounts
  /** Counts minus the current base's; on refreshed and updated rows. */
  delta?: SeverityCounts
}

export interface BaseSummary {
  foundBy: BaseFoundBy
  name: string
  digest?: Digest
  /** How many of the image's layers are the base's. */
  layers?: number
  /** Where the base row's counts come from: the catalogued base image itself, or this image's base layers. */
  countsFrom?: 'catalogue' | 'base-layers'
}

export interface Quickview {
  schemaVersion: 1
  kind: 'quickview'
  target: Pick<TargetSummary, 'ref' | 'name' | 'tags' | 'manifestDigest' | 'platform'> & { packages: number }
  base?: BaseSummary
  rows: QuickviewRow[]
  notes: string[]
  warnings: string[]
}

export function baseName(repository: string, tag: string | undefined): string {
  return tag ? `${repository}:${tag}` : repository
}

export function describeFoundBy(b: BaseFoundBy): string {
  switch (b) {
    case 'provenance':
      return 'from the provenance attestation'
    case 'label':
      return 'from the org.opencontainers.image.base.name label'
    case 'layers':
      return 'from its layers (the longest matching layer prefix in the catalogue)'
    default: {
      const never: never = b
      return String(never)
    }
  }
}

function targetOf(r: Report): Quickview['target'] {
  const t = r.sbom.target
  return {
    ref: t.ref,
    ...(t.name ? { name: t.name } : {}),
    tags: t.tags,
    ...(t.manifestDigest ? { manifestDigest: t.manifestDigest } : {}),
    ...(t.platform ? { platform: t.platform } : {}),
    packages: r.summary.packages,
  }
}

function optionRow(role: 'refreshed' | 'updated', o: BaseOption): QuickviewRow {
  return { role, name: baseName(o.repository, o.tag), digest: o.image.digest, counts: o.counts, delta: o.delta }
}

/** Scout's quickview rows: target, base image, refreshed base image, the best updated base image. */
export function buildQuickview(r: Report, base: DetectedBase | undefined, advice: BaseAdvice | undefined): Quickview {
  const q: Quickview = {
    schemaVersion: 1,
    kind: 'quickview',
    target: targetOf(r),
    rows: [
      {
        role: 'target',
        name: r.sbom.target.name ? baseName(r.sbom.target.name, r.sbom.target.tags[0]) : r.sbom.target.ref,
        ...(r.sbom.target.manifestDigest ? { digest: r.sbom.target.manifestDigest } : {}),
        counts: {
          critical: r.summary.critical,
          high: r.summary.high,
          medium: r.summary.medium,
          low: r.summary.low,
          unspecified: r.summary.unspecified,
        },
      },
    ],
    notes: [],
    warnings: r.warnings,
  }
  const t = r.sbom.target
  if (t.sbomSource === 'attestation')
    q.notes.push('Packages are from the SBOM attested to the image; --sbom-source scan reads the layers instead.')
  const src = t.provenance?.source
  if (src?.repository || src?.revision)
    q.notes.push(
      `Built from ${src.repository ?? 'an unnamed repository'}${src.revision ? ` at ${src.revision.slice(0, 12)}` : ''} (provenance attestation).`,
    )
  if (!base) return q
  const name = baseName(
    advice?.current?.image.repository ?? base.repository,
    base.tag ?? advice?.current?.image.tags[0],
  )
  const summary: BaseSummary = { foundBy: base.foundBy, name }
  const digest = advice?.current?.image.digest ?? base.digest
  if (digest) summary.digest = digest
  if (base.layers !== undefined) summary.layers = base.layers
  let counts: SeverityCounts | undefined
  if (advice?.current) {
    counts = advice.current.counts
    summary.countsFrom = 'catalogue'
  } else if (base.layers !== undefined) {
    counts = severityCounts(r.findings.filter((f) => !f.suppressed && fromBase(f.package, base)))
    summary.countsFrom = 'base-layers'
  }
  q.base = summary
  q.rows.push({ role: 'base', name, ...(digest ? { digest } : {}), ...(counts ? { counts } : {}) })
  if (advice?.refreshed) q.rows.push(optionRow('refreshed', advice.refreshed))
  const best = advice?.updated[0]
  if (best) q.rows.push(optionRow('updated', best))
  if (base.foundBy === 'layers')
    q.notes.push('Base image was auto-detected from its layers; build with provenance attestations for exact results.')
  if (!advice?.current)
    q.notes.push(
      `The base image is not in the catalogue: run \`shipshape base index ${name}\` to analyse it and get refresh and update advice.`,
    )
  return q
}

export interface Recommendations {
  schemaVersion: 1
  kind: 'recommendations'
  target: Quickview['target']
  base?: BaseSummary & {
    counts?: SeverityCounts
    size?: number
    packages?: number
    flavour?: string
    os?: string
    firstSeen?: string
  }
  refreshed?: BaseOption
  updated: BaseOption[]
  notes: string[]
}

export function buildRecommendations(
  r: Report,
  base: DetectedBase | undefined,
  advice: BaseAdvice | undefined,
  opts: { onlyRefresh?: boolean; onlyUpdate?: boolean } = {},
): Recommendations {
  const q = buildQuickview(r, base, advice)
  const rec: Recommendations = {
    schemaVersion: 1,
    kind: 'recommendations',
    target: q.target,
    updated: [],
    notes: q.notes,
  }
  if (q.base) {
    const cur = advice?.current
    rec.base = { ...q.base }
    const counts = q.rows.find((x) => x.role === 'base')?.counts
    if (counts) rec.base.counts = counts
    if (cur) {
      rec.base.size = cur.image.size
      rec.base.packages = cur.image.packages
      rec.base.flavour = cur.image.flavour
      rec.base.firstSeen = cur.image.firstSeen
      if (cur.image.os) rec.base.os = [cur.image.os.id, cur.image.os.versionId].filter(Boolean).join(' ')
    }
  }
  if (advice?.refreshed && !opts.onlyUpdate) rec.refreshed = advice.refreshed
  if (advice && !opts.onlyRefresh) rec.updated = advice.updated
  if (!base)
    rec.notes.push('No base image found: no label, no provenance, and no catalogued image shares its bottom layers.')
  else if (advice?.current && !rec.refreshed && rec.updated.length === 0)
    rec.notes.push('The base image is up to date: the catalogue knows no newer digest for its tag and no better tag.')
  return rec
}
