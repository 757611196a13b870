import { once } from 'node:events'
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openSource, parseImageRef } from '../../src/image/index.js'
import type { Package, Sbom } from '../../src/model/index.js'
import { type NpmMetadata, npmCataloger, parseNpmLock, projectRootOf } from '../../src/sbom/catalogers/npm/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { builtLayout, FIXTURES, readTsv, truthFile } from '../helpers/images.js'

const ROOT = join(FIXTURES, 'catalogers', 'npm')

interface Projected {
  name: string
  version: string
  purl: string
  path?: string
  lockfile?: string
  dev: boolean
  licenses: string[]
  links?: string[]
}

function project(p: Package): Projected {
  const m = p.metadata as NpmMetadata
  const out: Projected = {
    name: p.name,
    version: p.version,
    purl: p.purl,
    dev: m.dev === true,
    licenses: p.licenses ?? [],
  }
  if (m.fromLockfile) out.lockfile = m.lockfile
  else out.path = m.path
  if (m.links) out.links = m.links
  return out
}

const order = (a: Projected, b: Projected) =>
  a.name.localeCompare(b.name) ||
  a.version.localeCompare(b.version) ||
  (a.path ?? a.lockfile ?? '').localeCompare(b.path ?? b.lockfile ?? '')

function normalise(list: Projected[]): Projected[] {
  // Key order does not matter to toEqual; entry order does.
  return [...list].sort(order)
}

async function scan(root: string): Promise<Sbom> {
  return generateSbom(await openSource(parseImageRef(`fs://${root}`)), { catalogers: [npmCataloger] })
}

const temps: string[] = []
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'shipshape-npm-'))
  temps.push(d)
  return d
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

function put(root: string, path: string, content: string | Buffer): void {
  const full = join(root, path)
  mkdirSync(dirname(full), { recursive: true })
  writeFileSync(full, content)
}

describe('npm cataloger declaration', () => {
  it('is named npm, produces npm packages and asks for manifests and lockfiles with caps', () => {
    expect(npmCataloger.name).toBe('npm')
    expect(npmCataloger.version).toBe(1)
    expect(npmCataloger.kinds).toEqual(['npm'])
    const globs = npmCataloger.wants.flatMap((w) => w.globs)
    for (const g of [
      '/**/package.json',
      '/**/node_modules/.package-lock.json',
      '/**/package-lock.json',
      '/**/yarn.lock',
      '/**/pnpm-lock.yaml',
    ])
      expect(globs).toContain(g)
    for (const w of npmCataloger.wants) expect(w.maxBytes).toBeGreaterThan(0)
  })
})

describe('projectRootOf: which package.json files are installed packages', () => {
  it.each([
    ['/app/node_modules/lodash', '/app'],
    ['/app/node_modules/@hapi/hoek', '/app'],
    ['/app/node_modules/mkdirp/node_modules/minimist', '/app'],
    ['/app/node_modules/a/node_modules/@s/b/node_modules/c', '/app'],
    ['/node_modules/x', '/'],
    ['/usr/lib/node_modules/npm/node_modules/abbrev', '/usr/lib'],
    ['/app/packages/lib-b/node_modules/ms', '/app/packages/lib-b'],
    ['/app/node_modules/.pnpm/ms@2.1.3/node_modules/ms', '/app'],
    ['/app/node_modules/.pnpm/@babel+core@7.0.0/node_modules/@babel/core', '/app'],
  ])('%s is a package of project %s', (dir, root) => {
    expect(projectRootOf(dir)).toBe(root)
  })
  it.each([
    '/app',
    '/app/node_modules',
    '/app/node_modules/@hapi',
    '/app/node_modules/tslib/modules',
    '/app/node_modules/resolve/test/resolver/baz',
    '/app/node_modules/x/test/fixtures/node_modules/y',
    '/app/node_modules/.bin',
    '/app/node_modules/.cache/x',
    '/app/node_modules/.pnpm/node_modules/ms',
    '/app/node_modules/.pnpm/ms@2.1.3',
  ])('%s is not', (dir) => {
    expect(projectRootOf(dir)).toBeUndefined()
  })
})

describe('parseNpmLock', () => {
  it('turns the nested v1 tree into install-path keys with their dev flags', () => {
    const r = parseNpmLock(readFileSync(join(ROOT, 'lockfiles/rootfs/src/npm-v1/package-lock.json')))
    if (!r.ok) throw new Error(r.error)
    const e = (k: string) => r.value.entries.get(k)
    expect(r.value.lockfileVersion).toBe(1)
    expect(e('node_modules/body-parser/node_modules/debug')).toMatchObject({
      name: 'debug',
      version: '2.6.9',
      dev: false,
    })
    expect(e('node_modules/debug/node_modules/ms')).toMatchObject({ name: 'ms', version: '0.7.2', dev: true })
    expect(e('node_modules/promise')).toMatchObject({ optional: true, dev: false })
    expect(e('node_modules/@babel/helper-string-parser')?.version).toBe('7.19.4')
    expect(r.value.entries.size).toBe(33)
  })

  it('reads v3 packages with workspace and link entries', () => {
    const r = parseNpmLock(readFileSync(join(ROOT, 'workspace/rootfs/app/package-lock.json')))
    if (!r.ok) throw new Error(r.error)
    expect(r.value.entries.get('node_modules/app-a')).toMatchObject({ link: true, resolved: 'packages/app-a' })
    expect(r.value.entries.get('packages/lib-b/node_modules/ms')).toMatchObject({ name: 'ms', version: '2.0.0' })
    expect(r.value.entries.get('node_modules/is-number')).toMatchObject({ dev: true, license: 'MIT' })
  })
})

describe('npm cataloger fixtures', () => {
  for (const c of readdirSync(ROOT)) {
    const dir = join(ROOT, c)
    if (!existsSync(join(dir, 'expected.json'))) continue
    it(c, async () => {
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
        issues: { kind: string; message: string }[]
        packages: Projected[]
      }
      const sbom = await scan(join(dir, 'rootfs'))
      expect(normalise(sbom.packages.map(project))).toEqual(normalise(expected.packages))
      expect(sbom.issues.map((i) => ({ kind: i.kind, message: i.message }))).toEqual(expected.issues)
      for (const p of sbom.packages) {
        expect(p.kind).toBe('npm')
        expect(p.foundBy).toBe('npm/1')
        const m = p.metadata as NpmMetadata
        const file = m.fromLockfile ? (m.lockfile as string) : `${m.path}/package.json`
        expect(p.introducedIn.path).toBe(file)
        expect(p.lastChangedIn.path).toBe(file)
        expect(p.locations[0]?.path).toBe(file)
      }
      expect(new Set(sbom.packages.map((p) => p.id)).size).toBe(sbom.packages.length)
    })
  }
})

describe('npm cataloger on lang-app', () => {
  it('finds the nested minimist, the scoped hoek and dev-only semver, and not the project itself', async () => {
    const sbom = await scan(join(ROOT, 'lang-app', 'rootfs'))
    const at = (path: string) => sbom.packages.find((p) => (p.metadata as NpmMetadata).path === path)
    expect(at('/app/node_modules/mkdirp/node_modules/minimist')?.version).toBe('0.0.8')
    expect(at('/app/node_modules/minimist')?.version).toBe('1.2.0')
    expect(at('/app/node_modules/@hapi/hoek')?.purl).toBe('pkg:npm/%40hapi/hoek@8.5.0')
    const semver = at('/app/node_modules/semver')
    expect(semver?.metadata).toMatchObject({ dev: true, lockfile: '/app/node_modules/.package-lock.json' })
    expect(semver?.locations.map((l) => l.path)).toEqual([
      '/app/node_modules/semver/package.json',
      '/app/node_modules/.package-lock.json',
    ])
    expect(sbom.packages.find((p) => p.name === 'scan-fixture-node-app')).toBeUndefined()
    expect(at('/app')).toBeUndefined()
  })

  it('equals the ground truth on the built image (every package, its path and scope)', async () => {
    const layout = builtLayout('lang-app')
    const sbom = await generateSbom(await openSource(parseImageRef(`oci-dir://${layout}`)), {
      catalogers: [npmCataloger],
    })
    const truth = readTsv(truthFile('lang-app', 'npm.tsv'))
    expect(truth).toHaveLength(58)
    const got = sbom.packages.map((p) => {
      const m = p.metadata as NpmMetadata
      return [p.name, p.version, m.path, m.dev ? 'dev' : 'prod'].join('\t')
    })
    expect(got.sort()).toEqual(truth.map((r) => r.join('\t')).sort())
    expect(sbom.issues.filter((i) => i.source === 'npm')).toEqual([])
    // Every package.json of /app came with the one layer that ran `npm ci`.
    const layers = new Set(sbom.packages.map((p) => p.introducedIn.layerIndex))
    expect(layers.size).toBe(1)
    for (const p of sbom.packages) expect(p.introducedIn.layer).toMatch(/^sha256:/)
  })
})

describe('npm cataloger: workspaces and links', () => {
  it('counts a package reached through several links once, by real path, and never the project root', async () => {
    const root = tempRoot()
    cpSync(join(ROOT, 'workspace', 'rootfs'), root, { recursive: true, verbatimSymlinks: true })
    // A second way to the same workspace package, and a link back up to the project (a member depending on it).
    mkdirSync(join(root, 'app/packages/app-a/node_modules'), { recursive: true })
    symlinkSync('../../lib-b', join(root, 'app/packages/app-a/node_modules/lib-b'))
    symlinkSync('../../..', join(root, 'app/packages/app-a/node_modules/ws-root'))
    const sbom = await scan(root)
    const libB = sbom.packages.filter((p) => p.name === 'lib-b')
    expect(libB).toHaveLength(1)
    expect((libB[0]?.metadata as NpmMetadata | undefined)?.links?.sort()).toEqual([
      '/app/node_modules/lib-b',
      '/app/packages/app-a/node_modules/lib-b',
    ])
    expect(sbom.packages.find((p) => p.name === 'ws-root')).toBeUndefined()
    expect(sbom.packages).toHaveLength(13)
  })
})

describe('npm cataloger: lockfiles', () => {
  it('gives installed pnpm packages their scope from the pnpm-lock.yaml beside node_modules', async () => {
    const sbom = await scan(join(ROOT, 'pnpm', 'rootfs'))
    for (const p of sbom.packages) expect((p.metadata as NpmMetadata).lockfile).toBe('/app/pnpm-lock.yaml')
    expect(sbom.packages.filter((p) => (p.metadata as NpmMetadata).dev).map((p) => p.name)).toEqual(['is-number'])
    expect(sbom.packages.every((p) => !(p.metadata as NpmMetadata).fromLockfile)).toBe(true)
  })

  it('ignores a lockfile that has node_modules next to it (the installed tree is the truth)', async () => {
    const root = tempRoot()
    cpSync(join(ROOT, 'lockfiles/rootfs/src/yarn-v1'), join(root, 'proj'), { recursive: true })
    cpSync(join(ROOT, 'lockfiles/rootfs/src/pnpm-v9/pnpm-lock.yaml'), join(root, 'proj/pnpm-lock.yaml'))
    put(
      root,
      'proj/node_modules/ms/package.json',
      readFileSync(join(ROOT, 'lang-app/rootfs/app/node_modules/ms/package.json')),
    )
    const sbom = await scan(root)
    expect(sbom.packages.map((p) => `${p.name}@${p.version}`)).toEqual(['ms@2.0.0'])
    expect((sbom.packages[0]?.metadata as NpmMetadata | undefined)?.fromLockfile).toBeUndefined()
  })

  it('reads a package-lock.json alone (a source tree): one package per name@version, dev-only marked', async () => {
    const root = tempRoot()
    put(root, 'app/package-lock.json', readFileSync(join(ROOT, 'lang-app/rootfs/app/package-lock.json')))
    put(root, 'app/package.json', readFileSync(join(ROOT, 'lang-app/rootfs/app/package.json')))
    const sbom = await scan(root)
    const expected = JSON.parse(readFileSync(join(ROOT, 'lang-app/expected.json'), 'utf8')) as { packages: Projected[] }
    const want = new Map(expected.packages.map((p) => [`${p.name}@${p.version}`, p]))
    expect(sbom.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual([...want.keys()].sort())
    for (const p of sbom.packages) {
      const m = p.metadata as NpmMetadata
      expect(m).toMatchObject({ fromLockfile: true, lockfile: '/app/package-lock.json' })
      expect(m.dev === true).toBe(want.get(`${p.name}@${p.version}`)?.dev)
      expect(p.licenses).toEqual(want.get(`${p.name}@${p.version}`)?.licenses)
    }
  })

  it('ignores lockfiles shipped inside installed packages', async () => {
    const root = tempRoot()
    put(
      root,
      'app/node_modules/ms/package.json',
      readFileSync(join(ROOT, 'lang-app/rootfs/app/node_modules/ms/package.json')),
    )
    put(root, 'app/node_modules/ms/yarn.lock', readFileSync(join(ROOT, 'lockfiles/rootfs/src/yarn-v1/yarn.lock')))
    put(
      root,
      'app/node_modules/ms/pnpm-lock.yaml',
      readFileSync(join(ROOT, 'lockfiles/rootfs/src/pnpm-v9/pnpm-lock.yaml')),
    )
    const sbom = await scan(root)
    expect(sbom.packages.map((p) => p.name)).toEqual(['ms'])
  })
})

describe('npm cataloger: hostile input', () => {
  it('a 200 MB package.json is a located issue; the rest is still catalogued', async () => {
    const root = tempRoot()
    cpSync(join(ROOT, 'lang-app', 'rootfs'), root, { recursive: true })
    const big = join(root, 'app/node_modules/huge/package.json')
    mkdirSync(dirname(big), { recursive: true })
    const out = createWriteStream(big)
    out.write('{"name":"huge","version":"1.0.0","description":"')
    const chunk = Buffer.alloc(1024 * 1024, 'a')
    for (let i = 0; i < 200; i++) if (!out.write(chunk)) await once(out, 'drain')
    out.end('"}')
    await once(out, 'finish')
    const before = process.memoryUsage().rss
    const sbom = await scan(root)
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024)
    expect(sbom.packages).toHaveLength(58)
    expect(sbom.packages.find((p) => p.name === 'huge')).toBeUndefined()
    const mine = sbom.issues.filter((i) => i.source === 'npm')
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({
      kind: 'truncated-content',
      location: { path: '/app/node_modules/huge/package.json' },
    })
    expect(mine[0]?.message).toContain('/app/node_modules/huge/package.json')
    expect(sbom.issues.find((i) => i.source === 'filetree')?.location?.path).toBe('/app/node_modules/huge/package.json')
  })

  it('a package.json that is not JSON is a located parse error; the rest is still catalogued', async () => {
    const root = tempRoot()
    cpSync(join(ROOT, 'lang-app', 'rootfs'), root, { recursive: true })
    put(root, 'app/node_modules/broken/package.json', '{"name": "broken", "version": "1.0.0",,, <<<')
    put(root, 'app/node_modules/empty/package.json', '')
    put(root, 'app/node_modules/array/package.json', '[1, 2]')
    const sbom = await scan(root)
    expect(sbom.packages).toHaveLength(58)
    const issues = sbom.issues.filter((i) => i.source === 'npm')
    expect(issues.map((i) => [i.kind, i.location?.path])).toEqual([
      ['parse-error', '/app/node_modules/array/package.json'],
      ['parse-error', '/app/node_modules/broken/package.json'],
      ['parse-error', '/app/node_modules/empty/package.json'],
    ])
    expect(issues[0]?.message).toContain('not a JSON object')
    expect(issues[1]?.message).toMatch(/not valid JSON/)
  })

  it('damaged lockfiles are located issues, never exceptions', async () => {
    const root = tempRoot()
    put(root, 'a/yarn.lock', Buffer.from([0, 1, 2, 3, 0xff, 0xfe]))
    put(root, 'b/pnpm-lock.yaml', 'lockfileVersion: [unclosed\n  - : :\n')
    put(root, 'c/package-lock.json', '{"lockfileVersion": 3, "packages": ')
    put(root, 'd/yarn.lock', '__metadata:\n  version: 6\n\n"x@npm:1": [unterminated\n')
    cpSync(join(ROOT, 'lang-app', 'rootfs'), join(root, 'e'), { recursive: true })
    put(root, 'e/app/node_modules/.package-lock.json', 'not json')
    put(root, 'e/app/package-lock.json', 'not json either')
    const sbom = await scan(root)
    expect(sbom.packages).toHaveLength(58)
    expect(sbom.packages.filter((p) => (p.metadata as NpmMetadata).dev)).toHaveLength(0)
    const issues = sbom.issues.filter((i) => i.source === 'npm')
    expect(issues.map((i) => [i.kind, i.location?.path]).sort()).toEqual([
      ['parse-error', '/a/yarn.lock'],
      ['parse-error', '/b/pnpm-lock.yaml'],
      ['parse-error', '/c/package-lock.json'],
      ['parse-error', '/d/yarn.lock'],
      ['parse-error', '/e/app/node_modules/.package-lock.json'],
      ['parse-error', '/e/app/package-lock.json'],
    ])
  })
})
