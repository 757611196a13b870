import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ShipshapeError } from '../internal/index.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Temp files carry their writer's pid (`.NAME.<pid>.<rand>.tmp`, `NAME.<pid>.part`); a dead writer's are swept. */
export function sweepStale(dir: string): string[] {
  if (!existsSync(dir)) return []
  const removed: string[] = []
  const sweep = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const m = /\.(\d+)\.(?:[a-f0-9]+\.tmp|part)$/.exec(name.name)
      const p = join(d, name.name)
      if (name.name === 'update.lock') {
        const pid = Number(readFileSync(p, 'utf8').trim())
        if (!(Number.isInteger(pid) && pid > 0 && alive(pid))) {
          rmSync(p, { force: true })
          removed.push(p)
        }
      } else if (m && !alive(Number(m[1]))) {
        rmSync(p, { recursive: true, force: true })
        removed.push(p)
      } else if (name.isDirectory()) sweep(p)
    }
  }
  sweep(dir)
  return removed
}

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${Math.random().toString(16).slice(2, 10)}.tmp`)
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** One updater at a time per cache: an exclusive lock file holding the pid; a dead holder's lock is taken over. */
export function acquireLock(dir: string): () => void {
  const path = join(dir, 'update.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' })
      return () => rmSync(path, { force: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const pid = Number(readFileSync(path, 'utf8').trim())
      if (Number.isInteger(pid) && pid > 0 && alive(pid) && pid !== process.pid) {
        throw new ShipshapeError('BUSY', `another shipshape (pid ${pid}) is updating this DB`, { where: path })
      }
      rmSync(path, { force: true })
    }
  }
  throw new ShipshapeError('BUSY', 'cannot take the update lock', { where: path })
}
