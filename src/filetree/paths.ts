import { ShipshapeError } from '../internal/index.js'

/**
 * Normalises a layer tar member name to an absolute image path. A name that climbs above the root with `..`
 * is how tar path-traversal attacks look, and an absolute name is never written by image builders; both
 * are refused rather than silently re-rooted, as containerd refuses layer breakouts.
 */
export function entryPath(name: string, where: () => string): string | undefined {
  if (name.startsWith('/')) {
    throw new ShipshapeError('ABSOLUTE_PATH', `layer entry has an absolute path: ${JSON.stringify(name)}`, {
      where: where(),
    })
  }
  const out: string[] = []
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (out.length === 0) {
        throw new ShipshapeError('PATH_TRAVERSAL', `layer entry escapes the image root: ${JSON.stringify(name)}`, {
          where: where(),
        })
      }
      out.pop()
    } else out.push(part)
  }
  return out.length === 0 ? undefined : `/${out.join('/')}`
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/')
  return i <= 0 ? '/' : p.slice(0, i)
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1)
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`
}
