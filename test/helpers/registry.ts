import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { REPO } from './images.js'

/** The shared fixture scripts (../shared/images), as the global setup finds them. */
export const SHARED_IMAGES = join(resolve(process.env.SHIPSHAPE_SHARED ?? join(REPO, '..', 'shared')), 'images')
const SCRIPT = join(SHARED_IMAGES, 'registry.sh')

export interface TestRegistry {
  dir: string
  /** host:port */
  host: string
  url: string
  auth: 'none' | 'htpasswd' | 'token'
  user?: string
  pass?: string
  ca?: string
  tokenUrl?: string
  stop(): void
}

function run(args: string[]): string {
  const r = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', timeout: 300_000 })
  if (r.status !== 0) throw new Error(`registry.sh ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

/** Starts Debian's docker-registry on 127.0.0.1:port in a fresh temp dir (registry.sh start). */
export function startRegistry(o: { port: number; auth?: 'none' | 'htpasswd' | 'token'; tls?: boolean }): TestRegistry {
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-registry-'))
  const args = ['start', dir, '--port', String(o.port), '--auth', o.auth ?? 'none']
  if (o.tls) args.push('--tls')
  run(args)
  const env = Object.fromEntries(
    readFileSync(join(dir, 'env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string>
  return {
    dir,
    host: env.REGISTRY as string,
    url: env.REGISTRY_URL as string,
    auth: (env.REGISTRY_AUTH ?? 'none') as TestRegistry['auth'],
    ...(env.REGISTRY_USER ? { user: env.REGISTRY_USER } : {}),
    ...(env.REGISTRY_PASS ? { pass: env.REGISTRY_PASS } : {}),
    ...(env.REGISTRY_CA ? { ca: env.REGISTRY_CA } : {}),
    ...(env.REGISTRY_TOKEN_URL ? { tokenUrl: env.REGISTRY_TOKEN_URL } : {}),
    stop() {
      try {
        run(['stop', dir])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/** Pushes every tag of `imagesDir/oci/NAME` to `REGISTRY/fixtures/NAME:TAG` (skopeo, digests preserved). */
export function pushImages(reg: TestRegistry, imagesDir: string, names: string[] = []): void {
  run(['push', reg.dir, imagesDir, ...names])
}

export interface ProxyRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
}

export type ProxyHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  forward: (opts?: { onResponse?: (up: http.IncomingMessage, res: http.ServerResponse) => boolean }) => void,
) => void

/**
 * A plain-HTTP front on 127.0.0.1 for fault injection: records every request, and lets the test answer itself or
 * forward to `target` (http://host:port). `onResponse` may take over the upstream answer (return true).
 */
export async function startProxy(
  target: string,
  handler?: ProxyHandler,
  host = '127.0.0.1',
): Promise<{ url: string; host: string; requests: ProxyRequest[]; close(): Promise<void> }> {
  const requests: ProxyRequest[] = []
  const t = new URL(target)
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    const forward: Parameters<ProxyHandler>[2] = (opts = {}) => {
      const up = http.request(
        {
          host: t.hostname,
          port: t.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: t.host },
        },
        (upRes) => {
          if (opts.onResponse?.(upRes, res)) return
          res.writeHead(upRes.statusCode ?? 502, upRes.headers)
          upRes.pipe(res)
        },
      )
      up.on('error', () => res.destroy())
      req.pipe(up)
    }
    if (handler) handler(req, res, forward)
    else forward()
  })
  await new Promise<void>((r) => server.listen(0, host, r))
  const port = (server.address() as AddressInfo).port
  const hostPort = `${host === '::1' ? '[::1]' : host}:${port}`
  return {
    url: `http://${hostPort}`,
    host: hostPort,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
