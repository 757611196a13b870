import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGzip } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../src/internal/index.js'
import { cli } from '../helpers/cli.js'
import { REPO } from '../helpers/images.js'
import { debianRoot, gzipLayer, makeTar, statusParagraph, tarHeader, writeOciLayout } from '../helpers/make-image.js'

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-bad-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function dir(name: string): string {
  const d = join(tmp, name)
  mkdirSync(d, { recursive: true })
  return d
}

const GOOD_STATUS = [statusParagraph('base-files', '12.4'), statusParagraph('zlib1g', '1:1.2.13.dfsg-1')].join('\n')

/** Runs `sbom` with an output file and checks the common contract: one line, the exit code, nothing written. */
function expectFailure(
  ref: string,
  code: keyof typeof ERROR_CODES,
  mentions: (string | RegExp)[],
  extra: string[] = [],
) {
  const out = join(tmp, `out-${Math.random().toString(36).slice(2)}.json`)
  const r = cli(['sbom', ref, '--format', 'json', '--output', out, ...extra])
  expect(r.stderr.split('\n').filter(Boolean), r.stderr).toHaveLength(1)
  expect(r.code, r.stderr).toBe(ERROR_CODES[code])
  expect(r.stderr).not.toMatch(/\n\s+at /)
  for (const m of mentions) expect(r.stderr).toMatch(m)
  expect(r.stdout).toBe('')
  expect(existsSync(out)).toBe(false)
  return r
}

describe('bad input: one clear line, a distinct exit code, nothing written', () => {
  it('every error code has its own exit status', () => {
    const codes = Object.values(ERROR_CODES)
    expect(new Set(codes).size).toBe(codes.length)
    expect(codes).not.toContain(0)
    expect(codes).not.toContain(2)
  })

  it('missing file', () => {
    expectFailure(`archive://${join(tmp, 'nope.tar')}`, 'NOT_FOUND', [/no such file/, /nope\.tar/])
    expectFailure(join(tmp, 'nope.tar'), 'NOT_FOUND', [/nope\.tar/])
  })

  it('not an image: a text file, and a tar without an image in it', () => {
    const txt = join(tmp, 'notes.tar')
    writeFileSync(txt, 'hello, I am not a tar archive\n'.repeat(40))
    expectFailure(`archive://${txt}`, 'NOT_AN_IMAGE', [/not a tar archive/, /notes\.tar/])
    const plain = join(tmp, 'plain.tar')
    writeFileSync(plain, makeTar([{ name: 'hello.txt', content: 'hi' }]))
    expectFailure(`archive://${plain}`, 'NOT_AN_IMAGE', [/no oci-layout/, /plain\.tar/])
  })

  it('truncated gzip layer (consistent digests: the producer wrote a short blob)', () => {
    const d = dir('truncated-gzip')
    const layer = gzipLayer(makeTar(debianRoot(GOOD_STATUS, [{ name: 'big', content: Buffer.alloc(200_000, 7) }])))
    const short = layer.blob.subarray(0, Math.floor(layer.blob.length / 2))
    writeOciLayout(d, [{ ...layer, blob: short }])
    expectFailure(`oci-dir://${d}`, 'CORRUPT_LAYER', [/layer 0/, /gzip/, /unexpected end of file/, new RegExp(d)])
  })

  it('truncated archive file', () => {
    const d = dir('truncated-archive-src')
    writeOciLayout(d, [gzipLayer(makeTar(debianRoot(GOOD_STATUS)))])
    const tar = join(tmp, 'truncated.tar')
    spawnSync('tar', ['-C', d, '-cf', tar, '.'])
    truncateSync(tar, statSync(tar).size - 4000)
    expectFailure(`archive://${tar}`, 'CORRUPT_ARCHIVE', [/truncated/, /truncated\.tar/])
  })

  it('corrupt tar header inside a layer', () => {
    const d = dir('corrupt-header')
    const tar = makeTar(debianRoot(GOOD_STATUS, [{ name: 'etc/hostname', content: 'x' }]))
    // Garble the name of the last entry's header without fixing its checksum.
    const at = tar.length - 1024 - 1024
    tar.write('garbage!', at, 'ascii')
    writeOciLayout(d, [gzipLayer(tar)])
    expectFailure(`oci-dir://${d}`, 'CORRUPT_LAYER', [/corrupt tar header at byte \d+/, /layer 0/])
  })

  it('a blob whose digest is wrong names the blob', () => {
    const d = dir('wrong-digest')
    const fake = `sha256:${'ab'.repeat(32)}`
    writeOciLayout(d, [gzipLayer(makeTar(debianRoot(GOOD_STATUS)))], { layerDigest: () => fake })
    expectFailure(`oci-dir://${d}`, 'DIGEST_MISMATCH', [fake, /does not match/])
  })

  it('a diff_id that does not match the layer content', () => {
    const d = dir('wrong-diffid')
    const fake = `sha256:${'cd'.repeat(32)}`
    writeOciLayout(d, [gzipLayer(makeTar(debianRoot(GOOD_STATUS)))], { diffId: () => fake })
    expectFailure(`oci-dir://${d}`, 'DIGEST_MISMATCH', [fake, /diff_id/])
  })

  it('a tampered manifest blob', () => {
    const d = dir('tampered-manifest')
    const { manifestDigest } = writeOciLayout(d, [gzipLayer(makeTar(debianRoot(GOOD_STATUS)))])
    const p = join(d, 'blobs', 'sha256', manifestDigest.slice(7))
    writeFileSync(p, readFileSync(p, 'utf8').replace('"schemaVersion":2', '"schemaVersion": 2'))
    expectFailure(`oci-dir://${d}`, 'DIGEST_MISMATCH', [manifestDigest])
  })

  it('a tar entry ../../etc/passwd', () => {
    const d = dir('traversal')
    writeOciLayout(d, [
      gzipLayer(makeTar(debianRoot(GOOD_STATUS, [{ name: '../../etc/passwd', content: 'root:x:0:0::/:/bin/sh\n' }]))),
    ])
    expectFailure(`oci-dir://${d}`, 'PATH_TRAVERSAL', [/\.\.\/\.\.\/etc\/passwd/, /escapes the image root/, /layer 0/])
  })

  it('a hard link whose target climbs out of the root', () => {
    const d = dir('hardlink-out')
    writeOciLayout(d, [
      gzipLayer(
        makeTar(debianRoot(GOOD_STATUS, [{ name: 'etc/shadow', type: 'hardlink', linkname: '../../../etc/shadow' }])),
      ),
    ])
    expectFailure(`oci-dir://${d}`, 'PATH_TRAVERSAL', [/etc\/shadow/])
  })

  it('an absolute-path entry', () => {
    const d = dir('absolute')
    writeOciLayout(d, [
      gzipLayer(makeTar(debianRoot(GOOD_STATUS, [{ name: '/etc/cron.d/evil', content: '* * * * * root sh\n' }]))),
    ])
    expectFailure(`oci-dir://${d}`, 'ABSOLUTE_PATH', [/absolute path/, /\/etc\/cron\.d\/evil/])
  })

  it('a symlink loop', () => {
    const d = dir('loop')
    writeOciLayout(d, [
      gzipLayer(
        makeTar(
          debianRoot(GOOD_STATUS, [
            { name: 'a', type: 'symlink', linkname: 'b' },
            { name: 'b', type: 'symlink', linkname: 'c/../a' },
            { name: 'c/', type: 'dir' },
          ]),
        ),
      ),
    ])
    expectFailure(`oci-dir://${d}`, 'SYMLINK_LOOP', [/symlink loop at \/(a|b)/, /layer 0/])
  })

  it('a symlink pointing out of the root', () => {
    const d = dir('escape')
    writeOciLayout(d, [
      gzipLayer(
        makeTar(debianRoot(GOOD_STATUS, [{ name: 'etc/passwd', type: 'symlink', linkname: '../../../../etc/passwd' }])),
      ),
    ])
    expectFailure(`oci-dir://${d}`, 'SYMLINK_ESCAPE', [
      /\/etc\/passwd → \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd/,
      /outside the image root/,
    ])
  })

  it('a gzip bomb (a few MB inflating to over 1 GB of zeros) stops early with bounded memory', async () => {
    const d = dir('bomb')
    const size = 1200 * 1024 * 1024
    const header = tarHeader({ name: 'zeros' }, size)
    const blobPath = join(tmp, 'bomb.gz')
    const gz = createGzip({ level: 9 })
    const out = createWriteStream(blobPath)
    gz.pipe(out)
    gz.write(header)
    const chunk = Buffer.alloc(4 * 1024 * 1024)
    for (let n = 0; n < size; n += chunk.length) if (!gz.write(chunk)) await once(gz, 'drain')
    gz.end(Buffer.alloc(1024))
    await once(out, 'close')
    const blob = readFileSync(blobPath)
    expect(blob.length).toBeLessThan(8 * 1024 * 1024)
    // The diff_id is never reached: the walk stops long before the end.
    writeOciLayout(d, [{ tar: Buffer.from('unused'), blob, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }])
    const rssFile = join(tmp, 'bomb.rss')
    const outFile = join(tmp, 'bomb-out.json')
    const r = spawnSync(
      process.execPath,
      [join(REPO, 'test/helpers/rss-wrapper.mjs'), rssFile, 'sbom', `oci-dir://${d}`, '--output', outFile],
      {
        encoding: 'utf8',
      },
    )
    expect(r.status, r.stderr).toBe(ERROR_CODES.DECOMPRESSION_BOMB)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/decompression bomb/)
    expect(existsSync(outFile)).toBe(false)
    expect(Number(readFileSync(rssFile, 'utf8')) / 1024).toBeLessThan(256)
  })

  it('a garbled dpkg status paragraph: the other packages plus a located issue', () => {
    const d = dir('garbled')
    const status = [
      statusParagraph('base-files', '12.4'),
      'Package: broken\nStatus: install ok installed\nthis line is garbage without a colon\nVersion: 1.0\n',
      statusParagraph('zlib1g', '1:1.2.13.dfsg-1'),
    ].join('\n')
    writeOciLayout(d, [gzipLayer(makeTar(debianRoot(status)))])
    const out = join(tmp, 'garbled.json')
    const r = cli(['sbom', `oci-dir://${d}`, '--format', 'json', '--output', out])
    expect(r.code, r.stderr).toBe(0)
    const sbom = JSON.parse(readFileSync(out, 'utf8'))
    expect(sbom.packages.map((p: { name: string }) => p.name).sort()).toEqual(['base-files', 'zlib1g'])
    expect(sbom.issues).toHaveLength(1)
    expect(sbom.issues[0]).toMatchObject({
      kind: 'parse-error',
      source: 'dpkg',
      location: { path: '/var/lib/dpkg/status', layerIndex: 0 },
    })
    expect(sbom.issues[0].location.layer).toBe(sbom.target.layers[0].diffId)
    expect(sbom.issues[0].message).toMatch(/status:8: malformed line/)
  })

  it('bad flags and bad values', () => {
    const d = dir('flags')
    writeOciLayout(d, [gzipLayer(makeTar(debianRoot(GOOD_STATUS)))])
    expectFailure(`oci-dir://${d}`, 'USAGE', [/unknown option '--frobnicate'/], ['--frobnicate'])
    expectFailure(`oci-dir://${d}`, 'USAGE', [/--format/, /yaml/], ['--format', 'yaml'])
    expectFailure(`oci-dir://${d}`, 'USAGE', [/--platform/], ['--platform', 'amd64'])
    expectFailure(`oci-dir://${d}`, 'USAGE', [/--only-package-type/], ['--only-package-type', 'debx'])
    expectFailure(`oci-dir://${d}`, 'PLATFORM', [/linux\/arm64/, /linux\/amd64/], ['--platform', 'linux/arm64'])
    expectFailure(`bogus://${d}`, 'USAGE', [/unknown reference scheme/])
  })

  it('an existing output file is left untouched on failure', () => {
    const out = join(tmp, 'keep.json')
    writeFileSync(out, 'previous content')
    const r = cli(['sbom', `archive://${join(tmp, 'missing.tar')}`, '--format', 'json', '--output', out])
    expect(r.code).toBe(ERROR_CODES.NOT_FOUND)
    expect(readFileSync(out, 'utf8')).toBe('previous content')
  })

  it('--debug adds the stack trace', () => {
    const r = cli(['sbom', `archive://${join(tmp, 'missing.tar')}`, '--debug'])
    expect(r.code).toBe(ERROR_CODES.NOT_FOUND)
    expect(r.stderr).toMatch(/\n\s+at /)
  })
})
