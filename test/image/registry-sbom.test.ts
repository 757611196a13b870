import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSource, parseImageRef } from '../../src/image/index.js'
import { blobCacheDf, blobCachePrune, RegistryClient, readRegistryImage } from '../../src/image/registry/index.js'
import type { Image } from '../../src/image/types.js'
import type { Platform, Sbom } from '../../src/model/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { builtArchive, imagesDir } from '../helpers/images.js'
import { pushImages, startProxy, startRegistry, type TestRegistry } from '../helpers/registry.js'

const PORT = 5600

/** What must agree between two scans of the same image: packages and where each was found (not the target ref). */
function packageView(sbom: Sbom): string[] {
  return sbom.packages
    .map((p) =>
      [p.id, p.kind, p.name, p.version, p.locations.map((l) => `${l.path}@${l.layerIndex}:${l.layer}`).join(',')].join(
        '\t',
      ),
    )
    .sort()
}

function tagsOf(name: string): string[] {
  const index = JSON.parse(readFileSync(join(imagesDir(), 'oci', name, 'index.json'), 'utf8')) as {
    manifests: { annotations?: Record<string, string> }[]
  }
  return index.manifests
    .map((m) => m.annotations?.['org.opencontainers.image.ref.name'])
    .filter((t): t is string => !!t)
}

const IMAGES = [
  'debian-base',
  'debian-min',
  'debian-min-zstd',
  'lang-app',
  'distroless',
  'rpm-sqlite',
  'rpm-bdb',
  'apk-synthetic',
]

let reg: TestRegistry
let cacheRoot: string

beforeAll(() => {
  reg = startRegistry({ port: PORT })
  pushImages(reg, imagesDir())
  cacheRoot = mkdtempSync(join(tmpdir(), 'shipshape-blobcache-'))
})

afterAll(() => {
  reg?.stop()
  if (cacheRoot) rmSync(cacheRoot, { recursive: true, force: true })
})

const AMD64: Platform = { os: 'linux', architecture: 'amd64' }
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' }

async function fromRegistry(name: string, opts: Parameters<typeof readRegistryImage>[1] = {}): Promise<Image> {
  return readRegistryImage(parseImageRef(`registry://${reg.host}/fixtures/${name}`), opts)
}

describe('registry (no auth): every pushed image scans the same as its archive', () => {
  for (const image of IMAGES) {
    it(`${image}: every tag`, async () => {
      const tags = tagsOf(image)
      expect(tags.length).toBeGreaterThan(0)
      for (const tag of tags) {
        const platform = image === 'distroless' && tag === 'latest' ? AMD64 : undefined
        const opts = platform ? { platform } : {}
        const img = await fromRegistry(`${image}:${tag}`, opts)
        // distroless.oci.tar holds the index (tag latest); each platform image has its own archive
        const file =
          image === 'distroless' && tag !== 'latest'
            ? builtArchive(`distroless-${tag}`, 'oci')
            : `${builtArchive(image, 'oci')}:${tag}`
        const archive = await openSource(parseImageRef(`archive://${file}`), opts)
        if (archive.kind !== 'image') throw new Error('archive is not an image')
        const a = await generateSbom(archive, { createdAt: '2024-01-01T00:00:00Z' })
        const r = await generateSbom({ kind: 'image', image: img }, { createdAt: '2024-01-01T00:00:00Z' })
        expect(r.packages.length, `${image}:${tag}`).toBeGreaterThan(0)
        expect(packageView(r), `${image}:${tag}`).toEqual(packageView(a))
        expect(r.distro).toEqual(a.distro)
        expect(r.issues).toEqual(a.issues)
        expect(img.layout).toBe('registry')
        expect(img.name).toBe(`${reg.host}/fixtures/${image}`)
        expect(img.tags).toEqual([tag])
        expect(r.target.manifestDigest).toBe(a.target.manifestDigest)
        expect(r.target.layers).toEqual(a.target.layers)
        // the digest the tag resolved to: the index's for a multi-arch tag
        expect(img.repoDigests).toEqual([`${img.name}@${img.indexDigest ?? img.manifestDigest}`])
      }
    })
  }

  it('a digest reference reads the same manifest', async () => {
    const byTag = await fromRegistry('debian-min:1.0')
    const byDigest = await fromRegistry(`debian-min@${byTag.manifestDigest}`)
    expect(byDigest.manifestDigest).toBe(byTag.manifestDigest)
    expect(byDigest.tags).toEqual([])
    expect(byDigest.repoDigests).toEqual(byTag.repoDigests)
  })

  it('an unknown tag and an unknown repository are NOT_FOUND naming them', async () => {
    await expect(fromRegistry('debian-min:nope')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('manifest nope not found'),
    })
    await expect(fromRegistry('no-such-repo:1')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('no-such-repo'),
    })
  })

  it('listTags lists every tag, across pages', async () => {
    const c = new RegistryClient()
    try {
      expect((await c.listTags(reg.host, 'fixtures/distroless')).sort()).toEqual(['amd64', 'arm64', 'latest'])
    } finally {
      await c.close()
    }
    // distribution 2.8 ignores n= and sends no Link header; a front that pages the real list as the spec says
    // (n, last, Link: <…>; rel="next") stands in for registries that do
    const front = await startProxy(reg.url, (req, res, forward) => {
      const u = new URL(req.url ?? '/', 'http://x')
      if (!u.pathname.endsWith('/tags/list')) return forward()
      forward({
        onResponse: (up) => {
          const parts: Buffer[] = []
          up.on('data', (c: Buffer) => parts.push(c))
          up.on('end', () => {
            const all = (JSON.parse(Buffer.concat(parts).toString()) as { tags: string[] }).tags.sort()
            const last = u.searchParams.get('last')
            const rest = last ? all.filter((t) => t > last) : all
            const page = rest.slice(0, 1)
            const headers: Record<string, string> = { 'content-type': 'application/json' }
            if (rest.length > 1) headers.link = `<${u.pathname}?n=1&last=${page[0]}>; rel="next"`
            res.writeHead(200, headers).end(JSON.stringify({ name: 'fixtures/distroless', tags: page }))
          })
          return true
        },
      })
    })
    const c2 = new RegistryClient()
    try {
      expect(await c2.listTags(front.host, 'fixtures/distroless')).toEqual(['amd64', 'arm64', 'latest'])
      expect(front.requests.filter((r) => r.url.includes('/tags/list')).map((r) => r.url)).toEqual([
        '/v2/fixtures/distroless/tags/list?n=1000',
        '/v2/fixtures/distroless/tags/list?n=1&last=amd64',
        '/v2/fixtures/distroless/tags/list?n=1&last=arm64',
      ])
    } finally {
      await c2.close()
      await front.close()
    }
  })
})

describe('multi-arch index', () => {
  it('distroless:latest honours the platform', async () => {
    const arm = await fromRegistry('distroless:latest', { platform: ARM64 })
    const amd = await fromRegistry('distroless:latest', { platform: AMD64 })
    expect(arm.platform).toMatchObject({ architecture: 'arm64' })
    expect(amd.platform).toMatchObject({ architecture: 'amd64' })
    expect(arm.indexDigest).toBe(amd.indexDigest)
    expect(arm.manifestDigest).not.toBe(amd.manifestDigest)
    const sa = await generateSbom({ kind: 'image', image: arm })
    const sb = await generateSbom({ kind: 'image', image: amd })
    const archOf = (s: Sbom) =>
      new Set(s.packages.map((p) => (p.metadata as { architecture?: string }).architecture).filter((x) => x !== 'all'))
    expect(archOf(sa)).toEqual(new Set(['arm64']))
    expect(archOf(sb)).toEqual(new Set(['amd64']))
    // the same as the per-arch tags
    const armTag = await generateSbom({ kind: 'image', image: await fromRegistry('distroless:arm64') })
    expect(packageView(sa)).toEqual(packageView(armTag))
    await expect(
      fromRegistry('distroless:latest', { platform: { os: 'linux', architecture: 's390x' } }),
    ).rejects.toMatchObject({ code: 'PLATFORM' })
  })
})

describe('blob cache', () => {
  it('a second scan of the same image fetches no blob; df and prune', async () => {
    const front = await startProxy(reg.url)
    const blobGets = () => front.requests.filter((r) => r.method === 'GET' && r.url.includes('/blobs/')).length
    const scan = async () => {
      const img = await readRegistryImage(parseImageRef(`registry://${front.host}/fixtures/lang-app:1.0`), {
        cacheDir: cacheRoot,
      })
      return generateSbom({ kind: 'image', image: img }, { createdAt: '2024-01-01T00:00:00Z' })
    }
    try {
      const first = await scan()
      const fetched = blobGets()
      // config + 5 layers
      expect(fetched).toBe(6)
      // config, 5 layers and the manifest (content-addressed, so kept by digest too)
      const df = blobCacheDf(cacheRoot)
      expect(df).toMatchObject({ path: join(cacheRoot, 'blobs'), entries: 7 })
      expect(df.bytes).toBeGreaterThan(first.target.size)
      expect(df.bytes).toBeLessThan(first.target.size + 64 * 1024)
      const second = await scan()
      expect(blobGets()).toBe(fetched)
      expect(packageView(second)).toEqual(packageView(first))
      // a digest reference needs no request for the manifest either
      const before = front.requests.length
      const byDigest = await readRegistryImage(
        parseImageRef(`registry://${front.host}/fixtures/lang-app@${first.target.manifestDigest}`),
        { cacheDir: cacheRoot },
      )
      expect(byDigest.layers).toHaveLength(5)
      expect(front.requests.slice(before).filter((r) => r.url.startsWith('/v2/fixtures')).length).toBe(0)

      expect(blobCachePrune(cacheRoot, { olderThanMs: 3_600_000 })).toEqual({ removed: 0, bytes: 0 })
      const pruned = blobCachePrune(cacheRoot, { all: true })
      expect(pruned).toEqual({ removed: 7, bytes: df.bytes })
      expect(blobCacheDf(cacheRoot)).toMatchObject({ entries: 0, bytes: 0 })
    } finally {
      await front.close()
    }
  })

  it('is bounded: past the cap the least recently used entries go', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-blobcap-'))
    try {
      const c = new RegistryClient({ cacheDir: dir, blobCacheMaxBytes: 40 * 1024 * 1024 })
      const img = await fromRegistry('lang-app:1.0', { client: c })
      await generateSbom({ kind: 'image', image: img })
      await c.close()
      const df = blobCacheDf(dir)
      expect(df.bytes).toBeLessThanOrEqual(40 * 1024 * 1024)
      expect(df.entries).toBeGreaterThan(0)
      expect(df.entries).toBeLessThan(6)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
