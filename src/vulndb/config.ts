import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { ShipshapeError, yaml } from '../internal/index.js'
import { FEED_NAMES, type FeedName } from './feeds/feed.js'

/** Where the DB and every later cache live: --cache-dir, SHIPSHAPE_CACHE_DIR, $XDG_CACHE_HOME/shipshape, ~/.cache/shipshape. */
export function cacheDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag)
  if (env.SHIPSHAPE_CACHE_DIR) return resolve(env.SHIPSHAPE_CACHE_DIR)
  const xdg = env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(xdg, 'shipshape')
}

export function dbPath(cache: string): string {
  return join(cache, 'db', 'vulnerability.db')
}

/** Alpine releases whose secdb the default configuration reads (main and community each). */
const ALPINE_RELEASES = ['v3.15', 'v3.16', 'v3.17', 'v3.18', 'v3.19', 'v3.20', 'v3.21', 'v3.22', 'edge']

/** The production feeds (shared/vulndata/README.md, "Production feeds for db update"). */
export const DEFAULT_FEEDS: Record<FeedName, string[]> = {
  osv: ['https://storage.googleapis.com/osv-vulnerabilities/all.zip'],
  debian: ['https://security-tracker.debian.org/tracker/data/json'],
  alpine: ALPINE_RELEASES.flatMap((r) => [
    `https://secdb.alpinelinux.org/${r}/main.json`,
    `https://secdb.alpinelinux.org/${r}/community.json`,
  ]),
  nvd: ['https://services.nvd.nist.gov/rest/json/cves/2.0'],
  cve5: ['https://github.com/CVEProject/cvelistV5/archive/refs/heads/main.zip'],
  kev: ['https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json'],
  epss: ['https://epss.empiricalsecurity.com/epss_scores-current.csv.gz'],
  rubysec: ['https://github.com/rubysec/ruby-advisory-db/archive/refs/heads/master.zip'],
}

export interface FeedConfig {
  name: FeedName
  urls: string[]
  /** Expected sha256 of the (single) download, when the feed publishes one or the user pins it. */
  sha256?: string
  /** A URL whose body holds the sha256 (`sha256:HEX`, `HEX  name`, or NVD's `.meta` `sha256:HEX` line). */
  checksumUrl?: string
}

export interface DbConfig {
  feeds: FeedConfig[]
  /** Warn in `db status` (and later before scans) when the DB is older than this many hours. */
  maxAgeHours: number
  timeoutMs: number
  retries: number
}

const feedValue = z.union([
  z.string(),
  z.array(z.string()),
  z.object({
    url: z.union([z.string(), z.array(z.string())]),
    sha256: z.string().optional(),
    checksum_url: z.string().optional(),
  }),
  z.literal(false),
])

const fileSchema = z.object({
  registry: z
    .object({
      /** Registry host → mirrors tried first (`docker.io: [mirror.example:5000]`). */
      mirrors: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
      /** Hosts reached over plain HTTP or unverified TLS. */
      insecure: z.array(z.string()).optional(),
    })
    .optional(),
  db: z
    .object({
      feeds: z.record(z.string(), feedValue).optional(),
      max_age: z.union([z.string(), z.number()]).optional(),
      timeout: z.union([z.string(), z.number()]).optional(),
      retries: z.number().int().min(0).max(10).optional(),
    })
    .optional(),
})

/** `90s`, `30m`, `12h`, `5d`, or a number of hours. */
export function parseDuration(v: string | number, what: string): number {
  if (typeof v === 'number') return v * 3_600_000
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(v.trim())
  if (!m) throw new ShipshapeError('USAGE', `${what} must look like 90s, 30m, 12h or 5d, not ${JSON.stringify(v)}`)
  const n = Number(m[1])
  const unit = m[2] ?? 'h'
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms' | 's' | 'm' | 'h' | 'd']
}

function isFeed(n: string): n is FeedName {
  return (FEED_NAMES as readonly string[]).includes(n)
}

export interface ConfigSources {
  /** `--config FILE`, else $XDG_CONFIG_HOME/shipshape/config.yaml when it exists. */
  configFile?: string
  /** `--feed NAME=URL` flags, in order; `NAME=off` disables a feed. */
  feedFlags?: string[]
  env?: NodeJS.ProcessEnv
}

function configFileOf(src: ConfigSources, env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return (
    src.configFile ??
    (existsSync(join(xdg, 'shipshape', 'config.yaml')) ? join(xdg, 'shipshape', 'config.yaml') : undefined)
  )
}

function readConfigFile(file: string): z.infer<typeof fileSchema> {
  let raw: unknown
  try {
    raw = yaml().parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new ShipshapeError('USAGE', `cannot read config: ${(e as Error).message}`, { where: file })
  }
  const parsed = fileSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new ShipshapeError('USAGE', `bad config: ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid'}`, {
      where: file,
    })
  }
  return parsed.data
}

export interface RegistryConfig {
  mirrors: Record<string, string[]>
  insecure: string[]
}

/**
 * Registry mirrors and insecure hosts: the config file's `registry:` section, then the environment
 * (`SHIPSHAPE_REGISTRY_MIRRORS=docker.io=m1,m2;ghcr.io=m3`, `SHIPSHAPE_INSECURE_REGISTRIES=h1,h2`), which adds to it.
 */
export function loadRegistryConfig(src: ConfigSources = {}): RegistryConfig {
  const env = src.env ?? process.env
  const file = configFileOf(src, env)
  const reg = file ? (readConfigFile(file).registry ?? {}) : {}
  const mirrors: Record<string, string[]> = {}
  for (const [host, m] of Object.entries(reg.mirrors ?? {})) mirrors[host] = [m].flat()
  for (const part of (env.SHIPSHAPE_REGISTRY_MIRRORS ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) {
      if (part.trim())
        throw new ShipshapeError(
          'USAGE',
          `SHIPSHAPE_REGISTRY_MIRRORS takes HOST=MIRROR[,MIRROR];…, not ${JSON.stringify(part)}`,
        )
      continue
    }
    const host = part.slice(0, eq).trim()
    mirrors[host] = [
      ...(mirrors[host] ?? []),
      ...part
        .slice(eq + 1)
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ]
  }
  const insecure = [
    ...(reg.insecure ?? []),
    ...(env.SHIPSHAPE_INSECURE_REGISTRIES ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ]
  return { mirrors, insecure }
}

/**
 * Feeds and limits, from the defaults, then the config file, then the environment (`SHIPSHAPE_FEED_<NAME>=URL[,URL]`),
 * then `--feed NAME=URL` flags: later wins. `NAME=off` (or `false` in the file) leaves a feed out.
 */
export function loadDbConfig(src: ConfigSources = {}): DbConfig {
  const env = src.env ?? process.env
  const feeds = new Map<FeedName, FeedConfig | undefined>(
    FEED_NAMES.map((n) => [n, { name: n, urls: DEFAULT_FEEDS[n] }]),
  )
  let maxAgeHours = 120
  let timeoutMs = 300_000
  let retries = 2
  const file = configFileOf(src, env)
  if (file) {
    const parsed = { data: readConfigFile(file) }
    const db = parsed.data.db ?? {}
    for (const [name, v] of Object.entries(db.feeds ?? {})) {
      if (!isFeed(name))
        throw new ShipshapeError(
          'USAGE',
          `unknown feed ${JSON.stringify(name)} in config; feeds: ${FEED_NAMES.join(', ')}`,
          { where: file },
        )
      if (v === false) feeds.set(name, undefined)
      else if (typeof v === 'string' || Array.isArray(v)) feeds.set(name, { name, urls: [v].flat() })
      else {
        const f: FeedConfig = { name, urls: [v.url].flat() }
        if (v.sha256) f.sha256 = v.sha256.toLowerCase()
        if (v.checksum_url) f.checksumUrl = v.checksum_url
        feeds.set(name, f)
      }
    }
    if (db.max_age !== undefined) maxAgeHours = parseDuration(db.max_age, 'db.max_age') / 3_600_000
    if (db.timeout !== undefined) timeoutMs = parseDuration(db.timeout, 'db.timeout')
    if (db.retries !== undefined) retries = db.retries
  }
  for (const name of FEED_NAMES) {
    const v = env[`SHIPSHAPE_FEED_${name.toUpperCase()}`]
    if (v === 'off') feeds.set(name, undefined)
    else if (v)
      feeds.set(name, {
        name,
        urls: v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      })
  }
  if (env.SHIPSHAPE_DB_MAX_AGE)
    maxAgeHours = parseDuration(env.SHIPSHAPE_DB_MAX_AGE, 'SHIPSHAPE_DB_MAX_AGE') / 3_600_000
  const flagged = new Map<FeedName, string[]>()
  for (const f of src.feedFlags ?? []) {
    const eq = f.indexOf('=')
    const name = f.slice(0, eq)
    const url = f.slice(eq + 1)
    if (eq <= 0 || !url) throw new ShipshapeError('USAGE', `--feed must be NAME=URL, not ${JSON.stringify(f)}`)
    if (!isFeed(name))
      throw new ShipshapeError('USAGE', `unknown feed ${JSON.stringify(name)}; feeds: ${FEED_NAMES.join(', ')}`)
    if (url === 'off') feeds.set(name, undefined)
    else flagged.set(name, [...(flagged.get(name) ?? []), url])
  }
  for (const [name, urls] of flagged) feeds.set(name, { name, urls })
  return {
    feeds: [...feeds.values()].filter((f): f is FeedConfig => f !== undefined),
    maxAgeHours,
    timeoutMs,
    retries,
  }
}
