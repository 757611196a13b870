import { createHash, type Hash } from 'node:crypto'
import { closeSync, createReadStream, openSync, readFileSync, writeSync } from 'node:fs'
import { Readable } from 'node:stream'
import { rootCertificates } from 'node:tls'
import { Agent, type Dispatcher } from 'undici'
import { ShipshapeError, TOOL_NAME, TOOL_VERSION } from '../../internal/index.js'
import { type Digest, digestAlgorithm, parseDigest } from '../../model/index.js'
import { MT } from '../media-types.js'
import { type Challenge, parseChallenges, parseTokenResponse, TokenCache } from './auth.js'
import { BLOB_CACHE_MAX_BYTES, BlobCache } from './blob-cache.js'
import { type Credentials, credentialsFor } from './credentials.js'
import { apiHost, hostname, isLoopback } from './name.js'

export interface RegistryOptions {
  /** host[:port] reached over plain HTTP, or HTTPS without verification. A bare host matches every port. */
  insecure?: readonly string[]
  /** Flags; else env SHIPSHAPE_REGISTRY_USERNAME/SHIPSHAPE_REGISTRY_PASSWORD; else the docker config. */
  username?: string
  password?: string
  /** Extra PEM CA certificates, trusted beside the system's. */
  caFile?: string
  /** Cache root; blobs go to `<cacheDir>/blobs`. Undefined: no blob cache. */
  cacheDir?: string
  /** Size cap of the blob cache (default 10 GiB); the least recently used entries go first. */
  blobCacheMaxBytes?: number
  /** Default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  dockerConfig?: string
  /** Registry host → mirrors tried first (`{ 'docker.io': ['mirror.example:5000'] }`). */
  mirrors?: Record<string, string[]>
  env?: NodeJS.ProcessEnv
  /** Debug lines (never with credentials or tokens). */
  debug?: (line: string) => void
  /** Retries after a 429, a 5xx or a connection error, and resumes of a broken blob stream (default 4). */
  retries?: number
  /** First backoff delay (default 500 ms; doubled each retry, with jitter). */
  retryBaseMs?: number
  /** Longest wait, including a `Retry-After` (default 30 s). */
  retryMaxDelayMs?: number
  /** Connections per registry host (default 6): bounds how many requests run at once. */
  connections?: number
  /** Time to wait for headers, and between body chunks (default 60 s). */
  timeoutMs?: number
}

export interface ManifestResult {
  bytes: Buffer
  digest: Digest
  mediaType: string
}

interface Endpoint {
  /** host[:port] the requests go to. */
  host: string
  /** The registry the reference names (`docker.io`), for credentials and messages. */
  registry: string
  mirror: boolean
}

interface HostState {
  base?: Promise<URL>
  challenge?: Challenge
  creds?: Promise<Credentials | undefined>
  dead?: boolean
}

interface Response {
  statusCode: number
  headers: Record<string, string | string[] | undefined>
  body: Dispatcher.ResponseData['body']
  url: URL
}

const MANIFEST_ACCEPT = [MT.ociIndex, MT.dockerList, MT.ociManifest, MT.dockerManifest].join(', ')
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024
const MAX_SMALL_BLOB_BYTES = 64 * 1024 * 1024
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
])
const RETRY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
])

function errCode(e: unknown): string {
  const o = e as { code?: unknown; cause?: { code?: unknown } }
  return String(o?.code ?? o?.cause?.code ?? '')
}

function isTlsVerifyError(e: unknown): boolean {
  return TLS_VERIFY_CODES.has(errCode(e))
}

/** What a TLS client sees when the server speaks plain HTTP. */
function isPlainHttpAnswer(e: unknown): boolean {
  const code = errCode(e)
  const msg = String((e as Error)?.message ?? '')
  return (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    code === 'EPROTO' ||
    /wrong version number|packet length too long|http request/i.test(msg)
  )
}

function isRetryable(e: unknown): boolean {
  return RETRY_CODES.has(errCode(e)) || /other side closed|socket hang up/i.test(String((e as Error)?.message))
}

function header(h: Response['headers'], name: string): string | undefined {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

/** A URL safe to print: no query (pre-signed storage URLs carry signatures there), no user info. */
function printable(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** `Retry-After` as seconds or an HTTP date, in ms. */
function retryAfterMs(v: string | undefined): number | undefined {
  if (!v) return undefined
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000
  const t = Date.parse(v)
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined
}

async function readCapped(body: Readable, max: number, what: string, where: string): Promise<Buffer> {
  const parts: Buffer[] = []
  let n = 0
  for await (const c of body) {
    const b = c as Buffer
    n += b.length
    if (n > max) {
      body.destroy()
      throw new ShipshapeError('UNSUPPORTED', `${what} is larger than ${Math.round(max / 1048576)} MiB`, { where })
    }
    parts.push(b)
  }
  return Buffer.concat(parts)
}

function hashOf(d: Digest, bytes: Buffer): Digest {
  const alg = digestAlgorithm(d)
  return `${alg}:${createHash(alg).update(bytes).digest('hex')}` as Digest
}

/** Error codes from an `errors` JSON body (the distribution spec), e.g. `MANIFEST_UNKNOWN`. */
async function errorCodes(body: Readable): Promise<string> {
  try {
    const text = (await readCapped(body, 64 * 1024, 'error body', '')).toString('utf8')
    const v = JSON.parse(text) as { errors?: { code?: string; message?: string }[] }
    return (v.errors ?? [])
      .map((e) => [e.code, e.message].filter(Boolean).join(': '))
      .filter(Boolean)
      .join('; ')
  } catch {
    return ''
  }
}

/**
 * An OCI Distribution client on undici: keep-alive pools per host, retries with backoff (honouring
 * `Retry-After`), anonymous/Basic/Bearer auth with tokens cached per scope, redirects followed without
 * credentials when they leave the registry's origin, every manifest and blob checked against its digest, and an
 * optional content-addressed blob cache.
 */
export class RegistryClient {
  private readonly verified: Agent
  private readonly unverified: Agent
  private readonly hosts = new Map<string, HostState>()
  /** registry/repository → the endpoint host that served its manifest. */
  private readonly served = new Map<string, string>()
  private readonly tokens = new TokenCache()
  private readonly cache: BlobCache | undefined
  private readonly retries: number
  private readonly retryBaseMs: number
  private readonly retryMaxDelayMs: number
  private readonly timeoutMs: number
  private readonly insecure: string[]
  private readonly mirrors: Record<string, string[]>
  /** Requests sent, by kind, for diagnostics and benchmarks. */
  readonly stats = { requests: 0, blobBytes: 0, cacheHits: 0, tokenFetches: 0, resumes: 0 }

  constructor(readonly opts: RegistryOptions = {}) {
    let ca: string[] | undefined
    if (opts.caFile) {
      let pem: string
      try {
        pem = readFileSync(opts.caFile, 'utf8')
      } catch (e) {
        throw new ShipshapeError('USAGE', `cannot read the registry CA file: ${(e as Error).message}`, {
          where: opts.caFile,
        })
      }
      if (!pem.includes('-----BEGIN CERTIFICATE-----'))
        throw new ShipshapeError('USAGE', 'the registry CA file holds no PEM certificate', { where: opts.caFile })
      ca = [...rootCertificates, pem]
    }
    const common = {
      connections: opts.connections ?? 6,
      keepAliveTimeout: 10_000,
      headersTimeout: opts.timeoutMs ?? 60_000,
      bodyTimeout: opts.timeoutMs ?? 60_000,
    }
    this.verified = new Agent({ ...common, connect: ca ? { ca } : {} })
    this.unverified = new Agent({ ...common, connect: { rejectUnauthorized: false } })
    this.retries = opts.retries ?? 4
    this.retryBaseMs = opts.retryBaseMs ?? 500
    this.retryMaxDelayMs = opts.retryMaxDelayMs ?? 30_000
    this.timeoutMs = opts.timeoutMs ?? 60_000
    this.insecure = (opts.insecure ?? []).map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/^[a-z]+:\/\//, ''),
    )
    const mirrors: Record<string, string[]> = {}
    for (const [k, v] of Object.entries(opts.mirrors ?? {})) {
      mirrors[k.toLowerCase()] = v.map((m) => {
        const plain = /^http:\/\//i.test(m)
        const host = m.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')
        if (plain && !this.insecure.includes(host.toLowerCase())) this.insecure.push(host.toLowerCase())
        return host
      })
    }
    this.mirrors = mirrors
    if (opts.cacheDir) this.cache = new BlobCache(opts.cacheDir, opts.blobCacheMaxBytes ?? BLOB_CACHE_MAX_BYTES)
  }

  async close(): Promise<void> {
    await Promise.all([this.verified.close(), this.unverified.close()])
  }

  private debug(line: string): void {
    this.opts.debug?.(`registry: ${line}`)
  }

  private isInsecure(host: string): boolean {
    const h = host.toLowerCase()
    return this.insecure.includes(h) || this.insecure.includes(hostname(h))
  }

  private dispatcherFor(u: URL): Agent {
    return u.protocol === 'https:' && this.isInsecure(u.host) ? this.unverified : this.verified
  }

  private state(host: string): HostState {
    let s = this.hosts.get(host)
    if (!s) {
      s = {}
      this.hosts.set(host, s)
    }
    return s
  }

  /** Mirrors first, then the registry; the endpoint that served the repository's manifest leads for its blobs. */
  private endpoints(registry: string, repository: string): Endpoint[] {
    const list = (this.mirrors[registry.toLowerCase()] ?? []).map((host) => ({ host, registry, mirror: true }))
    list.push({ host: apiHost(registry), registry, mirror: false })
    const live = list.filter((e) => !this.state(e.host).dead || !e.mirror)
    const lead = this.served.get(`${registry}/${repository}`)
    const i = live.findIndex((e) => e.host === lead)
    if (i > 0) live.unshift(...live.splice(i, 1))
    return live
  }

  private credentials(ep: Endpoint): Promise<Credentials | undefined> {
    const s = this.state(ep.host)
    s.creds ??= credentialsFor(ep.mirror ? ep.host : ep.registry, !ep.mirror, this.opts)
    return s.creds
  }

  // ---------------------------------------------------------------- transport

  /** One request, following redirects; `Authorization` only goes to the origin it was made for. */
  private async send(
    url: URL,
    method: 'GET' | 'HEAD',
    headers: Record<string, string>,
    auth?: { value: string; origin: string },
  ): Promise<Response> {
    let u = url
    for (let hops = 0; ; hops++) {
      const h: Record<string, string> = { ...headers, 'user-agent': `${TOOL_NAME}/${TOOL_VERSION}` }
      const sameOrigin = auth !== undefined && u.origin === auth.origin
      if (auth && sameOrigin) h.authorization = auth.value
      const t0 = Date.now()
      const res = await this.dispatcherFor(u).request({
        origin: u.origin,
        path: `${u.pathname}${u.search}`,
        method,
        headers: h,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      })
      this.stats.requests++
      this.debug(
        `${method} ${printable(u)}${headers.range ? ` (${headers.range})` : ''}${auth ? (sameOrigin ? ' [auth]' : ' [auth withheld: other origin]') : ''} → ${res.statusCode} (${Date.now() - t0} ms)`,
      )
      const location = header(res.headers, 'location')
      if (REDIRECTS.has(res.statusCode) && location) {
        await res.body.dump()
        if (hops >= 5) {
          throw new ShipshapeError('NETWORK', `too many redirects for ${method} ${url.pathname}`, { where: url.host })
        }
        u = new URL(location, u)
        continue
      }
      return { statusCode: res.statusCode, headers: res.headers, body: res.body, url: u }
    }
  }

  /** The base URL of a host: https, or for insecure and loopback hosts http when the server speaks plain HTTP. */
  private base(ep: Endpoint): Promise<URL> {
    const s = this.state(ep.host)
    s.base ??= this.probe(ep).catch((e) => {
      s.base = undefined
      throw e
    })
    return s.base
  }

  /** `GET /v2/`: which scheme the host speaks and what auth it asks for (as `docker pull` does first). */
  private async probe(ep: Endpoint): Promise<URL> {
    const s = this.state(ep.host)
    const https = new URL(`https://${ep.host}/`)
    const mayFallBack = this.isInsecure(ep.host) || isLoopback(ep.host)
    let base = https
    let res: Response
    try {
      res = await this.retrying(ep, () => this.send(new URL('/v2/', https), 'GET', {}), 'GET /v2/', true)
    } catch (e) {
      if (!isPlainHttpAnswer(e instanceof ShipshapeError ? e.cause : e)) throw e
      if (!mayFallBack) {
        throw new ShipshapeError(
          'NETWORK',
          `${ep.host} does not speak TLS; pass --insecure-registry ${ep.host} to use plain HTTP`,
          { where: ep.host, cause: e },
        )
      }
      base = new URL(`http://${ep.host}/`)
      this.debug(`${ep.host} speaks plain HTTP`)
      res = await this.retrying(ep, () => this.send(new URL('/v2/', base), 'GET', {}), 'GET /v2/', true)
    }
    await res.body.dump()
    if (res.statusCode === 401) {
      const challenges = parseChallenges(res.headers['www-authenticate'])
      s.challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic')
      this.debug(`${ep.host} asks for ${s.challenge?.scheme ?? 'unknown'} auth`)
    } else if (res.statusCode >= 400 && res.statusCode !== 404) {
      throw new ShipshapeError('NETWORK', `${ep.host} answered ${res.statusCode} to GET /v2/; is it a registry?`, {
        where: ep.host,
      })
    }
    return base
  }

  /**
   * Runs `fn` again after 429/5xx answers and connection errors, with exponential backoff or the server's
   * `Retry-After`, up to the retry budget. TLS verification failures are not retried.
   */
  private async retrying(
    ep: Endpoint,
    fn: () => Promise<Response>,
    what: string,
    raw = false,
    budget = ep.mirror ? Math.min(1, this.retries) : this.retries,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response
      try {
        res = await fn()
      } catch (e) {
        if (e instanceof ShipshapeError) throw e
        if (isTlsVerifyError(e)) {
          throw new ShipshapeError(
            'NETWORK',
            `TLS certificate of ${ep.host} is not trusted (${(e as Error).message}); pass --registry-ca FILE to trust its CA, or --insecure-registry ${ep.host} to skip verification`,
            { where: ep.host, cause: e },
          )
        }
        if (!raw && isPlainHttpAnswer(e)) {
          throw new ShipshapeError(
            'NETWORK',
            `${ep.host} does not speak TLS; pass --insecure-registry ${ep.host} to use plain HTTP`,
            { where: ep.host, cause: e },
          )
        }
        if (isRetryable(e) && attempt < budget) {
          const wait = this.backoff(attempt)
          this.debug(`${what}: ${errCode(e) || (e as Error).message}; retry ${attempt + 1}/${budget} in ${wait} ms`)
          await sleep(wait)
          continue
        }
        if (raw && isPlainHttpAnswer(e)) {
          throw new ShipshapeError('NETWORK', `${ep.host}: ${(e as Error).message}`, { where: ep.host, cause: e })
        }
        throw new ShipshapeError(
          'NETWORK',
          `cannot reach registry ${ep.host}: ${(e as Error).message || errCode(e)}${attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''}`,
          { where: ep.host, cause: e },
        )
      }
      if (res.statusCode === 429 || res.statusCode >= 500) {
        await res.body.dump().catch(() => {})
        if (attempt < budget) {
          const after = retryAfterMs(header(res.headers, 'retry-after'))
          const wait = Math.min(after ?? this.backoff(attempt), this.retryMaxDelayMs)
          this.debug(`${what}: ${res.statusCode}; retry ${attempt + 1}/${budget} in ${wait} ms`)
          await sleep(wait)
          continue
        }
        throw new ShipshapeError(
          'NETWORK',
          `registry ${ep.host} answered ${res.statusCode} to ${what} ${attempt + 1} times; giving up`,
          { where: ep.host },
        )
      }
      return res
    }
  }

  private backoff(attempt: number): number {
    const d = this.retryBaseMs * 2 ** attempt
    return Math.min(this.retryMaxDelayMs, Math.round(d * (0.75 + Math.random() * 0.5)))
  }

  // ---------------------------------------------------------------- auth

  private async authFor(ep: Endpoint, base: URL, scope: string): Promise<string | undefined> {
    const c = this.state(ep.host).challenge
    if (!c) return undefined
    if (c.scheme === 'basic') {
      const creds = await this.credentials(ep)
      if (!creds) return undefined
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`
    }
    if (c.scheme === 'bearer') return `Bearer ${await this.token(ep, base, c, scope)}`
    throw new ShipshapeError('UNSUPPORTED', `${ep.host} asks for ${c.scheme} authentication, which is not supported`, {
      where: ep.host,
    })
  }

  private token(ep: Endpoint, base: URL, c: Challenge, scope: string): Promise<string> {
    const realm = c.params.realm
    if (!realm) throw new ShipshapeError('AUTH', `${ep.host} asks for a bearer token but names no realm`)
    const key = TokenCache.key(realm, c.params.service, scope)
    return this.tokens.get(key, async () => {
      let url: URL
      try {
        url = new URL(realm)
      } catch {
        throw new ShipshapeError('AUTH', `${ep.host} names an invalid token realm`, { where: ep.host })
      }
      if (c.params.service) url.searchParams.set('service', c.params.service)
      if (scope) url.searchParams.set('scope', scope)
      const creds = await this.credentials(ep)
      // Basic credentials go to the realm the registry names only over TLS, unless the registry itself is reached
      // in the clear (or the realm's host is loopback or listed as insecure).
      const mayShare =
        url.protocol === 'https:' || base.protocol === 'http:' || isLoopback(url.host) || this.isInsecure(url.host)
      const auth =
        creds && mayShare
          ? {
              value: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`,
              origin: url.origin,
            }
          : undefined
      this.stats.tokenFetches++
      this.debug(`token for ${scope || '(no scope)'} from ${printable(url)}${auth ? ' with credentials' : ''}`)
      const res = await this.retrying(ep, () => this.send(url, 'GET', {}, auth), 'token request')
      if (res.statusCode === 401 || res.statusCode === 403) {
        await res.body.dump()
        throw this.authError(ep, creds, scope)
      }
      if (res.statusCode !== 200) {
        await res.body.dump()
        throw new ShipshapeError('AUTH', `token server of ${ep.host} answered ${res.statusCode}`, {
          where: `${url.host}`,
        })
      }
      const t = parseTokenResponse((await readCapped(res.body, 1024 * 1024, 'token', url.host)).toString('utf8'))
      if (!t) throw new ShipshapeError('AUTH', `token server of ${ep.host} returned no token`, { where: url.host })
      return t
    })
  }

  private authError(ep: Endpoint, creds: Credentials | undefined, scope: string): ShipshapeError {
    const repo = /^repository:([^:]+):/.exec(scope)?.[1]
    const what = repo ? `${ep.host}/${repo}` : ep.host
    if (creds) {
      return new ShipshapeError(
        'AUTH',
        `registry ${ep.host} refused the credentials of user ${JSON.stringify(creds.username)} (from ${creds.from}) for ${repo ?? 'access'}`,
        { where: what },
      )
    }
    return new ShipshapeError(
      'AUTH',
      `registry ${ep.host} requires authentication for ${repo ?? 'access'}; log in with docker login ${ep.registry}, or pass --username/--password (or set SHIPSHAPE_REGISTRY_USERNAME/SHIPSHAPE_REGISTRY_PASSWORD)`,
      { where: what },
    )
  }

  /** An authenticated request to one endpoint: auth up front when the challenge is known, re-auth once on 401. */
  private async call(
    ep: Endpoint,
    repository: string,
    method: 'GET' | 'HEAD',
    path: string,
    headers: Record<string, string>,
    what: string,
  ): Promise<Response> {
    const base = await this.base(ep)
    const scope = `repository:${repository}:pull`
    const url = new URL(path, base)
    let refreshed = false
    for (;;) {
      const s = this.state(ep.host)
      const value = await this.authFor(ep, base, scope)
      const res = await this.retrying(
        ep,
        () => this.send(url, method, headers, value ? { value, origin: base.origin } : undefined),
        what,
      )
      if (res.statusCode !== 401) return res
      await res.body.dump()
      const challenges = parseChallenges(res.headers['www-authenticate'])
      const c = challenges.find((x) => x.scheme === 'bearer') ?? challenges.find((x) => x.scheme === 'basic')
      const creds = await this.credentials(ep)
      if (!c || refreshed) throw this.authError(ep, creds, scope)
      refreshed = true
      if (value?.startsWith('Bearer ') && s.challenge?.params.realm) {
        // the token expired or lacks the scope: ask again once
        this.tokens.drop(TokenCache.key(s.challenge.params.realm, s.challenge.params.service, scope))
      } else if (value?.startsWith('Basic ') && c.scheme === 'basic') {
        throw this.authError(ep, creds, scope)
      } else if (!value && c.scheme === 'basic' && !creds) {
        throw this.authError(ep, creds, scope)
      }
      s.challenge = { scheme: c.scheme, params: { ...c.params } }
    }
  }

  /** Tries the mirrors of the registry, then the registry itself; a mirror's failure moves on to the next. */
  private async onEndpoints<T>(registry: string, repository: string, fn: (ep: Endpoint) => Promise<T>): Promise<T> {
    const eps = this.endpoints(registry, repository)
    let last: unknown
    for (const [i, ep] of eps.entries()) {
      try {
        return await fn(ep)
      } catch (e) {
        last = e
        if (!ep.mirror || i === eps.length - 1) throw e
        if (e instanceof ShipshapeError && e.code === 'NETWORK') this.state(ep.host).dead = true
        this.debug(`mirror ${ep.host} failed (${(e as Error).message}); trying the next endpoint`)
      }
    }
    throw last
  }

  // ---------------------------------------------------------------- API

  /** A manifest or index by tag or digest, negotiated over OCI and Docker v2 types; its digest is checked. */
  async getManifest(registry: string, repository: string, reference: string): Promise<ManifestResult> {
    const where = `${registry}/${repository}`
    const wanted = parseDigest(reference)
    if (wanted && this.cache) {
      const hit = this.cache.lookup(wanted)
      if (hit) {
        const bytes = readFileSync(hit)
        if (hashOf(wanted, bytes) === wanted) {
          this.stats.cacheHits++
          return { bytes, digest: wanted, mediaType: mediaTypeOf(bytes, undefined) }
        }
        this.cache.remove(wanted)
      }
    }
    const result = await this.onEndpoints(registry, repository, async (ep) => {
      const res = await this.call(
        ep,
        repository,
        'GET',
        `/v2/${repository}/manifests/${reference}`,
        { accept: MANIFEST_ACCEPT },
        `GET manifest ${reference}`,
      )
      if (res.statusCode === 404) {
        const codes = await errorCodes(res.body)
        const repoUnknown = /NAME_UNKNOWN/.test(codes)
        throw new ShipshapeError(
          'NOT_FOUND',
          repoUnknown
            ? `repository ${repository} not found on ${ep.host}`
            : `manifest ${reference} not found in ${ep.host}/${repository}`,
          { where: `${ep.host}/${repository}` },
        )
      }
      if (res.statusCode === 403) {
        await res.body.dump()
        throw new ShipshapeError('AUTH', `registry ${ep.host} denied access to ${repository}`, {
          where: `${ep.host}/${repository}`,
        })
      }
      if (res.statusCode !== 200) {
        const codes = await errorCodes(res.body)
        throw new ShipshapeError(
          'NETWORK',
          `registry ${ep.host} answered ${res.statusCode} for manifest ${reference}${codes ? `: ${codes}` : ''}`,
          { where: `${ep.host}/${repository}` },
        )
      }
      const bytes = await readCapped(res.body, MAX_MANIFEST_BYTES, `manifest ${reference}`, where)
      const digest = hashOf(wanted ?? ('sha256:' as Digest), bytes)
      if (wanted && digest !== wanted) {
        throw new ShipshapeError(
          'DIGEST_MISMATCH',
          `manifest ${wanted} from ${ep.host}/${repository} does not match its digest (content is ${digest})`,
          { where: `${ep.host}/${repository}@${wanted}` },
        )
      }
      const claimed = parseDigest(header(res.headers, 'docker-content-digest'))
      if (claimed && digestAlgorithm(claimed) === digestAlgorithm(digest) && claimed !== digest) {
        throw new ShipshapeError(
          'DIGEST_MISMATCH',
          `manifest ${reference} from ${ep.host}/${repository}: Docker-Content-Digest says ${claimed}, the content is ${digest}`,
          { where: `${ep.host}/${repository}` },
        )
      }
      const mediaType = mediaTypeOf(bytes, header(res.headers, 'content-type'))
      if (mediaType.startsWith('application/vnd.docker.distribution.manifest.v1+') || schemaVersion(bytes) === 1) {
        throw new ShipshapeError(
          'UNSUPPORTED',
          `manifest ${reference} is a Docker schema 1 manifest, which is deprecated and not supported`,
          { where: `${ep.host}/${repository}` },
        )
      }
      this.served.set(where, ep.host)
      return { bytes, digest, mediaType }
    })
    // content-addressed: a manifest fetched by tag is kept under its digest as well
    this.store(result.digest, result.bytes)
    return result
  }

  /** A small blob (config, attestation), read whole and checked against its digest. */
  async blob(registry: string, repository: string, d: Digest, what = 'blob'): Promise<Buffer> {
    if (this.cache) {
      const hit = this.cache.lookup(d)
      if (hit) {
        const bytes = readFileSync(hit)
        if (hashOf(d, bytes) === d) {
          this.stats.cacheHits++
          return bytes
        }
        this.cache.remove(d)
      }
    }
    const bytes = await this.onEndpoints(registry, repository, async (ep) => {
      const res = await this.blobRequest(ep, repository, d, {}, what)
      const b = await readCapped(res.body, MAX_SMALL_BLOB_BYTES, `${what} ${d}`, `${ep.host}/${repository}`)
      const got = hashOf(d, b)
      if (got !== d) {
        throw new ShipshapeError(
          'DIGEST_MISMATCH',
          `${what} blob ${d} from ${ep.host}/${repository} does not match its digest (content is ${got})`,
          { where: `${ep.host}/${repository}@${d}` },
        )
      }
      this.stats.blobBytes += b.length
      return b
    })
    this.store(d, bytes)
    return bytes
  }

  /** The size of a blob as the registry reports it (`HEAD`). */
  async blobSize(registry: string, repository: string, d: Digest): Promise<number> {
    return this.onEndpoints(registry, repository, async (ep) => {
      const res = await this.call(ep, repository, 'HEAD', `/v2/${repository}/blobs/${d}`, {}, `HEAD blob ${d}`)
      await res.body.dump()
      if (res.statusCode === 404) {
        throw new ShipshapeError('NOT_FOUND', `blob ${d} not found in ${ep.host}/${repository}`, {
          where: `${ep.host}/${repository}@${d}`,
        })
      }
      const n = Number(header(res.headers, 'content-length'))
      if (res.statusCode !== 200 || !Number.isFinite(n)) {
        throw new ShipshapeError('NETWORK', `registry ${ep.host} answered ${res.statusCode} to HEAD blob ${d}`, {
          where: `${ep.host}/${repository}`,
        })
      }
      return n
    })
  }

  private async blobRequest(
    ep: Endpoint,
    repository: string,
    d: Digest,
    headers: Record<string, string>,
    what: string,
  ): Promise<Response> {
    const res = await this.call(ep, repository, 'GET', `/v2/${repository}/blobs/${d}`, headers, `GET ${what} ${d}`)
    if (res.statusCode === 404) {
      await res.body.dump()
      throw new ShipshapeError('NOT_FOUND', `${what} blob ${d} not found in ${ep.host}/${repository}`, {
        where: `${ep.host}/${repository}@${d}`,
      })
    }
    if (res.statusCode === 403) {
      await res.body.dump()
      throw new ShipshapeError('AUTH', `registry ${ep.host} denied access to blob ${d}`, {
        where: `${ep.host}/${repository}@${d}`,
      })
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      const codes = await errorCodes(res.body)
      throw new ShipshapeError(
        'NETWORK',
        `registry ${ep.host} answered ${res.statusCode} for ${what} blob ${d}${codes ? `: ${codes}` : ''}`,
        { where: `${ep.host}/${repository}@${d}` },
      )
    }
    return res
  }

  private store(d: Digest, bytes: Buffer): void {
    if (!this.cache || this.cache.lookup(d, bytes.length)) return
    const tmp = this.cache.tempPath(d)
    try {
      const fd = openSync(tmp, 'w')
      try {
        writeSync(fd, bytes)
      } finally {
        closeSync(fd)
      }
      this.cache.commit(tmp, d, bytes.length)
    } catch (e) {
      this.cache.discard(tmp)
      this.debug(`blob cache: cannot store ${d}: ${(e as Error).message}`)
    }
  }

  /**
   * A blob as a stream, hashed while it flows (and written to the blob cache, renamed into place only when the
   * digest checks out). A stream that breaks is resumed with `Range: bytes=N-`. A digest mismatch fails the stream
   * with DIGEST_MISMATCH, unless `downstreamVerifies` (the layer walk hashes every byte itself and reports the
   * mismatch with the layer it belongs to); the cache keeps nothing either way.
   */
  async openBlob(
    registry: string,
    repository: string,
    d: Digest,
    o: { size?: number; what?: string; downstreamVerifies?: boolean } = {},
  ): Promise<Readable> {
    const what = o.what ?? 'blob'
    const where = `${registry}/${repository}`
    const size = o.size !== undefined && o.size >= 0 ? o.size : undefined
    const hit = this.cache?.lookup(d, size)
    if (hit && this.cache) {
      this.stats.cacheHits++
      const cache = this.cache
      return new VerifiedBlobStream({
        digest: d,
        size,
        what,
        where,
        open: async (offset) => ({
          body: createReadStream('', { fd: openSync(hit, 'r'), start: offset, highWaterMark: 1024 * 1024 }),
          skip: 0,
        }),
        maxResumes: 0,
        endOnMismatch: o.downstreamVerifies ?? false,
        onMismatch: () => cache.remove(d),
        onBytes: () => {},
        backoff: () => 0,
      })
    }
    let ep: Endpoint | undefined
    const open = async (offset: number): Promise<{ body: Readable; skip: number }> => {
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {}
      const run = async (e: Endpoint) => {
        const res = await this.blobRequest(e, repository, d, headers, what)
        ep = e
        return res
      }
      const res = ep ? await run(ep) : await this.onEndpoints(registry, repository, run)
      if (offset === 0) return { body: res.body, skip: 0 }
      this.stats.resumes++
      if (res.statusCode === 206) {
        const m = /^bytes (\d+)-/.exec(header(res.headers, 'content-range') ?? '')
        const start = m ? Number(m[1]) : Number.NaN
        if (start === offset) return { body: res.body, skip: 0 }
        if (start < offset) return { body: res.body, skip: offset - start }
        res.body.destroy()
        throw new ShipshapeError('NETWORK', `registry resumed blob ${d} at byte ${start}, not ${offset}`, { where })
      }
      // 200: the registry ignored the range; skip what we already have.
      return { body: res.body, skip: offset }
    }
    const first = await open(0)
    let tmp: string | undefined
    let fd: number | undefined
    if (this.cache) {
      tmp = this.cache.tempPath(d)
      fd = openSync(tmp, 'w')
    }
    const cache = this.cache
    return new VerifiedBlobStream({
      digest: d,
      size,
      what,
      where,
      first,
      open,
      maxResumes: this.retries,
      endOnMismatch: o.downstreamVerifies ?? false,
      onBytes: (n) => {
        this.stats.blobBytes += n
      },
      backoff: (n) => this.backoff(n),
      debug: (l) => this.debug(l),
      ...(cache && tmp !== undefined && fd !== undefined
        ? {
            sink: {
              write: (c: Buffer) => writeSync(fd, c),
              commit: (n: number) => {
                closeSync(fd)
                try {
                  cache.commit(tmp, d, n)
                } catch (e) {
                  cache.discard(tmp)
                  this.debug(`blob cache: cannot store ${d}: ${(e as Error).message}`)
                }
              },
              discard: () => {
                try {
                  closeSync(fd)
                } catch {
                  // already closed
                }
                cache.discard(tmp)
              },
            },
          }
        : {}),
    })
  }

  /** Every tag of a repository, following `Link: <…>; rel="next"` pagination. */
  async listTags(registry: string, repository: string): Promise<string[]> {
    return this.onEndpoints(registry, repository, async (ep) => {
      const tags: string[] = []
      let path = `/v2/${repository}/tags/list?n=1000`
      for (let page = 0; page < 10_000; page++) {
        const res = await this.call(ep, repository, 'GET', path, { accept: 'application/json' }, 'GET tags')
        if (res.statusCode === 404) {
          await res.body.dump()
          throw new ShipshapeError('NOT_FOUND', `repository ${repository} not found on ${ep.host}`, {
            where: `${ep.host}/${repository}`,
          })
        }
        if (res.statusCode !== 200) {
          const codes = await errorCodes(res.body)
          throw new ShipshapeError(
            'NETWORK',
            `registry ${ep.host} answered ${res.statusCode} to the tag list${codes ? `: ${codes}` : ''}`,
            { where: `${ep.host}/${repository}` },
          )
        }
        const text = (await readCapped(res.body, 16 * 1024 * 1024, 'tag list', ep.host)).toString('utf8')
        let v: { tags?: unknown }
        try {
          v = JSON.parse(text) as { tags?: unknown }
        } catch {
          throw new ShipshapeError('NETWORK', `registry ${ep.host} sent a tag list that is not JSON`, {
            where: `${ep.host}/${repository}`,
          })
        }
        if (Array.isArray(v.tags)) for (const t of v.tags) if (typeof t === 'string') tags.push(t)
        const next = nextLink(res.headers.link)
        if (!next) break
        const u = new URL(next, res.url)
        if (u.host !== res.url.host) break
        path = `${u.pathname}${u.search}`
      }
      return tags
    })
  }
}

/** The `rel="next"` target of a `Link` header. */
export function nextLink(h: string | string[] | undefined): string | undefined {
  const list = Array.isArray(h) ? h : h ? [h] : []
  for (const v of list) {
    for (const part of v.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>(.*)$/.exec(part)
      if (m && /;\s*rel="?next"?/i.test(m[2] as string)) return m[1]
    }
  }
  return undefined
}

function schemaVersion(bytes: Buffer): number | undefined {
  try {
    const v = JSON.parse(bytes.toString('utf8')) as { schemaVersion?: unknown }
    return typeof v.schemaVersion === 'number' ? v.schemaVersion : undefined
  } catch {
    return undefined
  }
}

function mediaTypeOf(bytes: Buffer, contentType: string | undefined): string {
  try {
    const v = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }
    if (typeof v.mediaType === 'string' && v.mediaType) return v.mediaType
  } catch {
    // fall through to the header
  }
  return (contentType ?? '').split(';')[0]?.trim() ?? ''
}

interface StreamOptions {
  digest: Digest
  size: number | undefined
  what: string
  where: string
  first?: { body: Readable; skip: number }
  open: (offset: number) => Promise<{ body: Readable; skip: number }>
  maxResumes: number
  endOnMismatch: boolean
  onMismatch?: () => void
  onBytes: (n: number) => void
  backoff: (attempt: number) => number
  debug?: (line: string) => void
  sink?: { write(c: Buffer): void; commit(n: number): void; discard(): void }
}

/**
 * The bytes of one blob, from one or more bodies (a resumed download continues where the last one broke),
 * hashed as they pass; the end is only signalled after the digest (and size) checked out.
 */
class VerifiedBlobStream extends Readable {
  private body: Readable | undefined
  private readonly hash: Hash
  private received = 0
  private skip = 0
  private resumes = 0
  private settled = false

  constructor(private readonly o: StreamOptions) {
    super({ highWaterMark: 1024 * 1024 })
    this.hash = createHash(digestAlgorithm(o.digest))
    if (o.first) this.attach(o.first.body, o.first.skip)
    else void this.reopen()
  }

  private attach(body: Readable, skip: number): void {
    this.body = body
    this.skip = skip
    body.on('data', (c: Buffer) => {
      if (this.body === body) this.onData(c)
    })
    body.on('end', () => {
      if (this.body === body) this.onEnd()
    })
    body.on('error', (e) => {
      if (this.body === body) this.onError(e)
    })
  }

  private onData(chunk: Buffer): void {
    if (this.settled) return
    let c = chunk
    if (this.skip > 0) {
      if (c.length <= this.skip) {
        this.skip -= c.length
        return
      }
      c = c.subarray(this.skip)
      this.skip = 0
    }
    if (this.o.size !== undefined && this.received + c.length > this.o.size) {
      this.fail(
        new ShipshapeError(
          'DIGEST_MISMATCH',
          `${this.o.what} blob ${this.o.digest} is longer than the ${this.o.size} bytes its descriptor says`,
          { where: `${this.o.where}@${this.o.digest}` },
        ),
      )
      return
    }
    this.hash.update(c)
    try {
      this.o.sink?.write(c)
    } catch (e) {
      // a full disk must not fail the scan: stop caching this blob
      this.o.debug?.(`blob cache: write failed (${(e as Error).message}); not caching ${this.o.digest}`)
      this.o.sink?.discard()
      this.o.sink = undefined
    }
    this.received += c.length
    this.o.onBytes(c.length)
    if (!this.push(c)) this.body?.pause()
  }

  private onEnd(): void {
    if (this.settled) return
    if (this.o.size !== undefined && this.received < this.o.size) {
      this.onError(
        Object.assign(new Error(`stream ended at byte ${this.received} of ${this.o.size}`), { code: 'ECONNRESET' }),
      )
      return
    }
    this.settled = true
    const got = `${digestAlgorithm(this.o.digest)}:${this.hash.digest('hex')}`
    if (got !== this.o.digest) {
      this.o.sink?.discard()
      this.o.onMismatch?.()
      if (this.o.endOnMismatch) {
        this.push(null)
        return
      }
      this.destroy(
        new ShipshapeError(
          'DIGEST_MISMATCH',
          `${this.o.what} blob ${this.o.digest} does not match its digest (content is ${got})`,
          { where: `${this.o.where}@${this.o.digest}` },
        ),
      )
      return
    }
    this.o.sink?.commit(this.received)
    this.o.sink = undefined
    this.push(null)
  }

  private onError(e: unknown): void {
    if (this.settled || this.destroyed) return
    if (isRetryable(e) && this.resumes < this.o.maxResumes) {
      this.resumes++
      this.o.debug?.(
        `${this.o.what} blob ${this.o.digest} broke at byte ${this.received} (${errCode(e) || (e as Error).message}); resuming (${this.resumes}/${this.o.maxResumes})`,
      )
      this.body?.destroy()
      this.body = undefined
      void this.reopen(this.o.backoff(this.resumes - 1))
      return
    }
    this.fail(
      e instanceof ShipshapeError
        ? e
        : new ShipshapeError(
            'NETWORK',
            `${this.o.what} blob ${this.o.digest} broke off at byte ${this.received}: ${(e as Error).message || errCode(e)}`,
            { where: `${this.o.where}@${this.o.digest}`, cause: e },
          ),
    )
  }

  private async reopen(delay = 0): Promise<void> {
    try {
      if (delay) await sleep(delay)
      if (this.destroyed) return
      const { body, skip } = await this.o.open(this.received)
      if (this.destroyed) {
        body.destroy()
        return
      }
      this.attach(body, skip)
    } catch (e) {
      this.fail(e)
    }
  }

  private fail(e: unknown): void {
    if (this.settled) return
    this.settled = true
    this.o.sink?.discard()
    this.o.sink = undefined
    this.body?.destroy()
    this.destroy(e as Error)
  }

  override _read(): void {
    this.body?.resume()
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (!this.settled) {
      this.settled = true
      this.o.sink?.discard()
      this.o.sink = undefined
    }
    this.body?.destroy()
    cb(err)
  }
}
