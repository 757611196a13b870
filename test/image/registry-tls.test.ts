import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseImageRef } from '../../src/image/index.js'
import { type RegistryOptions, readRegistryImage } from '../../src/image/registry/index.js'
import { ShipshapeError } from '../../src/internal/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { imagesDir } from '../helpers/images.js'
import { pushImages, startRegistry, type TestRegistry } from '../helpers/registry.js'

let reg: TestRegistry
let plain: TestRegistry
let tmp: string
let none: RegistryOptions

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-regtls-'))
  none = { env: { PATH: process.env.PATH }, dockerConfig: join(tmp, 'no-config.json') }
  reg = startRegistry({ port: 5606, tls: true })
  plain = startRegistry({ port: 5607 })
  pushImages(reg, imagesDir(), ['apk-synthetic'])
  pushImages(plain, imagesDir(), ['apk-synthetic'])
})

afterAll(() => {
  reg?.stop()
  plain?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

const read = (host: string, opts: RegistryOptions) =>
  readRegistryImage(parseImageRef(`registry://${host}/fixtures/apk-synthetic:3.18`), opts)

describe('TLS', () => {
  it('verifies against the extra CA from caFile', async () => {
    expect(reg.url).toMatch(/^https:/)
    const img = await read(reg.host, { ...none, caFile: reg.ca })
    const sbom = await generateSbom({ kind: 'image', image: img })
    expect(sbom.packages.filter((p) => p.kind === 'apk')).toHaveLength(15)
  })

  it('an untrusted certificate is a NETWORK error suggesting --registry-ca or --insecure-registry', async () => {
    let err: unknown
    try {
      await read(reg.host, none)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ShipshapeError)
    const e = err as ShipshapeError
    expect(e.code).toBe('NETWORK')
    expect(e.message).toMatch(/TLS certificate of 127\.0\.0\.1:5606 is not trusted/)
    expect(e.message).toContain('--registry-ca FILE')
    expect(e.message).toContain('--insecure-registry 127.0.0.1:5606')
    expect(e.oneLine().split('\n')).toHaveLength(1)
  })

  it('an insecure host is read without verification', async () => {
    expect((await read(reg.host, { ...none, insecure: [reg.host] })).layers).toHaveLength(1)
    // a bare host name covers every port
    expect((await read(reg.host, { ...none, insecure: ['127.0.0.1'] })).layers).toHaveLength(1)
  })

  it('a CA file that is not PEM is a USAGE error naming it', async () => {
    const bad = join(tmp, 'bad.pem')
    writeFileSync(bad, 'not a certificate')
    await expect(read(reg.host, { ...none, caFile: bad })).rejects.toMatchObject({ code: 'USAGE', where: bad })
  })

  it('a plain-HTTP registry on loopback (or listed as insecure) is reached over http', async () => {
    expect(plain.url).toMatch(/^http:/)
    expect((await read(plain.host, none)).layers).toHaveLength(1)
    expect((await read(plain.host, { ...none, insecure: [plain.host] })).layers).toHaveLength(1)
  })
})
