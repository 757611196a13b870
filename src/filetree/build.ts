import type { Image, Source } from '../image/index.js'
import { mapLimit } from '../internal/index.js'
import type { ScanIssue } from '../model/index.js'
import { ContentPolicy, DEFAULT_TOTAL_CAP } from './content-policy.js'
import { walkDirectory } from './fs-walk.js'
import { DEFAULT_LIMITS, type WalkLimits, type WalkProgress, walkLayer } from './layer-walk.js'
import type { LayerListing } from './listing.js'
import { FileTree, linkError } from './tree.js'
import type { ContentRequest, FileInspector } from './types.js'

export interface BuildOptions {
  requests: readonly ContentRequest[]
  /** Readers of executables and archives, run on every file they accept as it streams past. */
  inspectors?: readonly FileInspector[]
  /** Layers read at once (default 4: zlib inflates on the libuv pool, so more layers than cores still helps). */
  concurrency?: number
  limits?: WalkLimits
  totalContentCap?: number
  onProgress?: WalkProgress
}

export interface BuiltTree {
  tree: FileTree
  issues: ScanIssue[]
  /** Uncompressed bytes per layer. */
  layerBytes: number[]
}

function describe(image: Image): string {
  return image.ref.raw
}

/** The one pass over an image: every layer streamed once, in parallel, then merged in order. */
export async function buildFileTree(source: Source, opts: BuildOptions): Promise<BuiltTree> {
  const policy = new ContentPolicy(opts.requests, opts.totalContentCap ?? DEFAULT_TOTAL_CAP)
  const issues: ScanIssue[] = []
  let listings: LayerListing[]
  let tree: FileTree
  if (source.kind === 'filesystem') {
    const r = walkDirectory(source.fs.root, policy, opts.inspectors ?? [])
    listings = [r.listing]
    issues.push(...r.issues)
    tree = new FileTree([{ index: 0 }])
  } else {
    const image = source.image
    const where = describe(image)
    tree = new FileTree(image.layers.map((l) => ({ index: l.index, diffId: l.diffId })))
    listings = await mapLimit(image.layers, opts.concurrency ?? 4, (layer) =>
      walkLayer(layer, policy, {
        where,
        limits: opts.limits ?? DEFAULT_LIMITS,
        inspectors: opts.inspectors ?? [],
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      }),
    )
  }
  for (const l of listings) {
    tree.apply(l)
    for (const e of l.entries) {
      if (e.contentDropped) {
        issues.push({
          kind: 'truncated-content',
          message: `${e.path} (${e.size} bytes) is over the ${e.contentDropped === 'file-cap' ? 'per-file' : 'total'} content cap; not read`,
          location: tree.locationIn(e.path, l.index),
          source: 'filetree',
        })
      }
    }
  }
  const problems = tree.linkProblems()
  if (problems.length > 0) {
    if (source.kind === 'image') throw linkError(problems[0] as (typeof problems)[0], describe(source.image))
    // A live host is what it is: report its odd links and go on.
    for (const p of problems) {
      issues.push({
        kind: 'unreadable-file',
        message: p.kind === 'loop' ? `symlink loop (→ ${p.target})` : `symlink points outside the root (→ ${p.target})`,
        location: { path: p.path, layerIndex: 0 },
        source: 'filetree',
      })
    }
  }
  return { tree, issues, layerBytes: listings.map((l) => l.bytes) }
}
