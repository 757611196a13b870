import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseImageRef } from '../../src/image/index.js'
import { choosePlatform } from '../../src/image/platform-select.js'
import { ShipshapeError } from '../../src/internal/index.js'
import { formatPlatform, hostPlatform, normalisePlatform, parsePlatform } from '../../src/model/index.js'

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-refs-'))
  mkdirSync(join(tmp, 'layout'))
  writeFileSync(join(tmp, 'layout', 'oci-layout'), '{}')
  mkdirSync(join(tmp, 'rootfs'))
  writeFileSync(join(tmp, 'img.tar'), '')
  writeFileSync(join(tmp, 'app.spdx.json'), '{}')
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('image references (docker scout syntax)', () => {
  it.each([
    ['archive://{T}/img.tar', { kind: 'archive', path: '{T}/img.tar' }],
    ['archive://{T}/img.tar:fixtures/app:1.0', { kind: 'archive', path: '{T}/img.tar', name: 'fixtures/app:1.0' }],
    ['oci-dir://{T}/layout', { kind: 'oci-dir', path: '{T}/layout' }],
    ['oci-dir://{T}/layout:1.0', { kind: 'oci-dir', path: '{T}/layout', tag: '1.0' }],
    ['fs://{T}/rootfs', { kind: 'fs', path: '{T}/rootfs' }],
    ['{T}/layout', { kind: 'oci-dir', path: '{T}/layout' }],
    ['{T}/layout:v2', { kind: 'oci-dir', path: '{T}/layout', tag: 'v2' }],
    ['{T}/rootfs', { kind: 'fs', path: '{T}/rootfs' }],
    ['{T}/img.tar', { kind: 'archive', path: '{T}/img.tar' }],
    ['{T}/app.spdx.json', { kind: 'sbom', path: '{T}/app.spdx.json' }],
    ['registry://ghcr.io/org/app:1', { kind: 'registry', name: 'ghcr.io/org/app:1' }],
    ['local://app:1', { kind: 'engine', name: 'app:1' }],
    ['image://nginx', { kind: 'image', name: 'nginx' }],
    ['nginx:1.25', { kind: 'image', name: 'nginx:1.25' }],
  ])('%s', (raw, want) => {
    const sub = (s: string) => s.replaceAll('{T}', tmp)
    const expected = Object.fromEntries(Object.entries(want).map(([k, v]) => [k, sub(v)]))
    expect(parseImageRef(sub(raw))).toEqual({ ...expected, raw: sub(raw) })
  })

  it.each([
    ['archive://{T}/missing.tar', 'NOT_FOUND'],
    ['{T}/missing.tar', 'NOT_FOUND'],
    ['./nowhere/dir', 'NOT_FOUND'],
    ['fs://{T}/img.tar', 'USAGE'],
    ['oci-dir://{T}/img.tar', 'USAGE'],
    ['ftp://x', 'USAGE'],
    ['archive://', 'USAGE'],
  ])('%s fails with %s', (raw, code) => {
    try {
      parseImageRef(raw.replaceAll('{T}', tmp))
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ShipshapeError)
      expect((e as ShipshapeError).code).toBe(code)
    }
  })
})

describe('platforms', () => {
  it('parses, normalises and formats', () => {
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' })
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' })
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' })
    expect(parsePlatform('amd64')).toBeUndefined()
    expect(parsePlatform('linux/amd64/v2/x')).toBeUndefined()
    expect(formatPlatform(normalisePlatform({ os: 'linux', architecture: 'aarch64' }))).toBe('linux/arm64/v8')
  })

  const options = [
    { d: 'amd', p: { os: 'linux', architecture: 'amd64' } },
    { d: 'arm', p: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ]

  it('picks the asked platform, else the host, else the only one; otherwise lists them', () => {
    expect(choosePlatform(options, { os: 'linux', architecture: 'arm64' }, 'x')).toBe('arm')
    expect(choosePlatform(options, undefined, 'x')).toBe(hostPlatform().architecture === 'arm64' ? 'arm' : 'amd')
    expect(choosePlatform([{ d: 's390', p: { os: 'linux', architecture: 's390x' } }], undefined, 'x')).toBe('s390')
    const foreign = [
      { d: 'a', p: { os: 'linux', architecture: 's390x' } },
      { d: 'b', p: { os: 'linux', architecture: 'ppc64le' } },
    ]
    expect(() => choosePlatform(foreign, undefined, 'x')).toThrow(
      /pick one with --platform: linux\/s390x, linux\/ppc64le/,
    )
    expect(() => choosePlatform(options, { os: 'windows', architecture: 'amd64' }, 'x')).toThrow(
      /no image for platform windows\/amd64; available: linux\/amd64, linux\/arm64\/v8/,
    )
  })
})
