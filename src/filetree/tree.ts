import { ShipshapeError } from '../internal/index.js'
import type { Location } from '../model/index.js'
import { compileGlobs, literalPrefix } from './glob.js'
import type { LayerListing } from './listing.js'
import { joinPath } from './paths.js'
import type {
  ContentVersion,
  FileInfo,
  FileResolver,
  Inspected,
  InspectionResult,
  LayerRef,
  NodeType,
} from './types.js'

interface Node {
  type: NodeType
  size: number
  mode: number
  linkTarget?: string
  first: number
  last: number
  children?: Map<string, Node>
  content?: Buffer
  inspections?: Record<string, InspectionResult>
}

/** Linux gives up after 40 symlinks in one lookup (ELOOP); so do we. */
const MAX_HOPS = 40

export type LinkProblem = { kind: 'loop' | 'escape'; path: string; target: string; layer: number }

class LinkError extends Error {
  constructor(readonly problem: 'loop' | 'escape') {
    super(problem)
  }
}

function newDir(layer: number, mode = 0o755): Node {
  return { type: 'directory', size: 0, mode, first: layer, last: layer, children: new Map() }
}

/**
 * The merged filesystem of an image: layers applied in order with overlay semantics (whiteouts, opaque
 * directories, a later entry replaces an earlier one), first and last layer recorded for every path, and
 * lookups that resolve symlinks inside the image root only.
 */
export class FileTree implements FileResolver {
  private readonly root: Node = newDir(0)
  private readonly histories = new Map<string, ContentVersion[]>()

  constructor(readonly layers: readonly LayerRef[]) {}

  apply(listing: LayerListing): void {
    const L = listing.index
    for (const w of listing.whiteouts) {
      const parent = this.lookupDir(parentOf(w))
      const name = w.slice(w.lastIndexOf('/') + 1)
      if (parent?.node.children?.delete(name)) this.recordDeletion(joinPath(parent.path, name), L)
    }
    for (const o of listing.opaques) {
      const dir = this.lookupDir(o)
      if (dir?.node.children && dir.node.children.size > 0) {
        dir.node.children.clear()
        this.recordDeletion(dir.path, L, true)
      }
    }
    for (const e of listing.entries) {
      const parent = this.ensureDir(parentOf(e.path), L)
      const name = e.path.slice(e.path.lastIndexOf('/') + 1)
      const realPath = joinPath(parent.path, name)
      const children = parent.node.children as Map<string, Node>
      const existing = children.get(name)
      if (e.type === 'directory') {
        if (existing?.type === 'directory') {
          existing.mode = e.mode
          existing.last = L
        } else children.set(name, newDir(L, e.mode))
        continue
      }
      let node: Node
      if (e.type === 'hardlink') {
        const target = this.resolve(e.linkname as string, false)
        const t = target?.node
        node =
          t && t.type === 'file'
            ? { type: 'file', size: t.size, mode: t.mode, first: L, last: L }
            : { type: 'file', size: 0, mode: e.mode, first: L, last: L }
        if (t?.content) node.content = t.content
        if (t?.inspections) node.inspections = t.inspections
      } else {
        node = { type: e.type, size: e.size, mode: e.mode, first: L, last: L }
        if (e.linkname !== undefined) node.linkTarget = e.linkname
        if (e.content) node.content = e.content
        if (e.inspections) node.inspections = e.inspections
      }
      // A path rewritten by a later layer keeps the layer it first appeared in.
      if (existing && existing.type !== 'directory') node.first = existing.first
      children.set(name, node)
      if (e.history) {
        const h = this.histories.get(realPath) ?? []
        h.push({ layerIndex: L, content: e.content })
        this.histories.set(realPath, h)
      }
    }
  }

  private recordDeletion(path: string, layer: number, childrenOnly = false): void {
    for (const [p, h] of this.histories) {
      if ((!childrenOnly && p === path) || p.startsWith(path === '/' ? '/' : `${path}/`)) {
        const lastV = h[h.length - 1]
        if (lastV && lastV.content !== undefined) h.push({ layerIndex: layer, content: undefined })
      }
    }
  }

  /** Walks to a directory, creating missing ones and following symlinked parents as containerd's applier does. */
  private ensureDir(path: string, layer: number): { node: Node; path: string } {
    let node = this.root
    let real = '/'
    const parts = path.split('/').filter(Boolean)
    let hops = 0
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i] as string
      const children = node.children as Map<string, Node>
      let child = children.get(name)
      if (child?.type === 'symlink' && hops < MAX_HOPS) {
        hops++
        const target = this.safeResolve(joinPath(real, name))
        if (target?.node.type === 'directory') {
          node = target.node
          real = target.path
          continue
        }
      }
      if (child?.type !== 'directory') {
        child = newDir(layer)
        children.set(name, child)
      }
      node = child
      real = joinPath(real, name)
    }
    return { node, path: real }
  }

  private lookupDir(path: string): { node: Node; path: string } | undefined {
    const r = this.safeResolve(path)
    return r?.node.type === 'directory' ? r : undefined
  }

  private safeResolve(path: string, followLast = true): { node: Node; path: string } | undefined {
    try {
      return this.resolve(path, followLast)
    } catch (e) {
      if (e instanceof LinkError) return undefined
      throw e
    }
  }

  /**
   * Resolves a path component by component. `..` at the root stays at the root (as in a chroot), but a
   * symlink that needs that is reported as escaping; more than 40 symlinks is a loop.
   */
  private resolve(path: string, followLast: boolean, strict = false): { node: Node; path: string } | undefined {
    const pending = path.split('/').filter(Boolean).reverse()
    const stack: { node: Node; name: string }[] = []
    let node = this.root
    let hops = 0
    while (pending.length > 0) {
      const name = pending.pop() as string
      if (name === '.') continue
      if (name === '..') {
        if (stack.length === 0) {
          if (strict) throw new LinkError('escape')
          continue
        }
        stack.pop()
        node = stack.length ? (stack[stack.length - 1] as { node: Node }).node : this.root
        continue
      }
      const child = node.children?.get(name)
      if (!child) return undefined
      if (child.type === 'symlink' && (pending.length > 0 || followLast)) {
        if (++hops > MAX_HOPS) throw new LinkError('loop')
        const target = child.linkTarget ?? ''
        const parts = target.split('/').filter(Boolean).reverse()
        pending.push(...parts)
        if (target.startsWith('/')) {
          stack.length = 0
          node = this.root
        }
        continue
      }
      if (pending.length > 0 && child.type !== 'directory') return undefined
      stack.push({ node: child, name })
      node = child
    }
    return { node, path: `/${stack.map((s) => s.name).join('/')}` }
  }

  /** Every symlink whose resolution loops or climbs above the root. */
  linkProblems(): LinkProblem[] {
    const out: LinkProblem[] = []
    this.walk(this.root, '/', (p, n) => {
      if (n.type !== 'symlink') return
      try {
        this.resolve(p, true, true)
      } catch (e) {
        if (e instanceof LinkError) out.push({ kind: e.problem, path: p, target: n.linkTarget ?? '', layer: n.last })
        else throw e
      }
    })
    return out
  }

  private walk(node: Node, path: string, fn: (path: string, node: Node) => void): void {
    if (!node.children) return
    for (const [name, child] of node.children) {
      const p = joinPath(path, name)
      fn(p, child)
      if (child.type === 'directory') this.walk(child, p, fn)
    }
  }

  private info(path: string, n: Node): FileInfo {
    const f: FileInfo = {
      path,
      type: n.type,
      size: n.size,
      mode: n.mode,
      firstLayer: n.first,
      lastLayer: n.last,
      hasContent: n.content !== undefined,
    }
    if (n.linkTarget !== undefined) f.linkTarget = n.linkTarget
    return f
  }

  stat(path: string, opts: { noFollow?: boolean } = {}): FileInfo | undefined {
    const r = this.safeResolve(path, !opts.noFollow)
    return r ? this.info(r.path, r.node) : undefined
  }

  read(path: string): Buffer | undefined {
    const r = this.safeResolve(path)
    return r?.node.type === 'file' ? r.node.content : undefined
  }

  glob(pattern: string): FileInfo[] {
    const re = compileGlobs([pattern])
    const prefix = literalPrefix(pattern)
    const start = prefix === '/' ? { node: this.root, path: '/' } : this.safeResolve(prefix)
    if (start?.node.type !== 'directory') return []
    const out: FileInfo[] = []
    this.walk(start.node, prefix, (p, n) => {
      if (re.test(p)) out.push(this.info(p, n))
    })
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }

  inspections(id: string): Inspected[] {
    const out: Inspected[] = []
    this.walk(this.root, '/', (p, n) => {
      const r = n.inspections?.[id]
      if (r) out.push({ path: p, info: this.info(p, n), result: r })
    })
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }

  history(path: string): ContentVersion[] {
    const r = this.safeResolve(path)
    return (r && this.histories.get(r.path)) ?? this.histories.get(path) ?? []
  }

  location(path: string): Location {
    const r = this.safeResolve(path)
    return this.locationIn(path, r?.node.last ?? 0)
  }

  locationIn(path: string, layerIndex: number): Location {
    const diffId = this.layers[layerIndex]?.diffId
    return diffId ? { path, layer: diffId, layerIndex } : { path, layerIndex }
  }

  /** Number of paths, for progress and benchmarks. */
  count(): number {
    let n = 0
    this.walk(this.root, '/', () => {
      n++
    })
    return n
  }
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/')
  return i <= 0 ? '/' : p.slice(0, i)
}

export function linkError(p: LinkProblem, where: string): ShipshapeError {
  return p.kind === 'loop'
    ? new ShipshapeError('SYMLINK_LOOP', `symlink loop at ${p.path} (→ ${p.target}) in layer ${p.layer}`, { where })
    : new ShipshapeError(
        'SYMLINK_ESCAPE',
        `symlink ${p.path} → ${p.target} in layer ${p.layer} points outside the image root`,
        { where },
      )
}
