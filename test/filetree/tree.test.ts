import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFileTree, type FileTree } from '../../src/filetree/index.js'
import { TarParser } from '../../src/filetree/tar-parser.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import { gzipLayer, makeTar, type TarSpec, writeOciLayout } from '../helpers/make-image.js'

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-tree-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let n = 0
async function treeOf(layers: TarSpec[][], globs: string[] = ['/**'], allLayers = false): Promise<FileTree> {
  const d = join(tmp, `img${n++}`)
  writeOciLayout(
    d,
    layers.map((l) => gzipLayer(makeTar(l))),
  )
  const { tree } = await buildFileTree(await openSource(parseImageRef(`oci-dir://${d}`)), {
    requests: [{ globs, allLayers }],
  })
  return tree
}

describe('layered file index', () => {
  it('whiteouts delete, opaque directories empty what lower layers had, first/last layer per path', async () => {
    const tree = await treeOf([
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/keep', content: 'a' },
        { name: 'etc/gone', content: 'b' },
        { name: 'etc/changed', content: 'v1' },
        { name: 'opt/app/', type: 'dir' },
        { name: 'opt/app/old', content: 'x' },
        { name: 'opt/app/sub/deep', content: 'y' },
      ],
      [
        { name: 'etc/.wh.gone' },
        { name: 'etc/changed', content: 'v2' },
        // The opaque marker may come after the layer's own entries; they must survive it.
        { name: 'opt/app/new', content: 'z' },
        { name: 'opt/app/.wh..wh..opq' },
      ],
    ])
    expect(tree.stat('/etc/gone')).toBeUndefined()
    expect(tree.stat('/etc/keep')).toMatchObject({ firstLayer: 0, lastLayer: 0 })
    expect(tree.stat('/etc/changed')).toMatchObject({ firstLayer: 0, lastLayer: 1 })
    expect(tree.read('/etc/changed')?.toString()).toBe('v2')
    expect(tree.glob('/opt/app/**').map((f) => f.path)).toEqual(['/opt/app/new'])
    expect(tree.location('/etc/changed').layerIndex).toBe(1)
  })

  it('a deleted then re-added path starts again at the layer that re-added it', async () => {
    const tree = await treeOf([[{ name: 'f', content: '1' }], [{ name: '.wh.f' }], [{ name: 'f', content: '3' }]])
    expect(tree.stat('/f')).toMatchObject({ firstLayer: 2, lastLayer: 2 })
  })

  it('symlinks resolve inside the image; absolute targets are relative to the image root', async () => {
    const tree = await treeOf([
      [
        { name: 'usr/lib/real/', type: 'dir' },
        { name: 'usr/lib/real/file', content: 'data' },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { name: 'abs', type: 'symlink', linkname: '/usr/lib/real/file' },
        { name: 'usr/lib/rel', type: 'symlink', linkname: '../lib/real/file' },
        { name: 'dangling', type: 'symlink', linkname: '/nowhere' },
      ],
    ])
    expect(tree.read('/lib/real/file')?.toString()).toBe('data')
    expect(tree.stat('/lib/real/file')?.path).toBe('/usr/lib/real/file')
    expect(tree.read('/abs')?.toString()).toBe('data')
    expect(tree.read('/usr/lib/rel')?.toString()).toBe('data')
    expect(tree.stat('/abs', { noFollow: true })).toMatchObject({ type: 'symlink', linkTarget: '/usr/lib/real/file' })
    expect(tree.stat('/dangling')).toBeUndefined()
  })

  it('entries under a symlinked directory of a lower layer land in its target (merged /usr)', async () => {
    const tree = await treeOf([
      [
        { name: 'usr/lib/', type: 'dir' },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      ],
      [{ name: 'lib/x.so', content: 'elf' }],
    ])
    expect(tree.stat('/usr/lib/x.so')).toMatchObject({ firstLayer: 1, type: 'file' })
    expect(tree.stat('/lib', { noFollow: true })?.type).toBe('symlink')
  })

  it('hard links share their target content', async () => {
    const tree = await treeOf([
      [
        { name: 'bin/', type: 'dir' },
        { name: 'bin/a', content: 'same bytes' },
        { name: 'bin/b', type: 'hardlink', linkname: 'bin/a' },
      ],
    ])
    expect(tree.read('/bin/b')?.toString()).toBe('same bytes')
    expect(tree.stat('/bin/b')?.size).toBe(10)
  })

  it('history keeps each layer version of a requested file, including deletion', async () => {
    const tree = await treeOf(
      [
        [{ name: 'db', content: 'one' }],
        [{ name: 'other', content: '' }],
        [{ name: 'db', content: 'three' }],
        [{ name: '.wh.db' }],
      ],
      ['/db'],
      true,
    )
    expect(tree.history('/db').map((v) => [v.layerIndex, v.content?.toString()])).toEqual([
      [0, 'one'],
      [2, 'three'],
      [3, undefined],
    ])
  })

  it('keeps contents only of requested paths', async () => {
    const tree = await treeOf(
      [
        [
          { name: 'wanted', content: 'w' },
          { name: 'unwanted', content: 'u' },
        ],
      ],
      ['/wanted'],
    )
    expect(tree.read('/wanted')?.toString()).toBe('w')
    expect(tree.read('/unwanted')).toBeUndefined()
    expect(tree.stat('/unwanted')).toMatchObject({ hasContent: false, size: 1 })
  })
})

describe('inspectors', () => {
  it('see every byte of the files they accept, keep only their result, and a throw fails that file only', async () => {
    const d = join(tmp, `img${n++}`)
    const big = Buffer.alloc(300_000, 1)
    big.write('MAGIC', 0)
    writeOciLayout(d, [
      gzipLayer(
        makeTar([
          { name: 'bin/', type: 'dir' },
          { name: 'bin/tool', content: big, mode: 0o755 },
          { name: 'bin/script', content: '#!/bin/sh\n', mode: 0o755 },
          { name: 'bin/bad', content: Buffer.concat([Buffer.from('MAGIC'), Buffer.alloc(10)]), mode: 0o755 },
          { name: 'etc/conf', content: 'MAGIC but not executable' },
        ]),
      ),
    ])
    const seen: string[] = []
    const { tree } = await buildFileTree(await openSource(parseImageRef(`oci-dir://${d}`)), {
      requests: [],
      inspectors: [
        {
          id: 'count',
          headBytes: 5,
          accepts: (_p, size, mode) => size > 0 && (mode & 0o111) !== 0,
          open(path, head) {
            seen.push(path)
            if (head.toString() !== 'MAGIC') return undefined
            let bytes = 0
            return {
              write(chunk) {
                bytes += chunk.length
                if (path === '/bin/bad' && bytes > 10) throw new Error('garbled')
              },
              end: () => ({ ok: true, value: bytes }),
            }
          },
        },
      ],
    })
    expect(seen.sort()).toEqual(['/bin/bad', '/bin/script', '/bin/tool'])
    expect(tree.inspections('count').map((i) => [i.path, i.result])).toEqual([
      ['/bin/bad', { ok: false, error: 'garbled' }],
      ['/bin/tool', { ok: true, value: 300_000 }],
    ])
    expect(tree.read('/bin/tool')).toBeUndefined()
  })
})

describe('tar parser', () => {
  function parse(buf: Buffer, chunk: number) {
    const out: { name: string; type: string; data: string; linkname: string }[] = []
    let cur: { name: string; type: string; data: string; linkname: string } | undefined
    const p = new TarParser({
      onEntry: (e) => {
        cur = { name: e.name, type: e.type, data: '', linkname: e.linkname }
        out.push(cur)
      },
      onData: (c) => {
        if (cur) cur.data += c.toString('latin1')
      },
      onEntryEnd: () => {},
    })
    for (let i = 0; i < buf.length; i += chunk) p.push(buf.subarray(i, i + chunk))
    p.end()
    return out
  }

  it('reads GNU and pax long names and link names the same at any chunk size', () => {
    const src = join(tmp, 'long')
    const longDir = `${'d'.repeat(120)}/${'e'.repeat(90)}`
    mkdirSync(join(src, longDir), { recursive: true })
    writeFileSync(join(src, longDir, `${'f'.repeat(150)}.txt`), 'x'.repeat(1000))
    spawnSync('ln', ['-s', `${'t'.repeat(140)}`, join(src, 'link')])
    const results = ['gnu', 'posix'].map((format) => {
      const tar = join(tmp, `${format}.tar`)
      const r = spawnSync('tar', [`--format=${format}`, '-C', src, '-cf', tar, '.'])
      expect(r.status).toBe(0)
      const buf = readFileSync(tar)
      const whole = parse(buf, buf.length)
      for (const size of [1, 7, 511, 512, 513, 4096]) expect(parse(buf, size)).toEqual(whole)
      return whole.map((e) => ({ ...e, name: e.name.replace(/\/$/, '') })).sort((a, b) => a.name.localeCompare(b.name))
    })
    expect(results[0]).toEqual(results[1])
    const file = results[0]?.find((e) => e.name.endsWith('.txt'))
    expect(file?.name).toBe(`./${longDir}/${'f'.repeat(150)}.txt`)
    expect(file?.data).toBe('x'.repeat(1000))
    expect(results[0]?.find((e) => e.type === 'symlink')?.linkname).toBe('t'.repeat(140))
  })

  it('reports a stream that ends inside an entry', () => {
    const tar = makeTar([{ name: 'a', content: 'y'.repeat(2000) }])
    expect(() => parse(tar.subarray(0, 1200), 100)).toThrow(/ends inside "a"/)
  })
})
