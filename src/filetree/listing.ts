import type { InspectionResult, NodeType } from './types.js'

/** What one layer (or a directory tree) contains, in the order it was read. */
export interface LayerEntry {
  path: string
  type: NodeType | 'hardlink'
  size: number
  mode: number
  /** Symlink target as written, or the hard link's target path (normalised). */
  linkname?: string
  content?: Buffer
  /** The file matched a request but was over a cap, so its content was not kept. */
  contentDropped?: 'file-cap' | 'total-cap'
  /** Keep this version in the path's history (a request with `allLayers`). */
  history?: boolean
  /** Results of the inspectors that read this file, by inspector id. */
  inspections?: Record<string, InspectionResult>
}

export interface LayerListing {
  index: number
  entries: LayerEntry[]
  /** Paths deleted by `.wh.NAME` entries. */
  whiteouts: string[]
  /** Directories emptied by `.wh..wh..opq`. */
  opaques: string[]
  /** Uncompressed bytes read. */
  bytes: number
}
