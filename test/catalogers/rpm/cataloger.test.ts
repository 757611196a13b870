import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { Distro, Package, RpmMetadata } from '../../../src/model/index.js'
import type { CatalogResult } from '../../../src/sbom/cataloger.js'
import { parseSourceRpm, rpmCataloger } from '../../../src/sbom/catalogers/rpm/index.js'
import {
  buildNdb,
  buildPackageHeader,
  diffId,
  fixtureFile,
  loadExpected,
  MemoryResolver,
  type SimplePackage,
} from './helpers.js'

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3

const ROCKY: Distro = { id: 'rocky', versionId: '9.3', idLike: ['rhel', 'centos', 'fedora'], source: '/etc/os-release' }
const CENTOS: Distro = { id: 'centos', versionId: '7', idLike: ['rhel', 'fedora'], source: '/etc/os-release' }

const SQLITE_PATH = '/var/lib/rpm/rpmdb.sqlite'
const BDB_PATH = '/var/lib/rpm/Packages'

async function run(files: MemoryResolver, distro?: Distro): Promise<CatalogResult> {
  return rpmCataloger.catalog({ files, distro })
}

const byName = (r: CatalogResult, name: string): Package => {
  const p = r.packages.find((x) => x.name === name)
  if (!p) throw new Error(`no package ${name}`)
  return p
}

/** An sqlite rpmdb holding the given package headers (a fresh schema, as rpm creates it). */
function sqliteDb(pkgs: (SimplePackage | Buffer)[]): Buffer {
  const db = new Database(':memory:')
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)')
  const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)')
  for (const p of pkgs) ins.run(Buffer.isBuffer(p) ? p : buildPackageHeader(p))
  const out = db.serialize()
  db.close()
  return out
}

describe('rpm cataloger declaration', () => {
  it('asks for every rpmdb location, all layers, up to 256 MiB', () => {
    expect(rpmCataloger.name).toBe('rpm')
    expect(rpmCataloger.version).toBe(1)
    expect(rpmCataloger.kinds).toEqual(['rpm'])
    const [want] = rpmCataloger.wants
    expect(want?.allLayers).toBe(true)
    expect(want?.maxBytes).toBe(256 * 1024 * 1024)
    const files = MemoryResolver.single(
      Object.fromEntries(
        ['/var/lib/rpm', '/usr/lib/sysimage/rpm'].flatMap((d) =>
          ['rpmdb.sqlite', 'Packages', 'Packages.db', 'Packages.lock', 'Name'].map((f) => [
            `${d}/${f}`,
            Buffer.alloc(1),
          ]),
        ),
      ),
    )
    const matched = (want?.globs ?? []).flatMap((g) => files.glob(g).map((f) => f.path))
    expect(matched.sort()).toEqual(
      [
        '/usr/lib/sysimage/rpm/Packages',
        '/usr/lib/sysimage/rpm/Packages.db',
        '/usr/lib/sysimage/rpm/rpmdb.sqlite',
        '/var/lib/rpm/Packages',
        '/var/lib/rpm/Packages.db',
        '/var/lib/rpm/rpmdb.sqlite',
      ].sort(),
    )
  })
})

describe('rpm cataloger on the real databases', () => {
  for (const c of [
    { fixture: 'sqlite', path: SQLITE_PATH, distro: ROCKY },
    { fixture: 'bdb', path: BDB_PATH, distro: CENTOS },
  ]) {
    it(`${c.fixture}: packages match the truth, with purls, sources and locations`, async () => {
      const files = MemoryResolver.single({ [c.path]: fixtureFile(c.fixture, c.path.slice(1)) })
      const r = await run(files, c.distro)
      expect(r.issues).toEqual([])
      const expected = loadExpected(c.fixture)
      expect(r.packages.map((p) => p.name).sort()).toEqual(expected.packages.map((p) => p.name).sort())
      for (const t of expected.packages) {
        const p = byName(r, t.name)
        const m = p.metadata as RpmMetadata
        expect(p.kind).toBe('rpm')
        expect(p.foundBy).toBe('rpm/1')
        expect(m.epoch ?? 0).toBe(t.epochnum)
        expect(m.upstreamVersion).toBe(t.version)
        expect(m.release).toBe(t.release)
        expect(m.architecture).toBe(t.arch)
        expect(m.sourceRpm).toBe(t.sourceRpm)
        expect(m.vendor).toBe(t.vendor)
        expect(m.license).toBe(t.license)
        expect(p.licenses).toEqual([t.license])
        expect(p.version).toBe(`${m.epoch !== undefined ? `${m.epoch}:` : ''}${t.version}-${t.release}`)
        const loc = { path: c.path, layer: diffId(0), layerIndex: 0 }
        expect(p.locations).toEqual([loc])
        expect(p.introducedIn).toEqual(loc)
        expect(p.lastChangedIn).toEqual(loc)
      }
      const allFiles = [...new Set(r.packages.flatMap((p) => (p.metadata as RpmMetadata).files))].sort()
      expect(allFiles).toEqual([...expected.files].sort())
      expect(new Set(r.packages.map((p) => p.id)).size).toBe(r.packages.length)
    })
  }

  it('writes purls like syft (namespace = distro id, epoch only when present)', async () => {
    const files = MemoryResolver.single({ [SQLITE_PATH]: fixtureFile('sqlite', SQLITE_PATH.slice(1)) })
    const r = await run(files, ROCKY)
    expect(byName(r, 'openssl-libs').purl).toBe(
      'pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rocky-9.3&epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm',
    )
    expect(byName(r, 'curl-minimal').purl).toBe(
      'pkg:rpm/rocky/curl-minimal@7.76.1-26.el9_3.2?arch=x86_64&distro=rocky-9.3&upstream=curl-7.76.1-26.el9_3.2.src.rpm',
    )
    expect(byName(r, 'openssl-libs').version).toBe('1:3.0.7-24.el9')
    expect(byName(r, 'curl-minimal').version).toBe('7.76.1-26.el9_3.2')
    expect(byName(r, 'curl-minimal').source).toEqual({ name: 'curl', version: '7.76.1-26.el9_3.2' })
    expect(byName(r, 'python3-requests').source).toEqual({ name: 'python-requests', version: '2.25.1-7.el9' })
    expect((byName(r, 'bash').metadata as RpmMetadata).installedSize).toBeGreaterThan(0)

    const bare = await run(MemoryResolver.single({ [SQLITE_PATH]: fixtureFile('sqlite', SQLITE_PATH.slice(1)) }))
    expect(byName(bare, 'bash').purl).toBe('pkg:rpm/bash@5.1.8-6.el9_1?arch=x86_64&upstream=bash-5.1.8-6.el9_1.src.rpm')
  })

  it('reads the rpmdb under /usr/lib/sysimage/rpm and an ndb Packages.db', async () => {
    const sys = await run(
      MemoryResolver.single({ '/usr/lib/sysimage/rpm/rpmdb.sqlite': fixtureFile('sqlite', SQLITE_PATH.slice(1)) }),
      ROCKY,
    )
    expect(sys.packages).toHaveLength(11)
    expect(sys.packages[0]?.locations[0]?.path).toBe('/usr/lib/sysimage/rpm/rpmdb.sqlite')

    const ndb = buildNdb([
      { pkgidx: 1, blob: buildPackageHeader({ name: 'libzypp', version: '17.31.8', release: '150400.3.14.1' }) },
      { pkgidx: 2, blob: buildPackageHeader({ name: 'gpg-pubkey', version: '39db7c82', release: '5f68629b' }) },
    ])
    const r = await run(MemoryResolver.single({ '/usr/lib/sysimage/rpm/Packages.db': ndb }), {
      id: 'sles',
      versionId: '15.4',
      idLike: ['suse'],
      source: '/etc/os-release',
    })
    expect(r.issues).toEqual([])
    expect(r.packages.map((p) => p.purl)).toEqual(['pkg:rpm/sles/libzypp@17.31.8-150400.3.14.1?distro=sles-15.4'])
  })
})

describe('rpm cataloger edge cases', () => {
  it('skips gpg-pubkey pseudo packages', async () => {
    const db = sqliteDb([
      { name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' },
      { name: 'bash', version: '5.1.8', release: '6.el9_1', arch: 'x86_64' },
    ])
    const r = await run(MemoryResolver.single({ [SQLITE_PATH]: db }), ROCKY)
    expect(r.packages.map((p) => p.name)).toEqual(['bash'])
    expect(r.issues).toEqual([])
  })

  it('the same NEVRA recorded twice still gets two distinct ids', async () => {
    const bash = { name: 'bash', version: '5.1.8', release: '6.el9_1', arch: 'x86_64' }
    const r = await run(MemoryResolver.single({ [SQLITE_PATH]: sqliteDb([bash, bash]) }), ROCKY)
    expect(r.packages).toHaveLength(2)
    expect(new Set(r.packages.map((p) => p.id)).size).toBe(2)
  })

  it('a damaged header loses only its package, with a located issue', async () => {
    const broken = buildPackageHeader({ name: 'broken', version: '1', release: '1', arch: 'x86_64' })
    broken.writeInt32BE(broken.readInt32BE(4) + 500, 8 + 8) // NAME's offset points past the data
    const db = sqliteDb([{ name: 'zlib', version: '1.2.11', release: '40.el9', arch: 'x86_64' }, broken])
    const r = await run(MemoryResolver.single({ [SQLITE_PATH]: db }), ROCKY)
    expect(r.packages.map((p) => p.name)).toEqual(['zlib'])
    expect(r.issues).toHaveLength(1)
    expect(r.issues[0]).toMatchObject({
      kind: 'parse-error',
      source: 'rpm',
      location: { path: SQLITE_PATH, layer: diffId(0), layerIndex: 0 },
    })
    expect(r.issues[0]?.message).toMatch(/^\/var\/lib\/rpm\/rpmdb\.sqlite \(layer 0\): sqlite rpm database: record 2: /)
    expect(r.issues[0]?.message).toMatch(/offset outside the data store/)
  })

  it('a garbled BDB overflow chain: partial results and a located issue, no throw', async () => {
    const buf = Buffer.from(fixtureFile('bdb', BDB_PATH.slice(1)))
    let victim = 0
    for (let p = 1; p * 4096 < buf.length && !victim; p++) if (buf[p * 4096 + 25] === 7) victim = p
    buf.writeUInt32LE(victim, victim * 4096 + 16)
    const r = await run(MemoryResolver.single({ [BDB_PATH]: buf }), CENTOS)
    expect(r.packages).toHaveLength(10)
    expect(r.issues).toHaveLength(1)
    expect(r.issues[0]?.kind).toBe('parse-error')
    expect(r.issues[0]?.location?.path).toBe(BDB_PATH)
    expect(r.issues[0]?.message).toMatch(/Berkeley DB.*overflow chain loops/)
  })

  it('a truncated sqlite rpmdb: partial results and located issues', async () => {
    const cut = fixtureFile('sqlite', SQLITE_PATH.slice(1)).subarray(0, 250000)
    const r = await run(MemoryResolver.single({ [SQLITE_PATH]: cut }), ROCKY)
    expect(r.packages.length).toBeGreaterThanOrEqual(8)
    expect(r.packages.length).toBeLessThan(11)
    expect(r.issues.length).toBeGreaterThan(0)
    for (const i of r.issues) expect(i.location).toEqual({ path: SQLITE_PATH, layer: diffId(0), layerIndex: 0 })
    expect(r.issues.map((i) => i.message).join('\n')).toMatch(/truncated/)
  })

  it('garbage where a database should be: an issue, no packages, no throw', async () => {
    for (const junk of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(100_000, 0xab)]) {
      const r = await run(MemoryResolver.single({ [BDB_PATH]: junk }), CENTOS)
      expect(r.packages).toEqual([])
      expect(r.issues).toHaveLength(1)
      expect(r.issues[0]?.kind).toBe('parse-error')
    }
  })

  it('content not kept (over the cap): a truncated-content issue', async () => {
    const files = MemoryResolver.single({ [BDB_PATH]: Buffer.alloc(1) })
    files.read = () => undefined
    files.history = () => [{ layerIndex: 0, content: undefined }]
    const r = await run(files, CENTOS)
    expect(r.packages).toEqual([])
    expect(r.issues[0]?.kind).toBe('truncated-content')
  })

  it('no rpm database: nothing, quietly', async () => {
    const r = await run(MemoryResolver.single({ '/etc/os-release': Buffer.from('ID=rocky\n') }), ROCKY)
    expect(r).toEqual({ packages: [], issues: [] })
  })

  it('prefers the database written last; a stale one beside it is ignored', async () => {
    const stale = sqliteDb([{ name: 'old', version: '1', release: '1', arch: 'noarch' }])
    const current = buildNdb([
      { pkgidx: 1, blob: buildPackageHeader({ name: 'new', version: '2', release: '1', arch: 'noarch' }) },
    ])
    const files = new MemoryResolver(
      2,
      new Map([
        ['/var/lib/rpm/rpmdb.sqlite', [{ layerIndex: 0, content: stale }]],
        ['/var/lib/rpm/Packages.db', [{ layerIndex: 1, content: current }]],
      ]),
    )
    const r = await run(files, ROCKY)
    expect(r.packages.map((p) => p.name)).toEqual(['new'])
  })

  it('falls back to the other database when the preferred one is unreadable', async () => {
    const good = sqliteDb([{ name: 'ok', version: '1', release: '1', arch: 'noarch' }])
    const files = new MemoryResolver(
      2,
      new Map([
        ['/var/lib/rpm/rpmdb.sqlite', [{ layerIndex: 0, content: good }]],
        ['/var/lib/rpm/Packages', [{ layerIndex: 1, content: Buffer.alloc(8192) }]],
      ]),
    )
    const r = await run(files, ROCKY)
    expect(r.packages.map((p) => p.name)).toEqual(['ok'])
    expect(r.issues).toHaveLength(1)
    expect(r.issues[0]?.location?.path).toBe('/var/lib/rpm/Packages')
  })
})

describe('rpm cataloger dating across layers', () => {
  const pkg = (name: string, version: string, release = '1.el9'): SimplePackage => ({
    name,
    version,
    release,
    arch: 'x86_64',
    sourceRpm: `${name}-${version}-${release}.src.rpm`,
  })

  it('introducedIn = first layer of the unbroken run, lastChangedIn = last layer that changed it', async () => {
    const l0 = sqliteDb([pkg('bash', '5.1.8'), pkg('zlib', '1.2.11'), pkg('curl', '7.76.1')])
    const l1 = sqliteDb([pkg('bash', '5.1.8'), pkg('zlib', '1.2.11'), pkg('curl', '7.76.1'), pkg('jq', '1.6')])
    // layer 2: zlib upgraded, curl removed
    const l2 = sqliteDb([pkg('bash', '5.1.8'), pkg('zlib', '1.2.13'), pkg('jq', '1.6')])
    // layer 3 deletes the database, layer 4 writes it again with the same contents
    const l4 = sqliteDb([pkg('bash', '5.1.8'), pkg('zlib', '1.2.13'), pkg('jq', '1.6')])
    const files = new MemoryResolver(
      5,
      new Map([
        [
          SQLITE_PATH,
          [
            { layerIndex: 0, content: l0 },
            { layerIndex: 1, content: l1 },
            { layerIndex: 2, content: l2 },
            { layerIndex: 3, content: undefined },
            { layerIndex: 4, content: l4 },
          ],
        ],
      ]),
    )
    const r = await run(files, ROCKY)
    expect(r.issues).toEqual([])
    const at = (i: number) => ({ path: SQLITE_PATH, layer: diffId(i), layerIndex: i })
    // the deletion in layer 3 breaks every package's run
    for (const name of ['bash', 'zlib', 'jq']) {
      expect(byName(r, name).introducedIn, name).toEqual(at(4))
      expect(byName(r, name).locations).toEqual([at(4)])
    }

    const noGap = new MemoryResolver(
      3,
      new Map([
        [
          SQLITE_PATH,
          [
            { layerIndex: 0, content: l0 },
            { layerIndex: 1, content: l1 },
            { layerIndex: 2, content: l2 },
          ],
        ],
      ]),
    )
    const r2 = await run(noGap, ROCKY)
    expect(byName(r2, 'bash').introducedIn).toEqual(at(0))
    expect(byName(r2, 'bash').lastChangedIn).toEqual(at(0))
    expect(byName(r2, 'zlib').introducedIn).toEqual(at(0))
    expect(byName(r2, 'zlib').lastChangedIn).toEqual(at(2))
    expect(byName(r2, 'jq').introducedIn).toEqual(at(1))
    expect(byName(r2, 'jq').lastChangedIn).toEqual(at(1))
    expect(r2.packages.find((p) => p.name === 'curl')).toBeUndefined()
    for (const p of r2.packages) expect(p.locations).toEqual([at(2)])
  })

  it('several installed versions of one name and arch (kernels) are dated separately', async () => {
    const l0 = sqliteDb([pkg('kernel-core', '5.14.0', '362.8.1.el9_3')])
    const l1 = sqliteDb([pkg('kernel-core', '5.14.0', '362.8.1.el9_3'), pkg('kernel-core', '5.14.0', '362.13.1.el9_3')])
    const files = new MemoryResolver(
      2,
      new Map([
        [
          SQLITE_PATH,
          [
            { layerIndex: 0, content: l0 },
            { layerIndex: 1, content: l1 },
          ],
        ],
      ]),
    )
    const r = await run(files, ROCKY)
    expect(r.packages).toHaveLength(2)
    const newer = r.packages.find((p) => p.version === '5.14.0-362.13.1.el9_3')
    expect(newer?.introducedIn.layerIndex).toBe(1)
    expect(new Set(r.packages.map((p) => p.id)).size).toBe(2)
  })

  it('a damaged older layer does not produce issues for the present state', async () => {
    const files = new MemoryResolver(
      2,
      new Map([
        [
          SQLITE_PATH,
          [
            { layerIndex: 0, content: Buffer.from('SQLite format 3\0 but not really') },
            { layerIndex: 1, content: sqliteDb([pkg('bash', '5.1.8')]) },
          ],
        ],
      ]),
    )
    const r = await run(files, ROCKY)
    expect(r.issues).toEqual([])
    expect(byName(r, 'bash').introducedIn.layerIndex).toBe(1)
  })
})

describe('source rpm names', () => {
  it.each([
    ['curl-7.76.1-26.el9_3.2.src.rpm', { name: 'curl', version: '7.76.1-26.el9_3.2' }],
    ['python-requests-2.25.1-7.el9.src.rpm', { name: 'python-requests', version: '2.25.1-7.el9' }],
    ['glibc-2.17-317.el7.nosrc.rpm', { name: 'glibc', version: '2.17-317.el7' }],
    ['a-b-c-d-1-2.src.rpm', { name: 'a-b-c-d', version: '1-2' }],
  ])('%s', (file, want) => expect(parseSourceRpm(file)).toEqual(want))

  it.each(['(none)', 'curl.src.rpm', 'curl-7.76.1.src.rpm', 'curl-7.76.1-1.x86_64.rpm', ''])('%s is not parsed', (f) =>
    expect(parseSourceRpm(f)).toBeUndefined(),
  )
})
