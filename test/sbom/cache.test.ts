import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Image } from '../../src/image/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Sbom } from '../../src/model/index.js'
import { generateSbomCached, retargetSbom, SbomCache, sbomCacheKey, sourceCacheKey } from '../../src/sbom/cache.js'
import { CATALOGERS, generateSbom } from '../../src/sbom/index.js'
import { PREBUILT, REPO } from '../helpers/images.js'

const CREATED = '2024-01-01T00:00:00Z'
const IMAGES = ['apk-synthetic', 'rpm-bdb', 'rpm-sqlite'] as const
const ARCHIVES = ['oci', 'docker', 'docker-v25'] as const

const ociDir = (name: string) => `oci-dir://${join(PREBUILT, 'oci', name)}`
const archive = (name: string, form: string) => `archive://${join(PREBUILT, 'archives', `${name}.${form}.tar`)}`

async function imageOf(ref: string): Promise<Image> {
  const s = await openSource(parseImageRef(ref))
  if (s.kind !== 'image') throw new Error(`${ref} is not an image`)
  return s.image
}

async function sbomOf(ref: string): Promise<Sbom> {
  return generateSbom(await openSource(parseImageRef(ref)), { createdAt: CREATED })
}

let tmp: string
let n = 0
/** A fresh cache root per test (not created yet: the cache makes it on the first put). */
const newRoot = () => join(tmp, `cache-${n++}`, 'sbom')
const keyOf = (c: string) => c.repeat(64)
const files = (root: string) => (existsSync(root) ? readdirSync(root).sort() : [])
const setLastUse = (root: string, key: string, ms: number) =>
  utimesSync(join(root, `${key}.json.gz`), new Date(ms), new Date(ms))

let rpmSqlite: Sbom
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-sbom-cache-'))
  rpmSqlite = await sbomOf(ociDir('rpm-sqlite'))
})
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

describe('sbomCacheKey', () => {
  it('is stable for one image and differs for another', async () => {
    const a = sbomCacheKey(await imageOf(ociDir('rpm-sqlite')), CATALOGERS)
    expect(a).toMatch(/^[a-f0-9]{64}$/)
    expect(sbomCacheKey(await imageOf(ociDir('rpm-sqlite')), CATALOGERS)).toBe(a)
    const others = await Promise.all(['rpm-bdb', 'apk-synthetic'].map(async (i) => imageOf(ociDir(i))))
    for (const o of others) expect(sbomCacheKey(o, CATALOGERS)).not.toBe(a)
  })

  it('follows cataloger versions and the kinds filter, not cataloger order', async () => {
    const image = await imageOf(ociDir('rpm-sqlite'))
    const key = sbomCacheKey(image, CATALOGERS)
    const bumped = CATALOGERS.map((c) => (c.name === 'rpm' ? { name: c.name, version: c.version + 1 } : c))
    expect(sbomCacheKey(image, bumped)).not.toBe(key)
    expect(sbomCacheKey(image, CATALOGERS.slice(1))).not.toBe(key)
    expect(sbomCacheKey(image, [...CATALOGERS].reverse())).toBe(key)

    const rpmOnly = sbomCacheKey(image, CATALOGERS, ['rpm'])
    expect(rpmOnly).not.toBe(key)
    expect(sbomCacheKey(image, CATALOGERS, [])).not.toBe(key)
    expect(sbomCacheKey(image, CATALOGERS, [])).not.toBe(rpmOnly)
    expect(sbomCacheKey(image, CATALOGERS, ['rpm', 'npm'])).not.toBe(rpmOnly)
    expect(sbomCacheKey(image, CATALOGERS, ['npm', 'rpm', 'npm'])).toBe(sbomCacheKey(image, CATALOGERS, ['rpm', 'npm']))
  })

  it('never uses the tag or the ref: the same image under another name has the same key', async () => {
    const image = await imageOf(ociDir('rpm-sqlite'))
    const renamed: Image = {
      ...image,
      ref: parseImageRef(archive('rpm-sqlite', 'oci')),
      tags: ['elsewhere:latest'],
      name: 'elsewhere',
    }
    expect(sbomCacheKey(renamed, CATALOGERS)).toBe(sbomCacheKey(image, CATALOGERS))
    // …but a different layer list is a different image, whatever the config digest claims.
    const [first] = image.layers
    if (!first) throw new Error('no layers')
    const relayered: Image = { ...image, layers: [...image.layers, { ...first, index: image.layers.length }] }
    expect(sbomCacheKey(relayered, CATALOGERS)).not.toBe(sbomCacheKey(image, CATALOGERS))
  })

  for (const name of IMAGES) {
    it(`${name}: the OCI layout, OCI archive and docker archives share one config digest, so one key`, async () => {
      const dir = await imageOf(ociDir(name))
      const key = sbomCacheKey(dir, CATALOGERS)
      for (const form of ARCHIVES) {
        const a = await imageOf(archive(name, form))
        expect(a.configDigest).toBe(dir.configDigest)
        expect(sbomCacheKey(a, CATALOGERS), form).toBe(key)
      }
    })
  }

  it('fs:// sources have no key: a directory has no digest', async () => {
    const root = mkdtempSync(join(tmp, 'rootfs-'))
    const source = await openSource(parseImageRef(`fs://${root}`))
    expect(sourceCacheKey(source)).toBeUndefined()
    const cache = new SbomCache(newRoot())
    const r = await generateSbomCached(source, { createdAt: CREATED }, cache)
    expect(r).toMatchObject({ hit: false })
    expect(r.key).toBeUndefined()
    expect(cache.df().entries).toBe(0)
  })
})

describe('SbomCache', () => {
  it('round-trips an SBOM through a gzip-compressed native JSON file', () => {
    const root = newRoot()
    const cache = new SbomCache(root)
    const key = keyOf('a')
    expect(cache.get(key)).toBeUndefined()
    cache.put(key, rpmSqlite)
    expect(files(root)).toEqual([`${key}.json.gz`])
    const raw = readFileSync(join(root, `${key}.json.gz`))
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b])
    expect(JSON.parse(gunzipSync(raw).toString('utf8'))).toMatchObject({ format: 'shipshape-sbom', schemaVersion: 1 })
    expect(cache.get(key)).toEqual(rpmSqlite)
    expect(() => cache.get('../../etc/passwd')).toThrow(/not an SBOM cache key/)
  })

  it('a corrupt or unreadable entry is a miss and is removed', () => {
    const root = newRoot()
    const cache = new SbomCache(root)
    cache.put(keyOf('0'), rpmSqlite)
    const good = readFileSync(join(root, `${keyOf('0')}.json.gz`))
    const bad: [string, Buffer][] = [
      ['not gzip', Buffer.from('hello')],
      ['truncated', good.subarray(0, good.length >> 1)],
      ['not JSON', gzipSync('{"format": "shipshape-sbom", ')],
      ['not our SBOM', gzipSync(JSON.stringify({ bomFormat: 'CycloneDX' }))],
      ['another schema', gzipSync(JSON.stringify({ ...rpmSqlite, format: 'shipshape-sbom', schemaVersion: 2 }))],
      ['empty', Buffer.alloc(0)],
    ]
    for (const [i, [what, data]] of bad.entries()) {
      const key = keyOf(String(i + 1))
      writeFileSync(join(root, `${key}.json.gz`), data)
      expect(cache.get(key), what).toBeUndefined()
      expect(existsSync(join(root, `${key}.json.gz`)), what).toBe(false)
    }
    // A directory where an entry should be is unreadable too.
    const key = keyOf('f')
    const dir = join(root, `${key}.json.gz`)
    mkdirSync(dir)
    expect(cache.get(key)).toBeUndefined()
    expect(existsSync(dir)).toBe(false)
    // The good entry was left alone.
    expect(cache.get(keyOf('0'))).toEqual(rpmSqlite)
    // Regenerating after a miss stores a good entry again.
    cache.put(key, rpmSqlite)
    expect(cache.get(key)).toEqual(rpmSqlite)
  })

  it('evicts the least recently used entries past maxBytes; get counts as a use', () => {
    const probe = newRoot()
    new SbomCache(probe).put(keyOf('0'), rpmSqlite)
    const size = statSync(join(probe, `${keyOf('0')}.json.gz`)).size

    const root = newRoot()
    const cache = new SbomCache(root, { maxBytes: Math.floor(size * 2.5) })
    const [a, b, c] = [keyOf('a'), keyOf('b'), keyOf('c')]
    const t0 = Date.now() - 3_600_000
    cache.put(a, rpmSqlite)
    setLastUse(root, a, t0)
    cache.put(b, rpmSqlite)
    setLastUse(root, b, t0 + 1000)
    expect(cache.df()).toMatchObject({ entries: 2, bytes: 2 * size })
    // a was stored first, but is used now: b becomes the least recently used.
    expect(cache.get(a)).toBeDefined()
    expect(statSync(join(root, `${a}.json.gz`)).mtimeMs).toBeGreaterThan(t0 + 1000)
    cache.put(c, rpmSqlite)
    expect(files(root)).toEqual([`${a}.json.gz`, `${c}.json.gz`])
    expect(cache.df()).toMatchObject({ entries: 2, bytes: 2 * size })

    // The entry just written is never the one evicted, even when it is the oldest by mtime.
    const tight = new SbomCache(root, { maxBytes: size })
    tight.put(b, rpmSqlite)
    expect(files(root)).toEqual([`${b}.json.gz`])

    // An entry bigger than the whole cache is not stored (it would evict everything, then itself).
    const tiny = new SbomCache(newRoot(), { maxBytes: size - 1 })
    tiny.put(a, rpmSqlite)
    expect(tiny.df().entries).toBe(0)
  })

  it('df and prune report entries, bytes and last use', () => {
    const root = newRoot()
    const cache = new SbomCache(root)
    expect(cache.df()).toEqual({ entries: 0, bytes: 0, path: root })
    expect(cache.prune({ all: true })).toEqual({ removed: 0, bytes: 0 })

    const day = 86_400_000
    const now = Math.floor(Date.now() / 1000) * 1000 // whole seconds survive utimes exactly
    const ages = { a: 10 * day, b: 3 * day, c: 0 }
    for (const [c, age] of Object.entries(ages)) {
      cache.put(keyOf(c), rpmSqlite)
      setLastUse(root, keyOf(c), now - age)
    }
    const sizes = Object.keys(ages).map((c) => statSync(join(root, `${keyOf(c)}.json.gz`)).size)
    const total = sizes.reduce((x, y) => x + y, 0)
    // Not entries: a live writer's temp file, a dead writer's temp file, something else.
    const live = `.${keyOf('d')}.json.gz.${process.pid}.abcdef12.tmp`
    const dead = `.${keyOf('e')}.json.gz.999999999.abcdef12.tmp`
    writeFileSync(join(root, live), 'partial')
    writeFileSync(join(root, dead), 'partial')
    writeFileSync(join(root, 'README'), 'not ours')

    const df = cache.df()
    expect(df).toEqual({
      entries: 3,
      bytes: total,
      oldest: new Date(now - ages.a).toISOString(),
      newest: new Date(now).toISOString(),
      path: root,
    })
    // The dead writer's temp file was swept on the way; the live one's is left to it.
    expect(files(root)).toContain(live)
    expect(files(root)).not.toContain(dead)

    expect(cache.prune({ olderThanMs: 5 * day })).toEqual({ removed: 1, bytes: sizes[0] })
    expect(cache.prune({ olderThanMs: 5 * day })).toEqual({ removed: 0, bytes: 0 })
    expect(cache.df()).toMatchObject({ entries: 2, bytes: total - (sizes[0] ?? 0) })
    // Without all or an age, prune enforces the size cap.
    expect(new SbomCache(root, { maxBytes: sizes[2] ?? 0 }).prune({})).toEqual({ removed: 1, bytes: sizes[1] })
    expect(cache.prune({ all: true })).toEqual({ removed: 1, bytes: sizes[2] })
    expect(cache.df()).toEqual({ entries: 0, bytes: 0, path: root })
    expect(files(root)).toEqual(['README', live].sort())
  })

  it('two writers of one key leave one valid entry and no temp files', () => {
    const root = newRoot()
    const [x, y] = [new SbomCache(root), new SbomCache(root)]
    x.put(keyOf('a'), rpmSqlite)
    y.put(keyOf('a'), rpmSqlite)
    x.put(keyOf('a'), rpmSqlite)
    expect(files(root)).toEqual([`${keyOf('a')}.json.gz`])
    expect(y.get(keyOf('a'))).toEqual(rpmSqlite)
  })

  // Real concurrency needs other processes, and they run the built module (`npm test` builds first, as for the CLI).
  const built = join(REPO, 'dist', 'src', 'sbom', 'cache.js')
  it.skipIf(!existsSync(built))('processes writing and reading one key at once never see half an entry', async () => {
    const root = newRoot()
    const sbomFile = join(tmp, 'sbom.json')
    writeFileSync(sbomFile, JSON.stringify(rpmSqlite))
    const key = keyOf('c')
    const script = `
      import { readFileSync } from 'node:fs'
      const { SbomCache } = await import(${JSON.stringify(pathToFileURL(built).href)})
      const [root, file, key] = process.argv.slice(1)
      const sbom = JSON.parse(readFileSync(file, 'utf8'))
      const cache = new SbomCache(root)
      let misses = 0
      for (let i = 0; i < 25; i++) {
        cache.put(key, sbom)
        for (let j = 0; j < 3; j++) if (!cache.get(key)) misses++
      }
      process.stdout.write(JSON.stringify({ misses }))
    `
    const run = () =>
      new Promise<{ misses: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, root, sbomFile, key], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let out = ''
        let err = ''
        child.stdout.on('data', (d: Buffer) => {
          out += d
        })
        child.stderr.on('data', (d: Buffer) => {
          err += d
        })
        child.on('error', reject)
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(err))))
      })
    const results = await Promise.all([run(), run(), run(), run()])
    expect(results).toEqual(results.map(() => ({ misses: 0 })))
    expect(files(root)).toEqual([`${key}.json.gz`])
    expect(new SbomCache(root).get(key)).toEqual(rpmSqlite)
  })
})

describe('generateSbomCached', () => {
  for (const name of IMAGES) {
    it(`${name}: a second run, through another archive form, reads no layer and equals a fresh SBOM`, async () => {
      const cache = new SbomCache(newRoot())
      const first = await generateSbomCached(await openSource(parseImageRef(archive(name, 'oci'))), {}, cache)
      expect(first.hit).toBe(false)
      expect(first.key).toMatch(/^[a-f0-9]{64}$/)
      expect(cache.df().entries).toBe(1)
      for (const ref of [archive(name, 'docker'), ociDir(name), archive(name, 'docker-v25')]) {
        const source = await openSource(parseImageRef(ref))
        if (source.kind !== 'image') throw new Error('not an image')
        // Any layer read would go through open(): make it fail.
        for (const l of source.image.layers) l.open = () => Promise.reject(new Error(`layer ${l.index} was read`))
        const stages: string[] = []
        const again = await generateSbomCached(source, { createdAt: CREATED, onStage: (s) => stages.push(s) }, cache)
        expect(again).toMatchObject({ hit: true, key: first.key })
        expect(stages).toEqual([])
        expect(again.sbom, ref).toEqual(await sbomOf(ref))
      }
    })
  }

  it('retargetSbom keeps packages and rewrites only what the source form decides', async () => {
    const fromOci = await sbomOf(archive('rpm-sqlite', 'oci'))
    const docker = await imageOf(archive('rpm-sqlite', 'docker'))
    const fromDocker = await sbomOf(archive('rpm-sqlite', 'docker'))
    expect(fromOci.target).not.toEqual(fromDocker.target)
    const r = retargetSbom(fromOci, docker)
    expect(r).toEqual(fromDocker)
    expect(r.packages).toBe(fromOci.packages)
  })

  it('a different kinds filter is a different entry', async () => {
    const cache = new SbomCache(newRoot())
    const source = await openSource(parseImageRef(ociDir('apk-synthetic')))
    const all = await generateSbomCached(source, { createdAt: CREATED }, cache)
    const some = await generateSbomCached(source, { createdAt: CREATED, onlyKinds: ['npm'] }, cache)
    expect(some.hit).toBe(false)
    expect(some.key).not.toBe(all.key)
    expect(cache.df().entries).toBe(2)
    expect((await generateSbomCached(source, { createdAt: CREATED, onlyKinds: ['npm'] }, cache)).sbom).toEqual(
      some.sbom,
    )
  })
})
