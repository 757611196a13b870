import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeNativeJson } from '../../src/sbom/index.js'
import { cycloneDxValidator, schemaErrors, spdxValidator } from '../formats/validators.js'
import { cli } from '../helpers/cli.js'
import { builtArchive, builtLayout, REPO, readTsv, truthFile } from '../helpers/images.js'

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-cli-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('shipshape sbom', () => {
  it('writes one file per format in a single run; CycloneDX 1.6 and SPDX 2.3 validate against the official schemas', () => {
    const base = join(tmp, 'lang-app')
    const r = cli([
      'sbom',
      `archive://${builtArchive('lang-app', 'oci')}`,
      '--format',
      'list,json',
      '--format',
      'cyclonedx,spdx',
      '-o',
      base,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('')
    const native = decodeNativeJson(readFileSync(`${base}.json`, 'utf8'))
    if (!native.ok) throw new Error(native.error)
    const truth = readTsv(truthFile('lang-app', 'dpkg.tsv'))
    expect(native.sbom.packages.filter((p) => p.kind === 'deb')).toHaveLength(truth.length)

    const cdx = JSON.parse(readFileSync(`${base}.cdx.json`, 'utf8'))
    expect(schemaErrors(cycloneDxValidator(), cdx)).toEqual([])
    expect(cdx.specVersion).toBe('1.6')
    const purls = new Set(cdx.components.map((c: { purl?: string }) => c.purl))
    for (const p of native.sbom.packages) expect(purls.has(p.purl), p.purl).toBe(true)

    const spdx = JSON.parse(readFileSync(`${base}.spdx.json`, 'utf8'))
    expect(schemaErrors(spdxValidator(), spdx)).toEqual([])
    expect(spdx.spdxVersion).toBe('SPDX-2.3')
    expect(spdx.packages.length).toBeGreaterThan(truth.length)

    const list = readFileSync(`${base}.txt`, 'utf8')
    expect(list).toMatch(/^NAME\s+VERSION\s+TYPE\s+LAYER$/m)
    expect(list).toMatch(/^python3-requests\s+\S+\s+deb\s+1$/m)
  })

  it('one format goes to stdout without --output; several formats need --output', () => {
    const r = cli(['sbom', `oci-dir://${builtLayout('debian-min')}`, '--format', 'json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).packages).toHaveLength(readTsv(truthFile('debian-min', 'dpkg.tsv')).length)
    const many = cli(['sbom', `oci-dir://${builtLayout('debian-min')}`, '--format', 'json,spdx'])
    expect(many.code).toBe(3)
    expect(many.stderr).toMatch(/several formats need --output/)
  })

  it('--only-package-type filters by kind', () => {
    const r = cli(['sbom', `oci-dir://${builtLayout('debian-min')}`, '--format', 'json', '--only-package-type', 'apk'])
    expect(r.code, r.stderr).toBe(0)
    const sbom = JSON.parse(r.stdout)
    expect(sbom.packages).toEqual([])
    expect(Object.keys(sbom.tool.catalogers)).toEqual(['apk'])
  })

  it('a bare path is detected: a layout directory and an archive file', () => {
    const dir = cli(['sbom', builtLayout('debian-min'), '--format', 'json'])
    const file = cli(['sbom', builtArchive('debian-min', 'docker'), '--format', 'json'])
    expect(dir.code, dir.stderr).toBe(0)
    expect(file.code, file.stderr).toBe(0)
    const names = (s: string) =>
      JSON.parse(s).packages.map((p: { name: string; version: string }) => `${p.name} ${p.version}`)
    expect(names(dir.stdout)).toEqual(names(file.stdout))
  })

  it('shows progress on a terminal and nothing on stderr otherwise or with --quiet', () => {
    const cmd = `${process.execPath} ${join(REPO, 'bin/shipshape.js')} sbom oci-dir://${builtLayout('lang-app')} --format json -o ${join(tmp, 'tty.json')}`
    const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' })
    expect(tty.status, tty.stdout).toBe(0)
    expect(tty.stdout).toMatch(/Reading layers \(5\)\s+[\d.]+ MB \/ [\d.]+ MB/)
    expect(tty.stdout).toMatch(/Cataloging packages/)
    const quiet = spawnSync('script', ['-qec', `${cmd} --quiet`, '/dev/null'], { encoding: 'utf8' })
    expect(quiet.status).toBe(0)
    expect(quiet.stdout).toBe('')
    expect(existsSync(join(tmp, 'tty.json'))).toBe(true)
  })

  it('--version and --help', () => {
    const v = cli(['--version'])
    expect(v.code).toBe(0)
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version)
    const h = cli(['sbom', '--help'])
    expect(h.code).toBe(0)
    expect(h.stdout).toMatch(/--only-package-type/)
  })
})

describe('output to special files', () => {
  it('--output /dev/null leaves the device a device', () => {
    const r = cli(['sbom', `oci-dir://${builtLayout('debian-min')}`, '--format', 'json', '--output', '/dev/null'])
    expect(r.code, r.stderr).toBe(0)
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true)
  })
})
