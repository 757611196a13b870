import type { Sbom } from '../../model/index.js'

/**
 * The flavour of an image as Scout's advice groups them: what its tag says first (`-slim`, `-alpine`…), then what is
 * inside (an Alpine distro; Debian packages without dpkg itself is a distroless-style image).
 */
export function flavourOf(tag: string | undefined, sbom: Sbom): string {
  const t = (tag ?? '').toLowerCase()
  if (/(^|[-_.])alpine/.test(t) || sbom.distro?.id === 'alpine') return 'alpine'
  if (/(^|[-_.])distroless/.test(t)) return 'distroless'
  if (/(^|[-_.])slim/.test(t)) return 'slim'
  if (/(^|[-_.])(minimal|micro)/.test(t)) return 'minimal'
  const debs = sbom.packages.filter((p) => p.kind === 'deb')
  if (debs.length > 0 && !debs.some((p) => p.name === 'dpkg')) return 'distroless'
  return 'default'
}

/** Language runtimes an image ships, by the OS package that carries each (their versions are what advice notes). */
const RUNTIMES: [RegExp, string][] = [
  [/^python3\.\d+$/, 'python'],
  [/^nodejs$/, 'node'],
  [/^openjdk-\d+-jre(-headless)?$/, 'java'],
  [/^ruby\d+\.\d+$/, 'ruby'],
  [/^golang-\d+\.\d+-go$/, 'go'],
  [/^php\d+\.\d+-cli$/, 'php'],
  [/^perl-base$/, 'perl'],
]

export function runtimesOf(sbom: Sbom): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of sbom.packages) {
    if (p.kind !== 'deb' && p.kind !== 'apk' && p.kind !== 'rpm') continue
    for (const [re, name] of RUNTIMES) {
      if (!re.test(p.name)) continue
      if (out[name] === undefined) out[name] = upstreamVersion(p.version)
      break
    }
  }
  return out
}

/** `5.36.0-7+deb12u1` → `5.36.0`, `1:2.3-4` → `2.3`: the runtime's own version, without packaging. */
function upstreamVersion(v: string): string {
  return v
    .replace(/^\d+:/, '')
    .replace(/-[^-]*$/, '')
    .replace(/[+~].*$/, '')
}

/** Whether a runtime moved by a major or minor version between two images, for advice lines. */
export function runtimeChange(from: string, to: string): 'major' | 'minor' | 'patch' | 'none' {
  if (from === to) return 'none'
  const a = from.split('.')
  const b = to.split('.')
  if (a[0] !== b[0]) return 'major'
  if (a[1] !== b[1]) return 'minor'
  return 'patch'
}
