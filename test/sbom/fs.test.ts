import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFileTree } from '../../src/filetree/index.js'
import { openSource, parseImageRef } from '../../src/image/index.js'
import { generateSbom } from '../../src/sbom/index.js'
import { builtLayout } from '../helpers/images.js'

let tmp: string
let mounted: string | undefined
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shipshape-fs-'))
})
afterAll(() => {
  if (mounted) spawnSync('umount', [mounted])
  rmSync(tmp, { recursive: true, force: true })
})

const sbomOf = async (ref: string) => generateSbom(await openSource(parseImageRef(ref)))

describe('fs:// (a root filesystem or a host)', () => {
  it('an unpacked image gives the same packages as the image itself', async () => {
    const bundle = join(tmp, 'bundle')
    const r = spawnSync('umoci', ['unpack', '--image', `${builtLayout('debian-min')}:1.0`, bundle], {
      encoding: 'utf8',
    })
    expect(r.status, r.stderr).toBe(0)
    const fromDir = await sbomOf(`fs://${join(bundle, 'rootfs')}`)
    const fromImage = await sbomOf(`oci-dir://${builtLayout('debian-min')}`)
    const rows = (s: typeof fromDir) => s.packages.map((p) => `${p.name} ${p.version} ${p.purl}`)
    expect(rows(fromDir)).toEqual(rows(fromImage))
    expect(fromDir.target.kind).toBe('filesystem')
    expect(fromDir.packages[0]?.introducedIn).toEqual({ path: '/var/lib/dpkg/status', layerIndex: 0 })
  })

  it('never descends into /proc, /sys, /dev or other mounts', async () => {
    const root = join(tmp, 'host')
    for (const d of ['proc/1/root/var/lib/dpkg', 'sys/kernel', 'dev/shm', 'etc', 'var/lib/dpkg', 'mnt/share'])
      mkdirSync(join(root, d), { recursive: true })
    writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n')
    writeFileSync(
      join(root, 'var/lib/dpkg/status'),
      'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\n',
    )
    writeFileSync(join(root, 'proc/1/root/var/lib/dpkg/status'), 'Package: from-proc\nVersion: 1\n')
    writeFileSync(join(root, 'sys/kernel/x'), 'x')
    writeFileSync(join(root, 'dev/shm/y'), 'y')
    const m = spawnSync('mount', ['-t', 'tmpfs', 'none', join(root, 'mnt/share')])
    expect(m.status, 'mounting a tmpfs needs root, which the test machines have').toBe(0)
    mounted = join(root, 'mnt/share')
    writeFileSync(join(root, 'mnt/share/on-another-mount'), 'z')
    const { tree } = await buildFileTree(await openSource(parseImageRef(`fs://${root}`)).then((s) => s), {
      requests: [],
    })
    expect(tree.glob('/proc/**')).toEqual([])
    expect(tree.glob('/sys/**')).toEqual([])
    expect(tree.glob('/dev/**')).toEqual([])
    expect(tree.stat('/mnt/share')?.type).toBe('directory')
    expect(tree.glob('/mnt/share/**')).toEqual([])
    const sbom = await sbomOf(`fs://${root}`)
    expect(sbom.packages.map((p) => p.name)).toEqual(['base-files'])
  })
})
