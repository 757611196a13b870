import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { credentialsFor, nextLink, parseChallenges, parseRegistryReference } from '../../src/image/registry/index.js'
import { ShipshapeError } from '../../src/internal/index.js'

const D = `sha256:${'a'.repeat(64)}`

// Docker's normalisation (distribution/reference ParseNormalizedNamed + TagNameOnly).
const TABLE: [string, string, string, string | undefined, string | undefined][] = [
  // input, registry, repository, tag, digest
  ['nginx', 'docker.io', 'library/nginx', 'latest', undefined],
  ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', undefined],
  ['library/nginx', 'docker.io', 'library/nginx', 'latest', undefined],
  ['docker.io/nginx', 'docker.io', 'library/nginx', 'latest', undefined],
  ['index.docker.io/library/nginx:1', 'docker.io', 'library/nginx', '1', undefined],
  ['registry-1.docker.io/bitnami/redis', 'docker.io', 'bitnami/redis', 'latest', undefined],
  ['bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2', undefined],
  ['localhost/x', 'localhost', 'x', 'latest', undefined],
  ['localhost:5000/x', 'localhost:5000', 'x', 'latest', undefined],
  ['localhost:5000/a/b/c:t', 'localhost:5000', 'a/b/c', 't', undefined],
  ['127.0.0.1:5600/fixtures/lang-app:1.0', '127.0.0.1:5600', 'fixtures/lang-app', '1.0', undefined],
  ['ghcr.io/owner/img', 'ghcr.io', 'owner/img', 'latest', undefined],
  ['registry.example.com:443/team/app:v1-rc.2', 'registry.example.com:443', 'team/app', 'v1-rc.2', undefined],
  ['Registry.Example.com/app', 'Registry.Example.com', 'app', 'latest', undefined],
  ['[::1]:5000/app:t', '[::1]:5000', 'app', 't', undefined],
  [`nginx@${D}`, 'docker.io', 'library/nginx', undefined, D],
  [`nginx:1.25@${D}`, 'docker.io', 'library/nginx', '1.25', D],
  [`localhost:5000/x@${D}`, 'localhost:5000', 'x', undefined, D],
  ['my_org/my__app-x.y', 'docker.io', 'my_org/my__app-x.y', 'latest', undefined],
]

describe('parseRegistryReference: Docker Hub normalisation', () => {
  for (const [input, registry, repository, tag, digest] of TABLE) {
    it(input, () => {
      const r = parseRegistryReference(input)
      expect(r.registry).toBe(registry)
      expect(r.repository).toBe(repository)
      expect(r.tag).toBe(tag)
      expect(r.digest).toBe(digest)
      expect(r.canonical).toBe(`${registry}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`)
    })
  }

  for (const bad of [
    '',
    'Nginx',
    'library/Nginx',
    'nginx:',
    'nginx:-bad',
    `nginx@sha256:${'a'.repeat(10)}`,
    'nginx@md5:abc',
    'https://ghcr.io/x',
    'a//b',
    'localhost:5000/',
    `x:${'t'.repeat(129)}`,
  ]) {
    it(`rejects ${JSON.stringify(bad)} with USAGE`, () => {
      let err: unknown
      try {
        parseRegistryReference(bad)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ShipshapeError)
      expect((err as ShipshapeError).code).toBe('USAGE')
    })
  }
})

describe('WWW-Authenticate and Link parsing', () => {
  it('parses bearer challenges with quoted commas and several challenges', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:a/b:pull,push',
        },
      },
    ])
    expect(parseChallenges(['Basic realm="r"', 'Bearer realm="x", error=invalid_token'])).toEqual([
      { scheme: 'basic', params: { realm: 'r' } },
      { scheme: 'bearer', params: { realm: 'x', error: 'invalid_token' } },
    ])
    expect(parseChallenges('Basic realm="a\\"b", Bearer realm=y')).toEqual([
      { scheme: 'basic', params: { realm: 'a"b' } },
      { scheme: 'bearer', params: { realm: 'y' } },
    ])
  })

  it('finds the next page of a Link header', () => {
    expect(nextLink('</v2/x/tags/list?last=b&n=2>; rel="next"')).toBe('/v2/x/tags/list?last=b&n=2')
    expect(nextLink('<https://a/p?x=1>; rel="prev", <https://a/n?x=2>; rel=next')).toBe('https://a/n?x=2')
    expect(nextLink(undefined)).toBeUndefined()
  })
})

describe('credential lookup (no network)', () => {
  it('Docker Hub keys, flags and env only for the named registry, config entries per host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-creds-'))
    try {
      const cfg = join(dir, 'config.json')
      writeFileSync(
        cfg,
        JSON.stringify({
          auths: {
            'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hubpass').toString('base64') },
            'mirror.example:5000': { username: 'm', password: 'mp' },
          },
        }),
      )
      const base = { dockerConfig: cfg, env: {} }
      expect(await credentialsFor('docker.io', true, base)).toMatchObject({ username: 'hubuser', password: 'hubpass' })
      expect(await credentialsFor('ghcr.io', true, base)).toBeUndefined()
      // flags win for the named registry, and never reach a mirror
      const flags = { ...base, username: 'u', password: 'p' }
      expect(await credentialsFor('docker.io', true, flags)).toMatchObject({ username: 'u', from: 'the command line' })
      expect(await credentialsFor('mirror.example:5000', false, flags)).toMatchObject({ username: 'm' })
      const env = { ...base, env: { SHIPSHAPE_REGISTRY_USERNAME: 'e', SHIPSHAPE_REGISTRY_PASSWORD: 'ep' } }
      expect(await credentialsFor('ghcr.io', true, env)).toMatchObject({ username: 'e', password: 'ep' })
      expect(await credentialsFor('ghcr.io', false, env)).toBeUndefined()
      writeFileSync(cfg, '{ not json')
      await expect(credentialsFor('docker.io', true, base)).rejects.toMatchObject({ code: 'USAGE', where: cfg })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
