import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..')

declare module 'vitest' {
  export interface ProvidedContext {
    imagesDir: string
    derivedDir: string
    baseImagesDir: string
  }
}

/**
 * Builds the real test images once per run (shared/images/build.sh: Debian packages → OCI layouts, archives
 * and ground truth) into a git-ignored cache. The script is idempotent, so later runs only check stamps.
 */
export default function setup(project: TestProject): void {
  const out = resolve(process.env.SHIPSHAPE_IMAGES ?? join(repo, '.cache', 'images'))
  const shared = resolve(process.env.SHIPSHAPE_SHARED ?? join(repo, '..', 'shared'))
  const script = join(shared, 'images', 'build.sh')
  const stamps = [
    'debian-base',
    'debian-min',
    'debian-min-zstd',
    'lang-app',
    'distroless',
    'rpm-sqlite',
    'rpm-bdb',
    'apk-synthetic',
  ]
  const missing = stamps.filter((s) => !existsSync(join(out, '.stamp', s)))
  if (missing.length > 0) {
    if (!existsSync(script))
      throw new Error(`test images are not built and ${script} is missing (set SHIPSHAPE_SHARED)`)
    mkdirSync(out, { recursive: true })
    process.stderr.write(`building test images (${missing.join(' ')}) into ${out} …\n`)
    const r = spawnSync('bash', [script, out], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 1_800_000 })
    if (r.status !== 0)
      throw new Error(`${script} failed with status ${r.status}; the image tests need it (root and the Debian mirror)`)
  }
  project.provide('imagesDir', out)
  // Two real images for the bookworm-derived advisories: plain bookworm at the vulnerable versions, and the same
  // packages with bookworm-security (test/fixtures-build/bookworm-derived-images.sh, about two minutes once).
  const derived = join(out, 'derived')
  const script2 = join(repo, 'test', 'fixtures-build', 'bookworm-derived-images.sh')
  const list = join(repo, 'test', 'fixtures', 'vulndata', 'debian-bookworm-derived', 'install-list.txt')
  if (!existsSync(join(derived, '.stamp', 'bookworm-security'))) {
    process.stderr.write(`building the bookworm-derived images into ${derived} …\n`)
    const r = spawnSync('bash', [script2, derived, list], {
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 1_800_000,
    })
    if (r.status !== 0) throw new Error(`${script2} failed with status ${r.status}`)
  }
  project.provide('derivedDir', derived)
  // The base-image fixtures (old/new/slim debian-base, an app on the old and on the new base): the derived images'
  // layers reused plus a slim mmdebstrap and an app layer (test/fixtures-build/base-images.sh, about 1.5 minutes once).
  const base = join(out, 'base')
  const script3 = join(repo, 'test', 'fixtures-build', 'base-images.sh')
  const baseStamps = ['debian-base-old', 'debian-base-new', 'debian-base-slim', 'app-old', 'app-new']
  if (baseStamps.some((s) => !existsSync(join(base, '.stamp', s)))) {
    process.stderr.write(`building the base-image fixtures into ${base} …\n`)
    const r = spawnSync('bash', [script3, base, derived], {
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 1_800_000,
    })
    if (r.status !== 0) throw new Error(`${script3} failed with status ${r.status}`)
  }
  project.provide('baseImagesDir', base)
}
