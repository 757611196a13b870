import type { Location } from './location.js'

/** Stable id of a package inside one SBOM (a hash of its identity and location). */
export type PackageId = string & { readonly __brand: 'PackageId' }

export type PackageKind =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'npm'
  | 'python'
  | 'java'
  | 'go-module'
  | 'rust-crate'
  | 'gem'
  | 'composer'
  | 'nuget'

export const OS_PACKAGE_KINDS: readonly PackageKind[] = ['deb', 'apk', 'rpm']

export function isOsPackageKind(k: PackageKind): boolean {
  return k === 'deb' || k === 'apk' || k === 'rpm'
}

export interface DebMetadata {
  kind: 'deb'
  architecture: string
  /** Source package; equals the binary name when the control file has no `Source:` field. */
  source: string
  sourceVersion: string
  installedSize?: number
  maintainer?: string
  status?: string
  /** Files the package owns (from `info/NAME[:ARCH].list`, else `.md5sums`), absolute paths. */
  files: string[]
  /** Where the file list came from. */
  filesFrom?: string
  depends?: string[]
}

export interface ApkMetadata {
  kind: 'apk'
  architecture: string
  origin: string
  installedSize?: number
  maintainer?: string
  license?: string
  url?: string
  commit?: string
  depends?: string[]
  provides?: string[]
  files: string[]
}

export interface RpmMetadata {
  kind: 'rpm'
  epoch?: number
  /** Version without epoch and release. */
  upstreamVersion: string
  release: string
  architecture: string
  sourceRpm?: string
  vendor?: string
  license?: string
  installedSize?: number
  files: string[]
}

/** Language packages get their own shapes as their catalogers arrive; this is their common ground. */
export interface LanguageMetadata {
  kind: Exclude<PackageKind, 'deb' | 'apk' | 'rpm'>
  /** The OS package that owns the files this package was read from, if any. */
  ownedBy?: { kind: 'deb' | 'apk' | 'rpm'; name: string }
  [key: string]: unknown
}

export type PackageMetadata = DebMetadata | ApkMetadata | RpmMetadata | LanguageMetadata

export interface Package {
  id: PackageId
  name: string
  /** The version as the ecosystem writes it (for deb/rpm: `[epoch:]version-release`). */
  version: string
  kind: PackageKind
  purl: string
  licenses?: string[]
  /** The layer whose change first brought this package (unchanged since) into the image. */
  introducedIn: Location
  /** The layer that last changed this package's record. */
  lastChangedIn: Location
  /** Every file the package was read from. */
  locations: Location[]
  /** `name/version` of the cataloger. */
  foundBy: string
  /** For OS packages: the source package the distro's advisories are keyed by. */
  source?: { name: string; version: string }
  metadata: PackageMetadata
}
