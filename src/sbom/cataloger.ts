import type { ContentRequest, FileInspector, FileResolver } from '../filetree/index.js'
import type { Distro, Package, ScanIssue } from '../model/index.js'

export interface CatalogContext {
  files: FileResolver
  distro: Distro | undefined
}

export interface CatalogResult {
  packages: Package[]
  issues: ScanIssue[]
}

/**
 * One ecosystem's reader of installed-package metadata. It declares which files it needs before the layer walk
 * (the walk keeps only those) and then reads them from the resolver. It never throws for bad content: it returns
 * what it could read plus located issues.
 */
export interface Cataloger {
  /** Stable name, e.g. `dpkg`. */
  readonly name: string
  /** Bumped whenever its output for the same input changes. */
  readonly version: number
  /** The package kinds it produces (for `--only-package-type`). */
  readonly kinds: readonly Package['kind'][]
  readonly wants: readonly ContentRequest[]
  /** Readers of executables and archives that run during the layer walk (`files.inspections(id)` afterwards). */
  readonly inspectors?: readonly FileInspector[]
  catalog(ctx: CatalogContext): CatalogResult | Promise<CatalogResult>
}
