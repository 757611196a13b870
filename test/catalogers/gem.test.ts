import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Package } from '../../src/model/index.js'
import { type GemMetadata, gemCataloger, parseGemfileLock, parseGemspec } from '../../src/sbom/catalogers/gem/index.js'
import { FIXTURES } from '../helpers/images.js'
import { gzipLayer, makeTar, writeOciLayout } from '../helpers/make-image.js'
import { fixtureCases, issuesOf, scanWith } from './harness.js'

const ROOT = join(FIXTURES, 'catalogers', 'gem')

const scan = scanWith(gemCataloger)

function project(p: Package) {
  const m = p.metadata as GemMetadata
  return {
    name: p.name,
    version: p.version,
    platform: m.platform,
    purl: p.purl,
    path: m.path,
    ...(m.files ? { files: m.files } : {}),
    ...(m.default ? { default: true } : {}),
    ...(p.licenses ? { licenses: p.licenses } : {}),
    ...(m.requires ? { requires: m.requires } : {}),
    ...(m.source ? { source: m.source } : {}),
  }
}

const byNameVersionPath = (a: { name: string; version: string; path: string }, b: typeof a) =>
  a.name < b.name
    ? -1
    : a.name > b.name
      ? 1
      : a.version < b.version
        ? -1
        : a.version > b.version
          ? 1
          : a.path < b.path
            ? -1
            : 1

const issues = issuesOf

describe('gem cataloger fixtures', () => {
  fixtureCases(ROOT, scan, (expected, sbom) => {
    expect(sbom.packages.map(project).sort(byNameVersionPath)).toEqual(expected.packages)
    for (const p of sbom.packages) {
      expect(p.kind).toBe('gem')
      expect(p.foundBy).toBe(`gem/${gemCataloger.version}`)
      expect(p.locations.map((l) => l.path)).toEqual([(p.metadata as GemMetadata).path])
      expect(p.introducedIn.path).toBe((p.metadata as GemMetadata).path)
    }
  })
})

describe('gemspec reader', () => {
  it('reads the forms RubyGems 3.4+ writes: frozen strings inside arrays, unguarded add_dependency', () => {
    // The layout of `Gem::Specification#to_ruby` in RubyGems 3.5 (runtime dependencies via add_dependency).
    const text = [
      '# -*- encoding: utf-8 -*-',
      '# stub: nokogiri 1.16.0 x86_64-linux lib',
      '',
      'Gem::Specification.new do |s|',
      '  s.name = "nokogiri".freeze',
      '  s.version = "1.16.0".freeze',
      '  s.platform = "x86_64-linux".freeze',
      '  s.authors = ["Mike Dalessio".freeze, "Aaron Patterson".freeze]',
      '  s.licenses = ["MIT".freeze]',
      '  s.summary = "Nokogiri (\\u92F8) makes it easy".freeze',
      '  s.add_dependency(%q<racc>.freeze, ["~> 1.4".freeze])',
      '  s.add_development_dependency(%q<rake>.freeze, ["~> 13.0".freeze])',
      'end',
    ].join('\n')
    const r = parseGemspec(text)
    expect(r).toEqual({
      spec: {
        name: 'nokogiri',
        version: '1.16.0',
        platform: 'x86_64-linux',
        licenses: ['MIT'],
        authors: ['Mike Dalessio', 'Aaron Patterson'],
        summary: 'Nokogiri (\u92f8) makes it easy',
        requires: ['racc (~> 1.4)'],
      },
    })
  })

  it('hand-written forms: Gem::Version.new, single quotes, %w, multi-line arrays; interpolation is not a literal', () => {
    const r = parseGemspec(
      "Gem::Specification.new do |spec|\n  spec.name    = 'tiny'\n  spec.version = Gem::Version.new('0.1.0')\n  spec.license = 'Apache-2.0'\n  spec.authors = [\n    'A',\n    'B',\n  ]\n  spec.add_dependency 'json', '>= 2', '< 3'\n  spec.add_runtime_dependency %q<yaml>\nend\n",
    )
    expect(r).toEqual({
      spec: {
        name: 'tiny',
        version: '0.1.0',
        platform: 'ruby',
        licenses: ['Apache-2.0'],
        authors: ['A', 'B'],
        requires: ['json (>= 2, < 3)', 'yaml (>= 0)'],
      },
    })
    expect(parseGemspec('Gem::Specification.new do |s|\n  s.name = "x"\n  s.version = "#{X}"\nend\n')).toEqual({
      error: 'version is not a literal (the file would have to be run)',
    })
    expect(parseGemspec('puts 1\n')).toEqual({ error: 'no Gem::Specification block' })
  })

  it('Gemfile.lock: version to the first dash, the rest is the platform; bad lines are reported', () => {
    const { gems, errors } = parseGemfileLock(
      'GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.3)\n    broken line here\n    noversion\n\nPLATFORMS\n  x86_64-linux\n',
    )
    expect(gems.map((g) => [g.name, g.version, g.platform, g.line])).toEqual([
      ['nokogiri', '1.16.0', 'x86_64-linux', 4],
      ['racc', '1.7.3', 'ruby', 6],
    ])
    expect(errors).toEqual([
      { line: 7, message: 'not a spec line: "    broken line here"' },
      { line: 8, message: 'spec noversion has no version' },
    ])
  })
})

describe('gem cataloger: images and hostile input', () => {
  let tmp: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'shipshape-gem-'))
  })
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  const DEB = join(ROOT, 'debian', 'rootfs')
  const rake = readFileSync(join(DEB, 'usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec'))
  const lock = readFileSync(join(ROOT, 'gemfile-lock', 'rootfs', 'app', 'Gemfile.lock'))

  it('in an image: installed specs with their layers, Gemfile.lock not read', async () => {
    const dir = join(tmp, 'oci')
    const spec = 'usr/local/bundle/specifications/rake-13.0.6.gemspec'
    const base = makeTar([
      { name: 'usr/local/bundle/specifications/', type: 'dir' },
      { name: spec, content: rake },
      { name: 'app/Gemfile.lock', content: lock },
    ])
    // The second layer rewrites the spec (same content): introduced in layer 0, last changed in layer 1.
    const top = makeTar([{ name: spec, content: rake }])
    writeOciLayout(dir, [gzipLayer(base), gzipLayer(top)])
    const sbom = await scan(`oci-dir://${dir}`)
    expect(
      sbom.packages.map((p) => [p.name, p.version, p.introducedIn.layerIndex, p.lastChangedIn.layerIndex]),
    ).toEqual([['rake', '13.0.6', 0, 1]])
    expect(sbom.issues).toEqual([])
  })

  it('a lockfile inside an installed gem is the gem’s own, not an application’s', async () => {
    const root = join(tmp, 'nested')
    const put = (p: string, data: Buffer) => {
      mkdirSync(dirname(join(root, p)), { recursive: true })
      writeFileSync(join(root, p), data)
    }
    put('usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec', rake)
    put('usr/lib/ruby/gems/3.1.0/gems/rake-13.0.6/Gemfile.lock', lock)
    const sbom = await scan(`fs://${root}`)
    expect(sbom.packages.map((p) => p.name)).toEqual(['rake'])
    expect((sbom.packages[0] as Package).metadata.files).toEqual([
      '/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec',
      '/usr/lib/ruby/gems/3.1.0/gems/rake-13.0.6/Gemfile.lock',
    ])
  })

  it('a gemspec over the size cap and a Gemfile.lock with a bad line: located issues, the rest catalogued', async () => {
    const root = join(tmp, 'big')
    const put = (p: string, data: Buffer | string) => {
      mkdirSync(dirname(join(root, p)), { recursive: true })
      writeFileSync(join(root, p), data)
    }
    const specs = 'var/lib/gems/3.1.0/specifications'
    put(`${specs}/rake-13.0.6.gemspec`, rake)
    // 5 MiB: a real spec followed by a huge comment, over the 4 MiB cap.
    put(`${specs}/huge-1.0.gemspec`, Buffer.concat([rake, Buffer.from('\n#'), Buffer.alloc(5 * 1024 * 1024, 0x78)]))
    const at = lock.indexOf('  specs:\n') + 9
    put(
      'app/Gemfile.lock',
      Buffer.concat([lock.subarray(0, at), Buffer.from('    nokogiri (1.8.2\n'), lock.subarray(at)]),
    )
    const sbom = await scan(`fs://${root}`)
    expect(
      sbom.packages.filter((p) => (p.metadata as GemMetadata).path.endsWith('.gemspec')).map((p) => p.name),
    ).toEqual(['rake'])
    expect(sbom.packages.filter((p) => (p.metadata as GemMetadata).path === '/app/Gemfile.lock')).toHaveLength(52)
    expect(issues(sbom).filter((i) => i.kind !== 'truncated-content')).toEqual([
      {
        kind: 'unreadable-file',
        message: `/${specs}/huge-1.0.gemspec: content not kept (over the size cap)`,
        path: `/${specs}/huge-1.0.gemspec`,
      },
      {
        kind: 'parse-error',
        message: '/app/Gemfile.lock: line 4: not a spec line: "    nokogiri (1.8.2"; entry skipped',
        path: '/app/Gemfile.lock',
      },
    ])
  })
})
