import {
  closeSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  type Stats,
  statSync,
} from 'node:fs'
import { join } from 'node:path'
import type { ScanIssue } from '../model/index.js'
import type { ContentPolicy } from './content-policy.js'
import { FileInspection, inspectorsFor } from './inspect.js'
import type { LayerEntry, LayerListing } from './listing.js'
import { joinPath } from './paths.js'
import type { FileInspector, InspectionResult } from './types.js'

/** Streams a file through its inspectors in 1 MiB reads, as the layer walk would. */
function inspectFile(
  full: string,
  path: string,
  size: number,
  insp: FileInspector[],
  policy: ContentPolicy,
  issues: ScanIssue[],
): Record<string, InspectionResult> | undefined {
  const inspection = new FileInspection(path, size, insp, policy)
  let fd: number | undefined
  try {
    fd = openSync(full, 'r')
    const buf = Buffer.allocUnsafe(1024 * 1024)
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n <= 0) break
      inspection.write(buf.subarray(0, n))
    }
  } catch (e) {
    issues.push({
      kind: 'unreadable-file',
      message: `cannot read: ${(e as Error).message}`,
      location: { path, layerIndex: 0 },
      source: 'fs',
    })
    // Let the inspectors finish (and give back any budget they reserved); their result is not used.
    inspection.end()
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return inspection.end()
}

/** Pseudo filesystems of a host: never walked, whatever is mounted there. */
const SKIP_TOP = new Set(['proc', 'sys', 'dev'])

/**
 * Lists a directory tree (a root filesystem or a host) as if it were a single layer. Other mounts are not
 * descended into (like `find -xdev`): on a host they are network shares, container overlays and the like.
 */
export function walkDirectory(
  root: string,
  policy: ContentPolicy,
  inspectors: readonly FileInspector[] = [],
): { listing: LayerListing; issues: ScanIssue[] } {
  const listing: LayerListing = { index: 0, entries: [], whiteouts: [], opaques: [], bytes: 0 }
  const issues: ScanIssue[] = []
  const rootDev = statSync(root).dev
  const visit = (dir: string, imagePath: string) => {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch (e) {
      issues.push({
        kind: 'unreadable-file',
        message: `cannot list directory: ${(e as Error).message}`,
        location: { path: imagePath, layerIndex: 0 },
        source: 'fs',
      })
      return
    }
    names.sort()
    for (const name of names) {
      const full = join(dir, name)
      const p = joinPath(imagePath, name)
      let st: Stats
      try {
        st = lstatSync(full)
      } catch {
        continue
      }
      const mode = st.mode & 0o7777
      if (st.isDirectory()) {
        listing.entries.push({ path: p, type: 'directory', size: 0, mode })
        if (imagePath === '/' && SKIP_TOP.has(name)) continue
        if (st.dev !== rootDev) continue
        visit(full, p)
      } else if (st.isSymbolicLink()) {
        let target = ''
        try {
          target = readlinkSync(full)
        } catch {}
        listing.entries.push({ path: p, type: 'symlink', size: 0, mode, linkname: target })
      } else if (st.isFile()) {
        const entry: LayerEntry = { path: p, type: 'file', size: st.size, mode }
        const want = policy.match(p)
        if (want) {
          if (want.allLayers) entry.history = true
          if (st.size > want.maxBytes) entry.contentDropped = 'file-cap'
          else if (!policy.reserve(st.size)) entry.contentDropped = 'total-cap'
          else {
            try {
              entry.content = readFileSync(full)
            } catch (e) {
              issues.push({
                kind: 'unreadable-file',
                message: `cannot read: ${(e as Error).message}`,
                location: { path: p, layerIndex: 0 },
                source: 'fs',
              })
            }
          }
        }
        const insp = inspectors.length ? inspectorsFor(inspectors, p, st.size, mode) : []
        if (insp.length) entry.inspections = inspectFile(full, p, st.size, insp, policy, issues)
        listing.bytes += st.size
        listing.entries.push(entry)
      } else {
        listing.entries.push({ path: p, type: 'other', size: 0, mode })
      }
    }
  }
  visit(root, '/')
  return { listing, issues }
}
