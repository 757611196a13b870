import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isShipshapeError } from '../../src/internal/index.js'
import { crc32, openZip, openZipBuffer, safeName, type ZipArchive } from '../../src/internal/zip.js'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shipshape-zip-'))
  writeFileSync(join(dir, 'a.txt'), 'hello\n')
  writeFileSync(join(dir, 'b.txt'), Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n'))
  writeFileSync(join(dir, 'ünï.txt'), 'unicode name\n')
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

function zipCmd(args: string[]): void {
  execFileSync('zip', ['-q', '-X', ...args], { cwd: dir })
}

async function contents(z: ZipArchive): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const e of z.entries) out[e.name] = (await e.read()).toString('utf8')
  return out
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; where?: string }> {
  try {
    await p
  } catch (e) {
    if (isShipshapeError(e)) return { code: e.code, message: e.message, where: e.where }
    throw e
  }
  throw new Error('expected a failure')
}

interface HandEntry {
  name: string
  data: Buffer
  method?: 0 | 8
  /** What the headers declare, when it should lie. */
  declaredSize?: number
  crc?: number
  flags?: number
}

/** A zip written by hand, byte by byte, so that headers can lie. */
function handZip(entries: HandEntry[], prefix = Buffer.alloc(0)): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const method = e.method ?? 8
    const name = Buffer.from(e.name, 'utf8')
    const body = method === 8 ? deflateRawSync(e.data) : e.data
    const crc = e.crc ?? crc32(e.data)
    const size = e.declaredSize ?? e.data.length
    const flags = (e.flags ?? 0) | 0x800
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, body)
    centrals.push(central, name)
    offset += local.length + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(entries.length & 0xffff, 8)
  eocd.writeUInt16LE(entries.length & 0xffff, 10)
  eocd.writeUInt32LE(cd.length, 12)
  eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([prefix, ...locals, cd, eocd])
}

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    expect(crc32(Buffer.alloc(0))).toBe(0)
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339)
    // Incremental: the CRC of a whole equals continuing over its parts, at every split (slicing-by-8 edges).
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff))
    const whole = crc32(data)
    for (const cut of [0, 1, 7, 8, 9, 500, 999]) {
      expect(crc32(data.subarray(cut), crc32(data.subarray(0, cut)))).toBe(whole)
    }
  })
})

describe('openZip on archives made by the zip command', () => {
  it('reads deflated and stored members, with UTF-8 names', async () => {
    zipCmd(['deflated.zip', 'a.txt', 'b.txt', 'ünï.txt'])
    zipCmd(['-0', 'stored.zip', 'a.txt', 'b.txt'])
    const b = readFileSync(join(dir, 'b.txt'), 'utf8')
    const z = await openZip(join(dir, 'deflated.zip'))
    expect(z.entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['a.txt', 0, 6], // zip stores what deflate cannot shrink
      ['b.txt', 8, b.length],
      ['ünï.txt', 0, 13],
    ])
    expect(z.entries[1]?.compressedSize).toBeLessThan(b.length)
    expect(await contents(z)).toEqual({ 'a.txt': 'hello\n', 'b.txt': b, 'ünï.txt': 'unicode name\n' })
    await z.close()

    const s = await openZip(join(dir, 'stored.zip'))
    expect(s.entries.map((e) => e.method)).toEqual([0, 0])
    expect(s.entries[1]?.compressedSize).toBe(b.length)
    expect(await contents(s)).toEqual({ 'a.txt': 'hello\n', 'b.txt': b })
    await s.close()
  })

  it('reads ZIP64 (zip -fz): the ZIP64 end record, its locator and the ZIP64 extra fields', async () => {
    zipCmd(['-fz', 'z64.zip', 'a.txt', 'b.txt'])
    const raw = readFileSync(join(dir, 'z64.zip'))
    // The plain end record is saturated, so only the ZIP64 record gives the directory's offset.
    expect(raw.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBeGreaterThan(0)
    expect(raw.readUInt32LE(raw.length - 22 + 16)).toBe(0xffffffff)
    const z = await openZip(join(dir, 'z64.zip'))
    expect(await contents(z)).toEqual({ 'a.txt': 'hello\n', 'b.txt': readFileSync(join(dir, 'b.txt'), 'utf8') })
    await z.close()
  })

  it('reads directories and a zip with data before it (a launcher script)', async () => {
    execFileSync('mkdir', ['-p', join(dir, 'sub/deeper')])
    writeFileSync(join(dir, 'sub/deeper/c.txt'), 'c')
    zipCmd(['-r', 'tree.zip', 'sub'])
    const script = Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n')
    writeFileSync(join(dir, 'launcher.zip'), Buffer.concat([script, readFileSync(join(dir, 'tree.zip'))]))
    for (const f of ['tree.zip', 'launcher.zip']) {
      const z = await openZip(join(dir, f))
      expect(z.entries.map((e) => [e.name, e.isDirectory])).toEqual([
        ['sub/', true],
        ['sub/deeper/', true],
        ['sub/deeper/c.txt', false],
      ])
      expect((await z.entries[2]?.read())?.toString()).toBe('c')
      await z.close()
    }
  })

  it('refuses encrypted members, and lists them', async () => {
    zipCmd(['-P', 'secret', 'enc.zip', 'a.txt'])
    const z = await openZip(join(dir, 'enc.zip'))
    expect(z.entries[0]?.encrypted).toBe(true)
    const f = await failure(z.entries[0]!.read())
    expect(f.code).toBe('UNSUPPORTED')
    expect(f.message).toMatch(/encrypted/)
    await z.close()
  })

  it('a truncated file is a CORRUPT_ARCHIVE naming the file', async () => {
    zipCmd(['trunc-src.zip', 'a.txt', 'b.txt'])
    const raw = readFileSync(join(dir, 'trunc-src.zip'))
    const path = join(dir, 'truncated.zip')
    writeFileSync(path, raw.subarray(0, Math.floor(raw.length / 2)))
    const f = await failure(openZip(path))
    expect(f).toMatchObject({ code: 'CORRUPT_ARCHIVE', where: path })
    expect(f.message).toMatch(/no end of central directory/)
    // Cut off only the end record's last byte: still not a zip.
    writeFileSync(path, raw.subarray(0, raw.length - 1))
    expect((await failure(openZip(path))).code).toBe('CORRUPT_ARCHIVE')
    // Empty and tiny files.
    writeFileSync(path, '')
    expect((await failure(openZip(path))).message).toMatch(/too short/)
    // Not there at all.
    expect((await failure(openZip(join(dir, 'missing.zip')))).code).toBe('NOT_FOUND')
  })

  it('a flipped data byte fails the CRC-32 check; the other members still read', async () => {
    zipCmd(['-0', 'crc.zip', 'a.txt', 'b.txt'])
    const raw = Buffer.from(readFileSync(join(dir, 'crc.zip')))
    const at = raw.indexOf(Buffer.from('hello\n'))
    raw[at] = 'j'.charCodeAt(0)
    const z = await openZipBuffer(raw, { where: 'crc.zip' })
    const f = await failure(z.entries[0]!.read())
    expect(f).toMatchObject({ code: 'CORRUPT_ARCHIVE', where: 'crc.zip' })
    expect(f.message).toMatch(/"a\.txt" fails its CRC-32 check/)
    expect((await z.entries[1]!.read()).toString()).toBe(readFileSync(join(dir, 'b.txt'), 'utf8'))
  })
})

describe('hand-made archives', () => {
  it('zip-slip names are kept raw, and safeName refuses them', async () => {
    const z = await openZipBuffer(
      handZip([
        { name: '../../etc/passwd', data: Buffer.from('x') },
        { name: '/abs/path', data: Buffer.from('x') },
        { name: 'dir\\..\\win', data: Buffer.from('x') },
        { name: 'C:/windows', data: Buffer.from('x') },
        { name: './ok//fine/./file.json', data: Buffer.from('{}') },
      ]),
    )
    expect(z.entries.map((e) => e.name)).toEqual([
      '../../etc/passwd',
      '/abs/path',
      'dir\\..\\win',
      'C:/windows',
      './ok//fine/./file.json',
    ])
    expect(z.entries.map((e) => safeName(e))).toEqual([undefined, undefined, undefined, undefined, 'ok/fine/file.json'])
    expect(safeName('a/b/../c')).toBeUndefined()
    expect(safeName('a/b/')).toBe('a/b')
    expect(safeName('./')).toBeUndefined()
    // Reading is still allowed: the bytes are harmless, only extraction paths are not.
    expect((await z.entries[4]!.read()).toString()).toBe('{}')
  })

  it('a member claiming a small size that inflates larger is refused as a bomb', async () => {
    const big = Buffer.alloc(1 << 20, 'A')
    const z = await openZipBuffer(
      handZip([
        { name: 'bomb.json', data: big, declaredSize: 100 },
        { name: 'short.json', data: Buffer.from('0123456789'), declaredSize: 20 },
        { name: 'fine.json', data: Buffer.from('[1]') },
      ]),
    )
    expect(z.entries[0]?.size).toBe(100)
    const f = await failure(z.entries[0]!.read())
    expect(f.code).toBe('DECOMPRESSION_BOMB')
    expect(f.message).toMatch(/inflates to more than the 100 bytes it declares/)
    // Fewer bytes than declared is a corrupt member, not a bomb.
    expect((await failure(z.entries[1]!.read())).message).toMatch(/inflates to 10 bytes but declares 20/)
    expect((await z.entries[2]!.read()).toString()).toBe('[1]')
  })

  it('caps member size and member count', async () => {
    const buf = handZip([
      { name: 'a', data: Buffer.alloc(4096) },
      { name: 'b', data: Buffer.alloc(10) },
    ])
    const z = await openZipBuffer(buf, { maxEntrySize: 1000 })
    expect((await failure(z.entries[0]!.read())).code).toBe('DECOMPRESSION_BOMB')
    expect((await z.entries[1]!.read()).length).toBe(10)
    expect((await failure(openZipBuffer(buf, { maxEntries: 1 }))).code).toBe('DECOMPRESSION_BOMB')
  })

  it('a wrong CRC in the headers, a bad local header and a bad method are each reported', async () => {
    const z = await openZipBuffer(
      handZip([
        { name: 'crc', data: Buffer.from('data'), crc: 0x12345678 },
        { name: 'm', data: Buffer.from('data'), method: 0 },
      ]),
    )
    expect((await failure(z.entries[0]!.read())).message).toMatch(/CRC-32.*expected 12345678/)
    const raw = handZip([{ name: 'x', data: Buffer.from('data'), method: 0 }])
    raw.writeUInt32LE(0, 0) // destroy the local header signature
    const z2 = await openZipBuffer(raw)
    expect((await failure(z2.entries[0]!.read())).message).toMatch(/no local header/)
    const raw3 = handZip([{ name: 'x', data: Buffer.from('data'), method: 0 }])
    const cd = raw3.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    raw3.writeUInt16LE(12, cd + 10) // bzip2
    const z3 = await openZipBuffer(raw3)
    expect((await failure(z3.entries[0]!.read())).code).toBe('UNSUPPORTED')
  })

  it('a damaged central directory is a CORRUPT_ARCHIVE', async () => {
    const raw = handZip([{ name: 'x', data: Buffer.from('data') }])
    const cd = raw.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    raw.writeUInt32LE(0xdeadbeef, cd)
    expect((await failure(openZipBuffer(raw))).code).toBe('CORRUPT_ARCHIVE')
    const raw2 = handZip([{ name: 'x'.repeat(100), data: Buffer.from('data') }])
    raw2.writeUInt16LE(2, raw2.length - 22 + 10) // the end record claims 2 members
    expect((await failure(openZipBuffer(raw2))).message).toMatch(/holds 1 members but its end record says 2/)
    raw2.writeUInt16LE(5, raw2.length - 22 + 10) // 5 members cannot fit in the directory's size
    expect((await failure(openZipBuffer(raw2))).message).toMatch(/does not fit 5 members/)
  })

  it('more than 65,535 members without ZIP64: the 16-bit count wraps and the directory decides', async () => {
    const entries = Array.from({ length: 70_000 }, (_, i) => ({
      name: `f${i}`,
      data: Buffer.alloc(0),
      method: 0 as const,
    }))
    const z = await openZipBuffer(handZip(entries))
    expect(z.entries.length).toBe(70_000)
    expect(z.entries[69_999]?.name).toBe('f69999')
    expect((await z.entries[69_999]!.read()).length).toBe(0)
  })

  it('members overlapping one another (the overlapping-member zip bomb) are refused', async () => {
    const one = handZip([{ name: 'kernel', data: Buffer.alloc(100_000, 'A') }])
    const cdAt = one.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    const central = one.subarray(cdAt, one.length - 22)
    // A second directory entry with its own name over the same local header and data.
    const second = Buffer.from(central)
    second.write('kernex', 46)
    const eocd = Buffer.from(one.subarray(one.length - 22))
    eocd.writeUInt16LE(2, 8)
    eocd.writeUInt16LE(2, 10)
    eocd.writeUInt32LE(central.length * 2, 12)
    const bomb = Buffer.concat([one.subarray(0, cdAt), central, second, eocd])
    const f = await failure(openZipBuffer(bomb))
    expect(f.code).toBe('DECOMPRESSION_BOMB')
    expect(f.message).toMatch(/overlap/)
  })

  it('an empty zip has no members', async () => {
    const z = await openZipBuffer(handZip([]))
    expect(z.entries).toEqual([])
  })

  it('a zip inside a zip reads from memory', async () => {
    const inner = handZip([{ name: 'META-INF/MANIFEST.MF', data: Buffer.from('Manifest-Version: 1.0\n') }])
    const outer = await openZipBuffer(handZip([{ name: 'lib/inner.jar', data: inner, method: 0 }]))
    const z = await openZipBuffer(await outer.entries[0]!.read(), { where: 'outer.jar!/lib/inner.jar' })
    expect((await z.entries[0]!.read()).toString()).toBe('Manifest-Version: 1.0\n')
  })
})
