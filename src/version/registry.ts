import { apkScheme } from './apk.js'
import { composerScheme } from './composer.js'
import { debScheme } from './deb.js'
import { gemScheme } from './gem.js'
import { goScheme } from './go.js'
import { mavenScheme } from './maven.js'
import { npmScheme } from './npm.js'
import { nugetScheme } from './nuget.js'
import { pep440Scheme } from './pep440.js'
import { rpmScheme } from './rpm.js'
import type { SchemeName, VersionScheme } from './scheme.js'
import { semverScheme } from './semver.js'
import { unknownScheme } from './unknown.js'

/** Every scheme by name; one line each. */
// biome-ignore format: one registration line per scheme
export const SCHEMES: { readonly [K in SchemeName]: VersionScheme<unknown> } = {
  deb: debScheme as VersionScheme<unknown>,
  rpm: rpmScheme as VersionScheme<unknown>,
  apk: apkScheme as VersionScheme<unknown>,
  semver: semverScheme as VersionScheme<unknown>,
  npm: npmScheme as VersionScheme<unknown>,
  pep440: pep440Scheme as VersionScheme<unknown>,
  maven: mavenScheme as VersionScheme<unknown>,
  gem: gemScheme as VersionScheme<unknown>,
  go: goScheme as VersionScheme<unknown>,
  nuget: nugetScheme as VersionScheme<unknown>,
  composer: composerScheme as VersionScheme<unknown>,
  unknown: unknownScheme as VersionScheme<unknown>,
}

export function isSchemeName(s: string): s is SchemeName {
  return Object.hasOwn(SCHEMES, s)
}

/**
 * The scheme of an OSV ecosystem name (`Debian:12`, `Alpine:v3.18`, `PyPI`, `crates.io`, …) or of one of our
 * namespaces (`debian:12`, `npm`). Anything not known gets the unknown scheme, which never guesses.
 */
export function schemeForEcosystem(ecosystem: string): SchemeName {
  const base = ecosystem.split(':')[0]?.trim().toLowerCase() ?? ''
  switch (base) {
    case 'debian':
    case 'ubuntu':
      return 'deb'
    case 'alpine':
    case 'wolfi':
    case 'chainguard':
      return 'apk'
    case 'rocky linux':
    case 'rocky':
    case 'almalinux':
    case 'red hat':
    case 'rhel':
    case 'centos':
    case 'fedora':
    case 'opensuse':
    case 'suse':
    case 'amzn':
    case 'amazon linux':
    case 'oracle linux':
    case 'ol':
    case 'mageia':
      return 'rpm'
    case 'npm':
      return 'npm'
    case 'pypi':
    case 'python':
      return 'pep440'
    case 'maven':
      return 'maven'
    case 'rubygems':
    case 'gem':
      return 'gem'
    case 'go':
    case 'golang':
      return 'go'
    case 'nuget':
      return 'nuget'
    case 'packagist':
    case 'composer':
      return 'composer'
    // crates.io, Hex and Pub publish SemVer 2 versions.
    case 'crates.io':
    case 'cargo':
    case 'hex':
    case 'pub':
      return 'semver'
    default:
      return 'unknown'
  }
}
