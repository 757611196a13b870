import { type BuildOptions, buildFileTree, type FileResolver } from '../filetree/index.js'
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

/** What an SBOM says of the image it describes (ref, digests, platform, labels, layers). */
export function imageTarget(image: Image): TargetSummary {
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
  if (image.repoDigests?.length) t.repoDigests = image.repoDigests
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

/**
 * A language package whose files an OS package installed (Debian's python3-requests under dist-packages)
 * carries that OS package in `metadata.ownedBy`, so matching goes through the distro's advisories instead of
 * reporting it twice. Paths are compared after resolving symlinks (merged /usr: dpkg lists /lib/…).
 */
function markOwnership(packages: Package[], files: FileResolver): void {
  const owners = new Map<string, { kind: 'deb' | 'apk' | 'rpm'; name: string }>()
  const real = (p: string) => files.stat(p, { noFollow: false })?.path ?? p
  for (const p of packages) {
    const m = p.metadata
    if (m.kind !== 'deb' && m.kind !== 'apk' && m.kind !== 'rpm') continue
    for (const f of m.files) {
      const owner = { kind: m.kind, name: p.name }
      owners.set(f, owner)
      const r = real(f)
      if (r !== f) owners.set(r, owner)
    }
  }
  if (owners.size === 0) return
  for (const p of packages) {
    const m = p.metadata
    if (m.kind === 'deb' || m.kind === 'apk' || m.kind === 'rpm') continue
    const own = (m as { files?: unknown }).files
    const candidates = [
      ...(Array.isArray(own) ? own.filter((x): x is string => typeof x === 'string') : []),
      ...p.locations.map((l) => l.path),
    ]
    for (const path of candidates) {
      const owner = owners.get(path) ?? owners.get(real(path))
      if (owner) {
        m.ownedBy = owner
        break
      }
    }
  }
}

/** Image (or directory) → SBOM: one pass over the layers, distro detection, every cataloger. */
export async function generateSbom(source: Source, opts: GenerateOptions = {}): Promise<Sbom> {
  const all = opts.catalogers ?? CATALOGERS
  const catalogers = opts.onlyKinds ? all.filter((c) => c.kinds.some((k) => opts.onlyKinds?.includes(k))) : all
  opts.onStage?.('reading')
  const built = await buildFileTree(source, {
    requests: [DISTRO_FILES, ...catalogers.flatMap((c) => c.wants)],
    inspectors: catalogers.flatMap((c) => c.inspectors ?? []),
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
  markOwnership(packages, built.tree)
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
