import { ShipshapeError } from '../../internal/index.js'

/** `repo[:tag][@digest]` split as the Docker reference grammar does (a colon after the last slash is a tag). */
export interface SplitRef {
  repo: string
  tag?: string
  digest?: string
}

export function splitRef(s: string): SplitRef {
  const at = s.indexOf('@')
  const digest = at >= 0 ? s.slice(at + 1) : undefined
  const rest = at >= 0 ? s.slice(0, at) : s
  const colon = rest.lastIndexOf(':')
  const out: SplitRef =
    colon > rest.lastIndexOf('/') ? { repo: rest.slice(0, colon), tag: rest.slice(colon + 1) } : { repo: rest }
  if (digest !== undefined) out.digest = digest
  return out
}

/** An image ID (or a unique prefix of one) as `docker image inspect` accepts it. */
export function isImageId(s: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(s) || /^[a-f0-9]{12,64}$/.test(s)
}

/** Whether the first component names a registry (`localhost`, has a dot or a port), as the Docker CLI decides. */
export function hasDomain(repo: string): boolean {
  const slash = repo.indexOf('/')
  if (slash < 0) return false
  const first = repo.slice(0, slash)
  return first === 'localhost' || first.includes('.') || first.includes(':')
}

/** `nginx` → `docker.io/library/nginx`, `fixtures/x` → `docker.io/fixtures/x`; other registries unchanged. */
export function qualifyRepo(repo: string): string {
  if (hasDomain(repo)) {
    return repo.startsWith('index.docker.io/') ? `docker.io/${repo.slice('index.docker.io/'.length)}` : repo
  }
  return repo.includes('/') ? `docker.io/${repo}` : `docker.io/library/${repo}`
}

/** The short form the Docker CLI prints: `docker.io/library/nginx` → `nginx`, `docker.io/fixtures/x` → `fixtures/x`. */
export function familiarRepo(repo: string): string {
  const q = qualifyRepo(repo)
  if (q.startsWith('docker.io/library/') && !q.slice('docker.io/library/'.length).includes('/'))
    return q.slice('docker.io/library/'.length)
  if (q.startsWith('docker.io/')) return q.slice('docker.io/'.length)
  return q
}

/**
 * Refuses names that are not image references before they become part of an API path (`..`, `?`, `#`, spaces:
 * a name must not be able to address another endpoint of the engine).
 */
export function checkImageName(name: string, where: string): void {
  const ok =
    /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]*$/.test(name) &&
    name.length <= 512 &&
    name.split('/').every((seg) => /^[A-Za-z0-9_]/.test(seg))
  if (!ok) throw new ShipshapeError('USAGE', `not an image reference: ${JSON.stringify(name)}`, { where })
}

/**
 * Names to ask the engine for, in order. Docker normalises short names to docker.io itself; podman keeps images
 * it built or loaded without a registry as `localhost/NAME`, and an engine that does not search that prefix
 * only finds them by the full name.
 */
export function lookupCandidates(name: string): string[] {
  if (isImageId(name)) return [name]
  const { repo } = splitRef(name)
  return hasDomain(repo) ? [name] : [name, `localhost/${name}`]
}

function sameRepo(stored: string, asked: string): boolean {
  return qualifyRepo(stored) === qualifyRepo(asked) || (hasDomain(stored) && stored.endsWith(`/${asked}`))
}

/**
 * Which of the engine's RepoTags (or RepoDigests) the reference asked for names: the image's `name` (familiar
 * form) and its `tags` (the matched tag first, then the repository's other tags).
 */
export function matchRepoTag(
  asked: string,
  repoTags: string[],
  repoDigests: string[],
): { name?: string; tags: string[] } {
  const tags = repoTags.filter((t) => t && t !== '<none>:<none>' && !t.startsWith('<none>'))
  const tagsOf = (repo: string, first?: string): string[] => {
    const all = tags
      .map(splitRef)
      .filter((s) => s.tag !== undefined && qualifyRepo(s.repo) === qualifyRepo(repo))
      .map((s) => s.tag as string)
    const uniq = [...new Set(all)]
    return first !== undefined ? [first, ...uniq.filter((t) => t !== first)] : uniq
  }
  const pick = (repo: string, tag?: string) => ({ name: familiarRepo(repo), tags: tagsOf(repo, tag) })
  if (!isImageId(asked)) {
    const want = splitRef(asked)
    if (want.digest !== undefined && want.tag === undefined) {
      for (const d of repoDigests) {
        const s = splitRef(d)
        if (s.digest === want.digest && sameRepo(s.repo, want.repo)) return pick(s.repo)
      }
    } else {
      const wantTag = want.tag ?? 'latest'
      for (const t of tags) {
        const s = splitRef(t)
        if (s.tag === wantTag && sameRepo(s.repo, want.repo)) return pick(s.repo, wantTag)
      }
    }
  }
  const first = tags[0]
  if (first !== undefined) {
    const s = splitRef(first)
    return pick(s.repo, s.tag)
  }
  const d = repoDigests[0]
  return d !== undefined ? { name: familiarRepo(splitRef(d).repo), tags: [] } : { tags: [] }
}
