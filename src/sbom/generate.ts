import { type BuildOptions, buildFileTree } from '../filetree/index.js'
import type { Image, Source } from '../image/index.js'
import { layerHistory } from '../image/index.js'
import { TOOL_NAME, TOOL_VERSION } from '../internal/index.js'
import type { LayerSummary, Package, PackageKind, Sbom, ScanIssue, TargetSummary } from '../model/index.js'
import type { Cataloger } from './cataloger.js'
import { CATALOGERS } from './catalogers/index.js'
import { DISTRO_FILES, detectDistro } from './distro.js'

export interface GenerateOptions {
  catalogers?: readonly Cataloger[]
  /** Only run catalogers that produce these kinds. */
  onlyKinds?: readonly PackageKind[]
  concurrency?: number
  onProgress?: BuildOptions['onProgress']
  onStage?: (stage: 'reading' | 'cataloging') => void
  /** Fixed creation time (tests, reproducible output). */
  createdAt?: string
}

function imageTarget(image: Image): TargetSummary {
  const history = layerHistory(image.config)
  const layers: LayerSummary[] = image.layers.map((l) => {
    const s: LayerSummary = { index: l.index, digest: l.digest, diffId: l.diffId, size: l.size, mediaType: l.mediaType }
    const h = history[l.index]
    if (h) s.createdBy = h
    return s
  })
  const t: TargetSummary = {
    kind: 'image',
    ref: image.ref.raw,
    tags: image.tags,
    platform: image.platform,
    labels: image.config.labels,
    layers,
    size: image.layers.reduce((n, l) => n + l.size, 0),
  }
  if (image.name) t.name = image.name
  if (image.manifestDigest) t.manifestDigest = image.manifestDigest
  if (image.indexDigest) t.indexDigest = image.indexDigest
  if (image.configDigest) t.configDigest = image.configDigest
  if (image.config.created) t.created = image.config.created
  return t
}

function comparePackages(a: Package, b: Package): number {
  return (
    a.kind.localeCompare(b.kind) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    (a.version < b.version ? -1 : a.version > b.version ? 1 : 0) ||
    (a.introducedIn.path < b.introducedIn.path ? -1 : a.introducedIn.path > b.introducedIn.path ? 1 : 0) ||
    (a.id < b.id ? -1 : 1)
  )
}

/** Image (or directory) → SBOM: one pass over the layers, distro detection, every cataloger. */
export async function generateSbom(source: Source, opts: GenerateOptions = {}): Promise<Sbom> {
  const all = opts.catalogers ?? CATALOGERS
  const catalogers = opts.onlyKinds ? all.filter((c) => c.kinds.some((k) => opts.onlyKinds?.includes(k))) : all
  opts.onStage?.('reading')
  const built = await buildFileTree(source, {
    requests: [DISTRO_FILES, ...catalogers.flatMap((c) => c.wants)],
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  })
  opts.onStage?.('cataloging')
  const distro = detectDistro(built.tree)
  const issues: ScanIssue[] = [...built.issues]
  const packages: Package[] = []
  for (const c of catalogers) {
    const r = await c.catalog({ files: built.tree, distro })
    packages.push(...(opts.onlyKinds ? r.packages.filter((p) => opts.onlyKinds?.includes(p.kind)) : r.packages))
    issues.push(...r.issues)
  }
  packages.sort(comparePackages)
  const target: TargetSummary =
    source.kind === 'image'
      ? imageTarget(source.image)
      : {
          kind: 'filesystem',
          ref: source.fs.ref.raw,
          name: source.fs.root,
          tags: [],
          labels: {},
          layers: [],
          size: built.layerBytes[0] ?? 0,
        }
  const sbom: Sbom = {
    schemaVersion: 1,
    target,
    packages,
    issues,
    tool: {
      name: TOOL_NAME,
      version: TOOL_VERSION,
      catalogers: Object.fromEntries(catalogers.map((c) => [c.name, c.version])),
    },
    createdAt: opts.createdAt ?? new Date().toISOString(),
  }
  if (distro) sbom.distro = distro
  return sbom
}
