import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseImageRef } from '../../src/image/index.js'
import { type RegistryOptions, readRegistryImage } from '../../src/image/registry/index.js'
import { ShipshapeError } from '../../src/internal/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { imagesDir } from '../helpers/images.js'
import { pushImages, startProxy, startRegistry, type TestRegistry } from '../helpers/registry.js'

let basic: TestRegistry
let token: TestRegistry
let tmp: string
/** No credentials anywhere unless a test puts them there: an empty env and a docker config that does not exist. */
let none: RegistryOptions

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-regauth-'))
  none = { env: { PATH: process.env.PATH }, dockerConfig: join(tmp, 'no-config.json') }
  basic = startRegistry({ port: 5602, auth: 'htpasswd' })
  token = startRegistry({ port: 5604, auth: 'token' })
  pushImages(basic, imagesDir(), ['apk-synthetic', 'debian-min'])
  pushImages(token, imagesDir(), ['apk-synthetic', 'debian-min'])
})

afterAll(() => {
  basic?.stop()
  token?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

async function expectError(p: Promise<unknown>, code: string): Promise<ShipshapeError> {
  let err: unknown
  try {
    await p
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(ShipshapeError)
  expect((err as ShipshapeError).code).toBe(code)
  return err as ShipshapeError
}

const read = (host: string, name: string, opts: RegistryOptions) =>
  readRegistryImage(parseImageRef(`registry://${host}/fixtures/${name}`), opts)

describe('htpasswd (Basic) registry', () => {
  it('credentials from options', async () => {
    const img = await read(basic.host, 'apk-synthetic:3.18', { ...none, username: 'testuser', password: 'testpass' })
    const sbom = await generateSbom({ kind: 'image', image: img })
    expect(sbom.packages.filter((p) => p.kind === 'apk')).toHaveLength(15)
  })

  it('credentials from SHIPSHAPE_REGISTRY_USERNAME/PASSWORD', async () => {
    const env = { ...none.env, SHIPSHAPE_REGISTRY_USERNAME: 'testuser', SHIPSHAPE_REGISTRY_PASSWORD: 'testpass' }
    const img = await read(basic.host, 'apk-synthetic:3.18', { ...none, env })
    expect(img.layers).toHaveLength(1)
  })

  it('credentials from a docker config.json auths entry (base64 auth, and username/password)', async () => {
    const cfg = join(tmp, 'auths.json')
    writeFileSync(
      cfg,
      JSON.stringify({
        auths: {
          'other.example': { auth: Buffer.from('x:y').toString('base64') },
          [`https://${basic.host}/v2/`]: { auth: Buffer.from('testuser:testpass').toString('base64') },
        },
      }),
    )
    expect((await read(basic.host, 'apk-synthetic:3.18', { ...none, dockerConfig: cfg })).layers).toHaveLength(1)
    writeFileSync(cfg, JSON.stringify({ auths: { [basic.host]: { username: 'testuser', password: 'testpass' } } }))
    expect((await read(basic.host, 'apk-synthetic:3.18', { ...none, dockerConfig: cfg })).layers).toHaveLength(1)
    // DOCKER_CONFIG names the directory
    const dir = mkdtempSync(join(tmp, 'dockercfg-'))
    writeFileSync(join(dir, 'config.json'), readFileSync(cfg))
    const env = { ...none.env, DOCKER_CONFIG: dir }
    expect((await read(basic.host, 'apk-synthetic:3.18', { env })).layers).toHaveLength(1)
  })

  it('credentials from a credHelpers helper (and credsStore) run from PATH', async () => {
    const bin = mkdtempSync(join(tmp, 'bin-'))
    const log = join(tmp, 'helper.log')
    const helper = join(bin, 'docker-credential-shiptest')
    // the credential-helper protocol: `get`, the server URL on stdin, JSON on stdout
    writeFileSync(
      helper,
      `#!/bin/sh
read -r server
echo "$1 $server" >> '${log}'
if [ "$server" = '${basic.host}' ]; then
  printf '{"ServerURL":"%s","Username":"testuser","Secret":"testpass"}' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi
`,
    )
    chmodSync(helper, 0o755)
    const env = { PATH: `${bin}:${process.env.PATH}` }
    const cfg = join(tmp, 'helpers.json')
    writeFileSync(cfg, JSON.stringify({ credHelpers: { [basic.host]: 'shiptest' }, auths: {} }))
    expect((await read(basic.host, 'apk-synthetic:3.18', { env, dockerConfig: cfg })).layers).toHaveLength(1)
    expect(readFileSync(log, 'utf8')).toBe(`get ${basic.host}\n`)
    writeFileSync(cfg, JSON.stringify({ credsStore: 'shiptest' }))
    expect((await read(basic.host, 'apk-synthetic:3.18', { env, dockerConfig: cfg })).layers).toHaveLength(1)
    // a helper that has nothing for the host: anonymous, hence the registry's AUTH error
    writeFileSync(cfg, JSON.stringify({ credHelpers: { [basic.host]: 'missing-helper' } }))
    const e = await expectError(read(basic.host, 'apk-synthetic:3.18', { env, dockerConfig: cfg }), 'AUTH')
    expect(e.message).toContain('docker-credential-missing-helper')
  })

  it('a wrong password is a clear AUTH error without the password in it', async () => {
    const e = await expectError(
      read(basic.host, 'apk-synthetic:3.18', { ...none, username: 'testuser', password: 'wrong-Secret-42' }),
      'AUTH',
    )
    expect(e.oneLine()).toMatch(/registry 127\.0\.0\.1:5602 refused the credentials of user "testuser"/)
    expect(e.oneLine()).toContain('fixtures/apk-synthetic')
    expect(e.oneLine()).not.toContain('wrong-Secret-42')
  })

  it('no credentials is an AUTH error saying how to log in', async () => {
    const e = await expectError(read(basic.host, 'apk-synthetic:3.18', none), 'AUTH')
    expect(e.message).toMatch(/requires authentication for fixtures\/apk-synthetic; log in with docker login/)
  })
})

describe('token (Bearer) registry', () => {
  /**
   * A front for the registry that points the `WWW-Authenticate` realm at a counting proxy in front of the real
   * token server, so every token request is seen.
   */
  async function counted() {
    const tokenProxy = await startProxy((token.tokenUrl as string).replace(/\/token$/, ''))
    const front = await startProxy(token.url, (_req, _res, forward) =>
      forward({
        onResponse: (up, res) => {
          const h = { ...up.headers }
          const w = h['www-authenticate']
          if (typeof w === 'string')
            h['www-authenticate'] = w.replace(token.tokenUrl as string, `${tokenProxy.url}/token`)
          res.writeHead(up.statusCode ?? 502, h)
          up.pipe(res)
          return true
        },
      }),
    )
    return { tokenProxy, front, close: async () => Promise.all([tokenProxy.close(), front.close()]) }
  }

  it('the bearer flow works, and one token per scope serves a whole scan', async () => {
    const { tokenProxy, front, close } = await counted()
    try {
      const opts = { ...none, username: 'testuser', password: 'testpass' }
      const img = await read(front.host, 'debian-min:1.0', opts)
      const sbom = await generateSbom({ kind: 'image', image: img })
      expect(sbom.packages.filter((p) => p.kind === 'deb').length).toBeGreaterThan(80)
      const blobGets = front.requests.filter((r) => r.url.includes('/blobs/'))
      expect(blobGets).toHaveLength(3) // config + 2 layers
      for (const r of blobGets) expect(r.headers.authorization).toMatch(/^Bearer /)
      const scopes = tokenProxy.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('scope'))
      expect(scopes).toEqual(['repository:fixtures/debian-min:pull'])
      expect(tokenProxy.requests[0]?.headers.authorization).toMatch(/^Basic /)
      expect(new URL(tokenProxy.requests[0]?.url ?? '', 'http://x').searchParams.get('service')).toBe(
        'fixture-registry',
      )
    } finally {
      await close()
    }
  })

  it('one client, two repositories: one token each', async () => {
    const { tokenProxy, front, close } = await counted()
    const { RegistryClient } = await import('../../src/image/registry/index.js')
    const client = new RegistryClient({ ...none, username: 'testuser', password: 'testpass' })
    try {
      for (const name of ['apk-synthetic:3.18', 'debian-min:1.0', 'apk-synthetic:3.18']) {
        const img = await read(front.host, name, { client })
        await generateSbom({ kind: 'image', image: img })
      }
      expect(tokenProxy.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('scope'))).toEqual([
        'repository:fixtures/apk-synthetic:pull',
        'repository:fixtures/debian-min:pull',
      ])
    } finally {
      await client.close()
      await close()
    }
  })

  it('debug lines never carry the password, the Basic credentials or the token', async () => {
    const lines: string[] = []
    const img = await read(token.host, 'apk-synthetic:3.18', {
      ...none,
      username: 'testuser',
      password: 'testpass',
      debug: (l) => lines.push(l),
    })
    await generateSbom({ kind: 'image', image: img })
    expect(lines.some((l) => l.includes('[auth]'))).toBe(true)
    expect(lines.some((l) => l.startsWith('registry: token for repository:fixtures/apk-synthetic:pull'))).toBe(true)
    const text = lines.join('\n')
    expect(text).not.toContain('testpass')
    expect(text).not.toContain(Buffer.from('testuser:testpass').toString('base64'))
    expect(text).not.toMatch(/Bearer|eyJ/)
  })

  it('wrong password and no credentials are AUTH errors', async () => {
    const e1 = await expectError(
      read(token.host, 'apk-synthetic:3.18', { ...none, username: 'testuser', password: 'nope-nope' }),
      'AUTH',
    )
    expect(e1.oneLine()).toMatch(/refused the credentials of user "testuser"/)
    expect(e1.oneLine()).not.toContain('nope-nope')
    const e2 = await expectError(read(token.host, 'apk-synthetic:3.18', none), 'AUTH')
    expect(e2.message).toContain('requires authentication')
  })
})

describe('redirects', () => {
  it('a blob redirect to another host gets no Authorization; the scan succeeds', async () => {
    const auth = `Basic ${Buffer.from(`${basic.user}:${basic.pass}`).toString('base64')}`
    // "blob storage" on another address: records what it is sent, serves the blob from the registry itself
    const seen: (string | undefined)[] = []
    const storage = http.createServer((req, res) => {
      seen.push(req.headers.authorization)
      http
        .get(`${basic.url}${req.url}`, { headers: { authorization: auth } }, (up) => {
          res.writeHead(up.statusCode ?? 502, { 'content-length': up.headers['content-length'] ?? '' })
          up.pipe(res)
        })
        .on('error', () => res.destroy())
    })
    await new Promise<void>((r) => storage.listen(0, '127.0.0.2', r))
    const storageUrl = `http://127.0.0.2:${(storage.address() as { port: number }).port}`
    const front = await startProxy(basic.url, (req, res, forward) => {
      if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) {
        res.writeHead(307, { location: `${storageUrl}${req.url}` }).end()
        return
      }
      forward()
    })
    try {
      const img = await read(front.host, 'debian-min:1.0', { ...none, username: 'testuser', password: 'testpass' })
      const sbom = await generateSbom({ kind: 'image', image: img })
      expect(sbom.packages.length).toBeGreaterThan(80)
      expect(seen).toHaveLength(3)
      expect(seen).toEqual([undefined, undefined, undefined])
      // the registry itself did get the credentials
      const blobAsks = front.requests.filter((r) => r.url.includes('/blobs/'))
      expect(blobAsks.every((r) => r.headers.authorization === auth)).toBe(true)
    } finally {
      await front.close()
      await new Promise<void>((r) => {
        storage.closeAllConnections()
        storage.close(() => r())
      })
    }
  })

  it('a redirect within the same origin keeps the Authorization header', async () => {
    const front = await startProxy(basic.url, (req, res, forward) => {
      if (req.method === 'GET' && /\/blobs\/sha256:[a-f0-9]+$/.test(req.url ?? '')) {
        res.writeHead(307, { location: `${req.url}?moved=1` }).end()
        return
      }
      forward()
    })
    try {
      const img = await read(front.host, 'apk-synthetic:3.18', { ...none, username: 'testuser', password: 'testpass' })
      await generateSbom({ kind: 'image', image: img })
      const moved = front.requests.filter((r) => r.url.endsWith('?moved=1'))
      expect(moved).toHaveLength(2)
      expect(moved.every((r) => r.headers.authorization?.startsWith('Basic '))).toBe(true)
    } finally {
      await front.close()
    }
  })
})
