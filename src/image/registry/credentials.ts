import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ShipshapeError } from '../../internal/index.js'
import { DOCKER_HUB } from './name.js'

export interface Credentials {
  username: string
  password: string
  /** Where they came from, for debug lines and errors (never the secret itself). */
  from: string
}

export interface CredentialOptions {
  username?: string
  password?: string
  dockerConfig?: string
  env?: NodeJS.ProcessEnv
  debug?: (line: string) => void
}

/** The key Docker's config uses for Docker Hub. */
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io']

/** `https://host:port/v1/` → `host:port` (how the Docker CLI matches `auths` keys). */
function keyHost(key: string): string {
  let k = key.trim().toLowerCase()
  k = k.replace(/^[a-z]+:\/\//, '')
  const slash = k.indexOf('/')
  return slash === -1 ? k : k.slice(0, slash)
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>
  credsStore?: string
  credHelpers?: Record<string, string>
}

function configPath(o: CredentialOptions): string {
  if (o.dockerConfig) return o.dockerConfig
  const env = o.env ?? process.env
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json')
  return join(env.HOME || homedir(), '.docker', 'config.json')
}

function readConfig(path: string): DockerConfig | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
  try {
    const v = JSON.parse(text) as unknown
    return v && typeof v === 'object' ? (v as DockerConfig) : undefined
  } catch (e) {
    throw new ShipshapeError('USAGE', `docker config is not valid JSON: ${(e as Error).message}`, { where: path })
  }
}

/** The server URL a credential helper is asked about (Docker Hub's legacy key, else the host). */
function helperServer(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry
}

function matchKey<T>(map: Record<string, T> | undefined, registry: string): [string, T] | undefined {
  if (!map) return undefined
  const wanted = registry === DOCKER_HUB ? HUB_KEYS.map(keyHost) : [registry.toLowerCase()]
  for (const [k, v] of Object.entries(map)) if (wanted.includes(keyHost(k))) return [k, v]
  return undefined
}

/**
 * Credentials for one registry host: the explicit ones (flags) and the environment apply to the registry named
 * in the reference only (`forTarget`); ~/.docker/config.json entries apply to the host they are filed under.
 */
export async function credentialsFor(
  registry: string,
  forTarget: boolean,
  o: CredentialOptions,
): Promise<Credentials | undefined> {
  const env = o.env ?? process.env
  if (forTarget) {
    if (o.username !== undefined || o.password !== undefined) {
      return { username: o.username ?? '', password: o.password ?? '', from: 'the command line' }
    }
    if (env.SHIPSHAPE_REGISTRY_USERNAME || env.SHIPSHAPE_REGISTRY_PASSWORD) {
      return {
        username: env.SHIPSHAPE_REGISTRY_USERNAME ?? '',
        password: env.SHIPSHAPE_REGISTRY_PASSWORD ?? '',
        from: 'SHIPSHAPE_REGISTRY_USERNAME/SHIPSHAPE_REGISTRY_PASSWORD',
      }
    }
  }
  const path = configPath(o)
  const cfg = readConfig(path)
  if (!cfg) return undefined
  const helper = matchKey(cfg.credHelpers, registry)?.[1] ?? cfg.credsStore
  if (helper) {
    const c = await runHelper(helper, helperServer(registry), env, o.debug)
    if (c) return c
  }
  const entry = matchKey(cfg.auths, registry)
  if (!entry) return undefined
  const [key, a] = entry
  if (a.username !== undefined || a.password !== undefined) {
    return { username: a.username ?? '', password: a.password ?? '', from: `${path} auths[${key}]` }
  }
  if (a.auth) {
    const decoded = Buffer.from(a.auth, 'base64').toString('utf8')
    const c = decoded.indexOf(':')
    if (c === -1) throw new ShipshapeError('AUTH', `auths entry for ${key} has a malformed auth field`, { where: path })
    return { username: decoded.slice(0, c), password: decoded.slice(c + 1), from: `${path} auths[${key}]` }
  }
  return undefined
}

/**
 * Runs `docker-credential-NAME get` with the server URL on stdin (the credential-helper protocol). "Not found"
 * means anonymous; a helper that cannot run is an AUTH error naming it.
 */
export function runHelper(
  name: string,
  server: string,
  env: NodeJS.ProcessEnv,
  debug?: (line: string) => void,
): Promise<Credentials | undefined> {
  const prog = `docker-credential-${name}`
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const child = spawn(prog, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c
    })
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c
    })
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(new ShipshapeError('AUTH', `credential helper ${prog} cannot run: ${e.message}`, { where: server }))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0) {
        const msg = `${out} ${err}`.trim()
        if (/credentials not found/i.test(msg)) {
          debug?.(`credentials: ${prog} has none for ${server}`)
          return resolve(undefined)
        }
        return reject(
          new ShipshapeError('AUTH', `credential helper ${prog} failed (exit ${code}): ${msg.slice(0, 200)}`, {
            where: server,
          }),
        )
      }
      try {
        const v = JSON.parse(out) as { Username?: unknown; Secret?: unknown }
        if (typeof v.Username !== 'string' || typeof v.Secret !== 'string') throw new Error('no Username/Secret')
        if (v.Username === '<token>') {
          // An identity token (OAuth refresh token): only usable with the token endpoint's POST flow.
          return reject(
            new ShipshapeError('UNSUPPORTED', `${prog} returned an identity token, which is not supported yet`, {
              where: server,
            }),
          )
        }
        debug?.(`credentials: from ${prog} for ${server}`)
        resolve({ username: v.Username, password: v.Secret, from: prog })
      } catch (e) {
        reject(
          new ShipshapeError('AUTH', `credential helper ${prog} printed no valid JSON: ${(e as Error).message}`, {
            where: server,
          }),
        )
      }
    })
    child.stdin.on('error', () => {})
    child.stdin.end(server)
  })
}
