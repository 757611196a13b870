import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FileResolver, MemoryBudget } from '../../src/filetree/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Package, Sbom } from '../../src/model/index.js'
import {
  parseAuditJson,
  parseCargoLock,
  RustAuditSink,
  rustAuditInspector,
  rustCataloger,
} from '../../src/sbom/catalogers/rust/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { FIXTURES } from '../helpers/images.js'

const FIX = join(FIXTURES, 'catalogers', 'rust')

async function sbomOf(root: string): Promise<Sbom> {
  return generateSbom(await openSource(parseImageRef(`fs://${root}`)), {
    catalogers: [rustCataloger],
    createdAt: '2024-01-01T00:00:00Z',
  })
}

const byKey = <T extends { name: string; version: string }>(a: T, b: T) =>
  a.name.localeCompare(b.name) || a.version.localeCompare(b.version)

describe('rust cataloger declaration', () => {
  it('has a name, a version, one kind, the Cargo.lock glob and an ELF-only inspector', () => {
    expect(rustCataloger.name).toBe('rust')
    expect(rustCataloger.version).toBe(1)
    expect(rustCataloger.kinds).toEqual(['rust-crate'])
    expect(rustCataloger.wants).toEqual([{ globs: ['/**/Cargo.lock'], maxBytes: 16 * 1024 * 1024 }])
    const budget: MemoryBudget = { reserve: () => true, release: () => {} }
    expect(rustAuditInspector.accepts('/usr/bin/rg', 100_000, 0o755)).toBe(true)
    expect(rustAuditInspector.accepts('/usr/share/doc/x', 100_000, 0o644)).toBe(false)
    expect(rustAuditInspector.open('/x', Buffer.from('MZ'.padEnd(64, '\0')), 64, budget)).toBeUndefined()
    expect(rustAuditInspector.open('/x', Buffer.from('#!/bin/sh'.padEnd(64)), 64, budget)).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Cargo.lock (fs:// only), compared with what Python's tomllib reads from the same files (expected.json).

interface LockExpected {
  lockfile: string
  name: string
  version: string
  source: string
  checksum?: string
  dependencies?: string[]
}

function projectLock(p: Package): LockExpected {
  const m = p.metadata as { lockfile: string; source: string; checksum?: string; dependencies?: string[] }
  const out: LockExpected = { lockfile: m.lockfile, name: p.name, version: p.version, source: m.source }
  if (m.checksum) out.checksum = m.checksum
  if (m.dependencies) out.dependencies = m.dependencies
  return out
}

const lockOrder = (a: LockExpected, b: LockExpected) => a.lockfile.localeCompare(b.lockfile) || byKey(a, b)

describe('Cargo.lock in a directory (fs://)', () => {
  it('reads v4 (ripgrep) and v1 (checksums in [metadata]) lockfiles as tomllib does', async () => {
    const dir = join(FIX, 'cargo-lock')
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))
    const sbom = await sbomOf(join(dir, 'rootfs'))
    expect(sbom.issues).toEqual(expected.issues)
    expect(sbom.packages.map(projectLock).sort(lockOrder)).toEqual([...expected.packages].sort(lockOrder))
    for (const p of sbom.packages) {
      expect(p.purl).toBe(`pkg:cargo/${p.name}@${p.version}`)
      expect(p.foundBy).toBe('rust/1')
      expect(p.locations.map((l) => l.path)).toEqual([(p.metadata as { lockfile: string }).lockfile])
    }
    // Two versions of one crate stay two packages.
    expect(sbom.packages.filter((p) => p.name === 'syn').map((p) => p.version)).toEqual(['2.0.119', '3.0.3'])
  })

  it('skips a broken [[package]] with a located issue and keeps the others', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rust-lock-'))
    try {
      const text = readFileSync(join(FIX, 'cargo-lock', 'rootfs', 'src', 'ripgrep', 'Cargo.lock'), 'utf8')
      const broken = text
        .replace('name = "memchr"\nversion = "2.8.3"', 'name = "memchr"\nversion = 2.8.3.bad')
        .replace('name = "log"\nversion = "0.4.33"\n', 'name = "log"\n')
      mkdirSync(join(root, 'app'))
      writeFileSync(join(root, 'app', 'Cargo.lock'), broken)
      const sbom = await sbomOf(root)
      expect(sbom.issues.map((i) => ({ kind: i.kind, path: i.location?.path, message: i.message }))).toEqual([
        {
          kind: 'parse-error',
          path: '/app/Cargo.lock',
          message: expect.stringMatching(/^\/app\/Cargo\.lock:\d+: unsupported value; entry skipped$/),
        },
        {
          kind: 'parse-error',
          path: '/app/Cargo.lock',
          message: expect.stringMatching(/^\/app\/Cargo\.lock:\d+: \[\[package\]\] without version; entry skipped$/),
        },
      ])
      const names = sbom.packages.map((p) => p.name)
      expect(names).not.toContain('memchr')
      expect(names).not.toContain('log')
      expect(names.length).toBe(63 - 2)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('is not read from images: lockfiles there describe a build, not what is installed', () => {
    const lock = readFileSync(join(FIX, 'cargo-lock', 'rootfs', 'src', 'guessing_game', 'Cargo.lock'))
    const info = {
      path: '/src/Cargo.lock',
      type: 'file',
      size: lock.length,
      mode: 0o644,
      firstLayer: 0,
      lastLayer: 0,
      hasContent: true,
    }
    const files = {
      layers: [{ index: 0, diffId: `sha256:${'0'.repeat(64)}` }],
      glob: () => [info],
      read: () => lock,
      inspections: () => [],
      location: (path: string) => ({ path, layerIndex: 0 }),
      locationIn: (path: string, layerIndex: number) => ({ path, layerIndex }),
    } as unknown as FileResolver
    expect(rustCataloger.catalog({ files, distro: undefined })).toEqual({ packages: [], issues: [] })
  })

  it('parses the TOML subset: comments, escapes, literal strings, arrays across lines', () => {
    const { lock, errors } = parseCargoLock(
      [
        '# comment',
        'version = 3 # trailing comment',
        '[[package]]',
        "name = 'lit\\eral'",
        'version = "1.0.0-\\u00e9"',
        'source = "git+https://example.com/r.git?rev=abc#abcdef"',
        'dependencies = [ "a", # why',
        '  "b 1.0",',
        ']',
        '[[patch.unused]]',
        'name = "ignored"',
        'version = "0.0.0"',
        '',
      ].join('\n'),
    )
    expect(errors).toEqual([])
    expect(lock.version).toBe(3)
    expect(lock.packages).toEqual([
      {
        name: 'lit\\eral',
        version: '1.0.0-é',
        source: 'git+https://example.com/r.git?rev=abc#abcdef',
        dependencies: ['a', 'b 1.0'],
        line: 3,
      },
    ])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// cargo-auditable binaries, made at test time: a real ELF executable with the `.dep-v0` section cargo-auditable
// writes, carrying the zlib-compressed audit JSON of fixtures/rust/auditable/dep-v0.json.

const run = (cmd: string, args: string[], cwd?: string) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0
const rustc = [process.env.RUSTC ?? 'rustc', join(homedir(), '.cargo', 'bin', 'rustc')].find((c) =>
  works(c, ['--version']),
)
const canBuild = works('cc', ['--version']) && works('objcopy', ['--version'])

interface BinExpected {
  name: string
  version: string
  source: string
  root?: boolean
}

function projectBin(p: Package): BinExpected {
  const m = p.metadata as { source: string; root?: boolean }
  const out: BinExpected = { name: p.name, version: p.version, source: m.source }
  if (m.root) out.root = true
  return out
}

describe.skipIf(!canBuild)('cargo-auditable ELF binaries (section linked in, or added by objcopy)', () => {
  let work = ''
  let root = ''
  let sbom: Sbom
  const json = readFileSync(join(FIX, 'auditable', 'dep-v0.json'))
  const expected: BinExpected[] = JSON.parse(readFileSync(join(FIX, 'auditable', 'expected.json'), 'utf8')).packages
  const bin = (p: string) => join(root, p)

  /** An ELF with `.dep-v0` = `payload` added after the fact (non-loadable, like cargo-auditable's). */
  const withSection = (from: string, to: string, payload: Buffer) => {
    const f = join(work, `payload-${Math.random().toString(36).slice(2)}`)
    writeFileSync(f, payload)
    mkdirSync(dirname(bin(to)), { recursive: true })
    run('objcopy', ['--add-section', `.dep-v0=${f}`, '--set-section-flags', '.dep-v0=noload,readonly', from, bin(to)])
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rust-audit-'))
    root = join(work, 'rootfs')
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true })
    const zlib = deflateSync(json, { level: 9 })
    writeFileSync(join(work, 'dep.zlib'), zlib)
    // cargo-auditable's way: an object file whose `.dep-v0` section has no flags, handed to the linker.
    run('cc', ['-c', '-x', 'c', '/dev/null', '-o', join(work, 'empty.o')])
    run('objcopy', [
      '--add-section',
      `.dep-v0=${join(work, 'dep.zlib')}`,
      '--set-section-flags',
      '.dep-v0=noload,readonly',
      join(work, 'empty.o'),
      join(work, 'dep.o'),
    ])
    if (rustc) {
      writeFileSync(join(work, 'main.rs'), 'fn main() { println!("hello"); }\n')
      run(
        rustc,
        [
          '-C',
          'opt-level=s',
          '-C',
          'strip=symbols',
          'main.rs',
          '-o',
          bin('usr/local/bin/linked'),
          '-C',
          `link-arg=${join(work, 'dep.o')}`,
        ],
        work,
      )
      run(rustc, ['main.rs', '-o', join(work, 'plain')], work)
    } else {
      writeFileSync(join(work, 'main.c'), 'int main(void) { return 0; }\n')
      run('cc', ['-O2', '-s', 'main.c', join(work, 'dep.o'), '-o', bin('usr/local/bin/linked')], work)
      run('cc', ['-g', 'main.c', '-o', join(work, 'plain')], work)
    }
    withSection(join(work, 'plain'), 'usr/local/bin/objcopied', zlib)
    copyFileSync(join(work, 'plain'), bin('usr/local/bin/plain'))
    // Hostile: cut in half; a section that is not zlib; a zip bomb; zlib of JSON that is not audit data.
    const whole = readFileSync(bin('usr/local/bin/objcopied'))
    writeFileSync(bin('usr/local/bin/truncated'), whole.subarray(0, Math.floor(whole.length / 2)))
    withSection(join(work, 'plain'), 'srv/not-zlib', Buffer.from('this is not zlib at all, but plain text'))
    withSection(
      join(work, 'plain'),
      'srv/bomb',
      deflateSync(Buffer.concat([Buffer.from('{"packages":['), Buffer.alloc(9 << 20, 0x20), Buffer.from(']}')])),
    )
    withSection(join(work, 'plain'), 'srv/bad-json', deflateSync('{"packages":[{"name":"x"}]}'))
    for (const f of ['usr/local/bin/truncated', 'srv/not-zlib', 'srv/bomb', 'srv/bad-json']) chmodSync(bin(f), 0o755)
    sbom = await sbomOf(root)
  }, 300_000)

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('lists the runtime crates of the audit data, the root flagged, for both layouts', () => {
    for (const b of ['/usr/local/bin/linked', '/usr/local/bin/objcopied']) {
      const got = sbom.packages.filter((p) => p.locations[0]?.path === b)
      expect(got.map(projectBin).sort(byKey), b).toEqual([...expected].sort(byKey))
      for (const p of got) {
        expect(p.purl).toBe(`pkg:cargo/${p.name}@${p.version}`)
        expect(p.metadata).toMatchObject({ kind: 'rust-crate', binary: b, files: [b], auditFormat: 1 })
      }
    }
    const rg = sbom.packages.find((p) => p.name === 'ripgrep')
    expect(rg?.metadata.dependencies).toContain('grep 0.4.1')
    expect(sbom.packages.some((p) => p.name === 'cc')).toBe(false)
  })

  it('says nothing about ELF files without audit data, and one located issue per damaged one', () => {
    expect(sbom.packages.some((p) => p.locations[0]?.path === '/usr/local/bin/plain')).toBe(false)
    const issues = sbom.issues.map((i) => ({ kind: i.kind, path: i.location?.path, message: i.message }))
    expect(issues.map((i) => i.path).sort()).toEqual([
      '/srv/bad-json',
      '/srv/bomb',
      '/srv/not-zlib',
      '/usr/local/bin/truncated',
    ])
    const by = (p: string) => issues.find((i) => i.path === p)?.message
    expect(by('/usr/local/bin/truncated')).toMatch(
      /truncated ELF \(\d+ bytes\): section headers at \d+\.\.\d+ lie past its end/,
    )
    expect(by('/srv/not-zlib')).toMatch(/\.dep-v0 section \(39 bytes at offset \d+\) is not zlib-compressed audit data/)
    expect(by('/srv/bomb')).toMatch(/audit data inflates to more than 8388608 bytes/)
    expect(by('/srv/bad-json')).toMatch(/audit package 0 has no name or version/)
    for (const i of sbom.issues) expect(i).toMatchObject({ kind: 'parse-error', source: 'rust' })
  })

  it('reads the same whatever the chunking (section found by its zlib stream, or read at its offset)', () => {
    const budget: MemoryBudget = { reserve: () => true, release: () => {} }
    const feed = (b: Buffer, size: number) => {
      const sink = new RustAuditSink(b.length, b.subarray(0, 1024), budget)
      for (let pos = 0; pos < b.length; pos += size) sink.write(b.subarray(pos, pos + size))
      return sink.end()
    }
    const want = { packages: parseAuditJson(json.toString('utf8')).packages, format: 1 }
    for (const f of ['usr/local/bin/linked', 'usr/local/bin/objcopied']) {
      const b = readFileSync(bin(f))
      for (const size of [b.length, 1 << 20, 65536, 4096, 511, 97]) {
        const r = feed(b, size)
        expect(r, `${f} in chunks of ${size}`).toMatchObject({ ok: true, value: want })
      }
    }
    const bad = readFileSync(bin('srv/not-zlib'))
    for (const size of [bad.length, 4096, 97])
      expect(feed(bad, size)).toEqual({ ok: false, error: expect.stringMatching(/is not zlib-compressed audit data/) })
  })
})
