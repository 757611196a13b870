/**
 * Globs over absolute image paths: `*` and `?` stay inside one path segment, `**` spans segments,
 * `{a,b}` alternates. Compiled once per request set into one RegExp.
 */
export function globToRegExpSource(glob: string): string {
  let re = ''
  let i = 0
  let inBrace = false
  while (i < glob.length) {
    const c = glob[i] as string
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole directories.
        if (glob[i + 2] === '/') {
          re += '(?:[^/]*/)*'
          i += 3
        } else {
          re += '.*'
          i += 2
        }
        continue
      }
      re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else if (c === '{') {
      re += '(?:'
      inBrace = true
    } else if (c === '}' && inBrace) {
      re += ')'
      inBrace = false
    } else if (c === ',' && inBrace) re += '|'
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&')
    i++
  }
  return re
}

export function compileGlobs(globs: readonly string[]): RegExp {
  if (globs.length === 0) return /$^/
  return new RegExp(`^(?:${globs.map(globToRegExpSource).join('|')})$`)
}

/** The leading directories of a glob that contain no wildcard, to start a tree walk from. */
export function literalPrefix(glob: string): string {
  const parts = glob.split('/')
  const out: string[] = []
  for (const p of parts.slice(0, -1)) {
    if (/[*?{]/.test(p)) break
    out.push(p)
  }
  return out.join('/') || '/'
}
