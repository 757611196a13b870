import type { Digest, Location } from '../model/index.js'

export type NodeType = 'file' | 'directory' | 'symlink' | 'other'

/** What the index knows of one path of the final (merged) filesystem. */
export interface FileInfo {
  /** Absolute, normalised path, symlinks in it resolved. */
  path: string
  type: NodeType
  size: number
  mode: number
  /** Target as written, for symlinks. */
  linkTarget?: string
  /** Layer index where this path (in its present incarnation) first appeared. */
  firstLayer: number
  /** Layer index that last wrote it. */
  lastLayer: number
  /** Whether the content was kept (a cataloger asked for it and it fit under the caps). */
  hasContent: boolean
}

/** One recorded version of a file's content, from the layer that wrote it. */
export interface ContentVersion {
  layerIndex: number
  /** undefined when the layer deleted the file. */
  content: Buffer | undefined
}

export interface LayerRef {
  index: number
  diffId?: Digest
}

/**
 * Read access to the merged filesystem of an image (or a directory tree), for catalogers. Paths are absolute
 * (`/var/lib/dpkg/status`); symlinks are followed inside the image only.
 */
export interface FileResolver {
  readonly layers: readonly LayerRef[]
  /** Follows symlinks (also in the last component unless `noFollow`). */
  stat(path: string, opts?: { noFollow?: boolean }): FileInfo | undefined
  /** Kept content of the file at `path` (following symlinks), if a cataloger asked for it. */
  read(path: string): Buffer | undefined
  /** Paths of the merged tree matching a glob (`*`, `**`, `?`, `{a,b}`); symlinks are not followed while listing. */
  glob(pattern: string): FileInfo[]
  /** Every version of a kept file, in layer order, including the layers that deleted it. */
  history(path: string): ContentVersion[]
  /** The location of a path as of its last change. */
  location(path: string): Location
  /** The location of a path as written by a given layer. */
  locationIn(path: string, layerIndex: number): Location
}

/** A cataloger's request: keep the contents of paths matching these globs. */
export interface ContentRequest {
  globs: string[]
  /** Per-file cap in bytes (default 64 MiB). Bigger files are recorded as present but not kept. */
  maxBytes?: number
  /** Keep every layer's version, not just the final one (package databases, to date each package). */
  allLayers?: boolean
}
