import type { Readable } from 'node:stream'
import { Client, type Dispatcher } from 'undici'
import { ShipshapeError } from '../../internal/index.js'
import { type Digest, parseDigest } from '../../model/index.js'
import { type EngineEndpoint, parseDockerHost } from './host.js'
import { checkImageName, lookupCandidates } from './names.js'

export interface EngineOptions {
  /** Default `$DOCKER_HOST`, else `unix:///var/run/docker.sock`. `unix://` and `tcp://` (plain HTTP). */
  dockerHost?: string
  /** Spool root: exported images are kept in `<cacheDir>/engine`. Without it, a temp dir removed at exit. */
  cacheDir?: string
  /** Keep at most this many bytes of spooled exports (most recent first). Default 4 GiB. */
  spoolMaxBytes?: number
  /** Connect timeout in milliseconds (default 10 s; `engineAvailable` uses 2 s). */
  connectTimeoutMs?: number
  env?: NodeJS.ProcessEnv
  debug?: (line: string) => void
}

export interface EngineVersion {
  version: string
  apiVersion: string
  minApiVersion?: string
  os?: string
  arch?: string
  kernelVersion?: string
  /** Component names, e.g. `Podman Engine`, `Engine`, `containerd`. */
  components: string[]
}

export interface EngineImage {
  id: Digest
  repoTags: string[]
  repoDigests: string[]
  size: number
  created?: string
  os?: string
  architecture?: string
  variant?: string
  labels: Record<string, string>
}

export interface EngineImageSummary {
  id: Digest
  repoTags: string[]
  repoDigests: string[]
  size: number
  created?: string
  /** Containers using the image, when the engine counts them (podman does; Docker gives -1 unless asked). */
  containers?: number
  labels: Record<string, string>
}

export interface EngineContainer {
  id: string
  /** Names without the leading slash the API puts on them. */
  names: string[]
  /** The image as the container was created from it (a name, or an ID). */
  image: string
  imageId?: Digest
  /** `running`, `exited`, `created`, `paused`, … */
  state: string
  /** Human status, e.g. `Up 3 minutes`. */
  status: string
  created?: string
  labels: Record<string, string>
}

/** The API version we write against; older engines are spoken to at their own version, newer ones at their minimum. */
export const PREFERRED_API_VERSION = '1.41'

function cmpVersion(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** The version both sides speak: ours, lowered to the engine's maximum, raised to its minimum. */
export function negotiateApiVersion(server: { apiVersion?: string; minApiVersion?: string }): string {
  let v = PREFERRED_API_VERSION
  const max = server.apiVersion
  const min = server.minApiVersion
  if (max && /^\d+\.\d+$/.test(max) && cmpVersion(max, v) < 0) v = max
  if (min && /^\d+\.\d+$/.test(min) && cmpVersion(min, v) > 0) v = min
  return v
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
const labelsOf = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x
  return out
}
const isoFromUnix = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? new Date(v * 1000).toISOString() : undefined

async function bodyText(res: Dispatcher.ResponseData): Promise<string> {
  try {
    return (await res.body.text()).slice(0, 4096)
  } catch {
    return '' // the message is a courtesy
  }
}

/** `{"message": "..."}` as Docker and podman send errors, else the text; first line only. */
function engineMessage(text: string): string {
  let msg = text.trim()
  try {
    const j = JSON.parse(text) as { message?: unknown }
    if (typeof j.message === 'string') msg = j.message
  } catch {
    // not JSON: keep the text
  }
  return msg.split('\n')[0] ?? ''
}

function reasonOf(e: unknown): string {
  const err = e as { code?: string; message?: string; cause?: unknown }
  const code = err?.code ?? (err?.cause as { code?: string } | undefined)?.code
  switch (code) {
    case 'ENOENT':
      return 'no such socket'
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'ENOTSOCK':
      return 'not a socket'
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timed out'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host'
  }
  const msg = (err?.message ?? String(e)).split('\n')[0] ?? ''
  return code ? `${msg} (${code})` : msg
}

/** A Docker Engine API client (Docker, or podman's compatible service) over a unix socket or plain TCP. */
export class EngineClient {
  /** DOCKER_HOST as used, for messages. */
  readonly host: string
  readonly endpoint: EngineEndpoint
  private readonly client: Client
  private readonly debug: ((line: string) => void) | undefined
  private api: Promise<string> | undefined

  constructor(opts: EngineOptions = {}) {
    const env = opts.env ?? process.env
    this.endpoint = parseDockerHost(opts.dockerHost ?? env.DOCKER_HOST, env)
    this.host = this.endpoint.host
    this.debug = opts.debug
    const connect = { timeout: opts.connectTimeoutMs ?? 10_000 }
    this.client =
      this.endpoint.kind === 'unix'
        ? new Client('http://localhost', { socketPath: this.endpoint.socketPath, connect, bodyTimeout: 300_000 })
        : new Client(this.endpoint.origin, { connect, bodyTimeout: 300_000 })
  }

  /** `where` of every error: the engine's address. */
  get where(): string {
    return `DOCKER_HOST=${this.host}`
  }

  private async send(method: 'GET' | 'HEAD', path: string): Promise<Dispatcher.ResponseData> {
    const t0 = performance.now()
    let res: Dispatcher.ResponseData
    try {
      res = await this.client.request({ method, path, headers: { accept: 'application/json' } })
    } catch (e) {
      this.debug?.(`engine ${method} ${path} failed: ${reasonOf(e)}`)
      throw new ShipshapeError('NETWORK', `cannot reach the container engine: ${reasonOf(e)}`, {
        where: this.where,
        cause: e,
      })
    }
    this.debug?.(`engine ${method} ${path} → ${res.statusCode} (${Math.round(performance.now() - t0)} ms)`)
    return res
  }

  /** The engine's error message from a non-2xx answer (`{"message": ...}`), one line. */
  private async failure(res: Dispatcher.ResponseData, what: string): Promise<ShipshapeError> {
    return this.failureOf(res.statusCode, await bodyText(res), what)
  }

  private failureOf(status: number, text: string, what: string): ShipshapeError {
    const msg = engineMessage(text)
    return new ShipshapeError('ENGINE', `the container engine answered ${status} to ${what}${msg ? `: ${msg}` : ''}`, {
      where: this.where,
    })
  }

  /** The API version to use: the engine's (from `/_ping`'s API-Version header) when older than ours. */
  private apiVersion(): Promise<string> {
    this.api ??= this.ping().then(
      (p) => negotiateApiVersion(p.apiVersion ? { apiVersion: p.apiVersion } : {}),
      (e) => {
        this.api = undefined
        throw e
      },
    )
    return this.api
  }

  /**
   * A request on the versioned API. An engine whose minimum is above our version (Docker 29 refuses anything
   * below 1.44) or whose maximum is below it says so in a 400; we retry once at the version it names.
   */
  private async sendVersioned(path: string, what: string): Promise<Dispatcher.ResponseData> {
    const v = await this.apiVersion()
    const res = await this.send('GET', `/v${v}${path}`)
    if (res.statusCode !== 400) return res
    const text = await bodyText(res)
    const m = /(minimum|maximum) supported API version is (\d+\.\d+)/i.exec(engineMessage(text))
    const other = m?.[2]
    if (!other || other === v) throw this.failureOf(res.statusCode, text, what)
    this.debug?.(`engine: API version ${v} refused, using ${other}`)
    this.api = Promise.resolve(other)
    return this.send('GET', `/v${other}${path}`)
  }

  private async json(path: string, what: string, versioned = true): Promise<unknown | undefined> {
    const res = versioned ? await this.sendVersioned(path, what) : await this.send('GET', path)
    if (res.statusCode === 404) {
      await res.body.dump()
      return undefined
    }
    if (res.statusCode < 200 || res.statusCode >= 300) throw await this.failure(res, what)
    try {
      return await res.body.json()
    } catch (e) {
      throw new ShipshapeError('ENGINE', `the container engine sent malformed JSON for ${what}`, {
        where: this.where,
        cause: e,
      })
    }
  }

  /**
   * `GET /_ping`: throws NETWORK when nothing answers, ENGINE when the engine says it is unwell. Returns the
   * API version the engine announces (its maximum).
   */
  async ping(): Promise<{ apiVersion?: string }> {
    const res = await this.send('GET', '/_ping')
    if (res.statusCode !== 200) throw await this.failure(res, 'GET /_ping')
    await res.body.dump()
    const h = res.headers['api-version']
    const apiVersion = Array.isArray(h) ? h[0] : h
    return apiVersion ? { apiVersion } : {}
  }

  async version(): Promise<EngineVersion> {
    const j = (await this.json('/version', 'GET /version', false)) as Record<string, unknown> | undefined
    if (!j) throw new ShipshapeError('ENGINE', 'the container engine has no /version endpoint', { where: this.where })
    const components = Array.isArray(j.Components)
      ? j.Components.map((c) => str((c as Record<string, unknown>)?.Name)).filter((c): c is string => !!c)
      : []
    const out: EngineVersion = {
      version: str(j.Version) ?? '',
      apiVersion: str(j.ApiVersion) ?? '',
      components,
    }
    const min = str(j.MinAPIVersion)
    if (min) out.minApiVersion = min
    const os = str(j.Os)
    if (os) out.os = os
    const arch = str(j.Arch)
    if (arch) out.arch = arch
    const kernel = str(j.KernelVersion)
    if (kernel) out.kernelVersion = kernel
    return out
  }

  private async inspectExact(name: string): Promise<EngineImage | undefined> {
    checkImageName(name, this.where)
    const j = (await this.json(`/images/${name}/json`, `inspect of image ${name}`)) as
      | Record<string, unknown>
      | undefined
    if (!j) return undefined
    const id = parseDigest(j.Id)
    if (!id)
      throw new ShipshapeError('ENGINE', `the container engine gave image ${name} a malformed Id ${String(j.Id)}`, {
        where: this.where,
      })
    const img: EngineImage = {
      id,
      repoTags: strings(j.RepoTags),
      repoDigests: strings(j.RepoDigests),
      size: typeof j.Size === 'number' ? j.Size : 0,
      labels: labelsOf((j.Config as Record<string, unknown> | undefined)?.Labels),
    }
    const created = str(j.Created)
    if (created) img.created = created
    const os = str(j.Os)
    if (os) img.os = os
    const arch = str(j.Architecture)
    if (arch) img.architecture = arch
    const variant = str(j.Variant)
    if (variant) img.variant = variant
    return img
  }

  /**
   * Looks the image up as the Docker CLI would, and also as `localhost/NAME` (where podman keeps images it built
   * or loaded without a registry). `asked` is the name the engine knew it by.
   */
  async resolveImage(name: string): Promise<{ image: EngineImage; asked: string } | undefined> {
    for (const candidate of lookupCandidates(name)) {
      const image = await this.inspectExact(candidate)
      if (image) return { image, asked: candidate }
    }
    return undefined
  }

  /** `GET /images/{name}/json`; undefined when the engine has no such image. */
  async inspectImage(name: string): Promise<EngineImage | undefined> {
    return (await this.resolveImage(name))?.image
  }

  /** `GET /images/{name}/get`: the `docker save` tar stream. Throws NOT_FOUND on 404. */
  async exportImage(name: string): Promise<Readable> {
    checkImageName(name, this.where)
    const res = await this.sendVersioned(`/images/${name}/get`, `export of image ${name}`)
    if (res.statusCode === 404) {
      await res.body.dump()
      throw new ShipshapeError('NOT_FOUND', `no image ${name} in the container engine`, { where: this.where })
    }
    if (res.statusCode !== 200) throw await this.failure(res, `export of image ${name}`)
    return res.body
  }

  async listImages(): Promise<EngineImageSummary[]> {
    const j = await this.json('/images/json', 'GET /images/json')
    if (!Array.isArray(j)) throw new ShipshapeError('ENGINE', 'the image list is not an array', { where: this.where })
    const out: EngineImageSummary[] = []
    for (const raw of j) {
      const o = (raw ?? {}) as Record<string, unknown>
      const id = parseDigest(o.Id)
      if (!id) continue
      const img: EngineImageSummary = {
        id,
        repoTags: strings(o.RepoTags).filter((t) => !t.startsWith('<none>')),
        repoDigests: strings(o.RepoDigests).filter((t) => !t.startsWith('<none>')),
        size: typeof o.Size === 'number' ? o.Size : 0,
        labels: labelsOf(o.Labels),
      }
      const created = isoFromUnix(o.Created)
      if (created) img.created = created
      if (typeof o.Containers === 'number' && o.Containers >= 0) img.containers = o.Containers
      out.push(img)
    }
    return out
  }

  async listContainers(opts: { all?: boolean } = {}): Promise<EngineContainer[]> {
    const j = await this.json(`/containers/json${opts.all ? '?all=1' : ''}`, 'GET /containers/json')
    if (!Array.isArray(j))
      throw new ShipshapeError('ENGINE', 'the container list is not an array', { where: this.where })
    const out: EngineContainer[] = []
    for (const raw of j) {
      const o = (raw ?? {}) as Record<string, unknown>
      const id = str(o.Id)
      if (!id) continue
      const c: EngineContainer = {
        id,
        names: strings(o.Names).map((n) => n.replace(/^\//, '')),
        image: str(o.Image) ?? '',
        state: str(o.State) ?? '',
        status: str(o.Status) ?? '',
        labels: labelsOf(o.Labels),
      }
      const imageId = parseDigest(o.ImageID)
      if (imageId) c.imageId = imageId
      const created = isoFromUnix(o.Created)
      if (created) c.created = created
      out.push(c)
    }
    return out
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}
