import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ShipshapeError } from '../internal/index.js'
import type { ImageRef } from '../model/index.js'

const SCHEMES = ['archive', 'oci-dir', 'fs', 'registry', 'local', 'image', 'sbom'] as const

/**
 * `PATH[:SUFFIX]` where PATH exists: a colon may belong to the path itself, so the longest existing prefix wins.
 */
function splitExisting(s: string): { path: string; suffix?: string } {
  if (existsSync(s)) return { path: s }
  for (let i = s.indexOf(':'); i !== -1; i = s.indexOf(':', i + 1)) {
    const p = s.slice(0, i)
    if (p && existsSync(p)) return { path: p, suffix: s.slice(i + 1) }
  }
  return { path: s }
}

/** Parses a reference in docker scout's syntax. Paths are checked for existence here, so errors name them early. */
export function parseImageRef(raw: string): ImageRef {
  const m = /^([a-z-]+):\/\/(.*)$/.exec(raw)
  if (m) {
    const scheme = m[1] as string
    const rest = m[2] as string
    if (!(SCHEMES as readonly string[]).includes(scheme)) {
      throw new ShipshapeError(
        'USAGE',
        `unknown reference scheme ${scheme}://; use one of ${SCHEMES.map((s) => `${s}://`).join(' ')}`,
      )
    }
    if (!rest) throw new ShipshapeError('USAGE', `empty reference after ${scheme}://`)
    switch (scheme) {
      case 'archive': {
        const { path, suffix } = splitExisting(rest)
        mustExist(path, 'file')
        return suffix ? { kind: 'archive', path, name: suffix, raw } : { kind: 'archive', path, raw }
      }
      case 'oci-dir': {
        const { path, suffix } = splitExisting(rest)
        mustExist(path, 'dir')
        return suffix ? { kind: 'oci-dir', path, tag: suffix, raw } : { kind: 'oci-dir', path, raw }
      }
      case 'fs':
        mustExist(rest, 'dir')
        return { kind: 'fs', path: rest, raw }
      case 'sbom':
        mustExist(rest, 'file')
        return { kind: 'sbom', path: rest, raw }
      case 'registry':
        return { kind: 'registry', name: rest, raw }
      case 'local':
        return { kind: 'engine', name: rest, raw }
      default:
        return { kind: 'image', name: rest, raw }
    }
  }
  const { path, suffix } = splitExisting(raw)
  if (existsSync(path)) {
    const st = statSync(path)
    if (st.isDirectory()) {
      if (existsSync(join(path, 'oci-layout')))
        return suffix ? { kind: 'oci-dir', path, tag: suffix, raw } : { kind: 'oci-dir', path, raw }
      if (suffix === undefined) return { kind: 'fs', path, raw }
    } else if (st.isFile()) {
      if (/\.(spdx|cdx|sbom)?\.?json$/.test(path)) return { kind: 'sbom', path, raw }
      return suffix ? { kind: 'archive', path, name: suffix, raw } : { kind: 'archive', path, raw }
    }
  }
  if (/^(\.{0,2}\/|~)/.test(raw) || /\.(tar|tgz|tar\.gz|json)$/.test(raw)) {
    throw new ShipshapeError('NOT_FOUND', `no such file or directory: ${raw}`)
  }
  return { kind: 'image', name: raw, raw }
}

function mustExist(path: string, kind: 'file' | 'dir'): void {
  if (!existsSync(path))
    throw new ShipshapeError('NOT_FOUND', `no such ${kind === 'dir' ? 'directory' : 'file'}: ${path}`)
  const st = statSync(path)
  if (kind === 'dir' && !st.isDirectory()) throw new ShipshapeError('USAGE', `not a directory: ${path}`)
  if (kind === 'file' && !st.isFile()) throw new ShipshapeError('USAGE', `not a file: ${path}`)
}
