import { isAbsolute } from 'node:path'
import { ShipshapeError } from '../../internal/index.js'

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'

/** Where the engine listens: a unix socket, or plain HTTP on a TCP address. */
export type EngineEndpoint =
  | { kind: 'unix'; host: string; socketPath: string }
  | { kind: 'tcp'; host: string; origin: string }

/**
 * Parses DOCKER_HOST as the Docker CLI does for the schemes we speak: `unix:///path` and `tcp://host[:port]`
 * (plain HTTP, port 2375 by default; `http://` is taken as the same). TLS (`DOCKER_TLS_VERIFY`), `ssh://` and
 * `npipe://` are refused with UNSUPPORTED rather than half-done.
 */
export function parseDockerHost(value: string | undefined, env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const host = value?.trim() || DEFAULT_DOCKER_HOST
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(host)
  if (!m) {
    if (isAbsolute(host)) return { kind: 'unix', host: `unix://${host}`, socketPath: host }
    throw new ShipshapeError('USAGE', `DOCKER_HOST must be unix:///PATH or tcp://HOST:PORT, not ${host}`, {
      where: `DOCKER_HOST=${host}`,
    })
  }
  const scheme = (m[1] as string).toLowerCase()
  const rest = m[2] as string
  switch (scheme) {
    case 'unix': {
      if (!isAbsolute(rest))
        throw new ShipshapeError('USAGE', `DOCKER_HOST unix socket path must be absolute: ${host}`, {
          where: `DOCKER_HOST=${host}`,
        })
      return { kind: 'unix', host, socketPath: rest }
    }
    case 'tcp':
    case 'http': {
      if (env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0' && env.DOCKER_TLS_VERIFY !== '')
        throw new ShipshapeError(
          'UNSUPPORTED',
          'TLS to the container engine (DOCKER_TLS_VERIFY) is not supported yet; use a unix socket or plain tcp://',
          { where: `DOCKER_HOST=${host}` },
        )
      const hp = rest.replace(/\/+$/, '')
      if (!hp || hp.includes('/') || hp.includes('@'))
        throw new ShipshapeError('USAGE', `DOCKER_HOST tcp address must be HOST[:PORT]: ${host}`, {
          where: `DOCKER_HOST=${host}`,
        })
      const withPort = /:\d+$/.test(hp) || /^\[.*\]:\d+$/.test(hp) ? hp : `${hp}:2375`
      let origin: string
      try {
        origin = new URL(`http://${withPort}`).origin
      } catch {
        throw new ShipshapeError('USAGE', `DOCKER_HOST tcp address is not valid: ${host}`, {
          where: `DOCKER_HOST=${host}`,
        })
      }
      return { kind: 'tcp', host, origin }
    }
    default:
      throw new ShipshapeError(
        'UNSUPPORTED',
        `DOCKER_HOST scheme ${scheme}:// is not supported; use unix:///PATH or tcp://HOST:PORT`,
        { where: `DOCKER_HOST=${host}` },
      )
  }
}
