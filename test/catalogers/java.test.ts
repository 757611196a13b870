import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createDeflateRaw, deflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MemoryBudget } from '../../src/filetree/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import { crc32 } from '../../src/internal/zip.js'
import type { Package, Sbom } from '../../src/model/index.js'
import {
  type JarScan,
  type JavaMetadata,
  javaArchiveInspector,
  javaCataloger,
  makeJavaCataloger,
  manifestIdentity,
  parseArchiveFileName,
  parseManifest,
  parsePomProperties,
  parsePomXml,
  parseProperties,
} from '../../src/sbom/catalogers/java/index.js'
import { type GenerateOptions, generateSbom } from '../../src/sbom/index.js'
import { builtLayout, FIXTURES, readTsv, truthFile } from '../helpers/images.js'
import { gzipLayer, makeTar, writeOciLayout } from '../helpers/make-image.js'

const CASES = join(FIXTURES, 'catalogers', 'java')
const meta = (p: Package) => p.metadata as JavaMetadata

async function sbomOf(ref: string, opts: GenerateOptions = {}): Promise<Sbom> {
  return generateSbom(await openSource(parseImageRef(ref)), { catalogers: [javaCataloger], ...opts })
}

/** What expected.json pins down: identity, where it came from, and the archive's sha1. */
function project(p: Package) {
  const m = meta(p)
  return JSON.parse(
    JSON.stringify({
      path: m.path,
      parent: m.parent,
      identity: m.identity,
      descriptor: m.descriptor,
      name: p.name,
      version: p.version,
      purl: p.purl,
      sha1: m.sha1,
      licenses: p.licenses,
      vendor: m.vendor,
      shaded: m.shaded,
    }),
  )
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)

// --- zips written at test time -------------------------------------------------------------------------------

interface Member {
  name: string
  data?: Buffer | string
  method?: 0 | 8
  /** Already-compressed body, with the size and CRC it inflates to (for members too big to hold). */
  raw?: { body: Buffer; size: number; crc: number }
  /** What the headers declare, when they should lie. */
  declaredSize?: number
}

/** A zip written byte by byte (so that headers can lie), optionally after a prefix (a launch script). */
function makeZip(members: Member[], prefix = Buffer.alloc(0)): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8')
    const data = Buffer.from(m.data ?? '')
    const method = m.raw ? 8 : (m.method ?? 8)
    const body = m.raw ? m.raw.body : method === 8 ? deflateRawSync(data) : data
    const crc = m.raw ? m.raw.crc : crc32(data)
    const size = m.declaredSize ?? (m.raw ? m.raw.size : data.length)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x800, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x800, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, body)
    centrals.push(central, name)
    offset += local.length + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(members.length, 8)
  eocd.writeUInt16LE(members.length, 10)
  eocd.writeUInt32LE(cd.length, 12)
  eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([prefix, ...locals, cd, eocd])
}

const pomProps = (g: string, a: string, v: string) => `groupId=${g}\nartifactId=${a}\nversion=${v}\n`

/** `bytes` zero bytes, deflated as a stream (never held whole), with their CRC-32. */
async function deflatedZeros(bytes: number): Promise<{ body: Buffer; size: number; crc: number }> {
  const chunk = Buffer.alloc(1024 * 1024)
  const parts: Buffer[] = []
  const z = createDeflateRaw({ level: 9 })
  z.on('data', (b: Buffer) => parts.push(b))
  const done = new Promise((resolve) => z.on('end', resolve))
  let crc = 0
  for (let left = bytes; left > 0; left -= chunk.length) {
    const c = left >= chunk.length ? chunk : chunk.subarray(0, left)
    crc = crc32(c, crc)
    if (!z.write(c)) await new Promise((resolve) => z.once('drain', resolve))
  }
  z.end()
  await done
  return { body: Buffer.concat(parts), size: bytes, crc }
}

function writeRoot(root: string, files: Record<string, Buffer | string>): void {
  for (const [p, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true })
    writeFileSync(join(root, p), data)
  }
}

// --- parsers --------------------------------------------------------------------------------------------------

describe('MANIFEST.MF', () => {
  it('joins 72-byte continuation lines as bytes (a UTF-8 character split across the wrap survives)', () => {
    const title = Buffer.from('Implementation-Title: caf\u00e9 d\u00e9j\u00e0', 'utf8')
    // Split inside the two bytes of "é": the continuation line starts with one space.
    const cut = title.indexOf(0xc3) + 1
    const buf = Buffer.concat([
      Buffer.from('Manifest-Version: 1.0\r\n'),
      title.subarray(0, cut),
      Buffer.from('\r\n '),
      title.subarray(cut),
      Buffer.from('\r\nImplementation-Version: 2.0\r\nBundle-SymbolicName: org.x;singleton:=true\r\n\r\n'),
      Buffer.from('Name: org/x/\r\nImplementation-Vendor: "X Corp"\r\n\r\n'),
    ])
    const m = parseManifest(buf)
    expect(m.main.get('implementation-title')).toBe('café déjà')
    expect(m.sections).toHaveLength(1)
    expect(manifestIdentity(m)).toEqual({ name: 'café déjà', version: '2.0', vendor: 'X Corp' })
  })

  it('reads LF and CR line ends, falls back to Bundle-* then to per-entry sections', () => {
    const osgi = parseManifest(
      Buffer.from('Manifest-Version: 1.0\rBundle-SymbolicName: org.a.b; singleton:=true\rBundle-Version: 3.1\r'),
    )
    expect(manifestIdentity(osgi)).toEqual({ name: 'org.a.b', version: '3.1' })
    const sections = parseManifest(
      Buffer.from(
        'Manifest-Version: 1.0\n\nName: javax/servlet/\nSpecification-Title: Servlet\nImplementation-Version: 4.0\n',
      ),
    )
    expect(manifestIdentity(sections)).toEqual({ name: 'Servlet', version: '4.0' })
    expect(manifestIdentity(parseManifest(Buffer.from('Manifest-Version: 1.0\r\n\r\n')))).toEqual({})
  })
})

describe('pom.properties and pom.xml', () => {
  it('reads java.util.Properties syntax: separators, comments, escapes, continuations', () => {
    const p = parseProperties(
      Buffer.from(
        '#Generated\n! also a comment\ngroupId = org.ex\\\n    ample\nartifactId:a\\u0062c\nversion 1.0\\:1\n',
        'latin1',
      ),
    )
    expect(Object.fromEntries(p)).toEqual({ groupId: 'org.example', artifactId: 'abc', version: '1.0:1' })
    expect(parsePomProperties(Buffer.from('groupId=g\r\nartifactId=a\r\n'))).toBeUndefined()
  })

  it('reads pom.xml coordinates: parent inheritance, properties, comments, namespaces', () => {
    const xml = `<?xml version="1.0"?>
<!-- <groupId>not.this</groupId> -->
<p:project xmlns:p="http://maven.apache.org/POM/4.0.0">
  <p:parent><p:groupId>org.parent</p:groupId><p:artifactId>parent</p:artifactId><p:version>7</p:version></p:parent>
  <p:artifactId>child</p:artifactId>
  <p:version>\${rev}.\${project.parent.version}</p:version>
  <p:properties><p:rev>1.2</p:rev></p:properties>
  <p:dependencies><p:dependency><p:groupId>x</p:groupId><p:version>9</p:version></p:dependency></p:dependencies>
  <p:licenses><p:license><p:name>Apache &amp; MIT</p:name></p:license></p:licenses>
</p:project>`
    expect(parsePomXml(Buffer.from(xml))).toEqual({
      groupId: 'org.parent',
      artifactId: 'child',
      version: '1.2.7',
      licenses: ['Apache & MIT'],
    })
    expect(
      parsePomXml(
        Buffer.from(
          '<project><artifactId>a</artifactId><version>$' + '{revision}</version><groupId>g</groupId></project>',
        ),
      ),
    ).toBeUndefined()
    expect(parsePomXml(Buffer.from('<project><groupId>g</groupId></wrong>'))).toBeUndefined()
  })

  it('splits file names at the last "-" before a digit', () => {
    expect(parseArchiveFileName('log4j-1.2.17.jar')).toEqual({ name: 'log4j', version: '1.2.17' })
    expect(parseArchiveFileName('log4j-1.2-1.2.17.jar')).toEqual({ name: 'log4j-1.2', version: '1.2.17' })
    expect(parseArchiveFileName('guava-31.1-jre.jar')).toEqual({ name: 'guava', version: '31.1-jre' })
    expect(parseArchiveFileName('spring-core-5.3.20.RELEASE.JAR')).toEqual({
      name: 'spring-core',
      version: '5.3.20.RELEASE',
    })
    expect(parseArchiveFileName('commons-lang3.jar')).toEqual({ name: 'commons-lang3' })
    expect(parseArchiveFileName('jenkins-plugin.hpi')).toEqual({ name: 'jenkins-plugin' })
  })
})

// --- rootfs fixtures --------------------------------------------------------------------------------------------

describe('java fixtures (real jars)', () => {
  for (const c of readdirSync(CASES)) {
    const dir = join(CASES, c)
    if (!existsSync(join(dir, 'expected.json'))) continue
    it(c, async () => {
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))
      const sbom = await sbomOf(`fs://${join(dir, 'rootfs')}`)
      expect(sbom.packages.map(project).sort(byPath)).toEqual(expected.packages)
      expect(sbom.issues.map((i) => ({ kind: i.kind, message: i.message }))).toEqual(expected.issues)
      for (const p of sbom.packages) {
        const m = meta(p)
        expect(p.kind).toBe('java')
        expect(p.foundBy).toBe('java/1')
        expect(p.locations.map((l) => l.path)).toEqual([m.path])
        expect(p.introducedIn.path).toBe(m.path)
        // The file of the image that holds it (for ownership by an OS package).
        expect(m.files).toEqual([m.path.split('!/')[0]])
      }
    })
  }

  it('reads only regular files: Debian symlinks in /usr/share/java and maven-repo are not counted again', async () => {
    const sbom = await sbomOf(`fs://${join(CASES, 'debian-jars', 'rootfs')}`)
    const paths = sbom.packages.map((p) => meta(p).path)
    expect(paths.some((p) => p.endsWith('/commons-cli-1.5.0.jar') || p.endsWith('/xz.jar'))).toBe(false)
    expect(new Set(paths).size).toBe(paths.length)
  })
})

describe('lang-app (built image) against its ground truth', () => {
  it('equals java.tsv: nested jars of the fat jar and the manifest-only log4j included', async () => {
    const sbom = await sbomOf(`oci-dir://${builtLayout('lang-app')}`)
    const rows = sbom.packages.map((p) => {
      const m = meta(p)
      const source = m.identity === 'manifest' ? 'MANIFEST.MF' : m.identity
      return [m.path, source, m.groupId ? `${m.groupId}:${m.artifactId}` : p.name, p.version]
    })
    const key = (r: string[]) => r.join('\t')
    expect(rows.map(key).sort()).toEqual(readTsv(truthFile('lang-app', 'java.tsv')).map(key).sort())
    expect(sbom.issues).toEqual([])
    // The fat jar and what is nested in it come from the layer that copied app.jar.
    const fat = sbom.packages.filter((p) => meta(p).path.startsWith('/opt/app/app.jar'))
    expect(fat).toHaveLength(4)
    expect(new Set(fat.map((p) => p.introducedIn.layerIndex))).toEqual(new Set([4]))
    const snake = sbom.packages.find((p) => meta(p).path === '/usr/share/java/snakeyaml.jar')
    expect(snake?.purl).toBe('pkg:maven/org.yaml/snakeyaml@1.33')
    expect(snake?.introducedIn.layerIndex).toBe(1)
    expect(snake?.introducedIn.layer).toMatch(/^sha256:/)
  })
})

// --- made at test time ----------------------------------------------------------------------------------------

describe('archives made at test time', () => {
  let root: string
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'shipshape-java-'))
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('reports shaded packages beside the archive, the archive picked by file name, then by manifest', async () => {
    const r = join(root, 'shaded')
    const manifest = 'Manifest-Version: 1.0\r\nImplementation-Title: tool\r\nImplementation-Version: 2.0\r\n\r\n'
    writeRoot(r, {
      // Several descriptors: the one named like the file is the archive's own.
      'app/lib/cli-tool-2.0.jar': makeZip([
        {
          name: 'META-INF/maven/com.google.guava/guava/pom.properties',
          data: pomProps('com.google.guava', 'guava', '31.1-jre'),
        },
        { name: 'META-INF/maven/org.ex/cli-tool/pom.properties', data: pomProps('org.ex', 'cli-tool', '2.0') },
        {
          name: 'META-INF/maven/org.ex/cli-tool/pom.xml',
          data: '<project><licenses><license><name>MIT</name></license></licenses></project>',
        },
      ]),
      // No name match: the manifest's title picks it.
      'app/lib/renamed.jar': makeZip([
        { name: 'META-INF/MANIFEST.MF', data: manifest },
        { name: 'META-INF/maven/org.ex/other/pom.properties', data: pomProps('org.ex', 'other', '1.0') },
        { name: 'META-INF/maven/org.ex/tool/pom.properties', data: pomProps('org.ex', 'tool', '2.0') },
      ]),
      // pom.xml only (no pom.properties), in a .war whose WEB-INF/lib holds a .jar and a plugin .hpi.
      'srv/site.war': makeZip([
        {
          name: 'META-INF/maven/org.ex/site/pom.xml',
          data: '<project><parent><groupId>org.ex</groupId><version>5</version></parent><artifactId>site</artifactId></project>',
        },
        {
          name: 'WEB-INF/lib/dep-1.1.jar',
          method: 0,
          data: makeZip([{ name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' }]),
        },
        { name: 'WEB-INF/plugins/x.hpi', data: makeZip([{ name: 'META-INF/MANIFEST.MF', data: manifest }]) },
        { name: 'WEB-INF/lib/readme.jar', data: 'not a zip at all' },
      ]),
      // An executable jar: a launch script before the zip.
      'srv/run.ear': makeZip(
        [{ name: 'META-INF/maven/org.ex/run/pom.properties', data: pomProps('org.ex', 'run', '3') }],
        Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n'),
      ),
      // Not zips at all: not archives, no issue.
      'srv/notes.jar': 'just text',
      'srv/empty.jpi': '',
    })
    const sbom = await sbomOf(`fs://${r}`)
    const got = sbom.packages.map((p) => {
      const m = meta(p)
      return [m.path, m.identity, p.name, p.version, m.shaded ?? false, p.licenses ?? []]
    })
    expect(got.sort()).toEqual(
      [
        ['/app/lib/cli-tool-2.0.jar', 'pom.properties', 'org.ex:cli-tool', '2.0', false, ['MIT']],
        ['/app/lib/cli-tool-2.0.jar', 'pom.properties', 'com.google.guava:guava', '31.1-jre', true, []],
        ['/app/lib/renamed.jar', 'pom.properties', 'org.ex:tool', '2.0', false, []],
        ['/app/lib/renamed.jar', 'pom.properties', 'org.ex:other', '1.0', true, []],
        ['/srv/run.ear', 'pom.properties', 'org.ex:run', '3', false, []],
        ['/srv/site.war', 'pom.xml', 'org.ex:site', '5', false, []],
        ['/srv/site.war!/WEB-INF/lib/dep-1.1.jar', 'filename', 'dep', '1.1', false, []],
        ['/srv/site.war!/WEB-INF/plugins/x.hpi', 'manifest', 'tool', '2.0', false, []],
      ].sort(),
    )
    const guava = sbom.packages.find((p) => p.name.endsWith(':guava'))
    expect(guava?.purl).toBe('pkg:maven/com.google.guava/guava@31.1-jre')
    expect(guava?.locations[0]?.path).toBe('/app/lib/cli-tool-2.0.jar')
    expect(guava && meta(guava).sha1).toBeUndefined()
    expect(guava && meta(guava).shaded).toBe(true)
    expect(sbom.issues).toEqual([])
  })

  it('reads archives from image layers: final files only, from the layer the path appeared in to the last write', async () => {
    const dir = join(root, 'layout')
    const v1 = makeZip([{ name: 'META-INF/maven/g/a/pom.properties', data: pomProps('g', 'a', '1') }])
    const v2 = makeZip([{ name: 'META-INF/maven/g/a/pom.properties', data: pomProps('g', 'a', '2') }])
    const gone = makeZip([{ name: 'META-INF/maven/g/gone/pom.properties', data: pomProps('g', 'gone', '1') }])
    writeOciLayout(dir, [
      gzipLayer(
        makeTar([
          { name: 'opt/', type: 'dir' },
          { name: 'opt/a.jar', content: v1 },
          { name: 'opt/gone.jar', content: gone },
          { name: 'opt/same.jar', content: v1 },
        ]),
      ),
      gzipLayer(
        makeTar([
          { name: 'opt/a.jar', content: v2 },
          { name: 'opt/.wh.gone.jar', content: '' },
          { name: 'opt/link.jar', type: 'symlink', linkname: 'same.jar' },
        ]),
      ),
    ])
    const sbom = await sbomOf(`oci-dir://${dir}`)
    expect(
      sbom.packages.map((p) => [
        p.locations[0]?.path,
        p.version,
        p.introducedIn.layerIndex,
        p.lastChangedIn.layerIndex,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['/opt/a.jar', '2', 0, 1],
        ['/opt/same.jar', '1', 0, 0],
      ]),
    )
    expect(sbom.packages).toHaveLength(2)
  })

  describe('hostile archives', () => {
    let sbom: Sbom
    let peakGrowthMiB: number
    const hostile = () => join(root, 'hostile')

    beforeAll(async () => {
      const r = hostile()
      // A jar nested 50 deep: level-N.jar holds its pom.properties and lib/level-(N+1).jar (stored).
      let deep = makeZip([
        { name: 'META-INF/maven/test.deep/level-50/pom.properties', data: pomProps('test.deep', 'level-50', '50') },
      ])
      for (let n = 49; n >= 0; n--) {
        deep = makeZip([
          {
            name: `META-INF/maven/test.deep/level-${n}/pom.properties`,
            data: pomProps('test.deep', `level-${n}`, `${n}`),
          },
          { name: `lib/level-${n + 1}.jar`, data: deep, method: 0 },
        ])
      }
      const zeros = await deflatedZeros(300 * 1024 * 1024)
      const good = readFileSync(join(CASES, 'debian-jars', 'rootfs', 'usr', 'share', 'java', 'commons-cli.jar'))
      writeRoot(r, {
        'opt/deep/level-0.jar': deep,
        // Members that inflate past the caps: a 300 MiB manifest, a 300 MiB nested jar, and a pom.properties
        // that declares 64 bytes but inflates to 300 MiB.
        'opt/bomb/bomb.jar': makeZip([
          { name: 'META-INF/MANIFEST.MF', raw: zeros },
          { name: 'META-INF/maven/x/bomb/pom.properties', raw: zeros, declaredSize: 64 },
          { name: 'BOOT-INF/lib/huge.jar', raw: zeros },
          { name: 'BOOT-INF/lib/fine-1.0.jar', data: makeZip([{ name: 'a.txt', data: 'a' }]), method: 0 },
        ]),
        // The classic overlapping-members bomb: many directory entries over one deflate stream.
        'opt/bomb/overlap.jar': (() => {
          const z = makeZip([
            { name: 'a.jar', data: 'x'.repeat(1000) },
            { name: 'b.jar', data: 'x'.repeat(1000) },
          ])
          // Point the second central entry's local offset at the first member.
          const cd = z.indexOf(
            Buffer.from([0x50, 0x4b, 0x01, 0x02]),
            z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 4,
          )
          z.writeUInt32LE(0, cd + 42)
          return z
        })(),
        'opt/slip/slip.jar': makeZip([
          {
            name: '../../../../tmp/evil.jar',
            data: makeZip([{ name: 'META-INF/maven/e/evil/pom.properties', data: pomProps('e', 'evil', '6') }]),
          },
          { name: '/etc/passwd', data: 'root:x:0:0' },
          { name: 'BOOT-INF\\lib\\win.jar', data: 'x' },
          { name: 'META-INF/maven/org.ex/slip/pom.properties', data: pomProps('org.ex', 'slip', '1') },
        ]),
        'opt/trunc/commons-cli.jar': good.subarray(0, Math.floor(good.length / 2)),
        'opt/bad-crc.jar': (() => {
          const z = makeZip([
            { name: 'META-INF/maven/g/crc/pom.properties', data: pomProps('g', 'crc', '1'), method: 0 },
          ])
          const at = z.indexOf('groupId=') + 8
          z[at] = (z[at] ?? 0) ^ 0xff
          return z
        })(),
        // A million bad names must not become a million issues.
        'opt/many/many.jar': makeZip(Array.from({ length: 150 }, (_, i) => ({ name: `../x${i}`, data: '' }))),
        'usr/share/java/commons-cli.jar': good,
      })
      const before = process.resourceUsage().maxRSS
      sbom = await sbomOf(`fs://${r}`)
      peakGrowthMiB = (process.resourceUsage().maxRSS - before) / 1024
    }, 120_000)

    const issues = () => sbom.issues.map((i) => `${i.kind} ${i.location?.path} | ${i.message}`)

    it('catalogs the rest of the image', () => {
      const cli = sbom.packages.find((p) => p.locations[0]?.path === '/usr/share/java/commons-cli.jar')
      expect(cli?.purl).toBe('pkg:maven/commons-cli/commons-cli@1.5.0')
      for (const i of sbom.issues) expect(i.source).toBe('java')
    })

    it('stops a jar nested 50 deep at the depth cap, the outer ones reported', () => {
      const deep = sbom.packages.filter((p) => p.locations[0]?.path.startsWith('/opt/deep/'))
      expect(deep.map((p) => p.version).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 17 }, (_, i) => `${i}`),
      )
      const at17 = `/opt/deep/level-0.jar${Array.from({ length: 17 }, (_, i) => `!/lib/level-${i + 1}.jar`).join('')}`
      expect(deep.find((p) => p.version === '16')?.locations[0]?.path).toBe(at17.slice(0, at17.lastIndexOf('!/')))
      expect(issues().filter((i) => i.includes('/opt/deep/'))).toEqual([
        `truncated-content ${at17} | ${at17}: archive nested 17 deep, beyond the cap of 16: not read`,
      ])
    })

    it('refuses members that inflate past the caps, without inflating them', () => {
      const b = issues().filter((i) => i.includes('/opt/bomb/bomb.jar'))
      expect(b).toHaveLength(3)
      expect(b[0]).toMatch(
        /^truncated-content \/opt\/bomb\/bomb\.jar!\/META-INF\/MANIFEST\.MF \| .*declares 314572800 bytes, more than the 1 MiB cap/,
      )
      expect(b[1]).toMatch(
        /^truncated-content \/opt\/bomb\/bomb\.jar!\/META-INF\/maven\/x\/bomb\/pom\.properties \| .*inflates to more than the 64 bytes it declares/,
      )
      expect(b[2]).toMatch(
        /^truncated-content \/opt\/bomb\/bomb\.jar!\/BOOT-INF\/lib\/huge\.jar \| .*314572800 bytes, more than the 256 MiB cap/,
      )
      // The archive itself is still reported (from its file name), and its other nested jar too.
      const names = sbom.packages
        .filter((p) => p.locations[0]?.path.startsWith('/opt/bomb/bomb.jar'))
        .map((p) => p.name)
      expect(names.sort()).toEqual(['bomb', 'fine'])
      expect(issues().filter((i) => i.includes('/opt/bomb/overlap.jar'))).toEqual([
        expect.stringMatching(/^truncated-content \/opt\/bomb\/overlap\.jar \| .*overlap.*zip bomb/),
      ])
      expect(peakGrowthMiB).toBeLessThan(150)
    })

    it('skips zip-slip member names with an issue, reading the rest', () => {
      const slip = sbom.packages.filter((p) => p.locations[0]?.path.startsWith('/opt/slip/'))
      expect(slip.map((p) => p.name)).toEqual(['org.ex:slip'])
      expect(issues().filter((i) => i.includes('/opt/slip/'))).toEqual([
        'parse-error /opt/slip/slip.jar | /opt/slip/slip.jar: member "../../../../tmp/evil.jar" has an unsafe name (absolute, drive letter, "..", backslash or NUL): skipped',
        'parse-error /opt/slip/slip.jar | /opt/slip/slip.jar: member "/etc/passwd" has an unsafe name (absolute, drive letter, "..", backslash or NUL): skipped',
        'parse-error /opt/slip/slip.jar | /opt/slip/slip.jar: member "BOOT-INF\\\\lib\\\\win.jar" has an unsafe name (absolute, drive letter, "..", backslash or NUL): skipped',
      ])
    })

    it('lists at most 100 problems per archive', () => {
      const many = issues().filter((i) => i.includes('/opt/many/'))
      expect(many).toHaveLength(101)
      expect(many[100]).toBe(
        'parse-error /opt/many/many.jar | /opt/many/many.jar: 50 more problems in this archive not listed (only the first 100 are)',
      )
    })

    it('reports truncated and corrupt archives where they are', () => {
      expect(issues().filter((i) => i.includes('/opt/trunc/'))).toEqual([
        'parse-error /opt/trunc/commons-cli.jar | /opt/trunc/commons-cli.jar: cannot read the archive: not a zip, or truncated: no end of central directory record',
      ])
      expect(issues().filter((i) => i.includes('/opt/bad-crc.jar'))).toEqual([
        expect.stringMatching(
          /^parse-error \/opt\/bad-crc\.jar!\/META-INF\/maven\/g\/crc\/pom\.properties \| .*CRC-32/,
        ),
      ])
    })
  })

  it('holds no archive over the per-archive cap or past the memory budget', async () => {
    const small = makeJavaCataloger({ archiveCap: 64 * 1024 })
    const sbom = await sbomOf(`fs://${join(CASES, 'debian-jars', 'rootfs')}`, { catalogers: [small] })
    expect(sbom.packages.map((p) => p.locations[0]?.path)).not.toContain('/usr/share/java/xz-1.9.jar')
    expect(sbom.packages).toHaveLength(4)
    expect(sbom.issues.map((i) => [i.kind, i.location?.path, i.message])).toEqual([
      [
        'truncated-content',
        '/usr/share/java/xz-1.9.jar',
        '/usr/share/java/xz-1.9.jar: archive is 151356 bytes, more than the 65536 bytes cap: not read',
      ],
    ])

    // Metadata read per archive of the image is bounded too (a jar of a million small pom.properties).
    const stingy = makeJavaCataloger({ metadataTotalCap: 200 })
    const fat = await sbomOf(`fs://${join(CASES, 'fat-jar', 'rootfs')}`, { catalogers: [stingy] })
    expect(fat.issues.map((i) => i.message)).toContain(
      '/opt/app/app.jar!/META-INF/maven/com.example/fixture-app/pom.xml: META-INF/maven/com.example/fixture-app/pom.xml not read: the 200 bytes of metadata read per archive is used up',
    )

    // The inspector against a budget by hand: refused when it does not fit, released when the read is done.
    let used = 0
    const budget: MemoryBudget = {
      reserve: (n) => {
        if (used + n > 100_000) return false
        used += n
        return true
      },
      release: (n) => {
        used -= n
      },
    }
    const jar = makeZip([{ name: 'META-INF/maven/g/a/pom.properties', data: pomProps('g', 'a', '1') }])
    const insp = javaArchiveInspector()
    expect(insp.accepts('/x/a.JAR', jar.length, 0o644)).toBe(true)
    expect(insp.accepts('/x/a.zip', jar.length, 0o644)).toBe(false)
    expect(insp.accepts('/x/a.jar', 0, 0o644)).toBe(false)
    expect(insp.open('/x/a.jar', Buffer.from('text'), 4, budget)).toBeUndefined()
    const tooBig = insp.open('/x/big.jar', jar.subarray(0, 4), 200_000, budget)
    const r1 = tooBig?.end()
    expect(r1?.ok && ((await r1.value) as JarScan).issues[0]?.message).toMatch(
      /does not fit in the scan's memory budget/,
    )
    const sink = insp.open('/x/a.jar', jar.subarray(0, 4), jar.length, budget)
    expect(used).toBe(jar.length)
    sink?.write(jar.subarray(0, 10))
    sink?.write(jar.subarray(10))
    const r2 = sink?.end()
    expect(r2?.ok).toBe(true)
    const scan = (r2?.ok ? await r2.value : undefined) as JarScan
    expect(scan.packages.map((p) => `${p.groupId}:${p.artifactId}@${p.version}`)).toEqual(['g:a@1'])
    expect(used).toBe(0)
    // A file that streams fewer bytes than its header said.
    const short = insp.open('/x/s.jar', jar.subarray(0, 4), jar.length, budget)
    short?.write(jar.subarray(0, 10))
    const r3 = short?.end()
    expect(r3?.ok && ((await r3.value) as JarScan).issues[0]?.message).toMatch(/streamed 10 bytes/)
    expect(used).toBe(0)
  })
})

// Keep the fixture folder honest: every real file in it is named in PROVENANCE.md.
describe('java fixture provenance', () => {
  it('names every file', () => {
    const text = readFileSync(join(CASES, 'PROVENANCE.md'), 'utf8')
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : e.isFile() && e.name.endsWith('.jar') ? [join(d, e.name)] : [],
      )
    for (const f of walk(CASES)) expect(text).toContain(f.slice(f.indexOf('/rootfs/') + 7))
  })
})
