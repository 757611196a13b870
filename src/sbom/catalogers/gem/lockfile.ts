/**
 * Bundler's `Gemfile.lock`: sources (`GEM`, `GIT`, `PATH`, `PLUGIN SOURCE`) each with a `specs:` list of
 * `    name (version[-platform])` lines (dependencies of a spec are indented by six). Read the way
 * `Bundler::LockfileParser` does: the version runs to the first `-`, the rest is the platform.
 */

export interface LockedGem {
  name: string
  version: string
  platform: string
  source: { type: 'rubygems' | 'git' | 'path' | 'plugin'; remote?: string; revision?: string }
  line: number
}

const SOURCES: Record<string, LockedGem['source']['type']> = {
  GEM: 'rubygems',
  GIT: 'git',
  PATH: 'path',
  'PLUGIN SOURCE': 'plugin',
}

const SPEC = /^ {4}(?! )(\S+?)(?: \(([^-]*)(?:-(.*))?\))?(!)?$/

export function parseGemfileLock(text: string): { gems: LockedGem[]; errors: { line: number; message: string }[] } {
  const gems: LockedGem[] = []
  const errors: { line: number; message: string }[] = []
  let source: LockedGem['source'] | undefined
  let inSpecs = false
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '')
    if (line.trim() === '') continue
    if (!line.startsWith(' ')) {
      const type = SOURCES[line.trim()]
      source = type ? { type } : undefined
      inSpecs = false
      continue
    }
    if (!source) continue
    const opt = /^ {2}(remote|revision|specs):\s*(.*)$/.exec(line)
    if (opt) {
      if (opt[1] === 'specs') inSpecs = true
      else if (opt[1] === 'remote') source.remote = opt[2] as string
      else source.revision = opt[2] as string
      continue
    }
    if (!inSpecs || line.startsWith('      ')) continue
    const m = SPEC.exec(line)
    if (!m) {
      errors.push({ line: n + 1, message: `not a spec line: ${JSON.stringify(line.slice(0, 80))}` })
      continue
    }
    if (m[2] === undefined) {
      errors.push({ line: n + 1, message: `spec ${m[1]} has no version` })
      continue
    }
    gems.push({
      name: m[1] as string,
      version: m[2],
      platform: m[3] ?? 'ruby',
      source: { ...source },
      line: n + 1,
    })
  }
  return { gems, errors }
}
