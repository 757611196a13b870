import { compileGlobs } from './glob.js'
import type { ContentRequest } from './types.js'

export const DEFAULT_FILE_CAP = 64 * 1024 * 1024
export const DEFAULT_TOTAL_CAP = 192 * 1024 * 1024

/** Decides which paths' contents the walk keeps, within a per-file cap and a budget shared by all layers. */
export class ContentPolicy {
  private readonly rules: { re: RegExp; maxBytes: number; allLayers: boolean }[]
  private used = 0

  constructor(
    requests: readonly ContentRequest[],
    readonly totalCap = DEFAULT_TOTAL_CAP,
  ) {
    this.rules = requests.map((r) => ({
      re: compileGlobs(r.globs),
      maxBytes: r.maxBytes ?? DEFAULT_FILE_CAP,
      allLayers: r.allLayers ?? false,
    }))
  }

  /** The request a path falls under (the most generous when several match). */
  match(path: string): { maxBytes: number; allLayers: boolean } | undefined {
    let hit: { maxBytes: number; allLayers: boolean } | undefined
    for (const r of this.rules) {
      if (r.re.test(path)) {
        hit = hit
          ? { maxBytes: Math.max(hit.maxBytes, r.maxBytes), allLayers: hit.allLayers || r.allLayers }
          : { maxBytes: r.maxBytes, allLayers: r.allLayers }
      }
    }
    return hit
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes)
  }

  /** Reserves budget for a file; false when the total cap would be exceeded. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.totalCap) return false
    this.used += bytes
    return true
  }

  get bytesKept(): number {
    return this.used
  }
}
