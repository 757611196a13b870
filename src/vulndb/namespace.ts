import { type SchemeName, schemeForEcosystem } from '../version/index.js'

/** Debian and Ubuntu name releases by codename in their trackers; advisories are keyed by number. */
export const DEBIAN_CODENAMES: Record<string, string> = {
  buzz: '1.1',
  rex: '1.2',
  bo: '1.3',
  hamm: '2.0',
  slink: '2.1',
  potato: '2.2',
  woody: '3.0',
  sarge: '3.1',
  etch: '4',
  lenny: '5',
  squeeze: '6',
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  sid: 'unstable',
}

const DISTRO_IDS: Record<string, string> = {
  debian: 'debian',
  ubuntu: 'ubuntu',
  alpine: 'alpine',
  'rocky linux': 'rocky',
  rocky: 'rocky',
  almalinux: 'almalinux',
  'red hat': 'rhel',
  rhel: 'rhel',
  centos: 'centos',
  suse: 'sles',
  'suse linux enterprise server': 'sles',
  opensuse: 'opensuse',
  wolfi: 'wolfi',
  chainguard: 'chainguard',
  'photon os': 'photon',
  mageia: 'mageia',
  'amazon linux': 'amzn',
  amzn: 'amzn',
  'oracle linux': 'ol',
}

const ECOSYSTEMS: Record<string, string> = {
  npm: 'npm',
  pypi: 'pypi',
  go: 'go',
  maven: 'maven',
  rubygems: 'rubygems',
  'crates.io': 'crates.io',
  nuget: 'nuget',
  packagist: 'packagist',
  hex: 'hex',
  pub: 'pub',
}

/**
 * Our namespace of an OSV ecosystem string: the distro release for OS ecosystems (`Debian:12` → `debian:12`,
 * `Alpine:v3.18` → `alpine:3.18`, `Ubuntu:22.04:LTS` → `ubuntu:22.04`, `Rocky Linux:9` → `rocky:9`), the
 * lower-cased ecosystem for language ones. Undefined for ecosystems we do not know.
 */
export function namespaceForEcosystem(ecosystem: string): string | undefined {
  const [base = '', ...rest] = ecosystem.split(':').map((s) => s.trim())
  const lower = base.toLowerCase()
  const eco = ECOSYSTEMS[lower]
  if (eco) return eco
  const distro = DISTRO_IDS[lower]
  if (!distro) return undefined
  const parts = rest.filter(Boolean).map((p) => p.toLowerCase().replace(/^v(?=\d)/, ''))
  if (parts.length === 0) return distro
  // The release is the first part that is a number (`Ubuntu:Pro:FIPS:20.04:LTS`, `Red Hat:enterprise_linux:9::appstream`),
  // else a number inside one (`SUSE:Linux Enterprise Server 15 SP5`, `openSUSE:Leap 15.5`), else a codename.
  let r = parts.find((p) => /^\d/.test(p))
  if (r === undefined) r = parts.map((p) => /\b(\d+(?:\.\d+)?)\b/.exec(p)?.[1]).find((x) => x !== undefined)
  if (r === undefined) {
    const first = parts[0] as string
    r = distro === 'debian' || distro === 'ubuntu' ? (DEBIAN_CODENAMES[first] ?? first) : first
  }
  return `${distro}:${r}`
}

/** A distro namespace from an SBOM's distro (`debian` `12.4` → `debian:12`; alpine keeps major.minor). */
export function namespaceForDistro(id: string, versionId: string | undefined): string | undefined {
  if (!versionId) return undefined
  const d = DISTRO_IDS[id.toLowerCase()] ?? id.toLowerCase()
  const parts = versionId.split('.')
  switch (d) {
    case 'alpine':
    case 'ubuntu':
      return `${d}:${parts.slice(0, 2).join('.')}`
    default:
      return `${d}:${parts[0]}`
  }
}

/** The version scheme of a namespace. */
export function schemeForNamespace(namespace: string): SchemeName {
  return schemeForEcosystem(namespace)
}

/**
 * Package names as each ecosystem compares them: PyPI by PEP 503 (case, runs of `-_.`), NuGet and Packagist
 * case-insensitively, Maven as `group:artifact`; everything else exactly.
 */
export function normalizePackageName(namespace: string, name: string): string {
  const ns = namespace.split(':')[0]
  switch (ns) {
    case 'pypi':
      return name.toLowerCase().replace(/[-_.]+/g, '-')
    case 'nuget':
    case 'packagist':
      return name.toLowerCase()
    default:
      return name
  }
}
