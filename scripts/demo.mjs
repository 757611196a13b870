#!/usr/bin/env node
// The README's main job, offline: a vulnerability DB built from the real advisory records bundled in
// test/fixtures/vulndata, then `quickview` and `cves` of the small real image in examples/demo-image.
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { FIXTURE_FEEDS } from './fixture-feeds.mjs'

const root = resolve(import.meta.dirname, '..')
const cache = join(root, '.cache', 'demo')
const bin = join(root, 'bin', 'shipshape.js')
const image = process.argv[2] ?? `oci-dir://${join(root, 'examples', 'demo-image')}`
const run = (args, opts = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', ...opts })
  if (r.status !== 0 && r.status !== 2) process.exit(r.status ?? 1)
}
const feeds = FIXTURE_FEEDS
console.log('$ shipshape db update   (from the bundled fixture feeds)')
run(['db', 'update', '--cache-dir', cache, ...feeds])
console.log(`\n$ shipshape quickview ${image}`)
run(['quickview', image, '--cache-dir', cache])
console.log(`\n$ shipshape cves ${image}`)
run(['cves', image, '--cache-dir', cache])
