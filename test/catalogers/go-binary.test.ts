import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MemoryBudget } from '../../src/filetree/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Package, Sbom } from '../../src/model/index.js'
import {
  BUILDINFO_MAGIC,
  type GoBuildInfoRaw,
  GoBuildInfoSink,
  goBinaryCataloger,
  goBuildInfoInspector,
  goUnquote,
  parseModinfo,
} from '../../src/sbom/catalogers/go-binary/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { builtLayout, FIXTURES, truthFile } from '../helpers/images.js'

const FIX = join(FIXTURES, 'catalogers', 'go-binary')

interface Projected {
  binary: string
  name: string
  version: string
  role: string
  purl: string
  h1Digest?: string
  replaces?: { path: string; version: string }
  replacedBy?: { path: string }
  requiredVersion?: string
}

function project(p: Package): Projected {
  const m = p.metadata as Record<string, unknown>
  const out: Projected = {
    binary: m.binary as string,
    name: p.name,
    version: p.version,
    role: m.role as string,
    purl: p.purl,
  }
  for (const k of ['h1Digest', 'replaces', 'replacedBy', 'requiredVersion'] as const)
    if (m[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = m[k]
  return out
}

const order = (a: Projected, b: Projected) =>
  a.binary.localeCompare(b.binary) || a.role.localeCompare(b.role) || a.name.localeCompare(b.name)

async function sbomOf(ref: string): Promise<Sbom> {
  return generateSbom(await openSource(parseImageRef(ref)), {
    catalogers: [goBinaryCataloger],
    createdAt: '2024-01-01T00:00:00Z',
  })
}

// ---------------------------------------------------------------------------------------------------------------
// The oracle: `go version -m` output, turned into packages by the rules the cataloger documents (stdlib from the
// toolchain, the main module, each dep or its replacement; a directory replacement keeps the module's name).

interface OracleModule {
  path: string
  version: string
  sum: string
  replace?: OracleModule
}

interface OracleBinary {
  goVersion: string
  path: string
  main?: OracleModule
  deps: OracleModule[]
}

function parseGoVersionM(text: string): Map<string, OracleBinary> {
  const out = new Map<string, OracleBinary>()
  let cur: OracleBinary | undefined
  let last: OracleModule | undefined
  for (const line of text.split('\n')) {
    const head = /^(\S.*): (go\S*|devel .*)$/.exec(line)
    if (head) {
      cur = { goVersion: head[2] as string, path: '', deps: [] }
      out.set(head[1] as string, cur)
      continue
    }
    if (!cur || !line.startsWith('\t')) continue
    const [kind, ...f] = line.slice(1).split('\t')
    const mod = (): OracleModule => ({ path: f[0] ?? '', version: f[1] ?? '', sum: f[2] ?? '' })
    if (kind === 'path') cur.path = f[0] ?? ''
    else if (kind === 'mod') cur.main = last = mod()
    else if (kind === 'dep') {
      last = mod()
      cur.deps.push(last)
    } else if (kind === '=>' && last) last.replace = mod()
  }
  return out
}

function expectedFrom(binary: string, o: OracleBinary): Projected[] {
  const out: Projected[] = []
  const toolchain = o.goVersion.split(' ')[0] as string
  if (toolchain.startsWith('go1'))
    out.push({
      binary,
      name: 'stdlib',
      version: toolchain,
      role: 'stdlib',
      purl: `pkg:golang/stdlib@${toolchain.slice(2)}`,
    })
  if (o.main)
    out.push({
      binary,
      name: o.main.path,
      version: o.main.version,
      role: 'main',
      purl: `pkg:golang/${o.main.path}@${o.main.version}`,
    })
  // A GOPATH build (no `mod` line) is known by its main package's path.
  else if (o.path && o.path !== 'command-line-arguments')
    out.push({ binary, name: o.path, version: '(devel)', role: 'main', purl: `pkg:golang/${o.path}@(devel)` })
  for (const d of o.deps) {
    const r = d.replace
    let e: Projected
    if (r && (r.path.startsWith('.') || r.path.startsWith('/'))) {
      e = { binary, name: d.path, version: '(devel)', role: 'dependency', purl: `pkg:golang/${d.path}@(devel)` }
      e.replacedBy = { path: r.path }
      e.requiredVersion = d.version
    } else if (r) {
      e = { binary, name: r.path, version: r.version, role: 'dependency', purl: `pkg:golang/${r.path}@${r.version}` }
      if (r.sum) e.h1Digest = r.sum
      e.replaces = { path: d.path, version: d.version }
    } else {
      e = { binary, name: d.path, version: d.version, role: 'dependency', purl: `pkg:golang/${d.path}@${d.version}` }
      if (d.sum) e.h1Digest = d.sum
    }
    out.push(e)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------

describe('go-binary cataloger declaration', () => {
  it('has a name, a version, one kind and an inspector that takes executables only', () => {
    expect(goBinaryCataloger.name).toBe('go-binary')
    expect(goBinaryCataloger.version).toBe(1)
    expect(goBinaryCataloger.kinds).toEqual(['go-module'])
    expect(goBinaryCataloger.wants).toEqual([])
    expect(goBuildInfoInspector.accepts('/usr/bin/x', 10_000, 0o755)).toBe(true)
    expect(goBuildInfoInspector.accepts('/srv/a.exe', 10_000, 0o644)).toBe(true)
    expect(goBuildInfoInspector.accepts('/etc/passwd', 10_000, 0o644)).toBe(false)
    expect(goBuildInfoInspector.accepts('/usr/bin/tiny', 10, 0o755)).toBe(false)
    const budget: MemoryBudget = { reserve: () => true, release: () => {} }
    expect(goBuildInfoInspector.open('/x', Buffer.from('#!/bin/sh\necho hi\n'.padEnd(64)), 64, budget)).toBeUndefined()
    // A Java class file shares the universal-binary magic.
    const cls = Buffer.from('cafebabe00000034'.padEnd(128, '0'), 'hex')
    expect(goBuildInfoInspector.open('/x', cls, 64, budget)).toBeUndefined()
  })
})

describe('lang-app:1.0 (go version -m of the image is the truth)', () => {
  it('finds shfmt (GOPATH build: its main package and stdlib) and goapp (module build, vendored, stripped) exactly', async () => {
    const sbom = await sbomOf(`oci-dir://${builtLayout('lang-app')}`)
    const got = sbom.packages.map(project).sort(order)
    const truth = parseGoVersionM(readFileSync(truthFile('lang-app', 'go-version-m.txt'), 'utf8'))
    const want = [...truth].flatMap(([bin, o]) => expectedFrom(bin, o)).sort(order)
    expect(got).toEqual(want)
    const pinned = JSON.parse(readFileSync(join(FIX, 'lang-app', 'expected.json'), 'utf8'))
    expect(got).toEqual([...pinned.packages].sort(order))
    expect(sbom.issues).toEqual([])
    for (const p of sbom.packages) {
      const m = p.metadata as { mainPackage: string; goVersion: string; files: string[] }
      expect(m.mainPackage).toBe(pinned.mainPackages[m.files[0] as string])
      expect(m.goVersion).toBe('go1.19.8')
      expect(p.foundBy).toBe('go-binary/1')
      expect(p.locations.map((l) => l.path)).toEqual(m.files)
      expect(p.introducedIn.layer).toMatch(/^sha256:/)
    }
    // shfmt comes with Debian's package (an early layer), goapp with its own COPY layer.
    const layerOf = (bin: string) => sbom.packages.find((p) => p.locations[0]?.path === bin)?.introducedIn.layerIndex
    expect(layerOf('/usr/local/bin/goapp')).toBeGreaterThan(layerOf('/usr/bin/shfmt') as number)
    // The build settings stay with the main module (or stdlib when there is none).
    const goapp = sbom.packages.find((p) => p.name === 'example.com/scan-fixture/goapp')
    // vcs.modified depends on the checkout the image was built from, so it is read from the truth file.
    const truthText = readFileSync(truthFile('lang-app', 'go-version-m.txt'), 'utf8')
    const goappBlock = truthText.slice(truthText.indexOf('/usr/local/bin/goapp:'))
    const modified = /^\tbuild\tvcs\.modified=(\w+)/m.exec(goappBlock)?.[1]
    expect(goapp?.metadata.buildSettings).toMatchObject({
      '-trimpath': 'true',
      CGO_ENABLED: '0',
      GOARCH: 'amd64',
      ...(modified ? { 'vcs.modified': modified } : {}),
    })
  })
})

const hasTool = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0
const canBuild = hasTool('go', ['version']) && hasTool('zip', ['-v'])

/** A file GOPROXY made from `modules/proxy/<module>@<version>/` (zips without directory entries, as Go wants). */
function makeProxy(proxy: string): void {
  const src = join(FIX, 'modules', 'proxy')
  for (const host of readdirSync(src)) {
    for (const dir of readdirSync(join(src, host))) {
      const at = dir.lastIndexOf('@')
      const mod = `${host}/${dir.slice(0, at)}`
      const ver = dir.slice(at + 1)
      const v = join(proxy, mod, '@v')
      mkdirSync(v, { recursive: true })
      writeFileSync(join(v, 'list'), `${ver}\n`, { flag: 'a' })
      writeFileSync(join(v, `${ver}.info`), JSON.stringify({ Version: ver, Time: '2023-01-01T00:00:00Z' }))
      let gomod = `module ${mod}\n`
      try {
        gomod = readFileSync(join(src, host, dir, 'go.mod'), 'utf8')
      } catch {}
      writeFileSync(join(v, `${ver}.mod`), gomod)
      execFileSync('zip', ['-qrXD', join(v, `${ver}.zip`), `${host}/${dir}`], { cwd: src })
    }
  }
}

function goBuild(work: string, out: string, env: Record<string, string>, ldflags: string): void {
  mkdirSync(dirname(out), { recursive: true })
  execFileSync('go', ['build', '-ldflags', ldflags, '-o', out, '.'], {
    cwd: join(work, 'app'),
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      GOPROXY: `file://${join(work, 'proxy')}`,
      GOSUMDB: 'off',
      GOFLAGS: '-mod=mod',
      GOMODCACHE: join(work, 'modcache'),
      GOTOOLCHAIN: 'local',
      GOWORK: 'off',
      ...env,
    },
  })
}

/** The file offset of the (16-byte aligned) build info header. */
function magicAt(b: Buffer): number {
  for (let i = b.indexOf(BUILDINFO_MAGIC); i >= 0; i = b.indexOf(BUILDINFO_MAGIC, i + 1)) if (i % 16 === 0) return i
  throw new Error('no build info')
}

describe.skipIf(!canBuild)('Go binaries built at test time (go build from modules/, offline, file GOPROXY)', () => {
  let work = ''
  let root = ''
  let sbom: Sbom
  const bin = (p: string) => join(root, p)

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'go-binary-'))
    root = join(work, 'rootfs')
    cpSync(join(FIX, 'modules', 'app'), join(work, 'app'), { recursive: true })
    makeProxy(join(work, 'proxy'))
    goBuild(work, bin('usr/local/bin/app'), {}, '-s -w')
    goBuild(work, bin('usr/local/bin/app-unstripped'), {}, '')
    goBuild(work, bin('opt/windows/app.exe'), { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' }, '-s -w')
    goBuild(work, bin('opt/darwin/app'), { GOOS: 'darwin', GOARCH: 'arm64', CGO_ENABLED: '0' }, '-s -w')
    const good = readFileSync(bin('usr/local/bin/app'))
    const at = magicAt(good)
    // Hostile copies: cut in half; the pointer-size byte after the magic flipped; a huge version length;
    // the inline flag cleared (what a Go 1.13–1.17 header looks like).
    const write = (p: string, b: Buffer) => {
      mkdirSync(dirname(bin(p)), { recursive: true })
      writeFileSync(bin(p), b)
      chmodSync(bin(p), 0o755)
    }
    write('srv/truncated', good.subarray(0, Math.floor(good.length / 2)))
    const flipped = Buffer.from(good)
    flipped[at + 14] = (flipped[at + 14] as number) ^ 0xff
    write('srv/corrupt-header', flipped)
    const badLen = Buffer.from(good)
    badLen.set([0xff, 0xff, 0xff, 0x7f], at + 32)
    write('srv/corrupt-length', badLen)
    const old = Buffer.from(good)
    old[at + 15] = 0
    write('srv/pointer-format', old)
    write('srv/script.sh', Buffer.from('#!/bin/sh\necho not a binary at all, only a script with an exec bit\n'))
    sbom = await sbomOf(`fs://${root}`)
  }, 300_000)

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('the stripped linux build gives the hand-written expected packages', () => {
    const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
    const binary = '/usr/local/bin/app'
    const expected = JSON.parse(readFileSync(join(FIX, 'modules', 'expected.json'), 'utf8')).packages.map(
      (p: Omit<Projected, 'binary'>) => ({ binary, ...p }),
    )
    expected.push({
      binary,
      name: 'stdlib',
      version: goVersion,
      role: 'stdlib',
      purl: `pkg:golang/stdlib@${goVersion.slice(2)}`,
    })
    const got = sbom.packages.filter((p) => p.locations[0]?.path === binary).map(project)
    expect(got.sort(order)).toEqual(expected.sort(order))
  })

  it('every well-formed binary (ELF stripped and not, PE, Mach-O) equals its `go version -m`', () => {
    for (const b of [
      '/usr/local/bin/app',
      '/usr/local/bin/app-unstripped',
      '/opt/windows/app.exe',
      '/opt/darwin/app',
    ]) {
      const out = execFileSync('go', ['version', '-m', bin(b.slice(1))], { encoding: 'utf8' })
      const oracle = parseGoVersionM(out).get(bin(b.slice(1)))
      expect(oracle, b).toBeDefined()
      const want = expectedFrom(b, oracle as OracleBinary).sort(order)
      const got = sbom.packages
        .filter((p) => p.locations[0]?.path === b)
        .map(project)
        .sort(order)
      expect(got, b).toEqual(want)
    }
    const mac = sbom.packages.find((p) => p.locations[0]?.path === '/opt/darwin/app' && p.name === 'stdlib')
    expect(mac?.metadata).toMatchObject({ architecture: 'arm64', os: 'darwin' })
  })

  it('damaged binaries give one located issue each and take nothing else down', () => {
    const issues = sbom.issues.map((i) => ({ kind: i.kind, path: i.location?.path, message: i.message }))
    expect(issues.map((i) => i.path).sort()).toEqual([
      '/srv/corrupt-header',
      '/srv/corrupt-length',
      '/srv/pointer-format',
      '/srv/truncated',
    ])
    const by = (p: string) => issues.find((i) => i.path === p)
    expect(by('/srv/truncated')).toMatchObject({ kind: 'parse-error' })
    expect(by('/srv/truncated')?.message).toMatch(
      /^\/srv\/truncated: truncated ELF \(\d+ bytes\): .* past its end; no Go build info/,
    )
    expect(by('/srv/corrupt-header')?.message).toMatch(/corrupt Go build info at offset \d+: pointer size/)
    expect(by('/srv/corrupt-length')?.message).toMatch(
      /corrupt Go build info at offset \d+: version length \d+ is over 1024/,
    )
    expect(by('/srv/pointer-format')).toMatchObject({ kind: 'unsupported-format' })
    expect(by('/srv/pointer-format')?.message).toMatch(/pre-1\.18 build info not supported/)
    for (const i of sbom.issues) expect(i.source).toBe('go-binary')
    const binaries = new Set(sbom.packages.map((p) => p.locations[0]?.path))
    expect([...binaries].sort()).toEqual([
      '/opt/darwin/app',
      '/opt/windows/app.exe',
      '/usr/local/bin/app',
      '/usr/local/bin/app-unstripped',
    ])
  })

  it('reads the same build info whatever the chunking of the stream', () => {
    const whole = readFileSync(bin('usr/local/bin/app'))
    const at = magicAt(whole)
    const ref = feed(whole, [whole.length])
    expect(ref.ok).toBe(true)
    // Around the header (keeping 16-byte alignment of offsets), every small chunk size.
    const from = Math.max(0, at - 4096) & ~15
    const slice = whole.subarray(from, Math.min(whole.length, at + 8192))
    for (const size of [1, 2, 3, 7, 13, 14, 15, 16, 17, 31, 32, 33, 100, 1000]) {
      const r = feed(slice, [size])
      expect(r, `chunks of ${size}`).toEqual({
        ok: true,
        value: { ...(ref.value as GoBuildInfoRaw), offset: at - from },
      })
    }
    // The whole file in uneven chunks.
    const r = feed(whole, [65536, 1, 70000, 3, 13, 4096])
    expect(r).toEqual(ref)
  })
})

/** Feeds `b` to a fresh sink in chunks cycling through `sizes`. */
function feed(b: Buffer, sizes: number[], budget: MemoryBudget = { reserve: () => true, release: () => {} }) {
  const sink = new GoBuildInfoSink(b.length, b.subarray(0, 1024), budget, b[0] === 0x7f)
  let i = 0
  for (let pos = 0; pos < b.length; i++) {
    const n = sizes[i % sizes.length] as number
    sink.write(b.subarray(pos, pos + n))
    pos += n
  }
  return sink.end()
}

/** A minimal build info blob as the Go ≥ 1.18 linker lays it out: header, then uvarint-prefixed strings. */
function blob(version: string, modinfo: Buffer, pad = 0): Buffer {
  const uvarint = (n: number) => {
    const out: number[] = []
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80)
      n = Math.floor(n / 128)
    }
    out.push(n)
    return Buffer.from(out)
  }
  const header = Buffer.alloc(32)
  BUILDINFO_MAGIC.copy(header)
  header[14] = 8
  header[15] = 2
  const v = Buffer.from(version)
  return Buffer.concat([
    Buffer.alloc(pad),
    header,
    uvarint(v.length),
    v,
    uvarint(modinfo.length),
    modinfo,
    Buffer.alloc(64),
  ])
}

describe('build info reading, bounded', () => {
  const start = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex')
  const end = Buffer.from('f932433186182072008242104116d8f2', 'hex')
  const framed = (text: string) => Buffer.concat([start, Buffer.from(text), end])

  it('ignores a magic that is not 16-byte aligned and takes the aligned one after it', () => {
    const first = blob('go1.20', framed('path\ta\n'), 3)
    const b = Buffer.concat([first, blob('go1.21.1', framed('path\tb\n'), 16 - (first.length % 16))])
    const r = feed(b, [7])
    expect(r).toMatchObject({ ok: true, value: { goVersion: 'go1.21.1', modinfo: 'path\tb\n' } })
  })

  it('keeps module info only when framed by its sentinels (as debug/buildinfo does)', () => {
    expect(feed(blob('go1.21.1', Buffer.from('path\tx\n')), [4096])).toMatchObject({ ok: true, value: { modinfo: '' } })
  })

  it('asks the memory budget for big module info, and gives up when refused', () => {
    const big = framed(`path\tx\n${'dep\texample.com/m\tv1.0.0\t\n'.repeat(10_000)}`)
    let reserved = 0
    let asked = 0
    const ok = feed(blob('go1.21.1', big), [65536], {
      reserve: (n) => {
        reserved += n
        asked += n
        return true
      },
      release: (n) => {
        reserved -= n
      },
    })
    expect(ok.ok).toBe(true)
    expect(asked).toBeGreaterThan(big.length)
    expect(reserved).toBe(0)
    const refused = feed(blob('go1.21.1', big), [65536], { reserve: () => false, release: () => {} })
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/over the memory budget/) })
  })

  it('says "not a Go binary" (null) for executables without build info', () => {
    expect(feed(Buffer.alloc(10_000, 0x90), [999])).toEqual({ ok: true, value: null })
  })

  it('reports build info cut short by the end of the file', () => {
    const b = blob('go1.21.1', framed('path\tx\n'))
    expect(feed(b.subarray(0, 40), [8])).toEqual({
      ok: false,
      error: expect.stringMatching(/cut short by the end of the file/),
    })
  })
})

describe('module info lines (runtime/debug.ParseBuildInfo)', () => {
  it('reads path, mod, dep, => and quoted build settings', () => {
    const text = [
      'path\texample.com/cmd',
      'mod\texample.com\t(devel)\t',
      'dep\tgolang.org/x/sys\tv0.1.0\th1:abc=',
      'dep\texample.com/old\tv1.0.0',
      '=>\texample.com/new\tv1.1.0\th1:def=',
      '',
      'build\t-ldflags="-s -w -X \\"main.v=1\\""',
      'build\t"key with space"=`raw\\value`',
      'build\tCGO_ENABLED=0',
      'future\tsomething new',
      '',
    ].join('\n')
    const { info, errors } = parseModinfo(text)
    expect(errors).toEqual([])
    expect(info.path).toBe('example.com/cmd')
    expect(info.main).toEqual({ path: 'example.com', version: '(devel)', sum: '' })
    expect(info.deps).toEqual([
      { path: 'golang.org/x/sys', version: 'v0.1.0', sum: 'h1:abc=' },
      {
        path: 'example.com/old',
        version: 'v1.0.0',
        sum: '',
        replace: { path: 'example.com/new', version: 'v1.1.0', sum: 'h1:def=' },
      },
    ])
    expect(info.settings).toEqual([
      { key: '-ldflags', value: '-s -w -X "main.v=1"' },
      { key: 'key with space', value: 'raw\\value' },
      { key: 'CGO_ENABLED', value: '0' },
    ])
  })

  it('skips bad lines with their numbers, keeps the rest, and ignores a last line without newline', () => {
    const { info, errors } = parseModinfo(
      'dep\tonly-one-column\n=>\ta\tb\tc\nbuild\t=x\nbuild\tnoequals\ndep\tok\tv1\t\ndep\tlost\tv2',
    )
    expect(errors).toEqual([
      'line 1: expected 2 or 3 columns; got 1',
      'line 2: replacement with no module on previous line',
      'line 3: build line with missing key',
      "line 4: build line missing '='",
    ])
    expect(info.deps).toEqual([{ path: 'ok', version: 'v1', sum: '' }])
  })

  it('unquotes like strconv.Unquote', () => {
    expect(goUnquote('"a\\tb\\x41\\u00e9\\101"')).toBe('a\tbAéA')
    expect(goUnquote('`x"y`')).toBe('x"y')
    expect(goUnquote('"unterminated')).toBeUndefined()
    expect(goUnquote('"bad \\q"')).toBeUndefined()
  })
})
