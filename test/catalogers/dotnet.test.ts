import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Package } from '../../src/model/index.js'
import { dotnetCataloger, type NugetMetadata } from '../../src/sbom/catalogers/dotnet/index.js'
import { FIXTURES } from '../helpers/images.js'
import { gzipLayer, makeTar, writeOciLayout } from '../helpers/make-image.js'
import { fixtureCases, issuesOf, scanWith, writeTree } from './harness.js'

const ROOT = join(FIXTURES, 'catalogers', 'dotnet')

const scan = scanWith(dotnetCataloger)

function project(p: Package) {
  const m = p.metadata as NugetMetadata
  return {
    name: p.name,
    version: p.version,
    purl: p.purl,
    depsJson: m.depsJson,
    path: m.path,
    sha512: m.sha512,
    hashPath: m.hashPath,
    files: m.files,
  }
}

const issues = issuesOf

describe('dotnet cataloger fixtures', () => {
  fixtureCases(ROOT, scan, (expected, sbom) => {
    expect(sbom.packages.map(project)).toEqual(expected.packages)
    for (const p of sbom.packages) {
      expect(p.kind).toBe('nuget')
      expect(p.foundBy).toBe(`dotnet/${dotnetCataloger.version}`)
      expect(p.locations.map((l) => l.path)).toEqual([(p.metadata as NugetMetadata).depsJson])
    }
  })
})

describe('dotnet cataloger: assets, images and bad input', () => {
  let tmp: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'shipshape-dotnet-'))
  })
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  const web = readFileSync(join(ROOT, 'web-app/rootfs/app/Web.deps.json'), 'utf8')
  const hello = readFileSync(join(ROOT, 'native-assets/rootfs/srv/hello2/hello2.deps.json'), 'utf8')
  const testLib = readFileSync(join(ROOT, 'test-library/rootfs/opt/lib/TestLibrary.deps.json'), 'utf8')

  const tree = (name: string, files: Record<string, string | Buffer>) => writeTree(tmp, name, files)

  it('lists the runtime assets that are beside the deps.json, as published', async () => {
    // Empty stand-ins for the published assemblies: only their presence matters here.
    const root = tree('assets', {
      'app/Web.deps.json': web,
      'app/Web.dll': '',
      'app/Newtonsoft.Json.dll': '',
      'srv/hello2/hello2.deps.json': hello,
      'srv/hello2/JsonDiffPatch.dll': '',
      'srv/hello2/runtimes/debian-x64/native/libuv.so': '',
    })
    const sbom = await scan(`fs://${root}`)
    expect(sbom.packages.map((p) => [p.name, (p.metadata as NugetMetadata).files])).toEqual([
      ['JsonDiffPatch', ['/srv/hello2/JsonDiffPatch.dll']],
      ['Libuv', ['/srv/hello2/runtimes/debian-x64/native/libuv.so']],
      ['Newtonsoft.Json', ['/app/Newtonsoft.Json.dll']],
    ])
  })

  it('never reports projects or the runtime pack; without a runtime target every package is listed', async () => {
    const doc = JSON.parse(testLib)
    doc.libraries['runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/6.0.0'] = { type: 'runtimepack', sha512: '' }
    const selfContained = JSON.stringify(doc)
    delete doc.runtimeTarget
    const noTarget = JSON.stringify(doc)
    const root = tree('targets', { 'a/app.deps.json': selfContained, 'b/app.deps.json': noTarget })
    const sbom = await scan(`fs://${root}`)
    const names = (dir: string) =>
      sbom.packages.filter((p) => (p.metadata as NugetMetadata).depsJson === `/${dir}/app.deps.json`).map((p) => p.name)
    expect(names('a')).toHaveLength(10)
    expect(names('a')).not.toContain('System.Runtime.CompilerServices.Unsafe')
    expect(names('b')).toHaveLength(12)
    expect(names('b')).toContain('System.Runtime.CompilerServices.Unsafe')
    for (const n of [...names('a'), ...names('b')]) expect(['TestLibrary', 'TestCommon']).not.toContain(n)
    expect(sbom.packages.some((p) => p.name.startsWith('runtimepack.'))).toBe(false)
  })

  it('in an image: found with its layer', async () => {
    const dir = join(tmp, 'oci')
    writeOciLayout(dir, [gzipLayer(makeTar([{ name: 'app/Web.deps.json', content: web }]))])
    const sbom = await scan(`oci-dir://${dir}`)
    expect(sbom.packages.map((p) => [p.purl, p.introducedIn.path, p.introducedIn.layerIndex])).toEqual([
      ['pkg:nuget/Newtonsoft.Json@13.0.3', '/app/Web.deps.json', 0],
    ])
  })

  it('truncated JSON, a file that is not a deps.json, a bad library key: located issues, the rest catalogued', async () => {
    const doc = JSON.parse(web)
    doc.libraries.NoVersion = { type: 'package' }
    const root = tree('bad', {
      'a/Web.deps.json': web.slice(0, 700),
      'b/tsconfig.deps.json': '{"compilerOptions": {}}',
      'c/Web.deps.json': JSON.stringify(doc),
      'd/Web.deps.json': Buffer.concat([Buffer.from(web), Buffer.alloc(33 * 1024 * 1024, 0x20)]),
    })
    const sbom = await scan(`fs://${root}`)
    expect(sbom.packages.map((p) => [p.name, (p.metadata as NugetMetadata).depsJson])).toEqual([
      ['Newtonsoft.Json', '/c/Web.deps.json'],
    ])
    const got = issues(sbom).filter((i) => i.kind !== 'truncated-content')
    expect(got.map((i) => [i.kind, i.path])).toEqual([
      ['parse-error', '/a/Web.deps.json'],
      ['unsupported-format', '/b/tsconfig.deps.json'],
      ['parse-error', '/c/Web.deps.json'],
      ['unreadable-file', '/d/Web.deps.json'],
    ])
    expect(got[2]?.message).toBe('/c/Web.deps.json: library key "NoVersion" is not NAME/VERSION; entry skipped')
  })
})
