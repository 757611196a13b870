import { ShipshapeError } from '../../internal/index.js'
import { type Digest, parseDigest } from '../../model/index.js'

/** A registry reference, normalised as the Docker CLI does (`nginx` → `docker.io/library/nginx:latest`). */
export interface RegistryReference {
  /** `docker.io`, `ghcr.io`, `localhost:5000`, `127.0.0.1:5600`. */
  registry: string
  /** `library/nginx`, `fixtures/lang-app`. */
  repository: string
  tag?: string
  digest?: Digest
  /** `registry/repository[:tag][@digest]`. */
  canonical: string
}

export const DOCKER_HUB = 'docker.io'
/** Where Docker Hub's registry API actually lives. */
export const DOCKER_HUB_API = 'registry-1.docker.io'

// distribution/reference's grammar.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/

function bad(name: string, why: string): ShipshapeError {
  return new ShipshapeError('USAGE', `invalid image reference ${JSON.stringify(name)}: ${why}`)
}

/**
 * Parses `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`. The first component is a host when it has a dot or a port or is
 * `localhost` (Docker's rule); otherwise the image is on Docker Hub, where one-component names live under
 * `library/`. Without tag and digest the tag is `latest`; with a digest the digest decides what is read.
 */
export function parseRegistryReference(name: string): RegistryReference {
  const input = name.trim()
  if (!input) throw bad(name, 'empty')
  if (/^[a-z]+:\/\//i.test(input)) throw bad(name, 'a registry reference has no URL scheme (write HOST/NAME:TAG)')
  let rest = input
  let digest: Digest | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    const d = rest.slice(at + 1)
    digest = parseDigest(d)
    if (!digest) throw bad(name, `${d} is not a sha256/sha512 digest`)
    rest = rest.slice(0, at)
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw bad(name, `tag ${JSON.stringify(tag)} is not valid`)
  }
  let registry = DOCKER_HUB
  let path = rest
  const slash = rest.indexOf('/')
  if (slash !== -1) {
    const first = rest.slice(0, slash)
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      if (!HOST.test(first)) throw bad(name, `${first} is not a valid registry host`)
      registry = first
      path = rest.slice(slash + 1)
    }
  }
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API) registry = DOCKER_HUB
  if (!path) throw bad(name, 'no repository name')
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) {
      throw bad(
        name,
        c !== c.toLowerCase()
          ? 'repository names must be lowercase'
          : `${JSON.stringify(c)} is not a valid repository path component`,
      )
    }
  }
  if (registry.length + 1 + path.length > 255) throw bad(name, 'name longer than 255 characters')
  if (tag === undefined && digest === undefined) tag = 'latest'
  const canonical = `${registry}/${path}${tag !== undefined ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`
  return { registry, repository: path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}), canonical }
}

/** Host:port the registry API is reached at (Docker Hub's API is not at docker.io). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry
}

/** The hostname without port or IPv6 brackets. */
export function hostname(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'))
  const c = hostPort.lastIndexOf(':')
  return c === -1 ? hostPort : hostPort.slice(0, c)
}

export function isLoopback(hostPort: string): boolean {
  const h = hostname(hostPort).toLowerCase()
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)
}
