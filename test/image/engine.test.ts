import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  EngineClient,
  engineAvailable,
  matchRepoTag,
  negotiateApiVersion,
  parseDockerHost,
  readEngineImage,
} from '../../src/image/engine/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Image } from '../../src/image/types.js'
import { isShipshapeError, type ShipshapeError } from '../../src/internal/index.js'
import { digestHex, type ImageRef, type Sbom } from '../../src/model/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { type EngineProxy, startProxy, useEngine } from '../helpers/engine.js'
import { builtArchive, truthFile } from '../helpers/images.js'

const CREATED = { createdAt: '2024-01-01T00:00:00Z' }

async function archiveSbom(name: string, layout: 'docker' | 'oci'): Promise<Sbom> {
  return generateSbom(await openSource(parseImageRef(`archive://${builtArchive(name, layout)}`)), CREATED)
}

function engineSbom(image: Image): Promise<Sbom> {
  return generateSbom({ kind: 'image', image }, CREATED)
}

/** Packages with every field (ids, versions, purls, metadata, and where each was found: path, layer diff_id and index). */
function packages(s: Sbom) {
  return [...s.packages].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

async function caught(p: Promise<unknown>): Promise<ShipshapeError> {
  try {
    await p
  } catch (e) {
    if (isShipshapeError(e)) return e
    throw e
  }
  throw new Error('expected a ShipshapeError')
}

function spools(cacheDir: string): string[] {
  const d = join(cacheDir, 'engine')
  return existsSync(d) ? readdirSync(d).sort() : []
}

const local = (name: string): ImageRef => parseImageRef(`local://${name}`)

describe('pure parts: DOCKER_HOST, API version, RepoTag matching', () => {
  it('parses DOCKER_HOST like the docker CLI', () => {
    expect(parseDockerHost(undefined, {})).toEqual({
      kind: 'unix',
      host: 'unix:///var/run/docker.sock',
      socketPath: '/var/run/docker.sock',
    })
    expect(parseDockerHost('unix:///run/podman/podman.sock', {})).toMatchObject({
      socketPath: '/run/podman/podman.sock',
    })
    expect(parseDockerHost('tcp://127.0.0.1', {})).toMatchObject({ kind: 'tcp', origin: 'http://127.0.0.1:2375' })
    expect(parseDockerHost('tcp://[::1]:2376', {})).toMatchObject({ kind: 'tcp', origin: 'http://[::1]:2376' })
    for (const bad of ['ssh://me@host', 'npipe:////./pipe/docker_engine'])
      expect(() => parseDockerHost(bad, {})).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }))
    expect(() => parseDockerHost('tcp://h:2376', { DOCKER_TLS_VERIFY: '1' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    )
    expect(() => parseDockerHost('unix://relative.sock', {})).toThrow(expect.objectContaining({ code: 'USAGE' }))
  })

  it('negotiates the API version down to the engine and up to its minimum', () => {
    expect(negotiateApiVersion({ apiVersion: '1.41', minApiVersion: '1.24' })).toBe('1.41')
    expect(negotiateApiVersion({ apiVersion: '1.47', minApiVersion: '1.24' })).toBe('1.41')
    expect(negotiateApiVersion({ apiVersion: '1.40', minApiVersion: '1.12' })).toBe('1.40')
    expect(negotiateApiVersion({ apiVersion: '1.52', minApiVersion: '1.44' })).toBe('1.44')
    expect(negotiateApiVersion({})).toBe('1.41')
  })

  it('takes name and tags from the RepoTag the reference names', () => {
    const tags = ['localhost/1.0:latest', 'docker.io/fixtures/debian-min:1.0', 'docker.io/fixtures/debian-min:stable']
    expect(matchRepoTag('fixtures/debian-min:1.0', tags, [])).toEqual({
      name: 'fixtures/debian-min',
      tags: ['1.0', 'stable'],
    })
    expect(matchRepoTag('fixtures/debian-min:stable', tags, []).tags).toEqual(['stable', '1.0'])
    expect(matchRepoTag('localhost/fixtures/x:oci', ['localhost/fixtures/x:oci'], [])).toEqual({
      name: 'localhost/fixtures/x',
      tags: ['oci'],
    })
    // podman resolves a short name to localhost/… itself
    expect(matchRepoTag('fixtures/x:oci', ['localhost/fixtures/x:oci'], [])).toEqual({
      name: 'localhost/fixtures/x',
      tags: ['oci'],
    })
    expect(matchRepoTag('nginx', ['docker.io/library/nginx:latest'], [])).toEqual({ name: 'nginx', tags: ['latest'] })
    const d = `sha256:${'a'.repeat(64)}`
    expect(matchRepoTag(`fixtures/y@${d}`, ['docker.io/fixtures/y:2'], [`docker.io/fixtures/y@${d}`])).toEqual({
      name: 'fixtures/y',
      tags: ['2'],
    })
  })
})

describe('engine: podman Docker API with docker archives loaded', () => {
  const ctx = useEngine((e) => {
    e.load(builtArchive('debian-min', 'docker'), builtArchive('lang-app', 'docker'))
    e.run('fixtures/debian-min:1.0', 'web1')
    e.run('fixtures/debian-min:1.0', 'done1', 'true')
  })
  let cacheDir: string
  let proxy: EngineProxy
  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'shipshape-engcache-'))
    proxy = await startProxy(ctx.engine.socket, join(ctx.engine.dir, 'proxy.sock'))
  })
  afterAll(async () => {
    await proxy?.close()
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true })
  })

  it('local://fixtures/debian-min:1.0 gives the archive’s SBOM; a second read reuses the spool (no export)', async () => {
    const ref = local('fixtures/debian-min:1.0')
    const opts = { dockerHost: proxy.dockerHost, cacheDir }
    proxy.requests.length = 0
    const image = await readEngineImage(ref, opts)
    const exports1 = proxy.requests.filter((r) => /\/images\/.+\/get/.test(r))
    expect(exports1).toHaveLength(1)
    expect(exports1[0]).toMatch(/^GET \/v1\.41\/images\/sha256:[a-f0-9]{64}\/get$/)

    const client = new EngineClient({ dockerHost: ctx.engine.dockerHost })
    const info = await client.inspectImage('fixtures/debian-min:1.0')
    await client.close()
    expect(info?.repoDigests.length).toBeGreaterThan(0)
    expect(image).toMatchObject({
      ref,
      layout: 'engine',
      name: 'fixtures/debian-min',
      tags: ['1.0'],
      repoDigests: info?.repoDigests,
      configDigest: info?.id,
    })
    expect(spools(cacheDir)).toEqual([`${digestHex(info?.id as never)}.tar`])

    const fromEngine = await engineSbom(image)
    const fromArchive = await archiveSbom('debian-min', 'docker')
    expect(fromEngine.packages.length).toBe(93)
    expect(packages(fromEngine)).toEqual(packages(fromArchive))
    expect(fromEngine.distro).toEqual(fromArchive.distro)
    expect(fromEngine.target.layers).toEqual(fromArchive.target.layers)
    expect(fromEngine.target.repoDigests).toEqual(info?.repoDigests)

    // Second read: the engine is asked only to inspect.
    proxy.requests.length = 0
    const spool = join(cacheDir, 'engine', spools(cacheDir)[0] as string)
    const ino = statSync(spool).ino
    const again = await readEngineImage(ref, opts)
    expect(proxy.requests.filter((r) => /\/get\b/.test(r))).toEqual([])
    expect(proxy.requests.every((r) => /^GET \/(_ping|v1\.41\/images\/[^ ]+\/json)$/.test(r))).toBe(true)
    expect(statSync(spool).ino).toBe(ino)
    expect(packages(await engineSbom(again))).toEqual(packages(fromArchive))
  })

  it('lang-app from the engine equals lang-app from its archive (deb, npm, python, go, java)', async () => {
    const image = await readEngineImage(parseImageRef('image://fixtures/lang-app:1.0'), {
      env: { DOCKER_HOST: ctx.engine.dockerHost },
      cacheDir,
    })
    expect(image).toMatchObject({ layout: 'engine', name: 'fixtures/lang-app', tags: ['1.0'] })
    const fromEngine = await engineSbom(image)
    const fromArchive = await archiveSbom('lang-app', 'docker')
    expect(packages(fromEngine)).toEqual(packages(fromArchive))
    const kinds = new Set<string>(fromEngine.packages.map((p) => p.kind))
    for (const k of ['deb', 'npm', 'python', 'go-module', 'java']) expect(kinds.has(k), k).toBe(true)
  })

  it('an image the engine lacks → NOT_FOUND naming the image and DOCKER_HOST', async () => {
    const e = await caught(readEngineImage(local('fixtures/nope:9'), { dockerHost: ctx.engine.dockerHost, cacheDir }))
    expect(e.code).toBe('NOT_FOUND')
    expect(e.exitCode).toBe(4)
    expect(e.oneLine()).toBe(`no image fixtures/nope:9 in the container engine (DOCKER_HOST=${ctx.engine.dockerHost})`)
    const client = new EngineClient({ dockerHost: ctx.engine.dockerHost })
    expect(await client.inspectImage('fixtures/nope:9')).toBeUndefined()
    await expect(client.exportImage('fixtures/nope:9')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await client.close()
  })

  it('a name that is not a reference never reaches the API path', async () => {
    const e = await caught(readEngineImage(local('../containers/json'), { dockerHost: ctx.engine.dockerHost }))
    expect(e.code).toBe('USAGE')
  })

  it('DOCKER_HOST at a missing socket → NETWORK, one line naming the socket; engineAvailable says false', async () => {
    const host = `unix://${join(ctx.engine.dir, 'missing', 'docker.sock')}`
    const e = await caught(readEngineImage(local('fixtures/debian-min:1.0'), { env: { DOCKER_HOST: host } }))
    expect(e.code).toBe('NETWORK')
    expect(e.exitCode).toBe(23)
    expect(e.oneLine()).toBe(`cannot reach the container engine: no such socket (DOCKER_HOST=${host})`)
    expect(e.oneLine()).not.toContain('\n')
    expect(await engineAvailable({ dockerHost: host })).toBe(false)
    expect(await engineAvailable({ dockerHost: ctx.engine.dockerHost })).toBe(true)
    expect(await engineAvailable({ dockerHost: 'ssh://nobody@example.invalid' })).toBe(false)
  })

  it('a damaged export (one byte flipped in a layer) is rejected and not kept; a clean read then works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-engcache-'))
    try {
      proxy.mode = { kind: 'flip', offset: 10 * 1024 * 1024 }
      const e = await caught(
        readEngineImage(local('fixtures/debian-min:1.0'), { dockerHost: proxy.dockerHost, cacheDir: dir }),
      )
      expect(e.code).toBe('DIGEST_MISMATCH')
      expect(e.oneLine()).toMatch(
        /export of fixtures\/debian-min:1\.0 is damaged: layer 0 \(sha256:[a-f0-9]{64}\) does not match its bytes/,
      )
      expect(spools(dir)).toEqual([])

      proxy.mode = { kind: 'cut', after: 20 * 1024 * 1024 }
      const e2 = await caught(
        readEngineImage(local('fixtures/debian-min:1.0'), { dockerHost: proxy.dockerHost, cacheDir: dir }),
      )
      expect(e2.code).toBe('ENGINE')
      expect(e2.oneLine()).toMatch(
        /^the export of fixtures\/debian-min:1\.0 from the container engine broke off after \d+ bytes: .+ \(DOCKER_HOST=unix:\/\/.+proxy\.sock\)$/,
      )
      expect(spools(dir)).toEqual([])

      proxy.mode = { kind: 'pass' }
      const image = await readEngineImage(local('fixtures/debian-min:1.0'), {
        dockerHost: proxy.dockerHost,
        cacheDir: dir,
      })
      expect(spools(dir)).toHaveLength(1)
      expect(image.layers).toHaveLength(2)
    } finally {
      proxy.mode = { kind: 'pass' }
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the spool is bounded: the oldest export is evicted, the one just read is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-engcache-'))
    try {
      const opts = { dockerHost: ctx.engine.dockerHost, cacheDir: dir, spoolMaxBytes: 150 * 1024 * 1024 }
      const a = await readEngineImage(local('fixtures/debian-min:1.0'), opts)
      expect(spools(dir)).toEqual([`${digestHex(a.configDigest as never)}.tar`])
      const b = await readEngineImage(local('fixtures/lang-app:1.0'), opts)
      expect(spools(dir)).toEqual([`${digestHex(b.configDigest as never)}.tar`])
      // the evicted image is exported again when asked for
      await readEngineImage(local('fixtures/debian-min:1.0'), opts)
      expect(spools(dir)).toEqual([`${digestHex(a.configDigest as never)}.tar`])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('an engine whose minimum API is above 1.41 (Docker 29) is spoken to at its minimum', async () => {
    proxy.mode = { kind: 'min-api', version: '1.44' }
    proxy.requests.length = 0
    const debug: string[] = []
    try {
      const image = await readEngineImage(local('fixtures/debian-min:1.0'), {
        dockerHost: proxy.dockerHost,
        cacheDir,
        debug: (l) => debug.push(l),
      })
      expect(image.layers).toHaveLength(2)
      expect(proxy.requests).toEqual([
        'GET /_ping',
        'GET /v1.41/images/fixtures/debian-min:1.0/json',
        'GET /v1.44/images/fixtures/debian-min:1.0/json',
      ])
      expect(debug).toContain('engine: API version 1.41 refused, using 1.44')
      const client = new EngineClient({ dockerHost: proxy.dockerHost })
      expect((await client.listContainers()).map((c) => c.names[0])).toEqual(['web1'])
      expect(proxy.requests.slice(-1)).toEqual(['GET /v1.44/containers/json'])
      await client.close()
    } finally {
      proxy.mode = { kind: 'pass' }
    }
  })

  it('listImages and listContainers describe the engine’s images and containers', async () => {
    const client = new EngineClient({ dockerHost: ctx.engine.dockerHost })
    try {
      const version = await client.version()
      expect(version).toMatchObject({ apiVersion: '1.41', minApiVersion: '1.24' })
      expect(version.components).toContain('Podman Engine')
      await client.ping()

      const images = await client.listImages()
      const dm = images.find((i) => i.repoTags.includes('docker.io/fixtures/debian-min:1.0'))
      const la = images.find((i) => i.repoTags.includes('docker.io/fixtures/lang-app:1.0'))
      expect(dm).toBeDefined()
      expect(la).toBeDefined()
      expect(dm?.id).toMatch(/^sha256:[a-f0-9]{64}$/)
      expect(dm?.size).toBeGreaterThan(50_000_000)
      expect(dm?.containers).toBe(2)
      expect(dm?.created).toBe('2024-01-02T00:00:00.000Z')
      expect(dm?.labels['org.opencontainers.image.title']).toBe('debian-min')

      const running = await client.listContainers()
      expect(running.map((c) => c.names)).toEqual([['web1']])
      expect(running[0]).toMatchObject({
        image: 'docker.io/fixtures/debian-min:1.0',
        imageId: dm?.id,
        state: 'running',
      })
      expect(running[0]?.id).toMatch(/^[a-f0-9]{64}$/)
      expect(running[0]?.status).toMatch(/^Up /)

      const all = await client.listContainers({ all: true })
      expect(all.map((c) => c.names[0]).sort()).toEqual(['done1', 'web1'])
      expect(all.find((c) => c.names[0] === 'done1')).toMatchObject({ state: 'exited', imageId: dm?.id })
    } finally {
      await client.close()
    }
  })
})

describe('engine: an oci-archive loaded into podman', () => {
  const ctx = useEngine((e) => {
    e.load(builtArchive('lang-app', 'oci'))
    // podman names an oci-archive whose ref.name is only a tag `localhost/<tag>:latest`; give it a real name.
    e.podman('tag', 'localhost/1.0:latest', 'fixtures/lang-app:oci')
  })
  // vitest ends its workers without the exit hook that removes this process's temp spool
  afterAll(() => {
    for (const n of readdirSync(tmpdir()))
      if (n.startsWith(`shipshape-engine-${process.pid}-`)) rmSync(join(tmpdir(), n), { recursive: true, force: true })
  })

  it('local://fixtures/lang-app:oci (stored as localhost/…) reads, keeps the OCI manifest digest, equals the archive', async () => {
    const truth = JSON.parse(readFileSync(truthFile('lang-app', 'summary.json'), 'utf8')) as { manifest_digest: string }
    // no cacheDir: the spool goes to a temp dir removed at exit
    const image = await readEngineImage(local('fixtures/lang-app:oci'), { dockerHost: ctx.engine.dockerHost })
    expect(image).toMatchObject({ layout: 'engine', name: 'localhost/fixtures/lang-app', tags: ['oci'] })
    const mine = readdirSync(tmpdir()).filter((n) => n.startsWith(`shipshape-engine-${process.pid}-`))
    expect(mine).toHaveLength(1)
    expect(readdirSync(join(tmpdir(), mine[0] as string))).toEqual([`${digestHex(image.configDigest as never)}.tar`])
    expect(image.repoDigests?.some((d) => d.endsWith(`@${truth.manifest_digest}`))).toBe(true)
    const fromEngine = await engineSbom(image)
    const fromArchive = await archiveSbom('lang-app', 'oci')
    expect(packages(fromEngine)).toEqual(packages(fromArchive))
    expect(fromEngine.target.layers.map((l) => l.diffId)).toEqual(fromArchive.target.layers.map((l) => l.diffId))
    // the full name works too
    const full = await readEngineImage(local('localhost/fixtures/lang-app:oci'), { dockerHost: ctx.engine.dockerHost })
    expect(full.configDigest).toBe(image.configDigest)
  })
})
