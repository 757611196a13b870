import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sbom } from '../../src/model/index.js'
import { cli, cliAsync } from '../helpers/cli.js'
import { useEngine } from '../helpers/engine.js'
import { builtArchive, imagesDir } from '../helpers/images.js'
import { pushImages, startRegistry, type TestRegistry } from '../helpers/registry.js'

/*
 * The CLI on images that live in a registry or an engine (the library-level behaviour is in test/image/registry-*
 * and engine.test.ts): the same SBOM as from the archive, the flags that reach registries, `image://` falling back
 * from the engine to the registry, and one line with its own exit code when a registry refuses.
 */

let tmp = ''
let open: TestRegistry
let locked: TestRegistry
const engine = useEngine((e) => e.load(builtArchive('debian-min', 'docker')))

function packages(stdout: string): string[] {
  const s = JSON.parse(stdout) as Sbom
  return s.packages.map((p) => `${p.kind} ${p.name} ${p.version} ${p.introducedIn.layerIndex}`).sort()
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-remote-'))
  open = startRegistry({ port: 5980 })
  pushImages(open, imagesDir(), ['debian-min'])
  locked = startRegistry({ port: 5982, auth: 'htpasswd' })
  pushImages(locked, imagesDir(), ['debian-min'])
}, 300_000)

afterAll(() => {
  open?.stop()
  locked?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

describe('registry:// and local:// from the command line', () => {
  it('registry:// gives the archive’s SBOM, and the digest the tag resolved to', async () => {
    const archive = cli(['sbom', `archive://${builtArchive('debian-min', 'oci')}`, '--format', 'json', '-q'])
    const r = await cliAsync([
      'sbom',
      `registry://${open.host}/fixtures/debian-min:1.0`,
      '--format',
      'json',
      '-q',
      '--cache-dir',
      join(tmp, 'c1'),
    ])
    expect(r.stderr).toBe('')
    expect(packages(r.stdout)).toEqual(packages(archive.stdout))
    const t = (JSON.parse(r.stdout) as Sbom).target
    expect(t.name).toBe(`${open.host}/fixtures/debian-min`)
    expect(t.repoDigests?.[0]).toMatch(new RegExp(`^${open.host}/fixtures/debian-min@sha256:[0-9a-f]{64}$`))
  })

  it('credentials by flag reach the registry; a wrong password is one line with exit 22', async () => {
    const ok = await cliAsync([
      'sbom',
      `registry://${locked.host}/fixtures/debian-min:1.0`,
      '--username',
      locked.user as string,
      '--password',
      locked.pass as string,
      '-q',
      '--cache-dir',
      join(tmp, 'c2'),
    ])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    const bad = await cliAsync([
      'sbom',
      `registry://${locked.host}/fixtures/debian-min:1.0`,
      '--username',
      locked.user as string,
      '--password',
      'not-the-password',
      '-q',
      '--cache-dir',
      join(tmp, 'c3'),
    ])
    expect(bad.code).toBe(22)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).not.toContain('not-the-password')
  })

  it('local:// reads the engine’s image (DOCKER_HOST) and equals the archive', async () => {
    const archive = cli(['sbom', `archive://${builtArchive('debian-min', 'docker')}`, '--format', 'json', '-q'])
    const r = await cliAsync(
      ['sbom', 'local://fixtures/debian-min:1.0', '--format', 'json', '-q', '--cache-dir', join(tmp, 'c4')],
      {
        env: { DOCKER_HOST: engine.engine.dockerHost },
      },
    )
    expect(r.stderr).toBe('')
    expect(packages(r.stdout)).toEqual(packages(archive.stdout))
  })

  it('image:// takes the engine when it has the image, else the registry', async () => {
    const fromEngine = await cliAsync(
      ['sbom', 'image://fixtures/debian-min:1.0', '--format', 'json', '-q', '--cache-dir', join(tmp, 'c5')],
      {
        env: { DOCKER_HOST: engine.engine.dockerHost },
      },
    )
    expect(fromEngine.stderr).toBe('')
    expect((JSON.parse(fromEngine.stdout) as Sbom).target.ref).toBe('image://fixtures/debian-min:1.0')
    // No engine at all: the same bare reference goes to the registry.
    const fromRegistry = await cliAsync(
      ['sbom', `${open.host}/fixtures/debian-min:1.0`, '--format', 'json', '-q', '--cache-dir', join(tmp, 'c6')],
      { env: { DOCKER_HOST: `unix://${join(tmp, 'no-engine.sock')}` } },
    )
    expect(fromRegistry.stderr).toBe('')
    expect(packages(fromRegistry.stdout)).toEqual(packages(fromEngine.stdout))
    expect((JSON.parse(fromRegistry.stdout) as Sbom).target.name).toBe(`${open.host}/fixtures/debian-min`)
  })

  it('mirrors from the config file are tried first: a dead registry is read through its mirror', async () => {
    const conf = join(tmp, 'config.yaml')
    writeFileSync(conf, `registry:\n  mirrors:\n    127.0.0.1:5999: [${open.host}]\n  insecure: [127.0.0.1:5999]\n`)
    const r = await cliAsync([
      'sbom',
      'registry://127.0.0.1:5999/fixtures/debian-min:1.0',
      '--config',
      conf,
      '--format',
      'json',
      '-q',
      '--cache-dir',
      join(tmp, 'c7'),
    ])
    expect(r.stderr).toBe('')
    expect((JSON.parse(r.stdout) as Sbom).packages.length).toBeGreaterThan(80)
    // The same through the environment.
    const e = await cliAsync(
      ['sbom', 'registry://127.0.0.1:5999/fixtures/debian-min:1.0', '-q', '--cache-dir', join(tmp, 'c8')],
      {
        env: { SHIPSHAPE_REGISTRY_MIRRORS: `127.0.0.1:5999=${open.host}`, XDG_CONFIG_HOME: join(tmp, 'no-config') },
      },
    )
    expect(e.stderr).toBe('')
    expect(e.code).toBe(0)
    const bad = cli(['sbom', 'registry://127.0.0.1:5999/x:1', '-q'], {
      env: { SHIPSHAPE_REGISTRY_MIRRORS: 'nonsense' },
    })
    expect(bad.code).toBe(3)
  })

  it('local:// without an engine is one line with exit 23', () => {
    const r = cli(['sbom', 'local://fixtures/debian-min:1.0', '-q'], {
      env: { DOCKER_HOST: `unix://${join(tmp, 'no-engine.sock')}` },
    })
    expect(r.code).toBe(23)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('no-engine.sock')
  })

  it('cache df counts the blobs a registry scan kept; cache prune --blobs empties it', async () => {
    const c = join(tmp, 'c1')
    const df = JSON.parse(cli(['cache', 'df', '--cache-dir', c, '--format', 'json']).stdout)
    expect(df.blobs.entries).toBeGreaterThan(2)
    const pr = cli(['cache', 'prune', '--blobs', '--cache-dir', c])
    expect(pr.stdout).toMatch(/removed 0 cached SBOMs .* and \d+ cached blobs/)
    expect(JSON.parse(cli(['cache', 'df', '--cache-dir', c, '--format', 'json']).stdout).blobs.entries).toBe(0)
  })
})
