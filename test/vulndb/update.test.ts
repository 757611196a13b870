import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../src/internal/index.js'
import { dbPath, StoreReader } from '../../src/vulndb/index.js'
import { cliAsync as cli } from '../helpers/cli.js'
import { FeedServer } from '../helpers/feed-server.js'
import { FIXTURES, REPO } from '../helpers/images.js'

const V = join(FIXTURES, 'vulndata')
let tmp: string
let server: FeedServer
let base: string
let configFile: string

function zipOf(name: string, cwd: string, members: string[]): Buffer {
  const out = join(tmp, name)
  const r = spawnSync('zip', ['-qr', out, ...members], { cwd })
  if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`)
  return readFileSync(out)
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')
const file = (p: string) => ({ kind: 'file' as const, body: readFileSync(join(V, p)) })

/** Every feed, served over real HTTP on 127.0.0.1 (cve5 and one NVD file straight from disk, as file:// feeds may be). */
function feedFlags(overrides: Record<string, string> = {}): string[] {
  const feeds: Record<string, string[]> = {
    osv: [`${base}/osv/all.zip`],
    rubysec: [`${base}/rubysec/master.zip`],
    debian: [`${base}/debian/json`, `${base}/debian/DSA/list`, `${base}/debian/DLA/list`],
    alpine: ['v3.5', 'v3.8', 'v3.9', 'v3.11'].map((r) => `${base}/alpine/${r}/main.yaml`),
    nvd: [
      `${base}/nvd/rest/json/cves/2.0`,
      `file://${join(V, 'nvd/fkie-cad-nvd-json-data-feeds/CVE-2023/CVE-2023-326xx/CVE-2023-32681.json')}`,
    ],
    cve5: [`file://${join(V, 'cve5')}`],
    kev: [`${base}/kev.json`],
    epss: [`${base}/epss.csv.gz`],
  }
  for (const [k, v] of Object.entries(overrides)) feeds[k] = [v]
  return Object.entries(feeds).flatMap(([name, urls]) => urls.flatMap((u) => ['--feed', `${name}=${u}`]))
}

function update(cache: string, extra: string[] = []) {
  return cli(['db', 'update', '--cache-dir', cache, '--config', configFile, '--quiet', ...feedFlags(), ...extra])
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-db-'))
  server = new FeedServer()
  base = await server.start()
  const osvZip = zipOf('osv.zip', V, [
    'ghsa',
    'pypi',
    'go',
    'crates',
    'debian-bookworm-derived/osv',
    'samples/osv-distro',
  ])
  server.routes.set('/osv/all.zip', { kind: 'file', body: osvZip })
  server.routes.set('/rubysec/master.zip', { kind: 'file', body: zipOf('rubysec.zip', V, ['rubygems']) })
  server.routes.set('/debian/json', file('samples/debian-tracker-json/vunnel/debian.json'))
  server.routes.set('/debian/DSA/list', file('debian/security-tracker/data/DSA/list'))
  server.routes.set('/debian/DLA/list', file('debian/security-tracker/data/DLA/list'))
  for (const r of ['v3.5', 'v3.8', 'v3.9', 'v3.11'])
    server.routes.set(`/alpine/${r}/main.yaml`, file(`alpine/alpine-secdb/${r}/main.yaml`))
  server.routes.set('/nvd/rest/json/cves/2.0', file('nvd/osv.dev/vulnfeeds/conversion/nvd/testdata/test.json'))
  server.routes.set('/kev.json', file('kev/cisagov-kev-data/known_exploited_vulnerabilities.json'))
  server.routes.set('/epss.csv.gz', {
    kind: 'file',
    body: gzipSync(readFileSync(join(V, 'epss/emba-epss-core-subset.csv'))),
  })
  configFile = join(tmp, 'config.yaml')
  writeFileSync(configFile, 'db:\n  timeout: 2s\n  retries: 2\n  max_age: 5d\n')
})

afterAll(async () => {
  await server.stop()
  rmSync(tmp, { recursive: true, force: true })
})

function tempFiles(cache: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    if (!existsSync(d)) return
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (/\.(tmp|part)$/.test(e.name)) out.push(p)
      else if (e.isDirectory()) walk(p)
    }
  }
  walk(cache)
  return out
}

describe('db update from real feeds over HTTP', () => {
  let cache: string
  beforeAll(async () => {
    cache = join(tmp, 'main')
    const r = await update(cache)
    if (r.code !== 0) throw new Error(`update failed (${r.code}): ${r.stderr}`)
  })

  it('lodash in npm yields GHSA-35jh-r3h4-6jhm with its ranges and CVSS', async () => {
    const db = new StoreReader(dbPath(cache))
    try {
      const rows = db.affected('npm', 'lodash').filter((a) => a.vulnId === 'GHSA-35jh-r3h4-6jhm')
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ source: 'osv', status: 'affected', ranges: '< 4.17.21', fixed: ['4.17.21'] })
      const [v] = db.byId('GHSA-35jh-r3h4-6jhm')
      expect(v?.aliases).toContain('CVE-2021-23337')
      expect(v?.severity).toEqual({ value: 'HIGH', source: 'ghsa' })
      expect(v?.cvss).toEqual([
        { source: 'ghsa', version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
      ])
    } finally {
      db.close()
    }
  })

  it('CVE-2018-14618 carries its DSA/DLA, Alpine and NVD views, linked by alias', async () => {
    const db = new StoreReader(dbPath(cache))
    try {
      const views = db.related(['CVE-2018-14618'])
      const ids = views.map((v) => `${v.source}:${v.id}`).sort()
      expect(ids).toEqual(
        expect.arrayContaining([
          'alpine:CVE-2018-14618',
          'debian:DLA-1498-1',
          'debian:DSA-4286-1',
          'nvd:CVE-2018-14618',
        ]),
      )
      expect(db.affected('debian:9', 'curl').find((a) => a.vulnId === 'DSA-4286-1')).toMatchObject({
        ranges: '< 7.52.1-5+deb9u7',
      })
      expect(db.affected('alpine:3.8', 'curl').find((a) => a.vulnId === 'CVE-2018-14618')).toMatchObject({
        ranges: '< 7.61.1-r0',
      })
      const nvd = views.find((v) => v.source === 'nvd')
      expect(nvd?.cvss.find((c) => c.source === 'nvd' && c.version.startsWith('3'))?.score).toBe(9.8)
      expect(db.kev('CVE-2018-14618')).toBeUndefined()
      expect(db.epss('CVE-2018-14618')).toMatchObject({ score: 0.11115, percentile: 0.95555 })
    } finally {
      db.close()
    }
  })

  it('PYSEC-2023-74 has no severity of its own; NVD 6.1 is there as the fallback', async () => {
    const db = new StoreReader(dbPath(cache))
    try {
      const [pysec] = db.byId('PYSEC-2023-74')
      expect(pysec?.severity).toBeUndefined()
      expect(pysec?.cvss).toEqual([])
      expect(db.affected('pypi', 'Requests').some((a) => a.vulnId === 'PYSEC-2023-74')).toBe(true)
      const nvd = db.related([pysec?.id as string, ...(pysec?.aliases ?? [])]).find((v) => v.source === 'nvd')
      expect(nvd?.id).toBe('CVE-2023-32681')
      expect(nvd?.cvss.find((c) => c.source === 'nvd')).toMatchObject({ version: '3.1', score: 6.1 })
    } finally {
      db.close()
    }
  })

  it('db status: built when, from what, records per namespace; JSON too', async () => {
    const text = await cli(['db', 'status', '--cache-dir', cache])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^Built: \S+ \(\d+ min ago\)$/m)
    expect(text.stdout).toMatch(/^ {2}kev +1404 records +0 skipped +version 2025\.08\.25/m)
    const json = JSON.parse((await cli(['db', 'status', '--cache-dir', cache, '--format', 'json'])).stdout)
    expect(json.feeds.map((f: { name: string }) => f.name).sort()).toEqual([
      'alpine',
      'cve5',
      'debian',
      'epss',
      'kev',
      'nvd',
      'osv',
      'rubysec',
    ])
    const ns = Object.fromEntries(
      json.namespaces.map((n: { namespace: string; count: number }) => [n.namespace, n.count]),
    )
    for (const n of ['npm', 'pypi', 'go', 'crates.io', 'rubygems', 'maven', 'debian:12', 'debian:9', 'alpine:3.8'])
      expect(ns[n], n).toBeGreaterThan(0)
    expect(json.stale).toBe(false)
  })

  it('a second update asks with ETag/Last-Modified and reuses what did not change', async () => {
    server.requests.length = 0
    const r = await update(cache)
    expect(r.code, r.stderr).toBe(0)
    const kev = server.requests.filter((q) => q.path === '/kev.json')
    expect(kev).toEqual([{ path: '/kev.json', status: 304, conditional: true }])
    const db = new StoreReader(dbPath(cache))
    expect(db.counts().kev).toBe(1404)
    db.close()
  })

  it('db export / db import move the DB to an air-gapped machine, verified by sha256', async () => {
    const out = join(tmp, 'export', 'vuln.db')
    mkdirSync(join(tmp, 'export'))
    const e = await cli(['db', 'export', out, '--cache-dir', cache])
    expect(e.code, e.stderr).toBe(0)
    expect(readFileSync(`${out}.sha256`, 'utf8')).toMatch(/^[a-f0-9]{64} {2}vuln\.db\n$/)
    const other = join(tmp, 'airgapped')
    const i = await cli(['db', 'import', out, '--cache-dir', other])
    expect(i.code, i.stderr).toBe(0)
    expect(sha(dbPath(other))).toBe(sha(dbPath(cache)))
    // A tampered copy is refused and the installed DB stays as it was.
    writeFileSync(out, Buffer.concat([readFileSync(out), Buffer.from('x')]))
    const before = sha(dbPath(other))
    const bad = await cli(['db', 'import', out, '--cache-dir', other])
    expect(bad.code).toBe(ERROR_CODES.CHECKSUM)
    expect(bad.stderr).toMatch(/does not match/)
    expect(sha(dbPath(other))).toBe(before)
  })
})

describe('db update faults: the previous DB keeps answering', () => {
  let cache: string
  let builtAt: string
  beforeAll(async () => {
    cache = join(tmp, 'faults')
    const r = await update(cache, ['--only', 'kev,epss'])
    if (r.code !== 0) throw new Error(r.stderr)
    builtAt = JSON.parse((await cli(['db', 'status', '--cache-dir', cache, '--format', 'json'])).stdout).builtAt
  })

  async function expectOldDbAnswers() {
    const s = await cli(['db', 'status', '--cache-dir', cache, '--format', 'json'])
    expect(s.code, s.stderr).toBe(0)
    expect(JSON.parse(s.stdout).builtAt).toBe(builtAt)
    expect(tempFiles(cache)).toEqual([])
  }

  async function failing(
    route: string,
    setup: () => void,
    code: keyof typeof ERROR_CODES,
    message: RegExp,
    extra: string[] = [],
  ) {
    const saved = server.routes.get(route)
    setup()
    try {
      const r = await cli([
        'db',
        'update',
        '--cache-dir',
        cache,
        '--config',
        configFile,
        '--quiet',
        ...feedFlags(),
        '--only',
        'kev',
        ...extra,
      ])
      expect(r.code, r.stderr).toBe(ERROR_CODES[code])
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
      await expectOldDbAnswers()
    } finally {
      if (saved) server.routes.set(route, saved)
    }
  }

  it('a feed that 404s', async () => {
    await failing(
      '/kev.json',
      () => server.routes.set('/kev.json', { kind: 'status', status: 404 }),
      'FEED',
      /feed kev: GET → 404/,
    )
  })

  it('a feed that times out', async () => {
    await failing('/kev.json', () => server.routes.set('/kev.json', { kind: 'hang' }), 'FEED', /no answer within 2 s/)
  })

  it('a truncated download', async () => {
    const body = readFileSync(join(V, 'kev/cisagov-kev-data/known_exploited_vulnerabilities.json'))
    await failing(
      '/kev.json',
      () => server.routes.set('/kev.json', { kind: 'truncate', body: body.subarray(0, 5000), declared: body.length }),
      'FEED',
      /feed kev: (truncated download|download failed|cannot download: fetch failed: other side closed)/,
    )
  })

  it('a bad checksum', async () => {
    const cfg = join(tmp, 'pinned.yaml')
    writeFileSync(
      cfg,
      `db:\n  timeout: 2s\n  feeds:\n    kev:\n      url: ${base}/kev.json\n      sha256: '${'0'.repeat(64)}'\n`,
    )
    const r = await cli(['db', 'update', '--cache-dir', cache, '--config', cfg, '--quiet', '--only', 'kev'])
    expect(r.code, r.stderr).toBe(ERROR_CODES.CHECKSUM)
    expect(r.stderr).toMatch(/feed kev: sha256 [a-f0-9]{64} does not match the published 0{64}/)
    await expectOldDbAnswers()
  })

  it('retries a flaky server (503 with Retry-After) and then succeeds', async () => {
    const body = readFileSync(join(V, 'kev/cisagov-kev-data/known_exploited_vulnerabilities.json'))
    server.routes.set('/kev-flaky.json', { kind: 'flaky', failures: 2, body })
    const other = join(tmp, 'flaky')
    const r = await cli([
      'db',
      'update',
      '--cache-dir',
      other,
      '--config',
      configFile,
      '--quiet',
      '--feed',
      `kev=${base}/kev-flaky.json`,
      '--only',
      'kev',
    ])
    expect(r.code, r.stderr).toBe(0)
  })

  it('a malformed record is skipped and counted, the rest imported', async () => {
    const doc = JSON.parse(readFileSync(join(V, 'kev/cisagov-kev-data/known_exploited_vulnerabilities.json'), 'utf8'))
    doc.vulnerabilities[3] = { cveID: 42, dateAdded: 'yesterday' }
    server.routes.set('/kev-bad.json', { kind: 'file', body: Buffer.from(JSON.stringify(doc)) })
    const other = join(tmp, 'malformed')
    const r = await cli([
      'db',
      'update',
      '--cache-dir',
      other,
      '--config',
      configFile,
      '--quiet',
      '--feed',
      `kev=${base}/kev-bad.json`,
      '--only',
      'kev',
    ])
    expect(r.code, r.stderr).toBe(0)
    const s = JSON.parse((await cli(['db', 'status', '--cache-dir', other, '--format', 'json'])).stdout)
    expect(s.feeds[0]).toMatchObject({ name: 'kev', records: 1403, skipped: 1 })
    expect(s.feeds[0].skippedSample[0]).toMatch(/known_exploited_vulnerabilities|kev/)
  })

  it('killed at random points (25 times): the old DB still answers and no temp file is left', async () => {
    const cache2 = join(tmp, 'killed')
    expect((await update(cache2)).code).toBe(0)
    const before = JSON.parse((await cli(['db', 'status', '--cache-dir', cache2, '--format', 'json'])).stdout)
    const args = [
      join(REPO, 'bin/shipshape.js'),
      'db',
      'update',
      '--cache-dir',
      cache2,
      '--config',
      configFile,
      '--quiet',
      ...feedFlags(),
    ]
    const t0 = Date.now()
    const full = await cli(args.slice(1))
    expect(full.code, full.stderr).toBe(0)
    const duration = Date.now() - t0
    let killedMidway = 0
    for (let i = 0; i < 25; i++) {
      const child: ChildProcess = spawn(process.execPath, args, { stdio: 'ignore' })
      const at = Math.floor((duration * (i + 0.5)) / 25)
      await new Promise((r) => setTimeout(r, at))
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r))
        child.kill('SIGKILL')
        await gone
        killedMidway++
      }
      const s = await cli(['db', 'status', '--cache-dir', cache2, '--format', 'json'])
      expect(s.code, s.stderr).toBe(0)
      const now = JSON.parse(s.stdout)
      expect(now.counts.vulnerabilities).toBe(before.counts.vulnerabilities)
      expect(tempFiles(cache2), `after a kill at ${at} ms`).toEqual([])
      expect(existsSync(join(cache2, 'db', 'update.lock'))).toBe(false)
    }
    expect(killedMidway).toBeGreaterThanOrEqual(20)
  })
})

describe('db commands: bad input', () => {
  it('no DB yet', async () => {
    const r = await cli(['db', 'status', '--cache-dir', join(tmp, 'empty')])
    expect(r.code).toBe(ERROR_CODES.DB_MISSING)
    expect(r.stderr).toMatch(/no vulnerability DB yet; run `shipshape db update`/)
  })

  it('unknown feed names and bad --feed values', async () => {
    expect((await cli(['db', 'update', '--cache-dir', tmp, '--feed', 'nope=http://x'])).stderr).toMatch(
      /unknown feed "nope"/,
    )
    expect((await cli(['db', 'update', '--cache-dir', tmp, '--feed', 'kev'])).code).toBe(ERROR_CODES.USAGE)
    expect((await cli(['db', 'update', '--cache-dir', tmp, '--only', 'nvdx'])).code).toBe(ERROR_CODES.USAGE)
  })
})
