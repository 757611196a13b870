import { describe, expect, it } from 'vitest'
import { parseRpmHeader, RpmHeader, RpmHeaderError, RpmTag } from '../../../src/sbom/catalogers/rpm/index.js'
import { buildHeader, buildPackageHeader, type TagSpec } from './helpers.js'

const BASE: TagSpec[] = [
  { tag: RpmTag.NAME, type: 'string', value: 'openssl-libs' },
  { tag: RpmTag.VERSION, type: 'string', value: '3.0.7' },
  { tag: RpmTag.RELEASE, type: 'string', value: '24.el9' },
]

/** Index entry `i` of a built header: byte offset of its {tag, type, offset, count}. */
const entryAt = (i: number) => 8 + i * 16

describe('rpm header blobs', () => {
  it('reads every field the cataloger uses', () => {
    const blob = buildHeader([
      ...BASE,
      { tag: RpmTag.EPOCH, type: 'int32', value: [1] },
      { tag: RpmTag.SUMMARY, type: 'i18n', value: 'A general purpose cryptography library' },
      { tag: RpmTag.SIZE, type: 'int32', value: [6_123_456] },
      { tag: RpmTag.VENDOR, type: 'string', value: 'Rocky Enterprise Software Foundation' },
      { tag: RpmTag.LICENSE, type: 'string', value: 'ASL 2.0' },
      { tag: RpmTag.ARCH, type: 'string', value: 'x86_64' },
      { tag: RpmTag.SOURCERPM, type: 'string', value: 'openssl-3.0.7-24.el9.src.rpm' },
      { tag: RpmTag.DIRINDEXES, type: 'int32', value: [0, 1, 1] },
      { tag: RpmTag.BASENAMES, type: 'strings', value: ['libssl.so.3', 'README', 'LICENSE'] },
      { tag: RpmTag.DIRNAMES, type: 'strings', value: ['/usr/lib64/', '/usr/share/doc/openssl-libs/'] },
      { tag: RpmTag.MODULARITYLABEL, type: 'string', value: 'nodejs:18:9020020230801:rhel9' },
    ])
    expect(parseRpmHeader(blob)).toEqual({
      name: 'openssl-libs',
      version: '3.0.7',
      release: '24.el9',
      epoch: 1,
      arch: 'x86_64',
      sourceRpm: 'openssl-3.0.7-24.el9.src.rpm',
      vendor: 'Rocky Enterprise Software Foundation',
      license: 'ASL 2.0',
      summary: 'A general purpose cryptography library',
      size: 6_123_456,
      modularityLabel: 'nodejs:18:9020020230801:rhel9',
      files: ['/usr/lib64/libssl.so.3', '/usr/share/doc/openssl-libs/README', '/usr/share/doc/openssl-libs/LICENSE'],
    })
  })

  it('epoch 0 in the header is kept; no EPOCH tag means no epoch', () => {
    expect(parseRpmHeader(buildHeader([...BASE, { tag: RpmTag.EPOCH, type: 'int32', value: [0] }])).epoch).toBe(0)
    expect(parseRpmHeader(buildHeader(BASE))).not.toHaveProperty('epoch')
  })

  it('the old flat FILENAMES list is used when there are no BASENAMES', () => {
    const blob = buildHeader([...BASE, { tag: RpmTag.OLDFILENAMES, type: 'strings', value: ['/etc/a', '/etc/b'] }])
    expect(parseRpmHeader(blob).files).toEqual(['/etc/a', '/etc/b'])
  })

  it('LONGSIZE (INT64) wins over SIZE', () => {
    const blob = buildHeader([
      ...BASE,
      { tag: RpmTag.SIZE, type: 'int32', value: [1] },
      { tag: RpmTag.LONGSIZE, type: 'int64', value: [5_000_000_000] },
    ])
    expect(parseRpmHeader(blob).size).toBe(5_000_000_000)
  })

  it('a tag repeated after the region (a dribble entry) replaces the earlier one', () => {
    const blob = buildHeader([...BASE, { tag: RpmTag.RELEASE, type: 'string', value: '25.el9' }])
    expect(parseRpmHeader(blob).release).toBe('25.el9')
  })

  it('skips the region tag like any other binary entry', () => {
    const trailer = new Uint8Array(16)
    const blob = buildHeader([{ tag: RpmTag.HEADERIMMUTABLE, type: 'bin', value: trailer }, ...BASE])
    expect(parseRpmHeader(blob).name).toBe('openssl-libs')
    expect(RpmHeader.parse(blob).has(RpmTag.HEADERIMMUTABLE)).toBe(true)
  })

  it('round-trips a builder package', () => {
    const blob = buildPackageHeader({ name: 'x', version: '1', release: '2', arch: 'noarch', files: ['/a/b', '/c'] })
    expect(parseRpmHeader(blob)).toMatchObject({ name: 'x', version: '1', release: '2', files: ['/a/b', '/c'] })
  })
})

describe('damaged header blobs are errors, never out-of-range reads', () => {
  const good = () => buildHeader([...BASE, { tag: RpmTag.ARCH, type: 'string', value: 'x86_64' }])
  const bad = (mutate: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(good())
    mutate(b)
    return b
  }
  const cases: [string, Buffer | Uint8Array, RegExp][] = [
    ['empty', Buffer.alloc(0), /shorter than its 8-byte intro/],
    ['intro only', Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]), /intro says/],
    ['negative il', bad((b) => b.writeInt32BE(-1, 0)), /bad index entry count/],
    ['huge il', bad((b) => b.writeInt32BE(0x7fffffff, 0)), /bad index entry count/],
    ['dl larger than the blob', bad((b) => b.writeInt32BE(b.readInt32BE(4) + 1, 4)), /intro says/],
    ['blob truncated', good().subarray(0, good().length - 3), /intro says/],
    ['offset past the data', bad((b) => b.writeInt32BE(10_000, entryAt(1) + 8)), /offset outside the data store/],
    ['negative offset', bad((b) => b.writeInt32BE(-4, entryAt(1) + 8)), /offset outside the data store/],
    ['string starting at the very end', bad((b) => b.writeInt32BE(b.readInt32BE(4), entryAt(0) + 8)), /runs past/],
    ['unknown type', bad((b) => b.writeInt32BE(17, entryAt(0) + 4)), /unknown type/],
    ['INT32 run past the store', bad((b) => b.writeInt32BE(4, entryAt(3) + 4)), /misaligned|runs past the store/],
    [
      'string array count too large',
      bad((b) => {
        b.writeInt32BE(8, entryAt(2) + 4)
        b.writeInt32BE(50, entryAt(2) + 12)
      }),
      /runs past the store/,
    ],
    ['negative count', bad((b) => b.writeInt32BE(-1, entryAt(0) + 12)), /bad count/],
  ]
  for (const [what, blob, msg] of cases) {
    it(what, () => {
      expect(() => parseRpmHeader(blob)).toThrowError(RpmHeaderError)
      expect(() => parseRpmHeader(blob)).toThrowError(msg)
    })
  }

  it('an unterminated last string', () => {
    const b = Buffer.from(good())
    b[b.length - 1] = 0x41 // overwrite the final NUL of ARCH
    expect(() => parseRpmHeader(b)).toThrowError(/runs past the store/)
  })

  it('a DIRINDEXES entry pointing past DIRNAMES', () => {
    const blob = buildHeader([
      ...BASE,
      { tag: RpmTag.DIRINDEXES, type: 'int32', value: [0, 5] },
      { tag: RpmTag.BASENAMES, type: 'strings', value: ['a', 'b'] },
      { tag: RpmTag.DIRNAMES, type: 'strings', value: ['/x/'] },
    ])
    expect(() => parseRpmHeader(blob)).toThrowError(/DIRINDEXES\[1\] points past/)
  })

  it('BASENAMES and DIRINDEXES of different lengths', () => {
    const blob = buildHeader([
      ...BASE,
      { tag: RpmTag.DIRINDEXES, type: 'int32', value: [0] },
      { tag: RpmTag.BASENAMES, type: 'strings', value: ['a', 'b'] },
      { tag: RpmTag.DIRNAMES, type: 'strings', value: ['/x/'] },
    ])
    expect(() => parseRpmHeader(blob)).toThrowError(/2 BASENAMES but 1 DIRINDEXES/)
  })

  it('no NAME, a NAME of the wrong type', () => {
    expect(() => parseRpmHeader(buildHeader(BASE.slice(1)))).toThrowError(/no NAME/)
    const blob = buildHeader([{ tag: RpmTag.NAME, type: 'int32', value: [7] }, ...BASE.slice(1)])
    expect(() => parseRpmHeader(blob)).toThrowError(/not a string/)
  })

  it('random bytes never escape as anything but RpmHeaderError', () => {
    let seed = 42
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    const base = good()
    for (let n = 0; n < 2000; n++) {
      const b = Buffer.from(base)
      for (let k = 0; k < 1 + (rnd() % 4); k++) b[rnd() % b.length] = rnd() & 0xff
      try {
        parseRpmHeader(b)
      } catch (e) {
        expect(e).toBeInstanceOf(RpmHeaderError)
      }
    }
  })
})
