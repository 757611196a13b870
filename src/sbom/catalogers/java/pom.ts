/** Maven's descriptors inside an archive: `META-INF/maven/<group>/<artifact>/pom.properties` and `pom.xml`. */

export interface MavenCoordinates {
  groupId: string
  artifactId: string
  version: string
  /** Declared in pom.xml (`<licenses><license><name>`). */
  licenses?: string[]
  /** `<name>` of pom.xml. */
  title?: string
}

// --- pom.properties: java.util.Properties, ISO-8859-1 with \uXXXX escapes --------------------------------------

function unescapeProperty(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(Number.parseInt(e.slice(1), 16))
    switch (e) {
      case 't':
        return '\t'
      case 'n':
        return '\n'
      case 'r':
        return '\r'
      case 'f':
        return '\f'
      default:
        return e
    }
  })
}

/** Every `key=value` (or `key: value`, `key value`) of a properties file, continuation lines joined. */
export function parseProperties(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>()
  const lines = buf.toString('latin1').split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] as string).replace(/^[ \t\f]+/, '')
    if (line === '' || line[0] === '#' || line[0] === '!') continue
    // A line ending in an odd number of backslashes continues on the next one (its leading blanks dropped).
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] as string).replace(/^[ \t\f]+/, '')
    }
    let k = 0
    while (k < line.length) {
      const c = line[k]
      if (c === '\\') k += 2
      else if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break
      else k++
    }
    const key = unescapeProperty(line.slice(0, k))
    let rest = line.slice(k).replace(/^[ \t\f]+/, '')
    if (rest[0] === '=' || rest[0] === ':') rest = rest.slice(1).replace(/^[ \t\f]+/, '')
    if (!out.has(key)) out.set(key, unescapeProperty(rest).trim())
  }
  return out
}

export function parsePomProperties(buf: Buffer): MavenCoordinates | undefined {
  const p = parseProperties(buf)
  const groupId = p.get('groupId')
  const artifactId = p.get('artifactId')
  const version = p.get('version')
  if (!groupId || !artifactId || !version) return undefined
  return { groupId, artifactId, version }
}

// --- pom.xml: just enough XML for the project's coordinates -------------------------------------------------------

interface XmlNode {
  name: string
  children: XmlNode[]
  text: string
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10)
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m
    }
    return ENTITIES[e] ?? m
  })
}

const MAX_XML_DEPTH = 64

/** A tree of elements (namespace prefixes dropped), or undefined when the tags do not nest. */
export function parseXml(text: string): XmlNode | undefined {
  const root: XmlNode = { name: '', children: [], text: '' }
  const stack: XmlNode[] = [root]
  const re =
    /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<[?!][^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g
  let at = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const top = stack[stack.length - 1] as XmlNode
    top.text += decodeEntities(text.slice(at, m.index))
    at = re.lastIndex
    if (m[1] !== undefined) {
      top.text += m[1]
      continue
    }
    const tag = m[3]
    if (tag === undefined) continue
    const name = tag.slice(tag.indexOf(':') + 1)
    if (m[2] === '/') {
      if (top.name !== name || stack.length === 1) return undefined
      stack.pop()
    } else {
      const node: XmlNode = { name, children: [], text: '' }
      top.children.push(node)
      if (m[5] !== '/') {
        if (stack.length > MAX_XML_DEPTH) return undefined
        stack.push(node)
      }
    }
  }
  return stack.length === 1 ? root : undefined
}

function child(n: XmlNode | undefined, name: string): XmlNode | undefined {
  return n?.children.find((c) => c.name === name)
}

function textOf(n: XmlNode | undefined, name: string): string | undefined {
  const t = child(n, name)?.text.trim()
  return t || undefined
}

/** Replaces `${…}` from the pom's own properties and coordinates; undefined when something stays unresolved. */
function interpolate(value: string | undefined, props: Map<string, string>): string | undefined {
  if (value === undefined) return undefined
  let v = value
  for (let i = 0; i < 10 && v.includes('${'); i++) {
    v = v.replace(/\$\{([^}]*)\}/g, (m, k: string) => props.get(k) ?? m)
  }
  return v.includes('${') ? undefined : v
}

interface PomProject {
  groupId?: string
  artifactId?: string
  version?: string
  licenses: string[]
  title?: string
}

function readProject(buf: Buffer): PomProject | undefined {
  const doc = parseXml(buf.toString('utf8').replace(/^\uFEFF/, ''))
  const project = child(doc, 'project')
  if (!project) return undefined
  const parent = child(project, 'parent')
  const rawGroup = textOf(project, 'groupId') ?? textOf(parent, 'groupId')
  const rawArtifact = textOf(project, 'artifactId')
  const rawVersion = textOf(project, 'version') ?? textOf(parent, 'version')
  const props = new Map<string, string>()
  for (const p of child(project, 'properties')?.children ?? []) props.set(p.name, p.text.trim())
  const set = (keys: string[], v: string | undefined) => {
    if (v !== undefined) for (const k of keys) props.set(k, v)
  }
  set(['project.groupId', 'pom.groupId', 'groupId'], rawGroup)
  set(['project.artifactId', 'pom.artifactId', 'artifactId'], rawArtifact)
  set(['project.version', 'pom.version', 'version'], rawVersion)
  set(['project.parent.groupId', 'parent.groupId'], textOf(parent, 'groupId'))
  set(['project.parent.version', 'parent.version'], textOf(parent, 'version'))
  const out: PomProject = {
    licenses: (child(project, 'licenses')?.children ?? [])
      .filter((l) => l.name === 'license')
      .map((l) => interpolate(textOf(l, 'name'), props))
      .filter((l): l is string => !!l),
  }
  const groupId = interpolate(rawGroup, props)
  if (groupId) out.groupId = groupId
  const artifactId = interpolate(rawArtifact, props)
  if (artifactId) out.artifactId = artifactId
  const version = interpolate(rawVersion, props)
  if (version) out.version = version
  const title = interpolate(textOf(project, 'name'), props)
  if (title) out.title = title
  return out
}

/** The coordinates a pom.xml declares (parent's group and version inherited, `${…}` resolved from the pom itself). */
export function parsePomXml(buf: Buffer): MavenCoordinates | undefined {
  const p = readProject(buf)
  if (!p?.groupId || !p.artifactId || !p.version) return undefined
  const out: MavenCoordinates = { groupId: p.groupId, artifactId: p.artifactId, version: p.version }
  if (p.licenses.length) out.licenses = p.licenses
  if (p.title) out.title = p.title
  return out
}

/** Licenses only (for a pom.xml read beside a pom.properties), even when its coordinates do not resolve. */
export function pomXmlLicenses(buf: Buffer): string[] {
  return readProject(buf)?.licenses ?? []
}
