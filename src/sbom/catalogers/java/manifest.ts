/**
 * `META-INF/MANIFEST.MF` as the JAR specification writes it: `Name: value` headers, lines ended by CRLF, LF or
 * CR, wrapped at 72 bytes with continuation lines that start with one space, sections separated by blank lines
 * (the first is the main section; the others start with `Name:` and describe one entry or package). Lines are
 * joined as bytes before decoding, since a wrap may split a UTF-8 sequence.
 */
export interface Manifest {
  /** Main attributes, by lower-cased name. */
  main: Map<string, string>
  /** Per-entry sections, in order. */
  sections: Map<string, string>[]
}

function logicalLines(buf: Buffer): Buffer[][] {
  const out: Buffer[][] = []
  let i = 0
  const n = buf.length
  while (i < n) {
    let j = i
    while (j < n && buf[j] !== 0x0a && buf[j] !== 0x0d) j++
    const line = buf.subarray(i, j)
    if (j < n && buf[j] === 0x0d && buf[j + 1] === 0x0a) j += 2
    else if (j < n) j++
    i = j
    const last = out[out.length - 1]
    if (line.length > 0 && line[0] === 0x20 && last && last.length > 0) last.push(line.subarray(1))
    else out.push(line.length ? [line] : [])
  }
  return out
}

export function parseManifest(buf: Buffer): Manifest {
  const manifest: Manifest = { main: new Map(), sections: [] }
  let current = manifest.main
  let blank = false
  for (const parts of logicalLines(buf)) {
    if (parts.length === 0) {
      // A blank line ends the section (once it has a header); the next header starts a new one.
      if (current.size > 0) blank = true
      continue
    }
    const line = Buffer.concat(parts).toString('utf8')
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    if (blank) {
      current = new Map()
      manifest.sections.push(current)
      blank = false
    }
    const key = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (!current.has(key)) current.set(key, value)
  }
  return manifest
}

/** The main attributes worth keeping in a package's metadata, as the manifest spells them. */
export const KEPT_ATTRIBUTES = [
  'Implementation-Title',
  'Implementation-Version',
  'Implementation-Vendor',
  'Implementation-Vendor-Id',
  'Specification-Title',
  'Specification-Version',
  'Specification-Vendor',
  'Bundle-SymbolicName',
  'Bundle-Name',
  'Bundle-Version',
  'Bundle-Vendor',
  'Bundle-License',
  'Automatic-Module-Name',
  'Main-Class',
  'Start-Class',
  'Created-By',
  'Build-Jdk-Spec',
] as const

export function keptAttributes(m: Manifest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of KEPT_ATTRIBUTES) {
    const v = m.main.get(k.toLowerCase())
    if (v) out[k] = v
  }
  return out
}

/** `org.foo.bar;singleton:=true` → `org.foo.bar`. */
export function symbolicName(v: string | undefined): string | undefined {
  const s = v?.split(';')[0]?.trim()
  return s || undefined
}

function main(m: Manifest, key: string): string | undefined {
  return m.main.get(key.toLowerCase()) || undefined
}

function inSections(m: Manifest, key: string): string | undefined {
  for (const s of m.sections) {
    const v = s.get(key.toLowerCase())
    if (v) return v
  }
  return undefined
}

/**
 * What the manifest says the archive is: the main section's Implementation-*, then Bundle-* (OSGi), then
 * Specification-*; per-entry sections only when the main section says nothing.
 */
export function manifestIdentity(m: Manifest): { name?: string; version?: string; vendor?: string } {
  const name =
    main(m, 'Implementation-Title') ??
    symbolicName(main(m, 'Bundle-SymbolicName')) ??
    main(m, 'Specification-Title') ??
    main(m, 'Bundle-Name') ??
    inSections(m, 'Implementation-Title') ??
    inSections(m, 'Specification-Title')
  const version =
    main(m, 'Implementation-Version') ??
    main(m, 'Bundle-Version') ??
    main(m, 'Specification-Version') ??
    inSections(m, 'Implementation-Version') ??
    inSections(m, 'Specification-Version')
  const vendor =
    main(m, 'Implementation-Vendor') ??
    main(m, 'Bundle-Vendor') ??
    main(m, 'Specification-Vendor') ??
    inSections(m, 'Implementation-Vendor')
  const out: { name?: string; version?: string; vendor?: string } = {}
  if (name) out.name = name
  if (version) out.version = version
  if (vendor) out.vendor = vendor.replace(/^"(.*)"$/, '$1')
  return out
}

/** `Bundle-License: Apache-2.0;link="…", MIT` → `['Apache-2.0', 'MIT']` (commas inside quotes kept). */
export function bundleLicenses(v: string | undefined): string[] {
  if (!v) return []
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (const ch of `${v},`) {
    if (ch === '"') quoted = !quoted
    if (ch === ',' && !quoted) {
      const id = cur
        .split(';')[0]
        ?.trim()
        .replace(/^"(.*)"$/, '$1')
      if (id && id !== '<<EXTERNAL>>') out.push(id)
      cur = ''
    } else cur += ch
  }
  return out
}
