import { randomBytes } from 'node:crypto'
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ShipshapeError } from '../internal/index.js'

function isSpecial(path: string): boolean {
  try {
    return !statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * Writes all outputs or none: each goes to a temporary file beside its target, and only when every one is
 * written are they renamed into place. Devices and pipes (`/dev/null`, `/dev/stdout`, a fifo) are written
 * in place last: renaming over them would replace the device with a file.
 */
export function writeAllOrNothing(files: { path: string; content: string }[]): void {
  const temps: { tmp: string; path: string }[] = []
  const special = files.filter((f) => isSpecial(f.path))
  try {
    for (const f of files) {
      if (special.includes(f)) continue
      const tmp = join(dirname(f.path), `.${basename(f.path)}.${randomBytes(4).toString('hex')}.tmp`)
      writeFileSync(tmp, f.content)
      temps.push({ tmp, path: f.path })
    }
    for (const t of temps) renameSync(t.tmp, t.path)
    for (const f of special) writeFileSync(f.path, f.content)
  } catch (e) {
    for (const t of temps) rmSync(t.tmp, { force: true })
    throw new ShipshapeError('OUTPUT', `cannot write output: ${(e as Error).message}`)
  }
}
