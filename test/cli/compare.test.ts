import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ERROR_CODES } from '../../src/internal/index.js'
import { IMPORTERS, loadDbConfig, updateDb } from '../../src/vulndb/index.js'
import { cli } from '../helpers/cli.js'
import { FIXTURES, readTsv } from '../helpers/images.js'

/**
 * `compare` on two real images built from Debian packages (test/fixtures-build/bookworm-derived-images.sh): plain
 * bookworm with install-list.txt at its vulnerable versions, and the same package names from bookworm-security.
 * The DB holds the bookworm-derived advisories only, so ground-truth.tsv says exactly which vulnerabilities the
 * security updates remove.
 */
const DERIVED = join(FIXTURES, 'vulndata', 'debian-bookworm-derived')
let tmp: string
let cache: string
let plain: string
let security: string

interface Row {
  change: string
  kind: string
  name: string
  architecture?: string
  path: string
  version?: string
  baselineVersion?: string
  vulnerabilities: {
    added: { id: string; advisoryPackage: string; severity: string }[]
    removed: { id: string; advisoryPackage: string; severity: string }[]
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-compare-'))
  cache = join(tmp, 'cache')
  await updateDb({
    cacheDir: cache,
    config: loadDbConfig({ feedFlags: [`osv=${join(DERIVED, 'osv')}`], env: {} }),
    importers: IMPORTERS,
    only: ['osv'],
  })
  const oci = join(inject('derivedDir'), 'oci')
  plain = `oci-dir://${join(oci, 'bookworm-plain')}:1`
  security = `oci-dir://${join(oci, 'bookworm-security')}:1`
}, 300_000)

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function compare(args: string[]) {
  return cli(['compare', ...args, '--cache-dir', cache, '-q'])
}

function json(target: string, baseline: string, extra: string[] = []): { doc: Record<string, unknown>; rows: Row[] } {
  const r = compare([target, '--to', baseline, '--format', 'json', ...extra])
  expect(r.code, r.stderr).toBe(0)
  const doc = JSON.parse(r.stdout)
  return { doc, rows: doc.packages as Row[] }
}

/**
 * The installed packages of an OCI layout's single layer, read with tar and a paragraph split: `name:arch` →
 * version. Nothing of shipshape is used.
 */
function dpkgList(layout: string): Map<string, string> {
  const blob = (d: string) => join(layout, 'blobs', ...d.split(':'))
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'))
  expect(manifest.layers).toHaveLength(1)
  const r = spawnSync('tar', ['-xzOf', blob(manifest.layers[0].digest), './var/lib/dpkg/status'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  expect(r.status, r.stderr).toBe(0)
  const out = new Map<string, string>()
  for (const para of r.stdout.split(/\n\n+/)) {
    const field = (f: string) => para.match(new RegExp(`^${f}: (.*)$`, 'm'))?.[1]
    if (!/ installed$/.test(field('Status') ?? '')) continue
    out.set(`${field('Package')}:${field('Architecture')}`, field('Version') as string)
  }
  return out
}

function dpkgLess(a: string, b: string): boolean {
  return spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status === 0
}

const layoutOf = (ref: string) => ref.replace(/^oci-dir:\/\//, '').replace(/:1$/, '')

describe('shipshape compare on real images (plain bookworm against bookworm-security)', () => {
  it('shows exactly the version changes between the two dpkg databases, each a downgrade of plain', () => {
    const before = dpkgList(layoutOf(plain))
    const after = dpkgList(layoutOf(security))
    const want: string[] = []
    for (const [k, v] of before) {
      const w = after.get(k)
      if (w === undefined) want.push(`added ${k} ${v}`)
      else if (w !== v) want.push(`changed ${k} ${v} ${w}`)
    }
    for (const [k, w] of after) if (!before.has(k)) want.push(`removed ${k} ${w}`)
    expect(want.length).toBeGreaterThan(20)
    const { doc, rows } = json(plain, security)
    const deb = rows.filter((r) => r.kind === 'deb')
    const got = deb
      .filter((r) => r.change !== 'unchanged')
      .map((r) => {
        const k = `${r.name}:${r.architecture}`
        if (r.change === 'added') return `added ${k} ${r.version}`
        if (r.change === 'removed') return `removed ${k} ${r.baselineVersion}`
        return `changed ${k} ${r.version} ${r.baselineVersion}`
      })
    expect(got.sort()).toEqual(want.sort())
    expect(deb.filter((r) => r.change === 'unchanged')).toHaveLength(before.size - want.length)
    // Every change goes down from security to plain, by dpkg's own order.
    for (const r of deb.filter((r) => r.change !== 'unchanged')) {
      expect(r.change).toBe('downgraded')
      expect(dpkgLess(r.version as string, r.baselineVersion as string), `${r.name}`).toBe(true)
    }
    expect(doc.worse).toEqual({ vulnerability: true, package: true })
  })

  it('security --to plain: the vulnerabilities removed are exactly the ground-truth pairs, none added', () => {
    const want = [
      ...new Set(
        readTsv(join(DERIVED, 'ground-truth.tsv'))
          .slice(1)
          .map((r) => `${r[0]} ${r[4]}`),
      ),
    ].sort()
    const { doc, rows } = json(security, plain)
    const removed = new Set(rows.flatMap((r) => r.vulnerabilities.removed.map((v) => `${v.advisoryPackage} ${v.id}`)))
    expect([...removed].sort()).toEqual(want)
    expect(rows.flatMap((r) => r.vulnerabilities.added)).toEqual([])
    const summary = doc.summary as { vulnerabilities: { added: number; removed: number } }
    expect(summary.vulnerabilities.added).toBe(0)
    expect(summary.vulnerabilities.removed).toBe(rows.reduce((n, r) => n + r.vulnerabilities.removed.length, 0))
    expect((doc.target as { vulnerabilities: Record<string, number> }).vulnerabilities).toEqual({
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      unspecified: 0,
    })
    expect(doc.worse).toEqual({ vulnerability: false, package: true })
  })

  it('-x vulnerability exits 2 when the target is plain, 0 the other way; -x package exits 2 both ways', () => {
    const worse = compare([plain, '--to', security, '-x', 'vulnerability'])
    expect(worse.code, worse.stderr).toBe(2)
    expect(worse.stdout).toMatch(/^## Overview$/m)
    const better = compare([security, '--to', plain, '-x', 'vulnerability'])
    expect(better.code, better.stderr).toBe(0)
    expect(compare([security, '--to', plain, '--exit-on', 'vulnerability,package']).code).toBe(2)
    expect(compare([plain, '--to', plain, '-x', 'vulnerability', '-x', 'package']).code).toBe(0)
  })

  it('text and markdown: overview with both images and the delta row, package rows with their changes', () => {
    const t = compare([plain, '--to', security, '--ignore-unchanged'])
    expect(t.code, t.stderr).toBe(0)
    expect(t.stdout).toMatch(
      /^ {2}Target +│ {2}oci-dir:\/\/\S+bookworm-plain:1 +│ {2}oci-dir:\/\/\S+bookworm-security:1$/m,
    )
    expect(t.stdout).toMatch(/^ {4}vulnerabilities +│ +0C +\d+H +\d+M +0L +0\? +│ +0C +0H +0M +0L +0\?$/m)
    expect(t.stdout).toMatch(/^ +│ {8,11}\+\d+ +\+\d+ *│$/m) // blank under C, L and ?
    expect(t.stdout).toMatch(/^ {2}↓ +apt +deb +2\.6\.1 +2\.6\.2 +1M +\+1M$/m)
    expect(t.stdout).toMatch(/^ {8}\+ MEDIUM +CVE-2026-109518 {2}fixed in 2\.6\.2$/m)
    expect(t.stdout).not.toMatch(/^ {5}zlib1g /m) // unchanged rows left out
    const alias = cli(['diff', security, '--to', plain, '--cache-dir', cache, '-q', '--format', 'markdown'])
    expect(alias.code, alias.stderr).toBe(0)
    expect(alias.stdout).toMatch(/^\| \| Analyzed image \| Comparison image \|$/m)
    expect(alias.stdout).toMatch(
      /^\| ↑ \| apt \| deb \| `2\.6\.2` \| `2\.6\.1` \| {2}\| -1M \| {2}\| CVE-2026-109518 \(M\) \|$/m,
    )
  })

  it('--only-severity keeps only those levels on both sides', () => {
    const { doc, rows } = json(security, plain, ['--only-severity', 'medium'])
    const delta = (doc.delta as { vulnerabilities: Record<string, number> }).vulnerabilities
    expect(delta).toMatchObject({ critical: 0, high: 0, low: 0, unspecified: 0 })
    expect(delta.medium).toBeLessThan(0)
    const removed = rows.flatMap((r) => r.vulnerabilities.removed)
    expect(removed.length).toBe(-(delta.medium as number))
    expect(removed.every((v) => v.severity === 'medium')).toBe(true)
    expect(removed.some((v) => v.id === 'CVE-2026-109518')).toBe(true) // apt, urgency medium
  })

  it('an SBOM on one side (sbom://) gives the same comparison as the image', () => {
    const file = join(tmp, 'plain.sbom.json')
    const s = cli(['sbom', plain, '--format', 'json', '-o', file])
    expect(s.code, s.stderr).toBe(0)
    const fromImage = json(plain, security)
    const fromSbom = json(`sbom://${file}`, security)
    expect(fromSbom.rows).toEqual(fromImage.rows)
    expect(fromSbom.doc.summary).toEqual(fromImage.doc.summary)
    expect(fromSbom.doc.delta).toEqual(fromImage.doc.delta)
    const reverse = json(security, `sbom://${file}`)
    expect(reverse.doc.summary).toEqual(json(security, plain).doc.summary)
  })

  it('-o writes the file (and nothing on stdout)', () => {
    const out = join(tmp, 'compare.md')
    const r = compare([security, '--to', plain, '--format', 'markdown', '-o', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('')
    expect(readFileSync(out, 'utf8')).toMatch(/^### shipshape: /)
    const bad = compare([security, '--to', plain, '-o', join(tmp, 'no', 'such', 'dir', 'x.txt')])
    expect(bad.code).toBe(ERROR_CODES.OUTPUT)
    expect(existsSync(join(tmp, 'no'))).toBe(false)
  })

  it.each([[['--format', 'xml']], [['-x', 'everything']], [['--only-severity', 'severe']]])(
    'bad flag %j: exit 3 and one line',
    (extra) => {
      const r = compare([plain, '--to', security, ...extra])
      expect(r.code).toBe(ERROR_CODES.USAGE)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stdout).toBe('')
    },
  )

  it('--to is required', () => {
    const r = compare([plain])
    expect(r.code).toBe(ERROR_CODES.USAGE)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})
