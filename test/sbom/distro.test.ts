import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFileTree } from '../../src/filetree/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import { DISTRO_FILES } from '../../src/sbom/distro.js'
import { detectDistro, parseOsRelease } from '../../src/sbom/index.js'

let tmp: string
let n = 0
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-distro-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

async function distroOf(files: Record<string, string>) {
  const root = join(tmp, `r${n++}`)
  mkdirSync(root)
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true })
    writeFileSync(join(root, p), c)
  }
  const { tree } = await buildFileTree(await openSource(parseImageRef(`fs://${root}`)), { requests: [DISTRO_FILES] })
  return detectDistro(tree)
}

describe('distro detection', () => {
  it('os-release quoting', () => {
    expect(
      parseOsRelease(
        'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME=\'Ubuntu 22.04.3 LTS\'\n# c\nNAME="A \\"quoted\\" name"\n',
      ),
    ).toEqual({
      ID: 'ubuntu',
      VERSION_ID: '22.04',
      PRETTY_NAME: 'Ubuntu 22.04.3 LTS',
      NAME: 'A "quoted" name',
    })
  })

  it.each([
    [
      { 'etc/os-release': 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' },
      { id: 'debian', versionId: '12', versionCodename: 'bookworm', source: '/etc/os-release' },
    ],
    [
      { 'usr/lib/os-release': 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n' },
      { id: 'rocky', versionId: '9.3', idLike: ['rhel', 'centos', 'fedora'], source: '/usr/lib/os-release' },
    ],
    [
      { 'etc/os-release': 'ID=alpine\nVERSION_ID=3.18.4\n', 'usr/lib/os-release': 'ID=debian\n' },
      { id: 'alpine', versionId: '3.18.4' },
    ],
    [{ 'etc/alpine-release': '3.19.1\n' }, { id: 'alpine', versionId: '3.19.1', source: '/etc/alpine-release' }],
    [
      { 'etc/redhat-release': 'CentOS Linux release 7.9.2009 (Core)\n' },
      { id: 'centos', versionId: '7.9.2009', source: '/etc/redhat-release' },
    ],
    [{ 'etc/redhat-release': 'Red Hat Enterprise Linux release 8.9 (Ootpa)\n' }, { id: 'rhel', versionId: '8.9' }],
    [{ 'etc/debian_version': '12.8\n' }, { id: 'debian', versionId: '12', source: '/etc/debian_version' }],
    [{ 'etc/debian_version': 'trixie/sid\n' }, { id: 'debian', versionCodename: 'trixie' }],
  ])('%j', async (files, want) => {
    expect(await distroOf(files)).toMatchObject(want)
  })

  it('nothing to go by: undefined', async () => {
    expect(await distroOf({ 'etc/hostname': 'x' })).toBeUndefined()
  })
})

describe('content caps', () => {
  it('a file over the per-file cap, or past the total, is recorded but not kept, with an issue', async () => {
    const root = join(tmp, 'caps')
    mkdirSync(join(root, 'data'), { recursive: true })
    writeFileSync(join(root, 'data/big'), Buffer.alloc(5000))
    writeFileSync(join(root, 'data/a'), Buffer.alloc(600))
    writeFileSync(join(root, 'data/b'), Buffer.alloc(600))
    const { tree, issues } = await buildFileTree(await openSource(parseImageRef(`fs://${root}`)), {
      requests: [{ globs: ['/data/*'], maxBytes: 1000 }],
      totalContentCap: 1000,
    })
    expect(tree.read('/data/big')).toBeUndefined()
    expect(tree.stat('/data/big')?.size).toBe(5000)
    expect(tree.read('/data/a')?.length).toBe(600)
    expect(tree.read('/data/b')).toBeUndefined()
    expect(issues.map((i) => [i.kind, i.location?.path, i.message.includes('per-file') ? 'file' : 'total'])).toEqual([
      ['truncated-content', '/data/b', 'total'],
      ['truncated-content', '/data/big', 'file'],
    ])
  })
})
