import type { Digest } from './digest.js'

/** Where a file was seen: its path in the image and the layer (by diff_id) that holds the version we read. */
export interface Location {
  path: string
  /** diff_id of the layer; absent for a plain directory (`fs://`). */
  layer?: Digest
  layerIndex: number
}
