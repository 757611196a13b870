import { randomBytes } from 'node:crypto'
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ShipshapeError } from '../internal/index.js'

/**
 * Writes all outputs or none: each goes to a temporary file beside its target, and only when every one is
 * written are they renamed into place.
 */
export function writeAllOrNothing(files: { path: string; content: string }[]): void {
  const temps: { tmp: string; path: string }[] = []
  try {
    for (const f of files) {
      const tmp = join(dirname(f.path), `.${basename(f.path)}.${randomBytes(4).toString('hex')}.tmp`)
      writeFileSync(tmp, f.content)
      temps.push({ tmp, path: f.path })
    }
    for (const t of temps) renameSync(t.tmp, t.path)
  } catch (e) {
    for (const t of temps) rmSync(t.tmp, { force: true })
    throw new ShipshapeError('OUTPUT', `cannot write output: ${(e as Error).message}`)
  }
}
