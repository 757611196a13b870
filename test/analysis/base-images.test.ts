import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Finding } from '../../src/model/index.js'
import { IMPORTERS, loadDbConfig, updateDb } from '../../src/vulndb/index.js'
import { cli, cliAsync } from '../helpers/cli.js'
import { builtLayout, FIXTURES, readTsv } from '../helpers/images.js'
import { startRegistry, type TestRegistry } from '../helpers/registry.js'

/*
 * Base-image detection and advice end to end, on real images (test/fixtures-build/base-images.sh): an old
 * debian-base:bookworm (plain bookworm), a new one (bookworm-security), a bookworm-slim flavour, and the same app
 * layer on the old and on the new base, without base labels. The bases are pushed to a real registry (Debian's
 * docker-registry) as one repository whose `bookworm` tag moves from the old digest to the new one, and the
 * catalogue learns them through the registry API, as it would from Docker Hub.
 */

const V = join(FIXTURES, 'vulndata')
let tmp = ''
let cache = ''
let reg: TestRegistry
const base = () => join(inject('baseImagesDir'), 'oci')
const summary = (name: string) =>
  JSON.parse(readFileSync(join(inject('baseImagesDir'), 'truth', name, 'summary.json'), 'utf8')) as {
    manifest_digest: string
    diff_ids: string[]
  }
const ref = (name: string, tag: string) => `oci-dir://${join(base(), name)}:${tag}`

function push(name: string, tag: string, to: string): void {
  const r = spawnSync(
    'skopeo',
    [
      'copy',
      '-q',
      '--preserve-digests',
      '--dest-tls-verify=false',
      `oci:${join(base(), name)}:${tag}`,
      `docker://${reg.host}/${to}`,
    ],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`skopeo copy ${name}:${tag} failed: ${r.stderr}`)
}

async function run(args: string[]) {
  const r = await cliAsync([...args, '--cache-dir', cache, '--insecure-registry', reg.host, '-q'])
  return r
}

/** `base index --repository` of the fixtures' repository, printing what it indexed (no -q). */
function crawl(...extra: string[]) {
  return cliAsync([
    'base',
    'index',
    '--repository',
    `registry://${reg.host}/fixtures/debian-base`,
    ...extra,
    '--cache-dir',
    cache,
    '--insecure-registry',
    reg.host,
  ])
}

async function json<T>(args: string[]): Promise<T> {
  const r = await run([...args, '--format', 'json'])
  if (r.code !== 0) throw new Error(`shipshape ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

interface Counts {
  critical: number
  high: number
  medium: number
  low: number
  unspecified: number
}
const total = (c: Counts) => c.critical + c.high + c.medium + c.low + c.unspecified
interface Row {
  role: string
  name: string
  digest?: string
  counts?: Counts
  delta?: Counts
}
interface Quickview {
  base?: { foundBy: string; name: string; digest?: string; layers?: number; countsFrom?: string }
  rows: Row[]
  notes: string[]
}
interface Option {
  tag: string
  image: { digest: string; flavour: string }
  counts: Counts
  delta: Counts
  benefits: string[]
}
interface Recs {
  base?: { name: string; foundBy: string }
  refreshed?: Option
  updated: Option[]
}
let indexOut = ''
let recrawlOut = ''

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-base-'))
  cache = join(tmp, 'cache')
  await updateDb({
    cacheDir: cache,
    config: loadDbConfig({
      feedFlags: [`osv=${join(V, 'debian-bookworm-derived/osv')}`, `osv=${join(V, 'ghsa')}`],
      env: {},
    }),
    importers: IMPORTERS,
    only: ['osv'],
  })
  reg = startRegistry({ port: 5950 })
  // The old base is what `bookworm` pointed at first; it is catalogued by reference before the tag moves.
  push('debian-base-old', 'bookworm', 'fixtures/debian-base:bookworm')
  const first = await run(['base', 'index', `registry://${reg.host}/fixtures/debian-base:bookworm`])
  if (first.code !== 0) throw new Error(first.stderr)
  push('debian-base-new', 'bookworm', 'fixtures/debian-base:bookworm')
  push('debian-base-slim', 'bookworm-slim', 'fixtures/debian-base:bookworm-slim')
  const crawled = await crawl()
  if (crawled.code !== 0) throw new Error(crawled.stderr)
  indexOut = crawled.stdout
  const again = await crawl()
  recrawlOut = again.stdout
  // The shared debian-base (the base of debian-min and lang-app), catalogued under the name debian-min's label uses.
  const shared = await run([
    'base',
    'index',
    `oci-dir://${builtLayout('debian-base')}:bookworm`,
    '--as',
    'localhost/fixtures/debian-base:bookworm',
  ])
  if (shared.code !== 0) throw new Error(shared.stderr)
}, 900_000)

afterAll(() => {
  reg?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

describe('base-image catalogue', () => {
  it('crawls a repository through the registry API, incrementally', () => {
    expect(indexOut).toMatch(/fixtures\/debian-base:bookworm sha256:/)
    expect(indexOut).toMatch(/fixtures\/debian-base:bookworm-slim sha256:.*slim\)/)
    expect(indexOut).toMatch(/fixtures\/debian-base: 2 tags, 2 new/)
    expect(recrawlOut).toMatch(/fixtures\/debian-base: 2 tags, 0 new/)
  })

  it('--tag narrows a crawl to the tags it matches', async () => {
    const all = await crawl('--tag', '-slim$')
    expect(all.code).toBe(0)
    expect(all.stdout).toMatch(/fixtures\/debian-base: 1 tags, 0 new/)
  })

  it('a damaged catalogue is one line with exit 18, and the file is left as it was', () => {
    const dir = join(tmp, 'damaged')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'base-images.db')
    writeFileSync(file, 'this is not a SQLite database\n'.repeat(200))
    const before = readFileSync(file)
    const r = cli(['base', 'list', '--cache-dir', dir])
    expect(r.code).toBe(18)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^shipshape: the base-image catalogue cannot be opened: .*\(.*base-images\.db\)$/m)
    expect(readFileSync(file).equals(before)).toBe(true)
  })

  it('base list shows both digests the bookworm tag has had', async () => {
    const r = await cliAsync(['base', 'list', '--cache-dir', cache, '--format', 'json'])
    const rows = JSON.parse(r.stdout) as { repository: string; tags: string[]; digest: string }[]
    const repo = `${reg.host}/fixtures/debian-base`
    const digests = rows.filter((r) => r.repository === repo && r.tags.includes('bookworm')).map((r) => r.digest)
    expect(digests.sort()).toEqual(
      [summary('debian-base-old').manifest_digest, summary('debian-base-new').manifest_digest].sort(),
    )
  })
})

describe('detection', () => {
  it('app-old (no labels) is detected by its layer prefix: the old debian-base, one layer', async () => {
    const q = await json<Quickview>(['quickview', ref('app-old', '1.0')])
    expect(q.base).toMatchObject({
      foundBy: 'layers',
      name: `${reg.host}/fixtures/debian-base:bookworm`,
      digest: summary('debian-base-old').manifest_digest,
      layers: 1,
      countsFrom: 'catalogue',
    })
    expect(q.notes.join('\n')).toMatch(/auto-detected from its layers/)
  })

  it('debian-min is detected from its label; lang-app from its label and, without it, from its layer prefix', async () => {
    const min = await json<Quickview>(['quickview', `oci-dir://${builtLayout('debian-min')}:1.0`])
    const sharedBase = JSON.parse(readFileSync(join(builtLayout('debian-base'), 'index.json'), 'utf8')).manifests[0]
      .digest as string
    expect(min.base).toMatchObject({
      foundBy: 'label',
      name: 'localhost/fixtures/debian-base:bookworm',
      digest: sharedBase,
      layers: 1,
    })
    // lang-app carries the same labels (build.sh labels it), so they win; its SBOM without them falls back to
    // the layer prefix and must land on the same catalogued image.
    const lang = await json<Quickview>(['quickview', `oci-dir://${builtLayout('lang-app')}:1.0`])
    expect(lang.base).toMatchObject({ foundBy: 'label', digest: sharedBase, layers: 1 })
    const sbomFile = join(tmp, 'lang-app.unlabelled.json')
    const r = await run(['sbom', `oci-dir://${builtLayout('lang-app')}:1.0`, '--format', 'json', '-o', sbomFile])
    expect(r.code).toBe(0)
    const doc = JSON.parse(readFileSync(sbomFile, 'utf8'))
    for (const k of Object.keys(doc.target.labels))
      if (k.startsWith('org.opencontainers.image.base.')) delete doc.target.labels[k]
    writeFileSync(sbomFile, JSON.stringify(doc))
    const unlabelled = await json<Quickview>(['quickview', `sbom://${sbomFile}`])
    expect(unlabelled.base).toMatchObject({
      foundBy: 'layers',
      name: 'localhost/fixtures/debian-base:bookworm',
      digest: sharedBase,
      layers: 1,
    })
  })
})

describe('advice', () => {
  it('refreshed base = the new digest of the same tag, with the delta the security updates make', async () => {
    const q = await json<Quickview>(['quickview', ref('app-old', '1.0')])
    const baseRow = q.rows.find((r) => r.role === 'base') as Row
    const refreshed = q.rows.find((r) => r.role === 'refreshed') as Row
    expect(refreshed.digest).toBe(summary('debian-base-new').manifest_digest)
    // The deltas agree with analysing the two bases on their own.
    const oldReport = await json<{ summary: Counts }>(['cves', ref('debian-base-old', 'bookworm')])
    const newReport = await json<{ summary: Counts }>(['cves', ref('debian-base-new', 'bookworm')])
    expect(baseRow.counts).toMatchObject(pick(oldReport.summary))
    expect(refreshed.counts).toMatchObject(pick(newReport.summary))
    expect(total(refreshed.delta as Counts)).toBe(total(newReport.summary) - total(oldReport.summary))
    expect(total(refreshed.delta as Counts)).toBeLessThan(0)
  })

  it('updated base lists the slim tag with its benefits', async () => {
    const r = await json<Recs>(['recommendations', ref('app-old', '1.0')])
    expect(r.refreshed?.tag).toBe('bookworm')
    expect(r.refreshed?.benefits).toContain('Newer image for same tag')
    const slim = r.updated.find((o) => o.tag === 'bookworm-slim') as Option
    expect(slim.image.flavour).toBe('slim')
    expect(slim.benefits).toEqual(expect.arrayContaining(['Same OS detected', 'Tag is using slim variant']))
    expect(slim.benefits.some((b) => /^Image is smaller by \d+\.\d MB$/.test(b))).toBe(true)
    expect(slim.benefits.some((b) => /^Image contains \d+ fewer packages$/.test(b))).toBe(true)
  })

  it('--only-refresh, --only-update and --tag narrow the advice', async () => {
    const refresh = await json<Recs>(['recommendations', ref('app-old', '1.0'), '--only-refresh'])
    expect(refresh.refreshed).toBeDefined()
    expect(refresh.updated).toEqual([])
    const update = await json<Recs>(['recommendations', ref('app-old', '1.0'), '--only-update'])
    expect(update.refreshed).toBeUndefined()
    expect(update.updated.map((o) => o.tag)).toEqual(['bookworm-slim'])
    const none = await json<Recs>(['recommendations', ref('app-old', '1.0'), '--tag', '^trixie'])
    expect(none.refreshed).toBeUndefined()
    expect(none.updated).toEqual([])
    const bad = await run(['recommendations', ref('app-old', '1.0'), '--tag', '('])
    expect(bad.code).toBe(3)
  })

  it('an image on the newest base gets no refresh advice', async () => {
    const r = await json<Recs>(['recommendations', ref('app-new', '1.0'), '--only-refresh'])
    expect(r.base?.foundBy).toBe('layers')
    expect(r.refreshed).toBeUndefined()
  })
})

describe('cves --ignore-base / --only-base', () => {
  it('split the findings by layer: own layers only, base only, together the whole', async () => {
    type R = { findings: Finding[]; base?: { foundBy: string; layers?: number } }
    const all = await json<R>(['cves', ref('app-old', '1.0')])
    // Every finding says which side it is on.
    expect(all.base).toMatchObject({ foundBy: 'layers', layers: 1 })
    for (const f of all.findings) expect(f.fromBase).toBe(f.package.introducedIn.layerIndex === 0)
    const text = await run(['cves', ref('app-old', '1.0')])
    expect(text.stdout).toMatch(/^ {2}base image: .*fixtures\/debian-base:bookworm \(by its layers, 1 layer\)$/m)
    expect(text.stdout).toMatch(/\/app\/node_modules\/lodash\/package\.json \(layer 1, own layers\)/)
    const own = await json<R>(['cves', ref('app-old', '1.0'), '--ignore-base'])
    const fromBase = await json<R>(['cves', ref('app-old', '1.0'), '--only-base'])
    expect(own.findings.length).toBeGreaterThan(0)
    expect(fromBase.findings.length).toBeGreaterThan(0)
    for (const f of own.findings) expect(f.package.introducedIn.layerIndex).toBe(1)
    for (const f of fromBase.findings) expect(f.package.introducedIn.layerIndex).toBe(0)
    expect(new Set(own.findings.map((f) => f.package.kind))).toEqual(new Set(['npm']))
    const key = (f: Finding) => `${f.package.id} ${f.id}`
    expect([...own.findings, ...fromBase.findings].map(key).sort()).toEqual(all.findings.map(key).sort())
  })

  it('without a detectable base, --ignore-base says why (exit 4)', async () => {
    const r = await run(['cves', ref('debian-base-slim', 'bookworm-slim'), '--ignore-base'])
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/cannot tell base layers from the image's own: no base image found/)
  })

  it('--only-base with --ignore-base is a usage error (3)', async () => {
    const r = await run(['cves', ref('app-old', '1.0'), '--ignore-base', '--only-base'])
    expect(r.code).toBe(3)
  })
})

describe('compare: the same app on the old and on the new base', () => {
  it('shows exactly the version changes of the security updates, and exits 2 on -x vulnerability in reverse', async () => {
    const dpkg = (name: string) =>
      new Map(
        readTsv(join(inject('baseImagesDir'), 'truth', name, 'dpkg.tsv')).map((r) => [r[0] as string, r[1] as string]),
      )
    const oldPkgs = dpkg('app-old')
    const newPkgs = dpkg('app-new')
    const expected = [...newPkgs]
      .filter(([n, v]) => oldPkgs.has(n) && oldPkgs.get(n) !== v)
      .map(([n, v]) => `${n} ${oldPkgs.get(n)} → ${v}`)
      .sort()
    expect(expected.length).toBeGreaterThan(0)
    const r = await run([
      'compare',
      ref('app-new', '1.0'),
      '--to',
      ref('app-old', '1.0'),
      '--format',
      'json',
      '-x',
      'vulnerability',
    ])
    expect(r.code).toBe(0)
    const c = JSON.parse(r.stdout) as Record<string, unknown>
    const changed = changedOf(c)
      .filter((p) => p.kind === 'deb')
      .map((p) => `${p.name} ${p.from} → ${p.to}`)
      .sort()
    expect(changed).toEqual(expected)
    const reverse = await run(['compare', ref('app-old', '1.0'), '--to', ref('app-new', '1.0'), '-x', 'vulnerability'])
    expect(reverse.code).toBe(2)
  })
})

function pick(c: Counts): Counts {
  return { critical: c.critical, high: c.high, medium: c.medium, low: c.low, unspecified: c.unspecified }
}

/** Packages whose version moved between the two sides of a comparison (its JSON output). */
function changedOf(c: Record<string, unknown>): { name: string; kind: string; from: string; to: string }[] {
  const pkgs = c.packages as {
    change: string
    kind: string
    name: string
    version?: string
    baselineVersion?: string
  }[]
  return pkgs
    .filter((p) => p.change === 'upgraded' || p.change === 'downgraded' || p.change === 'changed')
    .map((p) => ({ name: p.name, kind: p.kind, from: p.baselineVersion as string, to: p.version as string }))
}
