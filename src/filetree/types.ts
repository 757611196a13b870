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

export type InspectionResult = { ok: true; value: unknown } | { ok: false; error: string }

/** Shared memory budget of the walk, for inspectors that must hold a file (an archive) to read it. */
export interface MemoryBudget {
  reserve(bytes: number): boolean
  release(bytes: number): void
}

export interface InspectorSink {
  write(chunk: Buffer): void
  /** After the last byte: what the file told (kept per path), or why it could not be read. */
  end(): InspectionResult
}

/**
 * Reads files as they stream past in the one layer walk and keeps only what it extracts — for executables and
 * archives, whose contents are too big to keep (Go build info, Rust's audit data, jars). Throwing is allowed:
 * it is recorded as a failed inspection of that file and the walk goes on.
 */
export interface FileInspector {
  /** Results are found under this id (`files.inspections(id)`). */
  readonly id: string
  /** A cheap filter on the tar header, before any byte is read. */
  accepts(path: string, size: number, mode: number): boolean
  /** Bytes of the file's head that `open` needs to decide (default 64). */
  readonly headBytes?: number
  /** Given the head, a sink for the whole file (the head included), or undefined to skip it. */
  open(path: string, head: Buffer, size: number, budget: MemoryBudget): InspectorSink | undefined
}

export interface Inspected {
  path: string
  info: FileInfo
  result: InspectionResult
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
  /** What an inspector found in each file it read, for files present in the final filesystem. */
  inspections(id: string): Inspected[]
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
