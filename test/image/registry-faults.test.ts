import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseImageRef } from '../../src/image/index.js'
import { RegistryClient, type RegistryOptions, readRegistryImage } from '../../src/image/registry/index.js'
import { ShipshapeError } from '../../src/internal/index.js'
import { type Digest, digestHex } from '../../src/model/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { imagesDir, readTsv, truthFile } from '../helpers/images.js'
import { pushImages, startProxy, startRegistry, type TestRegistry } from '../helpers/registry.js'

let reg: TestRegistry
let tmp: string
let none: RegistryOptions
/** debian-min's layers: [digest, size] */
let layers: [Digest, number][]

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-regfault-'))
  none = { env: { PATH: process.env.PATH }, dockerConfig: join(tmp, 'no-config.json') }
  reg = startRegistry({ port: 5608 })
  pushImages(reg, imagesDir(), ['debian-min', 'apk-synthetic'])
  layers = readTsv(truthFile('debian-min', 'layers.tsv')).map((r) => [r[1] as Digest, Number(r[3])])
})

afterAll(() => {
  reg?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

async function caught(p: Promise<unknown>): Promise<ShipshapeError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(ShipshapeError)
    return e as ShipshapeError
  }
  throw new Error('expected a failure')
}

const scan = async (host: string, name: string, opts: RegistryOptions) =>
  generateSbom({
    kind: 'image',
    image: await readRegistryImage(parseImageRef(`registry://${host}/fixtures/${name}`), opts),
  })

const drain = () =>
  new Writable({
    write(_c, _e, cb) {
      cb()
    },
  })

describe('tampered content', () => {
  /** A front that flips one byte in the middle of the responses whose path ends with `suffix`. */
  const flipper = (suffix: () => string) =>
    startProxy(reg.url, (req, _res, forward) => {
      if (!(req.method === 'GET' && req.url?.endsWith(suffix()))) return forward()
      forward({
        onResponse: (up, res) => {
          const parts: Buffer[] = []
          up.on('data', (c: Buffer) => parts.push(c))
          up.on('end', () => {
            const body = Buffer.concat(parts)
            const at = body.length >> 1
            body[at] = (body[at] as number) ^ 0x01
            res.writeHead(up.statusCode ?? 502, up.headers).end(body)
          })
          return true
        },
      })
    })

  it('a flipped byte in a layer blob: DIGEST_MISMATCH naming the blob, nothing cached for it', async () => {
    const [digest] = layers[1] as [Digest, number]
    const front = await flipper(() => `/blobs/${digest}`)
    const cacheDir = join(tmp, 'cache-flip')
    try {
      const e = await caught(scan(front.host, 'debian-min:1.0', { ...none, cacheDir }))
      expect(e.code).toBe('DIGEST_MISMATCH')
      expect(e.oneLine()).toContain(digest)
      expect(existsSync(join(cacheDir, 'blobs', 'sha256', digestHex(digest)))).toBe(false)
      expect(readdirSync(join(cacheDir, 'blobs', 'sha256')).filter((n) => n.startsWith(digestHex(digest)))).toEqual([])

      // the client on its own fails the stream with DIGEST_MISMATCH too
      const c = new RegistryClient({ ...none, cacheDir })
      try {
        const s = await c.openBlob(front.host, 'fixtures/debian-min', digest, { size: layers[1]?.[1] as number })
        const e2 = await caught(pipeline(s, drain()))
        expect(e2.code).toBe('DIGEST_MISMATCH')
        expect(e2.message).toContain(digest)
        expect(e2.where).toBe(`${front.host}/fixtures/debian-min@${digest}`)
      } finally {
        await c.close()
      }
      expect(readdirSync(join(cacheDir, 'blobs', 'sha256')).filter((n) => n.startsWith(digestHex(digest)))).toEqual([])
    } finally {
      await front.close()
    }
  })

  it('a flipped byte in the config, or in a manifest fetched by tag, is DIGEST_MISMATCH', async () => {
    const manifest = JSON.parse(
      (await new RegistryClient(none).getManifest(reg.host, 'fixtures/debian-min', '1.0')).bytes.toString(),
    ) as { config: { digest: string } }
    const cfg = await flipper(() => `/blobs/${manifest.config.digest}`)
    const man = await flipper(() => '/manifests/1.0')
    try {
      const e1 = await caught(scan(cfg.host, 'debian-min:1.0', none))
      expect(e1.code).toBe('DIGEST_MISMATCH')
      expect(e1.message).toContain(`config blob ${manifest.config.digest}`)
      const e2 = await caught(scan(man.host, 'debian-min:1.0', none))
      expect(e2.code).toBe('DIGEST_MISMATCH')
      expect(e2.message).toMatch(/Docker-Content-Digest says sha256:[a-f0-9]{64}, the content is sha256:/)
    } finally {
      await cfg.close()
      await man.close()
    }
  })
})

describe('retries', () => {
  it('503 and 429 with Retry-After: 1, then success', async () => {
    let n = 0
    const front = await startProxy(reg.url, (req, res, forward) => {
      if (req.url?.includes('/manifests/') && n < 2) {
        n++
        res.writeHead(n === 1 ? 503 : 429, { 'retry-after': '1' }).end()
        return
      }
      forward()
    })
    try {
      const t0 = Date.now()
      const sbom = await scan(front.host, 'apk-synthetic:3.18', none)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900)
      expect(sbom.packages.length).toBe(15)
      expect(front.requests.filter((r) => r.url.includes('/manifests/'))).toHaveLength(3)
    } finally {
      await front.close()
    }
  })

  it('a connection reset is retried', async () => {
    let n = 0
    const front = await startProxy(reg.url, (req, res, forward) => {
      if (req.url?.includes('/blobs/') && n++ === 0) {
        res.socket?.destroy()
        return
      }
      forward()
    })
    try {
      expect((await scan(front.host, 'apk-synthetic:3.18', { ...none, retryBaseMs: 20 })).packages.length).toBe(15)
    } finally {
      await front.close()
    }
  })

  it('always 503: NETWORK error after the retry budget', async () => {
    const front = await startProxy(reg.url, (req, res, forward) => {
      if (req.url?.startsWith('/v2/fixtures/')) {
        res.writeHead(503, { 'retry-after': '0' }).end()
        return
      }
      forward()
    })
    try {
      const t0 = Date.now()
      const e = await caught(scan(front.host, 'apk-synthetic:3.18', { ...none, retries: 2, retryBaseMs: 10 }))
      expect(Date.now() - t0).toBeLessThan(5000)
      expect(e.code).toBe('NETWORK')
      expect(e.message).toBe(`registry ${front.host} answered 503 to GET manifest 3.18 3 times; giving up`)
      expect(front.requests.filter((r) => r.url.startsWith('/v2/fixtures/'))).toHaveLength(3)
    } finally {
      await front.close()
    }
  })

  it('an unreachable registry is a NETWORK error', async () => {
    const e = await caught(scan('127.0.0.1:5609', 'x:1', { ...none, retries: 1, retryBaseMs: 10 }))
    expect(e.code).toBe('NETWORK')
    expect(e.message).toContain('cannot reach registry 127.0.0.1:5609')
  })
})

describe('resume', () => {
  /** A front that cuts the first GET of `digest` after half its bytes (headers promised all of them). */
  const cutter = (digest: string, o: { stripRange?: boolean } = {}) => {
    let cut = false
    return startProxy(reg.url, (req, _res, forward) => {
      if (o.stripRange) delete req.headers.range
      if (cut || !(req.method === 'GET' && req.url?.endsWith(`/blobs/${digest}`))) return forward()
      cut = true
      forward({
        onResponse: (up, res) => {
          const total = Number(up.headers['content-length'])
          res.writeHead(up.statusCode ?? 502, up.headers)
          let sent = 0
          up.on('data', (c: Buffer) => {
            if (sent >= total / 2) return
            const part = c.subarray(0, Math.max(0, Math.min(c.length, Math.ceil(total / 2) - sent)))
            sent += part.length
            res.write(part)
            if (sent >= total / 2) {
              up.destroy()
              setTimeout(() => res.socket?.destroy(), 20)
            }
          })
          return true
        },
      })
    })
  }

  it('a blob stream cut halfway resumes with Range and the scan succeeds', async () => {
    const [digest, size] = layers[0] as [Digest, number]
    const front = await cutter(digest)
    const cacheDir = join(tmp, 'cache-resume')
    const client = new RegistryClient({ ...none, cacheDir, retryBaseMs: 20 })
    try {
      const sbom = await scan(front.host, 'debian-min:1.0', { client })
      expect(sbom.packages.length).toBeGreaterThan(80)
      const gets = front.requests.filter((r) => r.url.endsWith(`/blobs/${digest}`))
      expect(gets).toHaveLength(2)
      const m = /^bytes=(\d+)-$/.exec(gets[1]?.headers.range ?? '')
      expect(m).not.toBeNull()
      const from = Number(m?.[1])
      expect(from).toBeGreaterThan(0)
      expect(from).toBeLessThan(size)
      expect(client.stats.resumes).toBe(1)
      // the cached copy is whole
      const cached = readFileSync(join(cacheDir, 'blobs', 'sha256', digestHex(digest)))
      expect(`sha256:${createHash('sha256').update(cached).digest('hex')}`).toBe(digest)
    } finally {
      await client.close()
      await front.close()
    }
  })

  it('a registry that ignores Range: the bytes already read are skipped', async () => {
    const [digest] = layers[0] as [Digest, number]
    const front = await cutter(digest, { stripRange: true })
    try {
      const sbom = await scan(front.host, 'debian-min:1.0', { ...none, retryBaseMs: 20 })
      expect(sbom.packages.length).toBeGreaterThan(80)
      expect(front.requests.filter((r) => r.url.endsWith(`/blobs/${digest}`))).toHaveLength(2)
    } finally {
      await front.close()
    }
  })
})

describe('mirrors', () => {
  it('a mirror is tried first; a dead or incomplete mirror falls back to the registry', async () => {
    const mirror = await startProxy(reg.url)
    // a mirror that has nothing: 404 for everything under /v2/fixtures
    const empty = await startProxy(reg.url, (req, res, forward) => {
      if (req.url?.startsWith('/v2/fixtures/')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
        return
      }
      forward()
    })
    const direct = await startProxy(reg.url)
    try {
      const dead = '127.0.0.1:5609'
      const sbom = await scan(direct.host, 'apk-synthetic:3.18', {
        ...none,
        retries: 0,
        mirrors: { [direct.host]: [dead, mirror.host] },
      })
      expect(sbom.packages.length).toBe(15)
      expect(mirror.requests.filter((r) => r.url.startsWith('/v2/fixtures/')).length).toBe(3)
      expect(direct.requests).toHaveLength(0)
      await scan(direct.host, 'apk-synthetic:3.18', { ...none, mirrors: { [direct.host]: [empty.host] } })
      expect(empty.requests.filter((r) => r.url.startsWith('/v2/fixtures/')).length).toBe(1)
      expect(direct.requests.filter((r) => r.url.startsWith('/v2/fixtures/')).length).toBe(3)
    } finally {
      await Promise.all([mirror.close(), empty.close(), direct.close()])
    }
  })
})
