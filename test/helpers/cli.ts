import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { REPO } from './images.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI as a user would (`npm test` builds first), without a terminal. */
export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'shipshape.js'), ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, ...(opts.env ?? {}) },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
