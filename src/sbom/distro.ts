import type { ContentRequest, FileResolver } from '../filetree/index.js'
import type { Distro } from '../model/index.js'

export const DISTRO_FILES: ContentRequest = {
  globs: [
    '/etc/os-release',
    '/usr/lib/os-release',
    '/etc/debian_version',
    '/etc/alpine-release',
    '/etc/redhat-release',
    '/etc/system-release',
  ],
  maxBytes: 64 * 1024,
}

/** os-release: shell-like `KEY=value` with optional quotes and backslash escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    let v = line.slice(eq + 1).trim()
    const q = v[0]
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) {
      v = v.slice(1, -1)
      if (q === '"') v = v.replace(/\\(["\\$`])/g, '$1')
    }
    out[line.slice(0, eq)] = v
  }
  return out
}

function fromOsRelease(text: string, source: string): Distro | undefined {
  const kv = parseOsRelease(text)
  if (!kv.ID) return undefined
  const d: Distro = { id: kv.ID.toLowerCase(), idLike: (kv.ID_LIKE ?? '').split(/\s+/).filter(Boolean), source }
  if (kv.VERSION_ID) d.versionId = kv.VERSION_ID
  if (kv.VERSION_CODENAME) d.versionCodename = kv.VERSION_CODENAME
  if (kv.PRETTY_NAME) d.prettyName = kv.PRETTY_NAME
  return d
}

const REDHAT_IDS: [RegExp, string][] = [
  [/^CentOS/i, 'centos'],
  [/^Rocky/i, 'rocky'],
  [/^AlmaLinux/i, 'almalinux'],
  [/^Red Hat Enterprise Linux/i, 'rhel'],
  [/^Fedora/i, 'fedora'],
  [/^Amazon Linux/i, 'amzn'],
  [/^Oracle Linux/i, 'ol'],
]

/**
 * The release an image is built from, in os-release's order of precedence (/etc, then /usr/lib), then the
 * distro-specific release files that older and distroless images still carry.
 */
export function detectDistro(files: FileResolver): Distro | undefined {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    const buf = files.read(path)
    const d = buf && fromOsRelease(buf.toString('utf8'), path)
    if (d) return d
  }
  const alpine = files.read('/etc/alpine-release')?.toString('utf8').trim()
  if (alpine) return { id: 'alpine', versionId: alpine, idLike: [], source: '/etc/alpine-release' }
  for (const path of ['/etc/redhat-release', '/etc/system-release']) {
    const text = files.read(path)?.toString('utf8').trim()
    if (!text) continue
    const id = REDHAT_IDS.find(([re]) => re.test(text))?.[1]
    const version = /release\s+([\d.]+)/.exec(text)?.[1]
    if (id) {
      const d: Distro = { id, idLike: ['rhel', 'fedora'], prettyName: text, source: path }
      // Advisories key RHEL-likes by major release (rocky:9), as os-release's VERSION_ID does (9.3 → match on 9).
      if (version) d.versionId = version
      return d
    }
  }
  const debian = files.read('/etc/debian_version')?.toString('utf8').trim()
  if (debian) {
    const d: Distro = { id: 'debian', idLike: [], prettyName: `Debian ${debian}`, source: '/etc/debian_version' }
    const m = /^(\d+)/.exec(debian)
    if (m) d.versionId = m[1] as string
    else d.versionCodename = debian.split('/')[0] as string
    return d
  }
  return undefined
}
